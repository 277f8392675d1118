"""The landing page after sign-in, and a health check for the process supervisor."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

blueprint = Blueprint("core", __name__)

LANDING_PAGES = {"counsellor": "cases.dashboard", "coordinator": "reports.index",
                 "shelter_partner": "partner.inbox"}


@blueprint.get("/")
def home() -> str | Response:
    # A counsellor's day starts from her cases, a coordinator's from the statistics, a shelter
    # partner's from her inbox; the admin keeps the overview page.
    landing = LANDING_PAGES.get(current_user.role)
    if landing:
        return redirect(url_for(landing))
    return render_template("core/home.html", role=current_user.role)


@blueprint.get("/health")
def health() -> tuple[str, int, dict[str, str]]:
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
