"""Creating and updating users from a CSV file (CLI and the coordinators' import page).

Header: ``email,name,role,organisation[,password]``. ``role`` may hold several roles
separated by ``;`` or ``|``. Every line is judged on its own: good lines are imported,
bad lines are reported with their line number and why, and importing the same file twice
changes nothing the second time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from enum import StrEnum

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import ngettext

from lms.accounts.passwords import hash_password, verify_password
from lms.accounts.service import (
    AccountError,
    NewUser,
    check_role_change,
    create_user,
    find_user_by_email,
)
from lms.accounts.trainer_load import activities_run
from lms.audit import record
from lms.common.errors import RuleError
from lms.extensions import db
from lms.mail.addresses import deliverable_reason
from lms.models import ROLE_LABELS, Organisation, Role, User
from lms.models.user import normalise_email
from lms.organisations import membership

REQUIRED_COLUMNS = ("email", "name", "role", "organisation")
OPTIONAL_COLUMNS = ("password",)


class Outcome(StrEnum):
    CREATED = "aangemaakt"
    UPDATED = "bijgewerkt"
    UNCHANGED = "ongewijzigd"
    REJECTED = "geweigerd"


@dataclass
class LineResult:
    line: int
    email: str
    outcome: Outcome
    message: str = ""

    def __str__(self) -> str:
        text = f"regel {self.line}: {self.email or '(leeg)'}: {self.outcome.value}"
        return f"{text} – {self.message}" if self.message else text


@dataclass
class ImportReport:
    lines: list[LineResult] = field(default_factory=list)
    header_error: str | None = None

    def count(self, outcome: Outcome) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def summary(self) -> str:
        if self.header_error:
            return self.header_error
        return (
            f"{self.count(Outcome.CREATED)} aangemaakt, {self.count(Outcome.UPDATED)} bijgewerkt, "
            f"{self.count(Outcome.UNCHANGED)} ongewijzigd, "
            f"{self.count(Outcome.REJECTED)} geweigerd"
        )

    @property
    def ok(self) -> bool:
        return self.header_error is None and self.count(Outcome.REJECTED) == 0


class LineError(RuleError, ValueError):
    """A line of the import file that is refused; the message says why."""


def parse_roles(value: str) -> set[Role]:
    names = [part.strip().lower() for part in value.replace("|", ";").split(";") if part.strip()]
    if not names:
        raise LineError(_("geen rol opgegeven"))
    roles = set()
    by_label = {label: role for role, label in ROLE_LABELS.items()}
    for name in names:
        if name in Role._value2member_map_:
            roles.add(Role(name))
        elif name in by_label:
            roles.add(by_label[name])
        else:
            allowed = ", ".join(r.value for r in Role)
            raise LineError(
                _("onbekende rol '%(role)s' (kies uit %(allowed)s)", role=name, allowed=allowed)
            )
    return roles


def check_email(value: str) -> str:
    try:
        email = normalise_email(validate_email(value, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise LineError(
            _("ongeldig e-mailadres '%(email)s' (%(reason)s)", email=value, reason=exc)
        ) from None
    # An address our mail server cannot deliver to (lms/mail/addresses.py) is refused too.
    reason = deliverable_reason(email)
    if reason:
        raise LineError(_("e-mailadres '%(email)s': %(reason)s", email=value, reason=reason))
    return email


def find_import_organisation(
    name: str | None, *, create: bool = False, actor: User | None = None
) -> Organisation | None:
    """The existing organisation a line names; an unknown name refuses the line (an
    import never creates an organisation silently: a typo would make a new one), unless
    the operator asked for it (``lms user import --create-organisations``)."""
    if not (name or "").strip():
        return None
    problem = membership.name_problem(name)
    if problem is not None:
        raise LineError(problem)
    organisation = membership.find_organisation(name)
    if organisation is None and create:
        return membership.create_organisation(name or "", actor=actor)
    if organisation is None:
        raise LineError(
            _(
                "onbekende organisatie '%(name)s' (maak ze eerst aan, of gebruik de naam "
                "zoals ze in de lijst staat)",
                name=membership.normalise_name(name),
            )
        )
    return organisation


def read_rows(text: str) -> tuple[list[tuple[int, dict[str, str]]], str | None]:
    """The data rows with their line numbers, or a header error."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], (
            "De eerste regel moet de kolommen email,name,role,organisation[,password] "
            f"bevatten; ontbreekt: {', '.join(missing)}."
        )
    reader.fieldnames = header
    rows = []
    for row in reader:
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}))
    return rows, None


