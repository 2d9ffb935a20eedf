"""The store of kept fragments stays within its number and its total length, least recently used out first."""
import pytest
from flask import render_template_string

from ipdesk.core.fragments import FragmentCache


def test_the_least_recently_used_go_first_by_number_and_by_length():
    kept = FragmentCache(size=3, characters=10)
    for key in "abc":
        kept.put(key, "xx")
    assert kept.get("a") == "xx"  # used: "b" is now the oldest
    kept.put("d", "xx")  # a fourth: the oldest goes
    assert list(kept._kept) == ["c", "a", "d"]
    kept.put("e", "x" * 7)  # 13 characters with the three kept: the oldest go until it fits
    assert list(kept._kept) == ["d", "e"]
    kept.put("huge", "x" * 11)  # longer than the whole store: never kept, and nothing else goes for it
    assert list(kept._kept) == ["d", "e"]


def test_a_fragment_put_again_under_its_key_is_counted_once():
    kept = FragmentCache(size=5, characters=10)
    kept.put("a", "x" * 6)
    kept.put("a", "y" * 6)
    kept.put("b", "z" * 4)  # 10 characters: both fit
    assert kept.get("a") == "y" * 6 and kept.get("b") == "z" * 4


def test_a_kept_block_whose_key_is_not_given_refuses_to_render(app):
    """An undefined name equals every other: kept under it, one case's fragment would be every case's."""
    with app.test_request_context("/"):
        with pytest.raises(TypeError, match="its key names something the template was not given"):
            render_template_string("{% kept (1, missing) %}{{ x }}{% endkept %}", x="case A")
        assert render_template_string("{% kept (1, given) %}{{ x }}{% endkept %}", given=2, x="<b>") == "&lt;b&gt;"
