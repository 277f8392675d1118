"""Routes of the centre area (being built)."""

from flask import Blueprint

blueprint = Blueprint("centre", __name__, url_prefix="/centre")
