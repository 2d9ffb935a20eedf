"""Settings from the environment; production refuses to start without a real secret key."""
import base64
import hashlib
import os
import secrets
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_PATH = PROJECT_ROOT / "instance"


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _dev_key(name: str) -> str:
    """A random key kept under instance/, so development sessions (and audit hashes) survive restarts."""
    INSTANCE_PATH.mkdir(exist_ok=True)
    key_file = INSTANCE_PATH / name
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


# Environments that may run without the production keys of two-factor secrets (see Config._totp_keys).
NON_PRODUCTION = frozenset({"development", "test", "bench"})
NEW_KEY_COMMAND = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


class Config:
    """Configuration read once from the environment when the app is created."""

    def _key(self, variable: str, dev_file: str) -> str:
        """A key from the environment; only development may make one of its own under instance/."""
        key = os.environ.get(variable)
        if not key:
            if self.ENV_NAME != "development":
                raise RuntimeError(f"{variable} is not set. Set it, or set IPDESK_ENV=development for a local key.")
            key = _dev_key(dev_file)
        return key

    def _totp_keys(self) -> tuple[str, ...]:
        """The keys two-factor secrets are encrypted with at rest (``TOTP_KEYS``: Fernet keys separated by
        commas, the newest first; the newest encrypts, all decrypt). Outside production without the
        variable, one key derived from ``SECRET_KEY``, so development and test servers need no extra setting."""
        keys = tuple(key.strip() for key in os.environ.get("TOTP_KEYS", "").split(",") if key.strip())
        if not keys:
            if self.ENV_NAME not in NON_PRODUCTION:
                raise RuntimeError(f"TOTP_KEYS is not set. Set it to a key made by `{NEW_KEY_COMMAND}`, "
                                   "or set IPDESK_ENV=development for a local key.")
            derived = hashlib.sha256(b"ipdesk-totp-key:" + self.SECRET_KEY.encode()).digest()
            return (base64.urlsafe_b64encode(derived).decode(),)
        for position, key in enumerate(keys, start=1):
            try:
                Fernet(key)
            except ValueError:
                raise RuntimeError(f"Key {position} of TOTP_KEYS is not a Fernet key (32 bytes in URL-safe base64, "
                                   f"as `{NEW_KEY_COMMAND}` makes).") from None
        return keys

    def __init__(self) -> None:
        self.ENV_NAME = os.environ.get("IPDESK_ENV", "production")
        self.SECRET_KEY = self._key("SECRET_KEY", "secret_key")
        # The key of the audit log's hashes of personal values (ipdesk.audit.chain.personal_hash).
        self.AUDIT_HMAC_KEY = self._key("AUDIT_HMAC_KEY", "audit_hmac_key")
        # The key of a backup manifest's HMAC, kept outside the backups: `flask backup` signs with it and
        # `flask restore` refuses a manifest it did not sign. Outside development, backups need it set.
        self.BACKUP_KEY = os.environ.get("IPDESK_BACKUP_KEY") or (
            _dev_key("backup_key") if self.ENV_NAME == "development" else None)

        self.SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or (
            f"sqlite:///{INSTANCE_PATH / 'ipdesk.sqlite3'}"
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.SQLITE_BUSY_TIMEOUT_MS = _int("SQLITE_BUSY_TIMEOUT_MS", 10_000)
        # PostgreSQL: how long a statement waits for a lock before the request is answered "busy, try again".
        self.POSTGRES_LOCK_TIMEOUT_MS = _int("POSTGRES_LOCK_TIMEOUT_MS", 10_000)

        # Sessions: the signed cookie carries only a session id that the server can revoke.
        self.SESSION_IDLE_MINUTES = _int("SESSION_IDLE_MINUTES", 30)
        # search: a viewer who sees at most this many cases is searched from their cases' entries, not from the
        # engine's terms (ipdesk.search.query.small_scope)
        self.SEARCH_SCOPE_CASES = _int("SEARCH_SCOPE_CASES", 2000)
        # "Remember me" keeps a session through idle periods for at most this many days.
        self.REMEMBER_DAYS = _int("REMEMBER_DAYS", 14)
        self.PERMANENT_SESSION_LIFETIME = timedelta(days=self.REMEMBER_DAYS)
        # Two-factor sign-in (an authenticator app) is required for these roles, optional for others.
        self.TOTP_REQUIRED_ROLES = os.environ.get("TOTP_REQUIRED_ROLES", "manager,admin")
        self.TOTP_ISSUER = os.environ.get("TOTP_ISSUER", "ipdesk")
        self.TOTP_KEYS = self._totp_keys()
        self.SESSION_COOKIE_NAME = "ipdesk_session"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # None: Secure exactly when the request came over HTTPS; true/false forces it.
        self.SESSION_COOKIE_SECURE = (
            _bool("SESSION_COOKIE_SECURE", False) if os.environ.get("SESSION_COOKIE_SECURE") else None
        )
        self.TRUSTED_PROXY_COUNT = _int("TRUSTED_PROXY_COUNT", 0)
        # Strict-Transport-Security on answers to HTTPS requests (the proxies above may say a request was one):
        # browsers then use HTTPS only, for this long; 0 sends no header.
        self.HSTS_SECONDS = _int("HSTS_SECONDS", 365 * 24 * 3600)

        # Rate limits: Redis when REDIS_URL is set, so all workers share the counts.
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        # Redis down must not turn sign-in and password reset into a 500: the counts go to this process's
        # memory meanwhile (Flask-Limiter logs the switch once, and switches back when Redis answers).
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_SWALLOW_ERRORS = True  # an error the fallback does not cover skips the limit, logged
        # a Redis that does not answer is given up on quickly rather than holding the request
        self.REDIS_TIMEOUT_SECONDS = _int("REDIS_TIMEOUT_SECONDS", 2)
        if self.REDIS_URL:
            self.RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": self.REDIS_TIMEOUT_SECONDS,
                                              "socket_timeout": self.REDIS_TIMEOUT_SECONDS}
        if os.environ.get("RATELIMIT_KEY_PREFIX"):  # to keep several deployments apart in one Redis
            self.RATELIMIT_KEY_PREFIX = os.environ["RATELIMIT_KEY_PREFIX"]
        self.RATELIMIT_HEADERS_ENABLED = True
        self.LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
        # Failed attempts on one account, from browsers it was never signed in on: slows a guesser without
        # keeping the owner out for long; a browser the account signed in on before is not held by it.
        self.LOGIN_ACCOUNT_RATE_LIMIT = os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "10 per 15 minutes")
        self.KNOWN_DEVICE_DAYS = _int("KNOWN_DEVICE_DAYS", 180)
        # Registrations and invitations send mail: each address and each sender gets only a few.
        self.REGISTRATION_RATE_LIMIT = os.environ.get("REGISTRATION_RATE_LIMIT", "10 per hour")
        self.REGISTRATION_ADDRESS_RATE_LIMIT = os.environ.get("REGISTRATION_ADDRESS_RATE_LIMIT", "3 per hour")
        self.REGISTRATION_CONFIRM_HOURS = _int("REGISTRATION_CONFIRM_HOURS", 24)
        self.ENQUIRY_RATE_LIMIT = os.environ.get("ENQUIRY_RATE_LIMIT", "10 per hour")
        self.ENQUIRY_ADDRESS_RATE_LIMIT = os.environ.get("ENQUIRY_ADDRESS_RATE_LIMIT", "3 per hour")
        self.ENQUIRY_CONFIRM_HOURS = _int("ENQUIRY_CONFIRM_HOURS", 48)
        self.INVITATION_RATE_LIMIT = os.environ.get("INVITATION_RATE_LIMIT", "30 per hour")
        self.INVITATION_ACCOUNT_RATE_LIMIT = os.environ.get("INVITATION_ACCOUNT_RATE_LIMIT", "10 per hour")

        self.LANGUAGES = ("ko", "en")
        self.BABEL_DEFAULT_LOCALE = "ko"
        self.BABEL_DEFAULT_TIMEZONE = os.environ.get("DEFAULT_TIMEZONE", "Asia/Seoul")
        self.BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")

        self.BOOTSTRAP_SERVE_LOCAL = True
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
        self.INVITATION_DAYS = _int("INVITATION_DAYS", 7)
        self.PRIVACY_POLICY_VERSION = os.environ.get("PRIVACY_POLICY_VERSION", "2026-01")
        self.ITEMS_PER_PAGE = _int("ITEMS_PER_PAGE", 25)

        # Documents made in the background (the all-country pack, kept in the evidence storage when made): how
        # many processes render country summaries side by side (one per core by default).
        self.REPORT_PROCESSES = _int("REPORT_PROCESSES", os.cpu_count() or 2)
        self.REPORT_QUEUE = os.environ.get("REPORT_QUEUE", "ipdesk-reports")
        # A pack's process writes a heartbeat this often; a job without one for REPORT_JOB_TIMEOUT_SECONDS
        # lost its process (killed, or the machine restarted) and is marked failed.
        self.REPORT_HEARTBEAT_SECONDS = _int("REPORT_HEARTBEAT_SECONDS", 15)
        self.REPORT_JOB_TIMEOUT_SECONDS = _int("REPORT_JOB_TIMEOUT_SECONDS", 120)
        # Seconds one document may take to make before it is given up with a page that says so: within the
        # 30 s a gunicorn worker is given to answer (the longest case file there can be, 51 pages, takes 10 s
        # or so on a quiet machine; a case file of a few pages, half a second).
        self.PDF_TIME_LIMIT = _int("PDF_TIME_LIMIT", 25)

        # Links in e-mails point here (the address people open the site at).
        self.BASE_URL = os.environ.get("BASE_URL") or f"http://127.0.0.1:{_int('PORT', 5000)}"
        # Mail: "smtp" delivers over SMTP; "console" prints each message; "folder" writes .eml files.
        self.MAIL_BACKEND = os.environ.get("MAIL_BACKEND") or ("smtp" if self.ENV_NAME == "production" else "console")
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
        self.MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
        self.MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
        self.MAIL_PORT = _int("MAIL_PORT", 465 if self.MAIL_USE_SSL else 587 if self.MAIL_USE_TLS else 25)
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
        self.MAIL_FROM = os.environ.get("MAIL_FROM", "ipdesk <no-reply@localhost>")
        self.MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 30)
        self.MAIL_FOLDER = os.environ.get("MAIL_FOLDER") or str(INSTANCE_PATH / "mail")
        # The outbox sender: "rq" (a job per change, for `flask notify worker`), "thread" (a thread of the
        # web process), or "cron" (only `flask notify send`). Retries back off exponentially.
        self.NOTIFY_SENDER = os.environ.get("NOTIFY_SENDER") or ("rq" if self.REDIS_URL else "thread")
        self.NOTIFY_QUEUE = os.environ.get("NOTIFY_QUEUE", "ipdesk-notify")
        self.NOTIFY_POLL_SECONDS = _int("NOTIFY_POLL_SECONDS", 60)
        self.NOTIFY_MAX_ATTEMPTS = _int("NOTIFY_MAX_ATTEMPTS", 12)
        self.NOTIFY_RETRY_BASE_SECONDS = _int("NOTIFY_RETRY_BASE_SECONDS", 60)
        self.NOTIFY_RETRY_MAX_SECONDS = _int("NOTIFY_RETRY_MAX_SECONDS", 6 * 3600)
        self.NOTIFY_CLAIM_TIMEOUT_SECONDS = _int("NOTIFY_CLAIM_TIMEOUT_SECONDS", 600)
        # Deadline reminders and daily digests are added every this many minutes by a scheduler of the web
        # processes and of `flask notify worker` (once across them); 0 leaves it to cron (`flask notify due`).
        self.NOTIFY_DUE_MINUTES = _int("NOTIFY_DUE_MINUTES", 5)
        self.NOTIFY_REMINDER_DAYS = tuple(sorted(
            {int(d) for d in os.environ.get("NOTIFY_REMINDER_DAYS", "7,1").split(",") if d.strip()}))
        self.NOTIFY_OVERDUE_DAYS = _int("NOTIFY_OVERDUE_DAYS", 7)
        self.PASSWORD_RESET_MINUTES = _int("PASSWORD_RESET_MINUTES", 60)
        self.PASSWORD_RESET_RATE_LIMIT = os.environ.get("PASSWORD_RESET_RATE_LIMIT", "5 per hour")
        self.PASSWORD_RESET_ACCOUNT_RATE_LIMIT = os.environ.get("PASSWORD_RESET_ACCOUNT_RATE_LIMIT", "3 per hour")

        # Evidence files: stored outside static/, limits by type (MB), and a pixel cap for images.
        # Where: "filesystem" (a folder, EVIDENCE_STORAGE_DIR) or "s3" (S3-compatible object storage: AWS S3, MinIO,
        # Ceph, SeaweedFS), which every app node of a deployment on several machines shares.
        self.EVIDENCE_STORAGE = (os.environ.get("EVIDENCE_STORAGE") or "filesystem").strip().lower()
        self.EVIDENCE_STORAGE_DIR = os.environ.get("EVIDENCE_STORAGE_DIR") or str(INSTANCE_PATH / "evidence")
        # S3: the endpoint (e.g. https://s3.ap-northeast-2.amazonaws.com or http://10.0.0.5:8333), the bucket (made
        # beforehand), an account that may read, write, list and delete in it, and optionally a folder (key prefix)
        # in it. Files above S3_PART_SIZE_MB (at least 5) go up in parts of that size.
        self.S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL") or None
        self.S3_BUCKET = os.environ.get("S3_BUCKET") or None
        self.S3_REGION = os.environ.get("S3_REGION") or "us-east-1"
        self.S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID") or None
        self.S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY") or None
        self.S3_PREFIX = os.environ.get("S3_PREFIX", "")
        self.S3_PART_SIZE_MB = _int("S3_PART_SIZE_MB", 8)
        self.EVIDENCE_MAX_MB_DOCUMENT = _int("EVIDENCE_MAX_MB_DOCUMENT", 25)  # documents and images
        self.EVIDENCE_MAX_MB_AUDIO = _int("EVIDENCE_MAX_MB_AUDIO", 100)
        self.EVIDENCE_MAX_MB_VIDEO = _int("EVIDENCE_MAX_MB_VIDEO", 500)
        self.EVIDENCE_MAX_PIXELS = _int("EVIDENCE_MAX_PIXELS", 50_000_000)
        self.EVIDENCE_STAGED_HOURS = _int("EVIDENCE_STAGED_HOURS", 24)
        # Werkzeug spools uploads to temporary files and refuses bodies beyond this with 413.
        largest = max(self.EVIDENCE_MAX_MB_DOCUMENT, self.EVIDENCE_MAX_MB_AUDIO, self.EVIDENCE_MAX_MB_VIDEO)
        self.MAX_CONTENT_LENGTH = (largest + 2) * 1024 * 1024
