"""The coordinator's statistics: this year so far, a year's report, a quarter's totals, one
table, and releases. Coordinator only (casework.security.policy).

Only fixed periods and fixed tables: a year (1990 … this year), a quarter that has begun, a table
of the catalogue (casework.reports.definitions), a report language among the five. Anything else
typed into the address is 404. The report pages read the statistics store alone, so they work
with the case database unreachable; only a release writes to the case store (its audit entry).
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale, get_translations
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from casework.auth.reauth import requires_recent_reauth
from casework.clock import today
from casework.extensions import db
from casework.i18n import text_direction
from casework.reports import build, charts, releases
from casework.reports.definitions import FIRST_YEAR, TABLES, YEAR_TABLES
from casework.reports.forms import ReleaseForm
from casework.reports.model import Period, Report
from casework.reports.queries import freshness, years_with_data
from casework.web.templating import LANGUAGE_NAMES

blueprint = Blueprint("reports", __name__, url_prefix="/reports")
YEAR_TABLE_IDS = frozenset(t.id for t in YEAR_TABLES)


@blueprint.get("/")
def index() -> str:
    stats = db.stats_session
    this_year = today().year
    years = years_with_data(stats)
    so_far = build.build_report(stats, Period(this_year), _report_locale(), live=True)
    return render_template(
        "reports/index.html", years=years, released=releases.released_years(stats),
        this_year=this_year, quarters={year: _quarters_begun(year) for year in years},
        highlights=_highlights(so_far), mark=so_far.mark, freshness=freshness(stats))


@blueprint.get("/<int:year>")
def year(year: int) -> str:
    return _page(_period(year), only=None)


@blueprint.get("/<int:year>/q<int:quarter>")
def quarter(year: int, quarter: int) -> str:
    return _page(_period(year, quarter), only=None)


@blueprint.get("/<int:year>/<table_id>")
def table(year: int, table_id: str) -> str:
    if table_id not in YEAR_TABLE_IDS:
        abort(404)
    return _page(_period(year), only=table_id)


@blueprint.route("/<int:year>/release", methods=["GET", "POST"])
def release(year: int) -> Response | str:
    _period(year)  # an unknown year is 404 before anything else
    return _release(year)


@requires_recent_reauth  # a release publishes: a session left open is not enough
def _release(year: int) -> Response | str:
    form = ReleaseForm()
    if form.validate_on_submit():
        made = build.release_year(db.stats_session, db.session, year, actor=_me())
        db.commit()  # the audit entry (case store), then the release (statistics store)
        flash(_("The %(year)d report is frozen as release %(number)d.", year=year,
                number=made.number), "info")
        return redirect(url_for("reports.releases", year=year))
    latest = releases.latest(db.stats_session, year)
    return render_template("reports/release.html", year=year, form=form, latest=latest,
                           ended=year < today().year)


@blueprint.get("/<int:year>/releases", endpoint="releases")
def releases_list(year: int) -> str:
    _period(year)
    return render_template("reports/releases.html", year=year, current_year=today().year,
                           releases=releases.releases_of(db.stats_session, year))


# --- helpers ---------------------------------------------------------------------------------

def _page(period: Period, only: Optional[str]) -> str:
    stats = db.stats_session
    locale, live = _report_locale(), _live()
    latest = releases.latest(stats, period.year)
    if live and latest is None:
        abort(404)  # nothing frozen, so nothing to compare with: the plain report is the live one
    report = build.build_report(stats, period, locale, live=live)
    correction = None
    if latest is not None and period.quarter is None:
        correction = build.live_publication(stats, period.year, latest)
    return render_template(
        "reports/report.html", report=report, period=period, only=only, live=live,
        latest=latest, correction=correction, changed=_changed(correction, latest),
        freshness=freshness(stats), locale=locale, **_section(report, only),
        languages=[(code, LANGUAGE_NAMES.get(code, code)) for code in _languages()],
        quarters=_quarters_begun(period.year), ended=period.year < today().year)


def _section(report: Report, only: Optional[str]) -> dict[str, Any]:
    """What templates/reports/_report.html needs. The report is in its own language: the page
    includes it with `_` bound to `gettext_in(report.locale)`, the page around it stays in hers."""
    tables = [t for t in report.tables if only is None or t.id == only]
    drawn = {t.id: charts.data_uri(charts.chart_for(t, TABLES[t.id].chart, report.locale))
             for t in tables}
    return {"tables": tables, "charts": drawn, "report_dir": text_direction(report.locale),
            "defs": TABLES, "empty": build.is_empty(report),
            "report_gettext": gettext_in(report.locale)}


def gettext_in(locale: str) -> Callable[..., str]:
    """gettext in another language than the page's (the catalogue is looked up once)."""
    with force_locale(locale):
        translations = get_translations()

    def translate(text: str, **variables: Any) -> str:
        found = translations.gettext(text)
        return found % variables if variables else found

    return translate


def _highlights(report: Report) -> list[tuple[str, Optional[int]]]:
    """The dashboard's few figures, taken from the protected report (None: not published)."""
    found = {t.id: t for t in report.tables}

    def shown(table_id: str, value: Optional[int]) -> Optional[int]:
        return None if found[table_id].withheld else value

    supported, services = found["women_supported"], found["services_given"]
    return [
        (_("Women supported"), shown("women_supported", supported.grand_total)),
        (_("New women"), shown("women_supported", supported.cells[("new", "count")])),
        (_("Sessions"), shown("services_given", (services.column_totals or {}).get("sessions"))),
        (_("Referrals made"), shown("referrals_by_partner_type",
                                    found["referrals_by_partner_type"].grand_total)),
        (_("Anonymous enquiries"), shown("enquiries_by_channel_and_caller",
                                         found["enquiries_by_channel_and_caller"].grand_total)),
        (_("Activities"), (found["activities"].column_totals or {}).get("activities")),
    ]


def _changed(correction: Any, latest: Optional[releases.ReportRelease]) -> bool:
    if correction is None or latest is None:
        return False
    return releases.snapshot(correction) != latest.snapshot


def _period(year: int, quarter: Optional[int] = None) -> Period:
    """A period that exists: a year up to this one; a quarter 1–4 that has begun."""
    if not FIRST_YEAR <= year <= today().year:
        abort(404)
    if quarter is not None and quarter not in _quarters_begun(year):
        abort(404)
    return Period(year, quarter)


def _quarters_begun(year: int) -> list[int]:
    day = today()
    return [q for q in (1, 2, 3, 4) if (year, 3 * q - 2) <= (day.year, day.month)]


def _languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def _report_locale() -> str:
    """The report's language: `lang` (one of the five), else her interface language."""
    requested = request.args.get("lang")
    if requested is None:
        return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    if requested not in _languages():
        abort(404)
    return requested


def _live() -> bool:
    """`view=live`: a released year as the store holds it now (the correction it would be)."""
    chosen = request.args.get("view")
    if chosen not in (None, "live"):
        abort(404)
    return chosen == "live"


def _me() -> Any:
    return current_user._get_current_object()  # type: ignore[attr-defined]
