"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi …``.

The configuration comes from ``LMS_CONFIG`` (development, testing, production).
"""

from lms import create_app

app = create_app()
