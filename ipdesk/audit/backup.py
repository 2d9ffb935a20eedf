"""The audit log's part of a backup: the last entry is noted in the manifest, and after a restore the
whole chain is walked and must end at that entry."""
from ipdesk.audit.chain import ChainReport, verify_chain
from ipdesk.core.backup import BackupPart, Query


class AuditChain(BackupPart):
    key = "audit_tail"  # {"id", "entry_hash"} of the last entry, or None for an empty log
    append_only = ("audit_entries",)

    def inventory(self, query: Query, tables: set[str]) -> dict | None:
        tail = query("SELECT id, entry_hash FROM audit_entries ORDER BY id DESC LIMIT 1") \
            if "audit_entries" in tables else []
        return {"id": tail[0][0], "entry_hash": tail[0][1]} if tail else None

    def verify(self, entry, connection) -> tuple[list[str], dict[str, int]]:
        chain = ChainReport()
        problems = [f"audit log: {p.message}" for p in verify_chain(connection, chain)]
        if entry and (chain.last_id, chain.last_hash) != (entry["id"], entry["entry_hash"]):
            problems.append(f"audit log ends at entry #{chain.last_id}, the backup's at #{entry['id']}")
        return problems, {"audit entries": chain.entries}
