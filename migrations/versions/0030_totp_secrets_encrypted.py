"""Two-factor secrets are encrypted at rest, and the secret being set up is kept on the server.

``users.totp_secret`` (the base32 secret in clear) becomes ``users.totp_secret_encrypted``, a Fernet token
under the newest of ``TOTP_KEYS``; ``users.totp_pending_secret_encrypted`` holds the secret of a set-up
until it is confirmed (it used to travel in the session cookie). Columns are added and dropped with plain
ALTER TABLE, as 0012 added them: a batch copy of ``users`` on SQLite would trip the foreign keys.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op
from cryptography.fernet import Fernet, MultiFernet
from flask import current_app

# revision identifiers, used by Alembic.
revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

users = sa.table("users", sa.column("id", sa.Integer), sa.column("totp_secret", sa.String),
                 sa.column("totp_secret_encrypted", sa.String))


def _copy(source: str, target: str, convert) -> None:
    """Set ``target`` to ``convert(source)`` on every row of ``users`` where ``source`` is set."""
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c[source]).where(users.c[source].is_not(None))).all()
    if rows:
        connection.execute(sa.update(users).where(users.c.id == sa.bindparam("row_id"))
                           .values({target: sa.bindparam("converted")}),
                           [{"row_id": row_id, "converted": convert(value.encode()).decode()} for row_id, value in rows])


def _box() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in current_app.config["TOTP_KEYS"]])


def upgrade():
    op.add_column("users", sa.Column("totp_secret_encrypted", sa.String(length=255), nullable=True))
    op.add_column("users", sa.Column("totp_pending_secret_encrypted", sa.String(length=255), nullable=True))
    _copy("totp_secret", "totp_secret_encrypted", lambda secret: _box().encrypt(secret))
    op.drop_column("users", "totp_secret")


def downgrade():
    op.add_column("users", sa.Column("totp_secret", sa.String(length=64), nullable=True))
    _copy("totp_secret_encrypted", "totp_secret", lambda token: _box().decrypt(token))
    op.drop_column("users", "totp_pending_secret_encrypted")
    op.drop_column("users", "totp_secret_encrypted")
