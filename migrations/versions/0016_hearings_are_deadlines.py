"""Hearings are deadlines: each hearing has a deadline of its case (in "my deadlines", the calendar feed and
the reminders); the hearings recorded so far get theirs, done when the hearing was before today.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

hearings = sa.table("hearings", sa.column("id", sa.Integer), sa.column("litigation_id", sa.Integer),
                    sa.column("held_on", sa.Date), sa.column("deadline_id", sa.Integer),
                    sa.column("created_by_id", sa.Integer), sa.column("created_at", sa.DateTime(timezone=True)))
litigations = sa.table("litigations", sa.column("id", sa.Integer), sa.column("case_id", sa.Integer),
                       sa.column("court", sa.String))
deadlines = sa.table("deadlines", sa.column("id", sa.Integer), sa.column("case_id", sa.Integer),
                     sa.column("what", sa.String), sa.column("due_on", sa.Date), sa.column("source", sa.String),
                     sa.column("is_done", sa.Boolean), sa.column("done_at", sa.DateTime(timezone=True)),
                     sa.column("created_by_id", sa.Integer), sa.column("created_at", sa.DateTime(timezone=True)))


def upgrade():
    with op.batch_alter_table("hearings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deadline_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_hearings_deadline_id_deadlines"), "deadlines", ["deadline_id"],
                                    ["id"], ondelete="SET NULL")
        batch_op.create_unique_constraint(batch_op.f("uq_hearings_deadline_id"), ["deadline_id"])

    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    now = datetime.now(UTC)
    today = date.today()

    def stamp(value: datetime) -> datetime:  # the app stores UTC, naive on SQLite
        return value.replace(tzinfo=None) if sqlite else value

    rows = connection.execute(
        sa.select(hearings.c.id, hearings.c.held_on, hearings.c.created_by_id, hearings.c.created_at,
                  litigations.c.case_id, litigations.c.court)
        .join(litigations, litigations.c.id == hearings.c.litigation_id)
        .where(hearings.c.deadline_id.is_(None)).order_by(hearings.c.id)).all()
    for row in rows:
        done = row.held_on < today
        deadline_id = connection.execute(sa.insert(deadlines).values(
            case_id=row.case_id, what=f"Hearing at {row.court}"[:300], due_on=row.held_on, source="manual",
            is_done=done, done_at=stamp(now) if done else None, created_by_id=row.created_by_id,
            created_at=row.created_at).returning(deadlines.c.id)).scalar_one()
        connection.execute(sa.update(hearings).where(hearings.c.id == row.id).values(deadline_id=deadline_id))


def downgrade():
    connection = op.get_bind()
    ids = [row.deadline_id for row in connection.execute(
        sa.select(hearings.c.deadline_id).where(hearings.c.deadline_id.is_not(None)))]
    with op.batch_alter_table("hearings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_hearings_deadline_id"), type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_hearings_deadline_id_deadlines"), type_="foreignkey")
        batch_op.drop_column("deadline_id")
    for start in range(0, len(ids), 500):
        connection.execute(sa.delete(deadlines).where(deadlines.c.id.in_(ids[start:start + 500])))
