"""The network page: which centre covers which country."""
import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import login_required
from sqlalchemy.orm import selectinload

from ipdesk.extensions import db
from ipdesk.network.models import Hub
from ipdesk.policy import requires

bp = Blueprint("network", __name__)


@bp.get("/network")
@login_required
@requires("network.view")
def overview():
    hubs = db.session.scalars(
        sa.select(Hub).where(Hub.is_active).order_by(Hub.code)
        .options(selectinload(Hub.primary_countries), selectinload(Hub.secondary_countries))
    ).all()
    return render_template("network/overview.html", hubs=hubs)
