"""Country guides as staff and exporters meet them: written in two languages, revised, published, withdrawn, their
Markdown made safe, files checked as evidence is, printed in either language, found by search, linked from the
intake and suggested on a case's page; each seen only by whoever may."""
import io
import re
import subprocess

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from ipdesk.audit.models import AuditEntry
from ipdesk.cases.models import IPRight
from ipdesk.companies.models import Sector
from ipdesk.education.models import Guide
from ipdesk.extensions import db
from tests.evidence.conftest import pdf_bytes
from tests.factories import make_case

KOREAN = {"title_ko": "베트남 진출 전 상표 등록 안내",
          "body_ko": "# 먼저 출원하세요\n\n베트남 지식재산청에 **먼저** 출원하세요."}
ENGLISH = {"title_en": "Register before exporting to Viet Nam",
           "body_en": "# File first\n\nFile at the **IP Office of Viet Nam** before your first shipment."}


def _guide(**changes) -> dict:
    return {"country_code": "VN", "sector": "", "ip_right": "", **KOREAN, **ENGLISH, "note": "", **changes}


def _write(client, **changes) -> Guide:
    response = client.post("/guides/new", data=_guide(**changes))
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.get(Guide, int(response.headers["Location"].rsplit("/", 1)[1]))


def _publish(client, guide: Guide, number: int):
    db.session.refresh(guide)
    return client.post(f"/guides/{guide.id}/publish", data={"number": str(number), "version": str(guide.version)})


def test_staff_write_revise_and_publish_a_guide_readers_see_in_their_language(client, factories, login_as,
                                                                              make_client, login):
    login_as(factories.staff(hub_codes=("vn",)))
    guide = _write(client)
    reader = make_client()
    login(reader, factories.exporter(locale="ko"))
    assert reader.get(f"/guides/{guide.id}").status_code == 404  # a draft: only its writers know it
    assert ENGLISH["title_en"] not in reader.get("/guides").get_data(as_text=True)
    assert _publish(client, guide, 1).status_code == 302
    page = reader.get(f"/guides/{guide.id}").get_data(as_text=True)
    assert KOREAN["title_ko"] in page and "<strong>먼저</strong>" in page and "<h2>먼저 출원하세요</h2>" in page
    english = make_client()
    login(english, factories.exporter(locale="en"))
    assert "<strong>IP Office of Viet Nam</strong>" in english.get(f"/guides/{guide.id}").get_data(as_text=True)
    # a new revision waits for its own publication; readers keep the one published
    db.session.refresh(guide)
    response = client.post(f"/guides/{guide.id}/edit", data=_guide(body_en="File at the office. Also record "
                                                                         "your mark with customs.",
                                                                 note="Customs", version=str(guide.version)))
    assert response.status_code == 302 and response.headers["Location"].endswith("?revision=2")
    assert "customs" not in english.get(f"/guides/{guide.id}").get_data(as_text=True)
    history = client.get(f"/guides/{guide.id}").get_data(as_text=True)
    assert "Customs" in history and "readers see revision 1" in history
    _publish(client, guide, 2)
    assert "record your mark with customs" in english.get(f"/guides/{guide.id}").get_data(as_text=True)
    # withdrawn, it is gone for readers, kept for its writers
    db.session.refresh(guide)
    assert client.post(f"/guides/{guide.id}/withdraw", data={"version": str(guide.version)}).status_code == 302
    assert english.get(f"/guides/{guide.id}").status_code == 404
    actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_type == "guides")))
    assert actions == {"guide.created", "guide.revised", "guide.published", "guide.withdrawn"}


