"""`flask create-admin`: the first admin of a new installation, checked as the admin area checks an account."""
import sqlalchemy as sa

from ipdesk.audit.models import AuditEntry
from ipdesk.auth.models import Role, User
from ipdesk.extensions import db
from tests.conftest import PASSWORD


def _create(app, *args, given: str):
    return app.test_cli_runner().invoke(args=["create-admin", *args], input=given)


def test_the_first_admin_is_created_and_signs_in(app, client):
    result = _create(app, "--email", "IT@Example.org", "--name", "First Admin",
                     given=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Admin it@example.org created" in result.output and PASSWORD not in result.output
    admin = db.session.scalar(sa.select(User).where(User.email == "it@example.org"))
    assert admin.role is Role.admin and admin.name == "First Admin"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.created"))
    assert entry.actor_id is None and entry.object_id == str(admin.id)
    response = client.post("/login", data={"email": "it@example.org", "password": PASSWORD})
    assert response.status_code == 302 and not response.headers["Location"].startswith("/login")
    assert client.get("/admin/users").status_code == 200


def test_a_password_from_standard_input(app):
    result = _create(app, "--email", "ops@example.org", "--name", "Ops", "--password-stdin", given=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User.role).where(User.email == "ops@example.org")) is Role.admin


def test_what_the_admin_area_refuses_is_refused_and_nothing_is_created(app, factories):
    factories.staff(email="taken@example.org")
    for args, given, message in (
        (["--email", "not-an-address", "--name", "X"], PASSWORD, "E-mail"),
        (["--email", "short@example.org", "--name", "X"], "short", "at least 10 characters"),
        (["--email", "same@example.org", "--name", "X"], "same@example.org", "e-mail address as your password"),
        (["--email", "taken@example.org", "--name", "X"], PASSWORD, "already exists"),
        (["--email", "blank@example.org", "--name", ""], PASSWORD, "Name"),
    ):
        result = _create(app, *args, "--password-stdin", given=given + "\n")
        assert result.exit_code == 2 and message in result.output, (args, result.output)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.role == Role.admin)) == 0


def test_the_two_passwords_must_match(app):
    result = _create(app, "--email", "typo@example.org", "--name", "Typo",
                     given=f"{PASSWORD}\n{PASSWORD}x\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0 and "do not match" in result.output.lower()
