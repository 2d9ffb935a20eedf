"""The shipped rules (added when missing, never overwritten); counting periods is ``ipdesk.deadlines.counting``."""
import tomllib
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from ipdesk.deadlines.counting import add_months, due_date  # noqa: F401  (where the rules' users import them)
from ipdesk.deadlines.models import DeadlineRule, RuleProcedure
from ipdesk.extensions import db

SHIPPED_DIR = Path(__file__).with_name("shipped_rules")  # a file per jurisdiction: <CODE>.toml
STORED = ("procedure_en", "procedure_ko", "trigger_en", "trigger_ko", "months", "days", "business_days", "counting",
          "past_weekend", "opens", "no_time_limit", "extension_en", "extension_ko", "source_en", "source_ko", "url",
          "confirmed", "note_en", "note_ko")
# what a rule shipped before rules said where the law says so is completed with
DESCRIBING = ("procedure_kind", "business_days", "counting", "past_weekend", "opens", "no_time_limit", "extension_en",
              "extension_ko", "url", "checked_on", "confirmed", "note_en", "note_ko")


# every jurisdiction's procedures under the same names, so a list reads alike across countries (the shipped files
# say in their notes what each is called there)
PROCEDURE_NAMES = {
    RuleProcedure.opposition: ("Trademark opposition", "상표 이의신청"),
    RuleProcedure.invalidation_bad_faith: ("Invalidation for bad faith", "악의적 출원 무효·취소"),
    RuleProcedure.non_use_cancellation: ("Cancellation for non-use", "불사용 취소"),
    RuleProcedure.refusal_appeal: ("Appeal of a refusal", "거절결정 불복"),
    RuleProcedure.renewal: ("Late renewal (grace period)", "유예기간 중 갱신"),
}
DEFAULTS = (("months", 0), ("days", 0), ("business_days", False), ("counting", "plain"), ("past_weekend", False),
            ("opens", False), ("no_time_limit", False), ("extension_en", ""), ("extension_ko", ""), ("note_en", ""),
            ("note_ko", ""), ("confirmed", False), ("quote", ""))


def _date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


CHANGE = ("change_from", "change_months", "change_days")


def _change(change: dict | None) -> dict:
    """An announced change of the law (``[rule.change]``: from, months, days), as the rule's columns hold it."""
    if not change:
        return dict.fromkeys(CHANGE)
    return {"change_from": _date(change["from"]), "change_months": change.get("months", 0),
            "change_days": change.get("days", 0)}


def read_shipped_rules() -> list[dict]:
    """Every shipped rule (``shipped_rules/<CODE>.toml``, one file per jurisdiction), with its jurisdiction, the day
    it was checked, and its worked examples (``examples``: (trigger, due) pairs the tests hold the counting to)."""
    rules = []
    for path in sorted(SHIPPED_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for rule in data["rule"]:
            kind = RuleProcedure(rule["procedure"])
            procedure_en, procedure_ko = PROCEDURE_NAMES[kind]
            rules.append({
                **{name: rule.get(name, default) for name, default in DEFAULTS},
                **{name: rule[name] for name in ("trigger_en", "trigger_ko", "source_en", "source_ko", "url")},
                "jurisdiction": data["jurisdiction"], "procedure_kind": kind, "procedure_en": procedure_en,
                "procedure_ko": procedure_ko, "checked_on": _date(data["checked_on"]),
                "examples": [(_date(example["trigger_on"]), _date(example["due_on"]))
                             for example in rule.get("example", ()) if example.get("due_on")],
                **_change(rule.get("change"))})
    return rules


def load_shipped_rules() -> int:
    """Add the shipped rules that are missing (by jurisdiction and procedure); a rule shipped before rules said
    where the law says so is completed with it, its period untouched (an admin may have changed it)."""
    existing = {(r.jurisdiction, r.procedure_en): r for r in db.session.scalars(sa.select(DeadlineRule))}
    added = 0
    for spec in read_shipped_rules():
        row = existing.get((spec["jurisdiction"], spec["procedure_en"]))
        if row is None:
            db.session.add(DeadlineRule(jurisdiction=spec["jurisdiction"], procedure_kind=spec["procedure_kind"],
                                        checked_on=spec["checked_on"], **{name: spec[name] for name in STORED},
                                        **{name: spec[name] for name in CHANGE}))
            added += 1
        else:
            if not row.url:
                for name in DESCRIBING:
                    setattr(row, name, spec[name])
            if row.change_from is None and spec["change_from"] is not None:  # a change announced since it shipped
                for name in CHANGE:
                    setattr(row, name, spec[name])
    db.session.flush()
    return added
