"""Solr-style CKAN ``q``/``fq``/``sort`` parsing into SQLAlchemy expressions (never SQL text).

Grammar (a small recursive-descent parser)::

    expr    := and_expr (OR and_expr)*
    and_expr:= clause ((AND)? clause)*
    clause  := (NOT | '-' | '!' | '+') clause | atom
    atom    := '(' expr ')' | FIELD ':' value | WORD | "QUOTED" | '*:*'
    value   := '(' expr ')' | '[' bound TO bound ']' | '{' bound TO bound '}' | WORD | "QUOTED"

A bare word is a full-text term (title, summary, keywords, code); inside ``field:( ... )``
bare words belong to that field. Unknown fields and malformed input raise SearchQueryError.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, false, func, not_, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute

from kaifang.auth.models import Organization
from kaifang.catalog.models import Dataset, Resource
from kaifang.errors import BadRequest

MAX_QUERY_LENGTH = 2000
MAX_DEPTH = 20
_FIELD_NAME = re.compile(r"^[A-Za-z_][\w.]*$")
_SPECIAL = set('()[]{}"')
_DRAFT_STATUSES = ("draft", "submitted", "approved", "rejected")


class SearchQueryError(BadRequest):
    """A ``q``, ``fq`` or ``sort`` the parser cannot accept (CKAN's "Search Query Error")."""

    code = "search_query_error"


# --- syntax tree -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """``field:value`` (field None = full text)."""

    field: str | None
    value: str


@dataclass(frozen=True)
class Range:
    field: str
    low: str
    high: str
    include_low: bool = True
    include_high: bool = True


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class AllOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class MatchAll:
    pass


Node = Term | Range | Not | AllOf | AnyOf | MatchAll


# --- tokens ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # WORD, QUOTED, COLON, PREFIX, or the bracket character itself
    text: str


def tokenize(text: str) -> list[Token]:
    """Split query text into tokens; colons inside ranges and values belong to the word."""
    if len(text) > MAX_QUERY_LENGTH:
        raise SearchQueryError(
            f"Search Query is invalid: longer than {MAX_QUERY_LENGTH} characters"
        )
    tokens: list[Token] = []
    i, depth = 0, 0
    while i < len(text):
        c = text[i]
        if c.isspace():
            i += 1
        elif c == '"':
            i = _quoted(text, i, tokens)
        elif c in _SPECIAL:
            depth += 1 if c in "[{" else -1 if c in "]}" else 0
            tokens.append(Token(c, c))
            i += 1
        elif c == ":":
            tokens.append(Token("COLON", c))
            i += 1
        elif c in "+-!" and i + 1 < len(text) and not text[i + 1].isspace():
            tokens.append(Token("PREFIX", c))
            i += 1
        else:
            i = _word(text, i, tokens, in_range=depth > 0)
    return tokens


def _quoted(text: str, i: int, tokens: list[Token]) -> int:
    out, i = [], i + 1
    while i < len(text) and text[i] != '"':
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        out.append(text[i])
        i += 1
    if i >= len(text):
        raise SearchQueryError("Search Query is invalid: unterminated quoted string")
    tokens.append(Token("QUOTED", "".join(out)))
    return i + 1


def _word(text: str, i: int, tokens: list[Token], *, in_range: bool) -> int:
    out: list[str] = []
    while i < len(text):
        c = text[i]
        if c.isspace() or c in _SPECIAL:
            break
        if c == ":" and not in_range and _FIELD_NAME.match("".join(out)):
            break
        if c == "\\" and i + 1 < len(text):
            i += 1
            c = text[i]
        out.append(c)
        i += 1
    tokens.append(Token("WORD", "".join(out)))
    return i


# --- parser ----------------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, kind: str | None = None) -> Token:
        token = self.peek()
        if token is None or (kind is not None and token.kind != kind):
            wanted = kind or "more input"
            raise SearchQueryError(f"Search Query is invalid: expected {wanted}")
        self.pos += 1
        return token

    def is_word(self, *words: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "WORD" and token.text in words

    def expr(self, field: str | None) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise SearchQueryError("Search Query is invalid: nested too deeply")
        parts = [self.and_expr(field)]
        while self.is_word("OR", "||"):
            self.pos += 1
            parts.append(self.and_expr(field))
        self.depth -= 1
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def and_expr(self, field: str | None) -> Node:
        parts = [self.clause(field)]
        while True:
            token = self.peek()
            if token is None or token.kind == ")" or self.is_word("OR", "||"):
                break
            if self.is_word("AND", "&&"):
                self.pos += 1
            parts.append(self.clause(field))
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def clause(self, field: str | None) -> Node:
        if self.is_word("NOT"):
            self.pos += 1
            return Not(self.clause(field))
        token = self.peek()
        if token is not None and token.kind == "PREFIX":
            self.pos += 1
            inner = self.clause(field)
            return inner if token.text == "+" else Not(inner)
        return self.atom(field)

    def atom(self, field: str | None) -> Node:
        token = self.take()
        if token.kind == "(":
            node = self.expr(field)
            self.take(")")
            return node
        if token.kind == "QUOTED":
            return Term(field, token.text)
        if token.kind != "WORD":
            raise SearchQueryError(f"Search Query is invalid: unexpected {token.text!r}")
        if token.text in ("*:*", "*"):
            return MatchAll()
        nxt = self.peek()
        if nxt is not None and nxt.kind == "COLON":
            self.pos += 1
            return self.value(token.text)
        return Term(field, token.text)

    def value(self, field: str) -> Node:
        token = self.peek()
        if token is not None and token.kind in ("[", "{"):
            return self.range(field)
        return self.clause(field)

    def range(self, field: str) -> Node:
        opening = self.take()
        low = self.take("WORD").text
        if not self.is_word("TO"):
            raise SearchQueryError("Search Query is invalid: a range needs TO")
        self.pos += 1
        high = self.take("WORD").text
        closing = self.take()
        if closing.kind not in ("]", "}"):
            raise SearchQueryError("Search Query is invalid: unterminated range")
        return Range(field, low, high, opening.kind == "[", closing.kind == "]")


def parse_query(text: str) -> Node:
    """Parse CKAN/Solr query text into a tree; empty text matches everything."""
    tokens = tokenize(text)
    if not tokens:
        return MatchAll()
    parser = _Parser(tokens)
    node = parser.expr(None)
    if parser.peek() is not None:
        raise SearchQueryError(f"Search Query is invalid: unexpected {parser.peek().text!r}")  # type: ignore[union-attr]
    return node


# --- compilation -----------------------------------------------------------------------------


def json_list_has(column: InstrumentedAttribute[Any], value: str) -> ColumnElement[bool]:
    """Whether a JSON list column holds ``value`` (matched on its serialised text, both dialects)."""
    return cast(column, String).contains(json.dumps(value), autoescape=True)


def _json_mentions(column: InstrumentedAttribute[Any], value: str) -> ColumnElement[bool]:
    return cast(column, String).contains(json.dumps(value)[1:-1], autoescape=True)


def _contains(column: InstrumentedAttribute[str], value: str) -> ColumnElement[bool]:
    return func.lower(column).contains(value.lower(), autoescape=True)


def _organization(value: str) -> ColumnElement[bool]:
    match = or_(Organization.slug == value, Organization.name == value)
    if value.isdigit():
        match = or_(match, Organization.id == int(value))
    return Dataset.organization_id.in_(select(Organization.id).where(match))


def _res_format(value: str) -> ColumnElement[bool]:
    in_resources = select(Resource.dataset_id).where(func.upper(Resource.format) == value.upper())
    return or_(
        json_list_has(Dataset.formats, value),
        json_list_has(Dataset.formats, value.upper()),
        Dataset.id.in_(in_resources),
    )


def _state(value: str) -> ColumnElement[bool]:
    mapping: dict[str, ColumnElement[bool]] = {
        "active": Dataset.status == "published",
        "draft": Dataset.status.in_(_DRAFT_STATUSES),
        "deleted": Dataset.status == "withdrawn",
    }
    return mapping.get(value, Dataset.status == value)


def _boolean(value: str) -> bool:
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise SearchQueryError(f"Search Query is invalid: {value!r} is not a boolean")


def _integer(value: str) -> int:
    if not value.isdigit():
        raise SearchQueryError(f"Search Query is invalid: {value!r} is not an integer")
    return int(value)


def _private(value: str) -> ColumnElement[bool]:
    return (Dataset.status != "published") if _boolean(value) else (Dataset.status == "published")


def ckan_name(catalog_code: str) -> str:
    """A package ``name``: CKAN names are lower case, our catalogue codes upper case."""
    return catalog_code.lower()


def code_match(ref: str) -> ColumnElement[bool]:
    """A catalogue code given as is or as its lower-cased CKAN name (index-friendly)."""
    return Dataset.catalog_code.in_(sorted({ref, ref.upper()}))


def full_text(value: str) -> ColumnElement[bool]:
    """A simple case-insensitive substring match over title, summary, keywords and code."""
    term = value.strip("*")
    if not term:
        return true()
    return or_(
        _contains(Dataset.title, term),
        _contains(Dataset.summary, term),
        _json_mentions(Dataset.keywords, term),
        code_match(term),
    )


@dataclass(frozen=True)
class QueryContext:
    """Lookups the compiler needs: domain labels/codes (lower-cased) to codes."""

    domain_codes: Mapping[str, str]


TermBuilder = Callable[[str, QueryContext], ColumnElement[bool]]


def _groups(value: str, ctx: QueryContext) -> ColumnElement[bool]:
    code = ctx.domain_codes.get(value.lower(), value)
    return or_(json_list_has(Dataset.domains, value), json_list_has(Dataset.domains, code))


TERMS: dict[str, TermBuilder] = {
    "id": lambda v, _c: Dataset.id == _integer(v),
    "name": lambda v, _c: code_match(v),
    "catalog_code": lambda v, _c: code_match(v),
    "title": lambda v, _c: _contains(Dataset.title, v),
    "notes": lambda v, _c: _contains(Dataset.summary, v),
    "text": lambda v, _c: full_text(v),
    "organization": lambda v, _c: _organization(v),
    "owner_org": lambda v, _c: _organization(v),
    "groups": _groups,
    "domains": _groups,
    "tags": lambda v, _c: json_list_has(Dataset.keywords, v),
    "res_format": lambda v, _c: _res_format(v),
    "license_id": lambda v, _c: Dataset.licence == v,
    "state": lambda v, _c: _state(v),
    "private": lambda v, _c: _private(v),
    "capacity": lambda v, _c: _private("true" if v == "private" else "false"),
    "dataset_type": lambda v, _c: true() if v == "dataset" else false(),
    "type": lambda v, _c: true() if v == "dataset" else false(),
    "maintainer": lambda v, _c: _contains(Dataset.contact_name, v),
    "open_attribute": lambda v, _c: Dataset.open_attribute == v,
    "grade": lambda v, _c: Dataset.grade == v,
    "update_frequency": lambda v, _c: Dataset.update_frequency == v,
    "base_class": lambda v, _c: Dataset.base_class == v,
    "region_code": lambda v, _c: Dataset.region_code.startswith(v, autoescape=True),
    "num_resources": lambda v, _c: Dataset.resource_count == _integer(v),
}
RANGES: dict[str, tuple[InstrumentedAttribute[Any], str]] = {
    "id": (Dataset.id, "int"),
    "num_resources": (Dataset.resource_count, "int"),
    "metadata_modified": (Dataset.modified_at, "datetime"),
    "metadata_created": (Dataset.created_at, "datetime"),
}
DATETIME_TERMS = {"metadata_modified", "metadata_created"}


def parse_instant(value: str) -> dt.datetime:
    """An ISO-8601 instant (``Z`` or offset; naive means UTC) or ``NOW``."""
    if value.upper() == "NOW":
        return dt.datetime.now(dt.UTC)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise SearchQueryError(f"Search Query is invalid: {value!r} is not a date") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def _bound(value: str, kind: str) -> Any:
    if value == "*":
        return None
    return parse_instant(value) if kind == "datetime" else _integer(value)


def _range(node: Range) -> ColumnElement[bool]:
    if node.field not in RANGES:
        raise SearchQueryError(f"Search Query is invalid: {node.field} does not support ranges")
    column, kind = RANGES[node.field]
    low, high = _bound(node.low, kind), _bound(node.high, kind)
    parts = []
    if low is not None:
        parts.append(column >= low if node.include_low else column > low)
    if high is not None:
        parts.append(column <= high if node.include_high else column < high)
    return and_(true(), *parts)


def _term(node: Term, ctx: QueryContext) -> ColumnElement[bool]:
    field = node.field
    if field is not None and field.startswith("extras_"):
        field = field[len("extras_") :]
    if field is None:
        return full_text(node.value)
    if node.value == "*":
        return true()
    if field in DATETIME_TERMS:
        return RANGES[field][0] == parse_instant(node.value)
    builder = TERMS.get(field)
    if builder is None:
        raise SearchQueryError(f"Search Query is invalid: unknown field {field[:40]!r}")
    return builder(node.value, ctx)


def compile_node(node: Node, ctx: QueryContext) -> ColumnElement[bool]:
    """Turn a parsed query into a boolean SQL expression over ``Dataset``."""
    if isinstance(node, MatchAll):
        return true()
    if isinstance(node, Term):
        return _term(node, ctx)
    if isinstance(node, Range):
        return _range(node)
    if isinstance(node, Not):
        return not_(compile_node(node.child, ctx))
    if isinstance(node, AllOf):
        return and_(*(compile_node(c, ctx) for c in node.children))
    return or_(*(compile_node(c, ctx) for c in node.children))


# --- sort ------------------------------------------------------------------------------------

SORT_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "id": Dataset.id,
    "name": Dataset.catalog_code,
    "title": Dataset.title,
    "title_string": Dataset.title,
    "metadata_modified": Dataset.modified_at,
    "metadata_created": Dataset.created_at,
    "score": Dataset.modified_at,
    "num_resources": Dataset.resource_count,
    "views_recent": Dataset.views,
    "views_total": Dataset.views,
}
DEFAULT_SORT = "score desc, metadata_modified desc"


def parse_sort(text: str) -> list[Any]:
    """ORDER BY clauses for a CKAN sort string, always ending with the id as a tie-breaker."""
    clauses: list[Any] = []
    seen: set[str] = set()
    for part in (p.strip() for p in (text or DEFAULT_SORT).split(",")):
        if not part:
            continue
        words = part.split()
        name, direction = words[0], (words[1].lower() if len(words) > 1 else "asc")
        if name not in SORT_COLUMNS or direction not in ("asc", "desc") or len(words) > 2:
            raise SearchQueryError(f"Search Query is invalid: cannot sort by {part[:60]!r}")
        if name in seen:
            continue
        seen.add(name)
        column = SORT_COLUMNS[name]
        clauses.append(column.desc() if direction == "desc" else column.asc())
    if "id" not in seen:
        clauses.append(Dataset.id.asc())
    return clauses
