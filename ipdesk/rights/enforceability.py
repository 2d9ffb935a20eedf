"""Whether a case's rights can be enforced where it is: computed from the rights the case relies on (the company's
register), the case's IP right, country and the classes of the goods, never from what someone typed."""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext

from ipdesk.cases.models import IPRight
from ipdesk.core.i18n import country_name
from ipdesk.rights.models import CompanyRight, RightKind, RightStatus
from ipdesk.rights.offices import protects_in

# the register's kinds that can carry each IP right of a case (a patent dispute may rest on a utility model)
KINDS_FOR = {
    IPRight.trademark: (RightKind.trademark,),
    IPRight.design: (RightKind.design,),
    IPRight.patent: (RightKind.patent, RightKind.utility_model),
}


@dataclass(frozen=True)
class EnforcementWarning:
    """Why enforcement may be impossible: ``code`` names the reason (a dismissal holds for that reason only)."""

    code: str
    message: str


def assess(ip_right: IPRight | None, country: str, classes: Iterable[int], rights: Iterable[CompanyRight],
           today: date) -> EnforcementWarning | None:
    """The warning for a case of ``ip_right`` in ``country`` about goods of ``classes`` relying on ``rights``, or
    None. Copyright needs no registration (the Berne Convention), nor does a trade secret; a case whose right is
    not yet known is not judged."""
    kinds = KINDS_FOR.get(ip_right)
    if kinds is None:
        return None
    there = [right for right in rights if right.kind in kinds and protects_in(right.office, right.designations,
                                                                               country)]
    live = [right for right in there if right.is_live(today)]
    place = country_name(country)
    if not live:
        if any(right.status is RightStatus.filed for right in there):
            return EnforcementWarning("pending", _(
                "The right this case relies on in %(country)s is an application still pending: it cannot be "
                "enforced until it is registered.", country=place))
        if there:
            return EnforcementWarning("lapsed", _(
                "The registration this case relies on in %(country)s is no longer in force (expired, refused or "
                "cancelled): enforcement there may be impossible.", country=place))
        return EnforcementWarning("unregistered", _(
            "No registration in force in %(country)s among the rights this case relies on: enforcement there may "
            "be impossible.", country=place))
    wanted = sorted(set(classes))
    if ip_right is IPRight.trademark and wanted:
        covered = {number for right in live for number in right.nice_classes or ()}
        missing = [number for number in wanted if number not in covered]
        if missing:
            return EnforcementWarning("classes", ngettext(
                "The trademark registered in %(country)s does not cover class %(classes)s of the goods: enforcement "
                "against them may be impossible.",
                "The trademark registered in %(country)s does not cover classes %(classes)s of the goods: "
                "enforcement against them may be impossible.",
                len(missing), country=place, classes=", ".join(str(number) for number in missing)))
    return None
