"""The API blueprint: ``/api/v1``, exempt from CSRF because it never reads cookies."""

from flask import Blueprint

from lms.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
