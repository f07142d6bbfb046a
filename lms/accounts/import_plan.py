"""What a CSV user import would do, line by line, without changing anything.

The coordinators' import page shows this plan before anything is written: per line
*create*, *update* with the exact changes (old → new), *unchanged* or *refuse* with the
reason, and a warning where a trainer who still runs activities would lose that role.
The same checks as :func:`lms.accounts.importer.import_line` decide; applying happens
later (:mod:`lms.accounts.import_jobs`), line by line, checked again against the
database as it is then.

A file of thousands of lines is planned in a few queries: the people in chunks, their
trainer load in chunks, each organisation name once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts import importer
from lms.accounts.importer import LineError, check_email, parse_roles, read_rows
from lms.accounts.trainer_load import CHUNK, activities_run
from lms.extensions import db
from lms.models import ROLE_LABELS, Organisation, Role, User
from lms.models.user import normalise_email


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    REFUSE = "refuse"


@dataclass(frozen=True)
class Change:
    """One field that would change: its Dutch name, the old and the new value."""

    what: str
    old: str
    new: str


@dataclass
class PlannedLine:
    line: int
    email: str
    action: Action
    name: str = ""
    changes: list[Change] = field(default_factory=list)
    reason: str = ""
    #: The trainer role would go although the person still runs this many activities.
    runs_activities: int = 0

    @property
    def drops_trainer(self) -> bool:
        return self.runs_activities > 0


@dataclass
class ImportPlan:
    lines: list[PlannedLine] = field(default_factory=list)
    header_error: str | None = None

    @property
    def counts(self) -> Counter[str]:
        return Counter(line.action.value for line in self.lines)

    @property
    def role_warnings(self) -> list[PlannedLine]:
        return [line for line in self.lines if line.drops_trainer]

    @property
    def total(self) -> int:
        return len(self.lines)


def _role_text(roles: set[Role] | frozenset[Role]) -> str:
    return ", ".join(sorted(_(ROLE_LABELS[r]) for r in roles)) or "–"


def _users_by_email(emails: list[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    for start in range(0, len(emails), CHUNK):
        chunk = emails[start : start + CHUNK]
        for user in db.session.scalars(
            select(User)
            .where(User.email.in_(chunk))
            .options(joinedload(User.organisation), selectinload(User.role_rows))
        ):
            found[user.email] = user
    return found


def plan_import(text: str) -> ImportPlan:
    """The plan for ``text`` (CSV, as :func:`lms.accounts.importer.read_rows` reads it)."""
    plan = ImportPlan()
    rows, header_error = read_rows(text)
    if header_error:
        plan.header_error = header_error
        return plan
    emails = []
    for _line, row in rows:
        try:
            emails.append(check_email(row.get("email", "")))
        except LineError:
            continue
    users = _users_by_email(sorted(set(emails)))
    load = activities_run([u.id for u in users.values() if u.has_role(Role.TRAINER)])
    organisations: dict[str, Organisation | LineError | None] = {}
    seen: dict[str, int] = {}
    for line, row in rows:
        raw_email = row.get("email", "")
        key = normalise_email(raw_email)
        if key and key in seen:
            plan.lines.append(
                PlannedLine(
                    line,
                    raw_email,
                    Action.REFUSE,
                    reason=_("e-mailadres staat al op regel %(line)s", line=seen[key]),
                )
            )
            continue
        seen[key] = line
        plan.lines.append(_plan_line(line, row, users, load, organisations))
    return plan


def _organisation(
    name: str | None, cache: dict[str, Organisation | LineError | None]
) -> Organisation | None:
    key = (name or "").strip().lower()
    if key not in cache:
        try:
            cache[key] = importer.find_import_organisation(name)
        except LineError as exc:
            cache[key] = exc
    found = cache[key]
    if isinstance(found, LineError):
        raise found
    return found


def _plan_line(
    line: int,
    row: dict[str, str],
    users: dict[str, User],
    load: dict[int, int],
    organisations: dict[str, Organisation | LineError | None],
) -> PlannedLine:
    raw_email = row.get("email", "")
    try:
        email = check_email(raw_email)
        name = " ".join(row.get("name", "").split())
        if not name:
            raise LineError(_("naam ontbreekt"))
        roles = parse_roles(row.get("role", ""))
        organisation = _organisation(row.get("organisation") or None, organisations)
        password = row.get("password") or None
    except LineError as exc:
        return PlannedLine(line, raw_email, Action.REFUSE, reason=str(exc))

    user = users.get(email)
    if user is None:
        details = [Change(_("rollen"), "", _role_text(roles))]
        if organisation is not None:
            details.append(Change(_("organisatie"), "", organisation.name))
        return PlannedLine(line, email, Action.CREATE, name=name, changes=details)

    changes: list[Change] = []
    if user.name != name:
        changes.append(Change(_("naam"), user.name, name))
    if (organisation.id if organisation else None) != user.organisation_id:
        changes.append(
            Change(
                _("organisatie"),
                user.organisation.name if user.organisation else "–",
                organisation.name if organisation else "–",
            )
        )
    runs = 0
    if user.roles != roles:
        changes.append(Change(_("rollen"), _role_text(user.roles), _role_text(roles)))
        if user.has_role(Role.TRAINER) and Role.TRAINER not in roles:
            runs = load.get(user.id, 0)
    if password:
        changes.append(Change(_("wachtwoord"), "", _("nieuw wachtwoord (als het verschilt)")))
    return PlannedLine(
        line,
        email,
        Action.UPDATE if changes else Action.UNCHANGED,
        name=name,
        changes=changes,
        runs_activities=runs,
    )
