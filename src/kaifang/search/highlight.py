"""Which query words occur in a hit's title and summary, and a summary snippet around them.

Terms are returned as they are written in the text (a pinyin query "jiaotong" yields 交通),
so the page can mark them itself; no HTML is produced here.
"""

from __future__ import annotations

from kaifang.search import text
from kaifang.search.text import QueryTerm

SNIPPET_CHARS = 160
SNIPPET_LEAD = 40


def matched_terms(terms: list[QueryTerm], title: str, summary: str) -> list[str]:
    """Substrings of ``title``/``summary`` matched by the query, in query order, unique."""
    found: dict[str, None] = {}
    for source in (title, summary):
        folded = text.normalise(source)
        # NFKC may change lengths (e.g. ligatures); only slice the original when it did not.
        aligned = len(folded) == len(source)
        for term in terms:
            for word in _words_of(term):
                start = folded.find(word)
                if start >= 0:
                    found.setdefault(source[start : start + len(word)] if aligned else word)
    for term in terms:
        if term.word.isascii() and term.word.isalpha():
            for word in _pinyin_matches(term.word, title):
                found.setdefault(word)
    return list(found)


def _words_of(term: QueryTerm) -> list[str]:
    return list(dict.fromkeys(w for alternative in term.alternatives for w in alternative))


def _pinyin_matches(query: str, title: str) -> list[str]:
    """Title characters whose pinyin or initials the ASCII ``query`` spells from a word start."""
    units = text.units(title)
    out: list[str] = []
    for form in ("full", "initial"):
        spellings = [getattr(u, form) for u in units]
        for start, unit in enumerate(units):
            if unit.starts_word and text.is_cjk(unit.text):
                end = _spelled_until(query, spellings, start)
                if end > start:
                    out.append("".join(u.text for u in units[start:end]))
    return out


def _spelled_until(query: str, spellings: list[str], start: int) -> int:
    """Index after the last unit spelled when ``query`` is read from ``start``, else start."""
    rest, i = query, start
    while rest and i < len(spellings) and spellings[i]:
        spelling = spellings[i]
        if rest.startswith(spelling):
            rest, i = rest[len(spelling) :], i + 1
        elif spelling.startswith(rest):
            return i + 1
        else:
            return start
    return i if not rest else start


def snippet(summary: str, terms: list[str]) -> str:
    """At most SNIPPET_CHARS of the summary, placed around the first matched term."""
    if len(summary) <= SNIPPET_CHARS:
        return summary
    positions = [p for p in (summary.find(t) for t in terms) if p >= 0]
    start = max(0, min(positions) - SNIPPET_LEAD) if positions else 0
    start = min(start, len(summary) - SNIPPET_CHARS)
    end = start + SNIPPET_CHARS
    return ("…" if start else "") + summary[start:end] + ("…" if end < len(summary) else "")
