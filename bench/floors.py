"""Floor endpoints for the benchmark: the same rows as the real pages, as JSON from hand-written SQL.

They sit behind the same login, session, approval and two-factor checks as every page (the app's
before-request hooks and ``login_required``), and exist only in the benchmark's app
(:func:`bench.app.create_bench_app` with ``BENCH_FLOORS`` on). Each runs one query per table the
page shows, with the same filter, order and page as the page itself, and the visibility rule of a
manager (the benchmark's user) written out in SQL.
"""
import csv
import io
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, jsonify, request
from flask_login import current_user, login_required

from ipdesk.audit.chain import GENESIS, LOCK_KEY, entry_hash, personal_hash
from ipdesk.auth.models import Role
from ipdesk.cases.listing import COUNT_CAP
from ipdesk.core.db import UTCDateTime, utcnow
from ipdesk.enquiries.listing import COUNT_CAP as ENQUIRY_COUNT_CAP
from ipdesk.extensions import db
from ipdesk.policy import requires

bp = Blueprint("bench_floors", __name__, url_prefix="/bench/floor")

# The manager's visibility rule (ipdesk.policy.visible_cases_clause), written out.
VISIBLE = "(c.stage <> 'draft' OR c.filed_on_behalf)"
OPEN = "('intake', 'returned', 'evidence', 'consultation', 'action')"


def _rows(sql: str, **params) -> list[dict]:
    statement = sa.text(sql)
    for name, value in params.items():
        if isinstance(value, datetime):
            statement = statement.bindparams(sa.bindparam(name, type_=UTCDateTime))
    return [dict(row._mapping) for row in db.session.execute(statement, params)]


def _ids(rows: list[dict], key: str) -> list[int]:
    return sorted({row[key] for row in rows if row[key] is not None}) or [0]


def _in(ids: list[int]) -> str:
    return ",".join(str(int(i)) for i in ids)


def _manager_only() -> None:
    if current_user.role is not Role.manager:
        abort(403)  # the floors write out a manager's visibility rule only


def _case_filter() -> tuple[str, dict]:
    """The filters the benchmark uses (country, stage, date_from), as the case list applies them."""
    where, params = [VISIBLE], {}
    if request.args.get("country"):
        where.append("c.country_code = :country")
        params["country"] = request.args["country"]
    if request.args.get("stage"):
        where.append("c.stage = :stage")
        params["stage"] = request.args["stage"]
    if request.args.get("date_from"):
        where.append("c.submitted_at >= :date_from")
        params["date_from"] = datetime.combine(date.fromisoformat(request.args["date_from"]),
                                               datetime.min.time(), UTC)
    return " AND ".join(where), params


ORDER = "c.submitted_at DESC NULLS FIRST, c.id DESC"  # the list's default sort, "newest"


@bp.get("/cases")
@login_required
@requires("case.list")
def case_list():
    """The case list's rows: the count, one page of cases, and their companies, hubs and assignees."""
    _manager_only()
    where, params = _case_filter()
    per_page = current_app.config["ITEMS_PER_PAGE"]
    page = request.args.get("page", 1, type=int)
    if request.args.get("date_from"):  # the list counts at most COUNT_CAP + 1 cases the tallies do not count
        total = db.session.execute(sa.text(f"SELECT count(*) FROM (SELECT 1 FROM cases c WHERE {where} "
                                           f"LIMIT {COUNT_CAP + 1}) AS capped"), params).scalar_one()
    else:  # the tallies of the submitted cases, and the drafts beside them
        tallied = ["kind = 'cases'"] + [f"{column} = :{name}" for name, column in (("country", "country_code"),
                                                                                   ("stage", "key"))
                                         if request.args.get(name)]
        total = db.session.execute(sa.text(f"SELECT coalesce(sum(n), 0) FROM tallies WHERE {' AND '.join(tallied)}"),
                                   params).scalar_one()
        if request.args.get("stage") in (None, "", "draft"):
            total += db.session.execute(sa.text(f"SELECT count(*) FROM cases c WHERE {where} "
                                                f"AND c.submitted_at IS NULL"), params).scalar_one()
    cases = _rows(f"SELECT c.id, c.reference, c.title, c.company_id, c.country_code, c.hub_id, c.assignee_id, "
                  f"c.stage, c.urgency, c.submitted_at, c.updated_at FROM cases c WHERE {where} ORDER BY {ORDER} "
                  f"LIMIT {per_page} OFFSET {(page - 1) * per_page}", **params)
    companies = _rows(f"SELECT id, name_ko, name_en FROM companies WHERE id IN ({_in(_ids(cases, 'company_id'))})")
    hubs = _rows(f"SELECT id, code, name_ko, name_en FROM hubs WHERE id IN ({_in(_ids(cases, 'hub_id'))})")
    users = _rows(f"SELECT id, name FROM users WHERE id IN ({_in(_ids(cases, 'assignee_id'))})")
    return jsonify(total=total, cases=cases, companies=companies, hubs=hubs, users=users)


