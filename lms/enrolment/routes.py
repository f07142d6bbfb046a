"""Routes of the enrolment feature."""

from flask import Blueprint

bp = Blueprint("enrolment", __name__)
