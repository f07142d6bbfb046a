"""``lms certificates issue``: issue certificates for finished activities (for cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.certificates import service
from lms.cli import fail
from lms.extensions import db
from lms.models import Activity


@click.group("certificates", cls=AppGroup)
def certificates_group() -> None:
    """Attesten."""


@certificates_group.command("issue")
@click.option(
    "--activity",
    "activity_id",
    type=int,
    default=None,
    help="Alleen voor deze activiteit (id); anders elke activiteit waarvan de laatste "
    "sessie voorbij is.",
)
def issue(activity_id: int | None) -> None:
    """Reik attesten uit aan iedereen die geslaagd is en er nog geen heeft (idempotent)."""
    if activity_id is not None:
        if db.session.get(Activity, activity_id) is None:
            fail(f"Geen activiteit met id {activity_id}.")
        ids = [activity_id]
    else:
        ids = service.finished_activity_ids()
        db.session.rollback()  # end the read, so each activity's lock is its first write
    total = 0
    failed = False
    for each in ids:
        try:
            result = service.issue_for_activity(each, actor=None)
        except service.CertificateError as exc:
            db.session.rollback()
            click.secho(f"#{each}: {exc.message}", fg="yellow", err=True)
            failed = failed or activity_id is not None
            continue
        except Exception:
            db.session.rollback()
            raise
        db.session.commit()
        total += len(result.issued)
        if result.issued or result.incomplete or activity_id is not None:
            # Never silent about people whose result waits for unrecorded sessions.
            click.echo(f"#{each} {result.activity.title}: {result.summary}")
    click.echo(
        f"Klaar: {total} {'attest' if total == 1 else 'attesten'} uitgereikt "
        f"voor {len(ids)} {'activiteit' if len(ids) == 1 else 'activiteiten'}."
    )
    if failed:
        raise SystemExit(1)
