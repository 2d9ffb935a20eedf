"""Pagination of list pages."""
from flask import abort, current_app, request

from ipdesk.extensions import db


def paginate(select_stmt):
    """Paginate a select by ``?page=``; a page number that is not a number is a 404, not a 500."""
    page = request.args.get("page", 1, type=int)
    if page < 1:
        abort(404)
    return db.paginate(
        select_stmt, page=page, per_page=current_app.config["ITEMS_PER_PAGE"], error_out=True, count=True
    )
