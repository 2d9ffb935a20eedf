"""The notification settings form: two switches (e-mail, in the app) per kind the user can receive."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SubmitField

from ipdesk.core.forms import Form
from ipdesk.notify.models import NotificationKind


class PreferencesForm(Form):
    submit = SubmitField(_l("Save"))

    def choices(self, kinds) -> dict[NotificationKind, tuple[bool, bool]]:
        return {kind: (self[f"{kind.name}_email"].data, self[f"{kind.name}_in_app"].data)
                for kind in kinds if not kind.is_essential}


def preferences_form(kinds, current: dict[NotificationKind, tuple[bool, bool]]) -> PreferencesForm:
    """A form with a pair of switches for each kind that can be switched off, set to ``current``."""

    class Form(PreferencesForm):
        pass

    data = {}
    for kind in kinds:
        if kind.is_essential:
            continue
        setattr(Form, f"{kind.name}_email", BooleanField(_l("By e-mail")))
        setattr(Form, f"{kind.name}_in_app", BooleanField(_l("In the app")))
        data[f"{kind.name}_email"], data[f"{kind.name}_in_app"] = current[kind]
    return Form(data=data)
