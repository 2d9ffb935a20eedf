"""Text cut to a column: whole when it fits, else cut with an ellipsis, never between a letter and its marks; long
unbroken runs given places to wrap."""
import unicodedata

import pytest

from ipdesk.core.text import SOFT_BREAK, display_width, fit, soft_breaks

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


@pytest.mark.parametrize(("text", "expected"), [
    ("counterfeit serum sold on a marketplace", "counterfeit serum sold on a marketplace"),  # words: unchanged
    ("CN-2026-00042 · TM 4020230012345", "CN-2026-00042 · TM 4020230012345"),  # IDs up to 16: unchanged
    ("https://shop.example/item?id=42&ref=abc", "https://|shop.example/|item?|id=|42&|ref=|abc"),
    ("a" * 40, "aaaaaaaaaaaaaaaa|aaaaaaaaaaaaaaaa|aaaaaaaa"),
    ("深圳市金星美妆贸易有限公司第十二分公司", "深圳市金星美妆贸易有限公司第十二分公司"),  # wraps anywhere
])
def test_soft_breaks(text, expected):
    assert soft_breaks(text).replace(SOFT_BREAK, "|") == expected


@pytest.mark.parametrize("text", ["ร้านโลตัสบิวตี้ขายเครื่องสำอางปลอม" * 3, "सौंदर्यव्यापारकंपनी" * 3, "Thươngmại" * 9,
                                  "a\u0301b\u0308c\ufe0f" * 12, "x\u200dy" * 20])
def test_soft_breaks_never_part_a_letter_from_its_marks(text):
    broken = soft_breaks(text)
    assert broken.replace(SOFT_BREAK, "") == text and SOFT_BREAK in broken
    for i, c in enumerate(broken):
        if c == SOFT_BREAK:
            assert unicodedata.category(broken[i + 1]) not in ("Mn", "Mc", "Me", "Cf") and broken[i - 1] != "\u200d"
