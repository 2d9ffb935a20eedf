"""The case file PDF, read back: text, page header, metadata, embedded fonts, thumbnails, who sees what,
and hostile case text that stays literal text with nothing fetched and nothing embedded."""
import io
import subprocess

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from ipdesk.audit.models import AuditEntry
from ipdesk.cases.models import Message
from ipdesk.extensions import db
from ipdesk.reports.context import case_file_context, is_plain
from ipdesk.reports.pdf import DocumentFetcher, render_pdf
from tests.evidence.conftest import image_bytes
from tests.factories import make_case, make_evidence_file
from tests.support.storage import replace_content, stored_content

SCRIPTS = {  # names as they come in the data of the 40 countries, next to Korean
    "zh": "深圳市美妆贸易有限公司", "zh-Hant": "臺灣美妝貿易股份有限公司", "ja": "株式会社ビューティー商事",
    "th": "ร้านเครื่องสำอางกรุงเทพ", "vi": "Công ty TNHH Thương mại Sao Vàng", "ar": "شركة التجميل الذهبية",
    "hi": "सौंदर्य व्यापार कंपनी", "ru": "ООО Красота Трейд",
}
HOSTILE = ('<img src="file:///etc/passwd"> <link rel="attachment" href="file:///etc/hostname"> '
           '<style>@import url("http://127.0.0.1:9/evil.css"); body { background: url(file:///etc/shadow) }</style> '
           '<a href="javascript:alert(1)">x</a> <script>alert(1)</script>')


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _fonts(data: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


def _print(client, case, lang="en"):
    response = client.get(f"/cases/{case.id}/case-file.pdf", headers={"Accept-Language": lang})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    return response.data


def test_the_exporter_prints_their_case_file_with_header_hashes_and_metadata(client, factories, login_as):
    exporter = factories.exporter()
    case = make_case("evidence", company=exporter.company, author=exporter, country="CN")
    staff = factories.staff(hub_codes=("cn-north",))
    file = make_evidence_file(case, staff, content=b"order 2026-1125\n")
    db.session.add_all([Message(case_id=case.id, author_id=staff.id, body="Seller is a repeat offender.",
                                is_internal=True),
                        Message(case_id=case.id, author_id=staff.id, body="We received your evidence.")])
    db.session.commit()
    login_as(exporter)
    data = _print(client, case)
    reader = PdfReader(io.BytesIO(data))
    text = _pdf_text(data)
    assert case.reference in text and case.title in text
    assert f"Page 1 of {len(reader.pages)}" in text and reader.pages[0].extract_text().startswith(case.reference)
    assert file.sha256 in text.replace("\n", "")
    assert "We received your evidence." in text and "repeat offender" not in text  # no internal notes
    meta = reader.metadata
    assert meta.title == f"{case.reference} · {case.title}" and meta.author.startswith("ipdesk")
    assert meta.creation_date is not None
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "case.printed"))
    assert entry.object_id == str(case.id) and entry.data["staff_side"] is False


def test_staff_see_internal_notes_and_a_korean_reader_gets_korean(client, factories, login_as, tmp_path):
    exporter = factories.exporter()
    case = make_case("evidence", company=exporter.company, author=exporter, country="CN")
    staff = factories.staff(hub_codes=("cn-north",))
    db.session.add(Message(case_id=case.id, author_id=staff.id, body="Seller is a repeat offender.", is_internal=True))
    db.session.commit()
    login_as(staff)
    data = _print(client, case, "ko")
    text = _pdf_text(data)
    assert "repeat offender" in text and "내부 메모" in text
    assert "증거" in text and "1 / " in text and "쪽" in text
    assert "NanumGothic" in _fonts(data, tmp_path)


def test_a_korean_case_file_writes_four_digit_years_and_korean_day_periods(client, factories, login_as):
    """Times in the case file read `2026. 12. 6. 오전 5:29` for a Korean reader in Seoul: no AM/PM, no `26.`."""
    from datetime import UTC, datetime

    exporter = factories.exporter(timezone="Asia/Seoul")
    case = make_case("evidence", company=exporter.company, author=exporter, country="CN",
                     submitted_at=datetime(2026, 12, 5, 20, 29, tzinfo=UTC))
    db.session.add_all([Message(case_id=case.id, author_id=exporter.id, body="morning",
                                created_at=datetime(2026, 12, 5, 20, 29, tzinfo=UTC)),
                        Message(case_id=case.id, author_id=exporter.id, body="evening",
                                created_at=datetime(2026, 12, 6, 8, 29, tzinfo=UTC))])
    db.session.commit()
    login_as(exporter)
    text = " ".join(_pdf_text(_print(client, case, "ko")).split())
    assert "2026. 12. 6. 오전 5:29" in text and "2026. 12. 6. 오후 5:29" in text
    assert "2026. 12. 6. 오전 5:29:00" in text  # the cover's submission time, with seconds
    assert " AM " not in f" {text} " and " PM " not in f" {text} " and "26. 12. 6." not in text.replace("2026.", "")


