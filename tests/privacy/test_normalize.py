"""Normalisation keeps offsets pointing at the original text."""

from __future__ import annotations

from kaifang.privacy.normalize import fold_width, normalize


def _roundtrip(text: str, needle: str) -> str:
    doc = normalize(text)
    start = doc.text.index(needle)
    original_start, original_end = doc.to_original(start, start + len(needle))
    return text[original_start:original_end]


def test_full_width_digits_and_letters_fold_in_place() -> None:
    assert fold_width("电话１３８１２３４５６７８，ＡＢ") == "电话13812345678，AB"


def test_grouped_numbers_are_compacted_and_map_back() -> None:
    text = "手机 138 1234 5678 和卡号 6222-0212-3456-7890-123。"
    doc = normalize(text)
    assert "13812345678" in doc.text and "6222021234567890123" in doc.text
    assert _roundtrip(text, "13812345678") == "138 1234 5678"
    assert _roundtrip(text, "6222021234567890123") == "6222-0212-3456-7890-123"


def test_country_prefix_is_removed_and_covered_by_the_span() -> None:
    for prefix in ("+86 ", "+86-", "0086", "(+86)", "＋８６ "):
        text = f"电话{prefix}13812345678。"
        assert _roundtrip(text, "13812345678") == f"{prefix}13812345678"


def test_dates_ips_and_decimals_are_left_alone() -> None:
    text = "2020-01-01 在 192.168.100.123 测得 120.123456"
    assert normalize(text).text == text


def test_ocr_letters_between_digits_become_digits() -> None:
    assert normalize("1381234567O").text == "1381234567O"  # trailing letter: not between digits
    assert normalize("13812O45678").text == "13812045678"


def test_identity_when_nothing_changes() -> None:
    doc = normalize("没有数字的文本")
    assert doc.to_original(1, 3) == (1, 3)
