"""The Korean business registration number (사업자등록번호): 10 digits with a check digit."""
import re

_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


def normalize_registration_number(raw: str) -> str:
    """Drop the usual separators (spaces, hyphens) so 123-45-67890 and 1234567890 are one number."""
    return re.sub(r"[\s\-]", "", raw or "")


def check_digit(first_nine: str) -> int:
    """The National Tax Service check digit for the first nine digits."""
    digits = [int(c) for c in first_nine]
    total = sum(d * w for d, w in zip(digits, _WEIGHTS, strict=True))
    total += (digits[8] * 5) // 10
    return (10 - total % 10) % 10


def is_valid_registration_number(raw: str) -> bool:
    number = normalize_registration_number(raw)
    if len(number) != 10 or not number.isascii() or not number.isdigit():
        return False
    if number == "0" * 10:
        return False
    return check_digit(number[:9]) == int(number[9])
