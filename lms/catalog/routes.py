"""Routes of the catalog feature."""

from flask import Blueprint

bp = Blueprint("catalog", __name__)
