"""The search index (issue 22): an entry per searchable record with its text in search's normal form, and the
terms each database's own engine looks it up by: on PostgreSQL a ``text[]`` of the entry's two-character pieces
with a GIN index, on SQLite a contentless FTS5 table of the same terms spelled in ASCII (``ipdesk.search.text``).
The entries of the records already there are written here, from the records as this revision knows them.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# the text and its terms as search makes them (pure functions of the text: a change to them comes with a migration
# that writes the index again); the rows are written by this revision's own statements, on its own columns
from ipdesk.search.index import entry_text, fts_terms, kind_terms
from ipdesk.search.text import terms

# revision identifiers, used by Alembic.
revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None

CHUNK = 5000

ENTRIES = sa.table("search_entries", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                   sa.column("record_id", sa.Integer), sa.column("case_id", sa.Integer),
                   sa.column("restricted", sa.Boolean), sa.column("text", sa.Text),
                   sa.column("pieces", postgresql.ARRAY(sa.Text)))

# each kind's records as this revision reads them: id, case, restricted, then the texts
SOURCES = {
    "case": "SELECT c.id, c.id, 0, c.reference, c.title, c.description, c.found_where, c.infringer_name, "
            "c.infringer_shop_id, c.infringer_urls, c.infringer_contacts, c.registration_numbers, co.name_ko, "
            "co.name_en FROM cases c JOIN companies co ON co.id = c.company_id",
    "company": "SELECT c.id, NULL, 0, c.name_ko, c.name_en, c.registration_number FROM companies c",
    "infringer": "SELECT c.id, NULL, 0, c.name, c.aliases, c.shop_ids, c.urls, c.contacts, c.notes FROM infringers c",
    "message": "SELECT c.id, c.case_id, CASE WHEN c.is_internal THEN 1 ELSE 0 END, c.body FROM messages c",
    "evidence": "SELECT c.id, c.case_id, 0, c.description, c.source, c.collected_by FROM evidence_items c",
}


def upgrade():
    op.create_table(
        "search_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_search_entries_case_id_cases"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entries")),
        sa.UniqueConstraint("kind", "record_id", name=op.f("uq_search_entries_kind_record_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_search_entries_case_id"), "search_entries", ["case_id"], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE search_entries ADD COLUMN pieces text[] NOT NULL")
        op.execute("CREATE INDEX ix_search_entries_pieces ON search_entries USING gin (pieces)")
    else:
        # contentless (the entries hold the text), no positions (a query asks for terms, not phrases)
        op.execute("CREATE VIRTUAL TABLE search_terms USING fts5(terms, content='', detail='none', "
                   "columnsize=0, tokenize='ascii')")
    for kind, source in SOURCES.items():
        last = 0
        while True:
            rows = bind.execute(sa.text(f"{source} WHERE c.id > :last ORDER BY c.id LIMIT {CHUNK}"),
                                {"last": last}).all()
            if not rows:
                break
            _insert(bind, kind, [{"kind": kind, "record_id": record_id, "case_id": case_id,
                                  "restricted": bool(restricted), "text": entry_text(texts)}
                                 for record_id, case_id, restricted, *texts in rows])
            last = rows[-1][0]
    if bind.dialect.name == "postgresql":
        op.execute("ANALYZE search_entries")


def _insert(bind, kind: str, rows: list[dict]) -> None:
    if bind.dialect.name == "postgresql":
        bind.execute(sa.insert(ENTRIES), [{**row, "pieces": kind_terms(kind, terms(row["text"]))} for row in rows])
        return
    made = bind.execute(sa.insert(ENTRIES).returning(ENTRIES.c.id, ENTRIES.c.text), rows).all()
    bind.execute(sa.text("INSERT INTO search_terms (rowid, terms) VALUES (:id, :terms)"),
                 [{"id": entry_id, "terms": fts_terms(kind, text)} for entry_id, text in made])


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE search_terms")
    op.drop_index(op.f("ix_search_entries_case_id"), table_name="search_entries")
    op.drop_table("search_entries")
