"""The screenshot tour: every main page in Korean and English, on a desk (1280 px) and on a phone (390 px,
files named ``<lang>-phone-<page>.png``), as PNGs in screenshots/ (git ignores it).

It serves the app with gunicorn on a fresh database of demo data (some hundred cases), signs each kind
of user in through the form in Debian's chromium, and photographs the pages of tests/browser/tour.py;
a country summary PDF is turned into PNGs too. `make screenshots` runs it.
"""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORTS, sign_in  # noqa: E402
from tests.browser.tour import TOUR, resolve  # noqa: E402
from tests.reliability.server import free_port  # noqa: E402

OUT = ROOT / "screenshots"


def main() -> int:
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="ipdesk-tour-"))
    env = {**os.environ, "IPDESK_ENV": "test", "SECRET_KEY": "screenshot-tour", "FLASK_APP": "wsgi",
           "AUDIT_HMAC_KEY": "screenshot-tour",
           "DATABASE_URL": f"sqlite:///{folder / 'tour.sqlite3'}", "DEMO_PASSWORD": "browser-demo-password",
           "EVIDENCE_STORAGE_DIR": str(folder / "evidence"),
           "LOGIN_RATE_LIMIT": "1000 per minute", "LOGIN_ACCOUNT_RATE_LIMIT": "1000 per hour"}
    env.pop("REDIS_URL", None)
    flask = [sys.executable, "-m", "flask"]
    subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*flask, "seed-demo", "--cases", "400"], env=env, cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir()
    try:
        import time
        import urllib.request

        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for lang, viewport, who in ((lang, viewport, who) for lang in ("ko", "en") for viewport in VIEWPORTS
                                    for who in sorted({w for w, _p, _n in TOUR}, key=lambda w: w or "")):
                prefix = lang if viewport == "desktop" else f"{lang}-{viewport}"
                context = browser.new_context(locale=lang, extra_http_headers={"Accept-Language": lang},
                                              viewport=VIEWPORTS[viewport])
                page = context.new_page()
                if who:
                    sign_in(page, base, who, lang)
                for _who, path, name in (t for t in TOUR if t[0] == who):
                    page.goto(resolve(page, base, path))
                    page.screenshot(path=OUT / f"{prefix}-{name}.png", full_page=True)
                    print(f"{prefix}-{name}.png")
                if who == "manager@ipdesk.example" and viewport == "desktop":
                    response = page.request.get(f"{base}/reports/country-summary.pdf?country=CN"
                                                f"&start=2024-01-01&end=2026-12-31")
                    pdf = OUT / f"{lang}-country-summary.pdf"
                    pdf.write_bytes(response.body())
                    subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf), str(pdf.with_suffix(""))],
                                   check=True)
                    print(f"{lang}-country-summary-*.png")
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
    print(f"Screenshots are in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
