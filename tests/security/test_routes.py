"""Every page needs a signed-in user, except the few an anonymous visitor may see."""

import pytest

from tests.security.test_csrf import PLACEHOLDERS as CSRF_PLACEHOLDERS

PUBLIC = {
    "auth.logout",
    "auth.login",
    "auth.register",
    "auth.registration_sent",
    "auth.confirm_registration",
    "auth.accept_invite",
    "main.privacy",
    "main.healthz",
    "static",
    "bootstrap.static",
    "main.set_language",
    "deadlines.calendar_feed",
    "auth.forgot_password",
    "auth.reset_password",
    # a question without an account, filed once the link mailed to its asker is used (DOMAIN.md)
    "enquiries.ask_public",
    "enquiries.public_sent",
    "enquiries.confirm_public",
}
# every POST route's arguments are in the CSRF suite's table; GET routes add the static file name
PLACEHOLDERS = {**CSRF_PLACEHOLDERS, "filename": "css/bootstrap.min.css"}


def rules(app):
    return sorted(app.url_map.iter_rules(), key=lambda r: r.rule)


def test_anonymous_visitors_reach_only_public_pages(app, client):
    from flask import url_for

    checked = 0
    for rule in rules(app):
        with app.test_request_context():
            url = url_for(rule.endpoint, **{a: PLACEHOLDERS[a] for a in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            response.close()
            checked += 1
            if rule.endpoint in PUBLIC:
                assert response.status_code != 401, url
                continue
            assert response.status_code == 302, (method, url)
            assert "/login" in response.headers["Location"], (method, url)
    assert checked > 30


@pytest.mark.parametrize("url", ["/login", "/register", "/privacy"])
def test_security_headers(client, url):
    response = client.get(url)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_assets_are_served_by_the_app_itself(client):
    html = client.get("/login").get_data(as_text=True)
    assert "cdn" not in html.lower() and "https://" not in html
    for asset in (
        "/bootstrap/static/css/bootstrap.min.css",
        "/bootstrap/static/js/bootstrap.min.js",
        "/static/app.css",
    ):
        response = client.get(asset)
        response.close()
        assert response.status_code == 200, asset


def test_unexpected_errors_give_a_friendly_500(app, client):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom-for-test")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    assert "RuntimeError" not in response.get_data(as_text=True)