@bp.get("/cases/<int:case_id>")
@login_required
def case_page(case_id: int):
    """Everything the case page shows, one query per table."""
    _manager_only()
    case = _rows(f"SELECT c.* FROM cases c WHERE c.id = :id AND {VISIBLE}", id=case_id)
    if not case:
        abort(404)
    case = case[0]
    by_case = {"id": case_id}
    out = {
        "case": case,
        "company": _rows("SELECT * FROM companies WHERE id = :id", id=case["company_id"]),
        "hub": _rows("SELECT * FROM hubs WHERE id = :id", id=case["hub_id"]),
        "country": _rows("SELECT * FROM countries WHERE code = :code", code=case["country_code"]),
        "messages": _rows("SELECT * FROM messages WHERE case_id = :id ORDER BY created_at, id", **by_case),
        "stage_changes": _rows("SELECT * FROM stage_changes WHERE case_id = :id ORDER BY created_at, id", **by_case),
        "transfers": _rows("SELECT * FROM case_transfers WHERE case_id = :id ORDER BY created_at, id", **by_case),
        "evidence_items": _rows("SELECT * FROM evidence_items WHERE case_id = :id ORDER BY created_at, id",
                                **by_case),
        "evidence_files": _rows("SELECT * FROM evidence_files WHERE case_id = :id ORDER BY id", **by_case),
        "deadlines": _rows("SELECT * FROM deadlines WHERE case_id = :id ORDER BY is_done, due_on, id", **by_case),
        "consultations": _rows("SELECT * FROM consultations WHERE case_id = :id ORDER BY consulted_on, id",
                               **by_case),
        "actions": _rows("SELECT * FROM administrative_actions WHERE case_id = :id ORDER BY id", **by_case),
        "suits": _rows("SELECT * FROM litigations WHERE case_id = :id ORDER BY id", **by_case),
        "costs": _rows("SELECT * FROM costs WHERE case_id = :id ORDER BY incurred_on, id", **by_case),
        "infringers": _rows("SELECT i.* FROM infringers i JOIN case_infringers ci ON ci.infringer_id = i.id "
                            "WHERE ci.case_id = :id", **by_case),
    }
    # The tables the page shows through those rows: the rules of its deadlines, the suits' hearings, the
    # cost-share rule of the company's size, and the identifiers its infringer suggestions match on.
    out["deadline_rules"] = _rows(f"SELECT * FROM deadline_rules WHERE id IN "
                                  f"({_in(_ids(out['deadlines'], 'rule_id'))})")
    out["hearings"] = _rows(f"SELECT * FROM hearings WHERE litigation_id IN ({_in(_ids(out['suits'], 'id'))}) "
                            f"ORDER BY held_on, id")
    out["cost_share_rules"] = _rows("SELECT * FROM cost_share_rules WHERE company_size = :size AND is_active",
                                    size=out["company"][0]["size"])
    values = sorted({v.strip().lower() for v in (case["infringer_name"], case["infringer_shop_id"]) if v and v.strip()})
    out["infringer_identifiers"] = _rows(
        "SELECT * FROM infringer_identifiers WHERE value IN (" + ",".join(f":v{i}" for i in range(len(values)))
        + ")", **{f"v{i}": v for i, v in enumerate(values)}) if values else []
    people = {case["assignee_id"], case["created_by_id"]}
    for key, column in (("messages", "author_id"), ("stage_changes", "actor_id"), ("transfers", "actor_id"),
                        ("evidence_items", "created_by_id"), ("consultations", "created_by_id")):
        people |= {row[column] for row in out[key]}
    out["users"] = _rows(f"SELECT id, name, email, role FROM users WHERE id IN ({_in(sorted(people - {None}) or [0])})")
    return jsonify(out)


