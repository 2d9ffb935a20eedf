"""The dashboards: the network's (a staff member's hubs') numbers, or an exporter's own cases at a glance."""
from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ipdesk.audit.services import log_event
from ipdesk.auth.models import Role
from ipdesk.core.i18n import date_text, local_today
from ipdesk.core.spreadsheet import csv_chunks
from ipdesk.policy import can, requires
from ipdesk.reports.charts import bar_chart, column_chart, responsive, stacked_bar_chart
from ipdesk.reports.forms import FiguresForm, year_to_date
from ipdesk.reports.stats import GroupRow, exporter_overview, network_figures, network_overview

bp = Blueprint("reports", __name__)


@bp.get("/dashboard")
@login_required
@requires("dashboard.view")
def dashboard():
    today = local_today()
    if current_user.role is Role.exporter:
        overview = exporter_overview(current_user, today=today)
        return render_template("reports/exporter_dashboard.html", overview=overview, charts={
            "open": responsive(bar_chart, [(c.label, c.count) for c in overview.open_by_stage],
                               title=_("Open cases by stage")),
            "closed": responsive(bar_chart, [(c.label, c.count) for c in overview.closed_by_outcome],
                                 title=_("Closed cases by outcome")),
        })
    return _network_dashboard(FiguresForm(formdata=None, data=year_to_date(today)), today)


def _network_dashboard(figures_form: FiguresForm, today, status: int = 200):
    by = "hub" if request.args.get("by") == "hub" else "country"
    overview = network_overview(current_user, today=today)
    groups = overview.by_hub if by == "hub" else overview.by_country
    since = date_text(overview.since)
    figures_form = figures_form if can(current_user, "figures.export") else None
    return render_template("reports/dashboard.html", overview=overview, by=by, groups=groups,
                           figures_form=figures_form, charts={
        "open": responsive(stacked_bar_chart, _largest(groups, by), [s.label for s in overview.stages],
                           title=_("Open cases by stage, per country") if by == "country"
                           else _("Open cases by stage, per hub")),
        "months": responsive(column_chart, [(m.label, m.count) for m in overview.new_per_month],
                             axis_labels=[m.short_label for m in overview.new_per_month],
                             title=_("New cases per month since %(date)s", date=since)),
        "outcomes": responsive(bar_chart, [(c.label, c.count) for c in overview.outcomes],
                               title=_("Outcomes of the cases closed since %(date)s", date=since)),
        "overdue": responsive(bar_chart, [(g.label, g.overdue_deadlines) for g in groups if g.overdue_deadlines],
                              title=_("Overdue deadlines, per country") if by == "country"
                              else _("Overdue deadlines, per hub")),
    }), status


@bp.get("/dashboard/figures.csv")
@login_required
@requires("figures.export")
def export_figures():
    """The centre's work in a period per country and hub: enquiries, those that became cases, supports given. A
    period that does not hold comes back on the dashboard with its errors and what was typed."""
    form = FiguresForm(request.args)
    if not form.validate():
        return _network_dashboard(form, local_today(), 422)
    start, end = form.start.data, form.end.data
    rows = network_figures(current_user, start, end)
    log_event("figures.exported", actor=current_user, data={"start": start.isoformat(), "end": end.isoformat()})
    header = [_("Country"), _("Country code"), _("Hub"), _("Hub code"), _("From"), _("To"), _("Enquiries asked"),
              _("Became cases"), _("Supports given"), _("Sessions held"), _("Attendees"), _("Companies reached"),
              _("Of those, later asked or filed a case")]
    cells = ([row.country, row.country_code, row.hub, row.hub_code, start.isoformat(), end.isoformat(),
              *(str(n) for n in (row.enquiries, row.converted, row.supports, row.education.sessions,
                                 row.education.attendees, row.education.companies, row.education.followed))]
             for row in rows)
    name = f"ipdesk-figures-{start.isoformat()}-{end.isoformat()}.csv"
    return Response(csv_chunks(header, cells), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


CHART_ROWS = 15  # the table below the chart lists every country


def _largest(groups: list[GroupRow], by: str) -> list[tuple[str, tuple[int, ...]]]:
    """The groups with most open cases for the chart, the rest summed into one bar."""
    shown = [g for g in groups if g.open_total]
    rows = [(g.label, g.open_by_stage) for g in shown[:CHART_ROWS]]
    rest = shown[CHART_ROWS:]
    if rest:
        label = (_("Other countries (%(n)d)", n=len(rest)) if by == "country"
                 else _("Other hubs (%(n)d)", n=len(rest)))
        rows.append((label, tuple(map(sum, zip(*(g.open_by_stage for g in rest), strict=True)))))
    return rows
