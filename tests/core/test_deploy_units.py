"""The deployment files against the app: systemd units that systemd accepts, `flask` commands that exist, a proxy
whose headers and limits fit the app's, and a guide (docs/deploy.md) that names every setting the app reads."""
import ast
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from flask import request

from ipdesk.config import PROJECT_ROOT, Config
from tests.conftest import make_app

pytestmark = pytest.mark.db_independent

DEPLOY = PROJECT_ROOT / "deploy"
UNIT_FILES = sorted((DEPLOY / "systemd").glob("ipdesk-*"))
NGINX = DEPLOY / "nginx" / "ipdesk.conf"
ENV_EXAMPLES = sorted((DEPLOY / "env").glob("*.env.example"))
GUIDE = PROJECT_ROOT / "docs" / "deploy.md"
# Where the units expect the checkout and its virtual environment; rendered into this checkout and the
# environment running the tests, so that systemd finds the programs they start.
PREFIX, VENV = "/opt/ipdesk", "/opt/ipdesk/.venv"
SETTING = re.compile(r"[A-Z][A-Z0-9_]*")
SYSTEMD_ANALYZE = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"


def render(folder: Path, files=UNIT_FILES, change: tuple[str, str] | None = None) -> list[Path]:
    """The units as installed from this checkout: copies in ``folder``, optionally with one text replaced."""
    folder.mkdir(exist_ok=True)
    rendered = []
    for unit in files:
        text = unit.read_text().replace(VENV, sys.prefix).replace(PREFIX, str(PROJECT_ROOT))
        if change and change[0] in text:
            text = text.replace(*change)
        (folder / unit.name).write_text(text)
        rendered.append(folder / unit.name)
    return rendered


def verify(units: list[Path]) -> list[str]:
    """What ``systemd-analyze verify`` says about ``units``. It exits 0 after some mistakes (an unknown directive,
    a value it cannot parse: it warns and ignores the line), so anything it prints counts as a problem."""
    if not Path(SYSTEMD_ANALYZE).exists():
        pytest.fail("systemd-analyze is missing: install Debian's systemd package (scripts/install-system-deps.sh "
                    "--browser does)")
    done = subprocess.run([SYSTEMD_ANALYZE, "verify", "--man=no", "--generators=no", *map(str, units)],
                          capture_output=True, text=True, timeout=60)
    problems = (done.stdout + done.stderr).splitlines()
    if done.returncode:
        problems.append(f"systemd-analyze exited with {done.returncode}")
    return problems


def test_every_unit_passes_systemd_analyze(tmp_path):
    assert {unit.name for unit in UNIT_FILES} >= {
        "ipdesk-web.service", "ipdesk-reports-worker.service", "ipdesk-notify-worker.service",
        "ipdesk-migrate.service", "ipdesk-backup.service", "ipdesk-backup.timer"}
    assert verify(render(tmp_path / "units")) == []


@pytest.mark.parametrize("mistake", [
    ("NoNewPrivileges=yes", "NoNewPrivilege=yes"),  # a misspelt directive
    ("KillMode=mixed", "KillMode=mixd"),  # a value systemd cannot parse
    ("OnCalendar=*-*-* 02:30:00", "OnCalendar=*-*-* 25:30:00"),  # a time that does not exist
    ("/.venv/bin/flask reports worker", "/.venv/bin/flsk reports worker"),  # a program that is not there
], ids=["directive", "value", "calendar", "program"])
def test_the_check_finds_a_mistake(tmp_path, mistake):
    assert verify(render(tmp_path / "units", change=mistake)) != []


def test_each_timer_starts_a_unit_that_exists():
    """systemd-analyze accepts a timer whose service is missing; a timer with nothing to start does nothing."""
    names = {unit.name for unit in UNIT_FILES}
    timers = [unit for unit in UNIT_FILES if unit.suffix == ".timer"]
    assert timers
    for timer in timers:
        assert f"{timer.stem}.service" in names, timer.name


