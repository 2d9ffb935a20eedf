"""Country summaries and the all-country pack, read back: text, fonts, bookmarks, page counts; the pack is
made in the background (a thread of the web process, or RQ on the real Redis) with visible progress."""
import io
import re
import time
import uuid
from datetime import UTC, date, datetime

import pytest
import redis
import sqlalchemy as sa
from pypdf import PdfReader

from ipdesk.extensions import db
from ipdesk.network.models import Country
from ipdesk.notify.models import Notification, NotificationKind
from ipdesk.reports.models import JobStatus, ReportJob
from tests.conftest import PASSWORD, running_app
from tests.factories import make_case

REDIS_URL = "redis://127.0.0.1:6379/15"
PACK_COUNTRIES = ("CN", "TH", "VN")


@pytest.fixture
def app(database_url):
    with running_app(database_url, REPORT_PROCESSES=2, SECRET_KEY="pack-test-secret") as app:
        yield app
        local_packs_finished()


def local_packs_finished() -> None:
    """Wait for the packs a thread of this process is making (one asked for at a test's end, say): they must end
    before the app's database is disposed of, or their connection is left open."""
    from ipdesk.reports import jobs

    if jobs._local_executor is not None:
        jobs._local_executor.submit(lambda: None).result(timeout=300)  # one thread: after every pack before it


def _few_countries():
    """A pack of three countries keeps the test quick; the pack code is the same for forty."""
    db.session.execute(sa.update(Country).where(Country.code.not_in(PACK_COUNTRIES)).values(is_active=False))
    db.session.commit()


