"""`make bench`: pages, documents, load and memory at network scale, each beside its floor, in one table.

Usage: .venv/bin/python -m bench.run   (from the repository's root; `make bench` does it)

Environment: BENCH_CASES (100000), BENCH_REPEAT (5), BENCH_PAGE_REPEAT (15), BENCH_LOAD_SECONDS (30),
BENCH_CONNECTIONS (32), DATABASE_URL (default: a SQLite file under ~/.cache/ipdesk-bench, kept between runs),
BENCH_DIR (that folder), BENCH_GROWTH (1: measure the pages again on a database a tenth the size, seeded apart,
and hold how much they grow; 0: not), BENCH_SMALL_DATABASE_URL (that database, when DATABASE_URL is given).
Always exits 0: a line that cannot be measured says so in the table.
"""
import io
import os
import platform
import re
import resource
import select
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, date, datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = int(os.environ.get("BENCH_CASES") or 100_000)
REPEAT = max(1, int(os.environ.get("BENCH_REPEAT") or 5))
# pages take milliseconds: more repetitions there make their medians steady from run to run at little cost
PAGE_REPEAT = max(REPEAT, int(os.environ.get("BENCH_PAGE_REPEAT") or 15))
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS") or 30)
LOAD_ROUNDS = 3  # the load line's app and floors take turns: 3 rounds of LOAD_SECONDS / 3 each
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS") or 32)
CACHE = Path(os.environ.get("BENCH_DIR") or Path.home() / ".cache" / "ipdesk-bench")
PASSWORD = os.environ.get("DEMO_PASSWORD") or "ipdesk-demo-2026"
MANAGER = "manager@ipdesk.example"
SUMMARY_CASES = 5_000
GROWTH_LIMIT = 1.5  # a page may take at most this much longer on the large database than on one a tenth its size
CHILD_JSON = os.environ.get("BENCH_CHILD_JSON")  # set in the run on the small database: its lines go there
PARTNER_FDS = os.environ.get("BENCH_PARTNER_FDS")  # the small database's run: the pipes it is asked through
GIVEN_DATABASE_URL = os.environ.get("DATABASE_URL")  # before the run sets it for its own processes
SMALL_CASES = max(1000, CASES // 10)  # the growth table's small database
MESSAGES = int(os.environ.get("BENCH_MESSAGES") or CASES * 10)  # 1,000,000 at 100,000 cases: search's bench
ENQUIRIES = int(os.environ.get("BENCH_ENQUIRIES") or CASES)  # 1,000,000 at a million cases: the enquiry list's
CSV_ROWS = 10_000
ALERT_REPEAT = 3  # files of 5,000 alerts imported (each makes 5,000 draft cases in the run's copy)
BIG_CASE_REFERENCE = "VN-BENCH-00001"  # the case with 50 evidence items and 30 timeline events
LONGEST_CASE_REFERENCE = "VN-BENCH-00002"  # every text field at its maximum length (bench/documents.py)
RESULTS = ROOT / "bench" / "RESULTS.md"


def bench_env() -> dict:
    """The environment of every process of the run: the bench database, no 2FA, generous sign-in limits."""
    CACHE.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{CACHE / f'bench-{CASES}.sqlite3'}"
    env = {**os.environ, "IPDESK_ENV": "bench", "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-secret",
           "AUDIT_HMAC_KEY": os.environ.get("AUDIT_HMAC_KEY") or "bench-audit-key",
           "DATABASE_URL": url, "FLASK_APP": "wsgi", "BENCH_FLOORS": "1", "TOTP_REQUIRED_ROLES": "",
           "LOGIN_RATE_LIMIT": "100000 per minute", "LOGIN_ACCOUNT_RATE_LIMIT": "100000 per hour",
           "EVIDENCE_STORAGE_DIR": str(CACHE / "evidence"),
           "DEMO_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT), "PDF_TIME_LIMIT": "3600",  # measured, not cut
           "MAIL_BACKEND": "folder", "MAIL_FOLDER": str(CACHE / "mail"),  # intake's mail, kept off the console
           # no reminders made while pages are timed: at a million cases a tick adds thousands of deadline reminders,
           # and the sender thread mailing them took the dashboard from 30 ms to 66 ms (their cost is a tick's)
           "NOTIFY_DUE_MINUTES": "0"}
    env.pop("REDIS_URL", None)  # packs in this process's pool, rate limits in memory
    return env


# --- the database -------------------------------------------------------------------------------

def prepare_database(env: dict) -> str:
    """Upgrade the schema and top the cases up to BENCH_CASES (seed-demo adds only what is missing)."""
    flask = [sys.executable, "-m", "flask"]
    url = env["DATABASE_URL"]
    fresh_sqlite = url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists()
    if fresh_sqlite:  # seed into a side file, so an interrupted seeding is never taken for a seeded database
        final = Path(url[len("sqlite:///"):])
        part = final.with_suffix(".part")
        for leftover in part.parent.glob(part.name + "*"):
            leftover.unlink()
        env = {**env, "DATABASE_URL": f"sqlite:///{part}"}
    subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    count, messages, enquiries = _count(env, "cases"), _count(env, "messages"), _count(env, "enquiries")
    note = f"reused ({count:,} cases, {messages:,} messages, {enquiries:,} enquiries)"
    if count < CASES or messages < MESSAGES or enquiries < ENQUIRIES:
        print(f"Seeding {CASES:,} cases, {MESSAGES:,} messages and {ENQUIRIES:,} enquiries into "
              f"{_safe_url(env['DATABASE_URL'])} (about 155 s per 100,000 cases on SQLite)...", flush=True)
        started = time.perf_counter()
        subprocess.run([*flask, "seed-demo", "--cases", str(CASES), "--messages", str(MESSAGES), "--enquiries",
                        str(ENQUIRIES)], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        note = (f"seeded {max(0, CASES - count):,} cases, {max(0, MESSAGES - messages):,} messages and "
                f"{max(0, ENQUIRIES - enquiries):,} enquiries in {time.perf_counter() - started:.0f} s")
    if fresh_sqlite:
        part.rename(final)
    return note


WORKING_SUFFIX = "_run"


def working_copy(url: str) -> str:
    """A copy of the seeded database at ``url`` for one run: a copy of the SQLite file, or on PostgreSQL a database
    made from it as a template. Returns the copy's URL."""
    import sqlalchemy as sa

    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        seeded = Path(parsed.database)
        copy = seeded.with_name(seeded.stem + WORKING_SUFFIX + seeded.suffix)
        with sqlite3.connect(seeded) as source, sqlite3.connect(copy) as target:
            source.backup(target)  # consistent even with a WAL beside the file
        return parsed.set(database=str(copy)).render_as_string(hide_password=False)
    copy = parsed.database + WORKING_SUFFIX
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))
        for attempt in range(5):
            # a template must have no other session: the seeding's last ones may still be closing, or autovacuum
            # may be analysing the rows just loaded
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name "
                                 "AND pid <> pg_backend_pid()"), {"name": parsed.database})
            try:
                conn.execute(sa.text(f'CREATE DATABASE "{copy}" TEMPLATE "{parsed.database}"'))
                break
            except sa.exc.OperationalError:
                if attempt == 4:
                    raise
                time.sleep(2)
    admin.dispose()
    return parsed.set(database=copy).render_as_string(hide_password=False)


def drop_working_copy(url: str) -> None:
    import sqlalchemy as sa

    parsed = sa.make_url(url)
    if not parsed.database.removesuffix(".sqlite3").endswith(WORKING_SUFFIX):
        return  # never the seeded database itself
    if parsed.get_backend_name() == "sqlite":
        for path in Path(parsed.database).parent.glob(Path(parsed.database).name + "*"):
            path.unlink()
        return
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def _count(env: dict, table: str) -> int:
    code = "import sqlalchemy as sa, sys; e = sa.create_engine(sys.argv[1]); " \
           f"print(e.connect().execute(sa.text('SELECT count(*) FROM {table}')).scalar())"
    out = subprocess.run([sys.executable, "-c", code, env["DATABASE_URL"]], capture_output=True, text=True,
                         check=True)
    return int(out.stdout.strip())