def _directives(unit: Path) -> list[tuple[str, str]]:
    """(key, value) of each line of a unit, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", unit.read_text())
    return [tuple(part.strip() for part in line.split("=", 1)) for line in text.splitlines()
            if "=" in line and not line.lstrip().startswith(("#", ";"))]


SERVICES = [unit for unit in UNIT_FILES if unit.suffix == ".service"]


@pytest.mark.parametrize("unit", SERVICES, ids=lambda unit: unit.name)
def test_each_service_runs_hardened_as_ipdesk(unit):
    directives = set(_directives(unit))
    assert directives >= {("User", "ipdesk"), ("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                          ("PrivateTmp", "yes"), ("ProtectHome", "yes"), ("CapabilityBoundingSet", "")}
    assert ("ReadWritePaths", "/var/lib/ipdesk") in directives or any(
        key == "ReadWritePaths" and "/var/lib/ipdesk" in value.split() for key, value in directives)


def _flask_calls(unit: Path) -> list[list[str]]:
    """The arguments of each `flask` command an Exec line of ``unit`` runs (through `sh -c` too)."""
    calls = []
    for key, value in _directives(unit):
        if not key.startswith("Exec"):
            continue
        argv = shlex.split(value.replace("$$", "$").replace("%%", "%"))
        if argv[0].endswith("/sh") and argv[1] == "-c":
            argv = shlex.split(argv[2])
        while argv and argv[0] == "exec":
            argv = argv[1:]
        if argv and argv[0] == f"{VENV}/bin/flask":
            calls.append(argv[1:])
    return calls


def check_command(app, args: list[str]) -> None:
    """Resolve ``args`` through the app's command line as `flask` would and parse its options; raises
    click.UsageError for a command or an option that does not exist, or a value it refuses."""
    command, ctx = app.cli, click.Context(app.cli, info_name="flask")
    while isinstance(command, click.Group):
        if not args:
            raise click.UsageError(f"{ctx.command_path} needs a command")
        name, *args = args
        found = command.get_command(ctx, name)
        if found is None:
            raise click.UsageError(f"no command {name!r} in {ctx.command_path}")
        command, ctx = found, click.Context(found, info_name=name, parent=ctx)
    command.parse_args(ctx, list(args))


@pytest.fixture
def app(tmp_path):
    return make_app(f"sqlite:///{tmp_path / 'cli.sqlite3'}")


def test_every_flask_command_the_units_run_exists(app):
    calls = {unit.name: _flask_calls(unit) for unit in UNIT_FILES}
    assert ["reports", "worker"] in calls["ipdesk-reports-worker.service"]
    assert ["notify", "worker"] in calls["ipdesk-notify-worker.service"]
    assert ["db", "upgrade"] in calls["ipdesk-migrate.service"]
    assert calls["ipdesk-backup.service"][0][:2] == ["backup", "--out"]
    for unit, commands in calls.items():
        for args in commands:
            try:
                check_command(app, args)
            except click.UsageError as error:
                pytest.fail(f"{unit}: flask {shlex.join(args)}: {error.format_message()}")


@pytest.mark.parametrize("args", [["reports", "wroker"], ["evidence", "verify", "--repiar"], ["backup"],
                                  ["evidence", "verify", "--older-than", "0"]])
def test_the_command_check_refuses_what_flask_would(app, args):
    with pytest.raises(click.UsageError):
        check_command(app, args)


# --- the guide names every setting ------------------------------------------------------------------------


def _dotted(node) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _name(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) and SETTING.fullmatch(
        node.value) else None


ENVIRON_GETS = {"os.environ.get", "os.getenv", "environ.get", "getenv"}


def _readers(tree) -> set[str]:
    """Functions that read the environment variable named by one of their parameters (``_int(name, default)``)."""
    found = set()
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            parameters = {arg.arg for arg in function.args.args}
            if any(isinstance(node, ast.Call) and _dotted(node.func) in ENVIRON_GETS and node.args
                   and isinstance(node.args[0], ast.Name) and node.args[0].id in parameters
                   for node in ast.walk(function)):
                found.add(function.name)
    return found


def environment_reads() -> set[str]:
    """Every environment variable the app reads by name: os.environ.get / [] / os.getenv, the config's helpers
    around them, and click options' ``envvar``."""
    names = set()
    for path in sorted((PROJECT_ROOT / "ipdesk").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        readers = _readers(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                callee = _dotted(node.func)
                if (callee in ENVIRON_GETS or callee.rsplit(".", 1)[-1] in readers) and node.args:
                    names.add(_name(node.args[0]))
                names.update(_name(keyword.value) for keyword in node.keywords if keyword.arg == "envvar")
            elif (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load)
                  and _dotted(node.value) in ("os.environ", "environ")):
                names.add(_name(node.slice))
    return names - {None}


def documented() -> set[str]:
    """The names in the first column of the guide's tables of settings and variables."""
    names, columns = set(), None
    for line in GUIDE.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            columns = None
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if columns is None:
            columns = cells
        elif columns[0] in ("setting", "variable") and not set(cells[0]) <= set("-: "):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0]))
    return names