def test_every_script_is_drawn_with_an_embedded_font(client, factories, login_as, tmp_path):
    exporter = factories.exporter()
    case = make_case("intake", company=exporter.company, author=exporter, country="CN",
                     infringer_name=" / ".join(SCRIPTS.values()), title="위조 세럼 · 偽造品 · ของปลอม")
    login_as(exporter)
    data = _print(client, case, "ko")
    text = _pdf_text(data).replace("\n", "")  # a narrow column wraps long names
    for script, name in SCRIPTS.items():  # Thai and Devanagari clusters do not extract verbatim; their start does
        assert (name[:10] if script in ("th", "hi") else name) in text
    fonts = _fonts(data, tmp_path)
    for family in ("NanumGothic", "Noto-Sans-CJK-SC", "Noto-Sans-CJK-JP", "Loma", "Lohit-Devanagari", "DejaVu-Sans"):
        assert family in fonts, fonts
    assert "Type 3" not in fonts
    embedded = [line.split()[-5] for line in fonts.splitlines()[2:]]
    assert embedded and set(embedded) == {"yes"}


@pytest.mark.db_independent
def test_the_font_stack_has_a_glyph_for_every_character_of_the_data():
    """No empty boxes: each character is in the character map of a font of the stylesheet's stack."""
    from fontTools.ttLib import TTFont

    cmaps = []
    for family in ("NanumGothic", "DejaVu Sans", "Noto Sans CJK SC", "Loma", "Lohit Devanagari"):
        path, index = subprocess.run(["fc-match", "-f", "%{file}|%{index}", family], capture_output=True,
                                     text=True).stdout.split("|")
        with TTFont(path, fontNumber=int(index)) as font:
            assert family.replace(" ", "").lower() in font["name"].getDebugName(1).replace(" ", "").lower(), path
            cmaps.append(font.getBestCmap())
    text = "".join(SCRIPTS.values()) + "위조 세럼 한글 증거"
    missing = {c for c in text if not c.isspace() and not any(ord(c) in cmap for cmap in cmaps)}
    assert missing == set()


@pytest.mark.storage
def test_images_in_the_pdf_are_thumbnails_the_app_reencoded(client, factories, login_as):
    exporter = factories.exporter()
    case = make_case("evidence", company=exporter.company, author=exporter, country="CN")
    staff = factories.staff(hub_codes=("cn-north",))
    make_evidence_file(case, staff, content=image_bytes("PNG", (1600, 1200)), name="포장.png",
                       content_type="image/png")
    tampered = make_evidence_file(case, staff, content=image_bytes("PNG", (800, 600)), name="영수증.png",
                                  content_type="image/png")
    key = tampered.storage_key
    replace_content(client.application, key, stored_content(client.application, key) + b"changed")
    login_as(staff)
    reader = PdfReader(io.BytesIO(_print(client, case)))
    images = {image.data: image for page in reader.pages for image in page.images}  # pypdf may list one twice
    assert len(images) == 1  # the tampered file is not drawn
    image = next(iter(images.values()))
    assert image.name.endswith(".jpg") and max(image.image.size) <= 360  # re-encoded, not the 1600 px PNG


def test_templates_get_plain_data(app, factories):
    exporter = factories.exporter()
    case = make_case("action", company=exporter.company, author=exporter, country="CN")
    with app.test_request_context():
        context, images = case_file_context(case, exporter)
    assert is_plain(context) and images == {}


@pytest.mark.parametrize("field", ["title", "description", "infringer_name", "found_where", "infringer_urls"])
def test_hostile_case_text_stays_text_and_nothing_is_fetched(app, factories, field):
    exporter = factories.exporter()
    case = make_case("intake", company=exporter.company, author=exporter, country="CN", **{field: HOSTILE[:190]})
    db.session.add(Message(case_id=case.id, author_id=exporter.id, body=HOSTILE))
    db.session.commit()
    fetcher = DocumentFetcher()
    from flask import render_template

    with app.test_request_context():
        context, images = case_file_context(case, exporter)
        data = render_pdf(render_template("reports/pdf/case_file.html", **context), images=images, fetcher=fetcher)
    assert fetcher.requested == []
    text = _pdf_text(data).replace("\n", " ")
    assert '<img src="file:///etc/passwd">' in text and "@import" in text
    reader = PdfReader(io.BytesIO(data))
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})
    assert not any(page.images for page in reader.pages)
    assert not any("/Annots" in page for page in reader.pages)


