"""Enums whose members carry a translated title for display."""
import enum

from markupsafe import escape
from wtforms import SelectChoice

from ipdesk.core.i18n import current_locale

_TITLES: dict[tuple, str] = {}  # (language, territory, member, kind of label) → label


def translated(member, kind: str, lazy) -> str:
    """``lazy``, a label of ``member`` (its title, its short title...), in the current language.

    Each label is translated once per language and process (Flask-Babel keeps the catalogues for the
    process's life too): a page names stages and kinds in every row, and resolving the translation
    each time was a tenth of a long page's rendering."""
    locale = current_locale()  # None outside a request or app context
    if locale is None:
        return str(lazy)
    key = (locale.language, locale.territory, member, kind)  # plain strings: a Locale compares slowly
    try:
        return _TITLES[key]
    except KeyError:
        title = _TITLES[key] = str(lazy)
        return title


class LabelledEnum(enum.Enum):
    """An enum whose members are declared as ``name = "value", _l("Title")``."""

    def __new__(cls, value: str, title):
        member = object.__new__(cls)
        member._value_ = value
        member._title = title
        return member

    @property
    def title(self) -> str:
        """The label in the current language."""
        return translated(self, "title", self._title)

    def __str__(self) -> str:
        return self.title

    @classmethod
    def choices(cls) -> list[SelectChoice]:
        """Options for a select field, by name; titles render in the request's language."""
        return [SelectChoice(m.name, m._title) for m in cls]

    @classmethod
    def coerce(cls, value):
        """WTForms coerce: accept a member or its name."""
        if isinstance(value, cls):
            return value
        try:
            return cls[value]
        except KeyError:
            raise ValueError(value) from None

    def __html__(self) -> str:
        return str(escape(self.title))
