"""Two app nodes, as docs/deploy.md runs them: two gunicorn servers on two ports sharing one PostgreSQL database, the
real Redis and an S3 server (SeaweedFS), beside the pack worker and two mail workers, each a process of its own.
Whichever node answers, people notice the same site: a file uploaded through one node downloads through the other;
a pack asked for on one is made by the worker and downloads through the other; sign-in limits count attempts made
on both; a session ended on one is refused by the other at once; and every e-mail goes out exactly once however many
senders run, none left behind.

Slow (about 45 s of processes starting and working side by side), so it runs once: in the PostgreSQL run."""
import base64
import hashlib
import os
import re
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from rq import Queue, Worker
from rq.job import Job as RQJob

from ipdesk.config import PROJECT_ROOT
from ipdesk.core.i18n import local_today
from ipdesk.evidence.models import EvidenceFile
from ipdesk.extensions import db
from ipdesk.notify.models import EmailStatus, Notification
from ipdesk.reports.models import JobStatus, ReportJob
from tests.conftest import IS_POSTGRES, PASSWORD
from tests.factories import make_case
from tests.reliability.server import Browser, Gunicorn, app_environment, csrf_token, wait_for
from tests.support.seaweed import S3Server, seaweedfs

pytestmark = [pytest.mark.pg_once,
              pytest.mark.skipif(not IS_POSTGRES, reason="the nodes share one PostgreSQL database, as in production "
                                 "(SQLite is one file on one machine): runs in the PostgreSQL run")]

REDIS_URL = "redis://127.0.0.1:6379/15"
LOGIN_LIMIT = 6  # sign-in attempts per client address per hour
MESSAGES = 24  # each tells the four other people of the case: about a hundred e-mails
NEW_PASSWORD = "a brand new passphrase for 2026"


def committed(statement):
    """What ``statement`` reads of what is committed now (its transaction ends at once)."""
    try:
        return db.session.execute(statement).all()
    finally:
        db.session.rollback()


@dataclass
class Cluster:
    a: str  # node A's address
    b: str  # node B's address
    s3: S3Server
    prefix: str  # of everything this cluster keeps in Redis and in the bucket
    mail: Path  # the mail server: every sender writes .eml files here
    logs: list[Path]

    def object_key(self, key: str) -> str:
        """The S3 object of stored file ``key``."""
        return f"{self.prefix}/{key[:2]}/{key}"

    def tail(self) -> str:
        """The end of every process's log, for a failure message."""
        return "\n".join(f"--- {log.name}:\n{log.read_text(errors='replace')[-1500:]}" for log in self.logs
                         if log.exists())


def _flask(env: dict, log: Path, *command: str) -> subprocess.Popen:
    """A `flask` command as a process group of its own (RQ forks a process per job; packs spawn renderers)."""
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "flask", *command], env=env, cwd=PROJECT_ROOT, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)


