"""The landing page after sign-in, and a health check for the process supervisor."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

blueprint = Blueprint("core", __name__)


@blueprint.get("/")
def home() -> str:
    return render_template("core/home.html", role=current_user.role)


@blueprint.get("/health")
def health() -> tuple[str, int, dict[str, str]]:
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
