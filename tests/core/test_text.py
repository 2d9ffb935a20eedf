"""Text cut to a column: whole when it fits, else cut with an ellipsis, never between a letter and its marks."""
import unicodedata

import pytest

from ipdesk.core.text import display_width, fit

pytestmark = pytest.mark.db_independent


@pytest.mark.parametrize(("text", "width", "expected"), [
    ("counterfeit serum", 17, "counterfeit serum"),  # fits: unchanged
    ("counterfeit serum sold online", 17, "counterfeit seru…"),
    ("Counterfeit  serum\nsold", 40, "Counterfeit serum sold"),  # one line
    ("counterfeit serum sold", 13, "counterfeit…"),  # no space before the ellipsis
    ("COUNTERFEIT", 10, "COUNTER…"),  # capitals are wider
    ("위조 화장품 온라인 판매", 10, "위조 화장…"),  # Hangul takes two units
    ("深圳市金星美妆贸易有限公司", 9, "深圳市金…"),
])
def test_fit(text, width, expected):
    assert fit(text, width) == expected
    assert display_width(fit(text, width)) <= width


@pytest.mark.parametrize("text", ["ร้านโลตัสบิวตี้ขายเครื่องสำอางปลอม", "सौंदर्य व्यापार कंपनी", "Công ty TNHH Thương mại"])
def test_fit_never_leaves_a_mark_without_its_letter(text):
    for width in range(2, 24):
        kept = fit(text, width).removesuffix("…")
        rest = text[len(kept.rstrip()):].lstrip(" ")
        if rest:  # what follows the cut starts with a letter, not a vowel sign or tone mark of the last letter kept
            assert unicodedata.category(rest[0]) not in ("Mn", "Mc", "Me"), (width, kept, rest)


def test_capitals_digits_and_thai_count_wider_than_lower_case():
    assert display_width("OPPOSITION") > display_width("opposition") == 10
    assert display_width("ร้าน") < display_width("ราน") + 1  # the tone mark takes no room