def download(client, url: str):
    """The answer to a GET of a file the app streams from its storage, read whole and closed (the test client
    leaves a streamed file open until then)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def _outline_titles(reader: PdfReader) -> list[tuple[str, int]]:
    return [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]


def test_a_manager_prints_a_country_summary_in_both_languages(client, factories, login_as):
    exporter = factories.exporter()
    for n in range(3):
        make_case("evidence" if n else "intake", company=exporter.company, author=exporter, country="CN",
                  infringer_name="深圳市美妆贸易有限公司")
    login_as(factories.manager())
    url = "/reports/country-summary.pdf?country=CN&start=2026-01-01&end=2026-12-31"
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Country summary: China" in text and f"Page 1 of {len(reader.pages)}" in text
    assert "Evidence" in text and "New cases per month" in text
    assert len(reader.pages) == 2 and "China" in reader.metadata.title
    korean = client.get(url, headers={"Accept-Language": "ko"})
    ko_text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(korean.data)).pages)
    assert "국가 요약: 중국" in ko_text and "증거 수집" in ko_text


def test_a_bad_period_comes_back_with_what_was_typed(client, factories, login_as):
    login_as(factories.manager())
    response = client.get("/reports/country-summary.pdf?country=TH&start=2026-06-01&end=2026-01-31")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "The period ends before it starts." in page
    assert 'value="2026-06-01"' in page and '<option selected value="TH">' in page


@pytest.mark.parametrize("role", ["exporter", "staff", "admin"])
def test_only_managers_print_summaries_and_packs(client, factories, login_as, role):
    login_as({"exporter": factories.exporter, "staff": factories.staff, "admin": factories.admin}[role]())
    assert client.get("/reports").status_code == 403
    assert client.get("/reports/country-summary.pdf?country=CN&start=2026-01-01&end=2026-12-31").status_code == 403
    assert client.post("/reports/pack", data={"pack-start": "2026-01-01", "pack-end": "2026-12-31", "pack-lang": "en"}
                       ).status_code == 403


def _wait_for(job_id: str, seconds: float = 180) -> ReportJob:
    from flask import g

    g.write_intent = False  # this only reads: it must not queue for the write lock the job takes in turns
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            db.session.expire_all()
            job = db.session.get(ReportJob, job_id)
            if job.status in (JobStatus.done, JobStatus.failed):
                return job
            db.session.rollback()  # a fresh snapshot next time round
            time.sleep(0.3)
        raise AssertionError(f"the pack job did not finish: {job.status}, {job.done}/{job.total}")
    finally:
        g.pop("write_intent", None)


def _page_number(lang: str, page: int, pages: int) -> str:
    return {"en": f"Page {page} of {pages}", "ko": f"{page} / {pages}쪽"}[lang]


def _check_pack(data: bytes, lang: str, with_cases=()):
    """The contents, the overview, a summary of each country of ``with_cases``, one closing page for the others;
    every bookmark and every line of the contents lead to the page that says the same number."""
    reader = PdfReader(io.BytesIO(data))
    pages = [page.extract_text() for page in reader.pages]
    titles = _outline_titles(reader)
    names = {"en": ["China", "Thailand", "Vietnam"], "ko": ["베트남", "중국", "태국"]}[lang]
    codes = {"en": ["CN", "TH", "VN"], "ko": ["VN", "CN", "TH"]}[lang]
    assert titles[0] == ({"en": "Contents", "ko": "목차"}[lang], 0)
    assert titles[1] == ({"en": "Network overview", "ko": "네트워크 개요"}[lang], 1)
    assert [t for t, _page in titles[2:]] == names  # every country keeps its bookmark, sorted by name
    for number, text in enumerate(pages, start=1):  # numbered through: the summaries' own numbers are gone
        assert _page_number(lang, number, len(pages)) in text, (number, text)
        assert len(re.findall({"en": r"Page \d+ of \d+", "ko": r"\d+ / \d+쪽"}[lang], text)) == 1
    closing = len(pages) - 1
    for (name, page_index), code in zip(titles[2:], codes, strict=True):
        assert name in pages[page_index]
        line = next(line for line in pages[0].splitlines() if line.startswith(name))
        assert line.endswith(f" {page_index + 1}")  # the contents give the page it is on
        assert (page_index == closing) is (code not in with_cases)
        if code in with_cases:
            assert page_index < closing and name in pages[page_index] and "Page 1 of 2" not in pages[page_index]
    if len(with_cases) < 3:  # the countries without a case share the last page
        assert {"en": "Countries with no case in the period", "ko": "기간 중 사건이 없는 국가"}[lang] in pages[closing]
    return reader


def test_the_pack_is_made_in_the_background_with_progress(client, factories, login_as, app):
    _few_countries()
    exporter = factories.exporter()
    make_case("intake", company=exporter.company, author=exporter, country="TH")
    manager = factories.manager(locale="en")
    login_as(manager)
    response = client.post("/reports/pack",
                           data={"pack-start": "2026-01-01", "pack-end": "2026-12-31", "pack-lang": "en"})
    assert response.status_code == 302
    job_url = response.headers["Location"]
    job_id = job_url.rsplit("/", 1)[-1]
    first = client.get(job_url).get_data(as_text=True)
    assert 'http-equiv="refresh"' in first or "Download the pack" in first
    job = _wait_for(job_id)
    assert job.status is JobStatus.done, job.error
    assert (job.done, job.total, job.backend) == (1, 1, "local")  # only Thailand had a case to summarise
    page = client.get(job_url).get_data(as_text=True)
    assert "Download the pack (PDF)" in page and 'http-equiv="refresh"' not in page
    pdf = download(client, f"{job_url}/pack.pdf")
    assert pdf.status_code == 200 and pdf.content_length == job.result_size
    reader = _check_pack(pdf.data, "en", with_cases=("TH",))
    assert len(reader.pages) == job.pages == 5 and "All-country pack" in reader.metadata.title
    (notification,) = db.session.scalars(sa.select(Notification).where(Notification.user_id == manager.id))
    assert notification.kind is NotificationKind.report_ready and notification.link_path == job_url
    assert notification.subject == "Your all-country pack for 2026-01-01 to 2026-12-31 is ready"
    assert notification.in_app and notification.email_to == manager.email and "5 pages" in notification.body
    client.post("/logout")
    login_as(factories.manager())  # a job is its requester's
    assert client.get(job_url).status_code == 404 and download(client, f"{job_url}/pack.pdf").status_code == 404


def _app_with_redis(database_url, queue_name: str, **settings):
    """The app with packs queued in Redis, on ``queue_name``; the test is skipped when Redis does not run."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    return running_app(database_url, REDIS_URL=REDIS_URL, RATELIMIT_STORAGE_URI="memory://", REPORT_QUEUE=queue_name,
                       SECRET_KEY="pack-test-secret", **settings)


