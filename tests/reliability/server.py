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
from contextlib import contextmanager
from pathlib import Path

from ipdesk.config import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, folder: Path, *, workers: int = 4, **settings):
    """Base URL of ipdesk served by gunicorn with ``workers`` processes on ``database_url``."""
    env = {**os.environ, "IPDESK_ENV": "test", "SECRET_KEY": "reliability-secret", "DATABASE_URL": database_url,
           "LOGIN_RATE_LIMIT": "1000 per minute", "LOGIN_ACCOUNT_RATE_LIMIT": "1000 per hour",
           "TOTP_REQUIRED_ROLES": "", "EVIDENCE_STORAGE_DIR": str(folder / "evidence"),
           "NOTIFY_DUE_MINUTES": "0",  # no reminders written beside the requests these tests time and count
           **settings}
    if "REDIS_URL" not in settings:
        env.pop("REDIS_URL", None)
    port = free_port()
    log_path = folder / f"gunicorn-{port}.log"
    log = open(log_path, "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--access-logfile", "-", "--access-logformat", "%(p)s %(r)s %(s)s", "wsgi:app"],
        env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start: " + log_path.read_text())
        yield base, log_path
    finally:
        server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown: the test has its answers already
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:  # a loaded machine: the workers are ended, not waited for
            server.kill()
            server.wait(timeout=15)
        log.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Just enough of a browser: a cookie jar, forms posted as a browser would, redirects not followed."""

    def __init__(self, base: str, cookie_header: str | None = None):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.cookie_header = cookie_header

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data or {}, doseq=True).encode() if method == "POST" else None
        request = urllib.request.Request(self.base + path, data=body, method=method)
        if self.cookie_header:
            request.add_header("Cookie", self.cookie_header)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def sign_in(self, email: str, password: str) -> None:
        status, page = self.request("GET", "/login")
        status, _ = self.request("POST", "/login", {"email": email, "password": password,
                                                     "csrf_token": csrf_token(page)})
        assert status == 302, status

    def session_cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def fire(base: str, cookie: str, start_at: float, requests: list[tuple[str, str, dict]]) -> list[int]:
    """In a client process: wait for the common start, then send ``requests`` at once from threads."""
    from concurrent.futures import ThreadPoolExecutor

    browser = Browser(base, cookie)
    time.sleep(max(0.0, start_at - time.time()))
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(lambda r: browser.request(*r)[0], requests))
