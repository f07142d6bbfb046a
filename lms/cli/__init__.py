"""``flask --app wsgi lms …``: the operators' commands.

Each module defines its commands (plain click commands and groups, not attached to anything);
:func:`register_cli` is the one table that adds them to :data:`lms_group`, as a feature's
``blueprint.py`` is for its URLs. Commands are thin wrappers around the services and commit
what the service wrote.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

lms_group = AppGroup("lms", help="Beheer van het SAM Leerplatform.")


def register_cli(app: Flask) -> None:
    """The command table: every ``flask lms …`` command, each defined in its own module."""
    from lms.cli import backup, certificates, demo, mail, purge, remind, themes, tokens, users

    for command in (
        users.user_group,
        tokens.token_group,
        demo.demo,
        mail.mail_group,
        backup.backup_command,
        backup.restore_command,
        remind.remind,
        certificates.certificates_group,
        purge.purge,
        themes.theme_group,
    ):
        lms_group.add_command(command)
    app.cli.add_command(lms_group)


def fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    raise SystemExit(1)
