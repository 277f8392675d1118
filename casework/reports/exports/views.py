"""Downloads of the anonymised statistics: CSV, XLSX and the network submission file.

Coordinator only (casework.security.policy), after a recent re-authentication: a session left
open on a shared computer is not enough to carry the year's figures away. Each download is
audited ("report.exported": the format and the period) and never kept by a browser or proxy.
"""

from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, current_app, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from casework.auth.reauth import requires_recent_reauth
from casework.clock import today
from casework.errors import NotFound
from casework.extensions import db
from casework.reports.exports import Centre, export_report
from casework.reports.model import Period

blueprint = Blueprint("report_exports", __name__, url_prefix="/reports/exports")

FIRST_YEAR = 1990


@blueprint.get("/<int:year>.csv", defaults={"quarter": None})
@blueprint.get("/<int:year>/q<int:quarter>.csv")
@requires_recent_reauth
def csv(year: int, quarter: Optional[int]) -> Response:
    return _download("csv", year, quarter)


@blueprint.get("/<int:year>.xlsx", defaults={"quarter": None})
@blueprint.get("/<int:year>/q<int:quarter>.xlsx")
@requires_recent_reauth
def xlsx(year: int, quarter: Optional[int]) -> Response:
    return _download("xlsx", year, quarter)


@blueprint.get("/<int:year>.json", defaults={"quarter": None})
@blueprint.get("/<int:year>/q<int:quarter>.json")
@requires_recent_reauth
def network(year: int, quarter: Optional[int]) -> Response:
    return _download("network", year, quarter)


def _download(fmt: str, year: int, quarter: Optional[int]) -> Response:
    exported = export_report(db.session, db.stats_session, period=_period(year, quarter),
                             locale=_locale(), fmt=fmt, actor=_me(),
                             centre=Centre(country=current_app.config["CENTRE_COUNTRY"]))
    db.session.commit()  # the audit entry
    response = Response(exported.content, content_type=exported.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _period(year: int, quarter: Optional[int]) -> Period:
    if not FIRST_YEAR <= year <= today().year or quarter not in (None, 1, 2, 3, 4):
        raise NotFound(_("There are no statistics for that period."))
    return Period(year=year, quarter=quarter)


def _locale() -> str:
    """The labels' language: the `lang` parameter (a supported language only), else hers."""
    requested = request.args.get("lang")
    if requested is None:
        return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    if requested not in current_app.config["LANGUAGES"]:
        raise NotFound(_("There is no such language."))
    return requested


def _me() -> Any:
    return current_user._get_current_object()  # type: ignore[attr-defined]
