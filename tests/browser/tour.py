"""The main pages of ipdesk, as each kind of user reaches them: checked by axe in the browser tests and
photographed by `make screenshots`."""
import re

# who signs in (None: nobody), the page, a short name for files. "{case}" is the first case the user's
# case list shows, "{case in action}" the first at the action stage (a path may go on after either),
# "{infringer}" the demo's infringer record (linked to cases), "{company}" the first company.
TOUR = [
    (None, "/login", "sign-in"),
    (None, "/register", "register"),
    (None, "/privacy", "privacy"),
    ("exporter@ipdesk.example", "/", "home-exporter"),
    ("exporter@ipdesk.example", "/cases", "cases-exporter"),
    ("exporter@ipdesk.example", "/cases/new", "intake"),
    ("exporter@ipdesk.example", "{case}", "case-exporter"),
    ("exporter@ipdesk.example", "/dashboard", "dashboard-exporter"),
    ("exporter@ipdesk.example", "/company", "our-company"),
    ("exporter@ipdesk.example", "/account", "account"),
    ("exporter@ipdesk.example", "/notifications", "notifications-exporter"),
    ("exporter@ipdesk.example", "/search?q=%EC%84%B8%EB%9F%BC", "search-exporter"),
    ("exporter@ipdesk.example", "{our rights}", "rights-exporter"),
    ("exporter@ipdesk.example", "/alerts", "alerts-exporter"),
    ("staff.china@ipdesk.example", "/", "home-staff"),
    ("staff.china@ipdesk.example", "/cases", "cases-staff"),
    ("staff.china@ipdesk.example", "{case}", "case-staff"),
    ("staff.china@ipdesk.example", "{case in action}", "case-staff-action"),
    ("staff.china@ipdesk.example", "{case in action}/evidence", "add-evidence"),
    ("staff.china@ipdesk.example", "{case in action}/deadlines", "add-deadline"),
    ("staff.china@ipdesk.example", "{case in action}/consultations", "record-consultation"),
    ("staff.china@ipdesk.example", "{case in action}/actions", "record-action"),
    ("staff.china@ipdesk.example", "{case in action}/litigation", "record-suit"),
    ("staff.china@ipdesk.example", "{case in action}/costs", "add-cost"),
    ("staff.china@ipdesk.example", "{case in action}/transfer", "transfer"),
    ("staff.china@ipdesk.example", "/deadlines", "my-deadlines"),
    ("staff.china@ipdesk.example", "/notifications", "notifications-staff"),
    ("staff.china@ipdesk.example", "/infringers", "infringers"),
    ("staff.china@ipdesk.example", "{infringer}", "infringer"),
    ("staff.china@ipdesk.example", "/companies", "companies"),
    ("staff.china@ipdesk.example", "/search?q=%EC%BD%94%EC%8A%A4%EB%A9%94", "search-staff"),
    ("staff.china@ipdesk.example", "/search?q=%E7%BE%8E%E5%A6%86&kind=case", "search-staff-cases"),
    ("staff.china@ipdesk.example", "{company}", "company"),
    ("staff.china@ipdesk.example", "/alerts", "alerts-staff"),
    ("staff.china@ipdesk.example", "{alert file}", "alert-file"),
    ("staff.china@ipdesk.example", "/alerts/import", "alert-import"),
    ("staff.china@ipdesk.example", "/alerts/format", "alert-format"),
    ("manager@ipdesk.example", "/", "home-manager"),
    ("manager@ipdesk.example", "/dashboard", "dashboard-manager"),
    ("manager@ipdesk.example", "/dashboard?by=hub", "dashboard-by-hub"),
    ("manager@ipdesk.example", "/reports", "reports"),
    ("manager@ipdesk.example", "/network", "network"),
    ("manager@ipdesk.example", "/account/two-factor", "two-factor"),
    ("admin@ipdesk.example", "/admin/", "admin"),
    ("admin@ipdesk.example", "/admin/users", "admin-users"),
    ("admin@ipdesk.example", "/admin/hubs", "admin-hubs"),
    ("admin@ipdesk.example", "/admin/countries", "admin-countries"),
    ("admin@ipdesk.example", "/admin/deadline-rules", "admin-deadline-rules"),
    ("admin@ipdesk.example", "/admin/cost-rules", "admin-cost-rules"),
    ("admin@ipdesk.example", "/admin/audit", "admin-audit"),
]
FIND = {"{case}": ("/cases", r'href="(/cases/\d+)"'),
        "{case in action}": ("/cases?stage=action", r'href="(/cases/\d+)"'),
        "{infringer}": ("/infringers?q=Golden+Dragon", r'href="(/infringers/\d+)"'),  # the demo's, with cases
        "{company}": ("/companies", r'href="(/companies/\d+)"'),
        "{our rights}": ("/company", r'href="(/companies/\d+/rights)"'),
        "{alert file}": ("/alerts", r'href="(/alerts/imports/\d+)"')}


def resolve(page, base: str, path: str) -> str:
    """The URL of ``path``; a placeholder becomes the first matching link of its list page."""
    placeholder = next((p for p in FIND if path.startswith(p)), None)
    if placeholder is None:
        return base + path
    list_path, pattern = FIND[placeholder]
    page.goto(base + list_path)
    return base + re.search(pattern, page.content()).group(1) + path.removeprefix(placeholder)