def _safe_url(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


# --- measuring ----------------------------------------------------------------------------------

class Line:
    """One line of the table: a measurement beside its floor, and the budget between them."""

    def __init__(self, name: str, floor_name: str, budget: str, unit: str = "s"):
        self.name, self.floor_name, self.budget, self.unit = name, floor_name, budget, unit
        self.times: list[float] = []
        self.floor_times: list[float] = []
        self.queries: list[int] = []
        self.small_times: list[float] = []  # the growth lines: the same repetitions on the small database, in turns
        self.small_value: float | None = None
        self.value: float | None = None  # for lines that are not medians of times (memory, cores, load)
        self.floor_value: float | None = None
        self.passed: bool | None = None
        self.note = ""
        self.error = ""

    @property
    def median(self):
        return self.value if self.value is not None else (statistics.median(self.times) if self.times else None)

    @property
    def small_median(self):
        if self.small_value is not None:
            return self.small_value
        return statistics.median(self.small_times) if self.small_times else None

    @property
    def floor(self):
        if self.floor_value is not None:
            return self.floor_value
        return statistics.median(self.floor_times) if self.floor_times else None

    @property
    def ratio(self):
        if self.median is None or not self.floor:
            return None
        return self.median / self.floor


class QueryCounter:
    def __init__(self, engine):
        import sqlalchemy as sa

        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args, **kwargs):
        self.count += 1


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def counting(counter: "QueryCounter", call, into: list[int]):
    """``call``, noting in ``into`` how many queries each call of it runs (a repetition may call it more than once:
    ``Partner.rep``)."""
    def counted():
        before = counter.count
        result = call()
        into.append(counter.count - before)
        return result
    return counted


