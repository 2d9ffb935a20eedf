"""CSV exports that Excel opens with Hangul intact and that stream in constant memory: shared by every list."""
import csv
import io
from collections.abc import Iterable, Iterator

FORMULA_STARTS = frozenset("=+-@\t\r")
CHUNK_ROWS = 2000  # rows per chunk sent; the rows are read as they are sent


def safe_cell(text: str | None) -> str:
    """Neutralise spreadsheet formulas: a cell of typed text that starts with = + - @ (or a tab or CR) is text."""
    if not text:
        return ""
    return "'" + text if text[0] in FORMULA_STARTS else text


def labels(enum_cls) -> dict:
    """Stored member name → its label in the viewer's language (each translated once, not once per row)."""
    return {member.name: member.title for member in enum_cls} | {None: ""}


def csv_chunks(header: list[str], rows: Iterable[list[str]], chunk_rows: int | None = None) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark: the header at once (the download starts before the query has run), then the
    rows ``chunk_rows`` at a time as they come."""
    chunk_rows = chunk_rows or CHUNK_ROWS
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def taken() -> bytes:
        chunk = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        return chunk

    buffer.write("\ufeff")
    writer.writerow(header)
    yield taken()
    for n, cells in enumerate(rows, 1):
        writer.writerow(cells)
        if n % chunk_rows == 0:
            yield taken()
    yield taken()
