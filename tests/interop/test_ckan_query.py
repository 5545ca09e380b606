"""The CKAN q/fq/sort parser: syntax tree shapes and refusals (no database needed)."""

from __future__ import annotations

import pytest

from kaifang.interop.ckan_query import (
    AllOf,
    AnyOf,
    MatchAll,
    Not,
    Range,
    SearchQueryError,
    Term,
    parse_query,
    parse_sort,
)


def test_fields_quotes_and_implicit_and() -> None:
    node = parse_query('organization:org-1 tags:"公交 线路"')
    assert node == AllOf((Term("organization", "org-1"), Term("tags", "公交 线路")))


def test_or_not_and_prefixes() -> None:
    node = parse_query("organization:a OR organization:b -groups:x")
    assert node == AnyOf(
        (Term("organization", "a"), AllOf((Term("organization", "b"), Not(Term("groups", "x")))))
    )
    assert parse_query("NOT grade:L1") == Not(Term("grade", "L1"))


def test_ranges_keep_colons_in_dates() -> None:
    node = parse_query("metadata_modified:[2021-01-01T00:00:00Z TO *]")
    assert node == Range("metadata_modified", "2021-01-01T00:00:00Z", "*", True, True)
    assert parse_query("id:{1 TO 5]") == Range("id", "1", "5", False, True)


def test_field_groups_and_match_all() -> None:
    node = parse_query("res_format:(CSV OR JSON)")
    assert node == AnyOf((Term("res_format", "CSV"), Term("res_format", "JSON")))
    assert parse_query("*:*") == MatchAll()
    assert parse_query("") == MatchAll()
    assert parse_query("公交") == Term(None, "公交")


@pytest.mark.parametrize(
    "text", ['title:"open', "(grade:L1", "id:[1 5]", "id:[1 TO 5", "grade:L1 )", ")"]
)
def test_malformed_queries_are_refused(text: str) -> None:
    with pytest.raises(SearchQueryError):
        parse_query(text)


def test_sort_parsing() -> None:
    assert len(parse_sort("id asc")) == 1
    assert len(parse_sort("metadata_modified desc")) == 2  # plus the id tie-breaker
    with pytest.raises(SearchQueryError):
        parse_sort("password asc")
    with pytest.raises(SearchQueryError):
        parse_sort("id sideways")
