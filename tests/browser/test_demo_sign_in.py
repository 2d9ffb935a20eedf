"""In a real browser, on a desk: each demo account signs in, in Korean and in English, and signs out. (On a phone,
signing in and out is in every phone journey, switching language in test_phone_layout.py.)"""
import pytest
from playwright.sync_api import expect

from ipdesk.demo import DEMO_USERS
from tests.browser.conftest import menu, sign_in

VIEWPORTS = ("desktop",)

TEXT = {
    "ko": {"email": "이메일", "password": "비밀번호", "sign_in": "로그인", "sign_out": "로그아웃",
           "welcome": "{name}님, 환영합니다", "pending": "기업 승인을 기다리고 있습니다"},
    "en": {"email": "E-mail", "password": "Password", "sign_in": "Sign in", "sign_out": "Sign out",
           "welcome": "Welcome, {name}", "pending": "Your company is awaiting approval"},
}


# each account in one language, the two languages taking turns: every account and both languages are signed in
@pytest.mark.parametrize("email, name, lang", [(u[0], u[1], ("ko", "en")[n % 2]) for n, u in enumerate(DEMO_USERS)])
def test_demo_account_signs_in(live_server, new_page, lang, email, name):
    page = new_page(lang)
    sign_in(page, live_server, email, lang)
    t = TEXT[lang]
    if email.startswith("pending"):
        expect(page.get_by_role("heading", level=1)).to_have_text(t["pending"])
    else:
        expect(page.get_by_role("heading", level=1)).to_have_text(t["welcome"].format(name=name))
    menu(page)
    page.get_by_role("button", name=name).click()  # the user menu, under the signed-in name
    page.get_by_role("button", name=t["sign_out"]).click()
    expect(page.get_by_role("button", name=t["sign_in"], exact=True)).to_be_visible()
