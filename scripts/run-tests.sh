#!/usr/bin/env bash
# Run the suite on SQLite, then again on PostgreSQL (tests marked db_independent run once, on SQLite; those marked
# pg_once, slow and multi-process, once on PostgreSQL), then the tests that
# touch the evidence storage (marked storage, and those about S3 itself) once more with S3: a real SeaweedFS per
# pytest worker, on loopback (tests/support/seaweed.py). Fails on any failure, and on a run that collected no tests.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG_URL=${TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}
WORKERS=${TEST_WORKERS:-3}  # 2 cores: a third process fills the time the others wait on browsers, servers, disks (a fourth made it no faster)
reports=$(mktemp -d)
status=0

run_suite() {  # label, database, extra pytest args...
  local label=$1 database=$2; shift 2
  echo "=== $label ==="
  IPDESK_TEST_DATABASE=$database $PY -m pytest -n "$WORKERS" --dist loadgroup -p no:cacheprovider \
      --junitxml="$reports/$label.xml" "$@" tests
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "$label: pytest exited with $rc$( [ $rc -eq 5 ] && echo ' (no tests were collected)')"
    status=1
  fi
}

# Skip PostgreSQL only when nothing listens there; a server that refuses us is a failure.
$PY - "$PG_URL" <<'PYEOF'
import socket
import sys

import psycopg
from sqlalchemy.engine import make_url

url = make_url(sys.argv[1])
try:
    socket.create_connection((url.host or "127.0.0.1", url.port or 5432), timeout=3).close()
except OSError as exc:
    print(f"PostgreSQL not reachable: {exc}", file=sys.stderr)
    sys.exit(3)
try:
    psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False), connect_timeout=5).close()
except psycopg.Error as exc:
    print(f"PostgreSQL answers but refuses the test connection: {exc}", file=sys.stderr)
    sys.exit(1)
PYEOF
pg=$?

# Slow multi-process tests (marked pg_once) run once: in the PostgreSQL run, or on SQLite when there is none.
if [ $pg -eq 0 ]; then
  run_suite sqlite sqlite -m "not pg_once"
else
  run_suite sqlite sqlite
fi
if [ $pg -eq 0 ]; then
  run_suite postgresql "$PG_URL" -m "not db_independent"
elif [ $pg -eq 3 ]; then
  echo "!!! PostgreSQL is not reachable at $PG_URL: the PostgreSQL run was SKIPPED (SQLite only)."
else
  echo "PostgreSQL at $PG_URL refused the connection: failing."
  status=1
fi

# The S3 run: on SQLite (the database is not what it is about), every app's evidence in SeaweedFS.
s3_started=$(date +%s)
IPDESK_TEST_STORAGE=s3 run_suite s3 sqlite -m "storage or s3"
echo "s3: the run took $(( $(date +%s) - s3_started )) s"

$PY - "$reports" <<'PYEOF'
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
total = {"passed": 0, "failed": 0, "skipped": 0}
for report in sorted(Path(sys.argv[1]).glob("*.xml")):
    suite = ET.parse(report).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    tests, failures, errors, skipped = (int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
    passed = tests - failures - errors - skipped
    print(f"{report.stem}: {passed} passed, {failures + errors} failed, {skipped} skipped")
    for key, value in (("passed", passed), ("failed", failures + errors), ("skipped", skipped)):
        total[key] += value
    groups = {}  # tests/<group>/...: how many ran and passed in each folder of the suite
    for case in suite.iter("testcase"):
        group = (case.get("classname") or "").split(".")[1:2] or ["?"]
        ran, ok = groups.get(group[0], (0, 0))
        outcome = {child.tag for child in case}
        if "skipped" in outcome:
            continue
        groups[group[0]] = (ran + 1, ok + (not outcome & {"failure", "error"}))
    print("  " + ", ".join(f"{name} {ok}/{ran}" for name, (ran, ok) in sorted(groups.items())))
print(f"total: {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
PYEOF
exit $status
