"""Person-name detection for Chinese text without a statistical model.

Three passes, strongest first: a label (姓名：, 联系人, 申请人 ...) followed by a surname
and one or two characters; a surname plus given name followed by an honorific (先生, 女士,
老师 ...); and a context-free candidate around a surname, scored by what stands around
it (punctuation, 由/与/至 before; 说/在/等/负责 after) and vetoed when it is an ordinary
word (jieba's dictionary) or a place name. Weak surnames such as 高 or 于 start too many
ordinary words, so without a label they need a cue on both sides.

Whether a name has one or two given characters is decided by the character after the
first one: kept when it is common in given names, or when a cue follows it and it is not
a character that usually follows a name (持, 在, 负 ...).
"""

from __future__ import annotations

import re
from functools import cached_property

from kaifang.privacy import lexicon
from kaifang.privacy.normalize import NormalizedText
from kaifang.privacy.registry import RawSpan

_CJK = "\u4e00-\u9fff"
_PREV_CUE_CHARS = frozenset(
    "，。、；：:,;（(【[「“\"' \n\t由与和及向经据请让给叫被把对同跟将是为至找问或即"
)
_NEXT_CUE_CHARS = frozenset(
    "，。、；：:,;）)】]」”\"' \n\t（(说讲称于在的是已将向等和与及因被为把从到曾也都还就系今持"
)
# Characters that usually follow a name rather than end it.
_AFTER_NAME = frozenset(
    "持在于的是说等和与及负出主同向将已因被为把从到曾也都还就系今现家住称表认介告签男女身电手联性"
    "担参带请反提办申协作所之这那该其"
)
_COMMON_BASE = 0.4
_WEAK_BASE = 0.3
_CUE = 0.25
_ALL_GIVEN = 0.1
_MIN_SCORE = 0.5


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


