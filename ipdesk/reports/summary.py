"""The country summary PDF for managers: two pages, counts, medians, money and a chart, then the cases to chase."""
from dataclasses import asdict
from datetime import date

from flask import render_template
from flask_babel import get_locale
from flask_babel import gettext as _

from ipdesk.cases.models import Stage
from ipdesk.core.db import utcnow
from ipdesk.core.i18n import date_text, local_today
from ipdesk.reports.charts import column_chart
from ipdesk.reports.context import page_header
from ipdesk.reports.pdf import render_pdf
from ipdesk.reports.stats import country_summary


def country_summary_context(code: str, start: date, end: date, *, in_pack: bool = False) -> dict:
    """Plain data for the summary template, in the request's (or forced) locale; ``in_pack`` leaves out the
    page numbers (the all-country pack numbers its pages through)."""
    summary = country_summary(code, start, end, today=local_today())
    months = summary.new_per_month
    per_month = column_chart([(m.label, m.count) for m in months], axis_labels=[m.short_label for m in months],
                             title=_("New cases per month"), plot_height=50)
    period = _("%(start)s to %(end)s", start=date_text(start), end=date_text(end))
    return {
        "lang": str(get_locale()), "country_code": code, "summary": asdict(summary),
        "charts": {"per_month": str(per_month)},
        "stage_labels": {stage.name: stage.short_title for stage in Stage},
        "generated_at": utcnow(),
        "meta": {"title": _("Country summary: %(country)s, %(period)s", country=summary.country, period=period),
                 "author": "ipdesk", "created": utcnow().isoformat(timespec="seconds")},
        "header": page_header(f"{summary.country} · {period}", numbered=not in_pack),
    }


def country_summary_html(code: str, start: date, end: date, *, in_pack: bool = False) -> str:
    """The summary as HTML: everything it reads from the database, before anything slow."""
    return render_template("reports/pdf/country_summary.html",
                           **country_summary_context(code, start, end, in_pack=in_pack))


def country_summary_pdf(code: str, start: date, end: date, *, in_pack: bool = False) -> bytes:
    return render_pdf(country_summary_html(code, start, end, in_pack=in_pack))
