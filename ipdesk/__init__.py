"""ipdesk: case management for Korea's network of overseas IP centres."""
import logging
from urllib.parse import urlsplit

from flask import Flask, abort, flash, g, redirect, render_template, request, url_for
from flask.logging import default_handler
from flask.sessions import SecureCookieSessionInterface
from flask_babel import format_currency, format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.middleware.proxy_fix import ProxyFix

import ipdesk.auth.sessions  # noqa: F401  (registers the user loader)
from ipdesk.actions.views import bp as actions_bp
from ipdesk.admin.views import bp as admin_bp
from ipdesk.alerts.views import bp as alerts_bp
from ipdesk.audit.backup import AuditChain
from ipdesk.auth.twofactor import needs_enrolment
from ipdesk.auth.views import bp as auth_bp
from ipdesk.cases.models import OPEN_STAGES
from ipdesk.cases.views import bp as cases_bp
from ipdesk.cli import register_cli
from ipdesk.companies.views import bp as companies_bp
from ipdesk.config import PROJECT_ROOT, Config
from ipdesk.core.backup import register_part
from ipdesk.core.errors import StaleObjectError, is_busy
from ipdesk.core.fragments import KeptExtension
from ipdesk.core.i18n import (
    TEMPLATE_GETTEXT,
    country_name,
    date_text,
    datetime_in_zone,
    datetime_text,
    number_text,
    select_locale,
    select_timezone,
)
from ipdesk.core.pagination import page_url
from ipdesk.core.scripts import lang_runs
from ipdesk.core.text import fit
from ipdesk.core.transaction import discard_change, end_request
from ipdesk.core.urls import IdConverter, safe_next
from ipdesk.costs.views import bp as costs_bp
from ipdesk.deadlines.views import bp as deadlines_bp
from ipdesk.education.models import GuideAttachment
from ipdesk.education.session_views import bp as sessions_bp
from ipdesk.education.views import bp as education_bp
from ipdesk.enquiries.views import bp as enquiries_bp
from ipdesk.evidence.backup import EvidenceFiles
from ipdesk.evidence.services import register_stored_files
from ipdesk.evidence.storage import StorageUnavailable, init_storage
from ipdesk.evidence.uploads import discard_uncommitted_files, file_kind
from ipdesk.evidence.views import bp as evidence_bp
from ipdesk.extensions import (
    babel,
    bootstrap,
    csrf,
    db,
    limiter,
    login_manager,
    migrate,
)
from ipdesk.infringers.views import bp as infringers_bp
from ipdesk.main.views import bp as main_bp
from ipdesk.network.views import bp as network_bp
from ipdesk.notify.scheduler import init_scheduler
from ipdesk.notify.sender import init_sender
from ipdesk.notify.views import bp as notify_bp
from ipdesk.policy import account_gate, can
from ipdesk.reports.documents import bp as documents_bp
from ipdesk.reports.models import ReportJob
from ipdesk.reports.pdf import RenderTimeout
from ipdesk.reports.views import bp as reports_bp
from ipdesk.rights.models import CompanyRight
from ipdesk.rights.offices import office_name
from ipdesk.rights.views import bp as rights_bp
from ipdesk.search import kinds as _search_kinds  # noqa: F401  (registers the record kinds the index keeps)
from ipdesk.search.views import bp as search_bp


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS (or when forced)."""

    def get_cookie_secure(self, app):
        forced = app.config["SESSION_COOKIE_SECURE"]
        return forced if forced is not None else request.is_secure


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.from_object(Config())
    if overrides:
        app.config.update(overrides)
    app.session_interface = SessionInterface()
    if app.config["TRUSTED_PROXY_COUNT"]:
        n = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    init_storage(app)
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_backup_parts(app)
    register_stored_file_owners(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # set per request below, in the user's language
    login_manager.session_protection = None  # server-side sessions do this job
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals.update(TEMPLATE_GETTEXT)  # Flask-Babel's, with Korean particles chosen
    bootstrap.init_app(app)
    limiter.init_app(app)
    # Flask-Limiter says on a logger of its own, once, that Redis is unreachable and the counts are kept
    # in this process's memory meanwhile; with no logging set up, nothing would print it.
    if not logging.getLogger().handlers and default_handler not in limiter.logger.handlers:
        limiter.logger.addHandler(default_handler)

    init_sender(app)
    init_scheduler(app)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter  # before any route is added: every id is range-checked
    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(companies_bp)
    app.register_blueprint(network_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(evidence_bp)
    app.register_blueprint(deadlines_bp)
    app.register_blueprint(actions_bp)
    app.register_blueprint(costs_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(infringers_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(notify_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(enquiries_bp)
    app.register_blueprint(education_bp)
    app.register_blueprint(sessions_bp)
    app.register_blueprint(rights_bp)
    app.register_blueprint(alerts_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")


def register_backup_parts(app: Flask) -> None:
    """What each domain adds to `flask backup` beside the database, in manifest order."""
    register_part(app, EvidenceFiles())  # the stored files, copied with their hashes
    register_part(app, AuditChain())  # the last entry; after a restore, the whole chain is walked


def register_stored_file_owners(app: Flask) -> None:
    """What other domains keep in the evidence storage beside evidence files: `flask evidence verify --repair`
    removes a stored file only when none of these names it either."""
    register_stored_files(app, ReportJob.result_key)  # finished all-country packs
    register_stored_files(app, GuideAttachment.storage_key)  # files attached to country guides
    register_stored_files(app, CompanyRight.image_key)  # the pictures of marks in companies' registers


# Pages an exporter whose company is not approved may still reach.
GATE_EXEMPT = frozenset({"auth.logout", "auth.awaiting_approval", "main.set_language", "main.healthz",
                         "main.privacy", "static", "bootstrap.static"})
# What a user of a company awaiting approval may do meanwhile: keep their own account.
PENDING_ALLOWED = frozenset({"auth.account", "auth.password"})
# Pages a manager or admin without two-factor sign-in may reach: they must set it up first.
ENROLMENT_EXEMPT = GATE_EXEMPT | {"auth.two_factor"}


def _referrer_path() -> str | None:
    """The path of the page that sent this request, when it is a page of this site."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    return safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""))


