"""``lms mail send``: the outbox worker (run it as a service, or from cron with --once).

What ends it, and its exit status (README, "Mail worker"):

- 0: ``--once`` finished its round, or SIGTERM/SIGINT arrived (after the mail in hand).
  Mails that failed do not change it: each failure is written on its own mail.
- 2: the settings cannot work (e.g. a lease shorter than the timeouts allow), or bad options.
- 75 (EX_TEMPFAIL): ``--once`` could not reach the database; cron will try again.
- 1: an unexpected error in ``--once`` (a bug; the traceback is logged).

The looping worker does not exit for a database outage or an unexpected error: it logs,
waits with a growing pause (up to ``--max-pause`` seconds), drops its database
connections, and carries on when the database answers again.
"""

from __future__ import annotations

import logging
import signal
import threading

import click
from flask.cli import AppGroup
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from lms.mail.worker import SendReport, SettingsError, check_settings, send_due

log = logging.getLogger("lms.mail.worker")

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_SETTINGS = 2
EXIT_DATABASE_UNAVAILABLE = 75


def expire_offers_once() -> int:
    """Pass on offers of a freed seat that ran out (before sending, so the mails about it
    go out in the same round). A failure here never stops the mail worker."""
    from lms.enrolment.service import expire_offers
    from lms.extensions import db

    try:
        count = expire_offers()
        db.session.commit()
    except Exception as exc:  # keep sending mail whatever happens here
        _quietly_rollback()
        click.secho(f"  verlopen aanbiedingen doorgeven mislukt: {exc}", fg="yellow", err=True)
        return 0
    if count:
        click.echo(f"verlopen aanbiedingen doorgegeven: {count}")
    return count


def is_database_outage(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached (rather than a bug)."""
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError | PoolTimeoutError):
        return True
    return bool(getattr(exc, "connection_invalidated", False))


def _quietly_rollback() -> None:
    from lms.extensions import db

    try:
        db.session.rollback()
    except Exception:  # the connection may be gone; the pool is dropped below anyway
        log.debug("rollback failed", exc_info=True)


def forget_connections() -> None:
    """Drop the session and every pooled connection: after an outage they are all dead."""
    from lms.extensions import db

    _quietly_rollback()
    try:
        db.session.remove()
    finally:
        db.engine.dispose()


def _print_report(report: SendReport) -> None:
    line = f"verstuurd: {report.sent}, later opnieuw: {report.retrying}, mislukt: {report.failed}"
    if report.postponed:
        line += f", uitgesteld: {report.postponed}"
    click.echo(line)
    for error in report.errors:
        click.secho(f"  {error}", fg="yellow", err=True)


def _ensure_logging() -> None:
    """Log lines on stderr (journald) when nothing else was set up."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
    if log.getEffectiveLevel() > logging.INFO:
        log.setLevel(logging.INFO)


@click.group("mail", cls=AppGroup)
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
@click.option(
    "--max-pause",
    default=60.0,
    show_default=True,
    help="Langste pauze (seconden) tussen pogingen als de database onbereikbaar is.",
)
def send(once: bool, now: bool, interval: float, max_pause: float) -> None:
    """Verstuur de mails die klaarstaan (blijft lopen tenzij --once)."""
    _ensure_logging()
    try:
        check_settings()
    except SettingsError as exc:
        log.error("mail worker not started: %s", exc)
        click.secho(str(exc), fg="red", err=True)
        raise SystemExit(EXIT_SETTINGS) from None

    stop = threading.Event()

    def on_signal(signum, _frame):  # type: ignore[no-untyped-def]
        log.info("signal %s: stopping after the mail in hand", signal.Signals(signum).name)
        stop.set()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, on_signal)
    try:
        raise SystemExit(
            _run(once=once, now=now, interval=interval, max_pause=max_pause, stop=stop)
        )
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _run(*, once: bool, now: bool, interval: float, max_pause: float, stop: threading.Event) -> int:
    log.info("mail worker started (%s)", "one round" if once else "looping")
    first = True
    outage_since = 0
    while not stop.is_set():
        try:
            expire_offers_once()
            report = send_due(ignore_backoff=now and first, should_stop=stop.is_set)
        except SettingsError as exc:
            click.secho(str(exc), fg="red", err=True)
            return EXIT_SETTINGS
        except Exception as exc:
            outage = is_database_outage(exc)
            forget_connections()
            if once:
                if outage:
                    log.error("database unavailable, nothing sent: %s", _first_line(exc))
                    click.secho(
                        "De database is niet bereikbaar; er is niets verstuurd.",
                        fg="red",
                        err=True,
                    )
                    return EXIT_DATABASE_UNAVAILABLE
                log.exception("mail worker failed")
                return EXIT_ERROR
            outage_since += 1
            pause = min(max_pause, float(2 ** min(outage_since - 1, 10)))
            if outage:
                log.warning(
                    "database unavailable (attempt %s), retrying in %gs: %s",
                    outage_since,
                    pause,
                    _first_line(exc),
                )
            else:
                log.exception(
                    "mail round failed (attempt %s), retrying in %gs", outage_since, pause
                )
            stop.wait(pause)
            continue
        if outage_since:
            log.info("database reachable again after %s failed attempts", outage_since)
            outage_since = 0
        first = False
        if report.attempted or report.postponed or once:
            _print_report(report)
        if once:
            break
        stop.wait(interval)
    log.info("mail worker stopped")
    return EXIT_OK


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
