"""Home, language switching, the privacy policy and /healthz."""
import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from ipdesk.alerts.forms import RequestForm
from ipdesk.alerts.services import alert_state, incoming_alerts
from ipdesk.auth.models import Role, User
from ipdesk.cases.models import OPEN_STAGES, Case, Stage
from ipdesk.companies.models import Company, CompanyStatus
from ipdesk.core.i18n import local_today
from ipdesk.core.urls import safe_next
from ipdesk.deadlines.views import open_deadlines_query
from ipdesk.extensions import csrf, db
from ipdesk.network.models import Hub
from ipdesk.policy import hub_ids, visible_cases_clause, visible_tallies_clause
from ipdesk.reports.models import Tally
from ipdesk.reports.tallies import tally

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def index():
    context = {}
    if current_user.role is Role.exporter:
        context["company"] = current_user.company
    elif current_user.role is Role.staff:
        context["hubs"] = db.session.scalars(
            sa.select(Hub).where(Hub.id.in_(hub_ids(current_user))).order_by(Hub.code)
            .options(selectinload(Hub.primary_countries), selectinload(Hub.secondary_countries))
        ).all()
    if current_user.is_staff_side:
        context["pending_companies"] = db.session.scalar(
            sa.select(sa.func.count()).where(Company.status == CompanyStatus.pending)
        )
    if current_user.role is not Role.admin:
        context["deadlines"] = db.session.scalars(open_deadlines_query(current_user).limit(8)).all()
        context["today"] = local_today()
    if current_user.role is Role.exporter:
        context["my_cases"] = _recent_cases(sa.case((Case.stage == Stage.returned, 0), else_=1))
        context["alerts"] = incoming_alerts(current_user, context["today"])
        context["alert_state"], context["request_form"] = alert_state, RequestForm()
    elif current_user.role is Role.staff:
        # the queue: new cases waiting for triage first, then the oldest untouched
        context["queue"] = _recent_cases(sa.case((Case.stage == Stage.intake, 0), (Case.stage == Stage.returned, 2),
                                                 else_=1), open_only=True)
    elif current_user.role is Role.manager:
        context["network_counts"] = _open_cases_by_country_and_stage()
    return render_template("main/index.html", **context)


def _recent_cases(priority, open_only: bool = False, limit: int = 15):
    stmt = sa.select(Case).where(visible_cases_clause(current_user))
    if open_only:
        stmt = stmt.where(Case.stage.in_(OPEN_STAGES))
    stmt = stmt.order_by(priority, Case.stage_changed_at.asc() if open_only else Case.updated_at.desc(), Case.id)
    return db.session.scalars(stmt.limit(limit).options(selectinload(Case.hub), selectinload(Case.assignee))).all()


def _open_cases_by_country_and_stage():
    """{country: {stage: count}} for open cases (read from the tallies), with the countries that have most first."""
    open_stages = {stage.name: stage for stage in OPEN_STAGES}
    table: dict[str, dict] = {}
    for code, stage, n in db.session.execute(
            tally("stage", Tally.country_code, Tally.key,
                  where=(visible_tallies_clause(current_user), Tally.key.in_(open_stages)))):
        table.setdefault(code, {})[open_stages[stage]] = n
    return sorted(table.items(), key=lambda item: -sum(item[1].values()))


@bp.post("/language")
def set_language():
    """Remember the chosen language for this session and, when signed in, for the account."""
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:  # a preference, not an edit: the row's version stays
            db.session.execute(sa.update(User).where(User.id == current_user.id).values(locale=lang))
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))


@bp.get("/privacy")
def privacy():
    return render_template("main/privacy.html", version=current_app.config["PRIVACY_POLICY_VERSION"])


@bp.get("/healthz")
@csrf.exempt
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # any failure to reach the database is a 503, never a 500
        current_app.logger.warning("health check: database unreachable: %s", exc)
        database = "unreachable"
    status = 200 if database == "ok" else 503
    return jsonify(status="ok" if status == 200 else "unavailable", database=database,
                   database_backend=db.engine.dialect.name), status

