"""The business registration number validator: 10 digits, a check digit, no all-zero number."""
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
    "１２４８１００９９８",  # full-width digits
    "",
    "124/81/00998",
])
def test_invalid_numbers(number):
    assert not is_valid_registration_number(number)


def test_check_digit_of_all_zeros_is_zero_so_the_explicit_refusal_matters():
    assert check_digit("000000000") == 0


def test_normalization_drops_hyphens_and_spaces():
    assert normalize_registration_number("124-81 00998") == "1248100998"
