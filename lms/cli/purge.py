"""``lms purge``: delete what is past its retention period (for cron, daily).

Sent, aborted and failed outbox mail after ``MAIL_RETENTION_DAYS``; built calendar feeds
after ``FEED_CACHE_RETENTION_DAYS``; revoked API tokens after
``REVOKED_TOKEN_RETENTION_DAYS``; the certificates of erased people after
``CERTIFICATE_RETENTION_YEARS``. Idempotent: a second run finds nothing more to do.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from lms.common.timeutil import format_date
from lms.extensions import db
from lms.privacy.retention import purge as purge_expired
from lms.privacy.settings import retention


@click.command("purge")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="Toon wat er gewist zou worden, zonder te wissen.")
def purge(dry_run: bool) -> None:
    """Wis gegevens waarvan de bewaartermijn verstreken is (voor cron, dagelijks)."""
    try:
        result = purge_expired()
    except Exception:
        db.session.rollback()
        raise
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "zou wissen" if dry_run else "gewist"
    cut = result.cutoffs
    lines = [
        (
            f"Mails (verzonden, afgebroken of mislukt) ouder dan "
            f"{retention('MAIL_RETENTION_DAYS')} dagen (vóór {format_date(cut['mails'])})",
            result.mails,
        ),
        (
            f"Opgebouwde agenda's ouder dan {retention('FEED_CACHE_RETENTION_DAYS')} dagen",
            result.feed_cache,
        ),
        (
            f"API-sleutels langer dan {retention('REVOKED_TOKEN_RETENTION_DAYS')} dagen "
            "ingetrokken",
            result.api_tokens,
        ),
        (
            f"Attesten van gewiste personen, uitgereikt vóór {format_date(cut['certificates'])} "
            "(ingetrokken en zonder naam)",
            result.certificates,
        ),
    ]
    for label, count in lines:
        click.echo(f"- {label}: {count}")
    if dry_run:
        click.echo(f"Proefdraai: niets gewist ({result.total} zou gewist worden).")
    else:
        click.echo(f"Klaar: {result.total} {verb}.")
