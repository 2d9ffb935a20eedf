"""Audit log format 2: personal values leave the chain for ``audit_personal_values``, which can be erased.

Format 1 chained each entry's summary (e-mails, names), its client address and data that
sometimes held e-mails, names and free text. Format 2 chains ids, codes and the HMAC-SHA256 of
each personal value under ``AUDIT_HMAC_KEY``; the values move to ``audit_personal_values``: the
summary as ``summary_text``, the address as ``ip``, and the personal parts of ``data`` by name.

The whole log is re-chained, so the append-only guard is off for the rewrite (as in 0010). The
old chain is checked entry by entry first: a log that no longer verifies is refused rather than
laundered into a new chain. The old chain's last hash is kept in a closing ``audit.format_migrated``
entry, so whoever kept that hash can tie it to the new chain. ``summary`` and ``ip_address`` are
dropped: nothing writes them any more, and an empty column invites personal text back into the chain.

Downgrading re-chains in format 1: ``summary_text`` and ``ip`` return to their columns, other
values that were not erased go to ``data["personal"]`` (from where upgrading takes them again);
erased values stay erased.

This revision hashes with ``ipdesk.audit.chain`` (format 2) and reads format 1 through the frozen
``ipdesk.audit.chain_v1``; a later format must freeze format 2 the same way.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

import json

import sqlalchemy as sa
from alembic import op
from flask import current_app

from ipdesk.audit import chain, chain_v1
from ipdesk.core.db import UTCDateTime, utcnow

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

BATCH = 2000
COMMON = ("id", "created_at", "actor_id", "action", "object_type", "object_id", "case_id", "data", "prev_hash",
          "entry_hash")
TYPES = {"id": sa.Integer, "created_at": UTCDateTime, "actor_id": sa.Integer, "case_id": sa.Integer, "data": sa.JSON,
         "personal_hashes": sa.JSON}
entries_v1 = sa.table("audit_entries", *(sa.column(n, TYPES.get(n, sa.String)) for n in (*COMMON, "summary",
                                                                                          "ip_address")))
entries_v2 = sa.table("audit_entries", *(sa.column(n, TYPES.get(n, sa.String)) for n in (*COMMON, "personal_hashes")))
values = sa.table("audit_personal_values", sa.column("id", sa.Integer), sa.column("entry_id", sa.Integer),
                  sa.column("name", sa.String), sa.column("value", sa.Text), sa.column("user_id", sa.Integer),
                  sa.column("erased_at", UTCDateTime))

# Where format 1 kept personal values inside ``data``, by action.
EXPORT_FILTERS = ("country", "hub", "stage", "sector", "ip_right", "dispute_type", "assignee", "date_from", "date_to",
                  "overdue", "sort", "page")
TOP_LEVEL = {"auth.login_failed": ("email",), "auth.password_reset_requested": ("email",),
             "company.registered": ("registration_number",),
             "company.suspended": ("reason",), "case.transferred": ("reason",),
             "action.added": ("result",), "litigation.added": ("preservation_orders", "judgment")}
BEFORE_AFTER = {"user.updated": ("name",), "action.updated": ("result",),
                "litigation.updated": ("preservation_orders", "judgment")}
ABOUT_NOBODY = ("company.approved", "company.suspended", "company.reinstated", "invitation.created",
                "invitation.revoked")


class ChainBroken(RuntimeError):
    pass


def upgrade():
    op.create_table(
        "audit_personal_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("erased_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("(value IS NULL) = (erased_at IS NOT NULL)",
                           name=op.f("ck_audit_personal_values_erased_has_no_value")),
        sa.ForeignKeyConstraint(["entry_id"], ["audit_entries.id"],
                                name=op.f("fk_audit_personal_values_entry_id_audit_entries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_personal_values")),
        sa.UniqueConstraint("entry_id", "name", name=op.f("uq_audit_personal_values_entry_id_name")),
    )
    op.create_index(op.f("ix_audit_personal_values_entry_id"), "audit_personal_values", ["entry_id"], unique=False)
    op.create_index(op.f("ix_audit_personal_values_user_id"), "audit_personal_values", ["user_id"], unique=False)
    guard_off()
    # Added with a default (SQLite adds a NOT NULL column only so, and without rebuilding the table,
    # which the personal values' foreign key would not survive).
    op.add_column("audit_entries", sa.Column("personal_hashes", sa.JSON(), nullable=False,
                                             server_default=sa.text("'{}'")))
    previous = rechain(entries_v1, chain_v1, entries_v2, chain, _to_format_2)
    op.drop_column("audit_entries", "summary")
    op.drop_column("audit_entries", "ip_address")
    if previous is not None:
        _append_marker(*previous)
    guard_on()


def downgrade():
    guard_off()
    op.add_column("audit_entries", sa.Column("summary", sa.Text(), nullable=False, server_default=sa.text("''")))
    op.add_column("audit_entries", sa.Column("ip_address", sa.String(length=45), nullable=True))
    rechain(entries_v2, chain, entries_v1, chain_v1, _to_format_1)
    op.drop_column("audit_entries", "personal_hashes")
    guard_on()
    op.drop_index(op.f("ix_audit_personal_values_user_id"), table_name="audit_personal_values")
    op.drop_index(op.f("ix_audit_personal_values_entry_id"), table_name="audit_personal_values")
    op.drop_table("audit_personal_values")


def rechain(read, old_format, write, new_format, convert) -> tuple[int, str, int] | None:
    """Walk the log in id order a batch at a time: check each entry against ``old_format``'s chain, convert
    the batch (``convert(connection, rows)``) and chain it anew in ``new_format``. Returns the old chain's
    last id and hash and the number of entries (None for an empty log)."""
    connection = op.get_bind()
    columns = [c.name for c in write.c if c.name != "id"]
    update = write.update().where(write.c.id == sa.bindparam("row_id")).values(
        {name: sa.bindparam(f"new_{name}", type_=write.c[name].type) for name in columns})
    old_prev, new_prev, last_id, count = chain.GENESIS, chain.GENESIS, 0, 0
    while True:
        rows = [dict(r) for r in connection.execute(
            sa.select(read).where(read.c.id > last_id).order_by(read.c.id).limit(BATCH)).mappings()]
        if not rows:
            break
        for row in rows:
            if row["prev_hash"] != old_prev or old_format.entry_hash(row, row["prev_hash"]) != row["entry_hash"]:
                raise ChainBroken(
                    f"The audit log does not verify at entry #{row['id']}, so it is not re-chained: find out what "
                    "happened with `flask audit verify` at the previous revision before migrating.")
            old_prev = row["entry_hash"]
        converted = convert(connection, rows)
        new_prev = new_format.chain_rows(converted, new_prev)
        connection.execute(update, [{"row_id": row["id"], **{f"new_{n}": row[n] for n in columns}}
                                    for row in converted])
        last_id, count = rows[-1]["id"], count + len(rows)
    return (last_id, old_prev, count) if count else None


def _pop_text(holder: dict, key: str) -> str | None:
    value = holder.pop(key, None)
    return str(value) if value not in (None, "") else None


def _to_format_2(connection, rows: list[dict]) -> list[dict]:
    """Format-1 rows as format 2: their personal values inserted, their data without them."""
    key = current_app.config["AUDIT_HMAC_KEY"]
    converted, inserts = [], []
    for row in rows:
        data, personal = _split(row)
        about = _about(row, data)
        inserts += [{"entry_id": row["id"], "name": name, "value": value,
                     "user_id": (row["actor_id"] or about) if name == "ip" else about}
                    for name, value in personal.items()]
        converted.append({**{n: row[n] for n in COMMON}, "data": data,
                          "personal_hashes": {name: chain.personal_hash(key, v) for name, v in personal.items()}})
    if inserts:
        connection.execute(values.insert(), inserts)
    return converted


def _split(row: dict) -> tuple[dict, dict]:
    """A format-1 row's data without its personal values, and those values (with the summary and address)."""
    data = dict(row["data"] or {})
    downgraded = data.pop("personal", None) or {}  # the values of an entry that was downgraded from format 2
    personal = {"summary_text": row["summary"], "ip": row["ip_address"]}
    for key in TOP_LEVEL.get(row["action"], ()):
        personal[key] = _pop_text(data, key)
    if row["action"].startswith("evidence."):
        personal["note"] = _pop_text(data, "note")
    for side in ("before", "after"):
        if isinstance(data.get(side), dict) and row["action"] in BEFORE_AFTER:
            data[side] = dict(data[side])
            for key in BEFORE_AFTER[row["action"]]:
                personal[f"{key}_{side}"] = _pop_text(data[side], key)
    if row["action"] == "case.exported" and isinstance(data.get("filters"), dict):
        # the chain keeps the list's own filters (codes, ids, dates); anything else a link carried may be personal
        filters = dict(data["filters"])
        personal["search"] = _pop_text(filters, "q")
        data["filters"] = {k: v for k, v in filters.items() if k in EXPORT_FILTERS}
        other = {k: v for k, v in filters.items() if k not in EXPORT_FILTERS}
        personal["other_filters"] = json.dumps(other, ensure_ascii=False, sort_keys=True) if other else None
    return data, {name: value for name, value in {**personal, **downgraded}.items() if value}


