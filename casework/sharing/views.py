"""Routes of the sharing area (being built)."""

from flask import Blueprint

blueprint = Blueprint("sharing", __name__, url_prefix=None)
