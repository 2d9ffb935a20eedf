"""The business registration number validator: 10 digits, a check digit, no part that is never issued."""
import pytest

from ipdesk.companies.registration_number import (
    check_digit,
    is_valid_registration_number,
    normalize_registration_number,
)

pytestmark = pytest.mark.db_independent


@pytest.mark.parametrize("number", [
    "124-81-00998",   # a real, published number
    "1248100998",
    "220-81-62517",
    " 220 81 62517 ",
    "101-81-00016",
    "１２４８１００９９８",  # full-width digits, as an IME may type them
    "１２４－８１－００９９８",  # and full-width dashes
])
def test_valid_numbers(number):
    assert is_valid_registration_number(number)


@pytest.mark.parametrize("number", [
    "124-81-00999",    # wrong check digit
    "1248100997",
    "0000000000",      # all zeros, even though the check digit works out
    "000-00-00000",
    "124810099",       # 9 digits
    "12481009981",     # 11 digits
    "12481OO998",      # letters O for zeros
    "",
    "124/81/00998",
])
def test_invalid_numbers(number):
    assert not is_valid_registration_number(number)


def test_check_digit_of_all_zeros_is_zero_so_the_explicit_refusal_matters():
    assert check_digit("000000000") == 0


def test_normalization_drops_hyphens_and_spaces():
    assert normalize_registration_number("124-81 00998") == "1248100998"


@pytest.mark.parametrize("number, problem", [
    ("124-81-0099", "format"), ("12481OO998", "format"), ("124/81/00998", "format"),
    ("000-00-00000", "never_issued"), ("100-81-00990", "never_issued"), ("124-00-00998", "never_issued"),
    ("124-81-00999", "check_digit"), ("124-81-00998", None),
])
def test_each_problem_is_told_apart(number, problem):
    from ipdesk.companies.registration_number import registration_number_problem

    assert registration_number_problem(number) == problem
