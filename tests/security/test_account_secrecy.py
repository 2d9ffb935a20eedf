"""Which e-mail addresses have accounts stays secret: registration, invitations and password reset answer alike
(status, page, cookies and time) for addresses with and without an account; an account works only once the
link mailed to its address is used; registration, invitations and failed sign-ins are rate limited, without
locking an account's owner out of a browser they signed in on before."""
import re
import statistics
import time

import pytest
import sqlalchemy as sa

from ipdesk.auth.passwords import hash_password
from ipdesk.companies.models import Company
from ipdesk.extensions import db
from tests.auth.test_registration import VALID
from tests.conftest import PASSWORD, confirm_registration, mailed_link, running_app

NEW = "newcomer@areum.example"
TAKEN = "taken@areum.example"


def _csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _without_tokens(html: str) -> str:
    return re.sub(r'(name="csrf_token"(?: type="hidden")? value=")[^"]*"', r'\1"', html)


def _cookies(app, response) -> list:
    """The response's cookies: names and attributes as sent, the session's contents without its CSRF token."""
    seen = []
    for header in response.headers.getlist("Set-Cookie"):
        name, rest = header.split("=", 1)
        value, _sep, attributes = rest.partition(";")
        if name == app.config["SESSION_COOKIE_NAME"] and value:
            contents = app.session_interface.get_signing_serializer(app).loads(value)
            contents.pop("csrf_token", None)
            value = contents
        seen.append((name, value, attributes.strip()))
    return seen


@pytest.fixture
def csrf_app(database_url):
    with running_app(database_url, WTF_CSRF_ENABLED=True) as app:
        yield app


def _answer(app, response) -> tuple:
    return (response.status_code, response.headers.get("Location"), _without_tokens(response.get_data(as_text=True)),
            _cookies(app, response))


def test_registration_answers_alike_for_new_and_taken_addresses(csrf_app, factories):
    factories.exporter(email=TAKEN)
    db.session.commit()
    answers = {}
    for address in (NEW, TAKEN):
        browser = csrf_app.test_client()
        token = _csrf_token(browser.get("/register").get_data(as_text=True))
        posted = browser.post("/register", data={**VALID, "email": address, "csrf_token": token})
        shown = browser.get(posted.headers["Location"])
        answers[address] = (_answer(csrf_app, posted), _answer(csrf_app, shown))
    assert answers[NEW] == answers[TAKEN]
    (status, location, _body, _cookies), (shown_status, _location, page, _) = answers[NEW]
    assert (status, location, shown_status) == (302, "/register/sent", 200)
    assert "Check your e-mail" in page
    # the mailbox tells its owner which: a link to finish, or that the address has an account
    assert mailed_link(NEW, "email_confirmation").startswith("/register/confirm/")
    assert mailed_link(TAKEN, "account_exists") == "/login"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Company)) == 1  # only the taken one's


def test_an_account_works_only_once_its_mailed_link_is_used(client, login):
    assert client.post("/register", data={**VALID, "email": NEW}).status_code == 302
    refused = login(client, NEW)
    assert refused.status_code == 200
    assert "The e-mail address or the password is not correct." in refused.get_data(as_text=True)
    finished = confirm_registration(client, NEW)
    assert finished.status_code == 302 and finished.headers["Location"].endswith("/awaiting-approval")
    client.post("/logout")
    assert login(client, NEW).status_code == 302  # awaiting approval, as every new company
    assert client.get("/awaiting-approval").status_code == 200


def test_the_inviter_sees_the_same_whether_or_not_the_address_has_an_account(client, factories, login_as):
    inviter = factories.exporter()
    factories.staff(email=TAKEN)
    login_as(inviter)
    answers = {}
    for address in (NEW, TAKEN):
        posted = client.post("/company/invitations", data={"email": address})
        page = _without_tokens(client.get(posted.headers["Location"]).get_data(as_text=True))
        row = re.search(rf"<tr>\s*<td>{re.escape(address)}</td>.*?</tr>", page, re.S).group(0)
        flashed = re.search(r'<div class="alert[^"]*"[^>]*>.*?</div>', page, re.S).group(0)
        answers[address] = (posted.status_code, posted.headers["Location"],
                            re.sub(r"\d+", "N", row.replace(address, "ADDRESS")), flashed.replace(address, "ADDRESS"))
        assert "/invitations/" not in re.sub(r"/company/invitations/\d+/revoke", "", page)  # no link to try
    assert answers[NEW] == answers[TAKEN]
    assert answers[NEW][0] == 302
    assert mailed_link(NEW, "invitation").startswith("/invitations/")
    assert mailed_link(TAKEN, "invitation") == "/login"  # its owner hears the address has an account


