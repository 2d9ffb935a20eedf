"""Command-line tools: reference and demo data, and the translation catalogues."""
import itertools
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import click
import pyotp
import sqlalchemy as sa
from flask import current_app, g
from flask.cli import AppGroup
from flask_babel import force_locale
from redis import Redis
from rq import Queue, Worker
from werkzeug.datastructures import MultiDict

from ipdesk.admin.forms import UserCreateForm
from ipdesk.alerts.demo import load_demo_alerts
from ipdesk.audit.chain import ChainReport, verify_chain, verify_personal_values
from ipdesk.auth.models import Role
from ipdesk.auth.services import create_staff_user
from ipdesk.auth.twofactor import rotate_keys
from ipdesk.config import PROJECT_ROOT
from ipdesk.core.backup import BackupError, append_only_problems, append_only_tables, make_backup, restore_backup
from ipdesk.core.db import utcnow
from ipdesk.core.errors import ServiceError
from ipdesk.costs.services import load_shipped_cost_rules
from ipdesk.deadlines.rules import load_shipped_rules
from ipdesk.demo import DEMO_USERS, demo_totp_secret, load_demo_data, load_demo_infringers
from ipdesk.demo_cases import generate_cases, generate_messages
from ipdesk.education.demo import load_demo_guides, load_demo_sessions
from ipdesk.enquiries.demo import generate_enquiries
from ipdesk.evidence.models import EvidenceFile
from ipdesk.evidence.services import (
    abandoned_uploads,
    check_result,
    discard_abandoned_upload,
    discard_unreferenced,
    record_failed_check,
    stored_age,
    stored_hash,
    unreferenced_keys,
)
from ipdesk.evidence.staging import expired_staged, remove_staged, staged_grace
from ipdesk.evidence.storage import StorageUnavailable
from ipdesk.extensions import db
from ipdesk.network.reference import load_reference_network
from ipdesk.notify.scheduler import add_due_notifications, due_scheduler, fold_tallies
from ipdesk.notify.sender import send_pending
from ipdesk.refusals.shipped import load_shipped_reasons
from ipdesk.reports import tallies as tally_upkeep
from ipdesk.reports.jobs import countries_to_render, period_overview, render_summaries
from ipdesk.reports.pack import assemble_pack
from ipdesk.rights.demo import load_demo_rights
from ipdesk.search import index as search_index

translate = AppGroup("translate", help="Extract, update and compile the translation catalogues.")
POT_FILE = PROJECT_ROOT / "translations" / "messages.pot"


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=PROJECT_ROOT)


def extract_messages(output: Path) -> None:
    """Extract every gettext message of the Python code and templates into ``output``."""
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-k", "lazy_pgettext:1c,2",
             "--no-location",
             "--sort-output", "--omit-header", "-o", str(output), ".")


@translate.command("extract")
def translate_extract() -> None:
    """Extract messages into translations/messages.pot."""
    extract_messages(POT_FILE)


@translate.command("update")
def translate_update() -> None:
    """Extract, then merge new messages into every catalogue."""
    extract_messages(POT_FILE)
    _pybabel("update", "-i", str(POT_FILE), "-d", "translations", "--no-fuzzy-matching", "--ignore-obsolete")


@translate.command("compile")
def translate_compile() -> None:
    """Compile the catalogues into .mo files."""
    _pybabel("compile", "-d", "translations", "--statistics")


@click.command("seed-network")
def seed_network() -> None:
    """Load the shipped network of hubs, countries and regions (adds only what is missing)."""
    added = load_reference_network()
    rules = load_shipped_rules()
    cost_rules = load_shipped_cost_rules()
    reasons = load_shipped_reasons()
    db.session.commit()
    click.echo(f"Network: {added['hubs']} hubs, {added['countries']} countries and {added['regions']} regions "
               f"added; {rules} deadline rules, "
               f"{cost_rules} cost-share rules and {reasons} refusal reasons added.")


@click.command("seed-demo")
@click.option("--password", envvar="DEMO_PASSWORD", default="ipdesk-demo-2026", show_default=True,
              help="The password of every demo account (env DEMO_PASSWORD).")
@click.option("--cases", "cases", type=click.IntRange(min=0), default=0, show_default=True,
              help="Make synthetic cases until there are this many in all (companies, users, histories too). "
                   "On PostgreSQL as a superuser, 50,000 or more (and at least as many as there were) go in as one "
                   "transaction, the tables locked and their indexes built at the end.")
@click.option("--messages", "messages", type=click.IntRange(min=0), default=0, show_default=True,
              help="Add messages to the synthetic cases until there are this many in all (the search bench's).")
