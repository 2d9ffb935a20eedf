"""The hash chain of the audit log: each entry's canonical form, its hash, and streaming checks.

An entry's hash is the SHA-256 of its fields and of the previous entry's hash, so changing,
inserting or deleting an entry in the middle of the log breaks the chain where it happened. No
personal value is chained, only its keyed hash (HMAC-SHA256): the values themselves are kept in
``audit_personal_values``, where they can be erased without breaking the chain.
"""
import hashlib
import hmac
import json
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC

import sqlalchemy as sa

from ipdesk.audit.models import AuditEntry, AuditPersonalValue

GENESIS = "0" * 64  # the "previous hash" of the first entry
LOCK_KEY = 0x69706465736B  # "ipdesk": the PostgreSQL advisory lock every append to the chain takes
FORMAT = 2  # 1: summary and client address chained as text (ipdesk.audit.chain_v1); 2: keyed hashes only
CHAINED_FIELDS = ("created_at", "actor_id", "action", "object_type", "object_id", "case_id", "data",
                  "personal_hashes")


def personal_hash(key: str, value: str) -> str:
    """The keyed hash a personal value is chained as: HMAC-SHA256 of its UTF-8 bytes under ``AUDIT_HMAC_KEY``.

    Without the key nobody can test a guess (an address, an e-mail) against it; with the key a value
    can be confirmed after it was erased.
    """
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


def canonical(fields: dict, prev_hash: str) -> bytes:
    """The bytes an entry's hash is computed over: its fields as JSON with sorted keys, ASCII only,
    no spaces, the time as UTC ISO 8601 with microseconds, the format, and the previous entry's hash."""
    record = {name: fields.get(name) for name in CHAINED_FIELDS}
    record["created_at"] = fields["created_at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    record["personal_hashes"] = record["personal_hashes"] or {}
    record["format"] = FORMAT
    record["prev_hash"] = prev_hash
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def entry_hash(fields: dict, prev_hash: str) -> str:
    return hashlib.sha256(canonical(fields, prev_hash)).hexdigest()


def chain_rows(rows: list[dict], prev_hash: str) -> str:
    """Give each row (in the order it will be inserted) its ``prev_hash`` and ``entry_hash``;
    returns the hash of the last one."""
    for row in rows:
        row["prev_hash"] = prev_hash
        row["entry_hash"] = prev_hash = entry_hash(row, prev_hash)
    return prev_hash


@dataclass(frozen=True)
class ChainProblem:
    kind: str  # "changed", "inserted", "deleted", or "personal" (a personal value that does not match its hash)
    entry_ids: tuple[int, ...]
    message: str


@dataclass
class ChainReport:
    entries: int = 0
    last_id: int | None = None
    last_hash: str = GENESIS


def verify_chain(connection, report: ChainReport, *, batch: int = 5000, window: int = 1000) -> Iterator[ChainProblem]:
    """Walk the audit log in id order, a batch at a time, and yield every break in the chain.

    Memory stays bounded: besides one batch, only the hashes of the last ``window`` entries are
    kept, which is what tells an inserted entry (the next one links past it) from deleted ones
    (the next one links to a hash that is not in the log).
    """
    table = AuditEntry.__table__
    columns = [table.c.id, table.c.prev_hash, table.c.entry_hash, *(table.c[name] for name in CHAINED_FIELDS)]
    recent: OrderedDict[str, int] = OrderedDict()  # entry hash -> id, oldest first
    held: dict[int, ChainProblem] = {}  # "deleted before" verdicts that a later entry may turn into "inserted"
    previous_id, expected = None, GENESIS
    last_id = 0
    while True:
        rows = connection.execute(sa.select(*columns).where(table.c.id > last_id).order_by(table.c.id)
                                  .limit(batch)).mappings().all()
        if not rows:
            break
        for row in rows:
            report.entries += 1
            if entry_hash(row, row["prev_hash"]) != row["entry_hash"]:
                yield ChainProblem("changed", (row["id"],),
                                   f"entry #{row['id']} was changed: its content does not match its hash")
            if row["prev_hash"] != expected:
                if row["prev_hash"] in recent:
                    start = recent[row["prev_hash"]]
                    skipped = tuple(i for i in recent.values() if i > start)
                    for entry_id in skipped:
                        held.pop(entry_id, None)
                    yield ChainProblem("inserted", skipped,
                                       f"entries {', '.join(f'#{i}' for i in skipped)} were inserted: "
                                       f"entry #{row['id']} follows entry #{start}")
                else:
                    after = f"entry #{previous_id}" if previous_id is not None else "the start of the log"
                    held[row["id"]] = ChainProblem(
                        "deleted", (row["id"],),
                        f"entries were deleted between {after} and entry #{row['id']} "
                        f"(or {after} was rewritten together with its hash)")
            recent[row["entry_hash"]] = row["id"]
            if len(recent) > window:
                _, oldest = recent.popitem(last=False)
                if oldest in held:
                    yield held.pop(oldest)
            previous_id, expected = row["id"], row["entry_hash"]
        last_id = rows[-1]["id"]
    report.last_id, report.last_hash = previous_id, expected
    yield from held.values()


def verify_personal_values(connection, key: str, *, batch: int = 5000) -> Iterator[ChainProblem]:
    """Yield every personal value that no longer matches the keyed hash its entry chained, and every one
    that is gone: erasing keeps a value's row (its value NULL), so a missing row was deleted.

    Erased values (NULL) are not checked: erasing is allowed, changing or deleting is not.
    """
    values, entries = AuditPersonalValue.__table__, AuditEntry.__table__
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(values.c.id, values.c.entry_id, values.c.name, values.c.value, entries.c.personal_hashes)
            .join(entries, entries.c.id == values.c.entry_id)
            .where(values.c.id > last_id, values.c.value.is_not(None)).order_by(values.c.id).limit(batch)).all()
        if not rows:
            break
        for row in rows:
            chained = (row.personal_hashes or {}).get(row.name)
            if chained is None or not hmac.compare_digest(chained, personal_hash(key, row.value)):
                yield ChainProblem("personal", (row.entry_id,),
                                   f"personal value {row.name!r} of entry #{row.entry_id} does not match "
                                   f"its keyed hash")
        last_id = rows[-1].id
    yield from _missing_personal_values(connection, batch)


def _missing_personal_values(connection, batch: int) -> Iterator[ChainProblem]:
    """Entries whose chain names a personal value that has no row any more, a batch of entries at a time."""
    values, entries = AuditPersonalValue.__table__, AuditEntry.__table__
    last_id = 0
    while True:
        rows = connection.execute(sa.select(entries.c.id, entries.c.personal_hashes).where(entries.c.id > last_id)
                                  .order_by(entries.c.id).limit(batch)).all()
        if not rows:
            break
        named = {row.id: set(row.personal_hashes or {}) for row in rows if row.personal_hashes}
        present: dict[int, set[str]] = {}
        if named:
            for entry_id, name in connection.execute(sa.select(values.c.entry_id, values.c.name)
                                                     .where(values.c.entry_id.in_(named))):
                present.setdefault(entry_id, set()).add(name)
        for entry_id, names in named.items():
            for name in sorted(names - present.get(entry_id, set())):
                yield ChainProblem("personal", (entry_id,),
                                   f"personal value {name!r} of entry #{entry_id} was deleted (erasure keeps its row)")
        last_id = rows[-1].id
