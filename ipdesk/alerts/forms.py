"""The alert file's upload, and the buttons that confirm or discard an import and ask the centre to act."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField

from ipdesk.core.forms import Form


class UploadForm(Form):
    file = FileField(_l("File of alerts (CSV or XLSX)"), validators=[FileRequired(_l("Choose a file."))])
    submit = SubmitField(_l("Upload and preview"))


class ConfirmForm(Form):
    submit = SubmitField(_l("Create the draft cases"))


class DiscardForm(Form):
    submit = SubmitField(_l("Discard this file"))


class RequestForm(Form):
    submit = SubmitField(_l("Ask the centre to oppose"))
