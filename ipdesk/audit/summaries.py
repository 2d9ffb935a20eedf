"""One-line summaries of audit entries, rendered when read, in the reader's language.

The log stores no sentence: each action code has a template here whose named placeholders are
filled from the entry's ``data``, its personal values (or "(erased)"), its case and its object.
"""
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ipdesk.actions.models import ActionKind, ActionStatus, LitigationStatus
from ipdesk.auth.models import Role
from ipdesk.cases.models import Stage
from ipdesk.cases.stages import BY_NAME
from ipdesk.companies.models import CompanySize
from ipdesk.core.particles import with_particles
from ipdesk.deadlines.models import DeadlineEnding
from ipdesk.enquiries.models import Channel

SUMMARIES = {
    "auth.login": _l("Signed in"),
    "auth.login_failed": _l("Failed sign-in for %(email)s"),
    "auth.password_changed": _l("Changed their password"),
    "auth.password_reset_requested": _l("Password reset asked for %(email)s"),
    "auth.password_reset": _l("Reset their password with a link"),
    "auth.2fa_enabled": _l("Turned two-factor sign-in on"),
    "auth.2fa_disabled": _l("Turned two-factor sign-in off"),
    "auth.2fa_recovery_codes": _l("Made new recovery codes"),
    "auth.2fa_recovery_used": _l("Signed in with a recovery code"),
    "auth.2fa_failed": _l("Wrong second-step code for user %(user_id)s"),
    "user.created": _l("Account %(email)s created as %(role)s"),
    "user.updated": _l("Account %(email)s updated"),
    "user.activated": _l("Account %(email)s activated"),
    "user.deactivated": _l("Account %(email)s deactivated"),
    "user.profile_updated": _l("Updated their profile"),
    "user.notifications_changed": _l("Changed their notification settings"),
    "calendar.rotated": _l("Made a new calendar link"),
    "notify.retry_failed": _l("Retried %(count)s failed e-mails"),
    "company.registration_requested": _l("Registration asked for %(email)s"),
    "company.registered": _l("Company %(company)s registered by %(email)s"),
    "company.approved": _l("Company %(company)s approved"),
    "company.suspended": _l("Company %(company)s suspended: %(reason)s"),
    "company.reinstated": _l("Company %(company)s reinstated"),
    "company.refused": _l("Registration of company %(company)s refused (%(reason)s): %(note)s"),
    "invitation.created": _l("Invitation sent to %(email)s"),
    "invitation.revoked": _l("Invitation for %(email)s revoked"),
    "invitation.accepted": _l("%(email)s joined company %(company_id)s"),
    "hub.created": _l("Hub %(code)s created"),
    "hub.updated": _l("Hub %(code)s updated"),
    "country.added": _l("Country %(country)s added under hub %(hub)s"),
    "country.updated": _l("Country %(country)s updated"),
    "region.saved": _l("Region %(code)s saved"),
    "case.created": _l("Draft %(object_id)s created for company %(company_id)s"),
    "case.updated": _l("Case %(case)s edited"),
    "case.stage_changed": _l("Case %(case)s: %(from)s → %(to)s (%(transition)s)"),
    "case.assigned": _l("Case %(case)s assigned to %(assignee)s"),
    "case.transferred": _l("Case %(case)s transferred to hub %(hub)s"),
    "case.note_added": _l("Internal note on case %(case)s"),
    "case.message_posted": _l("Message on case %(case)s"),
    "case.exported": _l("Case list exported as CSV"),
    "case.printed": _l("Case file PDF of %(case)s"),
    "consultation.added": _l("Consultation %(object_id)s on case %(case)s"),
    "evidence.added": _l("Evidence %(object_id)s added to case %(case)s"),
    "evidence.uploaded": _l("Evidence file %(object_id)s (%(sha256)s) uploaded"),
    "evidence.downloaded": _l("Evidence file %(object_id)s (%(sha256)s) downloaded"),
    "evidence.exported": _l("Evidence file %(object_id)s (%(sha256)s) exported in a bundle"),
    "evidence.notarised": _l("Evidence file %(object_id)s (%(sha256)s) notarised"),
    "evidence.submitted": _l("Evidence file %(object_id)s (%(sha256)s) submitted to an authority"),
    "evidence.mismatch": _l("Evidence file %(object_id)s (%(sha256)s) failed its integrity check"),
    # both a file's custody event and a whole case's check use this code
    "evidence.verified": _l("Evidence of case %(case)s verified"),
    "evidence.bundle": _l("Evidence bundle of case %(case)s"),
    "evidence.download_refused": _l("File %(object_id)s not served: %(result)s"),
    "right.created": _l("Right %(object_id)s (%(kind)s, %(office)s) added to the register of company %(company_id)s"),
    "right.updated": _l("Right %(object_id)s of company %(company_id)s edited"),
    "right.deleted": _l("Right %(object_id)s removed from the register of company %(company_id)s"),
    "case.rights_chosen": _l("The rights case %(case)s relies on chosen"),
    "alerts.uploaded": _l("A file of %(rows)s squatting alerts uploaded (%(file)s)"),
    "alerts.imported": _l("Squatting alerts imported as draft opposition cases: %(alerts)s (companies: %(companies)s)"),
    "alerts.discarded": _l("A file of %(rows)s squatting alerts discarded"),
    "alert.requested": _l("The company asked the centre to oppose alert %(object_id)s (case %(case_id)s)"),
    "case.warning_dismissed": _l("Enforceability warning of case %(case)s dismissed (%(code)s)"),
    "infringer.created": _l("Infringer %(object_id)s created"),
    "infringer.updated": _l("Infringer %(object_id)s edited"),
    "infringer.linked": _l("Infringer %(object_id)s linked to case %(case)s"),
    "infringer.unlinked": _l("Infringer %(object_id)s unlinked from case %(case)s"),
    "enquiry.recorded": _l("Enquiry %(object_id)s recorded (%(channel)s, %(country)s)"),
    "enquiry.asked": _l("Enquiry %(object_id)s asked online (%(country)s)"),
    "enquiry.requested": _l("Question asked without an account from %(email)s, waiting for its link"),
    "enquiry.confirmed": _l("Enquiry %(object_id)s filed from a confirmed link (%(country)s)"),
    "enquiry.updated": _l("Enquiry %(object_id)s edited"),
    "enquiry.answered": _l("Enquiry %(object_id)s answered"),
    "enquiry.followed_up": _l("Enquiry %(object_id)s followed up"),
    "enquiry.converted": _l("Enquiry %(object_id)s opened as case %(case_id)s"),
    "enquiry.exported": _l("Enquiries exported as CSV"),
    "figures.exported": _l("Figures from %(start)s to %(end)s exported as CSV"),
    "guide.created": _l("Guide %(object_id)s written (%(country)s)"),
    "guide.revised": _l("Guide %(object_id)s: revision %(revision)s saved"),
    "guide.published": _l("Guide %(object_id)s: revision %(revision)s published"),
    "guide.withdrawn": _l("Guide %(object_id)s withdrawn from readers"),
    "guide.file_added": _l("Guide %(object_id)s: file %(file)s attached"),
    "guide.file_removed": _l("Guide %(object_id)s: file %(file)s removed"),
    "guide.printed": _l("Guide %(object_id)s printed (revision %(revision)s, %(lang)s)"),
    "session.created": _l("Education session %(object_id)s planned"),
    "session.updated": _l("Education session %(object_id)s changed"),
    "session.cancelled": _l("Education session %(object_id)s cancelled"),
    "session.registered": _l("Registered for education session %(object_id)s (%(status)s)"),
    "session.registration_cancelled": _l("Registration %(registration)s for education session %(object_id)s "
                                         "cancelled"),
    "session.seated": _l("Registration %(registration)s for education session %(object_id)s given a seat"),
    "session.attendance": _l("Attendance of education session %(object_id)s marked: %(attended)s came"),
    "session.certificate_printed": _l("Certificate of registration %(registration)s for education session "
                                      "%(object_id)s printed (%(lang)s)"),
    "action.added": _l("Administrative action %(kind)s on case %(case)s"),
    "action.updated": _l("Administrative action %(object_id)s on case %(case)s updated"),
    "action.ended": _l("Administrative action %(object_id)s on case %(case)s ended: %(status)s"),
    "litigation.added": _l("Suit at %(court)s on case %(case)s"),
    "litigation.updated": _l("Suit %(object_id)s on case %(case)s updated"),
    "litigation.ended": _l("Suit %(object_id)s on case %(case)s ended: %(status)s"),
    "hearing.added": _l("Hearing %(held_on)s of suit %(litigation_id)s"),
    "deadline.added": _l("Deadline %(due_on)s on case %(case)s"),
    "deadline.done": _l("Deadline %(object_id)s done"),
    "deadline.ended": _l("Deadline %(object_id)s on case %(case)s ended: %(ending)s"),
    "deadline_rule.saved": _l("Deadline rule %(after.jurisdiction)s %(after.procedure_en)s saved"),
    "cost.added": _l("Cost %(amount)s %(currency)s on case %(case)s"),
    "cost.removed": _l("Cost %(object_id)s removed from case %(case)s"),
    "cost_rule.saved": _l("Cost-share rule for %(company_size)s saved"),
    "refusal_reason.saved": _l("Refusal reason %(code)s saved"),
    "report.country_printed": _l("Country summary %(country)s %(start)s..%(end)s"),
    "report.pack_requested": _l("All-country pack %(start)s..%(end)s (%(lang)s)"),
    "report.pack_made": _l("All-country pack %(object_id)s: %(pages)s pages"),
    "report.pack_failed": _l("All-country pack %(object_id)s failed: its process stopped"),
    "report.pack_lost": _l("All-country pack %(object_id)s failed: the queue lost it"),
    "report.pack_downloaded": _l("All-country pack %(object_id)s downloaded"),
    "report.pack_missing": _l("All-country pack %(object_id)s no longer in the storage"),
    "audit.format_migrated": _l("Audit log re-chained in format %(format)s; the previous format's last hash was "
                                "%(previous_last_hash)s"),
}
# Codes in an entry's data that a summary shows by their label, in the reader's language.
LABELLED = {
    "case.stage_changed": {"from": Stage, "to": Stage},
    "user.created": {"role": Role},
    "action.added": {"kind": ActionKind},
    "action.ended": {"status": ActionStatus},
    "litigation.ended": {"status": LitigationStatus},
    "deadline.ended": {"ending": DeadlineEnding},
    "cost_rule.saved": {"company_size": CompanySize},
    "enquiry.recorded": {"channel": Channel},
}
DOWNLOAD_REFUSALS = {"missing": _l("the stored file is missing"), "mismatch": _l("it no longer matches its hash")}
LEGACY_SUMMARY = "summary_text"  # the English sentence an entry written before format 2 carried
PLACEHOLDER = re.compile(r"%\(([\w.]+)\)s")


