"""A real server (gunicorn, its own temporary SQLite database with the demo data) and Debian's chromium."""
import email
import email.policy
import fcntl
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ipdesk.config import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
DEMO_PASSWORD = "browser-demo-password"


# Each journey runs on a desk and on a phone; a module may name fewer (VIEWPORTS = ("phone",)).
NAVBAR_EXPANDS_AT = 992  # px: the header's menu folds behind a toggler below this width
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def pytest_generate_tests(metafunc):
    if "viewport" in metafunc.fixturenames:
        names = getattr(metafunc.module, "VIEWPORTS", tuple(VIEWPORTS))
        metafunc.parametrize("viewport", names, scope="module")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.db_independent)  # one server per run is enough
            # a module's journeys on one worker (scripts/run-tests.sh: --dist loadgroup): its live server and demo
            # data are made once, not once on each worker
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


MAIL_FOLDERS: dict[str, Path] = {}


def mailed_link(base: str, address: str, timeout: float = 20) -> str:
    """The link in the latest e-mail the live server at ``base`` sent to ``address``, once it is sent."""
    deadline = time.monotonic() + timeout
    while True:
        for path in sorted(MAIL_FOLDERS[base].glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
            mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if mail["To"] == address:
                return re.search(re.escape(base) + r"/\S+", mail.get_content()).group(0)
        if time.monotonic() > deadline:
            raise AssertionError(f"no e-mail to {address}")
        time.sleep(0.2)


def mail_to(base: str, address: str, subject_part: str, timeout: float = 20) -> str:
    """The text of the latest e-mail to ``address`` whose subject holds ``subject_part``, once it is sent."""
    deadline = time.monotonic() + timeout
    while True:
        for path in sorted(MAIL_FOLDERS[base].glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
            mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if mail["To"] == address and subject_part in mail["Subject"]:
                return mail.get_content()
        if time.monotonic() > deadline:
            raise AssertionError(f"no e-mail to {address} about {subject_part!r}")
        time.sleep(0.2)


def _server_env(folder: Path, port: int) -> dict:
    # mail is written as .eml files that a journey reads its links from (``mailed_link``)
    env = {**os.environ, "IPDESK_ENV": "test", "SECRET_KEY": "browser-test-secret", "FLASK_APP": "wsgi",
           "DATABASE_URL": f"sqlite:///{folder / 'live.sqlite3'}", "DEMO_PASSWORD": DEMO_PASSWORD,
           "LOGIN_RATE_LIMIT": "1000 per minute", "LOGIN_ACCOUNT_RATE_LIMIT": "1000 per hour",
           "EVIDENCE_STORAGE_DIR": str(folder / "evidence"), "BASE_URL": f"http://127.0.0.1:{port}",
           "MAIL_BACKEND": "folder", "MAIL_FOLDER": str(folder / "mail")}
    env.pop("REDIS_URL", None)
    return env


@pytest.fixture(scope="session")
def seeded_folder(tmp_path_factory):
    """A folder (database, evidence, mail) set up as `make run` does, made once per test process for each kind
    of demo data a module asks for; each live server starts from a copy of it, so no journey sees another's."""
    # shared by the run's test processes (pytest-xdist's workers have their base folders side by side): the first
    # to need a kind makes it, under a lock, and the others copy it
    shared = tmp_path_factory.getbasetemp().parent if os.environ.get("PYTEST_XDIST_WORKER") else \
        tmp_path_factory.getbasetemp()

    def folder_for(cases: int, seed: bool) -> Path:
        folder = shared / f"seeded-{cases}-{int(seed)}"
        with open(shared / f"seeded-{cases}-{int(seed)}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (folder / ".made").exists():
                shutil.rmtree(folder, ignore_errors=True)  # a process that failed half-way
                folder.mkdir()
                env = _server_env(folder, 0)
                flask = [sys.executable, "-m", "flask"]
                subprocess.run([*flask, "db", "upgrade"], env=env, cwd=PROJECT_ROOT, check=True, capture_output=True)
                subprocess.run([*flask, "seed-demo", "--cases", str(cases)], env=env, cwd=PROJECT_ROOT, check=True,
                               capture_output=True)
                if seed:  # unread notifications, overdue deadlines (tests/browser/seed.py)
                    subprocess.run([sys.executable, "-m", "tests.browser.seed"], env=env, cwd=PROJECT_ROOT,
                                   check=True, capture_output=True)
                (folder / ".made").touch()
        return folder

    return folder_for


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, request, viewport, seeded_folder):
    """Base URL of ipdesk served by gunicorn on 127.0.0.1, set up as `make run` does.

    One per test module and viewport, each on a copy of the seeded data, so one journey (which saves, say, a
    language choice on an account, or registers a company) cannot change what another, or the same on a phone,
    sees."""
    folder = tmp_path_factory.mktemp("live")
    port = _free_port()
    seeded = seeded_folder(getattr(request.module, "LIVE_DEMO_CASES", 0),  # synthetic cases to look at
                           getattr(request.module, "LIVE_SEED", False))
    shutil.copytree(seeded, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".made"))
    env = _server_env(folder, port)
    log = open(folder / "server.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    MAIL_FOLDERS[base] = Path(folder) / "mail"
    try:
        deadline = time.monotonic() + 60  # a loaded machine starts gunicorn's workers slowly
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start: " + (folder / "server.log").read_text()) from None
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's chromium, headless, with the flags this machine needs."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (scripts/install-system-deps.sh --browser)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture
def new_page(browser, viewport):
    """A page in a browser of its own (own cookies), in ``locale``, as wide as the test's viewport."""
    contexts = []

    def make(locale="ko"):
        context = browser.new_context(locale=locale, extra_http_headers={"Accept-Language": locale},
                                      viewport=VIEWPORTS[viewport])
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def menu(page) -> None:
    """Open the header's menu when the screen is narrow enough to fold it (a phone); else nothing."""
    # Decided by the screen's width (Bootstrap's navbar-expand-lg folds below 992 px), not by whether
    # the toggler is visible this instant: a page whose stylesheet is still loading shows it on a desk too.
    if page.viewport_size["width"] >= NAVBAR_EXPANDS_AT:
        return
    page.wait_for_load_state("load")
    toggler = page.locator(".navbar-toggler")
    if toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        page.locator("#nav.show").wait_for()


SIGN_IN_LABELS = {"ko": ("이메일", "비밀번호", "로그인"), "en": ("E-mail", "Password", "Sign in")}


def sign_in(page, base: str, email: str, lang: str) -> None:
    """Sign in through the form, finding it by its visible labels in ``lang``."""
    email_label, password_label, button = SIGN_IN_LABELS[lang]
    page.goto(base + "/login")
    page.get_by_label(email_label).fill(email)
    page.get_by_label(password_label).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=button, exact=True).click()
    if "/login/code" in page.url:  # managers and admins: the second step, with the demo key
        label = {"ko": "인증 앱의 코드 또는 복구 코드", "en": "Code from your authenticator app, or a recovery code"}
        page.get_by_label(label[lang]).fill(fresh_code(base, email))
        page.get_by_role("button", name={"ko": "계속", "en": "Continue"}[lang]).click()


_last_step: dict[tuple[str, str], int] = {}


def fresh_code(base: str, email: str) -> str:
    """A code of the demo key the server has not seen yet for this account (each is accepted once):
    the current time step, or the next one when the current one is used, waiting only when that too
    is used. Never the step before: near the end of a step the server may already be one further on,
    and two steps back is outside its one step of drift."""
    import pyotp

    from ipdesk.demo import demo_totp_secret

    now = int(time.time() // 30)
    step = max(now, _last_step.get((base, email), now - 1) + 1)
    while step > int(time.time() // 30) + 1:  # the server accepts one step of clock drift either way
        time.sleep(1)
    _last_step[(base, email)] = step
    return pyotp.TOTP(demo_totp_secret()).at(step * 30)
