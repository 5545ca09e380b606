"""Word lists behind the name and address detectors, loaded once from package data.

The files in ``privacy/data`` are small and written for Kaifang (surnames, given-name
characters, province and city names, address suffixes) or copied from the city's
statistical division codes. jieba's packaged dictionary (an offline file of a declared
dependency) supplies ordinary words that begin with a surname, so "周末" or "许多" are not
taken for names.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

_DATA = resources.files("kaifang.privacy") / "data"

# Dictionary tags that mark a person name.
_NAME_TAGS = frozenset({"nr", "nrfg", "nrt"})
# Only words at least this frequent in jieba's dictionary veto a candidate; rare entries
# are often names or proper nouns that happen to share a surname's character. jieba tags
# many ordinary words as names (齐全, 许可, 陈列 are "nr"), so frequent "names" veto too.
_MIN_WORD_FREQUENCY = 20
_MIN_NAME_TAG_FREQUENCY = 250


@dataclass(frozen=True, slots=True)
class Surnames:
    """Surname sets: ``common`` may be found without context, ``weak`` only with it."""

    common: frozenset[str]
    weak: frozenset[str]
    compound: frozenset[str]

    @property
    def single(self) -> frozenset[str]:
        """All one-character surnames."""
        return self.common | self.weak


def _lines(name: str) -> list[str]:
    text = (_DATA / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


@cache
def surnames() -> Surnames:
    """Return the surname dictionary."""
    tiers: dict[str, set[str]] = {"common": set(), "weak": set(), "compound": set()}
    for line in _lines("surnames.tsv"):
        name, tier = line.split("\t")
        tiers[tier].add(name)
    return Surnames(
        frozenset(tiers["common"]), frozenset(tiers["weak"]), frozenset(tiers["compound"])
    )


@cache
def given_name_chars() -> frozenset[str]:
    """Return characters common in given names."""
    return frozenset(_lines("given_chars.txt"))


@cache
def place_names() -> dict[str, str]:
    """Return province and city names (full and short forms) mapped to their level."""
    places: dict[str, str] = {}
    for line in _lines("places.tsv"):
        full, short, level = line.split("\t")
        places.setdefault(full, level)
        places.setdefault(short, level)
    return places


@cache
def divisions() -> dict[str, str]:
    """Return the packaged county- and town-level division names mapped to their level."""
    names: dict[str, str] = {}
    for file_name, level in (("taizhou-areas.csv", "district"), ("taizhou-streets.csv", "street")):
        text = (_DATA / file_name).read_text(encoding="utf-8")
        for row in csv.DictReader(io.StringIO(text)):
            names[row["name"]] = level
    return names


@cache
def place_words() -> frozenset[str]:
    """Return place names, with county and town names also without their suffix (黄岩)."""
    words = set(place_names()) | set(divisions())
    for name in divisions():
        for suffix in ("街道", "区", "县", "市", "镇", "乡"):
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                words.add(name[: -len(suffix)])
                break
    return frozenset(words)


@cache
def name_context() -> dict[str, tuple[str, ...]]:
    """Return the words around names by kind: label, honorific, before, after."""
    groups: dict[str, list[str]] = {}
    for line in _lines("name_context.tsv"):
        kind, word = line.split("\t")
        groups.setdefault(kind, []).append(word)
    return {kind: tuple(words) for kind, words in groups.items()}


@cache
def address_terms() -> dict[str, tuple[str, ...]]:
    """Return address suffixes grouped by kind (admin, road, number, place), longest first."""
    groups: dict[str, list[str]] = {}
    for line in _lines("address_terms.tsv"):
        kind, suffix = line.split("\t")
        groups.setdefault(kind, []).append(suffix)
    return {kind: tuple(sorted(words, key=len, reverse=True)) for kind, words in groups.items()}


def _jieba_dictionary() -> Path:
    """Return the path of jieba's dictionary without importing jieba (its import is noisy)."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("jieba is a dependency of kaifang and must be installed")
    return Path(next(iter(spec.submodule_search_locations))) / "dict.txt"


@cache
def common_words() -> frozenset[str]:
    """Return frequent 2-4 character non-name words from jieba's packaged dictionary."""
    source = _jieba_dictionary()
    words: set[str] = set()
    with source.open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) != 3 or not 2 <= len(parts[0]) <= 4:
                continue
            word, frequency, tag = parts
            floor = _MIN_NAME_TAG_FREQUENCY if tag in _NAME_TAGS else _MIN_WORD_FREQUENCY
            if int(frequency) >= floor:
                words.add(word)
    return frozenset(words)


@cache
def name_tagged_words() -> frozenset[str]:
    """Return the frequent words jieba tags as names (李娜 and 齐全 alike)."""
    names: set[str] = set()
    with _jieba_dictionary().open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) == 3 and parts[2] in _NAME_TAGS and 2 <= len(parts[0]) <= 4:
                names.add(parts[0])
    return frozenset(names) & common_words()


# jieba part-of-speech tags of words that end the text before an address (负责, 位于,
# 居住, 附近): verbs, prepositions, adverbs, conjunctions, particles, pronouns, locatives.
_FUNCTION_TAGS = frozenset({"v", "vd", "p", "d", "c", "u", "r", "f", "ad"})
_MIN_FUNCTION_FREQUENCY = 50


@cache
def function_words() -> frozenset[str]:
    """Return frequent 2-3 character verbs, prepositions and the like from jieba's dictionary."""
    source = _jieba_dictionary()
    words: set[str] = set()
    with source.open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) != 3 or not 2 <= len(parts[0]) <= 3 or parts[2] not in _FUNCTION_TAGS:
                continue
            if int(parts[1]) >= _MIN_FUNCTION_FREQUENCY:
                words.add(parts[0])
    return frozenset(words)


def trie_pattern(words: Iterable[str]) -> str:
    """Return a regex alternation of ``words`` factored by common prefixes (longest first)."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _node_pattern(trie)


def _node_pattern(node: dict[str, dict]) -> str:
    ending = "" in node
    branches = [
        re.escape(char) + _node_pattern(child) for char, child in sorted(node.items()) if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ending:
        body = "(?:" + body + ")?"
    return body
