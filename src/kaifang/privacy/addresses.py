"""Address detection and generalisation from division names and address suffixes.

An address is parsed as a run of components in the usual Chinese order: divisions
(known province/city/county/town names, or a name ending in 省/市/区/县/镇/街道/村 ...),
then a road (路/街/大道/巷/弄), then numbers and buildings (号/栋/幢/单元/室, 小区/花园 ...).
Runs start either at a known division name or at a "core" where a road or estate suffix
is followed by a number (文三路398号, 阳光花园3幢); a core's start is found by walking
left to the nearest stop character. At least two components are required.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache

from kaifang.privacy import lexicon
from kaifang.privacy.normalize import NormalizedText
from kaifang.privacy.registry import RawSpan

_CJK = "\u4e00-\u9fff"
_NUMERAL = "0-9一二三四五六七八九十零〇"
_DIVISION_SUFFIX = "省|市|区|县|街道|镇|乡"
_LEFT_STOPS = frozenset(
    "，。、；：:,;（）()【】[]“”\"' \n\t住在于是位到至往从向的与及址为系赴来去经将把被给由"
)
_LEFT_REACH = 12

# Generic division suffixes and the level each implies (a 市 after a city is a county).
_ADMIN_LEVELS = {
    "特别行政区": "province",
    "自治区": "province",
    "省": "province",
    "自治州": "city",
    "地区": "city",
    "盟": "city",
    "市": "city",
    "自治县": "district",
    "新区": "district",
    "开发区": "district",
    "区": "district",
    "县": "district",
    "旗": "district",
    "街道": "street",
    "镇": "street",
    "乡": "street",
    "社区": "village",
    "村": "village",
    "居委会": "village",
    "村委会": "village",
}
_LEVEL_RANK = {"province": 0, "city": 1, "district": 2, "street": 3, "village": 4}
_KIND_RANK = {"division": 0, "road": 1, "number": 2, "estate": 2}


@dataclass(frozen=True, slots=True)
class Component:
    """One parsed address component: its kind, level (divisions only) and span."""

    kind: str
    level: str | None
    start: int
    end: int


@cache
def _known_levels() -> dict[str, str]:
    levels = dict(lexicon.divisions())
    levels.update(lexicon.place_names())
    return levels


def _alternation(kind: str) -> str:
    return "|".join(lexicon.address_terms()[kind])


@cache
def _component_regex() -> re.Pattern[str]:
    known = lexicon.trie_pattern(_known_levels())
    admin = "|".join(sorted(_ADMIN_LEVELS, key=len, reverse=True))
    road, number, estate = _alternation("road"), _alternation("number"), _alternation("estate")
    # A known name is a division unless a road suffix follows it (中山路 is a road).
    return re.compile(
        f"(?P<known>(?:{known})(?:{_DIVISION_SUFFIX}|(?!{road}|{_DIVISION_SUFFIX})))"
        f"|(?P<number>[{_NUMERAL}]{{1,5}}(?:-[0-9]{{1,5}}){{0,3}}(?:{number})|[A-Z]座)"
        f"|(?P<admin>(?:(?![路街巷弄道号])[{_CJK}]){{2,5}}?(?:{admin}))"
        f"|(?P<road>[{_CJK}0-9]{{1,8}}?(?:{road})(?:[东西南北中]段)?)"
        f"|(?P<estate>[{_CJK}A-Za-z]{{2,8}}?(?:{estate})|[{_CJK}]{{2,8}}(?=[0-9]{{1,4}}(?:幢|栋|号楼)))"
    )


@cache
def _anchor_regex() -> re.Pattern[str]:
    return re.compile(lexicon.trie_pattern(_known_levels()))


@cache
def _core_regex() -> re.Pattern[str]:
    """Where a road or estate suffix meets a number, or a name meets a building number."""
    suffixes = _alternation("road") + "|" + _alternation("estate")
    return re.compile(
        f"(?:{suffixes})(?:[东西南北中]段)?(?=[{_NUMERAL}]{{1,5}}(?:-[0-9]{{1,5}})?(?:号|弄|栋|幢|座|组))"
        f"|(?<=[{_CJK}])(?=[0-9]{{1,4}}(?:幢|栋|号楼))"
    )


def parse_components(text: str, start: int = 0) -> list[Component]:
    """Parse address components from ``start`` on, in order, until the order breaks."""
    regex = _component_regex()
    components: list[Component] = []
    position = start
    rank = 0
    while match := regex.match(text, position):
        kind = "division" if match.lastgroup in ("known", "admin") else str(match.lastgroup)
        if _KIND_RANK[kind] < rank:
            break
        rank = _KIND_RANK[kind]
        level = _division_level(match.group(), components) if kind == "division" else None
        components.append(Component(kind, level, match.start(), match.end()))
        position = match.end()
    return components


def _division_level(name: str, previous: list[Component]) -> str:
    """Return the level of a division name, known or judged by its suffix."""
    known = _known_levels()
    level = known.get(name) or known.get(name[:-1]) or known.get(name[:-2])
    if level is None:
        suffix = next(
            (s for s in sorted(_ADMIN_LEVELS, key=len, reverse=True) if name.endswith(s)), ""
        )
        level = _ADMIN_LEVELS.get(suffix, "street")
    if level == "city" and any(c.level == "city" for c in previous):
        return "district"  # a county-level city (临海市) under its prefecture
    return level


def _score(components: list[Component]) -> float | None:
    """Return a score for a parsed run, or None if it is too thin to be an address."""
    if len(components) < 2:
        return None
    kinds = {component.kind for component in components}
    if kinds == {"division"}:
        return 0.55
    return min(0.95, 0.6 + 0.1 * len(components))


class AddressDetector:
    """Chinese postal addresses anchored on division names or road/estate numbers."""

    kind = "address"

    def find(self, doc: NormalizedText) -> list[RawSpan]:
        """Return address spans scored 0.55-0.95 by how many components they have."""
        text = doc.text
        spans: list[RawSpan] = []
        covered = 0
        for match in _anchor_regex().finditer(text):
            if match.start() < covered:
                continue
            span = self._span_from(text, match.start())
            if span is not None:
                spans.append(span)
                covered = span[1]
        covered = 0
        anchored = sorted(spans)
        starts = [start for start, _, _ in anchored]
        for match in _core_regex().finditer(text):
            if match.start() < covered or _inside(anchored, starts, match.start()):
                continue
            span = self._span_around_core(text, match.start(), match.end())
            if span is not None:
                spans.append(span)
                covered = span[1]
        return _merge(spans)

    @staticmethod
    def _span_from(text: str, start: int) -> RawSpan | None:
        components = parse_components(text, start)
        score = _score(components)
        return None if score is None else (start, components[-1].end, score)

    def _span_around_core(self, text: str, core_start: int, core_end: int) -> RawSpan | None:
        for start in range(_left_edge(text, core_start), core_start):
            span = self._span_from(text, start)
            if span is not None and span[1] > core_end:
                return span
        return None


def _left_edge(text: str, core_start: int) -> int:
    """Walk left from a road or estate suffix to where its name plausibly starts.

    The first two characters are always taken (解放路 starts with a verb); after that the
    walk stops at punctuation and stop characters, and before a verb, preposition or the
    like (由李学负责|解放路).
    """
    function_words = lexicon.function_words()
    left = core_start
    while left > 0 and core_start - left < _LEFT_REACH and text[left - 1] not in _LEFT_STOPS:
        if core_start - left >= 2 and (
            text[left - 2 : left] in function_words or text[left - 3 : left] in function_words
        ):
            break
        left -= 1
    return left


def _merge(spans: list[RawSpan]) -> list[RawSpan]:
    """Merge overlapping or touching address spans, keeping the higher score."""
    merged: list[RawSpan] = []
    for start, end, score in sorted(spans):
        if merged and start <= merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), max(last[2], score))
        else:
            merged.append((start, end, score))
    return merged


def _inside(spans: list[RawSpan], starts: list[int], position: int) -> bool:
    """Return whether ``position`` falls in one of the sorted, non-overlapping ``spans``."""
    index = bisect_right(starts, position) - 1
    return index >= 0 and position < spans[index][1]


def address_value_status(value: str) -> str:
    """Classify a whole cell as an address: "valid" when most of it parses, else "no"."""
    text = value.strip()
    if len(text) < 4:
        return "no"
    components = parse_components(text)
    if len(components) < 2:
        spans = AddressDetector().find(NormalizedText(text, text))
        covered = max((end - start for start, end, _ in spans), default=0)
        return "valid" if covered >= 0.6 * len(text) else "no"
    return "valid" if components[-1].end >= 0.6 * len(text) else "no"


def generalize_address(value: str, level: str) -> str | None:
    """Cut an address after its last division at or above ``level``; None if none parses."""
    if level not in _LEVEL_RANK:
        raise ValueError(f"unknown address level {level!r}")
    kept = ""
    for component in parse_components(value.strip()):
        if (
            component.kind != "division"
            or _LEVEL_RANK[component.level or "village"] > _LEVEL_RANK[level]
        ):
            break
        kept = value.strip()[: component.end]
    return kept or None
