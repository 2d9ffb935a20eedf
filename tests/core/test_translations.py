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
