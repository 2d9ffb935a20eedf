"""Deadlines and their rules read in the reader's language.

- A deadline ipdesk makes (from a rule, for an action, for a hearing) keeps its title in English (``what``)
  and in Korean (``what_ko``, new); one a person typed keeps the one language it was typed in. The titles made
  so far are made again in both: a rule's jurisdiction and procedure, an action's kind and authority, a
  hearing's court.
- A rule's legal source is given in both languages: ``source`` becomes ``source_en`` and ``source_ko`` is new;
  the shipped rules get their Korean sources, a rule an admin added reads as before until they translate it.

Downgrading keeps the English titles and sources.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

rules = sa.table("deadline_rules", sa.column("id", sa.Integer), sa.column("jurisdiction", sa.String),
                 sa.column("procedure_en", sa.String), sa.column("procedure_ko", sa.String),
                 sa.column("source_en", sa.String), sa.column("source_ko", sa.String))
deadlines = sa.table("deadlines", sa.column("id", sa.Integer), sa.column("rule_id", sa.Integer),
                     sa.column("what", sa.String), sa.column("what_ko", sa.String))
actions = sa.table("administrative_actions", sa.column("kind", sa.String), sa.column("authority", sa.String),
                   sa.column("deadline_id", sa.Integer))
hearings = sa.table("hearings", sa.column("litigation_id", sa.Integer), sa.column("deadline_id", sa.Integer))
litigations = sa.table("litigations", sa.column("id", sa.Integer), sa.column("court", sa.String))

# the shipped rules' sources in Korean, by their English text (ipdesk.deadlines.rules.SHIPPED_RULES)
SHIPPED_SOURCES = {
    "PRC Trademark Law, Art. 33 (3 months from preliminary approval publication)":
        "중국 상표법 제33조 (초보심사 공고일로부터 3개월)",
    "EU Trade Mark Regulation 2017/1001, Art. 46(1) (3 months from publication)":
        "EU 상표규정 2017/1001 제46조 제1항 (공고일로부터 3개월)",
    "Japan Trademark Act, Art. 43-2 (2 months from the gazette publication)":
        "일본 상표법 제43조의2 (상표공보 발행일로부터 2개월)",
    "15 U.S.C. § 1063(a); 37 C.F.R. § 2.102 (30 days from publication, extendable)":
        "미국 연방법전 제15편 제1063조(a); 연방규정집 제37편 제2.102조 (공고일로부터 30일, 연장 가능)",
}
# action kinds and the hearing title as ipdesk wrote them when this migration was made
ACTION_KINDS = {
    "opposition": ("Opposition at the trademark office", "상표청 이의신청"),
    "invalidation": ("Invalidation at the trademark office", "상표청 무효심판"),
    "regulator_complaint": ("Complaint to a market regulator", "시장감독기관 신고"),
    "raid": ("Raid", "단속"),
    "customs_seizure": ("Customs seizure", "세관 압류"),
    "platform_takedown": ("Platform takedown", "플랫폼 게시물 삭제"),
}


def upgrade():
    connection = op.get_bind()
    op.execute("ALTER TABLE deadline_rules RENAME COLUMN source TO source_en")
    op.add_column("deadline_rules", sa.Column("source_ko", sa.String(300), nullable=False, server_default=""))
    op.add_column("deadlines", sa.Column("what_ko", sa.String(300), nullable=True))

    for rule in connection.execute(sa.select(rules)).all():
        connection.execute(sa.update(rules).where(rules.c.id == rule.id).values(
            source_ko=SHIPPED_SOURCES.get(rule.source_en, rule.source_en)))
        connection.execute(
            sa.update(deadlines)
            .where(deadlines.c.rule_id == rule.id, deadlines.c.what.in_(
                [f"{rule.jurisdiction} · {rule.procedure_en}", f"{rule.jurisdiction} · {rule.procedure_ko}"]))
            .values(what=f"{rule.jurisdiction} · {rule.procedure_en}"[:300],
                    what_ko=f"{rule.jurisdiction} · {rule.procedure_ko}"[:300]))
    for row in connection.execute(sa.select(actions).where(actions.c.deadline_id.is_not(None))).all():
        english, korean = ACTION_KINDS[row.kind]
        connection.execute(sa.update(deadlines).where(deadlines.c.id == row.deadline_id).values(
            what=f"{english} · {row.authority}"[:300], what_ko=f"{korean} · {row.authority}"[:300]))
    for row in connection.execute(
            sa.select(hearings.c.deadline_id, litigations.c.court)
            .join(litigations, litigations.c.id == hearings.c.litigation_id)
            .where(hearings.c.deadline_id.is_not(None))).all():
        connection.execute(sa.update(deadlines).where(deadlines.c.id == row.deadline_id).values(
            what=f"Hearing at {row.court}"[:300], what_ko=f"{row.court} 변론기일"[:300]))
    if connection.dialect.name != "sqlite":  # SQLite keeps the default: dropping it would rebuild the table
        op.alter_column("deadline_rules", "source_ko", server_default=None)


def downgrade():
    op.execute("ALTER TABLE deadlines DROP COLUMN what_ko")
    op.execute("ALTER TABLE deadline_rules DROP COLUMN source_ko")
    op.execute("ALTER TABLE deadline_rules RENAME COLUMN source_en TO source")
