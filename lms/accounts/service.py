"""Account rules: registration, passwords, password reset, profile, deactivation."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from lms.accounts.passwords import (
    burn_time_like_a_check,
    hash_password,
    password_problems,
    verify_password,
)
from lms.accounts.tokens import revoke_all_api_tokens
from lms.audit import record
from lms.extensions import db
from lms.mail.facts import snapshot
from lms.mail.outbox import queue_mail
from lms.models import ROLE_LABELS, Organisation, Role, User, UserRole, utcnow
from lms.models.user import normalise_email
from lms.urls import absolute_url

RESET_SALT = "lms.password-reset"


class AccountError(ValueError):
    """A rule refused the change; the message is Dutch and meant for the person."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def email_taken(email: str) -> bool:
    return find_user_by_email(email) is not None


def get_or_create_organisation(name: str) -> Organisation | None:
    """The organisation called ``name`` (case-insensitive), created when new."""
    name = " ".join((name or "").split())
    if not name:
        return None
    organisation = db.session.scalar(
        select(Organisation).where(func.lower(Organisation.name) == name.lower())
    )
    if organisation is None:
        organisation = Organisation(name=name)
        db.session.add(organisation)
    return organisation


def check_password_policy(password: str, *, email: str = "", name: str = "") -> None:
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise AccountError(" ".join(problems), field="password")


