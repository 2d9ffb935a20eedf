"""The Korean business registration number (사업자등록번호): 10 digits, 000-00-00000: the tax office that
issued it, the kind of business, a serial number and a check digit.

python-stdnum's rules for the Korean BRN check the format and the parts never issued (a tax office below 101,
a kind of business 00, a serial 0000); the National Tax Service's check digit is checked here, as stdnum does
not. What people type through an IME (full-width digits and dashes, ideographic spaces) is normalised first.
"""
import unicodedata

from stdnum import exceptions
from stdnum.kr import brn

_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
EXAMPLE = "123-45-67891"  # the forms' example: a valid number, plainly made up


def normalize_registration_number(raw: str) -> str:
    """The number's ten digits: full-width forms made plain (NFKC), spaces and dashes of any kind dropped."""
    return brn.compact(unicodedata.normalize("NFKC", raw or ""))


def check_digit(first_nine: str) -> int:
    """The National Tax Service check digit for the first nine digits."""
    digits = [int(c) for c in first_nine]
    total = sum(d * w for d, w in zip(digits, _WEIGHTS, strict=True))
    total += (digits[8] * 5) // 10
    return (10 - total % 10) % 10


def registration_number_problem(raw: str) -> str | None:
    """What is wrong with a typed number: ``"format"`` (not 10 digits), ``"never_issued"`` (a part no tax office
    issues), ``"check_digit"`` (the last digit does not match the others), or None when it is valid."""
    number = normalize_registration_number(raw)
    try:
        brn.validate(number)
    except (exceptions.InvalidLength, exceptions.InvalidFormat):
        return "format"
    except exceptions.InvalidComponent:
        return "never_issued"
    return None if check_digit(number[:9]) == int(number[9]) else "check_digit"


def is_valid_registration_number(raw: str) -> bool:
    return registration_number_problem(raw) is None
