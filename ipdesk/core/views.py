"""Helpers shared by views."""
from flask import render_template

from ipdesk.core.errors import ServiceError
from ipdesk.extensions import db


def form_error(form, error: ServiceError, template: str, **context):
    """Undo the failed change, show the rule's message next to its field, keep what was typed."""
    db.session.rollback()
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
    return render_template(template, form=form, **context), 422