def register_participant(
    *, email: str, name: str, password: str, organisation_name: str | None = None
) -> User:
    """Create a participant account; refuses an email in use (in any letter case)."""
    email = normalise_email(email)
    if email_taken(email):
        raise AccountError(
            _(
                "Er bestaat al een account met dit e-mailadres. Meld je aan, of vraag een "
                "nieuw wachtwoord aan als je het vergeten bent."
            ),
            field="email",
        )
    check_password_policy(password, email=email, name=name)
    user = User(
        email=email,
        name=" ".join(name.split()),
        password_hash=hash_password(password),
        organisation=get_or_create_organisation(organisation_name or ""),
    )
    user.set_roles({Role.PARTICIPANT})
    db.session.add(user)
    db.session.flush()
    record("user.registered", actor=user, subject_user=user, summary="Account aangemaakt")
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None (the same for every reason, same timing)."""
    user = find_user_by_email(email)
    if user is None:
        burn_time_like_a_check(password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        return None
    return user


def change_password(user: User, *, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise AccountError(_("Je huidige wachtwoord klopt niet."), field="current_password")
    set_password(user, new, actor=user)


def set_password(user: User, new: str, *, actor: User | None) -> None:
    """Set a new password; ends every other session and revokes the API tokens."""
    check_password_policy(new, email=user.email, name=user.name)
    user.password_hash = hash_password(new)
    user.session_version += 1
    revoked = revoke_all_api_tokens(user)
    record(
        "user.password_changed",
        actor=actor,
        subject_user=user,
        summary="Wachtwoord gewijzigd; andere sessies en API-sleutels beëindigd",
        tokens_revoked=revoked,
    )


def end_all_sessions(user: User) -> None:
    """Logging out ends every session of this person, on every device, remember-me
    cookies included: both carry ``User.get_id()`` (id and ``session_version``), and the
    user loader of :mod:`lms.web` refuses a stale version. So a cookie copied before the
    logout opens nothing afterwards."""
    user.session_version += 1


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _password_fingerprint(user: User) -> str:
    # Part of the token: once the password changes, an old link no longer works.
    return (user.password_hash or "none")[-12:]


def make_reset_token(user: User) -> str:
    return _reset_serializer().dumps({"u": user.id, "p": _password_fingerprint(user)})


def user_for_reset_token(token: str) -> User | None:
    try:
        data = _reset_serializer().loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"]
        )
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.is_active or data.get("p") != _password_fingerprint(user):
        return None
    return user


def request_password_reset(email: str) -> None:
    """Queue a reset link when the email belongs to an active account; silent otherwise.

    Both cases do the same work (one lookup, one signed token, the mail's facts), so
    neither the answer nor the time it takes tells whether the address has an account;
    only for a real account is the mail then queued.
    """
    user = find_user_by_email(email)
    known = user is not None and user.is_active
    target = user if known else User(id=0, name="", email="", password_hash=None)
    link = absolute_url("accounts.reset_password", token=make_reset_token(target))
    hours = current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600
    context = {"user": target, "link": link, "hours": hours}
    if known:
        queue_mail(
            kind="password_reset",
            to=user,
            subject="Nieuw wachtwoord voor het SAM Leerplatform",
            context=context,
        )
    else:
        snapshot(context)


def reset_password(user: User, new: str) -> None:
    set_password(user, new, actor=user)


def update_profile(user: User, *, name: str, organisation_name: str | None) -> None:
    """A person's own name and employer. An organisation contact's organisation decides
    whose data they see, so only a coordinator changes it (:func:`update_details`)."""
    organisation_name = " ".join((organisation_name or "").split())
    current = user.organisation.name if user.organisation else ""
    if user.is_organisation_contact and organisation_name.lower() != current.lower():
        raise AccountError(
            _(
                "Als contactpersoon van je organisatie kan je je organisatie niet zelf wijzigen: "
                "ze bepaalt van wie je de gegevens ziet. Vraag het aan SAM."
            ),
            field="organisation",
        )
    user.name = " ".join(name.split())
    user.organisation = get_or_create_organisation(organisation_name)


def update_details(
    user: User, *, name: str, organisation_name: str | None, actor: User | None
) -> list[str]:
    """A coordinator corrects someone's name or organisation (the organisation decides
    which staff an organisation contact sees). Returns what changed; leaves an audit entry."""
    name = " ".join((name or "").split())
    if not name:
        raise AccountError(_("Vul de naam in."), field="name")
    if len(name) > 200:
        raise AccountError(_("De naam is te lang (hoogstens 200 tekens)."), field="name")
    organisation_name = " ".join((organisation_name or "").split())
    if len(organisation_name) > 200:
        raise AccountError(
            _("De naam van de organisatie is te lang (hoogstens 200 tekens)."),
            field="organisation",
        )
    before_org = user.organisation.name if user.organisation else ""
    changed = []
    if user.name != name:
        changed.append("naam")
    if before_org.lower() != organisation_name.lower():
        changed.append("organisatie")
    if not changed:
        return []
    before_name = user.name
    user.name = name
    if "organisatie" in changed:
        user.organisation = get_or_create_organisation(organisation_name)
    record(
        "user.updated",
        actor=actor,
        subject_user=user,
        summary=f"Gegevens gewijzigd: {', '.join(changed)}"
        + (
            f" (organisatie: {before_org or '–'} → {organisation_name or '–'})"
            if "organisatie" in changed
            else ""
        ),
        name=[before_name, name],
        organisation=[before_org, organisation_name],
    )
    return changed


def record_login(user: User) -> None:
    user.last_login_at = utcnow()


def _other_active_coordinators(user: User) -> int:
    """How many active coordinators there are besides ``user``."""
    return (
        db.session.scalar(
            select(func.count(User.id))
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                UserRole.role == Role.COORDINATOR,
                User.id != user.id,
                User.active.is_(True),
                User.erased_at.is_(None),
            )
        )
        or 0
    )


def check_role_change(
    user: User, roles: set[Role] | frozenset[Role], *, actor: User | None
) -> None:
    """Refuse a change of roles that would lock everybody out of the coordination.

    A person keeps at least one role; a coordinator cannot take their own coordinator role
    away; and at least one active coordinator always remains.
    """
    if not roles:
        raise AccountError(_("Kies minstens één rol."), field="roles")
    losing = user.has_role(Role.COORDINATOR) and Role.COORDINATOR not in roles
    if not losing:
        return
    if actor is not None and actor.id == user.id:
        raise AccountError(
            _("Je kan je eigen rol van coördinator niet afnemen. Vraag een andere coördinator."),
            field="roles",
        )
    if user.active and _other_active_coordinators(user) == 0:
        raise AccountError(
            _("Er moet minstens één actieve coördinator overblijven."), field="roles"
        )


def set_active(user: User, active: bool, *, actor: User) -> None:
    """Deactivate (or reactivate) an account: sessions end, tokens stop working.

    Nobody deactivates themselves, and the last active coordinator stays active.
    """
    if user.active == active:
        return
    if not active and actor is not None and actor.id == user.id:
        raise AccountError(_("Je kan je eigen account niet deactiveren."), field="active")
    if not active and user.is_coordinator and _other_active_coordinators(user) == 0:
        raise AccountError(
            _("Dit is de laatste actieve coördinator; dit account blijft actief."), field="active"
        )
    user.active = active
    if not active:
        user.session_version += 1
        revoke_all_api_tokens(user)
    record(
        "user.activated" if active else "user.deactivated",
        actor=actor,
        subject_user=user,
        summary="Account geactiveerd" if active else "Account gedeactiveerd",
    )


def set_roles(user: User, roles: set[Role], *, actor: User) -> None:
    """Replace the person's roles (see :func:`check_role_change` for what is refused)."""
    roles = {Role(r) for r in roles}
    check_role_change(user, roles, actor=actor)
    before = sorted(r.value for r in user.roles)
    user.set_roles(roles)
    after = sorted(r.value for r in roles)
    if before != after:
        record(
            "user.roles",
            actor=actor,
            subject_user=user,
            summary=f"Rollen van {user.name} gewijzigd: {_role_names(before)} → "
            f"{_role_names(after)}",
            before=before,
            after=after,
        )


def _role_names(values: list[str]) -> str:
    return ", ".join(ROLE_LABELS[Role(v)] for v in values) or "–"


@dataclass
class NewUser:
    email: str
    name: str
    roles: set[Role]
    organisation: str | None = None
    password: str | None = None


def create_user(spec: NewUser, *, actor: User | None = None) -> User:
    """Create an account as an administrator (CLI, import): no self-registration rules."""
    if email_taken(spec.email):
        raise AccountError(_("Er bestaat al een account met dit e-mailadres."), field="email")
    user = User(
        email=spec.email,
        name=" ".join(spec.name.split()),
        organisation=get_or_create_organisation(spec.organisation or ""),
        password_hash=hash_password(spec.password) if spec.password else None,
    )
    user.set_roles(spec.roles)
    db.session.add(user)
    db.session.flush()
    record(
        "user.created",
        actor=actor,
        subject_user=user,
        summary=f"Account aangemaakt met rol(len) {', '.join(sorted(r.value for r in spec.roles))}",
    )
    return user