def test_with_redis_the_pack_is_an_rq_job(database_url):
    from rq import Queue, SimpleWorker

    queue_name = f"ipdesk-test-{uuid.uuid4().hex}"
    with _app_with_redis(database_url, queue_name, REPORT_PROCESSES=2) as app:
        from tests import factories

        _few_countries()
        manager = factories.manager()
        client = app.test_client()
        assert client.post("/login", data={"email": manager.email, "password": PASSWORD}).status_code == 302
        response = client.post("/reports/pack",
                               data={"pack-start": "2026-01-01", "pack-end": "2026-12-31", "pack-lang": "ko"})
        assert response.status_code == 302
        job_id = response.headers["Location"].rsplit("/", 1)[-1]
        connection = redis.Redis.from_url(REDIS_URL)
        queue = Queue(queue_name, connection=connection)
        assert queue.count == 1
        SimpleWorker([queue], connection=connection).work(burst=True)
        queue.delete(delete_jobs=True)
        job = _wait_for(job_id, 5)
        assert job.status is JobStatus.done and job.backend == "rq", job.error
        _check_pack(download(client, f"/reports/jobs/{job_id}/pack.pdf").data, "ko")
        (notification,) = db.session.scalars(sa.select(Notification).where(Notification.user_id == manager.id))
        assert notification.subject == "2026-01-01 ~ 2026-12-31 전체 국가 보고서 묶음이 준비되었습니다"


def test_a_queued_pack_that_redis_lost_is_marked_failed_and_one_still_queued_waits(database_url):
    """Redis restarted without its data: the job it held will never run. Its page says the pack could not be made
    (and offers to make it again) once a heartbeat's timeout has passed; a job Redis still holds keeps waiting for
    a worker however long that takes."""
    from rq import Queue

    queue_name = f"ipdesk-test-{uuid.uuid4().hex}"
    with _app_with_redis(database_url, queue_name, REPORT_JOB_TIMEOUT_SECONDS=60) as app:
        from tests import factories

        manager = factories.manager()
        client = app.test_client()
        assert client.post("/login", data={"email": manager.email, "password": PASSWORD}).status_code == 302
        jobs = []
        for _ in range(2):
            response = client.post("/reports/pack",
                                   data={"pack-start": "2026-01-01", "pack-end": "2026-12-31", "pack-lang": "en"})
            jobs.append(response.headers["Location"].rsplit("/", 1)[-1])
        lost, waiting = jobs
        queue = Queue(queue_name, connection=redis.Redis.from_url(REDIS_URL))
        try:
            assert queue.count == 2
            queue.remove(f"pack-{lost}")
            queue.connection.delete(f"rq:job:pack-{lost}")  # gone, as after a restart that kept nothing
            assert "updates itself" in client.get(f"/reports/jobs/{lost}").get_data(as_text=True)  # not yet late
            db.session.execute(sa.update(ReportJob).values(created_at=datetime(2026, 1, 1, tzinfo=UTC),
                                                           heartbeat_at=datetime(2026, 1, 1, tzinfo=UTC)))
            db.session.commit()
            page = client.get(f"/reports/jobs/{lost}").get_data(as_text=True)
            assert "The pack could not be made" in page and f"/reports/jobs/{lost}/again" in page
            assert "could not be made" not in client.get(f"/reports/jobs/{waiting}").get_data(as_text=True)
            db.session.expire_all()
            assert db.session.get(ReportJob, lost).status is JobStatus.failed
            assert db.session.get(ReportJob, waiting).status is JobStatus.queued and queue.count == 1
        finally:
            queue.delete(delete_jobs=True)


