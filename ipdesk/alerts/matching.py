"""What each row of an alert file becomes: the company it threatens (by business registration number, then by
name), the company's right it conflicts with, the opposition rule of its office and the deadline that rule gives
from the publication date; or why it cannot become a case. Every lookup is made once for the whole file."""
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from babel import Locale
from flask_babel import lazy_gettext as _l

from ipdesk.alerts.fileformat import name_key
from ipdesk.alerts.models import SquattingAlert
from ipdesk.companies.models import Company, CompanyStatus
from ipdesk.companies.registration_number import normalize_registration_number
from ipdesk.core.i18n import ShownDate, all_country_codes, country_name
from ipdesk.deadlines.models import DeadlineRule, RuleProcedure
from ipdesk.extensions import db
from ipdesk.network.models import Country
from ipdesk.rights.models import CompanyRight, RightKind
from ipdesk.rights.offices import BENELUX, EU_MEMBERS, REGIONAL, protects_in

CHUNK = 500  # keys per IN (...) lookup
MAX_NUMBER, MAX_TEXT, MAX_SOURCE = 60, 300, 200  # SquattingAlert's columns
OFFICE_NAMES = {"euipo": "EU", "ohim": "EU", "europeanunion": "EU", "boip": "BX", "benelux": "BX", "wipo": "WO",
                "madrid": "WO", "wipomadrid": "WO", "유럽연합": "EU", "베네룩스": "BX", "마드리드": "WO"}
DATE_PATTERN = re.compile(r"^\s*(\d{4})\s*[-./년]\s*(\d{1,2})\s*[-./월]\s*(\d{1,2})\s*[.일]?\s*$")


@dataclass
class Problem:
    code: str  # invalid, office, country, network, company, ambiguous, not_approved, rule, publication, closed,
    message: object  # a lazy string                             # repeated, imported


@dataclass
class Row:
    """One row of the file as matched."""

    line: int
    fields: dict
    office: str | None = None
    country: str | None = None
    number: str = ""
    mark: str = ""
    applicant: str = ""
    classes: list[int] = field(default_factory=list)
    filed_on: date | None = None
    published_on: date | None = None
    source: str = ""
    company: Company | None = None
    right: CompanyRight | None = None
    rule: DeadlineRule | None = None
    due_on: date | None = None
    problem: Problem | None = None
    existing: SquattingAlert | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def refuse(self, code: str, message) -> None:
        if self.problem is None:
            self.problem = Problem(code, message)


def _names_of_countries() -> dict[str, str]:
    names = {}
    for language in ("en", "ko"):
        territories = Locale(language).territories
        for code in all_country_codes():
            names[name_key(territories.get(code, ""))] = code
    return names


_COUNTRY_NAMES: dict[str, str] = {}


@functools.cache
def _country_codes() -> frozenset[str]:
    return frozenset(all_country_codes())


def office_code(text: str) -> str | None:
    """A country's code, or EU, BX or WO, from a code or a name (English or Korean); None when unknown."""
    code = text.strip().upper()
    if code in REGIONAL or code in _country_codes():
        return code
    if not _COUNTRY_NAMES:
        _COUNTRY_NAMES.update(_names_of_countries())
    key = name_key(text)
    return OFFICE_NAMES.get(key) or _COUNTRY_NAMES.get(key)


@functools.lru_cache(maxsize=1024)  # a file's rows share a handful of gazette dates
def parse_date(text: str) -> date | None:
    """2026-03-05, 2026.03.05, 2026/3/5, 2026. 3. 5., 2026년 3월 5일 or 20260305; ValueError when it is none."""
    text = text.strip()
    if not text:
        return None
    if re.fullmatch(r"\d{8}", text):
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    match = DATE_PATTERN.match(text)
    if not match:
        raise ValueError(text)
    return date(*(int(part) for part in match.groups()))


def parse_classes(text: str) -> list[int]:
    numbers = sorted({int(n) for n in re.findall(r"\d+", text)})
    if any(not 1 <= n <= 45 for n in numbers):
        raise ValueError(text)
    return numbers