@click.option("--enquiries", "enquiries", type=click.IntRange(min=0), default=0, show_default=True,
              help="Add enquiries (questions answered without a case) until there are this many in all.")
@click.option("--seed", "seed", type=int, default=2026, show_default=True, help="Random seed of the synthetic data.")
def seed_demo(password: str, cases: int, messages: int, enquiries: int, seed: int) -> None:
    """Load the network and the demo companies and accounts (adds only what is missing)."""
    if current_app.config["ENV_NAME"] == "production" and not os.environ.get("DEMO_PASSWORD"):
        raise click.UsageError("Refusing to create demo accounts in production without DEMO_PASSWORD.")
    load_reference_network()
    load_shipped_rules()
    load_shipped_cost_rules()
    load_shipped_reasons()
    added = load_demo_data(password)
    guides, sessions = load_demo_guides(), load_demo_sessions()
    db.session.commit()
    click.echo(f"Demo data: {added['companies']} companies, {added['users']} accounts, {guides} country guides and "
               f"{sessions} education sessions added.")
    if cases:
        started = time.perf_counter()
        made = generate_cases(cases, password=password, seed=seed)
        click.echo(f"Synthetic cases: {made:,} added in {time.perf_counter() - started:.1f} s "
                   f"({cases:,} wanted in all).")
        if made:
            _fold_after_bulk_load()
    if messages:
        started = time.perf_counter()
        made = generate_messages(messages, seed=seed)
        click.echo(f"Synthetic messages: {made:,} added in {time.perf_counter() - started:.1f} s "
                   f"({messages:,} wanted in all).")
        if made:
            _vacuum_analyze()
    if enquiries:
        started = time.perf_counter()
        made = generate_enquiries(enquiries, seed=seed)
        click.echo(f"Synthetic enquiries: {made:,} added in {time.perf_counter() - started:.1f} s "
                   f"({enquiries:,} wanted in all).")
        if made:
            _fold_after_bulk_load()
    click.echo(f"Infringer records: {load_demo_infringers()} added; rights in registers: {load_demo_rights()} added; "
               f"squatting alerts: {load_demo_alerts()} added.")
    db.session.commit()
    click.echo("Demo sign-ins (one per role), all with the password " + click.style(password, bold=True) + ":")
    for email, _name, role, _company, _hubs in DEMO_USERS:
        click.echo(f"  {role.name:<9} {email}")
    click.echo("The manager and the admin also give a code from an authenticator app: add the key "
               + click.style(demo_totp_secret(), bold=True) + " to one, or run `flask demo-code` for the current code.")


def _fold_after_bulk_load() -> None:
    """After cases or enquiries loaded in bulk: the triggers counted each row in a tally row of its own (a million
    enquiry rows the dashboard summed, 77 ms, until the scheduler's next fold); fold them, and give the planner the
    new sizes."""
    before, after = tally_upkeep.compact()
    _vacuum_analyze()
    click.echo(f"Tallies folded ({before:,} rows to {after:,}); statistics gathered (VACUUM, ANALYZE).")


def _vacuum_analyze() -> None:
    """Give the planner the sizes of rows just loaded (ANALYZE); on PostgreSQL also VACUUM, which marks the pages
    all-visible so that index-only scans read no table pages, as autovacuum would later."""
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM (ANALYZE)"))
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