def _end(process: subprocess.Popen) -> None:
    """SIGTERM to the group (RQ finishes the job in hand), then SIGKILL whatever is left of it."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(10)


@contextmanager
def cluster(database_url: str, folder: Path):
    """SeaweedFS, nodes A and B (gunicorn, two workers each), `flask reports worker` and two `flask notify worker`,
    all on one database, one Redis database (keys and queues of their own) and one bucket (a prefix of their own).

    Node B sends the outbox itself too (``NOTIFY_SENDER=thread``), as every app process does while its Redis does not
    answer: three kinds of senders then take from the one outbox side by side."""
    connection = redis.Redis.from_url(REDIS_URL)
    prefix = f"two-nodes-{uuid.uuid4().hex[:12]}"
    mail = folder / "mail"
    with ExitStack() as stack:
        s3 = stack.enter_context(seaweedfs(folder / "seaweedfs"))
        settings = {"REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix, "REPORT_QUEUE": f"{prefix}-reports",
                    "NOTIFY_QUEUE": f"{prefix}-notify", **s3.settings(prefix=f"{prefix}/"), "S3_PART_SIZE_MB": "5",
                    "MAIL_BACKEND": "folder", "MAIL_FOLDER": str(mail), "NOTIFY_SENDER": "rq",
                    "BASE_URL": "https://ipdesk.example", "TRUSTED_PROXY_COUNT": "1",
                    "LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per hour", "REPORT_PROCESSES": "1",
                    "FLASK_APP": "wsgi", "FLASK_SKIP_DOTENV": "1"}
        for name in ("node-a", "node-b", "workers"):
            (folder / name).mkdir()
        nodes = [Gunicorn(database_url, folder / "node-a", workers=2, **settings),
                 Gunicorn(database_url, folder / "node-b", workers=2, **{
                     **settings, "NOTIFY_SENDER": "thread", "NOTIFY_POLL_SECONDS": "1"})]
        for node in nodes:
            stack.callback(node.stop)
            node.start()
        env = app_environment(database_url, folder / "workers", **settings)  # no reminders: only the test's mail
        workers = {"reports-worker": ("reports", "worker"), "notify-worker-1": ("notify", "worker"),
                   "notify-worker-2": ("notify", "worker")}
        logs = [node.log_path for node in nodes] + [folder / "workers" / f"{name}.log" for name in workers]
        for command, log in zip(workers.values(), logs[2:], strict=True):
            stack.callback(_end, _flask(env, log, *command))
        stack.callback(_forget, connection, prefix)
        running = Cluster(nodes[0].base, nodes[1].base, s3, prefix, mail, logs)
        for node in nodes:
            node.wait_until_serving(90)
        for name, count in ((settings["REPORT_QUEUE"], 1), (settings["NOTIFY_QUEUE"], 2)):
            queue = Queue(name, connection=connection)
            wait_for(lambda q=queue, n=count: len(Worker.all(queue=q)) == n, 90, f"{count} RQ worker(s) on {name}",
                     running.tail)
        yield running


def _forget(connection: redis.Redis, prefix: str) -> None:
    """This cluster's rate-limit counts, queues and registries, out of the shared Redis database."""
    keys = connection.keys(f"*{prefix}*")
    if keys:
        connection.delete(*keys)


@pytest.mark.timeout(600)  # a loaded machine: every wait below is generous, and all of them may be needed
def test_two_app_nodes_behave_as_one_site(database_url, app, factories, tmp_path):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    officer, colleague, third = (factories.staff(hub_codes=("cn-north",)) for _ in range(3))
    exporter = factories.exporter()
    partner = factories.exporter(company=exporter.company)
    manager, member = factories.manager(), factories.exporter()
    case = make_case("evidence", company=exporter.company, author=exporter, country="CN")  # nobody assigned: the hub
    case_id, emails = case.id, {"officer": officer.email, "exporter": exporter.email, "partner": partner.email,
                                "manager": manager.email, "member": member.email}
    db.session.commit()

    with cluster(database_url, tmp_path) as nodes:
        addresses = iter(f"198.51.100.{n}" for n in range(1, 255))  # one client address each, as the proxy says

        def browser(node: str, who: str) -> Browser:
            person = Browser(node, address=next(addresses))
            person.sign_in(emails[who], PASSWORD)
            return person

        # A pack asked for on node A: the pack worker makes it while the rest goes on.
        manager_on_a = browser(nodes.a, "manager")
        _, page = manager_on_a.request("GET", "/reports")
        status, _ = manager_on_a.request("POST", "/reports/pack", {
            "pack-start": f"{local_today().year}-01-01", "pack-end": local_today().isoformat(), "pack-lang": "en",
            "csrf_token": csrf_token(page)})
        assert status == 302, "the pack was not accepted on node A"

        # Many notifications: the case's two exporters post messages through both nodes at once.
        writers = [browser(nodes.a, "exporter"), browser(nodes.b, "partner")]
        token = csrf_token(writers[0].request("GET", f"/cases/{case_id}")[1])
        tokens = [token, csrf_token(writers[1].request("GET", f"/cases/{case_id}")[1])]

        def post(n: int) -> int:
            writer = writers[n % 2].via(nodes.a if n % 4 < 2 else nodes.b)  # each writer on both nodes
            return writer.request("POST", f"/cases/{case_id}/messages", {
                "body": f"Message {n}: the seller opened another shop.", "csrf_token": tokens[n % 2]})[0]

        with ThreadPoolExecutor(max_workers=4) as pool:
            posted = pool.map(post, range(MESSAGES))

            evidence_uploaded_on_a_downloads_on_b(nodes, browser(nodes.a, "officer"), case_id)
            sign_in_limit_counts_attempts_on_both_nodes(nodes, emails["member"])
            ended_sessions_are_refused_on_the_other_node(nodes, browser)
            assert list(posted) == [302] * MESSAGES, "a message was not accepted"

        pack_made_by_the_worker_downloads_on_b(nodes, manager_on_a)  # its e-mail to the manager is the last one made
        every_email_is_sent_exactly_once(nodes)