ANSWER_HEADERS = frozenset({"content-type", "content-length", "content-disposition", "location"})


def busy_page():
    """The database stayed locked longer than a writer waits: nothing of the request was kept, and what the
    person sent comes back with the page, to send again (files must be chosen again)."""
    discard_change()
    g.write_intent = False  # the page only reads, and must not wait for the lock a second time
    g.database_busy = True  # nor may the session's bookkeeping (last seen) wait for it while the page renders
    kept = [(name, value) for name, value in request.form.items(multi=True)
            if name != "csrf_token" and "password" not in name] if request.method == "POST" else []
    html = render_template("errors/busy.html", code=503, title=_("Busy"), kept=kept,
                           typed=[value for _name, value in kept if any(c.isspace() for c in value.strip())],
                           files_lost=any(f.filename for f in request.files.values()),
                           again_url=request.full_path.rstrip("?"), method=request.method)
    return html, 503, {"Retry-After": "5", "Cache-Control": "no-store"}


def register_request_hooks(app: Flask) -> None:
    @login_manager.unauthorized_handler
    def unauthorized():
        if g.get("session_ended"):
            flash(_("Your session has ended. Please sign in again."), "warning")
        elif request.endpoint != "main.index":  # the start page needs no explanation
            flash(_("Please sign in to see this page."), "info")
        # A form posted after the session ended goes back, after sign-in, to the page it came from.
        target = request.full_path.rstrip("?") if request.method == "GET" else _referrer_path()
        return redirect(url_for("auth.login", next=target if target != "/" else None))

    @app.before_request
    def declare_write_intent():
        view = app.view_functions.get(request.endpoint)
        if getattr(view, "writes_on_get", False):
            g.write_intent = True
        elif getattr(view, "reads_first", False) or (
                getattr(view, "takes_files", False) and any(f.filename for f in request.files.values())):
            g.write_intent = False

    @app.before_request
    def refuse_nul_bytes():
        """No text a person types holds a NUL byte; PostgreSQL cannot store one."""
        for values in (request.args, request.form):
            if any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)):
                abort(400)

    @app.before_request
    def approval_gate():
        if request.endpoint is None or request.endpoint in GATE_EXEMPT:
            return None
        state = account_gate(current_user) if current_user.is_authenticated else None
        if state and not (state == "pending" and request.endpoint in PENDING_ALLOWED):
            if request.method == "GET":
                return redirect(url_for("auth.awaiting_approval"))
            abort(403)
        return None

    @app.before_request
    def two_factor_gate():
        if request.endpoint is None or request.endpoint in ENROLMENT_EXEMPT:
            return None
        if current_user.is_authenticated and needs_enrolment(current_user):
            if request.method == "GET":
                return redirect(url_for("auth.two_factor"))
            abort(403)
        return None

    @app.after_request
    def commit_and_secure(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        )
        if request.is_secure and app.config["HSTS_SECONDS"]:  # over plain HTTP the header means nothing
            response.headers.setdefault("Strict-Transport-Security", f"max-age={app.config['HSTS_SECONDS']}")
        user = g.get("_login_user")  # only if this request loaded one: /healthz must not query
        if user is not None and user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store")
        # The one commit point (ipdesk.core.transaction): a refused request commits nothing of its
        # change, and the files it stored are removed with it.
        try:
            end_request(response.status_code, after_rollback=discard_uncommitted_files)
        except OperationalError as error:
            if not is_busy(error):
                raise
            response = _busy_instead(response)
        g.pop("stored_files", None)
        return response

    def _busy_instead(response):
        """The commit waited for a lock too long (PostgreSQL: the audit chain's): nothing was kept; the busy page
        replaces the answer, with the headers set above."""
        busy = app.make_response(busy_page())
        busy.headers.extend((name, value) for name, value in response.headers
                            if name not in busy.headers and name.lower() not in ANSWER_HEADERS)
        end_request(busy.status_code, after_rollback=discard_uncommitted_files)
        return busy

    @app.teardown_request
    def forget_files_of_failed_requests(exc):
        if exc is not None:
            discard_uncommitted_files()