def test_registration_and_invitations_are_rate_limited(database_url):
    with running_app(database_url, REGISTRATION_ADDRESS_RATE_LIMIT="2 per hour", REGISTRATION_RATE_LIMIT="3 per hour",
                     INVITATION_ACCOUNT_RATE_LIMIT="2 per hour") as app:
        from tests import factories

        def register(address, ip):
            return app.test_client().post("/register", data={**VALID, "email": address},
                                          environ_base={"REMOTE_ADDR": ip}).status_code

        # one address, from anywhere
        assert [register(TAKEN, f"10.0.1.{i}") for i in range(3)] == [302, 302, 429]
        # one client address, whatever the e-mail address
        assert [register(f"n{i}@areum.example", "10.0.2.1") for i in range(4)] == [302, 302, 302, 429]

        inviter = factories.exporter()
        db.session.commit()
        client = app.test_client()
        assert client.post("/login", data={"email": inviter.email, "password": PASSWORD}).status_code == 302
        sent = [client.post("/company/invitations", data={"email": f"c{i}@areum.example"}).status_code
                for i in range(3)]
        assert sent == [302, 302, 429]


def test_a_password_reset_takes_as_long_for_an_unknown_address(database_url):
    """Medians of many interleaved requests; the tolerance is half of one password hash, so a path that did
    one more hash (or any work of that size) than the other fails."""
    with running_app(database_url, PASSWORD_RESET_RATE_LIMIT="100000 per hour",
                     PASSWORD_RESET_ACCOUNT_RATE_LIMIT="100000 per hour") as app:
        from tests import factories

        user = factories.exporter()
        db.session.commit()
        client = app.test_client()

        def reset(address) -> float:
            started = time.perf_counter()
            assert client.post("/password/forgot", data={"email": address}).status_code == 302
            return time.perf_counter() - started

        for _ in range(5):  # warm up both paths
            reset(user.email), reset("nobody@areum.example")
        known, unknown = [], []
        for _ in range(30):
            known.append(reset(user.email))
            unknown.append(reset("nobody@areum.example"))
        hashes = []
        for _ in range(15):
            started = time.perf_counter()
            hash_password("a password to time")
            hashes.append(time.perf_counter() - started)
        one_hash = statistics.median(hashes)
        difference = abs(statistics.median(known) - statistics.median(unknown))
        assert difference < one_hash / 2, (f"known {statistics.median(known):.4f}s, unknown "
                                           f"{statistics.median(unknown):.4f}s, one hash {one_hash:.4f}s")


def test_failed_sign_ins_slow_a_guesser_but_not_the_owner_on_a_known_browser(database_url):
    with running_app(database_url, LOGIN_RATE_LIMIT="5 per minute", LOGIN_ACCOUNT_RATE_LIMIT="3 per hour") as app:
        from tests import factories

        owner, other = factories.exporter(), factories.exporter()
        db.session.commit()
        office = {"REMOTE_ADDR": "10.0.3.1"}
        laptop = app.test_client()
        assert laptop.post("/login", data={"email": owner.email, "password": PASSWORD},
                           environ_base=office).status_code == 302
        laptop.post("/logout", environ_base=office)

        guesser = app.test_client()

        def guess(password="guess", environ=None):
            return guesser.post("/login", data={"email": owner.email, "password": password},
                                environ_base=environ or {"REMOTE_ADDR": "10.0.4.1"}).status_code

        # from many places: the account's limit holds the guesser, right password or not
        assert [guess(environ={"REMOTE_ADDR": f"10.0.5.{i}"}) for i in range(3)] == [200, 200, 200]
        assert guess(PASSWORD) == 429
        # from the owner's own office address too
        assert [guess(environ=office) for _ in range(5)] == [429] * 5
        # the owner's browser, from that same address, is held by neither
        signed_in = laptop.post("/login", data={"email": owner.email, "password": PASSWORD}, environ_base=office)
        assert signed_in.status_code == 302
        # the cookie is signed: a made-up one counts for nothing
        forger = app.test_client()
        forger.set_cookie("ipdesk_device", "made-up", domain="ipdesk.test")
        assert forger.post("/login", data={"email": owner.email, "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "10.0.6.1"}).status_code == 429
        # and it knows the owner's account only: another account's limit still holds on that browser
        for _ in range(3):
            guesser.post("/login", data={"email": other.email, "password": "guess"},
                         environ_base={"REMOTE_ADDR": "10.0.7.1"})
        laptop.post("/logout", environ_base=office)
        assert laptop.post("/login", data={"email": other.email, "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "10.0.8.1"}).status_code == 429
