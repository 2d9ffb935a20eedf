"""Language: saved choice, then session choice, then Accept-Language; Babel names the countries."""
import pytest

from tests.conftest import make_app


def lang_of(response) -> str:
    html = response.get_data(as_text=True)
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_accept_language_decides_for_a_visitor(client):
    assert lang_of(client.get("/login", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"})) == "ko"
    assert lang_of(client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})) == "en"
    assert lang_of(client.get("/login", headers={"Accept-Language": "fr-FR"})) == "ko"  # the default


def test_visitor_switches_language_for_the_session(client):
    page = client.get("/login", headers={"Accept-Language": "en"})
    assert 'value="ko"' in page.get_data(as_text=True)  # the switcher is there for visitors too
    response = client.post("/language", data={"lang": "ko", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    page = client.get("/login", headers={"Accept-Language": "en"})
    assert lang_of(page) == "ko"
    assert "ipdesk 로그인" in page.get_data(as_text=True)


def test_saved_choice_beats_session_and_browser(client, make_client, factories, login):
    user = factories.staff(locale="ko")
    login(client, user)
    client.post("/language", data={"lang": "en"})  # saves "en" on the account
    other_browser = make_client()
    login(other_browser, user)
    assert lang_of(other_browser.get("/", headers={"Accept-Language": "ko"})) == "en"


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"lang": "xx"})
    assert lang_of(client.get("/login", headers={"Accept-Language": "en"})) == "en"


def test_country_names_come_from_babel_in_the_viewer_language(client, factories, login_as):
    login_as(factories.staff())
    korean = client.get("/network", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    english = client.get("/network", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "중국" in korean and "베트남" in korean and "멕시코" in korean
    assert "China" in english and "Vietnam" in english and "Mexico" in english
    assert "10 centres covering 40 countries." in english


@pytest.mark.db_independent
def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("IPDESK_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        make_app("sqlite://")


@pytest.mark.parametrize("zone", ["Asia/Seoul", "America/Mexico_City", "UTC"])
@pytest.mark.parametrize("locale", ["ko", "en"])
def test_template_dates_read_as_babel_writes_them(database_url, locale, zone):
    """The pages' date filters write what Babel writes with each locale's patterns (Korean's own, below), where
    the viewer is."""
    from datetime import UTC, date, datetime

    import pytz
    from babel import dates
    from flask_babel import force_locale

    from ipdesk.core.i18n import KOREAN_DATE_PATTERNS, KOREAN_TIME_PATTERNS, date_text, datetime_text

    moments = [datetime(2026, 3, 8, 23, 30, tzinfo=UTC), datetime(2026, 11, 1, 7, 5, tzinfo=UTC),
               datetime(2025, 12, 31, 16, 0)]  # naive values are UTC, as the database keeps them
    app = make_app(database_url, BABEL_DEFAULT_TIMEZONE=zone)
    with app.test_request_context("/"), force_locale(locale):
        tz = pytz.timezone(zone)
        for moment in moments:
            for fmt in ("short", "medium", "long", "full"):
                aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
                date_fmt = KOREAN_DATE_PATTERNS[fmt] if locale == "ko" else fmt
                datetime_fmt = (f"{KOREAN_DATE_PATTERNS[fmt]} {KOREAN_TIME_PATTERNS[fmt]}" if locale == "ko"
                                else fmt)
                assert datetime_text(moment, fmt) == dates.format_datetime(aware, datetime_fmt, tzinfo=tz,
                                                                           locale=locale)
                assert date_text(moment, fmt) == dates.format_date(aware.astimezone(tz).date(), date_fmt,
                                                                   locale=locale)
                assert date_text(moment.date(), fmt) == dates.format_date(moment.date(), date_fmt, locale=locale)
        assert datetime_text(moments[0], "yyyy-MM-dd HH:mm") == dates.format_datetime(
            moments[0], "yyyy-MM-dd HH:mm", tzinfo=tz, locale=locale)
        assert date_text(None) == datetime_text(None) == ""
        assert date_text(date(2026, 1, 2), "short") != ""
        if zone == "Asia/Seoul":  # 23:30 UTC on 8 March is the 9th in Seoul
            assert date_text(moments[0], "yyyy-MM-dd") == "2026-03-09"


@pytest.mark.parametrize("fmt", ["short", "medium", "long", "full"])
def test_korean_dates_have_four_digit_years_and_korean_day_periods(database_url, fmt):
    """CLDR's Korean short date has a two-digit year and its day period reads AM/PM; Korean readers get
    `2026. 12. 6. 오전 5:29` instead, in every named format; English keeps CLDR's own."""
    from datetime import UTC, date, datetime
    from zoneinfo import ZoneInfo

    from babel import dates
    from flask_babel import force_locale

    from ipdesk.core.i18n import date_text, datetime_text

    morning, evening = datetime(2026, 12, 5, 20, 29, tzinfo=UTC), datetime(2026, 12, 6, 8, 29, tzinfo=UTC)
    app = make_app(database_url, BABEL_DEFAULT_TIMEZONE="Asia/Seoul")
    with app.test_request_context("/"):
        with force_locale("ko"):
            texts = [datetime_text(morning, fmt), datetime_text(evening, fmt), date_text(morning, fmt),
                     date_text(date(2026, 12, 6), fmt)]
        with force_locale("en"):
            english = datetime_text(morning, fmt), date_text(date(2026, 12, 6), fmt)
    assert all("2026" in text and "AM" not in text and "PM" not in text for text in texts), texts
    assert "오전 5" in texts[0] and "오후 5" in texts[1]
    if fmt == "short":
        assert texts == ["2026. 12. 6. 오전 5:29", "2026. 12. 6. 오후 5:29", "2026. 12. 6.", "2026. 12. 6."]
    assert english == (dates.format_datetime(morning, fmt, tzinfo=ZoneInfo("Asia/Seoul"), locale="en"),
                       dates.format_date(date(2026, 12, 6), fmt, locale="en"))
