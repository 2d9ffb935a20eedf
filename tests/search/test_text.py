"""Search's normal form and pieces, script by script: what a user types finds what was written."""
import pytest

from ipdesk.search.text import is_word_alone, normalise, pieces, runs, terms, web_address


@pytest.mark.parametrize(("written", "typed"), [
    ("아름코스메틱", "아름"),  # Korean, a part of a word
    ("아름코스메틱", "코스메"),
    ("深圳市假货贸易有限公司", "假货"),  # Chinese without spaces
    ("ニセモノ商店", "モノ"),  # Japanese
    ("ร้านค้าปลอม", "ค้าปลอม"),  # Thai, its vowel and tone marks kept
    ("Phở Hà Nội", "pho ha noi"),  # Vietnamese with or without diacritics
    ("Đà Nẵng", "da nang"),
    ("Phở Hà Nội", "PHỞ"),
    ("ＡＢＣ１２３ｓｈｏｐ", "abc123shop"),  # full-width forms
    ("ｶﾀｶﾅ", "カタカナ"),  # half-width kana
    ("Straße", "STRASSE"),  # case folding, not just lower case
])
def test_what_is_typed_is_found_in_what_was_written(written, typed):
    assert normalise(typed) in normalise(written)
    asked = [piece for run in pieces(normalise(typed)) for piece in run]
    held = {piece for run in pieces(normalise(written)) for piece in run}
    assert asked and set(asked) <= held


def test_marks_of_other_scripts_are_kept():
    assert normalise("ร้าน") != normalise("ราน")  # a Thai tone mark makes another word
    assert normalise("가") == "가" and normalise("が") == "が"  # Hangul and voiced kana stay whole


def test_pieces_are_overlapping_pairs_per_run():
    assert runs(normalise("Fake serum, 가짜 세럼!")) == ["fake", "serum", "가짜", "세럼"]
    assert pieces("아름코스") == [["아름", "름코", "코스"]]
    assert pieces("a 가") == [["a"], ["가"]]
    assert pieces("ร้าน") == [["ร้", "้า", "าน"]]
    assert pieces("") == []


def test_nothing_to_search_in_empty_or_blank_text():
    assert normalise(None) == normalise("") == normalise("  \t\n ") == ""


@pytest.mark.parametrize("pasted", [
    "HTTPS://www.Shop.example/item/1/#top", "http://shop.example/item/1", "shop.example/item/1/",
    "www.shop.example/item/1",
])
def test_web_addresses_compare_without_scheme_www_or_trailing_slash(pasted):
    assert web_address(pasted) == "shop.example/item/1"


def test_the_index_holds_pairs_and_the_characters_that_are_words_alone():
    from ipdesk.search.text import query_terms, terms

    assert terms("王 ab 아름") == {"王", "ab", "아름", "아", "름"}
    assert query_terms("王") == (["王"], ["王"])  # a Chinese surname alone is a query
    assert query_terms("a") == (["a"], [])  # a Latin letter alone is not: nothing to search
    words, wanted = query_terms("item 1")
    assert words == ["item", "1"] and wanted == ["it", "te", "em"]  # the digit is compared, not looked up


def test_a_long_query_is_narrowed_by_terms_from_all_of_it():
    from ipdesk.search.text import MAX_QUERY_TERMS, query_terms

    words, wanted = query_terms(" ".join(f"w{n:03d}" for n in range(40)))
    assert len(words) == 40 and len(wanted) == MAX_QUERY_TERMS
    assert "w0" in wanted and any(term.startswith("3") for term in wanted)  # from its start and its end


def test_a_kind_is_named_in_lower_case_ascii_letters():
    from ipdesk.search.registry import SearchKind, register

    with pytest.raises(ValueError, match="lower-case ASCII"):
        register(SearchKind(name="Case-2", label="", model=object, source=lambda: None, fields=(),
                            visible=lambda user: None, describe=lambda ids, user: {}))


@pytest.mark.parametrize("text", [
    "Phở Hà Nội", "ＡＢＣ－８８１", "ｶﾞｲﾄﾞﾌﾞｯｸ", "\u1100\u1161\u11a8 가게", "Đà Nẵng ĐÀ", "ร้านค้าปลอม",
    "深圳市  假货\u3000贸易", "Straße ﬁle ㈜아름", "e\u0301 à la carte", "①②③ ⅫⅣ", "مرحبا بالعالم", "Ёлка и ёж",
    "Z\u0308\u0301urich",
])
def test_marking_folds_a_text_as_the_index_does(text):
    """What the marks are found in is the index's normal form of the text, character for character (apart from
    runs of spaces), so every word search finds in a text is marked there too."""
    from ipdesk.search.highlight import _folded, spans

    folded, origin = _folded(text)
    assert " ".join(folded.split()) == normalise(text)
    assert len(origin) == len(folded)
    for word in normalise(text).split():
        assert spans(text, [word]), word


def test_half_width_kana_and_conjoining_hangul_are_marked_whole():
    from ipdesk.search.highlight import snippet

    assert str(snippet(["セール ｶﾞｲﾄﾞ"], [normalise("ガイド")])) == "セール <mark>ｶﾞｲﾄﾞ</mark>"
    assert str(snippet(["\u1100\u1161\u11a8 가게"], [normalise("각")])) == "<mark>\u1100\u1161\u11a8</mark> 가게"


@pytest.mark.parametrize("written", [
    "Fake serum, 가짜 세럼! a 1 b2", "ร้านค้าปลอม ั", "深圳市假货 x_y __ z", "Phở Hà Nội, Đà Nẵng", "Ἀθῆναι Αθήνα",
    "ｶﾞｲﾄﾞ ＡＢＣ１２３", "İstanbul ǰ", "가\n나 다라\t마", "", "  ", "a", "가", "क़िला", "Straße ﬁ ǅ",
])
def test_the_index_holds_each_runs_pieces_and_its_characters_that_are_words_alone(written):
    """The index's terms, however they are found fast, are what the search asks for: every two-character piece of
    each run (a one-character run as itself) and every character that is a word alone."""
    text = normalise(written)
    expected = set()
    for run in runs(text):
        expected.update([run[i:i + 2] for i in range(len(run) - 1)] or [run])
        expected.update(char for char in run if is_word_alone(char))
    assert terms(text) == expected
