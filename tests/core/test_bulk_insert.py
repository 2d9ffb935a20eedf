"""Bulk loads (seeding, the alert import) write rows with ``bulk_insert``: COPY on PostgreSQL, an executemany
elsewhere; what they write reads back as an ORM insert would have written it."""
import pytest
import sqlalchemy as sa

from ipdesk.companies.models import Company, CompanySize, CompanyStatus
from ipdesk.core.db import bulk_insert, new_ids, pg_text_array
from ipdesk.extensions import db
from ipdesk.search.index import ENTRIES, copied_entries, copy_entries, entry_text, insert_entries
from tests.conftest import IS_POSTGRES

AWKWARD = ['quote " inside', "back\\slash", "comma, and {braces}", "tab\tand\nnewline", "NULL", "", "한글 漢字"]


def test_bulk_rows_read_back_with_their_keys_defaults_and_awkward_text(app):
    ids = new_ids(db.session, Company, len(AWKWARD))
    bulk_insert(db.session, Company, [
        {"id": company_id, "name_ko": name, "name_en": name, "registration_number": f"{1_000_000_000 + n}",
         "size": CompanySize.sme, "status": CompanyStatus.pending} for n, (company_id, name) in
        enumerate(zip(ids, AWKWARD, strict=True))])
    db.session.commit()
    rows = db.session.execute(sa.select(Company.id, Company.name_en, Company.version, Company.created_at)
                              .where(Company.id.in_(ids)).order_by(Company.id)).all()
    assert [row.id for row in rows] == ids == sorted(ids)
    assert [row.name_en for row in rows] == AWKWARD
    assert {row.version for row in rows} == {1} and all(row.created_at is not None for row in rows)
    assert new_ids(db.session, Company, 1)[0] > ids[-1]  # the keys are not given again


def test_a_bulk_written_entry_keeps_its_terms_as_written(app):
    insert_entries(db.session.connection(), "case", [{"record_id": 990_001, "case_id": None, "restricted": False,
                                                      "text": "serum"}], bulk=True)
    if db.session.get_bind().dialect.name == "postgresql":  # the terms array went in as its literal
        literal = sa.literal(pg_text_array(AWKWARD), sa.Text)
        assert db.session.scalar(sa.select(sa.cast(literal, sa.ARRAY(sa.Text)))) == AWKWARD
        pieces = db.session.scalar(sa.select(ENTRIES.c.pieces).where(ENTRIES.c.record_id == 990_001))
        assert pieces == ["case:er", "case:ru", "case:se", "case:um"]
    db.session.rollback()


@pytest.mark.skipif(not IS_POSTGRES, reason="entries copied as text: PostgreSQL's bulk loads")
def test_entries_made_as_copy_text_read_back_as_those_the_driver_writes(app):
    """A large seed has its search entries made as COPY text in a helper process: awkward text (backslashes, tabs,
    line breaks, what reads as NULL) reads back as the driver's own COPY writes it."""
    texts = [*AWKWARD, "carriage\rreturn", "\\N", "two\\tcharacters"]
    sources = [(990_100 + n, None, n % 3 == 0, text, "second field") for n, text in
               enumerate(texts)]
    connection = db.session.connection()
    copy_entries(connection, copied_entries("message", sources))
    insert_entries(connection, "evidence", [{"record_id": record_id, "case_id": case_id, "restricted": restricted,
                                             "text": entry_text(texts)}
                                            for record_id, case_id, restricted, *texts in sources], bulk=True)

    def written(kind):
        rows = db.session.execute(sa.select(ENTRIES.c.record_id, ENTRIES.c.case_id, ENTRIES.c.restricted,
                                            ENTRIES.c.text, ENTRIES.c.pieces)
                                  .where(ENTRIES.c.kind == kind).order_by(ENTRIES.c.record_id)).all()
        return [(*row[:4], [piece.split(":", 1)[1] for piece in row[4]]) for row in rows]

    copied = written("message")
    assert copied == written("evidence")
    assert [row[3] for row in copied] == [entry_text([text, "second field"]) for text in texts]
    db.session.rollback()
