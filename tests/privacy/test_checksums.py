"""Check-digit validators against independent textbook implementations, plus generators."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from kaifang import checksums

# --- independent references (written from the standards' formulas, not from the module) ---


def ref_id_check(body: str) -> str:
    """GB 11643: weight 2^(18-i) mod 11 at position i=1..17; check = (12 - S mod 11) mod 11."""
    total = sum(int(c) * pow(2, 18 - i, 11) for i, c in enumerate(body, start=1))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def ref_uscc_check(body: str) -> str:
    """GB 32100: weights 3^(i-1) mod 31; check = 31 - S mod 31 (31 -> 0)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    total = sum(alphabet.index(c) * pow(3, i, 31) for i, c in enumerate(body))
    return alphabet[(31 - total % 31) % 31]


def ref_luhn(number: str) -> bool:
    """Luhn: double every second digit from the right, add digit sums, total % 10 == 0."""
    digits = [int(c) for c in number]
    for i in range(len(digits) - 2, -1, -2):
        doubled = digits[i] * 2
        digits[i] = doubled // 10 + doubled % 10
    return sum(digits) % 10 == 0


def ref_org_check(body: str) -> str:
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body]
    check = 11 - sum(v * w for v, w in zip(values, weights, strict=True)) % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


# --- known vectors ---


def test_published_id_examples_validate() -> None:
    assert checksums.is_valid_resident_id("11010519491231002X")
    assert checksums.is_valid_resident_id("11010519491231002x")
    assert checksums.is_valid_resident_id("440524188001010014")


def test_id_rejects_bad_date_region_and_check() -> None:
    assert not checksums.is_valid_resident_id("110105194912310021")  # wrong check digit
    assert not checksums.is_valid_resident_id("110105194902300028")  # 30 February
    body = "99010519491231002"
    assert not checksums.is_valid_resident_id(body + checksums.resident_id_check_char(body))
    future = f"110105{date.today().year + 1}0101001"
    assert not checksums.is_valid_resident_id(future + checksums.resident_id_check_char(future))


def test_legacy_fifteen_digit_ids_need_a_real_date() -> None:
    assert checksums.is_valid_resident_id("110105491231002")
    assert not checksums.is_valid_resident_id("110105491331002")
    assert checksums.resident_id_birth_date("110105491231002") == date(1949, 12, 31)


def test_luhn_known_numbers() -> None:
    assert checksums.luhn_valid("79927398713")
    assert not checksums.luhn_valid("79927398710")
    assert checksums.is_valid_bank_card("4111111111111111")
    assert not checksums.is_valid_bank_card("1111111111111117")  # BIN 1 is not a card


def test_mobile_prefixes() -> None:
    assert checksums.is_valid_mobile("13812345678")
    assert checksums.is_valid_mobile("19912345678")
    assert not checksums.is_valid_mobile("15412345678")  # 154 is not allocated
    assert not checksums.is_valid_mobile("1381234567")


def test_uscc_rejects_excluded_letters() -> None:
    code = checksums.make_uscc(random.Random(1))
    assert checksums.is_valid_uscc(code)
    for letter in "IOZSV":
        assert not checksums.is_valid_uscc(code[:10] + letter + code[11:])


# --- property tests against the references (no example database left in the work tree) ---

NO_DB = settings(database=None)

digits17 = st.text(alphabet="0123456789", min_size=17, max_size=17)
uscc_body = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17)


@NO_DB
@given(digits17)
def test_id_check_char_matches_reference(body: str) -> None:
    assert checksums.resident_id_check_char(body) == ref_id_check(body)


@given(st.integers(min_value=0, max_value=2**32), st.integers(0, 17), st.integers(0, 9))
@settings(max_examples=300, database=None)
def test_id_validity_matches_reference_on_mutations(seed: int, position: int, digit: int) -> None:
    value = checksums.make_resident_id(random.Random(seed))
    mutated = value[:position] + str(digit) + value[position + 1 :]
    expected = ref_id_check(mutated[:17]) == mutated[17].upper()
    structure_ok = mutated[:2] in checksums.PROVINCE_CODES and checksums.resident_id_birth_date(
        mutated
    )
    assert checksums.is_valid_resident_id(mutated) == (expected and bool(structure_ok))


@NO_DB
@given(uscc_body)
def test_uscc_check_char_matches_reference(body: str) -> None:
    assert checksums.uscc_check_char(body) == ref_uscc_check(body)


@given(st.integers(min_value=0, max_value=2**32), st.integers(0, 17))
@settings(max_examples=300, database=None)
def test_uscc_transpositions_and_substitutions(seed: int, position: int) -> None:
    rng = random.Random(seed)
    value = checksums.make_uscc(rng)
    swapped = (
        value[:position] + rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") + value[position + 1 :]
    )
    expected = ref_uscc_check(swapped[:17]) == swapped[17] and swapped[0] in "123456789ABCDEFGY"
    assert checksums.is_valid_uscc(swapped) == (expected and swapped[2:8].isdigit())


@NO_DB
@given(st.text(alphabet="0123456789", min_size=2, max_size=19))
def test_luhn_matches_reference(number: str) -> None:
    assert checksums.luhn_valid(number) == ref_luhn(number)


@NO_DB
@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8))
def test_org_code_check_matches_reference(body: str) -> None:
    assert checksums.org_code_check_char(body) == ref_org_check(body)


@NO_DB
@given(st.integers(min_value=0, max_value=2**32))
def test_generators_produce_valid_values(seed: int) -> None:
    rng = random.Random(seed)
    assert checksums.is_valid_resident_id(checksums.make_resident_id(rng))
    assert checksums.is_valid_resident_id(checksums.make_legacy_resident_id(rng))
    code = checksums.make_uscc(rng)
    assert checksums.is_valid_uscc(code) and checksums.is_valid_org_code(code[8:17])
    assert checksums.is_valid_bank_card(checksums.make_bank_card(rng, rng.randint(15, 19)))
    assert checksums.is_valid_mobile(checksums.make_mobile(rng))


def test_make_resident_id_honours_region_birth_and_sex() -> None:
    value = checksums.make_resident_id(random.Random(3), "331002", date(1990, 3, 7), sex="F")
    assert value.startswith("33100219900307")
    assert int(value[16]) % 2 == 0
    assert checksums.is_valid_resident_id(value)
