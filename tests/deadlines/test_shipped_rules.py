"""The network's procedure rules: every country's five trademark procedures, each with its law, its official text
and the day it was checked; the jurisdictions most squatting is in (and every hub's) confirmed from that text, and
each worked example quoted or derived from it counted as the law counts."""
from datetime import date

import pytest
import sqlalchemy as sa

from ipdesk.deadlines.counting import add_business_days, due_date
from ipdesk.deadlines.models import DeadlineRule, RuleProcedure
from ipdesk.deadlines.rules import CHANGE, load_shipped_rules, read_shipped_rules
from ipdesk.deadlines.services import rules_for
from ipdesk.extensions import db
from ipdesk.network.reference import read_reference

SHIPPED = read_shipped_rules()
# China, Indonesia, Thailand and Vietnam (about 83 % of squatting against Korean firms), Japan, the United States,
# EUIPO, and the countries of the hubs (Washington and Los Angeles, Beijing and Guangzhou, Tokyo, Frankfurt, Ho Chi
# Minh City, Bangkok, New Delhi, Mexico City)
MAIN_JURISDICTIONS = ("CN", "ID", "TH", "VN", "JP", "US", "EU", "DE", "IN", "MX")
PROCEDURES = [kind for kind in RuleProcedure if kind is not RuleProcedure.other]
NETWORK = sorted({code for hub in read_reference() for code in hub["primary"]})


def _name(rule: dict) -> str:
    return f"{rule['jurisdiction']} {rule['procedure_kind'].name}"


@pytest.mark.db_independent
def test_each_worked_example_is_counted_as_the_law_counts():
    wrong = []
    for rule in SHIPPED:
        counted = DeadlineRule(**{name: rule[name] for name in ("months", "days", "business_days", "counting",
                                                                 "past_weekend", *CHANGE)})
        for trigger, due in rule["examples"]:
            if counted.due_from(trigger) != due:
                wrong.append(f"{_name(rule)}: {trigger} gives {due} in the source")
    assert wrong == []
    assert sum(len(rule["examples"]) for rule in SHIPPED) > 200


@pytest.mark.db_independent
@pytest.mark.parametrize("code", MAIN_JURISDICTIONS)
def test_the_main_jurisdictions_cite_their_law_with_a_worked_example(code):
    """Each of the five procedures with its law in both languages, an official address and a worked example; a
    rule marked confirmed quotes the words of the official text that set its period (the others are shown as to
    be confirmed with counsel: tests/deadlines, the rules page)."""
    rules = {rule["procedure_kind"]: rule for rule in SHIPPED if rule["jurisdiction"] == code}
    assert sorted(rules, key=PROCEDURES.index) == PROCEDURES
    for kind, rule in rules.items():
        assert rule["url"].startswith("https://") and rule["source_en"] and rule["source_ko"], f"{code} {kind.name}"
        assert rule["quote"] or not rule["confirmed"], f"{code} {kind.name}: the words that set the period"
        assert rule["no_time_limit"] or rule["examples"], f"{code} {kind.name}: a worked example"
    opposition = rules[RuleProcedure.opposition]
    if opposition["months"]:  # calendar months: an example at a month's end, where clamping shows
        assert any(trigger.day >= 28 for trigger, _due in opposition["examples"]), f"{code}: a month-end example"


def test_every_country_of_the_network_has_its_five_procedures(app):
    load_shipped_rules()
    db.session.commit()
    assert len(NETWORK) == 40
    for code in NETWORK:
        kinds = {rule.procedure_kind for rule in rules_for(code, counting=False)}
        assert kinds >= set(PROCEDURES), f"{code} lacks {sorted(k.name for k in set(PROCEDURES) - kinds)}"
        for rule in rules_for(code, counting=False):
            assert rule.url.startswith("https://") and rule.checked_on is not None, f"{code}: {rule.procedure_en}"


def test_loading_twice_adds_nothing_and_completes_a_rule_shipped_before(app):
    db.session.add(DeadlineRule(jurisdiction="CN", procedure_en="Trademark opposition", procedure_ko="상표 이의신청",
                                trigger_en="publication", trigger_ko="공고일", months=3, days=0,
                                source_en="PRC Trademark Law, Art. 33", source_ko="중국 상표법 제33조"))
    db.session.commit()
    assert load_shipped_rules() == len(SHIPPED) - 1
    assert load_shipped_rules() == 0
    china = db.session.scalar(sa.select(DeadlineRule).where(DeadlineRule.jurisdiction == "CN",
                                                            DeadlineRule.procedure_en == "Trademark opposition"))
    shipped = next(rule for rule in SHIPPED if rule["jurisdiction"] == "CN"
                   and rule["procedure_kind"] is RuleProcedure.opposition)
    assert china.procedure_kind is RuleProcedure.opposition and china.url == shipped["url"]
    assert (china.confirmed, china.note_en) == (shipped["confirmed"], shipped["note_en"])
    assert china.source_en == "PRC Trademark Law, Art. 33"  # what an admin may have written stays


@pytest.mark.db_independent
def test_working_days_skip_the_weekend():
    friday = date(2026, 12, 4)
    assert add_business_days(friday, 1) == date(2026, 12, 7)
    assert add_business_days(friday, 5) == date(2026, 12, 11)
    assert due_date(friday, 0, 15, business_days=True) == date(2026, 12, 25)


def test_a_countrys_rules_page_shows_each_source_and_what_is_unconfirmed(client, factories, login_as):
    load_shipped_rules()
    db.session.add(DeadlineRule(jurisdiction="CN", procedure_en="Customs recordal", procedure_ko="세관 등록",
                                trigger_en="registration", trigger_ko="등록일", months=1, days=0,
                                source_en="(an admin's reading)", source_ko="(관리자 해석)"))
    db.session.commit()
    login_as(factories.exporter())
    page = client.get("/network/CN/rules").get_data(as_text=True)
    china = [rule for rule in SHIPPED if rule["jurisdiction"] == "CN"]
    assert all(rule["url"].replace("&", "&amp;") in page for rule in china)
    confirmed = sum(rule["confirmed"] for rule in china)
    assert page.count("Confirmed from the official text") == confirmed
    assert page.count("To be confirmed with counsel") == len(china) - confirmed + 1  # and the admin's own rule
    korean = client.get("/network/CN/rules", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert all(rule["source_ko"] in korean for rule in china)
    assert client.get("/network/XX/rules").status_code == 404


@pytest.mark.db_independent
def test_an_announced_change_of_the_law_gives_the_earlier_date_from_its_day():
    """China's revised law (from 1 January 2027) reportedly shortens opposition to 2 months: a publication before
    that day counts 3 months, one on or after it the earlier date, 2 months (not yet confirmed from the text)."""
    china = next(rule for rule in SHIPPED if rule["jurisdiction"] == "CN"
                 and rule["procedure_kind"] is RuleProcedure.opposition)
    counted = DeadlineRule(**{name: china[name] for name in ("months", "days", "business_days", "counting",
                                                              "past_weekend", *CHANGE)})
    assert counted.due_from(date(2026, 12, 31)) == date(2027, 3, 31)
    assert counted.due_from(date(2027, 1, 1)) == date(2027, 3, 1)
    assert counted.due_from(date(2027, 11, 30)) == date(2028, 1, 30)