def evidence_uploaded_on_a_downloads_on_b(nodes: Cluster, officer: Browser, case_id: int) -> None:
    """Six megabytes (two parts of five to the S3 server) uploaded through node A, downloaded through node B."""
    content = b"\n".join(base64.b64encode(os.urandom(57)) for _ in range(80_000)) + b"\n"  # plain text, 6.2 MB
    _, page = officer.request("GET", f"/cases/{case_id}/evidence")
    status, page = officer.request("POST", f"/cases/{case_id}/evidence", {
        "kind": "document", "description": "The seller's price list", "csrf_token": csrf_token(page)},
        files={"files": ("price-list.txt", content)})
    assert status == 302, f"the upload through node A was refused ({status}): {page[:2000]}"
    ((file_id, key, sha256),) = committed(sa.select(EvidenceFile.id, EvidenceFile.storage_key, EvidenceFile.sha256))
    assert sha256 == hashlib.sha256(content).hexdigest()
    head = nodes.s3.client().head_object(Bucket=nodes.s3.bucket, Key=nodes.object_key(key))
    assert head["ContentLength"] == len(content) and head["Metadata"]["sha256"] == sha256, head
    status, body, headers = officer.via(nodes.b).fetch("GET", f"/cases/{case_id}/evidence/files/{file_id}")
    assert status == 200, f"node B did not serve the file uploaded through node A ({status})"
    assert body == content, "node B served other bytes than were uploaded through node A"


def sign_in_limit_counts_attempts_on_both_nodes(nodes: Cluster, email: str) -> None:
    """Wrong passwords from one address, spread over both nodes: refused once the limit is reached in all."""
    attacker = Browser(nodes.a, address="203.0.113.66")
    token = csrf_token(attacker.request("GET", "/login")[1])
    statuses = []
    for n in range(LOGIN_LIMIT + 2):
        statuses.append(attacker.via(nodes.a if n % 2 == 0 else nodes.b).request("POST", "/login", {
            "email": email, "password": f"guess {n}", "csrf_token": token})[0])
    assert statuses == [200] * LOGIN_LIMIT + [429, 429], (
        f"{LOGIN_LIMIT} sign-in attempts from one address, alternating nodes A and B, should use up the limit of "
        f"{LOGIN_LIMIT} for both nodes: {statuses}")
    assert redis.Redis.from_url(REDIS_URL).keys(f"*{nodes.prefix}*203.0.113.66*"), "the count is not in Redis"


def ended_sessions_are_refused_on_the_other_node(nodes: Cluster, browser: Callable) -> None:
    """A password change on node A ends the member's other sessions: node B refuses them at the next request. A
    session signed out on node A is refused by node B too, even from a copy of its cookie."""
    laptop, phone = browser(nodes.a, "member"), browser(nodes.b, "member")
    assert signed_in(laptop.via(nodes.b)) and signed_in(phone), "a session begun on one node is unknown to the other"
    _, page = laptop.request("GET", "/account/password")
    status, _ = laptop.request("POST", "/account/password", {
        "current_password": PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD,
        "csrf_token": csrf_token(page)})
    assert status == 302, "the password change on node A failed"
    assert not signed_in(phone), "node B still accepts a session that the password change on node A ended"
    assert signed_in(laptop.via(nodes.b)), "the session the password change began on node A is unknown to node B"

    copy = Browser(nodes.b, laptop.session_cookie(), address=laptop.address)  # the cookie, copied elsewhere
    assert signed_in(copy)
    _, page = laptop.request("GET", "/account")
    assert laptop.request("POST", "/logout", {"csrf_token": csrf_token(page)})[0] == 302
    assert not signed_in(copy), "node B still accepts a session signed out on node A"


