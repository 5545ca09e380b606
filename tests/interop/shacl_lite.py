"""A small regex-based reader of the mandatory (``sh:minCount 1``) paths in a SHACL shapes file.

It understands exactly the layout of the DCAT-AP shapes: one ``:Name_Shape`` node shape per
paragraph, property shapes as ``[ ... ]`` blocks and one ``sh:targetClass`` per shape.
"""

from __future__ import annotations

import re
from pathlib import Path

SHAPES = Path(__file__).parent / "data" / "dcat-ap-3.0.1" / "shapes.ttl"
_PREFIX = re.compile(r"^@prefix\s+(\w*):\s*<([^>]*)>\s*\.", re.M)
_SHAPE_HEAD = re.compile(r"^:(\w+)\s*$", re.M)
_TARGET = re.compile(r"sh:targetClass\s+([\w:]+)")
_BLOCK = re.compile(r"\[([^\[\]]*)\]")
_MIN_ONE = re.compile(r"sh:minCount\s+1\b")
_PATH = re.compile(r"sh:path\s+([^\s;\]]+)")


def prefixes(text: str) -> dict[str, str]:
    """Prefix → namespace from the ``@prefix`` lines."""
    return dict(_PREFIX.findall(text))


def expand(name: str, known: dict[str, str]) -> str:
    """The full IRI of a prefixed name or ``<iri>``."""
    if name.startswith("<"):
        return name.strip("<>")
    prefix, local = name.split(":", 1)
    return known[prefix] + local


def mandatory_paths(text: str) -> dict[str, set[str]]:
    """Target class IRI → IRIs of the paths its shape requires at least once."""
    known = prefixes(text)
    out: dict[str, set[str]] = {}
    heads = list(_SHAPE_HEAD.finditer(text))
    for head, nxt in zip(heads, [*heads[1:], None], strict=True):
        chunk = text[head.end() : nxt.start() if nxt else len(text)]
        target = _TARGET.search(chunk)
        if target is None:
            continue
        paths = out.setdefault(expand(target.group(1), known), set())
        for block in _BLOCK.findall(chunk):
            path = _PATH.search(block)
            if path and _MIN_ONE.search(block):
                paths.add(expand(path.group(1), known))
    return out


def load_mandatory() -> dict[str, set[str]]:
    """The mandatory paths of the DCAT-AP 3.0.1 shapes copied into the tests."""
    return mandatory_paths(SHAPES.read_text(encoding="utf-8"))
