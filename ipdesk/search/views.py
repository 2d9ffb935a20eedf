"""The search page: one box for every record kind a user may open, hits grouped by kind, words marked."""
from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from ipdesk.policy import requires
from ipdesk.search.highlight import snippet
from ipdesk.search.query import COUNT_CAP, MAX_QUERY_LENGTH, SHORT_QUERY, Query, search
from ipdesk.search.registry import KINDS

bp = Blueprint("search", __name__)

PER_GROUP = 5  # hits of each kind on the page of every kind
PER_PAGE = 20  # hits on the page of one kind


@bp.get("/search")
@login_required
@requires("search")
def results():
    typed = request.args.get("q", "")[:MAX_QUERY_LENGTH].strip()
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KINDS:
        abort(404)
    page = request.args.get("page", 1, type=int)
    if not 1 <= page <= COUNT_CAP // PER_PAGE:  # the hits counted; beyond them the page offers no next page
        abort(404)
    query = Query.parse(typed)
    groups = []
    if query.searchable:
        if kind is None:
            groups = search(current_user, query, limit=PER_GROUP)
        else:
            groups = search(current_user, query, kinds={kind}, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
            if page > 1 and (not groups or not groups[0].hits):
                abort(404)
    status = 200 if query.searchable or not typed else 422
    return render_template("search/results.html", typed=typed, query=query, kind=kind, groups=groups, page=page,
                           per_page=PER_PAGE, snippet=snippet, short_query=SHORT_QUERY), status