def mark_key(text: str) -> str:
    """A mark as compared: compatibility forms folded, case folded, without spaces or punctuation."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text or "").casefold())


def application_key(text: str) -> str:
    """An application number as stored: upper case, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text or "").upper().split())


def _read(row: Row) -> None:
    """The row's own fields, checked; a problem when one is missing or cannot be read."""
    f = row.fields
    row.number = application_key(f["application_number"])[:MAX_NUMBER]
    row.mark = " ".join(f["mark"].split())[:MAX_TEXT]
    row.applicant = " ".join(f["applicant"].split())[:MAX_TEXT]
    row.source = " ".join(f["source"].split())[:MAX_SOURCE]
    if not row.number:
        row.refuse("invalid", _l("No application number."))
    if not row.mark:
        row.refuse("invalid", _l("No mark."))
    for name, label in (("filing_date", _l("filing date")), ("publication_date", _l("publication date"))):
        try:
            value = parse_date(f[name])
        except ValueError:
            row.refuse("invalid", _l("The %(column)s “%(value)s” is not a date (write 2026-03-05).", column=label,
                                     value=f[name][:40]))
            continue
        setattr(row, "filed_on" if name == "filing_date" else "published_on", value)
    try:
        row.classes = parse_classes(f["classes"])
    except ValueError:
        row.refuse("invalid", _l("The classes “%(value)s” are not Nice classes (1 to 45).", value=f["classes"][:40]))
    office = office_code(f["office"]) if f["office"].strip() else None
    if office is None:
        row.refuse("office", _l("Unknown country or office “%(value)s”.", value=f["office"][:40]))
        return
    row.office = office
    if office not in REGIONAL:
        row.country = office
        return
    country = office_code(f["country"]) if f["country"].strip() else None
    members = EU_MEMBERS if office == "EU" else BENELUX if office == "BX" else None
    if country is None or country in REGIONAL or (members is not None and country not in members):
        row.refuse("country", _l("An application at %(office)s needs the country where the centre should act "
                                 "(the “country” column).", office=REGIONAL[office]))
        return
    row.country = country


def _companies(rows: list[Row]) -> None:
    number_of = {raw: normalize_registration_number(raw) for raw in {r.fields["company_number"] for r in rows}}
    numbers = {number for raw, number in number_of.items() if raw}
    names = {" ".join(r.fields["company_name"].split()).casefold() for r in rows if r.fields["company_name"].strip()}
    by_number, by_name = {}, {}
    for chunk in _chunks(sorted(numbers)):
        for company in db.session.scalars(sa.select(Company).where(Company.registration_number.in_(chunk))):
            by_number[company.registration_number] = company
    for chunk in _chunks(sorted(names)):
        for company in db.session.scalars(sa.select(Company).where(sa.or_(
                sa.func.lower(Company.name_en).in_(chunk), sa.func.lower(Company.name_ko).in_(chunk)))):
            for name in {company.name_en.casefold(), company.name_ko.casefold()}:
                by_name.setdefault(name, {})[company.id] = company
    for row in rows:
        company = by_number.get(number_of[row.fields["company_number"]])
        if company is None and row.fields["company_name"].strip():
            found = by_name.get(" ".join(row.fields["company_name"].split()).casefold(), {})
            if len(found) > 1:
                row.refuse("ambiguous", _l("Several companies are called “%(name)s”: give the business "
                                           "registration number.", name=row.fields["company_name"][:80]))
                continue
            company = next(iter(found.values()), None)
        if company is None:
            row.refuse("company", _l("No company matches “%(company)s”.", company=(
                row.fields["company_number"] or row.fields["company_name"])[:80]))
        elif company.status is not CompanyStatus.approved:
            row.refuse("not_approved", _l("%(company)s is not an approved company.", company=company.name))
        else:
            row.company = company


def _chunks(keys: list) -> list[list]:
    return [keys[start:start + CHUNK] for start in range(0, len(keys), CHUNK)]


