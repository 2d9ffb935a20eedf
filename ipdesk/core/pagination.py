"""Pagination of list pages."""
from urllib.parse import urlencode

from flask import abort, current_app, request

from ipdesk.extensions import db

MAX_PAGE = 1_000_000  # beyond any real list; keeps OFFSET inside every database's integer range


def paginate(select_stmt):
    """Paginate a select by ``?page=``: past the last page is a 404; a page that is not a number is page 1."""
    page = request.args.get("page", 1, type=int)
    if not 1 <= page <= MAX_PAGE:
        abort(404)
    return db.paginate(
        select_stmt, page=page, per_page=current_app.config["ITEMS_PER_PAGE"], error_out=True, count=True
    )


def page_url(number: int) -> str:
    """This list's URL with its filters kept and only the page changed."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
    return f"{request.path}?{urlencode([*args, ('page', number)])}"
