"""Routes of the privacy feature."""

from flask import Blueprint

bp = Blueprint("privacy", __name__)
