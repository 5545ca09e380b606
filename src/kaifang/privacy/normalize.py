"""Text normalisation before PII detection, with a map back to the original offsets.

Detectors see a canonical text: full-width digits, letters and value symbols folded to
half-width (Chinese punctuation such as ，and ：is left alone), dash look-alikes folded
to ``-``, OCR confusions (``O``/``l`` between digits) repaired, grouped numbers
(``138 1234 5678``, ``6222-0212-3456-7890``) compacted and ``+86``/``0086`` prefixes in
front of mobile numbers removed. Every finding is reported on the original string, so
the normalised text carries a sparse offset map (one breakpoint per deleted run) rather
than one integer per character.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from types import MappingProxyType

# Full-width forms U+FF01..U+FF5E are ASCII shifted by 0xFEE0; the ideographic space and
# dash look-alikes are folded too. All of these are 1:1, so offsets do not move.
_WIDTH_TABLE: dict[int, int] = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_WIDTH_TABLE.update(
    {
        0x3000: 0x20,  # ideographic space
        0x00A0: 0x20,  # no-break space
        0x2010: 0x2D,  # hyphen
        0x2011: 0x2D,  # non-breaking hyphen
        0x2012: 0x2D,  # figure dash
        0x2013: 0x2D,  # en dash
        0x2014: 0x2D,  # em dash
        0x2212: 0x2D,  # minus sign
        0x00D7: 0x2A,  # multiplication sign, used as a mask character
    }
)

# Runs of characters the table changes. Chinese text is full of full-width punctuation
# (，：（）) that detection does not need folded, so only digits, letters and the symbols
# that occur inside values are looked for, and the translation runs only on those runs.
_FOLDABLE = re.compile(
    "[\uff0a\uff0b\uff0d\uff0e\uff10-\uff19\uff20-\uff3a\uff41-\uff5a"
    "\u3000\u00a0\u2010-\u2014\u2212\u00d7]+"
)

# Letters that OCR and careless typing put in place of digits; only repaired when the
# letter sits between two digits, where no identifier uses them (USCC and plates exclude
# I and O by design).
_OCR_DIGIT = re.compile(r"[0-9][OoIl](?=[0-9])")
_OCR_TABLE = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1"})

# A grouped number: groups of 3-8 digits joined by one space or hyphen, the last group
# 1-8 digits (an ID may end in X). Compacted only when 10-19 digits in total, which covers
# mobiles, IDs and bank cards but leaves dates (2020-01-01) and short numbers alone.
# A dotted form is accepted only as 3.4.4 (mobile-like), so IPs and decimals survive.
# The whole pattern starts with one character class, so the regex engine skips straight
# to candidate characters (a leading alternation of groups would be tried at every
# position, five times slower); each branch then checks what that first character was.
_COMPACT = re.compile(
    r"[0-9+(](?:(?P<cc>(?<=\+)86[ -]?|(?<=0)(?<![0-9]0)086[ -]?|(?<=\()\+?86\) ?)(?=1[3-9][0-9])"
    r"|(?P<chain>(?<![0-9A-Za-z.][0-9])(?<=[0-9])[0-9]{2,7}(?:[ -][0-9]{3,8})*[ -][0-9]{1,8}[Xx]?)"
    r"(?![0-9A-Za-z])"
    r"|(?P<dotted>(?<=1)(?<![0-9A-Za-z.]1)[3-9][0-9]\.[0-9]{4}\.[0-9]{4})(?![0-9A-Za-z.]))"
)
_SEPARATORS = str.maketrans("", "", " -.")


_NO_BREAKPOINTS: tuple[int, ...] = ()
_NO_OVERRIDES: Mapping[int, int] = MappingProxyType({})


class NormalizedText:
    """A normalised text plus the breakpoints mapping its offsets to the original.

    A plain slotted class rather than a frozen dataclass: one is built per analysed text,
    and a frozen dataclass's ``__init__`` costs more than detecting in a short text.
    """

    __slots__ = ("norm_at", "orig_at", "original", "start_override", "text")

    def __init__(
        self,
        original: str,
        text: str,
        norm_at: Sequence[int] = _NO_BREAKPOINTS,
        orig_at: Sequence[int] = _NO_BREAKPOINTS,
        start_override: Mapping[int, int] = _NO_OVERRIDES,
    ) -> None:
        self.original = original
        self.text = text
        # Parallel: from normalised offset norm_at[i] on, original = orig_at[i] + delta.
        self.norm_at = norm_at
        self.orig_at = orig_at
        # Where a deleted prefix (+86) precedes a kept character, a span starting there
        # reaches back to cover the prefix.
        self.start_override = start_override

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised half-open span to the original string's offsets."""
        if not self.norm_at:
            return start, end
        original_start = self.start_override.get(start)
        if original_start is None:
            original_start = self._map(start)
        original_end = self._map(end - 1) + 1 if end > start else original_start
        return original_start, original_end

    def _map(self, pos: int) -> int:
        index = bisect_right(self.norm_at, pos) - 1
        if index < 0:
            return pos
        return self.orig_at[index] + (pos - self.norm_at[index])


def fold_width(text: str) -> str:
    """Return ``text`` with full-width digits, letters and dashes folded (length kept)."""
    folded = text if text.isascii() else _FOLDABLE.sub(_fold_run, text)
    # Substring tests run at C speed; the OCR regex is tried only when a suspect letter exists.
    suspect = "O" in folded or "o" in folded or "I" in folded or "l" in folded
    if not suspect or _OCR_DIGIT.search(folded) is None:
        return folded
    return _OCR_DIGIT.sub(lambda m: m.group().translate(_OCR_TABLE), folded)


def _fold_run(match: re.Match[str]) -> str:
    return match.group().translate(_WIDTH_TABLE)


def normalize(text: str) -> NormalizedText:
    """Normalise ``text`` for detection; the result maps spans back to ``text``."""
    folded = fold_width(text)
    if not ("86" in folded or " " in folded or "-" in folded or "." in folded):
        return NormalizedText(text, folded)  # nothing a compaction could start from
    pieces: list[str] = []
    norm_at: list[int] = []
    orig_at: list[int] = []
    overrides: dict[int, int] = {}
    cursor = 0
    length = 0
    for match in _COMPACT.finditer(folded):
        replacement = _replacement(match)
        if replacement is None:
            continue
        pieces.append(folded[cursor : match.start()])
        length += match.start() - cursor
        if match.lastgroup == "cc":
            overrides[length] = match.start()
        else:
            _record_chain(match, length, norm_at, orig_at)
            pieces.append(replacement)
            length += len(replacement)
        cursor = match.end()
        norm_at.append(length)
        orig_at.append(cursor)
    if not norm_at:
        return NormalizedText(original=text, text=folded)
    pieces.append(folded[cursor:])
    return NormalizedText(text, "".join(pieces), norm_at, orig_at, overrides)


def _replacement(match: re.Match[str]) -> str | None:
    """Return what a matched run becomes, or None when it must stay as it is."""
    kind = match.lastgroup
    if kind == "cc":
        return ""
    compact = match.group().translate(_SEPARATORS)
    if kind == "dotted":
        return compact
    digits = len(compact) - (1 if compact[-1] in "Xx" else 0)
    return compact if 10 <= digits <= 19 else None


def _record_chain(
    match: re.Match[str], length: int, norm_at: list[int], orig_at: list[int]
) -> None:
    """Add one breakpoint per kept digit group of a compacted chain."""
    position = length
    for group in re.finditer(r"[0-9Xx]+", match.group()):
        norm_at.append(position)
        orig_at.append(match.start() + group.start())
        position += group.end() - group.start()
