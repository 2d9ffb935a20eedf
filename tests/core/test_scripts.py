"""East Asian runs of user text carry their language, so pages and PDFs draw each run in one typeface: a run
with kana is Japanese, other Han text follows the case's country, Hangul is Korean."""
import pytest

from ipdesk.core.scripts import lang_runs
from tests.factories import make_case

ZH_HANS, ZH_HANT, JA = "深圳市美妆贸易有限公司", "臺灣美妝貿易股份有限公司", "株式会社ビューティー商事"


@pytest.mark.parametrize(("text", "country", "marked"), [
    (JA, "CN", f'<span lang="ja">{JA}</span>'),  # kana make a run Japanese wherever the case is
    (ZH_HANS, "CN", f'<span lang="zh-Hans">{ZH_HANS}</span>'),
    (ZH_HANT, "TW", f'<span lang="zh-Hant">{ZH_HANT}</span>'),
    ("九龍城 旺角", "HK", '<span lang="zh-Hant">九龍城</span> <span lang="zh-Hant">旺角</span>'),
    ("東京本社", "JP", '<span lang="ja">東京本社</span>'),
    ("偽造品", "VN", '<span lang="zh-Hans">偽造品</span>'),  # other countries: Simplified
    ("第12分公司", "CN", '<span lang="zh-Hans">第12分公司</span>'),  # digits inside a run stay in it
    (f"{ZH_HANS} / {JA}", "CN", f'<span lang="zh-Hans">{ZH_HANS}</span> / <span lang="ja">{JA}</span>'),
    ("위조 세럼 2호점 · 偽造", "CN", '<span lang="ko">위조 세럼 2호점</span> · <span lang="zh-Hans">偽造</span>'),
    ("Công ty TNHH <b>", "CN", "Công ty TNHH &lt;b&gt;"),  # no East Asian text: escaped, nothing added
    ("「」 <i>", "JP", "「」 &lt;i&gt;"),  # punctuation alone has no language of its own
    (None, "CN", ""),
])
def test_runs_are_marked_by_script_and_country(app, text, country, marked):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(lang_runs(text, country)) == marked


def test_runs_in_the_pages_own_language_are_left_alone(app):
    with app.test_request_context(headers={"Accept-Language": "ko"}):
        assert str(lang_runs("위조 세럼 · 偽造品", "JP")) == '위조 세럼 · <span lang="ja">偽造品</span>'


def test_the_case_page_and_the_list_mark_the_runs_of_user_text(client, factories, login_as):
    exporter = factories.exporter()
    taiwan = make_case("intake", company=exporter.company, author=exporter, country="TW",
                       title=f"{ZH_HANT} 仿冒品", infringer_name=ZH_HANT, description=f"{JA}の偽造品")
    login_as(exporter)
    page = client.get(f"/cases/{taiwan.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'<span lang="zh-Hant">{ZH_HANT}</span> <span lang="zh-Hant">仿冒品</span>' in page  # the title
    assert f'<span lang="zh-Hant">{ZH_HANT}</span>' in page.split("Infringer", 1)[1]
    assert f'<span lang="ja">{JA}の偽造品</span>' in page
    listing = client.get("/cases", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'<span lang="zh-Hant">{ZH_HANT}</span>' in listing


def test_every_list_that_shows_user_text_marks_its_runs(client, factories, login_as):
    """Beyond the case page and the list: the home page, the deadlines, the infringers, a record's page and the
    notifications draw a Traditional Chinese title in its own face too."""
    from datetime import timedelta

    from ipdesk.core.i18n import local_today
    from ipdesk.deadlines.models import Deadline, DeadlineSource
    from ipdesk.extensions import db
    from ipdesk.infringers.models import CaseInfringer, Infringer
    from ipdesk.notify.models import EmailStatus, Notification, NotificationKind

    staff = factories.staff(hub_codes=("cn-south",))
    case = make_case("evidence", country="TW", title=f"{ZH_HANT} 仿冒品")
    infringer = Infringer(name=ZH_HANT, aliases=JA, created_by_id=staff.id)
    db.session.add_all([infringer, Deadline(case_id=case.id, what=f"{ZH_HANT} 答辯", due_on=local_today()
                                            + timedelta(days=3), source=DeadlineSource.manual,
                                            created_by_id=staff.id),
                        Notification(user_id=staff.id, kind=NotificationKind.new_message, case_id=case.id,
                                     language="en", subject=f"Case {case.reference}: {ZH_HANT}", body="",
                                     link_path=f"/cases/{case.id}", in_app=True, email_status=EmailStatus.off)])
    db.session.flush()
    db.session.add(CaseInfringer(case_id=case.id, infringer_id=infringer.id, linked_by_id=staff.id))
    db.session.commit()
    login_as(staff)
    # a case's text follows its country (Taiwan: Traditional); an infringer's or a subject's, that has none,
    # is Simplified Chinese unless it has kana
    for path, tag in (("/", "zh-Hant"), ("/deadlines", "zh-Hant"), (f"/cases/{case.id}/deadlines", "zh-Hant"),
                      ("/infringers", "zh-Hans"), (f"/infringers/{infringer.id}", "zh-Hans"),
                      ("/notifications", "zh-Hans")):
        page = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert f'<span lang="{tag}">{ZH_HANT}</span>' in page, path
    page = client.get(f"/infringers/{infringer.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'<span lang="zh-Hant">{ZH_HANT}</span> <span lang="zh-Hant">仿冒品</span>' in page  # its case's title
    page = client.get("/infringers", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'<span lang="ja">{JA}</span>' in page  # aliases too