def test_the_command_line_makes_the_pack_with_a_progress_bar(app, tmp_path):
    _few_countries()
    out = tmp_path / "pack.pdf"
    result = app.test_cli_runner().invoke(args=["reports", "pack", "--from", "2026-01-01", "--to", "2026-12-31",
                                                "--lang", "en", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Country summaries" in result.output and "0 countries with a summary, 3 without a case" in result.output
    _check_pack(out.read_bytes(), "en")


def test_the_summary_gets_plain_data_and_hostile_titles_stay_text(app, factories):
    from flask import render_template

    from ipdesk.reports.context import is_plain
    from ipdesk.reports.pdf import DocumentFetcher, render_pdf
    from ipdesk.reports.summary import country_summary_context
    from tests.reports.test_case_file_pdf import HOSTILE

    exporter = factories.exporter(company=factories.CompanyFactory(name_en='<img src="file:///etc/passwd">'))
    make_case("intake", company=exporter.company, author=exporter, country="CN", title=HOSTILE[:190])
    fetcher = DocumentFetcher()
    with app.test_request_context():
        context = country_summary_context("CN", date(2026, 1, 1), date(2026, 12, 31))
        data = render_pdf(render_template("reports/pdf/country_summary.html", **context), fetcher=fetcher)
    assert is_plain({k: v for k, v in context.items() if k != "charts"})
    assert all(isinstance(svg, str) for svg in context["charts"].values())
    assert fetcher.requested == []
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages).replace("\n", " ")
    assert '<img src="file:///etc/passwd">' in text  # the title's start, cut to its column
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})


def test_the_largest_countries_are_rendered_first_and_empty_ones_not_at_all(app, factories):
    """A large country left for last would keep one process busy while the others idle; a country without a
    case in the period has no summary to render."""
    from ipdesk.reports.jobs import countries_to_render, period_overview

    exporter = factories.exporter()
    for country, n in (("TH", 1), ("VN", 3), ("ID", 2)):
        for _ in range(n):
            make_case("intake", company=exporter.company, author=exporter, country=country)
    _few_countries()  # Indonesia's case is not in the pack
    today = date.today()
    with app.test_request_context():
        overview = period_overview(date(today.year - 1, 1, 1), today, "en")
        assert countries_to_render(overview) == ["VN", "TH"] and overview.without_cases == ["CN"]
        assert (overview.total, overview.open, overview.closed) == (4, 4, 0)
        old = period_overview(date(2000, 1, 1), date(2000, 12, 31), "en")
        assert countries_to_render(old) == [] and old.without_cases == ["CN", "TH", "VN"]


def test_the_overview_counts_the_period_by_hub_and_country(app, factories, tmp_path):
    exporter = factories.exporter()
    _few_countries()
    for stage in ("intake", "evidence", "closed"):
        make_case(stage, company=exporter.company, author=exporter, country="CN")
    make_case("action", company=exporter.company, author=exporter, country="TH")
    make_case("intake", company=exporter.company, author=exporter, country="VN",
              submitted_at=datetime(2000, 6, 1, tzinfo=UTC))
    today, out = date.today(), tmp_path / "pack.pdf"
    result = app.test_cli_runner().invoke(args=["reports", "pack", "--from", f"{today.year}-01-01", "--to",
                                                today.isoformat(), "--lang", "ko", "--out", str(out)])
    assert result.exit_code == 0, result.output
    reader = _check_pack(out.read_bytes(), "ko", with_cases=("CN", "TH"))
    overview = reader.pages[1].extract_text()
    assert "네트워크 개요" in overview and "현재 단계별" in overview
    rows = {line.split()[0]: line.split()[-2:] for line in overview.splitlines()
            if line.split()[:1] in (["중국"], ["태국"])}
    assert rows == {"중국": ["2", "3"], "태국": ["1", "1"]}  # open, cases: Vietnam's case is of another period
    assert "합계" in overview and "1개국은 마지막 쪽에" in overview


def test_the_manager_hears_when_the_pack_fails_in_their_language_and_channels(app, factories, monkeypatch):
    from ipdesk.notify.models import EmailStatus, NotificationPreference
    from ipdesk.reports import jobs

    _few_countries()
    manager = factories.manager(locale="ko")
    db.session.add(NotificationPreference(user_id=manager.id, kind=NotificationKind.report_ready, email=False,
                                          in_app=True))
    job = ReportJob(lang="en", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31),
                    requested_by_id=manager.id, backend="local")
    db.session.add(job)
    db.session.commit()

    def broken(*_args):
        raise RuntimeError("no room left on the disk")

    monkeypatch.setattr(jobs, "assemble_pack", broken)
    jobs.run_pack(job.id)
    assert job.status is JobStatus.failed and "no room left" in job.error
    (notification,) = db.session.scalars(sa.select(Notification).where(Notification.user_id == manager.id))
    assert notification.subject == "2026-01-01 ~ 2026-12-31 전체 국가 보고서 묶음을 만들지 못했습니다"
    assert notification.link_path == f"/reports/jobs/{job.id}" and notification.in_app
    assert notification.email_status is EmailStatus.off  # they chose the bell only
    assert "만들지 못했습니다" in notification.body and "no room" not in notification.body
    assert f"http://ipdesk.test/reports/jobs/{job.id}" in notification.body


