"""Text analysis shared by indexing and querying: normalisation, jieba segmentation, pinyin.

Every token leaving this module consists only of lower-case letters and digits, so it can be
written to an FTS5 column or a tsvector literal and quoted in a query without any escaping
surprises; the same functions run at index and at query time so both sides agree.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import jieba
from pypinyin import Style, lazy_pinyin

# Longer pinyin or words are cut, at index and query time alike, so prefix matching agrees.
MAX_TOKEN_CHARS = 24
MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 12
MAX_SUFFIX_STARTS = 12
# Function words that carry no meaning in a catalogue query ("公交的线路" means 公交 线路).
STOPWORDS = frozenset("的与和及或等了在是之其为对于以并且")

_ALNUM_RUN = re.compile(r"[^\W_]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def tokenizer() -> jieba.Tokenizer:
    """The search's own jieba tokenizer, loaded once from the packaged dictionary, quietly."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                logging.getLogger("jieba").setLevel(logging.WARNING)
                instance = jieba.Tokenizer()
                instance.initialize()
                _tokenizer = instance
    return _tokenizer


def normalise(text: str) -> str:
    """NFKC-folded, lower-cased text (full-width letters and digits become ASCII)."""
    return unicodedata.normalize("NFKC", text or "").lower()


def alnum_runs(text: str) -> list[str]:
    """The letter/digit runs of ``text``, each cut to the longest token we index."""
    return [run[:MAX_TOKEN_CHARS] for run in _ALNUM_RUN.findall(text)]


def is_cjk(word: str) -> bool:
    return bool(_CJK.search(word))


@functools.lru_cache(maxsize=100_000)
def search_tokens(text: str) -> tuple[str, ...]:
    """Index tokens of ``text``: jieba's search-mode words (whole words and their parts)."""
    words = tokenizer().cut_for_search(normalise(text))
    return tuple(dict.fromkeys(run for word in words for run in alnum_runs(word)))


@functools.lru_cache(maxsize=100_000)
def words(text: str) -> tuple[str, ...]:
    """Precise-mode jieba words of ``text`` (letters and digits only), in order."""
    return tuple(run for word in tokenizer().cut(normalise(text)) for run in alnum_runs(word))


@dataclass(frozen=True)
class Unit:
    """One character of Chinese text (or one non-Chinese word) with its pinyin and initial."""

    text: str
    full: str
    initial: str
    starts_word: bool


@functools.lru_cache(maxsize=100_000)
def units(text: str) -> tuple[Unit, ...]:
    """The units of ``text``; words and dictionary sub-words (公交线路 -> 线路) start at some."""
    out: list[Unit] = []
    for word in words(text):
        fulls = lazy_pinyin(word, errors="default") if is_cjk(word) else []
        if len(fulls) != len(word):
            out.append(Unit(word, word, word, True))
            continue
        initials = lazy_pinyin(word, style=Style.FIRST_LETTER, errors="default")
        freq = tokenizer().FREQ
        for k, char in enumerate(word):
            # jieba's search mode indexes the in-word pairs it knows; they may start a match too.
            pair = word[k : k + 2]
            starts = k == 0 or (len(word) > 2 and len(pair) == 2 and bool(freq.get(pair)))
            out.append(Unit(char, _letters(fulls[k]), _letters(initials[k]), starts))
    return tuple(out)


def _letters(spelling: str) -> str:
    return "".join(alnum_runs(spelling))


@dataclass(frozen=True)
class Suffix:
    """The text from one word start onwards, in characters, pinyin and initials."""

    position: int
    chars: str
    full: str
    initials: str


def suffixes(text: str) -> list[Suffix]:
    """Suffixes of ``text`` from its first few word starts (for prefix matching)."""
    us = units(text)
    starts = [i for i, u in enumerate(us) if u.starts_word][:MAX_SUFFIX_STARTS]
    return [
        Suffix(
            position=i,
            chars="".join(u.text for u in us[i:])[:MAX_TOKEN_CHARS],
            full="".join(u.full for u in us[i:])[:MAX_TOKEN_CHARS],
            initials="".join(u.initial for u in us[i:])[:MAX_TOKEN_CHARS],
        )
        for i in starts
    ]


def pinyin_tokens(texts: Iterable[str]) -> list[str]:
    """Pinyin and initials tokens of Chinese texts ("交通运输局" -> jiaotongyunshuju, jtysj ...)."""
    tokens: dict[str, None] = {}
    for text in texts:
        for suffix in suffixes(text):
            if is_cjk(suffix.chars):
                tokens.setdefault(suffix.full)
                tokens.setdefault(suffix.initials)
    return [t for t in tokens if t]


def field_tokens(texts: Iterable[str]) -> list[str]:
    """Search tokens of several texts of one field, de-duplicated in order."""
    return list(dict.fromkeys(token for text in texts for token in search_tokens(text)))


@dataclass(frozen=True)
class QueryTerm:
    """One query word: it matches when any alternative (a conjunction of prefixes) matches."""

    word: str
    alternatives: tuple[tuple[str, ...], ...]


def query_terms(query: str) -> list[QueryTerm]:
    """Parse a user's query into terms; syntax characters are dropped, never interpreted."""
    text = normalise(query)[:MAX_QUERY_CHARS]
    seen: dict[str, None] = {}
    for word in tokenizer().cut(text):
        for run in alnum_runs(word):
            if run not in STOPWORDS:
                seen.setdefault(run)
    return [QueryTerm(w, _alternatives(w)) for w in list(seen)[:MAX_QUERY_WORDS]]


def _alternatives(word: str) -> tuple[tuple[str, ...], ...]:
    parts = _cover(word) if len(word) >= 3 and is_cjk(word) else (word,)
    return ((word,),) if parts == (word,) else ((word,), parts)


def _cover(word: str) -> tuple[str, ...]:
    """Split a long word into dictionary pairs, so "运输局" still finds text cut as 运输/局."""
    freq = tokenizer().FREQ
    parts: list[str] = []
    i = 0
    while i < len(word):
        pair = word[i : i + 2]
        if len(pair) == 2 and freq.get(pair):
            parts.append(pair)
            i += 2
        else:
            parts.append(word[i])
            i += 1
    return tuple(parts)


def iter_suggestion_keys(title: str) -> Iterator[tuple[int, str]]:
    """(word position, key) pairs under which a title is offered as a completion."""
    seen: set[str] = set()
    for suffix in suffixes(title):
        for key in (suffix.chars, suffix.full, suffix.initials):
            if key and key not in seen:
                seen.add(key)
                yield suffix.position, key


def suggestion_prefix(prefix: str) -> str:
    """A typed prefix in the form suggestion keys are stored (letters and digits, lower case)."""
    return "".join(alnum_runs(normalise(prefix)))[:MAX_TOKEN_CHARS]
