"""Helpers shared by views."""
from functools import wraps

from flask import make_response, render_template
from flask_login import current_user

from ipdesk.core.errors import ServiceError


def attach_error(form, message: str, field_name: str | None = None) -> None:
    """Show ``message`` next to the named field, or above the form when there is no such field."""
    field = getattr(form, field_name, None) if field_name else None
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


def form_error(form, error: ServiceError, template: str, **context):
    """Show the rule's message next to its field and keep what was typed (the commit point undoes the change)."""
    attach_error(form, error.message, error.field)
    return render_template(template, form=form, **context), 422


def no_store(view):
    """Mark ``view``'s answers as holding a secret (a reset or invitation link, a two-factor secret or step,
    recovery codes): no browser or proxy cache may keep them, whoever is signed in."""

    @wraps(view)
    def answer(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        return response

    return answer


def signed_in() -> bool:
    """For rate limits that spare signed-in users (the form sends them elsewhere and mails no one)."""
    return current_user.is_authenticated


def mail_sent(response) -> bool:
    """For rate limits that count only the forms that mailed someone: those answer with a redirect; a form sent
    back with its errors mails nothing."""
    return response.status_code == 302