def test_the_fetcher_refuses_everything_but_the_documents_own_images(app):
    """Were a template ever to let markup through, nothing outside the allowlist would be fetched."""
    fetcher = DocumentFetcher()
    html = ('<html><head><link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
            '<link rel="attachment" href="file:///etc/hostname">'
            '<style>@import url("file:///etc/passwd"); p { background: url(https://example.com/a.png) }</style>'
            '</head><body><p>x</p><img src="file:///etc/passwd"><img src="data:image/png;base64,iVBORw0KGgo=">'
            '<img src="ipdesk-image:ok"><img src="ipdesk-image:other"></body></html>')
    data = render_pdf(html, images={"ok": (image_bytes_jpeg(), "image/jpeg")}, fetcher=fetcher)
    assert set(fetcher.requested) >= {"http://127.0.0.1:9/x.css", "file:///etc/hostname", "file:///etc/passwd",
                                      "https://example.com/a.png", "ipdesk-image:ok", "ipdesk-image:other"}
    reader = PdfReader(io.BytesIO(data))
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})
    assert len({image.data for page in reader.pages for image in page.images}) == 1  # only ipdesk-image:ok


@pytest.mark.db_independent
@pytest.mark.parametrize("collecting", [True, False])
def test_rendering_pauses_the_garbage_collector_and_leaves_it_as_it_was(collecting, monkeypatch):
    import gc

    import weasyprint

    seen = []
    write_pdf = weasyprint.HTML.write_pdf
    monkeypatch.setattr(weasyprint.HTML, "write_pdf", lambda self, **kw: seen.append(gc.isenabled()) or
                        write_pdf(self, **kw))
    was = gc.isenabled()
    (gc.enable if collecting else gc.disable)()
    try:
        assert render_pdf("<p>Page</p>").startswith(b"%PDF")
        assert seen == [False] and gc.isenabled() is collecting
        monkeypatch.setattr(weasyprint.HTML, "write_pdf", lambda self, **kw: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            render_pdf("<p>Page</p>")
        assert gc.isenabled() is collecting
    finally:
        (gc.enable if was else gc.disable)()


def image_bytes_jpeg() -> bytes:
    return image_bytes("JPEG", (20, 20))


@pytest.mark.parametrize("who, status", [("other_exporter", 404), ("other_hub", 404), ("admin", 404),
                                         ("manager", 200)])
def test_only_those_who_see_the_case_print_it(client, factories, login_as, who, status):
    exporter = factories.exporter()
    case = make_case("intake", company=exporter.company, author=exporter, country="CN")
    viewer = {"other_exporter": lambda: factories.exporter(), "other_hub": lambda: factories.staff(hub_codes=("th",)),
              "admin": factories.admin, "manager": factories.manager}[who]()
    login_as(viewer)
    assert client.get(f"/cases/{case.id}/case-file.pdf").status_code == status


@pytest.mark.parametrize(("country", "faces"), [
    # a Japanese run (kana) in its face wherever the case is; other Han text in the face of the case's country
    ("CN", {"Noto-Sans-CJK-JP", "Noto-Sans-CJK-SC"}),
    ("TW", {"Noto-Sans-CJK-JP", "Noto-Sans-CJK-TC"}),
    ("JP", {"Noto-Sans-CJK-JP"}),
])
def test_each_east_asian_run_is_drawn_in_one_face_of_its_language(client, factories, login_as, tmp_path, country,
                                                                   faces):
    exporter = factories.exporter()
    case = make_case("intake", company=exporter.company, author=exporter, country=country,
                     title=f"{SCRIPTS['ja']} 偽造品", infringer_name=f"{SCRIPTS['zh-Hant']} / 直骨刃 123号店")
    login_as(exporter)
    fonts = _fonts(_print(client, case, "ko"), tmp_path)
    east_asian = {line.split()[0].split("+")[1].removesuffix("-Bold") for line in fonts.splitlines()[2:]
                  if "CJK" in line or "WenQuanYi" in line}
    assert east_asian == faces, fonts
