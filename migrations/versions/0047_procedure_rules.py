"""Procedure rules for the network (issue 24): each deadline rule names its procedure (opposition, invalidation
for bad faith, cancellation for non-use, appeal of a refusal, renewal), says whether it counts the first day a
procedure opens rather than its last, whether the law sets no time limit, whether its days are working days, how
its months are counted and whether a date on a weekend moves to the Monday, how
it can be extended, a note, the official text's address, the day it was checked and whether it is confirmed from
that text (otherwise: to be confirmed with counsel). A rule without a time limit counts no period, so the CHECK
``some_period`` admits it.

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0047"
down_revision = "0046"
branch_labels = None
depends_on = None

PROCEDURES = ("opposition", "invalidation_bad_faith", "non_use_cancellation", "refusal_appeal", "renewal", "other")


def upgrade():
    with op.batch_alter_table("deadline_rules", schema=None) as batch_op:
        for name in ("trigger_en", "trigger_ko"):  # what a period counts from, as the law words it
            batch_op.alter_column(name, existing_type=sa.String(length=100), type_=sa.String(length=300),
                                  existing_nullable=False)
        batch_op.add_column(sa.Column("procedure_kind", sa.Enum(*PROCEDURES, name="rule_procedure", native_enum=False,
                                                                create_constraint=True, length=22),
                                      server_default="other", nullable=False))
        for name in ("opens", "no_time_limit", "business_days", "confirmed"):
            batch_op.add_column(sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False))
        for name in ("extension_en", "extension_ko", "note_en", "note_ko"):
            batch_op.add_column(sa.Column(name, sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("counting", sa.String(length=20), server_default="plain", nullable=False))
        batch_op.add_column(sa.Column("past_weekend", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("url", sa.String(length=500), server_default="", nullable=False))
        batch_op.add_column(sa.Column("checked_on", sa.Date(), nullable=True))
        batch_op.drop_constraint(batch_op.f("ck_deadline_rules_some_period"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_deadline_rules_some_period"),
                                         "months >= 0 AND days >= 0 AND (months + days > 0 OR no_time_limit)")
        batch_op.create_check_constraint(batch_op.f("ck_deadline_rules_known_counting"),
                                         "counting IN ('plain', 'inclusive', 'from_next_day')")


def downgrade():
    op.execute("DELETE FROM deadline_rules WHERE no_time_limit AND months + days = 0 "
               "AND id NOT IN (SELECT rule_id FROM deadlines WHERE rule_id IS NOT NULL)")
    with op.batch_alter_table("deadline_rules", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_deadline_rules_some_period"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_deadline_rules_some_period"),
                                         "months >= 0 AND days >= 0 AND months + days > 0")
        batch_op.drop_constraint(batch_op.f("ck_deadline_rules_rule_procedure"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_deadline_rules_known_counting"), type_="check")
        for name in ("checked_on", "url", "past_weekend", "counting", "note_ko", "note_en", "extension_ko", "extension_en", "confirmed",
                     "business_days", "no_time_limit", "opens", "procedure_kind"):
            batch_op.drop_column(name)
    op.execute("UPDATE deadline_rules SET trigger_en = substr(trigger_en, 1, 100), "
               "trigger_ko = substr(trigger_ko, 1, 100)")
    with op.batch_alter_table("deadline_rules", schema=None) as batch_op:
        for name in ("trigger_en", "trigger_ko"):
            batch_op.alter_column(name, existing_type=sa.String(length=300), type_=sa.String(length=100),
                                  existing_nullable=False)