class _Placeholders(dict):
    """A summary's values by placeholder; one the entry does not have reads as a dash."""

    def __missing__(self, key: str) -> str:
        return "—"


def _flatten(data, prefix: str = "") -> dict:
    """``data`` by placeholder name: nested keys joined by dots, lists joined by commas."""
    flat = {}
    for key, value in (data or {}).items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        elif isinstance(value, list):
            flat[f"{prefix}{key}"] = ", ".join(str(v) for v in value)
        elif value is not None:
            flat[f"{prefix}{key}"] = value
    return flat


def personal_text(value) -> str:
    """A personal value as shown: the value, or "(erased)" once it was erased."""
    return value.value if value.value is not None else _("(erased)")


def summary(entry) -> str:
    """The entry's summary in the current language (load ``personal_values`` and ``case`` with the entries)."""
    legacy = entry.personal(LEGACY_SUMMARY)
    template = SUMMARIES.get(entry.action)
    if template is None:
        if legacy is not None and legacy.value is not None:
            return legacy.value
        return (_("%(action)s on %(object_type)s %(object_id)s", action=entry.action, object_type=entry.object_type,
                  object_id=entry.object_id or "") if entry.object_type else entry.action)
    values = _Placeholders(_flatten(entry.data))
    values["object_id"] = entry.object_id or "—"
    values["case"] = (entry.case.display_reference if entry.case is not None
                      else f"#{entry.case_id}" if entry.case_id else "—")
    values.update((v.name, personal_text(v)) for v in entry.personal_values)
    for name, enum in LABELLED.get(entry.action, {}).items():
        if values.get(name) in enum.__members__:
            values[name] = enum[values[name]].title
    if entry.action == "case.stage_changed" and values.get("transition") in BY_NAME:
        values["transition"] = BY_NAME[values["transition"]].title
    if entry.action == "evidence.download_refused" and values.get("result") in DOWNLOAD_REFUSALS:
        values["result"] = DOWNLOAD_REFUSALS[values["result"]]
    # an entry written before format 2 kept its English sentence: it stands in for what the entry cannot fill
    if legacy is not None and legacy.value is not None and not set(PLACEHOLDER.findall(str(template))) <= set(values):
        return legacy.value
    return with_particles(str(template), values) % values