def _about(row: dict, data: dict) -> int | None:
    """The account an old entry's personal values are about, as ``log_event`` attributes new ones."""
    if row["action"] in ABOUT_NOBODY:
        return None
    if row["object_type"] == "users" and (row["object_id"] or "").isdigit():
        return int(row["object_id"])
    if row["action"].startswith("auth."):
        user_id = data.get("user_id")
        return user_id if isinstance(user_id, int) else row["actor_id"]
    return row["actor_id"]


def _to_format_1(connection, rows: list[dict]) -> list[dict]:
    """Format-2 rows as format 1: the summary and address back in their columns, the other personal
    values that were not erased in ``data["personal"]``."""
    personal: dict[int, dict] = {}
    for entry_id, name, value in connection.execute(sa.select(values.c.entry_id, values.c.name, values.c.value).where(
            values.c.entry_id.between(rows[0]["id"], rows[-1]["id"]), values.c.value.is_not(None))):
        personal.setdefault(entry_id, {})[name] = value
    converted = []
    for row in rows:
        others, data = personal.get(row["id"], {}), dict(row["data"] or {})
        summary, address = others.pop("summary_text", ""), others.pop("ip", None)
        if others:
            data["personal"] = others
        converted.append({**{n: row[n] for n in COMMON}, "data": data, "summary": summary, "ip_address": address})
    return converted


def _append_marker(previous_last_id: int, previous_last_hash: str, entries: int) -> None:
    """The closing entry that ties the old chain's last hash to the new chain."""
    connection = op.get_bind()
    last = connection.execute(sa.select(entries_v2.c.entry_hash).order_by(entries_v2.c.id.desc()).limit(1)).scalar()
    row = {"created_at": utcnow(), "actor_id": None, "action": "audit.format_migrated", "object_type": None,
           "object_id": None, "case_id": None, "personal_hashes": {},
           "data": {"format": chain.FORMAT, "previous_format": 1, "previous_last_id": previous_last_id,
                    "previous_last_hash": previous_last_hash, "entries": entries}}
    row["prev_hash"] = last
    row["entry_hash"] = chain.entry_hash(row, last)
    connection.execute(sa.insert(entries_v2), [row])


def guard_off() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_change")
    else:
        op.execute("DROP TRIGGER audit_entries_no_update")
        op.execute("DROP TRIGGER audit_entries_no_delete")


def guard_on() -> None:
    """The append-only guard of revision 0001, as it was."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_no_change")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_entries_no_{verb.lower()} BEFORE {verb} ON audit_entries "
                "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END"
            )
