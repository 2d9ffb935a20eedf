"""A real gunicorn serving the app on a test database, and plain HTTP clients for it (cookies, CSRF)."""
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from ipdesk.config import PROJECT_ROOT
from tests.reliability.gunicorn_ready import READY


def wait_for(condition: Callable, seconds: float, what: str, explain: Callable[[], str] = lambda: ""):
    """Poll ``condition`` until it gives something true; fail saying what was awaited (and ``explain()``)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}. {explain()}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_environment(database_url: str, folder: Path, **settings) -> dict[str, str]:
    """The environment of an ipdesk process of these tests (a web server, a worker) on ``database_url``."""
    env = {**os.environ, "IPDESK_ENV": "test", "SECRET_KEY": "reliability-secret", "DATABASE_URL": database_url,
           "LOGIN_RATE_LIMIT": "1000 per minute", "LOGIN_ACCOUNT_RATE_LIMIT": "1000 per hour",
           "TOTP_REQUIRED_ROLES": "", "EVIDENCE_STORAGE_DIR": str(folder / "evidence"),
           "NOTIFY_DUE_MINUTES": "0",  # no reminders written beside the requests these tests time and count
           **settings}
    if "REDIS_URL" not in settings:
        env.pop("REDIS_URL", None)
    return env


class Gunicorn:
    """ipdesk served by gunicorn with ``workers`` processes: ``start`` launches it, ``wait_until_serving`` waits for
    its /healthz (so several can start side by side), ``stop`` ends it."""

    def __init__(self, database_url: str, folder: Path, *, workers: int = 4, **settings):
        self.env = app_environment(database_url, folder, **settings)
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / f"gunicorn-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> "Gunicorn":
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}",
                 "-c", str(Path(__file__).with_name("gunicorn_ready.py")),
                 "--access-logfile", "-", "--access-logformat", "%(p)s %(r)s %(s)s", "wsgi:app"],
                env=self.env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT)
        return self

    def ready_workers(self) -> int:
        """How many workers have loaded the app so far (each logs it once: gunicorn_ready.py)."""
        return sum(READY in line for line in self.log_path.read_text(errors="replace").splitlines())

    def wait_until_serving(self, seconds: float = 60) -> None:
        """Until every worker has loaded the app and /healthz answers: on a loaded machine the first worker serves
        seconds before the last, and a test spreading requests over the workers would meet only the first."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if self.ready_workers() < self.workers:
                time.sleep(0.1)
                continue
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start within {seconds} s: " + self.log_path.read_text())

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown: the test has its answers already
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:  # a loaded machine: the workers are ended, not waited for
            self.process.kill()
            self.process.wait(timeout=15)


@contextmanager
def gunicorn(database_url: str, folder: Path, *, workers: int = 4, **settings):
    """Base URL of ipdesk served by gunicorn with ``workers`` processes on ``database_url``, and its log."""
    server = Gunicorn(database_url, folder, workers=workers, **settings).start()
    try:
        server.wait_until_serving()
        yield server.base, server.log_path
    finally:
        server.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Just enough of a browser: a cookie jar, forms posted as a browser would (files too), redirects not followed.

    ``address``: the client address a proxy in front would give (``X-Forwarded-For``; the app trusts it with
    ``TRUSTED_PROXY_COUNT=1``)."""

    def __init__(self, base: str, cookie_header: str | None = None, *, address: str | None = None,
                 jar: http.cookiejar.CookieJar | None = None):
        self.base = base
        self.jar = jar if jar is not None else http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.cookie_header = cookie_header
        self.address = address

    def via(self, base: str) -> "Browser":
        """The same browser (its cookies, its address) sending to another server: the next app node a proxy picks."""
        return Browser(base, self.cookie_header, address=self.address, jar=self.jar)

    def request(self, method: str, path: str, data: dict | None = None,
                files: dict[str, tuple[str, bytes]] | None = None) -> tuple[int, str]:
        status, body, _headers = self.fetch(method, path, data, files)
        return status, body.decode("utf-8", "replace")

    def fetch(self, method: str, path: str, data: dict | None = None,
              files: dict[str, tuple[str, bytes]] | None = None) -> tuple[int, bytes, dict[str, str]]:
        """The status, body and headers of the answer; ``files`` (field: (file name, content)) posts a multipart
        form, as a browser does a form with a file field."""
        headers = {}
        if files:
            body, headers["Content-Type"] = multipart(data or {}, files)
        else:
            body = urllib.parse.urlencode(data or {}, doseq=True).encode() if method == "POST" else None
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        if self.cookie_header:
            request.add_header("Cookie", self.cookie_header)
        if self.address:
            request.add_header("X-Forwarded-For", self.address)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)

    def sign_in(self, email: str, password: str) -> None:
        status, page = self.request("GET", "/login")
        status, _ = self.request("POST", "/login", {"email": email, "password": password,
                                                     "csrf_token": csrf_token(page)})
        assert status == 302, status

    def session_cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def multipart(fields: dict, files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body of ``fields`` and ``files``, and its Content-Type."""
    boundary = f"----ipdesk-test-{uuid.uuid4().hex}"
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def fire(base: str, cookie: str, start_at: float, requests: list[tuple[str, str, dict]]) -> list[int]:
    """In a client process: wait for the common start, then send ``requests`` at once from threads."""
    from concurrent.futures import ThreadPoolExecutor

    browser = Browser(base, cookie)
    time.sleep(max(0.0, start_at - time.time()))
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(lambda r: browser.request(*r)[0], requests))
