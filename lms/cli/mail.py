"""``lms mail send``: the outbox worker (run it as a service, or from cron with --once)."""

from __future__ import annotations

import signal
import time

import click

from lms.cli import lms_group
from lms.mail.worker import send_due


def expire_offers_once() -> int:
    """Pass on offers of a freed seat that ran out (before sending, so the mails about it
    go out in the same round). A failure here never stops the mail worker."""
    from lms.enrolment.service import expire_offers
    from lms.extensions import db

    try:
        count = expire_offers()
        db.session.commit()
    except Exception as exc:  # keep sending mail whatever happens here
        db.session.rollback()
        click.secho(f"  verlopen aanbiedingen doorgeven mislukt: {exc}", fg="yellow", err=True)
        return 0
    if count:
        click.echo(f"verlopen aanbiedingen doorgegeven: {count}")
    return count


@lms_group.group("mail")
def mail_group() -> None:
    """De uitgaande mail."""


@mail_group.command("send")
@click.option("--once", is_flag=True, help="Eén keer alles wat klaarstaat versturen en stoppen.")
@click.option(
    "--now",
    is_flag=True,
    help="Ook mislukte mails opnieuw proberen waarvan de wachttijd nog loopt.",
)
@click.option("--interval", default=5.0, show_default=True, help="Seconden tussen rondes.")
def send(once: bool, now: bool, interval: float) -> None:
    """Verstuur de mails die klaarstaan (blijft lopen tenzij --once)."""
    stopping = False

    def stop(_signum, _frame):  # type: ignore[no-untyped-def]
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    first = True
    while True:
        expire_offers_once()
        report = send_due(ignore_backoff=now and first)
        first = False
        if report.attempted or once:
            click.echo(
                f"verstuurd: {report.sent}, later opnieuw: {report.retrying}, "
                f"mislukt: {report.failed}"
            )
            for error in report.errors:
                click.secho(f"  {error}", fg="yellow", err=True)
        if once or stopping:
            break
        time.sleep(interval)