class PersonNameDetector:
    """Chinese person names from labels, honorifics and cues around surnames."""

    kind = "person_name"

    @cached_property
    def _surname_pattern(self) -> str:
        names = lexicon.surnames()
        return f"(?:{lexicon.trie_pattern(names.compound)}|[{''.join(sorted(names.single))}])"

    @cached_property
    def _labelled(self) -> re.Pattern[str]:
        labels = lexicon.trie_pattern(lexicon.name_context()["label"])
        return re.compile(
            f"(?:{labels})(?P<sep>[:：]|为|是)?[ \t]*"
            f"(?P<name>[{_CJK}]{{2,6}}·[{_CJK}]{{2,8}}"
            f"|{self._surname_pattern}(?:[*]{{1,2}}|某某?|[{_CJK}]{{1,2}}))"
        )

    @cached_property
    def _honorific(self) -> re.Pattern[str]:
        honorifics = lexicon.trie_pattern(lexicon.name_context()["honorific"])
        return re.compile(f"(?P<name>{self._surname_pattern}[{_CJK}]{{1,2}}?)(?:{honorifics})")

    @cached_property
    def _candidate(self) -> re.Pattern[str]:
        return re.compile(f"{self._surname_pattern}(?=[{_CJK}])")

    @cached_property
    def _vetoes(self) -> frozenset[str]:
        return lexicon.place_words()

    @cached_property
    def _before_words(self) -> tuple[str, ...]:
        return lexicon.name_context()["before"]

    @cached_property
    def _after_words(self) -> tuple[str, ...]:
        return lexicon.name_context()["after"]

    def find(self, doc: NormalizedText) -> list[RawSpan]:
        """Return name spans: labelled 0.95 (masked 0.6), honorific 0.85, cued 0.5-0.9."""
        text = doc.text
        spans = self._find_labelled(text)
        taken = {position for start, end, _ in spans for position in range(start, end)}
        for match in self._honorific.finditer(text):
            start, end = match.span("name")
            if start not in taken and not self._is_word(text, start, _surname_length(text, start)):
                spans.append((start, end, 0.85))
                taken.update(range(start, end))
        spans.extend(self._find_cued(text, taken))
        return spans

    def _find_labelled(self, text: str) -> list[RawSpan]:
        spans: list[RawSpan] = []
        for match in self._labelled.finditer(text):
            start, name = match.start("name"), match.group("name")
            if "·" in name or "*" in name or "某" in name[1:]:
                masked = "*" in name or "某" in name[1:]
                spans.append((start, match.end("name"), 0.6 if masked else 0.95))
                continue
            length = _surname_length(text, start)
            if match.group("sep") is None and self._is_word(text, start, length, left=False):
                continue  # "法人单位" is no name; after "姓名：" anything goes
            end = self._name_end(text, start, length)
            if end > start + length:
                spans.append((start, end, 0.95))
        return spans

    def _find_cued(self, text: str, taken: set[int]) -> list[RawSpan]:
        """Score context-free candidates around surnames."""
        spans: list[RawSpan] = []
        names = lexicon.surnames()
        given = lexicon.given_name_chars()
        reached = 0
        for match in self._candidate.finditer(text):
            start, first = match.start(), match.end()
            if start < reached or start in taken:
                continue
            weak = text[start] in names.weak and first - start == 1
            if weak and text[first] in names.common:
                continue  # "于张伟" reads better as a cue word and a common surname
            if self._is_word(text, start, first - start) or self._is_place(text, start):
                continue
            end = self._name_end(text, start, first - start)
            before, after = self._prev_cue(text, start), self._next_cue(text, end)
            if not (before or after) or (weak and not (before and after)):
                continue
            if not (before and after) and not any(char in given for char in text[first:end]):
                continue  # an unusual given name needs cues on both sides
            score = (_WEAK_BASE if weak else _COMMON_BASE) + _CUE * (before + after)
            if all(char in given for char in text[first:end]):
                score += _ALL_GIVEN
            if score >= _MIN_SCORE:
                spans.append((start, end, min(score, 0.9)))
                reached = end
        return spans

    def _name_end(self, text: str, start: int, surname_length: int) -> int:
        """Return where a name starting at ``start`` ends (one or two given characters)."""
        first = start + surname_length
        if first >= len(text) or not _is_cjk(text[first]):
            return first
        second = first + 1
        if second >= len(text) or not _is_cjk(text[second]) or text[second] in _AFTER_NAME:
            return second
        common_given = text[second] in lexicon.given_name_chars()
        if common_given and text[second : second + 2] not in lexicon.common_words():
            return second + 1
        return second + 1 if self._next_cue(text, second + 1) else second

    def _is_word(self, text: str, start: int, surname_length: int, *, left: bool = True) -> bool:
        """Return whether the surname at ``start`` belongs to an ordinary word."""
        words = lexicon.common_words()
        if surname_length == 1:
            if left and start > 0 and text[start - 1 : start + 1] in words:
                return True
            if text[start : start + 2] in words:
                return True
        return text[start : start + 3] in words

    def _is_place(self, text: str, start: int) -> bool:
        vetoes = self._vetoes
        return any(text[start : start + size] in vetoes for size in (2, 3, 4))

    def _prev_cue(self, text: str, start: int) -> bool:
        if start == 0 or text[start - 1] in _PREV_CUE_CHARS:
            return True
        return any(text.endswith(word, 0, start) for word in self._before_words)

    def _next_cue(self, text: str, end: int) -> bool:
        if end >= len(text) or text[end] in _NEXT_CUE_CHARS:
            return True
        return any(text.startswith(word, end) for word in self._after_words)


def _surname_length(text: str, start: int) -> int:
    return 2 if text[start : start + 2] in lexicon.surnames().compound else 1


_MINORITY = re.compile(f"[{_CJK}]{{2,6}}·[{_CJK}]{{2,8}}")


def name_value_status(value: str) -> str:
    """Classify a whole cell as a person name: "valid", "masked" or "no"."""
    value = value.strip()
    if _MINORITY.fullmatch(value):
        return "valid"
    if not 2 <= len(value) <= 4 or not all(_is_cjk(char) or char == "*" for char in value):
        return "no"
    names = lexicon.surnames()
    surname = value[:2] if value[:2] in names.compound else value[:1]
    if surname not in names.single and surname not in names.compound:
        return "no"
    rest = value[len(surname) :]
    if not rest or len(rest) > 2:
        return "no"
    if set(rest) == {"*"} or rest in ("某", "某某"):
        return "masked"
    if "*" in rest:
        return "no"
    ordinary = value in lexicon.common_words() and value not in lexicon.name_tagged_words()
    return "no" if ordinary else "valid"