def signed_in(person: Browser) -> bool:
    """Whether the account page opens (a refused session is sent to sign in)."""
    status, _body, headers = person.fetch("GET", "/account")
    assert status == 200 or (status == 302 and "/login" in headers.get("Location", "")), (status, headers)
    return status == 200


def every_email_is_sent_exactly_once(nodes: Cluster) -> None:
    """Every notification with an e-mail is marked sent, and the mail server got exactly one copy of each."""
    wanted = EmailStatus.pending, EmailStatus.sending

    def unsent():
        return committed(sa.select(Notification.id, Notification.email_status, Notification.last_error)
                         .where(Notification.email_to.is_not(None), Notification.email_status.in_(wanted)))
    wait_for(lambda: not unsent(), 120, "the outbox to be sent",
             lambda: f"Left: {unsent()[:10]}\n{nodes.tail()}")
    mailed = {row.id: row.email_status for row in committed(
        sa.select(Notification.id, Notification.email_status).where(Notification.email_to.is_not(None)))}
    assert len(mailed) >= MESSAGES * 4, f"only {len(mailed)} e-mails were made"
    assert set(mailed.values()) == {EmailStatus.sent}, Counter(mailed.values())
    parser = BytesHeaderParser()
    copies = Counter()
    for path in nodes.mail.glob("*.eml"):
        with path.open("rb") as handle:
            copies[int(re.fullmatch(r"<notification-(\d+)@[^>]+>", parser.parse(handle)["Message-ID"]).group(1))] += 1
    twice = {number: n for number, n in copies.items() if n > 1}
    assert not twice, f"{len(twice)} e-mails were sent more than once (notification: copies): {twice}"
    assert set(copies) == set(mailed), (f"e-mails marked sent without reaching the mail server: "
                                        f"{sorted(set(mailed) - set(copies))}; sent without a notification: "
                                        f"{sorted(set(copies) - set(mailed))}")


def pack_made_by_the_worker_downloads_on_b(nodes: Cluster, manager_on_a: Browser) -> None:
    """The pack asked for on node A was queued in Redis, made by `flask reports worker`, and is served by node B,
    byte for byte what the worker stored in S3."""
    ((job_id,),) = committed(sa.select(ReportJob.id))

    def state():
        return committed(sa.select(ReportJob.status, ReportJob.backend, ReportJob.result_key, ReportJob.error)
                         .where(ReportJob.id == job_id))[0]
    wait_for(lambda: state().status in (JobStatus.done, JobStatus.failed), 180, "the pack",
             lambda: f"{state()}\n{nodes.tail()}")
    status, backend, key, error = state()
    assert (status, backend) == (JobStatus.done, "rq"), error
    rq_job = RQJob.fetch(f"pack-{job_id}", connection=redis.Redis.from_url(REDIS_URL))
    assert rq_job.get_status() == "finished" and rq_job.worker_name, "the pack worker did not make the pack"
    manager_on_b = manager_on_a.via(nodes.b)
    status, page = manager_on_b.request("GET", f"/reports/jobs/{job_id}")
    assert status == 200 and f"/reports/jobs/{job_id}/pack.pdf" in page, "node B does not offer the pack"
    status, pdf, headers = manager_on_b.fetch("GET", f"/reports/jobs/{job_id}/pack.pdf")
    assert status == 200 and pdf.startswith(b"%PDF-"), f"node B did not serve the pack ({status})"
    stored = nodes.s3.client().get_object(Bucket=nodes.s3.bucket, Key=nodes.object_key(key))["Body"].read()
    assert pdf == stored, "node B served other bytes than the worker stored"
    rq_job.delete()
