"""Routes of the records area (being built)."""

from flask import Blueprint

blueprint = Blueprint("records", __name__, url_prefix="/cases")
