"""Every PDF ipdesk makes is tagged (PDF/UA-1): a structure tree for screen readers, the document's language and
its title, which viewers show in place of the file name; the all-country pack keeps the structure of its parts.
The country summary is printed in the language chosen on its form, whatever the language of the pages."""
import io
from datetime import date

import pikepdf
import pytest
from pypdf import PdfReader

from ipdesk.reports.pack import assemble_pack
from ipdesk.reports.stats import pack_overview
from ipdesk.reports.summary import country_summary_pdf
from tests.factories import make_case


def _check_tagged(data: bytes, lang: str, title_part: str) -> PdfReader:
    reader = PdfReader(io.BytesIO(data))
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"].value is True
    assert catalog["/Lang"] == lang
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert title_part in reader.metadata.title
    xmp = catalog["/Metadata"].get_object().get_data().decode()
    assert "pdfuaid:part" in xmp and title_part in xmp
    tree = catalog["/StructTreeRoot"].get_object()
    parent_tree = dict(zip(*[iter(tree["/ParentTree"].get_object()["/Nums"])] * 2, strict=True))
    page_refs = {page.indirect_reference.idnum for page in reader.pages}
    elements, headings = [tree["/K"][0].get_object()], 0
    while elements:  # every element hangs under its parent and marks content of a page of this file
        element = elements.pop()
        headings += element["/S"] in ("/H1", "/H2")
        if "/Pg" in element:
            assert element.raw_get("/Pg").idnum in page_refs
        for kid in element.get("/K", []):
            kid_object = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid_object, dict) and kid_object.get("/Type") == "/StructElem":
                assert kid_object.raw_get("/P").idnum == element.indirect_reference.idnum
                elements.append(kid_object)
    assert headings >= 2
    for page in reader.pages:  # each page's marked content is found in the parent tree
        assert page["/StructParents"] in parent_tree
    assert len({page["/StructParents"] for page in reader.pages}) == len(reader.pages)
    return reader


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_case_file_is_tagged_with_its_language_and_title(client, factories, login_as, lang):
    exporter = factories.exporter()
    case = make_case("evidence", company=exporter.company, author=exporter, country="JP")
    login_as(exporter)
    response = client.get(f"/cases/{case.id}/case-file.pdf", headers={"Accept-Language": lang})
    _check_tagged(response.data, lang, case.reference)


@pytest.mark.parametrize(("ui", "lang", "heading"), [("en", "ko", "국가 요약: 중국"),
                                                     ("ko", "en", "Country summary: China")])
def test_the_country_summary_is_printed_in_the_chosen_language_and_tagged(client, factories, login_as, ui, lang,
                                                                          heading):
    exporter = factories.exporter()
    make_case("intake", company=exporter.company, author=exporter, country="CN")
    login_as(factories.manager())
    form = client.get("/reports", headers={"Accept-Language": ui}).get_data(as_text=True)
    assert f'<option selected value="{ui}">' in form  # the reader's language unless they choose the other
    response = client.get(f"/reports/country-summary.pdf?country=CN&start=2026-01-01&end=2026-12-31&lang={lang}",
                          headers={"Accept-Language": ui})
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith(f'-{lang}.pdf"')
    reader = _check_tagged(response.data, lang, heading.split(": ")[1])
    assert heading in reader.pages[0].extract_text()


def test_the_pack_keeps_the_structure_language_and_title_of_its_parts(app, factories):
    exporter = factories.exporter()
    for country in ("CN", "TH"):
        make_case("intake", company=exporter.company, author=exporter, country=country)
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    with app.test_request_context(headers={"Accept-Language": "ko"}):
        summaries = {code: country_summary_pdf(code, start, end, in_pack=True) for code in ("CN", "TH")}
        overview = pack_overview(["CN", "TH", "VN"], start, end)
    data, pages = assemble_pack(summaries, overview, "ko")
    reader = _check_tagged(data, "ko", "2026. 1. 1. ~ 2026. 12. 31.")  # the period as Korean readers write dates
    parts = reader.trailer["/Root"]["/StructTreeRoot"]["/K"][0].get_object()["/K"]
    # the contents, the overview, each country with a case, the closing page of those without
    assert [part.get_object()["/S"] for part in parts] == ["/Part"] * 5
    assert pages == len(reader.pages) == 3 + sum(len(PdfReader(io.BytesIO(s)).pages) for s in summaries.values())
    with pikepdf.Pdf.open(io.BytesIO(data)) as pack:
        assert pack.check_pdf_syntax() == []  # qpdf finds nothing wrong in the joined file