class Partner:
    """The growth lines' small database, measured in turns with this one: a child process runs the page lines
    once on it, keeping each repetition by its line's key, then times one repetition whenever asked. Each of this
    database's repetitions is followed by the child's of the same line, so both sides of a growth ratio see the
    machine at the same minute (its speed drifts by a quarter within minutes here: runs of the small database
    before and after the large one's pages still took that drift for growth, 1.52× for a page of the same size).
    Each side calls once untimed before its timed call: the first call after the other process's turn is slow.

    Three roles: ``parent`` (this run asks), ``serving`` (the child: keeps its repetitions, then answers) and
    ``alone`` (no growth table: repetitions are just timed)."""

    WAIT = 600  # seconds for one answer; the child's set-up may seed its database first: READY_WAIT
    READY_WAIT = 3 * 3600

    def __init__(self, role: str = "alone"):
        self.role = role
        self.kept: dict[str, object] = {}
        self.process: subprocess.Popen | None = None
        self.error = ""
        self.log: Path | None = None
        self.result: Path | None = None
        self._reader = self._writer = -1
        self._buffer = b""

    # -- the parent's side
    @classmethod
    def start(cls) -> "Partner":
        """Start the child on the small database (it seeds and prepares it while this run prepares its own)."""
        partner = cls("parent")
        env = {**os.environ, "BENCH_CASES": str(SMALL_CASES), "BENCH_MESSAGES": str(max(1, MESSAGES // 10)),
               "BENCH_ENQUIRIES": str(max(1, ENQUIRIES // 10)), "BENCH_GROWTH": "0",
               "BENCH_REPEAT": "1", "BENCH_PAGE_REPEAT": "1",  # its kept repetitions are timed when asked
               "BENCH_SKIP": ",".join(sorted({"alerts", "documents", "memory", "pack", "load",
                                              *filter(None, os.environ.get("BENCH_SKIP", "").split(","))}))}
        if GIVEN_DATABASE_URL:  # DATABASE_URL was chosen: the small database must be too
            if not os.environ.get("BENCH_SMALL_DATABASE_URL"):
                partner.error = "SKIPPED: set BENCH_SMALL_DATABASE_URL to a second database"
                return partner
            env["DATABASE_URL"] = os.environ["BENCH_SMALL_DATABASE_URL"]
        else:
            env.pop("DATABASE_URL", None)  # bench_env names the SQLite file by its number of cases
        folder = Path(tempfile.mkdtemp(prefix="ipdesk-bench-small-"))
        partner.log, partner.result = folder / "small.log", folder / "small.json"
        env["BENCH_CHILD_JSON"] = str(partner.result)
        to_child, from_parent = os.pipe()
        to_parent, from_child = os.pipe()
        env["BENCH_PARTNER_FDS"] = f"{to_child},{from_child}"
        print(f"Growth: the pages on {SMALL_CASES:,} cases, in turns with these (its log: {partner.log})...",
              flush=True)
        with partner.log.open("w") as log:
            partner.process = subprocess.Popen([sys.executable, "-m", "bench.run"], env=env, cwd=ROOT, stdout=log,
                                               stderr=subprocess.STDOUT, pass_fds=(to_child, from_child))
        os.close(to_child)
        os.close(from_child)
        partner._reader, partner._writer = to_parent, from_parent
        return partner

    def ready(self) -> None:
        """Wait until the child keeps its repetitions."""
        if self.role == "parent" and not self.error:
            answer = self._answer(self.READY_WAIT)
            if answer != "ready":
                self._fail(f"the small run did not start: {answer}")

    def finish(self) -> dict:
        """Let the child go; returns its lines (name: median, note), or {"error": ...}."""
        if self.role != "parent":
            return {}
        if self.process is not None:
            if not self.error:
                self._send("quit")
            try:
                self.process.wait(timeout=self.WAIT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self._fail("the small run did not end")
            for fd in (self._reader, self._writer):
                os.close(fd)
            self.process = None
        if self.error:
            return {"error": self.error}
        import json

        try:
            return json.loads(self.result.read_text())
        except (OSError, ValueError):
            return {"error": f"ERROR: the small run wrote no results: {self._tail()}"}

    def rep(self, key: str, call, into: list | None) -> tuple[float, object]:
        """One repetition of a line here, timed; the parent then has the child time its repetition of ``key``
        (appended to ``into``); the child keeps ``call`` to time when asked."""
        if self.role == "serving":
            self.kept[key] = call
        asking = self.role == "parent" and into is not None and not self.error
        if asking:  # once untimed: right after the other process's turn, a first call took 1.6 times as long
            call()
        result = timed(call)
        if asking:
            self._send(key)
            answer = self._answer(self.WAIT)
            try:
                into.append(float(answer))
            except ValueError:  # that line failed there: its growth shows no ratio; the others go on
                print(f"  small database, {key}: {answer}", flush=True)
        return result

    # -- the child's side
    def serve(self) -> None:
        """Answer the parent: each key asked, one repetition timed, until "quit"."""
        reader, writer = (int(fd) for fd in PARTNER_FDS.split(","))
        self._reader, self._writer = reader, writer
        self._send("ready")
        while True:
            key = self._answer(None)
            if key in ("quit", ""):
                return
            call = self.kept.get(key)
            if call is None:
                self._send(f"error: {key!r} was not measured here")
                continue
            try:
                call()  # as on the parent's side: a call to warm up after the other process's turn, one timed
                self._send(f"{timed(call)[0]!r}")
            except Exception as error:
                traceback.print_exc()
                self._send(f"error: {str(error)[:200]}".replace("\n", " "))

    # -- the pipes
    def _send(self, text: str) -> None:
        try:
            os.write(self._writer, text.encode() + b"\n")
        except OSError as error:
            self._fail(f"the small run is gone: {error}")

    def _answer(self, wait: float | None) -> str:
        """The next line from the other side ("" when it is gone or silent for ``wait`` seconds)."""
        deadline = None if wait is None else time.monotonic() + wait
        while b"\n" not in self._buffer:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                self._fail(f"no answer from the small run in {wait:g} s")
                return ""
            readable, _, _ = select.select([self._reader], [], [], left)
            if not readable:
                continue
            chunk = os.read(self._reader, 65536)
            if not chunk:
                self._fail(f"the small run ended: {self._tail()}")
                return ""
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode()

    def _fail(self, why: str) -> None:
        if self.role == "parent" and not self.error:
            self.error = f"ERROR: {why}"
            print(f"Growth: {why}", flush=True)

    def _tail(self) -> str:
        try:
            return self.log.read_text()[-300:] if self.log else ""
        except OSError:
            return ""


PARTNER = Partner("serving" if PARTNER_FDS else "alone")


# --- the run ------------------------------------------------------------------------------------

def main() -> None:
    started = time.time()
    lines: list[Line] = []
    facts: dict[str, str] = {}
    try:
        run(lines, facts)
    except Exception:  # the table still prints; the error goes with it
        facts["error"] = traceback.format_exc()
        traceback.print_exc()
    facts["duration"] = f"{time.time() - started:.0f} s"
    table = render_table(lines)
    if facts.get("growth"):
        table += ("\n\nGrowth: the same lines on a database seeded apart with a tenth of the cases (medians of as "
                  "many repetitions, each timed by a second process right after the same repetition here), and how "
                  "much longer they take here.\n\n" + render_growth(facts["growth"]))
    if facts.get("absolute"):
        table += (f"\n\nAbsolute budgets at {CASES:,} cases on this machine (counted when the 1-minute load "
                  f"average before the part was under {QUIET_LOAD:g}; the part is measured again, at most twice, "
                  f"when it was not):\n\n" + render_absolute(facts["absolute"]))
    print()
    print(table)
    if CHILD_JSON:
        sys.exit(0)
    try:
        write_results(lines, facts, table)
        print(f"\nWritten to {RESULTS.relative_to(ROOT)}.")
    except Exception:
        traceback.print_exc()
    sys.exit(0)


def run(lines: list[Line], facts: dict) -> None:
    global PARTNER
    env = bench_env()
    skip = set(filter(None, os.environ.get("BENCH_SKIP", "").split(",")))  # for working on one part
    growth = not CHILD_JSON and os.environ.get("BENCH_GROWTH", "1") != "0" and "pages" not in skip
    if growth:  # the small database's run prepares while this one does
        PARTNER = Partner.start()
    facts["database"] = _safe_url(env["DATABASE_URL"])
    facts["seeding"] = prepare_database(env)
    os.environ.update(env)  # the in-process app reads its settings from the environment
    from bench.wsgi import create_bench_app
    from ipdesk.extensions import db

    app = create_bench_app()
    with app.app_context():
        facts.update(machine(db))
        setup = prepare_fixtures(app, db)  # made once, kept in the seeded database
        facts.update(setup["facts"])
        facts["search index"] = search_index_size(db)
        db.engine.dispose()
    # Every run measures a copy of the seeded database, dropped afterwards: the intakes and sign-ins it writes
    # never pile up from one run to the next (the mail they send goes to a folder of this run, also dropped).
    facts["database"] += " (each run measures a copy of it, dropped afterwards)"
    env["DATABASE_URL"] = working_copy(env["DATABASE_URL"])
    run_folder = Path(tempfile.mkdtemp(prefix="ipdesk-bench-run-"))
    if Path(env["EVIDENCE_STORAGE_DIR"]).is_dir():  # the fixtures' files
        shutil.copytree(env["EVIDENCE_STORAGE_DIR"], run_folder / "evidence")
    env["EVIDENCE_STORAGE_DIR"], env["MAIL_FOLDER"] = str(run_folder / "evidence"), str(run_folder / "mail")
    os.environ.update(env)
    app = create_bench_app()
    with app.app_context():
        counter = QueryCounter(db.engine)
    client = app.test_client()
    sign_in(client)

    PARTNER.ready()
    parts = (("pages", lambda into: measure_pages(app, client, counter, setup, into)),
             ("pages", lambda into: measure_documents(app, client, setup, into, year_to_date=True)),
             ("documents", lambda into: measure_documents(app, client, setup, into)),
             ("alerts", lambda into: measure_alerts(app, client, into)),
             ("memory", lambda into: measure_memory(env, setup, into)),
             ("pack", lambda into: measure_pack(env, setup, into)),
             ("load", lambda into: measure_load(env, setup, into)))
    pages_parts = [measure for part, measure in parts if part == "pages"]
    small: dict = {}
    for part, measure in parts:
        if part in skip:
            continue
        # their absolute budgets want a quiet machine (the small database's run keeps its one repetition)
        for attempt in range(3 if part in ("pages", "load") and not CHILD_JSON else 1):
            load = _quiet_load() if attempt else os.getloadavg()[0]
            measured: list[Line] = []
            measure(measured)
            for line in measured:
                line.load_before, line.attempts = load, attempt + 1
            if load < QUIET_LOAD:
                break
        lines.extend(measured)
        if part == "pages" and measure is pages_parts[-1]:
            if PARTNER.role == "serving":
                PARTNER.serve()  # times what the parent asks until it is done with its pages
            small = PARTNER.finish()
    # the app's sender and scheduler threads would reopen the copy once it is dropped: stop them first
    for name in ("ipdesk_notify_sender", "ipdesk_due_scheduler"):
        if app.extensions.get(name) is not None:
            app.extensions[name].stop()
    with app.app_context():
        db.engine.dispose()
    drop_working_copy(env["DATABASE_URL"])
    shutil.rmtree(run_folder, ignore_errors=True)
    if CHILD_JSON:
        import json

        Path(CHILD_JSON).write_text(json.dumps({line.name: {"median": line.median, "note": line.note}
                                                for line in lines if line.median is not None}))
    elif growth:
        facts["growth"] = measure_growth(lines, small or PARTNER.finish())
    if not CHILD_JSON:
        facts["absolute"] = absolute_budgets(lines)


def machine(db) -> dict:
    import sqlite3

    import weasyprint

    memory = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:")), 0)
    facts = {"cores": str(os.cpu_count()), "memory": f"{memory / 1024 / 1024:.1f} GiB",
             "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
             "weasyprint": weasyprint.__version__, "os": platform.platform()}
    import sqlalchemy as sa

    if db.engine.dialect.name == "postgresql":
        facts["postgresql"] = db.session.execute(sa.text("SHOW server_version")).scalar()
    wrk = shutil.which("wrk")
    if wrk:
        out = subprocess.run([wrk, "-v"], capture_output=True, text=True)
        facts["wrk"] = (out.stdout + out.stderr).strip().splitlines()[0] if (out.stdout + out.stderr) else "?"
    return facts


def prepare_fixtures(app, db) -> dict:
    """The case with 50 evidence items and 30 timeline events, and the filters that give the sizes wanted."""
    import sqlalchemy as sa

    from ipdesk.auth.models import User
    from ipdesk.cases.models import (
        Case,
        Consultation,
        DisputeType,
        IPRight,
        Message,
        Route,
        Stage,
        StageChange,
        Urgency,
    )
    from ipdesk.companies.models import Company, CompanyStatus, Sector
    from ipdesk.core.db import utcnow
    from ipdesk.enquiries.listing import COUNT_CAP as ENQUIRY_COUNT_CAP
    from ipdesk.enquiries.models import Enquiry
    from ipdesk.evidence.models import EvidenceItem, EvidenceKind
    from ipdesk.network.models import Country

    manager = db.session.scalar(sa.select(User).where(User.email == MANAGER))
    big = db.session.scalar(sa.select(Case).where(Case.reference == BIG_CASE_REFERENCE))
    if big is None:  # made once through the ORM, kept in the bench database
        company = db.session.scalar(sa.select(Company).where(Company.status == CompanyStatus.approved)
                                    .order_by(Company.id))
        country = db.session.get(Country, "VN")
        now = utcnow()
        opened = now - timedelta(days=200)
        big = Case(reference=BIG_CASE_REFERENCE, company_id=company.id, country_code="VN",
                   hub_id=country.primary_hub_id, assignee_id=None, created_by_id=manager.id, filed_on_behalf=True,
                   title="Counterfeit serum on Shopee Vietnam (benchmark case)", sector=Sector.beauty,
                   ip_right=IPRight.trademark, dispute_type=list(DisputeType)[0],
                   found_where="Shopee Vietnam, three shops", infringer_name="Cửa hàng Mỹ phẩm Ngọc Bích",
                   infringer_shop_id="ngocbich.beauty", infringer_urls="https://shopee.vn/ngocbich.beauty",
                   urgency=Urgency.high, description="Benchmark case: 50 evidence items, 30 timeline events.",
                   first_noticed_on=opened.date(), stage=Stage.action, created_at=opened, submitted_at=opened,
                   stage_changed_at=now - timedelta(days=3), updated_at=now)
        db.session.add(big)
        db.session.flush()
        path = [Stage.draft, Stage.intake, Stage.evidence, Stage.returned, Stage.evidence, Stage.consultation,
                Stage.action]
        for i in range(30):  # back and forth, ending in action
            source, target = (path[i], path[i + 1]) if i < len(path) - 1 else \
                ((Stage.action, Stage.consultation) if i % 2 else (Stage.consultation, Stage.action))
            if i == 29:
                source, target = Stage.consultation, Stage.action
            db.session.add(StageChange(case_id=big.id, actor_id=manager.id, from_stage=source, to_stage=target,
                                       transition="bench", note=f"Step {i + 1}",
                                       created_at=opened + timedelta(days=6 * i)))
        kinds = list(EvidenceKind)
        for i in range(50):
            db.session.add(EvidenceItem(case_id=big.id, kind=kinds[i % len(kinds)],
                                        description=f"Listing {i + 1}: counterfeit serum, photos of the packaging",
                                        collected_on=opened.date() + timedelta(days=i), collected_by="Hanoi centre",
                                        source=f"https://shopee.vn/item/{1000 + i}", created_by_id=manager.id,
                                        created_at=opened + timedelta(days=i)))
        db.session.add(Consultation(case_id=big.id, firm="Hanoi IP Law", lawyer="Nguyễn Văn An",
                                    consulted_on=opened.date() + timedelta(days=60), summary="Administrative route.",
                                    recommended_route=Route.administrative, created_by_id=manager.id))
        for i in range(5):
            db.session.add(Message(case_id=big.id, author_id=manager.id, body=f"Message {i + 1}",
                                   created_at=opened + timedelta(days=10 * i)))
        db.session.commit()
    small = db.session.scalar(sa.select(Case.id).where(Case.stage == Stage.action, Case.id != big.id)
                              .order_by(Case.id))
    longest = db.session.scalar(sa.select(Case.id).where(Case.reference == LONGEST_CASE_REFERENCE))
    if longest is None:
        longest = _make_longest_case(db, manager).id

    facts = {}
    # The list: China's closed cases, newest first, page 1 and the last page.
    visible = sa.or_(Case.stage != Stage.draft, Case.filed_on_behalf)
    list_filter = {"country": "CN", "stage": "closed"}
    total = db.session.scalar(sa.select(sa.func.count()).where(visible, Case.country_code == "CN",
                                                               Case.stage == Stage.closed))
    last_page = max(1, -(-total // app.config["ITEMS_PER_PAGE"]))
    facts["case list"] = f"country=CN&stage=closed: {total:,} cases, deep page = last page ({last_page:,})"
    # The enquiry list: China's enquiries, newest first, page 1 and the deepest page it links (its count stops at
    # ENQUIRY_COUNT_CAP: "more than 10,000")
    enquiries = db.session.scalar(sa.select(sa.func.count()).select_from(Enquiry).where(Enquiry.country_code == "CN"))
    enquiry_last_page = max(1, -(-min(enquiries, ENQUIRY_COUNT_CAP) // app.config["ITEMS_PER_PAGE"]))
    facts["enquiry list"] = (f"country=CN: {enquiries:,} enquiries, deep page = the last one linked "
                             f"({enquiry_last_page:,})")
    # The export: every case submitted since the day that gives about 10,000 rows.
    nth = db.session.scalar(sa.select(Case.submitted_at).where(visible, Case.submitted_at.is_not(None))
                            .order_by(Case.submitted_at.desc()).offset(CSV_ROWS - 1).limit(1))
    csv_from = (nth or datetime(2000, 1, 1, tzinfo=UTC)).date() + timedelta(days=1)
    csv_rows = db.session.scalar(sa.select(sa.func.count()).where(visible, Case.submitted_at >= datetime.combine(
        csv_from, datetime.min.time(), UTC)))
    facts["CSV export"] = f"date_from={csv_from}: {csv_rows:,} rows"
    # The country summary: the country with fewest cases among those with at least 5,000 (else the largest),
    # over the period that holds about 5,000 of them.
    counts = db.session.execute(sa.select(Case.country_code, sa.func.count()).where(Case.submitted_at.is_not(None))
                                .group_by(Case.country_code)).all()
    big_enough = sorted((n, code) for code, n in counts if n >= SUMMARY_CASES)
    n_country, code = big_enough[0] if big_enough else max((n, code) for code, n in counts)
    largest = max((n, code) for code, n in counts)[1]
    end = datetime.now(UTC).date()
    nth = db.session.scalar(sa.select(Case.submitted_at).where(Case.country_code == code,
                                                               Case.submitted_at.is_not(None))
                            .order_by(Case.submitted_at.desc()).offset(min(SUMMARY_CASES, n_country) - 1).limit(1))
    start = nth.date()
    in_period = db.session.scalar(sa.select(sa.func.count()).where(
        Case.country_code == code, Case.submitted_at >= datetime.combine(start, datetime.min.time(), UTC),
        Case.submitted_at < datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC)))
    facts["country summary"] = (f"{code} ({n_country:,} cases in all), {start}..{end}: {in_period:,} cases "
                                f"in the period")
    facts["pack"] = f"all 40 countries, {start}..{end}, Korean"
    sample = list(db.session.scalars(sa.select(Case.id).where(Case.stage != Stage.draft).order_by(Case.id)
                                     .limit(8 * 997).execution_options(yield_per=1000)))[::997]
    company = db.session.scalar(sa.select(Company.id).where(Company.status == CompanyStatus.approved)
                                .order_by(Company.id))
    return {"big": big.id, "longest": longest, "small": small, "list_filter": list_filter, "last_page": last_page,
            "enquiry_last_page": enquiry_last_page,
            "csv_from": csv_from.isoformat(), "csv_rows": csv_rows, "summary": (code, start, end),
            "in_period": in_period, "sample_cases": [big.id, *sample], "company": company, "facts": facts,
            "largest": largest}


def _make_longest_case(db, manager):
    """The longest case file: a company and an exporter with the longest names the forms take, and a case with
    every text field at its maximum length (made once through the ORM, kept in the bench database)."""
    import sqlalchemy as sa

    from bench.documents import add_longest_case, max_length, unbroken
    from ipdesk.auth.forms import ProfileForm, RegistrationForm
    from ipdesk.auth.models import Role, User
    from ipdesk.companies.models import Company, CompanySize, CompanyStatus
    from ipdesk.companies.registration_number import check_digit
    from ipdesk.core.db import utcnow

    taken = set(db.session.scalars(sa.select(Company.registration_number)))
    first_nine = next(n for n in (str(987654321 - i) for i in range(1000))
                      if n + str(check_digit(n)) not in taken)
    company = Company(name_ko=unbroken("회사명", max_length(RegistrationForm, "name_ko")),
                      name_en=unbroken("company_name", max_length(RegistrationForm, "name_en")),
                      registration_number=first_nine + str(check_digit(first_nine)), size=CompanySize.sme,
                      status=CompanyStatus.approved, approved_at=utcnow())
    db.session.add(company)
    db.session.flush()
    exporter = User(email="longest@bench.example", name=unbroken("exporter", max_length(ProfileForm, "name")),
                    password_hash="!", role=Role.exporter, company_id=company.id, privacy_consent_at=utcnow(),
                    privacy_policy_version="bench")
    db.session.add(exporter)
    db.session.flush()
    case, _texts = add_longest_case(company, exporter, manager, "VN", LONGEST_CASE_REFERENCE)
    return case


def sign_in(client, email: str = MANAGER) -> None:
    """Sign the manager (or ``email``) in through the login form, with the demo key's code when two-factor sign-in
    is on."""
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": _csrf(page)})
    if response.status_code == 302 and response.headers["Location"].startswith("/login/code"):
        for _attempt in range(3):  # a code used by another process this half-minute is refused: take the next
            page = client.get("/login/code").get_data(as_text=True)
            response = client.post("/login/code", data={"code": _totp_code(), "csrf_token": _csrf(page)})
            if response.status_code == 302:
                break
    if response.status_code != 302 or response.headers["Location"].startswith("/login"):
        raise RuntimeError(f"sign-in failed: {response.status_code} {response.headers.get('Location')}")


_used_codes: set[str] = set()


def _totp_code() -> str:
    """The demo manager's current code; a code is accepted once, so wait for the next one when it was used."""
    import pyotp

    from ipdesk.demo import demo_totp_secret

    totp = pyotp.TOTP(demo_totp_secret())
    while (code := totp.now()) in _used_codes:
        time.sleep(1)
    _used_codes.add(code)
    return code


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def measure_pages(app, client, counter, setup, lines) -> None:
    query = urllib.parse.urlencode(setup["list_filter"])
    deep = f"{query}&page={setup['last_page']}"
    csv_query = f"date_from={setup['csv_from']}"
    intake_page = client.get("/cases/new").get_data(as_text=True)
    token = _csrf(intake_page)

    def intake_data() -> dict:
        return {"csrf_token": token, "company_id": setup["company"], "title": "Benchmark intake: fake serum",
                "country_code": "TH", "sector": "beauty", "ip_right": "trademark", "dispute_type": "counterfeit",
                "found_where": "Shopee Thailand", "description": "Counterfeit serum sold under our mark.",
                "first_noticed_on": date.today().isoformat(), "urgency": "normal", "damages_currency": "",
                "submit": "1"}

    pages = [
        # name, floor name, (method, url, data or None), (floor method, url), expected status, budget, limit
        ("case list, filtered, page 1", "JSON floor: hand-written SQL, one query per table",
         ("GET", f"/cases?{query}"), ("GET", f"/bench/floor/cases?{query}"), 200, 3.0),
        ("case list, filtered, last page", "JSON floor: same, same OFFSET",
         ("GET", f"/cases?{deep}"), ("GET", f"/bench/floor/cases?{deep}"), 200, 3.0),
        ("enquiry list, China, page 1", "JSON floor: hand-written SQL, one query per table",
         ("GET", "/enquiries?country=CN"), ("GET", "/bench/floor/enquiries?country=CN"), 200, 3.0),
        ("enquiry list, China, deepest page linked", "JSON floor: same, same OFFSET",
         ("GET", f"/enquiries?country=CN&page={setup['enquiry_last_page']}"),
         ("GET", f"/bench/floor/enquiries?country=CN&page={setup['enquiry_last_page']}"), 200, 3.0),
        ("case page, 50 evidence items, 30 events", "JSON floor: one query per table shown",
         ("GET", f"/cases/{setup['big']}"), ("GET", f"/bench/floor/cases/{setup['big']}"), 200, 3.0),
        ("intake submission (filed on behalf)", "floor: hand-written INSERTs (sequence, case, change, audit)",
         ("POST", "/cases/new"), ("POST", "/bench/floor/intake"), (302, 201), 3.0),
        ("manager dashboard", "JSON floor: the same 8 queries in SQL, 7 of them of the tallies",
         ("GET", "/dashboard"), ("GET", "/bench/floor/dashboard"), 200, 3.0),
        (f"{CSV_LINE}{setup['csv_rows']:,} rows", "csv.writer over the same query's rows",
         ("GET", f"/cases/export.csv?{csv_query}"), ("GET", f"/bench/floor/cases.csv?{csv_query}"), 200, 2.0),
    ]
    variants = {  # a second shape of the same page: its query count must not change
        "case list, filtered, page 1": f"/cases?{deep}",
        "case page, 50 evidence items, 30 events": f"/cases/{setup['small']}",
    }

    def call(method, url, expected):
        if method == "POST":
            data = intake_data()
            if "floor" in url:
                data["company_id"] = str(setup["company"])
            response = client.post(url, data=data)
        else:
            response = client.get(url)
        body = response.get_data()
        expected = expected if isinstance(expected, tuple) else (expected,)
        if response.status_code not in expected:
            raise RuntimeError(f"{method} {url}: {response.status_code} {body[:300]!r}")
        return body

    for name, floor_name, (method, url), (floor_method, floor_url), status, limit in pages:
        line = Line(name, floor_name, f"≤ {limit:g}× floor, fixed queries")
        line.limit = limit
        lines.append(line)
        try:
            call(method, url, status)  # warm both
            call(floor_method, floor_url, (200, 201))
            for _ in range(PAGE_REPEAT):
                seconds, body = PARTNER.rep(CSV_LINE if name.startswith(CSV_LINE) else name, counting(
                    counter, lambda m=method, u=url, st=status: call(m, u, st), line.queries), line.small_times)
                line.times.append(seconds)
                line.floor_times.append(timed(lambda m=floor_method, u=floor_url: call(m, u, (200, 201)))[0])
            if name.startswith("CSV"):
                rows = body.count(b"\n") - 1
                line.note = f"{rows:,} rows"
            fixed = True
            if name in variants:
                before = counter.count
                call("GET", variants[name], 200)
                other = counter.count - before
                fixed = min(line.queries) <= other  # the bigger shape needs no more queries than the smaller
                shape = "the last page" if "list" in name else "a small case"
                line.note = f"{min(line.queries)} queries; {other} on {shape}"
            elif not name.startswith("CSV"):
                line.note = f"{min(line.queries)} queries"
            line.passed = line.ratio is not None and line.ratio <= limit and fixed
            if name.startswith("CSV"):
                line.budget = f"≤ {limit:g}× floor"
                line.passed = line.ratio is not None and line.ratio <= limit
        except Exception as error:
            line.error = str(error)[:200]
            traceback.print_exc()
    measure_sorts(client, call, lines)
    list_url = f"/cases?{query}"

    def list_page() -> float:
        """The case list's page 1 as the manager, timed: the search lines' floor, between their repetitions."""
        return timed(lambda: call("GET", list_url, 200))[0]

    measure_search(counter, call, list_page, lines)
    measure_exporter_search(app, list_page, lines)


SORTS_LINE = "case list, unfiltered, the slowest of its 6 sorts, page 1"


def measure_sorts(client, call, lines) -> None:
    """Every sort the list offers, page 1 of every case: the slowest sort's median beside the floor of the default
    order (a sort that is not read from an index sorts every case, and grows with them)."""
    from ipdesk.cases.listing import SORT_ORDERS

    line = Line(SORTS_LINE, "JSON floor: every case, newest first", "≤ 3× floor")
    lines.append(line)
    try:
        medians, small = {}, {}
        call("GET", "/bench/floor/cases", 200)
        for sort in SORT_ORDERS:
            url = f"/cases?sort={sort}"
            call("GET", url, 200)
            small[sort], times = [], []
            for _ in range(PAGE_REPEAT):  # the floor in turns with every sort's repetitions
                times.append(PARTNER.rep(f"{SORTS_LINE}: {sort}", lambda u=url: call("GET", u, 200), small[sort])[0])
                line.floor_times.append(timed(lambda: call("GET", "/bench/floor/cases", 200))[0])
            medians[sort] = statistics.median(times)
        slowest = max(medians, key=medians.get)
        line.value = medians[slowest]
        if all(small.values()):  # the small database's slowest sort
            line.small_value = max(statistics.median(times) for times in small.values())
        line.note = f"slowest: {slowest}; " + ", ".join(f"{sort} {_fmt(value, 's')}" for sort, value in medians.items())
        line.passed = line.ratio <= 3.0
    except Exception as error:
        line.error = str(error)[:200]
        traceback.print_exc()


# what staff type: a fragment of a company's Korean name (a fourteenth of the companies), and a word of many
# companies' names (the beauty sector's); every kind of record is searched, as the box in the header does
SEARCHES = {"search, 2 characters (아름), every kind": "아름", "search, 3 characters (코스메), every kind": "코스메"}
# an exporter's search for a word of many companies' records (a product): found among their own cases' entries
EXPORTER = "exporter@ipdesk.example"
EXPORTER_SEARCH = "search as an exporter, a common word (세럼), every kind"
LIST_PAGE_LINE = "case list, filtered, page 1"


def measure_search(counter, call, list_page, lines) -> None:
    """Search of every kind of record, beside the case list's page 1 (issue 22: within 3× of it), the two timed in
    turns; the number of queries must not depend on the hits."""
    for name, typed in SEARCHES.items():
        line = Line(name, f"the {LIST_PAGE_LINE}, in turns", "≤ 3× the case list's page 1, fixed queries")
        lines.append(line)
        try:
            url = "/search?" + urllib.parse.urlencode({"q": typed})
            call("GET", url, 200)
            counts = []
            for _ in range(PAGE_REPEAT):
                line.times.append(PARTNER.rep(name, counting(counter, lambda u=url: call("GET", u, 200), counts),
                                              line.small_times)[0])
                line.floor_times.append(list_page())
            before = counter.count
            call("GET", "/search?" + urllib.parse.urlencode({"q": "鑫达盛福"}), 200)  # a rare seller: few hits
            rare = counter.count - before
            line.note = f"{min(counts)} queries; {rare} for a rare seller"
            line.passed = line.ratio is not None and line.ratio <= 3.0 and rare <= min(counts)
        except Exception as error:
            line.error = str(error)[:200]
            traceback.print_exc()


def measure_exporter_search(app, list_page, lines) -> None:
    """The demo exporter (a company of about 70 cases at 100,000) searching a product's name, which hundreds of
    thousands of other companies' records hold, beside the manager's case list page 1, the two timed in turns."""
    line = Line(EXPORTER_SEARCH, f"the {LIST_PAGE_LINE}, in turns", "≤ 3× the case list's page 1")
    lines.append(line)
    try:
        client = app.test_client()
        sign_in(client, EXPORTER)
        url = "/search?" + urllib.parse.urlencode({"q": "세럼"})

        def get():
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"GET {url}: {response.status_code}")

        get()
        for _ in range(PAGE_REPEAT):
            line.times.append(PARTNER.rep(EXPORTER_SEARCH, get, line.small_times)[0])
            line.floor_times.append(list_page())
        line.passed = line.ratio is not None and line.ratio <= 3.0
    except Exception as error:
        line.error = str(error)[:200]
        traceback.print_exc()


def search_index_size(db) -> str:
    """The search index's size on disk: its entries with their indexes, and the engine's terms."""
    import sqlalchemy as sa

    if db.engine.dialect.name == "postgresql":
        size = db.session.scalar(sa.text("SELECT pg_total_relation_size('search_entries')"))
    else:
        size = db.session.scalar(sa.text("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search%' "
                                         "OR name LIKE 'sqlite_autoindex_search%' OR name LIKE 'ix_search%'"))
    entries = db.session.scalar(sa.text("SELECT count(*) FROM search_entries"))
    return f"{entries:,} entries, {size / 2**20:,.0f} MiB"


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def measure_documents(app, client, setup, lines, *, year_to_date: bool = False) -> None:
    """The documents beside static HTML of as many pages; ``year_to_date``: only the summary of the country with
    the most cases, this year so far (a line of the growth table too)."""
    from bench.documents import static_html
    from ipdesk.reports.pdf import render_pdf

    code, start, end = setup["summary"]
    largest, ytd_start = setup["largest"], end.replace(month=1, day=1)
    documents = [
        ("case PDF (the 50-item case)", f"/cases/{setup['big']}/case-file.pdf", None, 1.3),
        ("case PDF, every text field at its maximum length", f"/cases/{setup['longest']}/case-file.pdf", None, 3.0),
        (f"country summary PDF, {code}, {setup['in_period']:,} cases",
         f"/reports/country-summary.pdf?country={code}&start={start}&end={end}", 1, 3.0),
    ] if not year_to_date else [
        (YTD_SUMMARY, f"/reports/country-summary.pdf?country={largest}&start={ytd_start}&end={end}", 1, 3.0),
    ]
    for name, url, floor_pages, limit in documents:
        line = Line(name, "", f"≤ {limit:g}× floor")
        lines.append(line)
        try:
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"GET {url}: {response.status_code}")
            pages = _pages(response.get_data())
            want = floor_pages or pages
            html = static_html(want)
            floor_pdf = render_pdf(html, time_limit=3600)
            line.floor_name = f"static HTML, {want} page{'s' if want > 1 else ''} ({_pages(floor_pdf)} rendered), " \
                              f"same fonts"
            for _ in range(REPEAT):
                line.times.append(PARTNER.rep(name, lambda u=url: client.get(u),
                                              line.small_times if year_to_date else None)[0])
                line.floor_times.append(timed(lambda h=html: render_pdf(h, time_limit=3600))[0])
            line.note = f"{pages} pages" + (f"; {largest}, {ytd_start}..{end}" if year_to_date else "")
            line.passed = line.ratio <= limit
        except Exception as error:
            line.error = str(error)[:200]
            traceback.print_exc()


YTD_SUMMARY = "country summary PDF, the largest country, year to date"
# the lines whose time must not grow with the data (the CSV export and the pack grow with their rows by nature)
GROWTH_LINES = ("case list, filtered, page 1", "case list, filtered, last page", SORTS_LINE, *SEARCHES, EXPORTER_SEARCH,
                "case page, 50 evidence items, 30 events", "intake submission (filed on behalf)", "manager dashboard",
                "enquiry list, China, page 1", "enquiry list, China, deepest page linked", YTD_SUMMARY)


def measure_growth(lines: list[Line], small: dict) -> list[tuple]:
    """How much longer each growth line takes on the large database than on the small one (each line's
    repetitions there were timed in turns with its own; ``small``: the small run's lines, for the CSV's rows).
    Returns the rows of the growth table."""
    if "error" in small:
        return [("(growth)", "–", "–", "–", "–", small["error"])]
    rows = []
    for line in lines:
        if line.name not in GROWTH_LINES or line.median is None:
            continue
        before = line.small_median
        growth = line.median / before if before else None
        line.growth = growth
        rows.append((line.name, _fmt(before, line.unit), _fmt(line.median, line.unit),
                     "–" if growth is None else f"{growth:.2f}×", f"≤ {GROWTH_LIMIT:g}×",
                     "PASS" if growth is not None and growth <= GROWTH_LIMIT else "FAIL"))
    # the CSV export grows with its rows by nature: the time of each row must not grow with the data
    large = next((line for line in lines if line.name.startswith(CSV_LINE) and line.median is not None), None)
    named = next((name for name in small if name.startswith(CSV_LINE)), None)
    if large is not None and named is not None and large.small_median:
        per_row = [large.small_median / _csv_rows(named), large.median / _csv_rows(large.name)]
        growth = per_row[1] / per_row[0]
        rows.append((f"{CSV_LINE}per row", f"{per_row[0] * 1e6:.1f} µs", f"{per_row[1] * 1e6:.1f} µs",
                     f"{growth:.2f}×", f"≤ {GROWTH_LIMIT:g}×", "PASS" if growth <= GROWTH_LIMIT else "FAIL"))
    return rows


CSV_LINE = "CSV export, "


def _csv_rows(name: str) -> int:
    """The rows of a CSV line, from its name ("CSV export, 9,972 rows")."""
    return int(re.search(r"([\d,]+) rows", name).group(1).replace(",", ""))


QUIET_LOAD = 1.0  # absolute budgets count only when the 1-minute load average was under this before the part
PAGE_P50_LIMIT = 0.150  # seconds, a page's median single request
YTD_SUMMARY_LIMIT = 1.5  # seconds, the year-to-date summary of the largest country
LOAD_P99_LIMIT = 1.0  # seconds, the load line's 99th percentile, with no error


def _quiet_load(wait: float = 60) -> float:
    """Wait (up to ``wait`` seconds) for the 1-minute load average to fall under QUIET_LOAD; returns it."""
    deadline = time.monotonic() + wait
    while (load := os.getloadavg()[0]) >= QUIET_LOAD and time.monotonic() < deadline:
        time.sleep(5)
    return load


def absolute_budgets(lines: list[Line]) -> list[tuple]:
    """The rows of the absolute budgets at this size: each page's median, the largest country's year to date,
    the load line's p99; each counted only when the load average before its part was under QUIET_LOAD (the
    part is measured again, at most twice, when it was not)."""
    rows = []
    for line in lines:
        if line.name in GROWTH_LINES and line.median is not None:
            limit = YTD_SUMMARY_LIMIT if line.name == YTD_SUMMARY else PAGE_P50_LIMIT
            value, ok = line.median, line.median <= limit
            budget = f"p50 ≤ {_fmt(limit, 's')}"
        elif getattr(line, "p99", None) is not None:
            value, ok = line.p99, line.p99 <= LOAD_P99_LIMIT and line.errors == 0
            budget = f"p99 ≤ {_fmt(LOAD_P99_LIMIT, 's')}, 0 errors"
        else:
            continue
        load = getattr(line, "load_before", None)
        counted = load is not None and load < QUIET_LOAD
        tries = getattr(line, "attempts", 1)
        result = ("PASS" if ok else "FAIL") if counted else f"NOT COUNTED ({'PASS' if ok else 'FAIL'} at load " \
                                                             f"{load:.2f})"
        rows.append((line.name, _fmt(value, "s"), budget, f"{load:.2f}" if load is not None else "–",
                     f"{tries}", result))
    return rows


def render_absolute(rows: list[tuple]) -> str:
    head = ("what", "time", "budget", "load average before", "measured", "result")
    return _render(head, rows)


def _render(head: tuple, rows: list[tuple]) -> str:
    table = [head, *rows]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(head))]

    def fmt(row):
        return "| " + " | ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)) + " |"

    return "\n".join([fmt(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(fmt, rows)])


def render_growth(rows: list[tuple]) -> str:
    return _render(("what", f"{SMALL_CASES:,} cases", f"{CASES:,} cases", "growth", "budget", "result"), rows)


def _peak(env, *args) -> tuple[float, int]:
    """The peak RSS (MiB) of a fresh ``bench.peak_memory`` process, and the count it prints after it."""
    # Through GNU time: a child forked from this (large) process would inherit its high-water mark.
    timer = ["/usr/bin/time", "-f", "MAXRSS %M"] if Path("/usr/bin/time").exists() else []
    out = subprocess.run([*timer, sys.executable, "-m", "bench.peak_memory", *args], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=True)
    found = re.search(r"MAXRSS (\d+)", out.stderr)
    kib, count = out.stdout.split()[:2]
    return int(found.group(1) if found else kib) / 1024, int(count)  # KiB -> MiB


def measure_memory(env, setup, lines) -> None:
    code, start, end = setup["summary"]
    line = Line(f"peak memory, country summary {code}", "fresh process rendering the 1-page static floor",
                "≤ 300 MiB", unit="MB")
    lines.append(line)
    try:
        line.value = _peak(env, "summary", code, start.isoformat(), end.isoformat())[0]
        line.floor_value = _peak(env, "floor")[0]
        line.passed = line.value <= 300
        line.note = "max RSS of a fresh process (MiB, GNU time)"
    except Exception as error:
        line.error = str(error)[:200]
        traceback.print_exc()
    line = Line("peak memory, CSV export of every case", "fresh process: the app, signed in", "≤ 200 MiB",
                unit="MB")
    lines.append(line)
    try:
        line.value, rows = _peak(env, "csv")
        line.floor_value = _peak(env, "signed-in")[0]
        line.passed = line.value <= 200
        line.note = f"{rows:,} rows, read as they stream; max RSS (MiB, GNU time)"
    except Exception as error:
        line.error = str(error)[:200]
        traceback.print_exc()


def measure_alerts(app, client, lines) -> None:
    """A file of 5,000 squatting alerts uploaded, previewed and confirmed through the app, beside the same rows
    written with hand-written SQL (``bench.alerts``); each repetition imports new applications."""
    from bench.alerts import (
        ALERT_ROWS,
        alert_rows,
        bench_companies,
        csv_file,
        floor_facts,
        floor_insert,
        import_through_app,
        made_by,
        outbox_drained,
    )
    from ipdesk.extensions import db

    line = Line(f"import {ALERT_ROWS:,} squatting alerts (upload, preview, confirm)",
                "the same rows inserted with hand-written SQL", "≤ 3× floor")
    lines.append(line)
    try:
        with app.app_context():
            numbers = bench_companies(db)
            facts = floor_facts(db, numbers)
            engine = db.engine
        today = date.today()
        for _ in range(ALERT_REPEAT):
            data = csv_file(alert_rows(numbers, ALERT_ROWS, today))
            outbox_drained(app)  # the last import's mail goes out before anything is timed, not during it
            seconds, import_id = timed(lambda data=data: import_through_app(client, data))
            with app.app_context():
                made = made_by(db, import_id)
            if made != ALERT_ROWS:
                raise RuntimeError(f"the import made {made} alerts of {ALERT_ROWS:,}")
            line.times.append(seconds)
            rows = alert_rows(numbers, ALERT_ROWS, today)
            outbox_drained(app)
            line.floor_times.append(timed(lambda rows=rows: floor_insert(engine, rows, facts))[0])
        line.passed = line.ratio <= 3
        line.note = f"{len(numbers)} companies, {ALERT_REPEAT} files; the app also indexes them for search"
    except Exception as error:
        line.error = str(error)[:200]
        traceback.print_exc()
    line = Line(f"peak memory, importing {ALERT_ROWS:,} squatting alerts", "fresh process: the app, signed in",
                "≤ 300 MiB", unit="MB")
    lines.append(line)
    try:
        line.value, made = _peak(dict(os.environ), "alerts")
        line.floor_value = _peak(dict(os.environ), "signed-in")[0]
        line.passed = line.value <= 300 and made == ALERT_ROWS
        line.note = f"{made:,} alerts made; max RSS (MiB, GNU time)"
    except Exception as error:
        line.error = str(error)[:200]
        traceback.print_exc()


def _database_server_cpu() -> float:
    """CPU seconds the local PostgreSQL server has used so far: its processes' own, and those of the backends that
    have exited (the postmaster reaps them: its children's time). 0 with SQLite, which runs in the app's process."""
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # a process that has just ended
            continue
        if not text[text.index("(") + 1:text.rindex(")")].startswith("postgres"):
            continue
        fields = text[text.rindex(")") + 2:].split()
        total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return total / ticks


def _run_pack(env, start: date, end: date, out: Path) -> tuple[float, float, float]:
    """Wall time, CPU of the process tree and CPU of the database server, for one `flask reports pack`."""
    before, server_before = resource.getrusage(resource.RUSAGE_CHILDREN), _database_server_cpu()
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "flask", "reports", "pack", "--from", start.isoformat(), "--to",
                    end.isoformat(), "--lang", "ko", "--out", str(out)], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, _database_server_cpu() - server_before


def measure_pack(env, setup, lines) -> None:
    code, start, end = setup["summary"]
    line = Line("all-country pack, 40 countries", "CPU time of the process tree and the database server",
                "CPU/wall ≥ 1.5 (both cores); wall ≤ 2 × one process's / cores")
    lines.append(line)
    try:
        out = Path(tempfile.mkdtemp(prefix="ipdesk-bench-")) / "pack.pdf"
        # the sum of its country summaries' times: the same pack made by one rendering process
        alone, _cpu, _server = _run_pack({**env, "REPORT_PROCESSES": "1"}, start, end, out)
        wall, cpu, server = _run_pack(env, start, end, out)
        cores = os.cpu_count() or 1
        line.value, line.floor_value = wall, cpu + server
        used = (cpu + server) / wall
        load = os.getloadavg()[0]  # other processes on the machine take cores from the pack's two renderers
        allowed = 2 * alone / cores
        line.note = (f"{_pages(out.read_bytes())} pages; CPU/wall = {used:.2f} on {cores} cores ({server:.1f} s of "
                     f"it the database server's); wall {wall:.1f} s against {alone:.1f} s in one process "
                     f"(budget {allowed:.1f} s); load average {load:.1f}")
        line.ratio_override = used
        line.passed = used >= 1.5 and wall <= allowed
        shutil.rmtree(out.parent, ignore_errors=True)
    except Exception as error:
        line.error = str(error)[:200]
        traceback.print_exc()


# --- load ---------------------------------------------------------------------------------------

LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""


def measure_load(env, setup, lines) -> None:
    import socket

    app_line = Line(f"load: gunicorn -w 2, wrk {CONNECTIONS} connections, {LOAD_SECONDS} s, mixed reads",
                    "floor endpoints under the same load", "≥ 40 % of floor req/s, 0 errors", unit="req/s")
    lines.append(app_line)
    wrk = shutil.which("wrk")
    if not wrk:
        app_line.error = "wrk is not installed (make bench installs it: scripts/install-system-deps.sh --bench)"
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = Path(tempfile.mkdtemp(prefix="ipdesk-bench-load-"))
    log = open(folder / "gunicorn.log", "wb")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                               "bench.wsgi:app"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        cookie = _http_sign_in(base)
        query = urllib.parse.urlencode(setup["list_filter"])
        cases = setup["sample_cases"]
        app_paths = [f"/cases?{query}", "/cases?country=TH", "/dashboard", "/",
                     *[f"/cases/{i}" for i in cases]]
        floor_paths = [f"/bench/floor/cases?{query}", "/bench/floor/cases?country=TH", "/bench/floor/dashboard",
                       "/bench/floor/home", *[f"/bench/floor/cases/{i}" for i in cases]]
        rounds: dict[str, list[dict]] = {"app": [], "floor": []}
        sets = (("app", app_paths), ("floor", floor_paths))
        for label, paths in sets:
            for path in paths:  # every URL answers 200 with this session before and after the load
                status = _http_get(base, path, cookie)
                if status != 200:
                    raise RuntimeError(f"GET {path}: {status} before the load")
            (folder / f"{label}.lua").write_text(LUA % ", ".join(f'"{p}"' for p in paths))
        # app and floors take turns, LOAD_ROUNDS times each: a change in the machine's speed during the minute
        # (this virtual machine's varies by a tenth from one half-minute to the next) falls on both sides alike
        for _round in range(LOAD_ROUNDS):
            for label, _paths in sets:
                out = subprocess.run([wrk, "-t2", f"-c{CONNECTIONS}", f"-d{LOAD_SECONDS // LOAD_ROUNDS}s",
                                      "--timeout", "30s", "--latency", "-s", str(folder / f"{label}.lua"),
                                      "-H", f"Cookie: {cookie}", base],
                                     capture_output=True, text=True, check=True).stdout
                rounds[label].append(parse_wrk(out))
        results = {}
        for label, paths in sets:
            each = rounds[label]
            results[label] = {"rps": statistics.fmean(r["rps"] for r in each),  # rounds of equal length
                              "p50": statistics.median(r["p50"] for r in each),
                              "p99": max(r["p99"] for r in each),  # the worst round's
                              "errors": sum(r["errors"] for r in each)
                              + sum(_http_get(base, p, cookie) != 200 for p in paths)}
        ours, floor = results["app"], results["floor"]
        app_line.value, app_line.floor_value = ours["rps"], floor["rps"]
        app_line.note = (f"app p50 {ours['p50'] * 1000:.0f} ms, p99 {ours['p99'] * 1000:.0f} ms, "
                         f"{ours['errors']} errors; floor p50 {floor['p50'] * 1000:.0f} ms, "
                         f"p99 {floor['p99'] * 1000:.0f} ms, {floor['errors']} errors")
        app_line.passed = ours["rps"] >= 0.4 * floor["rps"] and ours["errors"] == 0
        app_line.p99, app_line.errors = ours["p99"], ours["errors"]
    except Exception as error:
        app_line.error = str(error)[:200]
        traceback.print_exc()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def _http_sign_in(base: str) -> str:
    """The session cookie of the manager signed in over HTTP (as tests/reliability/server.py does)."""
    jar = CookieJar()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())

    def post(path: str, fields: dict) -> str:
        page = opener.open(base + path, timeout=30).read().decode()
        data = urllib.parse.urlencode({**fields, "csrf_token": _csrf(page)}).encode()
        try:
            opener.open(urllib.request.Request(base + path, data=data, method="POST"), timeout=30)
        except urllib.error.HTTPError as error:
            if error.code != 302:
                raise
            return error.headers["Location"]
        raise RuntimeError(f"POST {path} did not redirect")

    target = post("/login", {"email": MANAGER, "password": PASSWORD})
    for _attempt in range(3):  # as in sign_in: a refused code is retried with the next one
        if not target.startswith("/login/code"):
            break
        try:
            target = post("/login/code", {"code": _totp_code()})
        except RuntimeError:
            continue
    if target.startswith("/login"):
        raise RuntimeError(f"sign-in over HTTP failed: {target}")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def _http_get(base: str, path: str, cookie: str) -> int:
    request = urllib.request.Request(base + path, headers={"Cookie": cookie})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect()).open(request, timeout=120) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _seconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def parse_wrk(out: str) -> dict:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _seconds(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _seconds(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = 0
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(n) for n in m.groups())
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    return {"rps": rps, "p50": p50, "p99": p99, "errors": errors}


# --- the table ----------------------------------------------------------------------------------

def _fmt(value, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "s":
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.0f} MiB"
    if unit == "req/s":
        return f"{value:.1f} req/s"
    return f"{value:.2f}"


def render_table(lines: list[Line]) -> str:
    rows = []
    for line in lines:
        ratio = getattr(line, "ratio_override", None) or line.ratio
        floor_value = line.floor
        floor_text = f"{floor_value:.2f} s CPU" if hasattr(line, "ratio_override") and floor_value else \
            _fmt(floor_value, line.unit)
        result = "ERROR" if line.error else ("PASS" if line.passed else "FAIL")
        rows.append((line.name, _fmt(line.median, line.unit), line.floor_name, floor_text,
                     "–" if ratio is None else f"{ratio:.2f}×" if not hasattr(line, "ratio_override")
                     else f"{ratio:.2f}", line.budget, result, line.error or line.note))
    return _render(("what", "time", "floor", "floor time", "ratio", "budget", "result", "notes"), rows)


SECTIONS = ROOT / "bench" / "results"  # one file per database and size: RESULTS.md puts them side by side


def write_results(lines, facts, table) -> None:
    """Write this run's section (bench/results/<database>-<cases>.md), then RESULTS.md: every section kept there,
    SQLite first, then NOTES.md."""
    machine_keys = ("cores", "memory", "os", "python", "sqlite", "postgresql", "weasyprint", "wrk")
    setup_keys = ("database", "seeding", "search index", "case list", "CSV export", "country summary", "pack")
    import sqlalchemy as sa

    backend = sa.make_url(bench_env()["DATABASE_URL"]).get_backend_name()
    title = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(backend, backend)
    text = [
        f"## {title}, {CASES:,} cases",
        "",
        f"`make bench`, {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, {CASES:,} cases, medians of "
        f"{PAGE_REPEAT} repetitions for pages and {REPEAT} for documents (in-process through the WSGI app, warm, "
        f"as the manager); the run took {facts.get('duration', '?')}.",
        "",
        "Machine: " + ", ".join(f"{k} {facts[k]}" for k in machine_keys if k in facts) + ".",
        "",
        "Set-up: " + "; ".join(f"{k}: {facts[k]}" for k in setup_keys if k in facts) + ".",
        "",
        table,
        "",
    ]
    if facts.get("error"):
        text += ["The run stopped early:", "", "```", facts["error"].strip(), "```", ""]
    SECTIONS.mkdir(exist_ok=True)
    (SECTIONS / f"{backend}-{CASES}.md").write_text("\n".join(text), encoding="utf-8")
    compose_results()


def compose_results() -> None:
    """RESULTS.md from the sections kept under bench/results and NOTES.md (also after NOTES.md is edited:
    `.venv/bin/python -c "from bench.run import compose_results; compose_results()"`)."""
    order = {"sqlite": 0, "postgresql": 1}
    sections = sorted(SECTIONS.glob("*.md"), key=lambda path: (order.get(path.stem.split("-")[0], 2), path.stem))
    whole = ["# Benchmark results", "",
             "One section per database and size, each from its own `make bench` run (the newest run of each).", ""]
    whole += [section.read_text(encoding="utf-8").strip() + "\n" for section in sections]
    notes = ROOT / "bench" / "NOTES.md"
    if notes.exists():
        whole += [notes.read_text(encoding="utf-8").strip(), ""]
    RESULTS.write_text("\n".join(whole), encoding="utf-8")


if __name__ == "__main__":
    main()
