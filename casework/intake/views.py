"""Routes of the intake area (being built)."""

from flask import Blueprint

blueprint = Blueprint("intake", __name__, url_prefix="/intake")
