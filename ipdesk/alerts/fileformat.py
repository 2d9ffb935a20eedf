"""The alert file: CSV (UTF-8, or CP949 as Korean Excel saves it; comma, semicolon or tab) or XLSX (its first sheet),
one alert a row under a header row whose column names are English or Korean (``COLUMNS``; case, spaces and
punctuation do not matter, unknown columns are ignored). Read by its content, never its name: an XLSX is checked as
every office document is (``ipdesk.evidence.documents``: no macros, no links out) before it is opened.

The format is documented for the people who send the files at ``/alerts/format`` (``templates/alerts/format.html``)
from the same table.
"""
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

import openpyxl
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ipdesk.evidence.documents import XLSX, DocumentRefused, inspect_document

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000


@dataclass(frozen=True)
class Column:
    field: str
    english: str  # the names the format page gives; the first of each language is the one written in the sample
    korean: str
    aliases: tuple[str, ...]  # further names accepted (normalised by ``name_key``)
    required: bool
    meaning: object  # a lazy string: what goes in it


COLUMNS = (
    Column("office", "office", "관청", ("country or office", "country/office", "국가또는관청", "출원관청", "출원국"),
           True,
           _l("Where the application was filed: a country's two-letter code (CN, VN, TH…) or name, or EU (EUIPO), "
              "BX (Benelux) or WO (WIPO, the Madrid System).")),
    Column("country", "country", "국가", ("designated country", "case country", "지정국"), False,
           _l("For EU, BX or WO: the country of the network where the centre should act (for WO, the designated "
              "country whose office examines it).")),
    Column("application_number", "application number", "출원번호", ("application no", "app no", "number"), True,
           _l("The application number as the office writes it; with the office it identifies the alert.")),
    Column("mark", "mark", "상표", ("trademark", "trade mark", "표장", "상표명"), True,
           _l("The mark applied for, as text.")),
    Column("applicant", "applicant", "출원인", ("applicant name", "출원인명"), False,
           _l("Who filed it: becomes (or is matched to) an infringer record.")),
    Column("classes", "classes", "상품류", ("nice classes", "class", "류", "니스분류", "지정상품류"), False,
           _l("Nice classes, separated by commas or spaces (1 to 45).")),
    Column("filing_date", "filing date", "출원일", ("filed on", "application date"), False,
           _l("Dates as 2026-03-05, 2026.03.05 or 2026/03/05 (or a date cell in XLSX).")),
    Column("publication_date", "publication date", "공고일", ("published on", "출원공고일", "공개일"), False,
           _l("The date of publication for opposition: the opposition period runs from it in most countries.")),
    Column("company_number", "business registration number", "사업자등록번호", ("brn", "registration number",
                                                                               "company number"), False,
           _l("The Korean company it threatens, by its business registration number (10 digits)…")),
    Column("company_name", "company", "기업명", ("company name", "korean company", "기업", "회사명", "업체명"), False,
           _l("…or by its name in Korean or English (used when the number is missing or unknown).")),
    Column("source", "source", "출처", ("watch service", "감시기관", "제공기관"), False,
           _l("Who found it: the national early-warning service, a vendor.")),
)
FIELDS = tuple(column.field for column in COLUMNS)


class FormatError(Exception):
    """The file cannot be read as an alert file; ``message`` says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def name_key(name) -> str:
    """A column name as matched: lower case, without spaces, punctuation or a byte-order mark."""
    return re.sub(r"[\W_]+", "", str(name or "").lower())


ALIASES = {name_key(name): column.field for column in COLUMNS
           for name in (column.english, column.korean, column.field, *column.aliases)}


@dataclass
class AlertFile:
    rows: list[dict]  # the format's fields as text, and "line": the row's number in the file (the header is 1)
    ignored: list[str]  # the header's columns that are not of the format


def _cell(value) -> str:
    """A cell as text: a date as ISO, a whole number without ".0"."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else " ".join(str(value).split())


def _table(lines) -> AlertFile:
    """The rows under the first non-empty row (the header)."""
    header, columns, rows, ignored = None, {}, [], []
    for number, cells in enumerate(lines, 1):
        cells = [_cell(value) for value in cells]
        if header is None:
            if not any(cells):
                continue
            header = number
            for index, name in enumerate(cells):
                field = ALIASES.get(name_key(name))
                if field and field not in columns.values():
                    columns[index] = field
                elif name:
                    ignored.append(name)
            missing = [column for column in COLUMNS if column.required and column.field not in columns.values()]
            if "company_number" not in columns.values() and "company_name" not in columns.values():
                missing += [column for column in COLUMNS if column.field in ("company_number", "company_name")]
            if missing:
                raise FormatError(_("The file's first row should name the columns; these are missing: %(columns)s. "
                                    "The format page lists every column and the names it may have.",
                                    columns=", ".join(f"{c.english} ({c.korean})" for c in missing)))
            continue
        if not any(cells):
            continue
        if len(rows) == MAX_ROWS:
            raise FormatError(_("The file has more than %(max)d alerts: split it into smaller files.", max=MAX_ROWS))
        row = {field: "" for field in FIELDS}
        row.update({field: cells[index] for index, field in columns.items() if index < len(cells)})
        row["line"] = number
        rows.append(row)
    if header is None:
        raise FormatError(_("The file is empty."))
    return AlertFile(rows, ignored)


def _decoded(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise FormatError(_("This is neither a CSV nor an XLSX file. Save the alerts as CSV or XLSX and upload that."))
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FormatError(_("The CSV file's text could not be read: save it as CSV UTF-8."))


def _csv_lines(text: str):
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count)
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as error:
        raise FormatError(_("The CSV file could not be read: %(error)s", error=str(error))) from None


def _xlsx_lines(handle: BinaryIO):
    try:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise FormatError(_("The XLSX file is damaged: open it in Excel and save it again.")) from None
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


def read_alert_file(handle: BinaryIO) -> AlertFile:
    """The rows of an uploaded alert file, by its content.

    :raises FormatError: not a CSV or XLSX, too large, damaged, or without the format's columns.
    """
    data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise FormatError(_("The file is larger than %(mb)d MB: split it into smaller files.",
                            mb=MAX_BYTES // (1024 * 1024)))
    if not data.strip():
        raise FormatError(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        stream = io.BytesIO(data)
        try:
            kind = inspect_document(stream)
        except DocumentRefused as refused:
            raise FormatError(_("The file is refused: %(reason)s.", reason=refused.reason)) from None
        if kind != XLSX:
            raise FormatError(_("This is neither a CSV nor an XLSX file. Save the alerts as CSV or XLSX and upload "
                                "that."))
        stream.seek(0)
        return _table(_xlsx_lines(stream))
    return _table(_csv_lines(_decoded(data)))


def sample_rows() -> list[list[str]]:
    """The format page's example file: the header in English and two alerts."""
    return [
        [column.english for column in COLUMNS],
        ["CN", "", "78451236", "BEAUTY BLOOM", "Guangzhou Meili Trading Co.", "3, 35", "2026-08-20", "2026-11-13",
         "1234567891", "", "K-Brand watch service"],
        ["EU", "DE", "019087654", "SEOULBAP", "Food Import GmbH", "29 30", "2026-07-01", "2026-10-30",
         "", "Seoul Bap Foods", "K-Brand watch service"],
    ]
