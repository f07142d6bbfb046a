"""Routes of the policy feature."""

from flask import Blueprint

bp = Blueprint("policy", __name__)
