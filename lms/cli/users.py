"""``lms user create`` and ``lms user import``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from lms.accounts.importer import ImportReport, LineError, Outcome, check_email, import_users
from lms.accounts.service import AccountError, NewUser, create_user
from lms.cli import fail
from lms.extensions import db
from lms.models import Role
from lms.organisations import membership


@click.group("user", cls=AppGroup)
def user_group() -> None:
    """Gebruikers aanmaken en importeren."""


@user_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    "roles",
    required=True,
    multiple=True,
    type=click.Choice([r.value for r in Role]),
    help="Mag meermaals: --role trainer --role participant.",
)
@click.option("--password", default=None, help="Zonder wachtwoord: de gebruiker vraagt er een aan.")
@click.option("--organisation", default=None)
def create(
    email: str, name: str, roles: tuple[str, ...], password: str | None, organisation: str | None
) -> None:
    """Maak één gebruiker aan (een onbekende organisatie wordt aangemaakt, en gemeld)."""
    try:
        email = check_email(email)
        if organisation and membership.find_organisation(organisation) is None:
            created = membership.create_organisation(organisation, actor=None)
            click.echo(f"Organisatie „{created.name}” aangemaakt.")
        user = create_user(
            NewUser(
                email=email,
                name=name,
                roles={Role(r) for r in roles},
                organisation=organisation,
                password=password,
            )
        )
    except (AccountError, LineError, membership.MembershipError) as exc:
        fail(str(exc))
    db.session.commit()
    click.echo(f"Gebruiker {user.email} aangemaakt ({', '.join(sorted(roles))}).")


@user_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--create-organisations",
    is_flag=True,
    help="Maak organisaties aan die nog niet bestaan (anders wordt zo'n regel geweigerd).",
)
def import_(file: Path, create_organisations: bool) -> None:
    """Maak of werk gebruikers bij uit een CSV (email,name,role,organisation[,password])."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        fail("Het bestand is geen UTF-8-tekst. Sla het op als CSV (UTF-8).")

    bar = _ProgressBar() if sys.stdout.isatty() else None
    report = import_users(
        text,
        on_progress=bar.update if bar else None,
        create_organisations=create_organisations,
    )
    if bar:
        bar.close()
    print_report(report)
    if report.header_error or report.count(Outcome.REJECTED):
        raise SystemExit(1)


class _ProgressBar:
    """click's progress bar, created once the importer knows how many lines there are."""

    def __init__(self) -> None:
        self._bar = None

    def update(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(length=total, label="Importeren")
            self._bar.__enter__()
        self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


def print_report(report: ImportReport) -> None:
    if report.header_error:
        fail(report.header_error)
    for line in report.lines:
        colour = {"geweigerd": "red", "aangemaakt": "green", "bijgewerkt": "cyan"}.get(
            line.outcome.value
        )
        click.secho(str(line), fg=colour, err=line.outcome == Outcome.REJECTED)
    click.echo(f"Samenvatting: {report.summary}.")


@user_group.command("import-jobs")
def import_jobs_() -> None:
    """Voer bevestigde imports van de importpagina uit die nog wachten of waarvan de
    verwerking stilviel (bv. na een herstart)."""
    from lms.accounts import import_jobs

    import_jobs.requeue_stalled(
        stall_seconds=current_app.config.get("LMS_IMPORT_STALL_SECONDS", import_jobs.STALL_SECONDS)
    )
    for job_id in import_jobs.queued_job_ids():
        job = import_jobs.run(job_id)
        if job is not None:
            click.echo(f"import {job.token[:8]}: {job.status.value}, {job.processed} regels")