@click.command("create-admin")
@click.option("--email", required=True, help="The admin's e-mail address, their sign-in name.")
@click.option("--name", required=True, help="Their name as the app shows it.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input instead of asking for it twice.")
def create_admin(email: str, name: str, password_stdin: bool) -> None:
    """Create an admin account (the first one of a new installation; later ones are made in the admin area).

    The account is checked as the admin area's form checks it; the audit log records it with no actor."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with current_app.test_request_context(), force_locale("en"):  # the form's checks, as the admin area has them
        form = UserCreateForm(MultiDict({"name": name, "email": email, "role": Role.admin.name, "password": password}),
                              hub_choices=[], meta={"csrf": False})
        if not form.validate():
            problems = "; ".join(f"{form[field].label.text}: {' '.join(map(str, errors))}"
                                 for field, errors in form.errors.items())
            raise click.UsageError(problems)
        try:
            user = create_staff_user({"role": Role.admin, "email": email, "name": name, "password": password},
                                     actor=None)
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            raise click.UsageError(str(error)) from None
    click.echo(f"Admin {user.email} created (id {user.id}). They set up two-factor sign-in when they first sign in.")


@click.command("demo-code")
def demo_code() -> None:
    """Print the current two-factor code of the demo manager and admin (their shared demo key)."""
    click.echo(pyotp.TOTP(demo_totp_secret()).now())


two_factor = AppGroup("two-factor", help="Two-factor sign-in.")


@two_factor.command("rotate-keys")
def two_factor_rotate_keys() -> None:
    """Re-encrypt every stored two-factor secret under the first key of TOTP_KEYS. Put a new key first, keep
    the old ones after it, run this, then remove the old keys."""
    count = rotate_keys()
    db.session.commit()
    click.echo(f"Two-factor secrets of {count} accounts re-encrypted under the newest key; "
               "the other keys of TOTP_KEYS can now be removed.")


evidence = AppGroup("evidence", help="Evidence files.")


@evidence.command("verify")
@click.option("--repair", is_flag=True,
              help="Remove unfinished uploads (temporary files, incomplete multipart uploads) untouched for "
                   "--older-than minutes, and stored files without a row and "
                   "staged files never filed once past EVIDENCE_STAGED_HOURS; never an evidence file or a hash.")
@click.option("--older-than", "older_than", type=click.IntRange(min=1), default=60, show_default=True,
              help="Minutes without a write after which an unfinished upload (or restore) is abandoned.")
def evidence_verify(repair: bool, older_than: int) -> None:
    """Re-hash every stored evidence file; report mismatches, missing files, stored files without a row and
    unfinished uploads and restores that were abandoned (exit 1 if any remains).

    It reads in short read-only transactions and hashes outside any; each failure it records is a write of its
    own, so people keep working (on SQLite, too) however long the re-hashing takes."""
    previous = g.pop("write_intent", None)
    g.write_intent = False
    try:
        _verify_evidence(repair, older_than)
    except StorageUnavailable as error:
        raise click.ClickException(f"the evidence storage cannot be reached ({error}). The files not checked yet "
                                   "were left as they are, none of them recorded as failed; run it again once the "
                                   "storage answers.") from None
    finally:
        g.pop("write_intent", None)
        if previous is not None:
            g.write_intent = previous


def _verify_evidence(repair: bool, older_than: int) -> None:
    counts = {"ok": 0, "mismatch": 0, "missing": 0}
    files = db.session.execute(sa.select(EvidenceFile.id, EvidenceFile.storage_key, EvidenceFile.sha256)
                               .order_by(EvidenceFile.id)).all()
    db.session.rollback()
    for file_id, key, sha256 in files:
        current = stored_hash(key)
        result = check_result(sha256, current)
        counts[result] += 1
        if result != "ok":
            case_id, name = _record_failed_check(file_id, current)
            click.echo(f"{result.upper()}: file {file_id} of case {case_id} ({name}), expected sha256 {sha256}")
    grace = staged_grace()
    unreferenced = removed_unreferenced = 0
    for key in list(unreferenced_keys()):
        db.session.rollback()
        unreferenced += 1
        age = stored_age(key) or timedelta(0)
        if repair and discard_unreferenced(key, grace):
            removed_unreferenced += 1
            click.echo(f"REMOVED: stored file {key} without a row ({_hours(age)} h old)")
        else:
            click.echo(f"NO ROW: stored file {key} belongs to no evidence file or pack (a crash between storing it and "
                       f"saving its row, or a file a forced restore kept), {_hours(age)} h old; --repair deletes it "
                       f"after {_hours(grace)} h")
    db.session.rollback()
    stale, recent = abandoned_uploads(timedelta(minutes=older_than))
    for upload, age in recent:
        click.echo(f"IN PROGRESS: unfinished upload {upload.name}, last written {age // timedelta(minutes=1)} min "
                   "ago; left alone")
    removed_pending = 0
    for upload, age in stale:
        if repair and discard_abandoned_upload(upload, timedelta(minutes=older_than)):
            removed_pending += 1
            click.echo(f"REMOVED: unfinished upload {upload.name} of an abandoned upload or restore "
                       f"({age // timedelta(minutes=1)} min old)")
        else:
            click.echo(f"ABANDONED: unfinished upload {upload.name} that stopped "
                       f"{age // timedelta(minutes=1)} min ago (--repair removes it)")
    left = len(stale) - removed_pending
    expired = expired_staged(utcnow() - grace)
    for file in expired:
        click.echo(f"{'REMOVED' if repair else 'EXPIRED'}: staged file {file.token[:8]} ({file.original_name}) of user "
                   f"{file.user_id}, never filed since {file.created_at:%Y-%m-%d %H:%M} UTC"
                   + ("" if repair else " (--repair deletes it)"))
    if repair and expired:
        g.write_intent = True
        remove_staged(expired_staged(utcnow() - grace))  # read again, in the transaction that removes them
        db.session.commit()
    else:
        db.session.rollback()
    click.echo(f"Evidence files: {counts['ok']} ok, {counts['mismatch']} mismatched, {counts['missing']} missing; "
               f"{unreferenced} stored without a row"
               f"{f', {removed_unreferenced} of them removed' if repair else ''}; "
               f"unfinished uploads: {len(recent)} recent, {len(stale)} abandoned, "
               f"{removed_pending} of them removed; staged files past their grace period: {len(expired)}"
               f"{', removed' if repair and expired else ''}.")
    if (counts["mismatch"] or counts["missing"] or unreferenced - removed_unreferenced or left
            or (expired and not repair)):
        raise SystemExit(1)


def _record_failed_check(file_id: int, current: str | None) -> tuple[int, str]:
    """A failed check in the file's chain of custody, in a short write transaction of its own; returns the file's
    case and name."""
    g.write_intent = True
    try:
        file = db.session.get(EvidenceFile, file_id)
        record_failed_check(file, current)
        seen = file.case_id, file.original_name
        db.session.commit()
        return seen
    finally:
        g.write_intent = False


def _hours(age: timedelta) -> int:
    return int(age // timedelta(hours=1))


audit = AppGroup("audit", help="The audit log.")


@audit.command("verify")
def audit_verify() -> None:
    """Walk the audit log's hash chain in id order; report changed, inserted and deleted entries, personal
    values that no longer match their keyed hashes, and append-only tables whose guarding triggers are gone
    (exit 1 if any)."""
    report = ChainReport()
    problems = 0
    g.write_intent = False  # a read-only walk: on SQLite, writers carry on meanwhile
    try:
        with db.engine.connect() as connection:
            for problem in itertools.chain(
                    verify_chain(connection, report),
                    verify_personal_values(connection, current_app.config["AUDIT_HMAC_KEY"])):
                problems += 1
                click.echo(f"{problem.kind.upper()}: {problem.message}")
            for problem in append_only_problems(connection, append_only_tables()):
                problems += 1
                click.echo(f"UNGUARDED: {problem}")
    finally:
        g.pop("write_intent")
    click.echo(f"Audit log: {report.entries:,} entries, {problems} problem(s); last entry "
               f"#{report.last_id} with hash {report.last_hash}.")
    if problems:
        raise SystemExit(1)


@click.command("backup")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="A new (or empty) directory for the backup.")
def backup_command(out: Path) -> None:
    """Back up the database and the evidence files, with a manifest of rows per table and SHA-256 hashes."""
    try:
        manifest, copied = make_backup(out)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{out}: {manifest['database']['file']} ({manifest['database']['size']:,} bytes, "
               f"{sum(manifest['tables'].values()):,} rows in {len(manifest['tables'])} tables), "
               + "".join(f"{n:,} {what}, " for what, n in copied.items()) + "manifest.json.")


@click.command("restore")
@click.option("--from", "source", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="A directory made by `flask backup`.")
@click.option("--force", is_flag=True, help="Overwrite a database and storage that are not empty.")
def restore_command(source: Path, force: bool) -> None:
    """Restore a backup whose files match its manifest into an empty database and storage, then verify it."""
    try:
        report = restore_backup(source, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    for problem in report.problems:
        click.echo(f"PROBLEM: {problem}")
    checked = "".join(f", {n:,} {what}" for what, n in report.checked.items())
    click.echo(f"Restored from {source}: {report.tables} tables{checked}; {len(report.problems)} problem(s) after "
               "verifying.")
    if report.problems:
        raise SystemExit(1)


reports = AppGroup("reports", help="Documents made in the background.")


@reports.command("pack")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day (YYYY-MM-DD).")
@click.option("--lang", type=click.Choice(["ko", "en"]), default="ko", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), required=True, help="Where to write the PDF.")
def reports_pack(start, end, lang: str, out: str) -> None:
    """Make the all-country pack (the overview, every country's summary, contents and bookmarks) with a progress
    bar."""
    start, end = start.date(), end.date()
    if end < start:
        raise click.BadParameter("--to is before --from")
    overview = period_overview(start, end, lang)  # one short read-only transaction; none is open while they render
    codes = countries_to_render(overview)
    with click.progressbar(length=len(codes), label="Country summaries", show_pos=True) as bar:
        summaries = render_summaries(codes, start, end, lang, on_done=lambda _code: bar.update(1))
    pdf, pages = assemble_pack(summaries, overview, lang)
    with open(out, "wb") as handle:
        handle.write(pdf)
    click.echo(f"{out}: {pages} pages, {len(pdf):,} bytes, {len(codes)} countries with a summary, "
               f"{len(overview.without_cases)} without a case.")


@reports.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def reports_worker(burst: bool) -> None:
    """Run the RQ worker that makes all-country packs (needs REDIS_URL)."""
    url = current_app.config["REDIS_URL"]
    if not url:
        raise click.UsageError("REDIS_URL is not set: without it, the web process makes packs itself.")
    connection = Redis.from_url(url)
    Worker([Queue(current_app.config["REPORT_QUEUE"], connection=connection)], connection=connection).work(
        burst=burst)


@reports.command("tallies")
@click.option("--compact", "do_compact", is_flag=True, help="Fold the tallies into one row per key first.")
@click.option("--rebuild", "do_rebuild", is_flag=True, help="Count every tally again from the cases.")
def reports_tallies(do_compact: bool, do_rebuild: bool) -> None:
    """Check the counts that dashboards and lists read (the tallies) against the cases, deadlines and stage
    changes they count (exit 1 where they disagree); --rebuild counts them again, --compact folds them."""
    if do_rebuild:
        click.echo(f"Tallies rebuilt: {tally_upkeep.rebuild():,} rows.")
    if do_compact:
        before, after = tally_upkeep.compact()
        click.echo(f"Tallies folded: {before:,} rows to {after:,}.")
    drifts = tally_upkeep.drift()
    for d in drifts[:50]:
        money = f" (amounts {d.tallied_amount} and {d.counted_amount})" if d.tallied_amount != d.counted_amount else ""
        click.echo(f"DRIFT: {d.kind} {d.key}: tallied {d.tallied}, counted {d.counted}{money}")
    click.echo(f"Tallies: {len(drifts)} key(s) disagree with the rows they count.")
    if drifts:
        raise SystemExit(1)


search = AppGroup("search", help="The search index.")


@search.command("rebuild")
def search_rebuild() -> None:
    """Write the search index again from the records (after a change to how text is cut into terms, or to repair
    it); searches meanwhile find what is written so far."""
    written = search_index.rebuild(db.session, echo=click.echo)
    click.echo(f"Search index rebuilt: {sum(written.values()):,} entries.")


notify = AppGroup("notify", help="E-mail and in-app notifications.")


@notify.command("send")
def notify_send() -> None:
    """Send every e-mail of the outbox that is due (for cron; retries back off, nothing is sent twice)."""
    report = send_pending()
    click.echo(f"E-mails: {report.sent} sent, {report.retrying} to retry later, {report.failed} given up.")


@notify.command("due")
def notify_due() -> None:
    """Add deadline and follow-up reminders and the staff's daily digests to the outbox (run it as often as you
    like)."""
    counts = add_due_notifications(tick=utcnow())
    if counts is None:  # the scheduler of a web process or worker is at it (ipdesk.notify.scheduler)
        click.echo("Another process is adding reminders and digests right now; nothing added.")
        return
    click.echo("Notifications added: " + ", ".join(f"{n} {name}" for name, n in counts.items()) + ".")
    folded = fold_tallies(tick=utcnow())
    if folded is not None:
        click.echo(f"Tallies folded: {folded[0]:,} rows to {folded[1]:,}.")


@notify.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def notify_worker(burst: bool) -> None:
    """Run the RQ worker that sends e-mail right after the changes that made it, and the scheduler of deadline
    reminders and digests (needs REDIS_URL)."""
    url = current_app.config["REDIS_URL"]
    if not url:
        raise click.UsageError("REDIS_URL is not set: without it, the web process sends e-mail itself.")
    connection = Redis.from_url(url)
    scheduler = None if burst else due_scheduler(current_app._get_current_object())
    if scheduler is not None:
        # Each job runs in a forked process: it must open connections of its own, never use the pooled ones
        # that the scheduler thread of this process uses.
        engine = db.engine
        os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    try:
        Worker([Queue(current_app.config["NOTIFY_QUEUE"], connection=connection)], connection=connection).work(
            burst=burst)
    finally:
        if scheduler is not None:
            scheduler.stop()


def register_cli(app) -> None:
    app.cli.add_command(notify)
    app.cli.add_command(search)
    app.cli.add_command(audit)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(evidence)
    app.cli.add_command(reports)
    app.cli.add_command(translate)
    app.cli.add_command(seed_network)
    app.cli.add_command(seed_demo)
    app.cli.add_command(demo_code)
    app.cli.add_command(create_admin)
    app.cli.add_command(two_factor)
