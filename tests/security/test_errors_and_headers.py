"""Error pages (403, 404, 409, 413, 429, 500) in both languages, never a stack trace; security headers."""
import pytest

from tests.conftest import running_app
from tests.factories import make_case

PAGES = {  # code: (English title, Korean title)
    403: ("Not allowed", "허용되지 않음"),
    404: ("Not found", "찾을 수 없음"),
    409: ("Changed meanwhile", "그 사이에 변경됨"),
    413: ("Too large", "용량 초과"),
    429: ("Too many attempts", "시도 횟수 초과"),
    500: ("Something went wrong", "문제가 발생했습니다"),
}
TRACE_MARKS = ("Traceback", "RuntimeError", 'File "', "sqlalchemy", "werkzeug", "/work/", "site-packages")


def _trigger(code: int, app, client, factories, login_as, lang: str):
    headers = {"Accept-Language": lang}
    if code == 403:
        login_as(factories.staff())
        return client.get("/admin/users", headers=headers)
    if code == 404:
        login_as(factories.manager())
        return client.get("/cases/987654", headers=headers)
    if code == 409:
        exporter = factories.exporter()
        case = make_case("draft", company=exporter.company, author=exporter)
        login_as(exporter)
        return client.post(f"/cases/{case.id}/edit", headers=headers, data={
            "title": "Fake serum", "country_code": "CN", "urgency": "normal", "version": str(case.version + 7)})
    if code == 413:
        login_as(factories.staff())
        big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
        return client.post("/cases/new", headers=headers, data=big, content_type="application/octet-stream")
    if code == 429:
        response = None
        for _ in range(4):
            response = client.post("/login", headers=headers, data={"email": "no@x.example", "password": "nope"})
        return response
    if code == 500:
        app.config["PROPAGATE_EXCEPTIONS"] = False
        return client.get("/boom-for-test", headers=headers)
    raise AssertionError(code)


@pytest.fixture
def app(database_url):
    with running_app(database_url, LOGIN_RATE_LIMIT="3 per minute", MAX_CONTENT_LENGTH=64 * 1024) as app:
        @app.get("/boom-for-test")
        def boom():
            raise RuntimeError("boom at /work/secret/path in sqlalchemy")

        yield app


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("code", sorted(PAGES))
def test_error_pages_speak_the_users_language_and_show_no_internals(app, client, factories, login_as, code, lang):
    response = _trigger(code, app, client, factories, login_as, lang)
    page = response.get_data(as_text=True)
    assert response.status_code == code
    assert PAGES[code][0 if lang == "en" else 1] in page
    assert f'lang="{lang}"' in page
    for mark in TRACE_MARKS:
        assert mark not in page, mark
    if code == 409:  # with a way back to the current version
        assert ("Reload the current version" if lang == "en" else "최신 내용 다시 불러오기") in page


def test_headers_forbid_inline_script_framing_and_sniffing(client, factories, login_as):
    login_as(factories.manager())
    for url in ("/login", "/", "/cases", "/dashboard", "/does-not-exist"):
        headers = client.get(url).headers
        csp = {part.split()[0]: part.split()[1:] for part in headers["Content-Security-Policy"].split("; ")}
        assert csp["script-src"] == ["'self'"] and csp["default-src"] == ["'self'"]
        assert "'unsafe-inline'" not in " ".join(csp.get("style-src", []) + csp["script-src"])
        assert csp["frame-ancestors"] == ["'none'"] and csp["base-uri"] == ["'none'"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin", "no-referrer")


def test_no_page_carries_inline_script_or_inline_style(client, factories, login_as):
    """The policy would block them: a page that needs one would silently break."""
    import re

    login_as(factories.manager())
    for url in ("/", "/cases", "/dashboard", "/reports", "/deadlines", "/infringers", "/account"):
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\son[a-z]+=\"", html), url  # no event-handler attributes
        assert ' style="' not in html, url