def conflicting_right(rights: list[CompanyRight], row: Row) -> CompanyRight | None:
    """The company's trademark whose mark is the same as the alert's or contains it (or is contained in it), the
    closest first: the same mark, then one with a class in common, then one that protects in the country."""
    wanted = mark_key(row.mark)
    if len(wanted) < 2:
        return None
    candidates = []
    for right in rights:
        held = mark_key(right.mark_text)
        if right.kind is not RightKind.trademark or len(held) < 2:
            continue
        if held == wanted or (min(len(held), len(wanted)) >= 3 and (held in wanted or wanted in held)):
            candidates.append((held != wanted, not set(right.nice_classes) & set(row.classes),
                               not protects_in(right.office, right.designations, row.country), right.id, right))
    return min(candidates)[-1] if candidates else None


def _rights(rows: list[Row]) -> None:
    company_ids = sorted({row.company.id for row in rows if row.company is not None})
    by_company: dict[int, list[CompanyRight]] = {}
    for chunk in _chunks(company_ids):
        for right in db.session.scalars(sa.select(CompanyRight).where(CompanyRight.company_id.in_(chunk))
                                        .order_by(CompanyRight.id)):
            by_company.setdefault(right.company_id, []).append(right)
    for row in rows:
        if row.company is not None:
            row.right = conflicting_right(by_company.get(row.company.id, []), row)


def _rules(rows: list[Row], today: date) -> None:
    """The opposition rule of each row's jurisdiction (a regional office's own; a Madrid designation's country's),
    and the deadline it gives from the publication date."""
    countries = {code for code, in db.session.execute(sa.select(Country.code).where(Country.is_active))}
    rules = {rule.jurisdiction: rule for rule in db.session.scalars(
        sa.select(DeadlineRule).where(DeadlineRule.is_active, DeadlineRule.procedure_kind == RuleProcedure.opposition,
                                      sa.not_(DeadlineRule.no_time_limit)).order_by(DeadlineRule.id.desc()))}
    for row in rows:
        if row.country is None:
            continue
        if row.country not in countries:
            row.refuse("network", _l("%(country)s is not a country of the network.", country=country_name(row.country)))
            continue
        jurisdiction = row.office if row.office in ("EU", "BX") else row.country
        row.rule = rules.get(jurisdiction)
        if row.rule is None:
            row.refuse("rule", _l("No opposition rule for %(office)s: an admin adds it under deadline rules.",
                                  office=jurisdiction))
            continue
        if row.published_on is None:
            row.refuse("publication", _l("No publication date: the opposition period runs from it."))
            continue
        row.due_on = row.rule.due_from(row.published_on)
        if row.due_on < today:
            row.refuse("closed", _l("The opposition period closed on %(date)s.", date=ShownDate(row.due_on)))


def _repeats(rows: list[Row]) -> None:
    """A row of an application imported before, or given twice in the file (its first row counts)."""
    keys = sorted({(row.office, row.number) for row in rows if row.office and row.number})
    existing = {}
    for chunk in _chunks(keys):
        for alert in db.session.scalars(sa.select(SquattingAlert).where(
                sa.tuple_(SquattingAlert.office, SquattingAlert.application_number).in_(chunk))):
            existing[(alert.office, alert.application_number)] = alert
    seen = {}
    for row in rows:
        key = (row.office, row.number)
        if key in existing:
            row.existing = existing[key]
            row.problem = Problem("imported", _l("Imported before."))
        elif row.office and row.number:
            if key in seen:
                row.refuse("repeated", _l("The same application as line %(line)d.", line=seen[key]))
            else:
                seen[key] = row.line


def match_rows(file_rows: list[dict], today: date) -> list[Row]:
    """Every row of the file, matched (in a handful of queries however long the file is)."""
    rows = [Row(line=fields["line"], fields=fields) for fields in file_rows]
    for row in rows:
        _read(row)
    _companies(rows)
    _rights(rows)
    _rules(rows, today)
    _repeats(rows)
    return rows
