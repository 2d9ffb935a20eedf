"""Enums whose members carry a translated title for display."""
import enum

from wtforms import SelectChoice


class LabelledEnum(enum.Enum):
    """An enum whose members are declared as ``name = "value", _l("Title")``."""

    def __new__(cls, value: str, title):
        member = object.__new__(cls)
        member._value_ = value
        member._title = title
        return member

    @property
    def title(self) -> str:
        return str(self._title)

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
        from markupsafe import escape

        return str(escape(self.title))
