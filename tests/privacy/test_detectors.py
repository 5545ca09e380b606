"""Each structured detector on positives, negatives and noisy forms."""

from __future__ import annotations

import itertools
import random

import pytest

from kaifang import checksums
from kaifang.privacy import analyze
from kaifang.privacy.registry import Finding

RNG = random.Random(20240601)
ID = checksums.make_resident_id(RNG)
CARD = checksums.make_bank_card(RNG, 19)
USCC = checksums.make_uscc(RNG)


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.type, f.text) for f in analyze(text)]


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def bad_check(value: str) -> str:
    last = value[-1]
    return value[:-1] + ("0" if last in "9X" else str(int(last) + 1))


class TestResidentID:
    def test_valid_id_found_with_span_in_original(self) -> None:
        text = f"身份证号：{ID}。"
        [finding] = analyze(text)
        assert finding == Finding("resident_id", 5, 23, finding.score, ID)
        assert finding.score >= 0.95

    @pytest.mark.parametrize(
        "form",
        [full_width(ID), f"{ID[:6]} {ID[6:14]} {ID[14:]}", f"{ID[:6]}-{ID[6:14]}-{ID[14:]}"],
    )
    def test_noisy_forms(self, form: str) -> None:
        assert kinds(f"证件号码{form}，请核对") == [("resident_id", form)]

    def test_lower_case_x_and_legacy_fifteen_digits(self) -> None:
        assert kinds("身份证11010519491231002x") == [("resident_id", "11010519491231002x")]
        assert kinds("身份证号110105491231002") == [("resident_id", "110105491231002")]

    def test_bad_check_digit_is_not_an_id(self) -> None:
        assert ("resident_id", bad_check(ID)) not in kinds(f"身份证号{bad_check(ID)}")

    def test_partially_masked_id_scores_as_masked(self) -> None:
        [finding] = analyze("身份证号110101********1234")
        assert finding.type == "resident_id" and finding.score < 0.95

    def test_not_found_inside_longer_digit_runs(self) -> None:
        assert kinds(f"流水号9{ID}9") == []


class TestMobile:
    @pytest.mark.parametrize(
        "form",
        [
            "13812345678",
            "+86 13812345678",
            "+86-138-1234-5678",
            "0086 13812345678",
            "138 1234 5678",
            "１３８１２３４５６７８",
            "138.1234.5678",
        ],
    )
    def test_forms(self, form: str) -> None:
        assert kinds(f"手机：{form}。") == [("mobile", form)]

    def test_unallocated_prefix_and_wrong_length(self) -> None:
        assert kinds("号码15412345678") == []
        assert kinds("号码1381234567") == []

    def test_masked_mobile(self) -> None:
        [finding] = analyze("联系电话138****5678")
        assert (finding.type, finding.text) == ("mobile", "138****5678")

    def test_order_number_context_lowers_score(self) -> None:
        assert kinds("订单号13812345678") == []


class TestLandline:
    @pytest.mark.parametrize(
        "form", ["0576-88123456", "(0576)88123456", "010-62345678", "021 62345678"]
    )
    def test_forms(self, form: str) -> None:
        assert kinds(f"办公电话 {form}") == [("landline", form)]


class TestBankCard:
    def test_plain_and_grouped(self) -> None:
        grouped = " ".join(CARD[i : i + 4] for i in range(0, 19, 4))
        assert kinds(f"银行卡号{CARD}") == [("bank_card", CARD)]
        assert kinds(f"卡号：{grouped}。") == [("bank_card", grouped)]

    def test_luhn_failure(self) -> None:
        assert kinds(f"卡号{bad_check(CARD)}") == []

    def test_masked_card(self) -> None:
        masked = CARD[:6] + "*********" + CARD[-4:]
        assert kinds(f"卡号{masked}") == [("bank_card", masked)]


class TestUSCC:
    def test_valid_code(self) -> None:
        assert kinds(f"统一社会信用代码：{USCC}") == [("uscc", USCC)]

    def test_bad_check_char(self) -> None:
        body = USCC[:17]
        wrong = next(c for c in "0123456789" if c != checksums.uscc_check_char(body))
        assert kinds(f"代码{body}{wrong}") == []

    def test_id_that_passes_both_checks_is_an_id_unless_labelled(self) -> None:
        rng = random.Random(7)
        both = next(
            value
            for value in (checksums.make_resident_id(rng) for _ in range(5000))
            if checksums.is_valid_uscc(value)
        )
        assert kinds(f"号码{both}") == [("resident_id", both)]
        assert kinds(f"统一社会信用代码：{both}") == [("uscc", both)]


class TestDocumentsAndPlates:
    def test_passport_and_permits(self) -> None:
        assert kinds("护照号E12345678") == [("passport", "E12345678")]
        assert kinds("往来港澳通行证C12345678") == [("travel_permit", "C12345678")]
        assert kinds("回乡证H1234567800") == [("travel_permit", "H1234567800")]
        assert kinds("台胞证号码12345678") == [("travel_permit", "12345678")]

    @pytest.mark.parametrize(
        "plate", ["浙J12345", "浙J·12345", "浙AD12345", "沪A12345F", "粤B1234学"]
    )
    def test_plates(self, plate: str) -> None:
        assert kinds(f"车牌号{plate}的车辆") == [("plate", plate)]

    def test_plate_needs_digits_and_valid_letters(self) -> None:
        assert kinds("浙JABCDE") == []
        assert kinds("浙I12345") == []


class TestContactsAndOthers:
    def test_email_ip(self) -> None:
        assert kinds("邮箱 zhang.wei@example.com。") == [("email", "zhang.wei@example.com")]
        assert kinds("登录IP 192.168.1.20") == [("ip", "192.168.1.20")]
        assert kinds("地址 2001:db8::8a2e:370:7334") == [("ip", "2001:db8::8a2e:370:7334")]
        assert kinds("版本 1.2.3.400") == []

    def test_birth_date_needs_a_birth_word(self) -> None:
        assert kinds("出生日期：1990年3月7日") == [("birth_date", "1990年3月7日")]
        assert kinds("1990-03-07出生") == [("birth_date", "1990-03-07")]
        assert kinds("发布日期：2020-03-07") == []

    def test_coordinates(self) -> None:
        assert kinds("坐标 28.656386,121.420757") == [("coordinates", "28.656386,121.420757")]
        assert kinds("比例 0.1234,0.5678") == []
        assert kinds("价格 12.5,13.5") == []


def test_findings_do_not_overlap_and_are_ordered() -> None:
    text = f"身份证{ID}，卡号{CARD}，手机13812345678，信用代码{USCC}"
    findings = analyze(text)
    assert [f.type for f in findings] == ["resident_id", "bank_card", "mobile", "uscc"]
    assert all(a.end <= b.start for a, b in itertools.pairwise(findings))
    assert all(text[f.start : f.end] == f.text for f in findings)


def test_presidio_shape() -> None:
    [finding] = analyze("手机13812345678")
    assert set(finding.to_presidio()) == {"entity_type", "start", "end", "score"}
