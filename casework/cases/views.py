"""Routes of the cases area (being built)."""

from flask import Blueprint

blueprint = Blueprint("cases", __name__, url_prefix="/cases")
