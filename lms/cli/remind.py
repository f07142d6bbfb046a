"""``lms remind``: queue reminders for sessions starting within the next day (for cron).

Also passes on waiting-list offers that ran out (the enrolment feature's
``expire_offers``), and mails each trainer, once, the day after a session ended without
complete attendance (:func:`lms.attendance.todo.queue_trainer_reminders`), so one cron line
keeps all of it moving.
"""

from __future__ import annotations

import importlib
from datetime import timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import IntegrityError

from lms.attendance.todo import queue_trainer_reminders
from lms.common.timeutil import format_datetime
from lms.extensions import db
from lms.schedule.reminders import queue_reminders

ATTEMPTS = 3


def _expire_offers() -> int | None:
    """Run ``lms.enrolment.service.expire_offers`` when the enrolment feature has it."""
    try:
        service = importlib.import_module("lms.enrolment.service")
    except ImportError:
        return None
    expire = getattr(service, "expire_offers", None)
    if expire is None:
        return None
    count = expire()
    db.session.commit()
    return int(count or 0)


@click.command("remind")
@with_appcontext
@click.option(
    "--hours",
    default=24,
    show_default=True,
    type=click.IntRange(1, 24 * 7),
    help="Herinner voor sessies die binnen zoveel uur beginnen.",
)
def remind(hours: int) -> None:
    """Zet herinneringen klaar voor sessies die binnen een dag beginnen (voor cron).

    Elke deelnemer krijgt per sessie hoogstens één herinnering, hoe vaak dit ook draait.
    """
    expired = _expire_offers()
    if expired is not None:
        click.echo(f"Verlopen aanbiedingen van een vrijgekomen plaats: {expired}")

    for attempt in range(1, ATTEMPTS + 1):
        try:
            report = queue_reminders(within=timedelta(hours=hours))
            # Queueing looks for earlier rows, which flushes: a clash may surface here too.
            missing = queue_trainer_reminders()
            db.session.commit()
        except IntegrityError:
            # Another run queued some of the same reminders at the same moment; its rows
            # are there now, so the next attempt skips them.
            db.session.rollback()
            if attempt == ATTEMPTS:
                raise
            continue
        break

    for line in report.sessions:
        session = line.session
        click.echo(
            f"- {format_datetime(session.starts_at)}: {session.activity.title} — "
            f"{line.queued} nieuw, {line.skipped} al eerder klaargezet"
        )
    click.echo(
        f"Herinneringen: {report.queued} nieuw in de wachtrij, {report.skipped} al eerder "
        f"klaargezet, voor {len(report.sessions)} "
        f"{'sessie' if len(report.sessions) == 1 else 'sessies'} in de komende {hours} uur."
    )
    for item, queued in missing:
        session = item.session
        click.echo(
            f"- aanwezigheden ontbreken: {format_datetime(session.starts_at)}: "
            f"{session.activity.title} — {item.missing} van {item.total} niet geregistreerd, "
            f"{queued} {'lesgever' if queued == 1 else 'lesgevers'} nu herinnerd"
        )
    click.echo(
        f"Herinneringen aan lesgevers over ontbrekende aanwezigheden: "
        f"{sum(q for _item, q in missing)} nieuw in de wachtrij."
    )