def import_line(
    line: int,
    row: dict[str, str],
    *,
    actor: User | None,
    allow_role_removal: bool = False,
    create_organisations: bool = False,
) -> LineResult:
    """Create or update one person. A trainer role is kept for someone who still runs
    activities unless ``allow_role_removal`` (confirmed on the import's preview)."""
    raw_email = row.get("email", "")
    try:
        email = check_email(raw_email)
        name = " ".join(row.get("name", "").split())
        if not name:
            raise LineError(_("naam ontbreekt"))
        roles = parse_roles(row.get("role", ""))
        organisation = row.get("organisation") or None
        known_organisation = find_import_organisation(
            organisation, create=create_organisations, actor=actor
        )
        password = row.get("password") or None
    except LineError as exc:
        return LineResult(line, raw_email, Outcome.REJECTED, str(exc))

    user = find_user_by_email(email)
    if user is None:
        create_user(
            NewUser(
                email=email,
                name=name,
                roles=roles,
                organisation=known_organisation.name if known_organisation else None,
                password=password,
            ),
            actor=actor,
        )
        return LineResult(line, email, Outcome.CREATED)

    changes = []
    if user.name != name:
        user.name = name
        changes.append("naam")
    if (known_organisation.id if known_organisation else None) != user.organisation_id:
        # The import is an administrator's decision: a confirmed membership.
        user.organisation = known_organisation
        user.pending_organisation = None
        user.requested_organisation_name = None
        changes.append("organisatie")
    roles_before = sorted(r.value for r in user.roles)
    kept = ""
    if user.has_role(Role.TRAINER) and Role.TRAINER not in roles and not allow_role_removal:
        running = activities_run([user.id]).get(user.id, 0)
        if running:
            roles = {*roles, Role.TRAINER}
            kept = ngettext(
                "rol lesgever behouden: geeft nog %(num)d activiteit",
                "rol lesgever behouden: geeft nog %(num)d activiteiten",
                running,
            )
    if user.roles != roles:
        try:
            check_role_change(user, roles, actor=actor)
        except AccountError as exc:
            return LineResult(line, email, Outcome.REJECTED, str(exc))
        user.set_roles(roles)
        changes.append("rollen")
    if password and not verify_password(user.password_hash, password):
        user.password_hash = hash_password(password)
        user.session_version += 1
        changes.append("wachtwoord")
    if not changes:
        return LineResult(line, email, Outcome.UNCHANGED, kept)
    record(
        "user.imported",
        actor=actor,
        subject_user=user,
        summary=f"Bijgewerkt door import: {', '.join(changes)}",
        changes=changes,
        **(
            {"roles_before": roles_before, "roles_after": sorted(r.value for r in roles)}
            if "rollen" in changes
            else {}
        ),
    )
    return LineResult(
        line, email, Outcome.UPDATED, "; ".join(filter(None, [", ".join(changes), kept]))
    )


def import_users(
    text: str,
    *,
    actor: User | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    allow_role_removal: Collection[str] = (),
    create_organisations: bool = False,
) -> ImportReport:
    """Import ``text`` (CSV). Each good line is kept; a bad line is rolled back alone
    (see :func:`apply_line`).

    ``allow_role_removal``: e-mail addresses whose trainer role may go although they still
    run activities (everyone else keeps it, and the report says so)."""
    allowed = {normalise_email(email) for email in allow_role_removal}
    report = ImportReport()
    rows, header_error = read_rows(text)
    if header_error:
        report.header_error = header_error
        return report
    seen: dict[str, int] = {}
    batched = db.session.get_bind().dialect.name == "postgresql"
    for done, (line, row) in enumerate(rows, start=1):
        if on_progress is not None:
            on_progress(done, len(rows))
        email_key = normalise_email(row.get("email", ""))
        if email_key and email_key in seen:
            report.lines.append(
                LineResult(
                    line,
                    row.get("email", ""),
                    Outcome.REJECTED,
                    f"e-mailadres staat al op regel {seen[email_key]}",
                )
            )
            continue
        seen[email_key] = line
        result = apply_line(
            lambda line=line, row=row, email_key=email_key: import_line(
                line,
                row,
                actor=actor,
                allow_role_removal=email_key in allowed,
                create_organisations=create_organisations,
            ),
            line=line,
            email=row.get("email", ""),
            batched=batched,
            last=done == len(rows),
            index=done,
        )
        report.lines.append(result)
    if batched:
        db.session.commit()
    return report


#: Lines written per commit on PostgreSQL, where each line has a savepoint of its own:
#: a commit per line made 10,000 lines cost 10,000 fsyncs.
LINES_PER_COMMIT = 200


def apply_line(
    work: Callable[[], LineResult],
    *,
    line: int,
    email: str,
    batched: bool,
    last: bool,
    index: int,
) -> LineResult:
    """Run one line's work so that a bad line is undone alone.

    With ``batched`` (PostgreSQL) the line runs in a savepoint and the transaction is
    committed every :data:`LINES_PER_COMMIT` lines; elsewhere (SQLite, whose driver does not
    take savepoints reliably) every good line is committed on its own.
    """
    if not batched:
        try:
            result = work()
            if result.outcome == Outcome.REJECTED:
                db.session.rollback()
            else:
                db.session.commit()
        except Exception as exc:  # a database error on one line must not lose the others
            db.session.rollback()
            result = LineResult(line, email, Outcome.REJECTED, str(exc))
        return result
    savepoint = db.session.begin_nested()
    try:
        result = work()
        if result.outcome == Outcome.REJECTED:
            savepoint.rollback()
        else:
            savepoint.commit()
    except Exception as exc:  # a database error on one line must not lose the others
        savepoint.rollback()
        result = LineResult(line, email, Outcome.REJECTED, str(exc))
    if index % LINES_PER_COMMIT == 0 and not last:
        db.session.commit()
    return result