def _ask_for_pack(client, lang: str, start: str = "2026-01-01") -> str:
    response = client.post("/reports/pack", data={"pack-start": start, "pack-end": "2026-12-31", "pack-lang": lang})
    assert response.status_code == 302
    job_id = response.headers["Location"].rsplit("/", 1)[-1]
    assert _wait_for(job_id).status is JobStatus.done
    return job_id


@pytest.mark.storage
def test_a_finished_pack_is_kept_in_the_storage_until_a_newer_one_of_its_period_replaces_it(app, client, factories,
                                                                                         login_as):
    """The pack is where every app node can read it (the evidence storage: S3 when configured), under the key its
    job records; asking again for the same period and language replaces it, other periods and languages stay."""
    from ipdesk.audit.models import AuditEntry
    from ipdesk.evidence.storage import get_storage

    _few_countries()  # and no case: a quick pack, the same storing as a large one
    manager = factories.manager(locale="en")
    login_as(manager)
    first, korean, other_period = _ask_for_pack(client, "en"), _ask_for_pack(client, "ko"), \
        _ask_for_pack(client, "en", start="2026-02-01")
    keys = dict(db.session.execute(sa.select(ReportJob.id, ReportJob.result_key)).all())
    storage = get_storage()
    for job_id in (first, korean, other_period):
        pdf = download(client, f"/reports/jobs/{job_id}/pack.pdf")
        with storage.open(keys[job_id]) as stored:
            assert pdf.status_code == 200 and pdf.data == stored.read()
    assert app.test_cli_runner().invoke(args=["evidence", "verify"]).exit_code == 0  # no pack taken for a leftover

    newer = _ask_for_pack(client, "en")
    db.session.expire_all()
    replaced = db.session.get(ReportJob, first)
    assert replaced.status is JobStatus.done and replaced.result_key is None
    # its file is removed, right after the newer pack's job commits (the job is seen done a moment before)
    gone_by = time.monotonic() + 10
    while storage.exists(keys[first]) and time.monotonic() < gone_by:
        time.sleep(0.05)
    assert not storage.exists(keys[first])
    assert all(db.session.get(ReportJob, job_id).is_kept for job_id in (korean, other_period, newer))
    page = client.get(f"/reports/jobs/{first}").get_data(as_text=True)
    assert "This pack is no longer kept. Make it again to download it." in page
    assert f'action="/reports/jobs/{first}/again"' in page and f"/reports/jobs/{first}/pack.pdf" not in page
    listing = client.get("/reports").get_data(as_text=True)
    assert f"/reports/jobs/{first}/pack.pdf" not in listing and f"/reports/jobs/{newer}/pack.pdf" in listing
    made = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "report.pack_made",
                                                         AuditEntry.object_id == newer))
    assert made.data["replaced"] == [first]
    again = client.post(f"/reports/jobs/{first}/again")
    assert again.status_code == 302 and again.headers["Location"] != f"/reports/jobs/{first}"


@pytest.mark.storage
def test_a_pack_gone_from_the_storage_is_offered_again(app, client, factories, login_as):
    """A restored backup holds no packs: the download link leads to the pack's page, which offers to make it again."""
    from ipdesk.audit.models import AuditEntry
    from ipdesk.evidence.storage import get_storage

    _few_countries()
    login_as(factories.manager())
    job_id = _ask_for_pack(client, "en")
    get_storage().delete(db.session.get(ReportJob, job_id).result_key)
    response = client.get(f"/reports/jobs/{job_id}/pack.pdf")
    assert response.status_code == 302 and response.headers["Location"] == f"/reports/jobs/{job_id}"
    assert "no longer kept" in client.get(f"/reports/jobs/{job_id}").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "report.pack_missing")) == 1