def register_error_handlers(app: Flask) -> None:
    def page(code: int, title: str, message: str, **extra):
        return render_template("errors/error.html", code=code, title=title, message=message, **extra), code

    @app.errorhandler(400)
    def bad_request(e):
        return page(400, _("Bad request"), _("The request could not be understood. Go back and try again."))

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return page(400, _("Form expired"),
                    _("The form was too old or came from elsewhere. Reload the page and submit it again."))

    @app.errorhandler(401)
    def unauthorized(e):
        return page(401, _("Sign-in required"), _("Please sign in to continue."))

    @app.errorhandler(403)
    def forbidden(e):
        return page(403, _("Not allowed"), _("You do not have permission to do this."))

    @app.errorhandler(404)
    def not_found(e):
        return page(404, _("Not found"), _("There is no such page, or it is not yours to see."))

    @app.errorhandler(405)
    def method_not_allowed(e):
        return page(405, _("Not allowed"), _("This page cannot be used that way."))

    @app.errorhandler(StaleDataError)  # a concurrent edit won the race between our read and write
    @app.errorhandler(StaleObjectError)
    def stale(e):
        discard_change()
        return page(409, _("Changed meanwhile"),
                    _("Someone else changed this while you were editing. Reload to see the current "
                      "version, then make your change again."),
                    reload_url=getattr(e, "reload_url", None) or _reload_url())

    def _reload_url() -> str:
        """The page the stale form came from (an action URL itself may only take POST)."""
        if request.method == "GET":
            return request.full_path.rstrip("?")
        return _referrer_path() or url_for("main.index")

    @app.errorhandler(413)
    def too_large(e):
        return page(413, _("Too large"), _("What you sent is larger than allowed."))

    @app.errorhandler(429)
    def too_many(e):
        return page(429, _("Too many attempts"),
                    _("Too many attempts in a short time. Wait a minute, then try again."))

    @app.errorhandler(OperationalError)
    def database_error(e):
        if not is_busy(e):
            raise e  # a real failure: the 500 below
        return busy_page()

    @app.errorhandler(StorageUnavailable)
    def storage_unavailable(e):
        app.logger.error("evidence storage unavailable: %s", e)
        discard_change()
        return page(503, _("Evidence store unavailable"),
                    _("The store that keeps evidence files cannot be reached just now, so nothing was read from it "
                      "or saved to it. Try again in a few minutes; if it goes on, tell the IP centre."))

    @app.errorhandler(RenderTimeout)
    def document_too_slow(e):
        discard_change()
        return page(503, _("The document took too long"),
                    _("Making this document took longer than allowed, so it was stopped. Try again in a "
                      "moment; if it happens again, tell the IP centre which document it was."))

    @app.errorhandler(500)
    def server_error(e):
        discard_change()
        return page(500, _("Something went wrong"),
                    _("An unexpected error occurred. It has been logged; please try again."))


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = datetime_text
    app.jinja_env.filters["datetime_in"] = datetime_in_zone  # in an event's own time zone
    app.jinja_env.filters["date"] = date_text
    app.jinja_env.filters["country"] = country_name
    app.jinja_env.filters["money"] = lambda amount, currency: format_currency(amount, currency)
    app.jinja_env.filters["number"] = number_text
    app.jinja_env.filters["fit"] = fit  # one line of about N half-ems, with an ellipsis when cut
    app.jinja_env.filters["lang_runs"] = lang_runs  # user text: its East Asian runs in spans with their lang
    app.jinja_env.filters["percent"] = lambda value: format_percent(value / 100, "#,##0.##%")
    app.jinja_env.filters["filekind"] = file_kind  # "JPEG 사진", not image/jpeg
    app.jinja_env.filters["filesize"] = lambda size: (
        f"{format_decimal(size / 1024 / 1024, '#,##0.0')} MB" if size >= 1024 * 1024
        else f"{format_decimal(size / 1024, '#,##0.0')} KB")
    app.jinja_env.globals["office_name"] = office_name
    app.jinja_env.globals["page_url"] = page_url  # a global, so imported macros see it
    app.jinja_env.add_extension(KeptExtension)  # {% kept key %}: a part rendered once per what it shows

    @app.context_processor
    def inject():
        return {
            "current_locale": str(get_locale()),
            "can": lambda action, obj=None: can(current_user, action, obj),
            "languages": app.config["LANGUAGES"],
            "open_stages": OPEN_STAGES,
            # counted when the session is looked up (reading current_user does that)
            "unread_notifications": g.get("unread_notifications", 0) if current_user.is_authenticated else 0,
        }
