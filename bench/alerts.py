"""The alert import's bench line: a watch service's file of 5,000 alerts uploaded, previewed and confirmed through
the app, beside a floor that writes the same rows (the draft cases, their deadlines, the alerts, the applicants'
infringer records and their links) with hand-written SQL, in one transaction, and nothing else."""
import csv
import io
import re
import uuid
from datetime import UTC, datetime, timedelta

ALERT_ROWS = 5_000
# the offices the rows cycle through: the countries most squatting against Korean firms happens in, and the EU
OFFICES = (("CN", ""), ("VN", ""), ("TH", ""), ("ID", ""), ("JP", ""), ("US", ""), ("MY", ""), ("PH", ""),
           ("EU", "DE"))
APPLICANTS = 700  # distinct applicants among the rows: a squatter files many


def alert_rows(numbers: list[str], count: int, today) -> list[dict]:
    """``count`` alerts against the companies of ``numbers`` (business registration numbers), their application
    numbers new to the database (a fresh tag per call), published in the last 25 days (every window still open)."""
    tag = uuid.uuid4().hex[:8].upper()
    rows = []
    for i in range(count):
        office, country = OFFICES[i % len(OFFICES)]
        rows.append({"office": office, "country": country, "application_number": f"{tag}-{i:05d}",
                     "mark": f"BENCH MARK {i % 900}", "applicant": f"Bench Applicant {i % APPLICANTS}",
                     "classes": "3, 35", "filing_date": (today - timedelta(days=200)).isoformat(),
                     "publication_date": (today - timedelta(days=i % 25)).isoformat(),
                     "company_number": numbers[i % len(numbers)], "company_name": "", "source": "bench watch"})
    return rows


def csv_file(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def import_through_app(client, data: bytes) -> int:
    """Upload, preview (its first page) and confirm, as staff do; the import's id."""
    page = client.get("/alerts/import").get_data(as_text=True)
    response = client.post("/alerts/import", data={"csrf_token": _csrf(page), "file": (io.BytesIO(data), "a.csv")},
                           content_type="multipart/form-data")
    if response.status_code != 302:
        raise RuntimeError(f"upload: {response.status_code} {response.get_data(as_text=True)[:300]}")
    preview = client.get(response.headers["Location"])
    if preview.status_code != 200:
        raise RuntimeError(f"preview: {preview.status_code}")
    confirmed = client.post(response.headers["Location"] + "/confirm",
                            data={"csrf_token": _csrf(preview.get_data(as_text=True))})
    if confirmed.status_code != 302:
        raise RuntimeError(f"confirm: {confirmed.status_code} {confirmed.get_data(as_text=True)[:300]}")
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def outbox_drained(app, timeout: float = 120.0) -> None:
    """Wait until the app's sender has mailed what the last import told the companies: its thread works after the
    response, and on SQLite its commits would otherwise fall into the next timed step (the app's or the floor's)."""
    import time

    import sqlalchemy as sa

    from ipdesk.extensions import db
    from ipdesk.notify.models import EmailStatus, Notification

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            waiting = db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
                Notification.email_status.in_((EmailStatus.pending, EmailStatus.sending))))
        if not waiting:
            return
        time.sleep(0.2)
    raise RuntimeError(f"{waiting} notifications still unsent after {timeout:.0f} s")


def made_by(db, import_id: int) -> int:
    """How many alerts an import made."""
    import sqlalchemy as sa

    from ipdesk.alerts.models import SquattingAlert

    return db.session.scalar(sa.select(sa.func.count()).where(SquattingAlert.import_id == import_id))


