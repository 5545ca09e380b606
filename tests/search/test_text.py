"""Text analysis, query rendering and cursors, without a database."""

from __future__ import annotations

from kaifang.search import text
from kaifang.search.cursor import Cursor, decode_cursor, encode_cursor
from kaifang.search.documents import SearchDocument, analyse
from kaifang.search.highlight import matched_terms, snippet
from kaifang.search.postgres_backend import lexeme, plain_vector, tsquery_literal
from kaifang.search.sqlite_backend import fts_expression


def test_index_tokens_include_words_and_their_parts() -> None:
    tokens = text.search_tokens("台州市公交线路信息")
    assert {"台州市", "公交", "线路", "公交线路", "信息"} <= set(tokens)
    assert all(t.isalnum() for t in tokens)


def test_pinyin_tokens_spell_words_and_initials() -> None:
    tokens = text.pinyin_tokens(["台州市交通运输局"])
    assert "jiaotongyunshuju" in tokens
    assert "jtysj" in tokens
    assert any(t.startswith("jiaotong") for t in tokens)


def test_query_terms_drop_syntax_and_stopwords() -> None:
    terms = text.query_terms('公交"的 NEAR(线路* OR -x')
    assert [t.word for t in terms] == ["公交", "near", "线路", "or", "x"]
    assert all(tok.isalnum() for t in terms for alt in t.alternatives for tok in alt)


def test_long_query_words_also_match_as_pairs() -> None:
    (term,) = text.query_terms("运输局")
    assert term.alternatives == (("运输局",), ("运输", "局"))


def test_full_width_input_is_folded() -> None:
    assert [t.word for t in text.query_terms("ＧＤＰ２０２３")] == ["gdp2023"]


def test_fts_expression_quotes_every_token() -> None:
    terms = text.query_terms("公交 near")
    assert fts_expression(terms) == '(("公交"*)) AND (("near"*))'
    assert fts_expression(terms, columns=("title", "meta")).startswith("{title meta} : (")


def test_tsquery_quotes_lexemes() -> None:
    assert lexeme("a'b\\c") == "'a''b\\\\c'"
    assert tsquery_literal(text.query_terms("公交 运输局")) == (
        "(('公交':*)) & (('运输局':*) | ('运输':* & '局':*))"
    )


def test_vectors_hold_bare_lexemes() -> None:
    assert plain_vector(["x", "y", "x"]) == "'x' 'y'"


def test_fields_carry_pinyin_of_title_and_metadata() -> None:
    doc = SearchDocument(
        dataset_id=1,
        catalog_code="",
        title="公交线路",
        summary="摘要",
        status="published",
        organization_id=1,
        organization_name="交通运输局",
        region_code="3310",
        region_name="台州市",
        open_attribute="unconditional",
        grade="L1",
        update_frequency="monthly",
        item_labels=["线路名称"],
        item_names=["line_name"],
    )
    fields = analyse(doc).fields()
    assert {"公交", "gongjiaoxianlu", "gjxl"} <= set(fields["title"])
    assert {"交通运输", "jiaotongyunshuju", "jtysj"} <= set(fields["meta"])
    assert {"线路", "line", "name"} <= set(fields["items"])


def test_suggestion_keys_start_at_words() -> None:
    keys = {key for _, key in text.iter_suggestion_keys("台州市公交线路信息")}
    assert {
        "台州市公交线路信息",
        "公交线路信息",
        "线路信息",
        "gongjiaoxianluxinxi",
        "gjxlxx",
    } <= keys
    assert "交线路信息" not in keys
    assert text.suggestion_prefix(" 公交 线路! ") == "公交线路"


def test_matched_terms_map_pinyin_to_characters() -> None:
    terms = text.query_terms("jt 线路 gongjiao")
    title = "台州市公交线路与交通信息"
    assert matched_terms(terms, title, "") == ["线路", "交通", "公交"]


def test_snippet_is_plain_text_around_the_first_match() -> None:
    summary = "甲" * 100 + "<b>公交</b>" + "乙" * 200
    cut = snippet(summary, ["公交"])
    assert "<b>公交</b>" in cut and cut.startswith("…") and cut.endswith("…")
    assert snippet("短摘要", ["x"]) == "短摘要"


def test_cursor_round_trips() -> None:
    for cursor in (Cursor("relevance", 3 * 2**40 + 17, 7), Cursor("views", 12, 3)):
        assert decode_cursor(encode_cursor(cursor), sort=cursor.sort) == cursor