def test_the_scan_finds_the_settings_it_should():
    """So that a scan that found nothing cannot pass the test below."""
    assert environment_reads() >= {"IPDESK_ENV", "SECRET_KEY", "AUDIT_HMAC_KEY", "TOTP_KEYS", "IPDESK_BACKUP_KEY",
                                   "MAIL_PORT", "PORT", "RATELIMIT_KEY_PREFIX", "DEMO_PASSWORD", "DEMO_TOTP_SECRET"}


def test_the_guide_names_every_setting_the_app_reads():
    missing = environment_reads() - documented()
    assert not missing, f"docs/deploy.md does not name these settings in a table: {sorted(missing)}"


def _env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and not line.startswith("#"))
    return {key.strip(): value.strip().strip('"') for key, value in pairs}


def test_the_example_files_and_the_units_use_only_documented_variables():
    names = documented()
    for example in ENV_EXAMPLES:
        assert set(_env_file(example)) <= names, example.name
    for unit in UNIT_FILES:
        directives = _directives(unit)
        defined = {pair.split("=", 1)[0] for key, value in directives if key == "Environment" for pair in value.split()}
        used = {name for key, value in directives if key.startswith("Exec")
                for name in re.findall(r"(?<!\$)\$\{?([A-Za-z_][A-Za-z0-9_]*)", value)} - {"MAINPID"}
        assert used <= defined | names, unit.name
        assert {"FLASK_APP", "FLASK_SKIP_DOTENV"} <= defined or unit.suffix == ".timer", unit.name


# --- the proxy and the app agree ----------------------------------------------------------------------------


def _nginx(directive: str) -> list[str]:
    text = "\n".join(line.split("#", 1)[0] for line in NGINX.read_text().splitlines())
    return [value.strip() for value in re.findall(rf"^\s*{directive}\s+([^;]+);", text, re.M)]


def _gunicorn_timeout() -> int:
    start = dict(_directives(DEPLOY / "systemd" / "ipdesk-web.service"))["ExecStart"]
    return int(re.search(r"--timeout (\d+)", start).group(1))


def test_the_proxy_takes_the_largest_upload_the_app_does():
    (size,) = _nginx("client_max_body_size")
    assert size == f"{Config().MAX_CONTENT_LENGTH // (1024 * 1024)}m"


def test_the_proxy_waits_longer_than_gunicorn_and_gunicorn_than_a_pdf():
    (read_timeout,) = _nginx("proxy_read_timeout")
    assert int(read_timeout.rstrip("s")) > _gunicorn_timeout() > Config().PDF_TIME_LIMIT


def test_behind_the_proxy_the_app_sees_https_and_sends_hsts_itself(tmp_path):
    """The headers the proxy sets, read by the app as the example environment configures it: a request that came
    over HTTPS gets the app's HSTS header; the proxy adds none of its own."""
    assert not [value for value in _nginx("add_header") if "strict-transport-security" in value.lower()]
    proxy_count = int(_env_file(DEPLOY / "env" / "ipdesk.env.example")["TRUSTED_PROXY_COUNT"])
    app = make_app(f"sqlite:///{tmp_path / 'proxy.sqlite3'}", TRUSTED_PROXY_COUNT=proxy_count, SERVER_NAME=None)
    values = {"$remote_addr": "203.0.113.7", "$scheme": "https", "$host": "ipdesk.example.org"}
    headers = {}
    for setting in _nginx("proxy_set_header"):
        name, value = setting.split(None, 1)
        headers[name] = values.get(value, value)
    assert {"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"} <= set(headers)

    @app.get("/test-client")
    def client_seen():
        return {"address": request.remote_addr, "secure": request.is_secure, "host": request.host}

    client = app.test_client()
    seen = client.get("/test-client", headers=headers)
    assert seen.json == {"address": "203.0.113.7", "secure": True, "host": "ipdesk.example.org"}
    assert seen.headers["Strict-Transport-Security"] == f"max-age={app.config['HSTS_SECONDS']}"
    assert "Strict-Transport-Security" not in client.get("/test-client").headers  # plain HTTP: no header