def floor_insert(engine, rows: list[dict], facts: dict) -> int:
    """The same rows the import writes, inserted with hand-written SQL: one infringer record (and its name
    identifier) per applicant, then per alert its draft case, its deadline, its infringer link and the alert.
    ``facts``: the companies' ids (by registration number), each country's primary hub, the rule of each
    jurisdiction and its period in days (a fixed stand-in for the counting), the importing user."""
    import sqlalchemy as sa

    now = datetime.now(UTC)
    with engine.begin() as conn:
        def next_id(table: str) -> int:
            return conn.execute(sa.text(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")).scalar()

        applicants = sorted({row["applicant"] for row in rows})
        first_infringer = next_id("infringers")
        infringer_ids = {name: first_infringer + n for n, name in enumerate(applicants)}
        conn.execute(sa.text(
            "INSERT INTO infringers (id, name, aliases, shop_ids, urls, contacts, notes, created_by_id, created_at, "
            "updated_at, version) VALUES (:id, :name, '', '', '', '', '', :user, :now, :now, 1)"),
            [{"id": infringer_ids[name], "name": name, "user": facts["user"], "now": now} for name in applicants])
        conn.execute(sa.text("INSERT INTO infringer_identifiers (infringer_id, kind, value) VALUES (:id, 'name', :v)"),
                     [{"id": infringer_ids[name], "v": name.lower()} for name in applicants])
        first_case = next_id("cases")
        cases, deadlines, links, alerts = [], [], [], []
        for n, row in enumerate(rows):
            case_id = first_case + n
            company_id = facts["companies"][row["company_number"]]
            country = row["country"] or row["office"]
            hub_id = facts["hubs"][country]
            rule_id, days = facts["rules"][row["office"] if row["office"] == "EU" else country]
            published = datetime.fromisoformat(row["publication_date"]).date()
            due = published + timedelta(days=days)
            cases.append({"id": case_id, "company": company_id, "country": country, "hub": hub_id,
                          "user": facts["user"], "title": f"Opposition: {row['mark']}", "where": row["source"],
                          "name": row["applicant"], "classes": "[3, 35]", "description": row["mark"], "now": now,
                          "noticed": now.date()})
            deadlines.append({"case": case_id, "what": f"Opposition deadline: {row['mark']}", "due": due,
                              "rule": rule_id, "trigger": published, "user": facts["user"], "now": now})
            links.append({"case": case_id, "infringer": infringer_ids[row["applicant"]], "user": facts["user"],
                          "now": now})
            alerts.append({"office": row["office"], "number": row["application_number"], "country": country,
                           "mark": row["mark"], "applicant": row["applicant"], "published": published,
                           "company": company_id, "rule": rule_id, "due": due, "case": case_id,
                           "infringer": infringer_ids[row["applicant"]], "now": now})
        conn.execute(sa.text(
            "INSERT INTO cases (id, company_id, country_code, hub_id, created_by_id, filed_on_behalf, title, sector, "
            "ip_right, dispute_type, found_where, infringer_name, infringer_shop_id, infringer_urls, "
            "infringer_contacts, registration_numbers, goods_classes, urgency, description, first_noticed_on, stage, "
            "created_at, stage_changed_at, updated_at, version) VALUES (:id, :company, :country, :hub, :user, true, "
            ":title, 'beauty', 'trademark', 'squatting', :where, :name, '', '', '', '', :classes, 'high', "
            ":description, :noticed, 'draft', :now, :now, :now, 1)"), cases)
        conn.execute(sa.text(
            "INSERT INTO deadlines (case_id, what, what_ko, due_on, source, rule_id, trigger_on, is_done, "
            "created_by_id, created_at) VALUES (:case, :what, :what, :due, 'rule', :rule, :trigger, false, :user, "
            ":now)"), deadlines)
        conn.execute(sa.text("INSERT INTO case_infringers (case_id, infringer_id, linked_by_id, linked_at) "
                             "VALUES (:case, :infringer, :user, :now)"), links)
        conn.execute(sa.text(
            "INSERT INTO squatting_alerts (office, application_number, country_code, mark, applicant, nice_classes, "
            "published_on, source, company_id, rule_id, due_on, case_id, infringer_id, created_at) VALUES (:office, "
            ":number, :country, :mark, :applicant, '[3, 35]', :published, 'bench watch', :company, :rule, :due, "
            ":case, :infringer, :now)"), alerts)
        if conn.dialect.name == "postgresql":  # the ids given by hand: the sequences go on after them
            for table in ("infringers", "cases"):
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))"))
    return len(alerts)


def floor_facts(db, numbers: list[str]) -> dict:
    """What the floor's SQL needs to know beforehand (the app looks it up itself, in its own time)."""
    import sqlalchemy as sa

    from ipdesk.auth.models import User
    from ipdesk.companies.models import Company
    from ipdesk.deadlines.models import DeadlineRule, RuleProcedure
    from ipdesk.network.models import Country

    hubs = dict(db.session.execute(sa.select(Country.code, Country.primary_hub_id)).all())
    companies = dict(db.session.execute(
        sa.select(Company.registration_number, Company.id).where(Company.registration_number.in_(numbers))).all())
    rules = {}
    for rule in db.session.scalars(sa.select(DeadlineRule).where(
            DeadlineRule.procedure_kind == RuleProcedure.opposition, DeadlineRule.is_active)):
        rules[rule.jurisdiction] = (rule.id, rule.months * 30 + rule.days)
    user = db.session.scalar(sa.select(User.id).where(User.email == "manager@ipdesk.example"))
    return {"companies": companies, "hubs": hubs, "rules": rules, "user": user}


def bench_companies(db, count: int = 50) -> list[str]:
    """The registration numbers of approved companies the alerts are about."""
    import sqlalchemy as sa

    from ipdesk.companies.models import Company, CompanyStatus

    return list(db.session.scalars(sa.select(Company.registration_number).where(
        Company.status == CompanyStatus.approved).order_by(Company.id).limit(count)))
