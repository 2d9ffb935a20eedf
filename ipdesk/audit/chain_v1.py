"""The first format of the audit chain, frozen: revision 0010 wrote it and revision 0015 reads it.

It hashed the entry's summary and client address, both personal data. Only migrations (and the
tests that build an old log) use it; the chain of today is ``ipdesk.audit.chain``.
"""
import hashlib
import json
from datetime import UTC

CHAINED_FIELDS = ("created_at", "actor_id", "action", "object_type", "object_id", "case_id", "summary", "data",
                  "ip_address")


def canonical(fields: dict, prev_hash: str) -> bytes:
    record = {name: fields.get(name) for name in CHAINED_FIELDS}
    record["created_at"] = fields["created_at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    record["prev_hash"] = prev_hash
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def entry_hash(fields: dict, prev_hash: str) -> str:
    return hashlib.sha256(canonical(fields, prev_hash)).hexdigest()


def chain_rows(rows: list[dict], prev_hash: str) -> str:
    """Give each row its ``prev_hash`` and ``entry_hash`` in list order; returns the last hash."""
    for row in rows:
        row["prev_hash"] = prev_hash
        row["entry_hash"] = prev_hash = entry_hash(row, prev_hash)
    return prev_hash
