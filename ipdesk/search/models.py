"""The search index's rows: one per searchable record, holding the record's text in search's normal form.

The part each database's own engine keeps is made by the migration and is not modelled here
(``ENGINE_PARTS``): on PostgreSQL a ``pieces text[]`` column of the entry's terms with a GIN index, on SQLite an
FTS5 table ``search_terms`` whose rows are the entries' ids (contentless: it keeps only which entry holds which
term). ``ipdesk.search.index`` writes both.
"""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ipdesk.extensions import db

FTS_TABLE = "search_terms"
PIECES_COLUMN = "pieces"


class SearchEntry(db.Model):
    """A record's searchable text: ``kind`` names its registered kind (``ipdesk.search.registry``), ``record_id``
    the record; ``case_id`` the case it belongs to, whose visibility it shares (none for a company or an infringer
    record); ``restricted`` marks what only the case's handlers may read (internal notes)."""

    __tablename__ = "search_entries"
    # ids are never reused on SQLite: the FTS table would otherwise hold a deleted entry's terms for a new one
    __table_args__ = (sa.UniqueConstraint("kind", "record_id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    record_id: Mapped[int] = mapped_column()
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    restricted: Mapped[bool] = mapped_column(default=False)
    text: Mapped[str] = mapped_column(sa.Text)


def is_engine_part(name: str | None, type_: str, parent_names: dict) -> bool:
    """Whether a schema object found in the database is the search engine's (not modelled): the FTS5 table and
    its shadow tables, the ``pieces`` column and its index."""
    if type_ == "table":
        return bool(name) and name.startswith(FTS_TABLE)
    if type_ == "column":
        return parent_names.get("table_name") == SearchEntry.__tablename__ and name == PIECES_COLUMN
    if type_ == "index":
        return name == "ix_search_entries_pieces"
    return False


def modelled(name, type_, parent_names) -> bool:
    """Alembic's ``include_name``: every schema object but the search engine's parts."""
    return not is_engine_part(name, type_, parent_names)
