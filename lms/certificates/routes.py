"""Routes of the certificates feature."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)
