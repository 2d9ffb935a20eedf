"""The country summary PDF for managers: a few pages of counts, medians, money, charts and the cases to chase."""
from dataclasses import asdict
from datetime import date

from flask import render_template
from flask_babel import get_locale
from flask_babel import gettext as _

from ipdesk.core.db import utcnow
from ipdesk.core.i18n import local_today
from ipdesk.reports.charts import bar_chart, column_chart
from ipdesk.reports.context import page_header
from ipdesk.reports.pdf import render_pdf
from ipdesk.reports.stats import country_summary


def country_summary_context(code: str, start: date, end: date) -> dict:
    """Plain data for the summary template, in the request's (or forced) locale."""
    summary = country_summary(code, start, end, today=local_today())
    charts = {
        "per_month": column_chart([(m.short_label, m.count) for m in summary.new_per_month],
                                  title=_("New cases per month")),
        "by_stage": bar_chart([(c.label, c.count) for c in summary.by_stage], title=_("Cases by stage")),
        "by_dispute_type": bar_chart([(c.label, c.count) for c in summary.by_dispute_type],
                                     title=_("Cases by dispute type")),
    }
    period = _("%(start)s to %(end)s", start=start.isoformat(), end=end.isoformat())
    return {
        "lang": str(get_locale()), "summary": asdict(summary), "charts": {k: str(v) for k, v in charts.items()},
        "generated_at": utcnow(),
        "meta": {"title": _("Country summary: %(country)s, %(period)s", country=summary.country, period=period),
                 "author": "ipdesk", "created": utcnow().isoformat(timespec="seconds")},
        "header": page_header(f"{summary.country} · {period}"),
    }


def country_summary_pdf(code: str, start: date, end: date) -> bytes:
    context = country_summary_context(code, start, end)
    return render_pdf(render_template("reports/pdf/country_summary.html", **context))
