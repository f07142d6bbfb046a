"""Every Flask extension, created once here and bound in :func:`lms.create_app`."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from lms.models.base import db

__all__ = ["babel", "csrf", "db", "limiter", "login_manager", "mail", "migrate"]

migrate = Migrate()
login_manager = LoginManager()
mail = Mail()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(get_remote_address)
