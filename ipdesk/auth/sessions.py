"""Server-side sessions: the cookie carries a random id; revoking the row ends the session."""
import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, g, request, session
from flask_login import login_user, logout_user
from sqlalchemy.orm import joinedload

from ipdesk.auth.models import User, UserSession
from ipdesk.core.db import transaction_will_write, utcnow
from ipdesk.core.transaction import record_despite_refusal
from ipdesk.extensions import db, login_manager
from ipdesk.notify.models import Notification

SESSION_KEY = "sid"
# last_seen_at is written at most this often, so browsing does not write on every page.
TOUCH_INTERVAL = timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, *, remember: bool = False) -> UserSession:
    """Sign ``user`` in with a brand-new session id (the old cookie's contents are dropped).

    ``remember`` keeps the session through idle periods and the browser's restarts, but only for
    ``REMEMBER_DAYS``; without it, the session ends after ``SESSION_IDLE_MINUTES`` unused.
    """
    if hasattr(user, "_get_current_object"):  # current_user: keep the user, not the proxy
        user = user._get_current_object()
    keep_lang = session.get("lang")
    session.clear()  # a new id at every sign-in: no session fixation
    if keep_lang:
        session["lang"] = keep_lang
    token = secrets.token_urlsafe(32)
    row = UserSession(
        user=user,
        token_hash=_hash(token),
        remember_until=utcnow() + timedelta(days=current_app.config["REMEMBER_DAYS"]) if remember else None,
        ip_address=request.remote_addr,
        user_agent=(request.user_agent.string or "")[:255],
    )
    db.session.add(row)
    session[SESSION_KEY] = token
    session.permanent = remember  # the cookie outlives the browser only when remembered, and as long
    login_user(user)
    return row


def end_session() -> None:
    """Sign out this browser: its row is revoked, so a copy of the cookie stops working too."""
    token = session.get(SESSION_KEY)
    if token:
        db.session.execute(
            sa.update(UserSession)
            .where(UserSession.token_hash == _hash(token), UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    logout_user()
    keep_lang = session.get("lang")
    session.clear()
    if keep_lang:
        session["lang"] = keep_lang


def revoke_all_sessions(user: User) -> int:
    """End every session of ``user`` (password change, deactivation, reset)."""
    result = db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    token = session.get(SESSION_KEY)
    if not token or not user_id.isdigit():
        return None
    # The bell's unread count rides along with the session lookup, so no page pays a query for it.
    unread = (sa.select(sa.func.count()).where(Notification.user_id == UserSession.user_id, Notification.in_app,
                                               Notification.read_at.is_(None))
              .correlate(UserSession).scalar_subquery())
    row, g.unread_notifications = db.session.execute(
        sa.select(UserSession, unread)
        .where(UserSession.token_hash == _hash(token), UserSession.user_id == int(user_id))
        .options(
            joinedload(UserSession.user).joinedload(User.company),
            joinedload(UserSession.user).selectinload(User.hubs),
        )
    ).first() or (None, 0)
    now = utcnow()
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    if row is None or row.revoked_at is not None or not row.user.is_active:
        g.session_ended = True
        return None
    if row.remember_until is not None and now > row.remember_until or \
            row.remember_until is None and now - row.last_seen_at > idle:
        g.session_ended = True
        _write_now(sa.update(UserSession).where(UserSession.id == row.id).values(revoked_at=now))
        return None
    if now - row.last_seen_at > TOUCH_INTERVAL:
        _write_now(sa.update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now))
    return row.user


def _write_now(statement) -> None:
    """A small bookkeeping write that never turns a read-only request into a writing one.

    A request that writes anyway already holds the write lock (SQLite begins it immediately), so
    the write joins its transaction, and is kept should the request be refused (a form sent back
    with errors still counts as activity); a read-only request makes it in a short transaction of its own.
    """
    if g.get("database_busy"):  # the busy page: the bookkeeping waits for a later request
        return
    if transaction_will_write():
        record_despite_refusal(lambda: db.session.execute(statement))
        return
    previous = g.get("write_intent")
    g.write_intent = True
    try:
        with db.engine.begin() as conn:
            conn.execute(statement)
    finally:
        if previous is None:
            g.pop("write_intent", None)
        else:
            g.write_intent = previous