def test_only_staff_of_the_countrys_hubs_and_managers_write_its_guides(client, factories, login_as, make_client,
                                                                        login):
    login_as(factories.staff(hub_codes=("vn",)))
    guide = _write(client)
    thai = make_client()
    login(thai, factories.staff(hub_codes=("th",)))
    assert thai.get(f"/guides/{guide.id}").status_code == 404  # a draft of another hub's country
    refused = thai.post("/guides/new", data=_guide())
    assert refused.status_code == 422 and "Choose a country" in refused.get_data(as_text=True)  # VN not offered
    _publish(client, guide, 1)
    assert thai.get(f"/guides/{guide.id}").status_code == 200
    assert thai.get(f"/guides/{guide.id}/edit").status_code == 403
    manager = make_client()
    login(manager, factories.manager())
    assert manager.get(f"/guides/{guide.id}/edit").status_code == 200
    exporter = make_client()
    login(exporter, factories.exporter())
    assert exporter.get("/guides/new").status_code == 403


def test_a_form_with_errors_comes_back_with_what_was_typed_in_the_readers_language(client, factories, login_as):
    login_as(factories.staff(hub_codes=("vn",), locale="ko"))
    response = client.post("/guides/new", data=_guide(body_ko="", title_en="", body_en=""),
                           headers={"Accept-Language": "ko"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "언어별로 제목과 본문을 함께 쓰거나" in page
    assert f'value="{KOREAN["title_ko"]}"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Guide)) == 0


def test_a_stale_edit_is_refused_with_a_way_to_reload(client, factories, login_as):
    login_as(factories.staff(hub_codes=("vn",)))
    guide = _write(client)
    stale = str(guide.version)
    assert client.post(f"/guides/{guide.id}/edit", data=_guide(note="One", version=stale)).status_code == 302
    conflict = client.post(f"/guides/{guide.id}/edit", data=_guide(body_en="Other words.", version=stale))
    assert conflict.status_code == 409 and f"/guides/{guide.id}/edit" in conflict.get_data(as_text=True)
    db.session.refresh(guide)
    assert [r.number for r in guide.revisions] == [1]  # the same text again makes no revision of nothing


@pytest.mark.db_independent  # Markdown and its sanitiser, in Python
def test_markdown_is_shown_and_printed_without_scripts_or_fetches(client, factories, login_as):
    login_as(factories.staff(hub_codes=("vn",)))
    body = ("<script>alert('x')</script>\n\n[click](javascript:alert(1)) [office](https://ipvietnam.gov.vn)\n\n"
            "![tracker](http://tracker.example/pixel.png)\n\n<img src=x onerror=alert(1)>")
    guide = _write(client, body_en=body)
    page = client.get(f"/guides/{guide.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    article = page.split('class="guide-text', 1)[1].split("</article>", 1)[0]
    assert "<script" not in article and 'href="javascript:' not in article and "<img" not in article
    assert "tracker.example" not in article and "&lt;script&gt;" in article  # typed HTML shows as text
    assert '<a href="https://ipvietnam.gov.vn" rel="noopener noreferrer nofollow">office</a>' in article


def test_files_are_checked_as_evidence_is_and_readers_download_them(client, factories, login_as, make_client,
                                                                    login):
    login_as(factories.staff(hub_codes=("vn",)))
    guide = _write(client)

    def attach(name, content):
        values = MultiDict({"file": FileStorage(io.BytesIO(content), filename=name)})
        boundary, data = encode_multipart(values)
        return client.post(f"/guides/{guide.id}/files", data=data,
                           content_type=f"multipart/form-data; boundary={boundary}")

    refused = attach("form.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200)
    assert refused.status_code == 422 and "not of an accepted type" in refused.get_data(as_text=True)
    leaflet = pdf_bytes(b"customs recordal form")
    assert attach("세관 신고서.pdf", leaflet).status_code == 302
    _publish(client, guide, 1)
    reader = make_client()
    login(reader, factories.exporter())
    db.session.refresh(guide)
    (file,) = guide.attachments
    assert file.storage_key != "세관 신고서.pdf" and file.content_type == "application/pdf"
    download = reader.get(f"/guides/{guide.id}/files/{file.id}")
    assert download.status_code == 200 and download.get_data() == leaflet
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()
    path = f"/guides/{guide.id}/files/{file.id}"
    assert reader.post(f"{path}/remove").status_code == 403
    assert client.post(f"{path}/remove").status_code == 302
    assert reader.get(path).status_code == 404


@pytest.mark.db_independent  # WeasyPrint's work: the database only hands it a revision
def test_the_guide_prints_in_either_language_with_every_glyph(client, factories, login_as, tmp_path):
    login_as(factories.staff(hub_codes=("vn",)))
    guide = _write(client, body_en=ENGLISH["body_en"] + "\n\n| Office | Address |\n|---|---|\n| IP Viet Nam | Hà Nội |")
    _publish(client, guide, 1)
    texts = {}
    for lang in ("ko", "en"):
        response = client.get(f"/guides/{guide.id}/guide-{lang}.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        path = tmp_path / f"guide-{lang}.pdf"
        path.write_bytes(response.get_data())
        texts[lang] = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.get_data())).pages)
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        assert "Type 3" not in fonts and {line.split()[-5] for line in fonts.splitlines()[2:]} == {"yes"}
    assert KOREAN["title_ko"] in texts["ko"] and "먼저 출원하세요" in texts["ko"]
    assert ENGLISH["title_en"] in texts["en"] and "Hà Nội" in texts["en"] and "Revision 1" in texts["en"]
    assert client.get(f"/guides/{guide.id}/guide-fr.pdf").status_code == 404


def test_the_intake_links_the_countrys_guides_and_a_case_suggests_its_own(client, factories, login_as, make_client,
                                                                           login):
    login_as(factories.staff(hub_codes=("vn",)))
    general = _write(client)
    narrow = _write(client, sector="beauty", ip_right="trademark", title_en="Cosmetics marks in Viet Nam",
                    body_en="Register the brand and the product names.")
    other = _write(client, sector="food", title_en="Food labels in Viet Nam", body_en="Register the labels.")
    draft = _write(client, title_en="Still a draft", body_en="Not yet.")
    for guide in (general, narrow, other):
        _publish(client, guide, 1)
    exporter = factories.exporter(locale="en")
    browser = make_client()
    login(browser, exporter)
    intake = browser.get("/cases/new").get_data(as_text=True)
    links = re.search(r'data-guides="([^"]*)"', intake).group(1)
    assert f"/guides/{general.id}" in links and f"/guides/{draft.id}" not in links
    assert 'src="/static/guides.js"' in intake
    case = make_case("evidence", company=exporter.company, author=exporter, country="VN", sector=Sector.beauty,
                     ip_right=IPRight.trademark)
    page = browser.get(f"/cases/{case.id}").get_data(as_text=True)
    suggested = page.split('id="guides"', 1)[1].split("</section>", 1)[0]
    assert suggested.index("Cosmetics marks") < suggested.index(ENGLISH["title_en"])  # the closest first
    assert "Food labels" not in suggested and "Still a draft" not in suggested


def test_search_finds_published_guides_for_everyone_and_no_draft(client, factories, login_as, make_client, login):
    login_as(factories.staff(hub_codes=("vn",)))
    guide = _write(client, body_en="Record the Mattang brand with customs.")
    reader = make_client()
    login(reader, factories.exporter(locale="en"))
    assert 'id="hits-guide"' not in reader.get("/search", query_string={"q": "Mattang"}).get_data(as_text=True)
    _publish(client, guide, 1)
    found = reader.get("/search", query_string={"q": "Mattang"}).get_data(as_text=True)
    assert 'id="hits-guide"' in found and f"/guides/{guide.id}" in found
    db.session.refresh(guide)
    client.post(f"/guides/{guide.id}/withdraw", data={"version": str(guide.version)})
    assert 'id="hits-guide"' not in reader.get("/search", query_string={"q": "Mattang"}).get_data(as_text=True)
