"""The Korean catalogue is complete: every extracted message is there, translated, not fuzzy."""
import re
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from ipdesk.config import PROJECT_ROOT

pytestmark = pytest.mark.db_independent
KO_CATALOGUE = PROJECT_ROOT / "translations" / "ko" / "LC_MESSAGES" / "messages.po"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
         "-k", "lazy_gettext", "-k", "lazy_pgettext:1c,2", "--no-location", "-o", str(pot), "."],
        cwd=PROJECT_ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as fh:
        return read_po(fh)


@pytest.fixture(scope="module")
def korean():
    with KO_CATALOGUE.open("rb") as fh:
        return read_po(fh, locale="ko")


def test_extraction_finds_messages(extracted):
    assert len([m for m in extracted if m.id]) > 100


def test_catalogue_is_up_to_date(extracted, korean):
    missing = sorted(str(m.id) for m in extracted if m.id and korean.get(m.id, context=m.context) is None)
    assert not missing, f"run `make translate-update` and translate: {missing[:10]}"


def test_every_korean_entry_is_translated_and_not_fuzzy(korean):
    untranslated = [m.id for m in korean if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    fuzzy = [m.id for m in korean if m.id and m.fuzzy]
    assert not untranslated, untranslated[:10]
    assert not fuzzy, fuzzy[:10]


def test_placeholders_match(korean):
    pattern = re.compile(r"%\((\w+)\)[sd]")
    wrong = [m.id for m in korean if m.id and isinstance(m.id, str)
             and sorted(pattern.findall(m.id)) != sorted(pattern.findall(m.string))]
    assert not wrong, wrong


PARTICLE_AFTER_PLACEHOLDER = re.compile(r"%\(\w+\)[sd](이|가|을|를|은|는|과|와|으로|로)(?![가-힣(])")
NOTATION_AFTER_PLACEHOLDER = re.compile(r"%\(\w+\)[sd](이\(가\)|을\(를\)|은\(는\)|과\(와\)|\(으\)로|\(이\))")


def test_a_particle_after_a_placeholder_is_written_for_both_sounds(korean):
    """`%(case)s를` is right for CN-2026-00042 and wrong for CN-2026-00043: the catalogue writes `을(를)` and the
    value chooses (ipdesk/core/particles.py)."""
    fixed = [m.string for m in korean if m.id and isinstance(m.string, str) and PARTICLE_AFTER_PLACEHOLDER.search(
        m.string)]
    assert not fixed, fixed


@pytest.mark.parametrize("value, absent", [("삼성", "가를는와"), ("네이버", "이을은과")], ids=["final", "vowel"])
def test_no_reader_sees_a_particle_notation(app, korean, value, absent):
    """Every Korean message with a particle after a placeholder reads as Korean, in code and in templates."""
    from flask import render_template_string
    from flask_babel import force_locale, gettext

    messages = [m for m in korean if m.id and isinstance(m.id, str) and NOTATION_AFTER_PLACEHOLDER.search(m.string)]
    assert len(messages) >= 10
    with app.test_request_context("/"), force_locale("ko"):
        for message in messages:
            values = {name: value for name in re.findall(r"%\((\w+)\)[sd]", message.id)}
            for text in (gettext(message.id, **values), render_template_string("{{ _(m, **v) }}", m=message.id,
                                                                                v=values)):
                assert not re.search(r"\((이|가|을|를|은|는|과|와|으)\)", text), text
                assert not re.search(f"{value}[{absent}]", text), text
