"""``flask --app wsgi lms …``: the operators' commands (see CONTRACT.md).

Each module in :data:`COMMAND_MODULES` adds its commands to :data:`lms_group`; commands are
thin wrappers around the services and commit what the service wrote.
"""

from __future__ import annotations

import importlib

import click
from flask import Flask
from flask.cli import AppGroup

lms_group = AppGroup("lms", help="Beheer van het SAM Leerplatform.")

COMMAND_MODULES = (
    "lms.cli.users",
    "lms.cli.tokens",
    "lms.cli.demo",
    "lms.cli.mail",
    "lms.cli.backup",
    "lms.cli.remind",
    "lms.cli.certificates",
    "lms.cli.purge",
    "lms.cli.themes",
)


def register_cli(app: Flask) -> None:
    for module in COMMAND_MODULES:
        importlib.import_module(module)
    app.cli.add_command(lms_group)


def fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    raise SystemExit(1)