@bp.get("/dashboard")
@login_required
@requires("dashboard.view")
def dashboard():
    """The manager dashboard's numbers: the eight queries of ipdesk.reports.stats.network_overview (open, overdue
    and closed from the tallies, enquiries asked and those that became cases from the tallies, the hubs' names, new
    per month from the tallies, and returns and rejections from the tallies with refused companies by reason)."""
    _manager_only()
    today = date.today()
    year, month = today.year, today.month - 11
    if month < 1:
        year, month = year - 1, month + 12
    since = date(year, month, 1)

    def tally(kind: str, columns: str, where: str = "", **params) -> list[dict]:
        return _rows(f"SELECT {columns}, sum(n) AS n FROM tallies WHERE kind = '{kind}' {where} GROUP BY {columns} "
                     f"HAVING sum(n) <> 0", **params)

    out = {
        "open": tally("stage", "country_code, hub_id, key", f"AND key IN {OPEN}"),
        "overdue": tally("due", "country_code, hub_id", "AND day < :today", today=today),
        "closed": tally("closed", "country_code, hub_id, key", "AND day >= :since", since=since),
        "enquiries": tally("enquiries", "country_code, hub_id", "AND day >= :since", since=since),
        "converted": tally("enq_cases", "country_code, hub_id", "AND day >= :since", since=since),
        "hubs": _rows("SELECT id, code, name_ko, name_en FROM hubs"),
        "new_per_month": tally("cases", "day", "AND day >= :since", since=since),
        "refusals": _rows("SELECT r.code, r.label_ko, r.label_en, g.kind, g.n FROM (SELECT reason_id, key AS kind, "
                          "sum(n) AS n FROM tallies WHERE kind = 'refusals' AND day >= :since GROUP BY reason_id, key "
                          "UNION ALL SELECT reason_id, 'refuse', count(*) FROM company_refusals "
                          "WHERE refused_at >= :since_at GROUP BY reason_id) AS g "
                          "LEFT JOIN refusal_reasons r ON r.id = g.reason_id",
                          since=since, since_at=datetime.combine(since, datetime.min.time(), UTC)),
    }
    return jsonify(out)


@bp.get("/home")
@login_required
def home():
    """The manager's home page: open cases by country and stage, and the first open deadlines."""
    _manager_only()
    return jsonify(
        open=_rows(f"SELECT country_code, key, sum(n) AS n FROM tallies WHERE kind = 'cases' AND key IN {OPEN} "
                   f"GROUP BY country_code, key HAVING sum(n) <> 0"),
        deadlines=_rows(f"SELECT d.*, c.reference, c.title FROM deadlines d JOIN cases c ON c.id = d.case_id "
                        f"WHERE NOT d.is_done AND {VISIBLE} AND c.stage <> 'closed' ORDER BY d.due_on, d.id "
                        f"LIMIT 8"),
        pending=db.session.execute(sa.text("SELECT count(*) FROM companies WHERE status = 'pending'")).scalar_one(),
    )


@bp.get("/cases.csv")
@login_required
@requires("case.export")
def export_csv():
    """Python's csv writer over the rows of the export's query (with company, hub and assignee names)."""
    _manager_only()
    where, params = _case_filter()
    statement = sa.text(
        f"SELECT c.reference, c.title, co.name_ko, c.country_code, c.stage, c.sector, c.ip_right, c.dispute_type, "
        f"c.urgency, c.infringer_name, c.infringer_shop_id, c.damages_amount, c.damages_currency, c.submitted_at, "
        f"c.outcome, h.name_ko AS hub, u.name AS assignee FROM cases c JOIN companies co ON co.id = c.company_id "
        f"JOIN hubs h ON h.id = c.hub_id LEFT JOIN users u ON u.id = c.assignee_id WHERE {where} ORDER BY {ORDER}")
    if "date_from" in params:
        statement = statement.bindparams(sa.bindparam("date_from", type_=UTCDateTime))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(db.session.execute(statement, params))
    return Response(("\ufeff" + buffer.getvalue()).encode("utf-8"), mimetype="text/csv; charset=utf-8")


