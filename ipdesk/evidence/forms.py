"""The form of an evidence item and its files, and the help text every file field shows."""
from flask_babel import lazy_gettext as _l
from wtforms import MultipleFileField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ipdesk.core.forms import DateField, Form, NotInFuture
from ipdesk.evidence.models import EvidenceKind

FILES_HELP = _l("Images (PNG, JPEG, WebP), PDF, documents (HWP, HWPX, DOCX, XLSX, PPTX), text and CSV up to 25 MB "
                "each; audio (MP3, M4A) up to 100 MB; video (MP4, WebM) up to 500 MB.")


class EvidenceForm(Form):
    kind = SelectField(_l("Kind of evidence"), choices=EvidenceKind.choices(), coerce=EvidenceKind.coerce,
                       validators=[InputRequired()])
    description = TextAreaField(_l("What it shows"), validators=[DataRequired(), Length(max=10000)])
    collected_on = DateField(_l("Collected on"), validators=[
        Optional(), NotInFuture(_l("Evidence cannot have been collected after today."))])
    collected_by = StringField(_l("Collected by"), validators=[Optional(), Length(max=200)])
    source = StringField(_l("Source (web address or place)"), validators=[Optional(), Length(max=4000)])
    files = MultipleFileField(_l("Files"), description=FILES_HELP)
    submit = SubmitField(_l("Add evidence"))
