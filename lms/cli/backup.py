"""``lms backup PATH`` and ``lms restore PATH``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from lms.cli import fail
from lms.common.backup import BackupError, backup, restore


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Maak een back-up van de hele databank naar PATH."""
    try:
        result = backup(path)
    except BackupError as exc:
        fail(str(exc))
    click.echo(f"Back-up ({result.kind}) geschreven naar {result.path} ({result.size:,} bytes).")


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Ook als de databank al gegevens bevat (overschrijft).")
def restore_command(path: Path, force: bool) -> None:
    """Herstel een back-up in de (lege) databank."""
    try:
        kind = restore(path, force=force)
    except BackupError as exc:
        fail(str(exc))
    click.echo(f"Back-up ({kind}) hersteld uit {path}.")