@bp.post("/intake")
@login_required
@requires("case.create")
def intake():
    """A submitted case by hand-written SQL: its reference, the case, its stage change and its audit entry."""
    _manager_only()
    form = request.form
    now = utcnow()
    code = form["country_code"]
    stamp = sa.bindparam("now", type_=UTCDateTime)
    hub_id = db.session.execute(sa.text("SELECT primary_hub_id FROM countries WHERE code = :code"),
                                {"code": code}).scalar_one()
    db.session.execute(sa.text("INSERT INTO case_sequences (country_code, year, last_value) VALUES (:code, :year, 0) "
                               "ON CONFLICT DO NOTHING"), {"code": code, "year": now.year})
    number = db.session.execute(sa.text("UPDATE case_sequences SET last_value = last_value + 1 WHERE country_code "
                                        "= :code AND year = :year RETURNING last_value"),
                                {"code": code, "year": now.year}).scalar_one()
    case_id = db.session.execute(sa.text(
        "INSERT INTO cases (reference, company_id, country_code, hub_id, created_by_id, filed_on_behalf, title, "
        "sector, ip_right, dispute_type, found_where, infringer_name, infringer_shop_id, infringer_urls, "
        "infringer_contacts, registration_numbers, urgency, description, first_noticed_on, stage, created_at, "
        "submitted_at, stage_changed_at, updated_at, version) VALUES (:reference, :company_id, :code, :hub_id, :user, "
        ":behalf, :title, :sector, :ip_right, :dispute_type, :found_where, '', '', '', '', '', :urgency, "
        ":description, :first_noticed_on, 'intake', :now, :now, :now, :now, 1) RETURNING id").bindparams(stamp),
        {"reference": f"{code}-{now.year}-{number:05d}", "company_id": int(form["company_id"]), "code": code,
         "hub_id": hub_id, "user": current_user.id, "behalf": True, "title": form["title"],
         "sector": form["sector"], "ip_right": form["ip_right"], "dispute_type": form["dispute_type"],
         "found_where": form["found_where"], "urgency": form["urgency"], "description": form["description"],
         "first_noticed_on": date.fromisoformat(form["first_noticed_on"]), "now": now}).scalar_one()
    db.session.execute(sa.text("INSERT INTO stage_changes (case_id, actor_id, from_stage, to_stage, transition, note, "
                               "created_at) VALUES (:case_id, :user, 'draft', 'intake', 'submit', '', :now)")
                       .bindparams(stamp), {"case_id": case_id, "user": current_user.id, "now": now})
    # The audit entry joins the hash chain, as every entry does (ipdesk.audit): the last hash, then this one.
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    prev_hash = db.session.execute(sa.text("SELECT entry_hash FROM audit_entries ORDER BY id DESC LIMIT 1")
                                   ).scalar() or GENESIS
    key = current_app.config["AUDIT_HMAC_KEY"]
    entry = {"created_at": now, "actor_id": current_user.id, "action": "case.submitted", "object_type": "cases",
             "object_id": str(case_id), "case_id": case_id, "data": {},
             "personal_hashes": {"ip": personal_hash(key, request.remote_addr)}}
    entry_id = db.session.execute(
        sa.text("INSERT INTO audit_entries (created_at, actor_id, action, object_type, object_id, case_id, data, "
                "personal_hashes, prev_hash, entry_hash) VALUES (:now, :user, 'case.submitted', 'cases', :object_id, "
                ":case_id, '{}', :hashes, :prev, :hash) RETURNING id")
        .bindparams(stamp, sa.bindparam("hashes", type_=sa.JSON)),
        {"now": now, "user": current_user.id, "object_id": str(case_id), "case_id": case_id,
         "hashes": entry["personal_hashes"], "prev": prev_hash,
         "hash": entry_hash(entry, prev_hash)}).scalar_one()
    db.session.execute(sa.text("INSERT INTO audit_personal_values (entry_id, name, value, user_id) "
                               "VALUES (:entry_id, 'ip', :ip, :user)"),
                       {"entry_id": entry_id, "ip": request.remote_addr, "user": current_user.id})
    db.session.commit()
    return jsonify(id=case_id), 201


@bp.get("/enquiries")
@login_required
@requires("enquiry.list")
def enquiry_list():
    """The enquiry list's rows: the capped count, one page of enquiries, and their companies, hubs, handlers and
    cases (a manager sees every enquiry: no visibility rule to write out)."""
    _manager_only()
    where, params = ["1 = 1"], {}
    if request.args.get("country"):
        where.append("e.country_code = :country")
        params["country"] = request.args["country"]
    where = " AND ".join(where)
    per_page = current_app.config["ITEMS_PER_PAGE"]
    page = request.args.get("page", 1, type=int)
    total = db.session.execute(sa.text(f"SELECT count(*) FROM (SELECT 1 FROM enquiries e WHERE {where} "
                                       f"LIMIT {ENQUIRY_COUNT_CAP + 1}) AS capped"), params).scalar_one()
    enquiries = _rows(f"SELECT e.id, e.country_code, e.hub_id, e.company_id, e.company_name, e.handled_by_id, "
                      f"e.case_id, e.channel, e.topic, e.status, e.question, e.created_at, e.follow_up_on, "
                      f"e.followed_up_at FROM enquiries e WHERE {where} ORDER BY e.created_at DESC, e.id DESC "
                      f"LIMIT {per_page} OFFSET {(page - 1) * per_page}", **params)
    companies = _rows(f"SELECT id, name_ko, name_en FROM companies WHERE id IN "
                      f"({_in(_ids(enquiries, 'company_id'))})")
    hubs = _rows(f"SELECT id, code, name_ko, name_en FROM hubs WHERE id IN ({_in(_ids(enquiries, 'hub_id'))})")
    users = _rows(f"SELECT id, name FROM users WHERE id IN ({_in(_ids(enquiries, 'handled_by_id'))})")
    cases = _rows(f"SELECT id, reference, stage FROM cases WHERE id IN ({_in(_ids(enquiries, 'case_id'))})")
    return jsonify(total=total, enquiries=enquiries, companies=companies, hubs=hubs, users=users, cases=cases)


def register_floors(app) -> None:
    """Add the floor endpoints when ``BENCH_FLOORS`` is on; otherwise the routes do not exist."""
    if app.config.get("BENCH_FLOORS"):
        app.register_blueprint(bp)

