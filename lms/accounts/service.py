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
from lms.common.errors import RuleError
from lms.common.urls import absolute_url
from lms.extensions import db
from lms.mail.facts import snapshot
from lms.mail.outbox import queue_mail
from lms.models import MAX_ID, ROLE_LABELS, Organisation, Role, User, UserRole, utcnow
from lms.models.user import normalise_email
from lms.organisations import membership
from lms.organisations.employer import tell_contact

RESET_SALT = "lms.password-reset"
VERIFY_SALT = "lms.email-verify"
INVITATION_SALT = "lms.invitation"
#: How long a link to confirm an address works (``EMAIL_VERIFY_MAX_AGE`` overrides).
VERIFY_MAX_AGE = 48 * 3600
#: How long an invitation to choose a password works (``INVITATION_MAX_AGE`` overrides).
INVITATION_MAX_AGE = 14 * 24 * 3600


class AccountError(RuleError, ValueError):
    """A rule refused the change; the message is Dutch and meant for the person."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field=field, status=422)


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def email_taken(email: str) -> bool:
    return find_user_by_email(email) is not None


def existing_organisation(name: str | None, *, field: str = "organisation") -> Organisation | None:
    """The organisation called ``name`` (letter case and spacing ignored); None for an
    empty name. An unknown or malformed name is refused, never created: a typo would
    otherwise move a person out of their employer's view and change the price they pay."""
    if not (name or "").strip():
        return None
    problem = membership.name_problem(name)
    if problem is not None:
        raise AccountError(problem, field=field)
    organisation = membership.find_organisation(name)
    if organisation is None:
        raise AccountError(
            _(
                "Er is geen organisatie „%(name)s”. Kies een bestaande organisatie, of maak ze "
                "eerst aan bij Organisatieaanvragen.",
                name=membership.normalise_name(name),
            ),
            field=field,
        )
    return organisation


def check_password_policy(password: str, *, email: str = "", name: str = "") -> None:
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise AccountError(" ".join(problems), field="password")


def register_participant(
    *,
    email: str,
    name: str,
    password: str,
    organisation: Organisation | None = None,
    unlisted_organisation: str | None = None,
) -> User | None:
    """Self-registration. Returns the new account, or None when the address had one.

    The person sees the same "check your mail" answer either way, and the same work is
    done (one password hash, one signed link, one mail): a new account gets a link to
    confirm its address (it cannot log in, enrol or be seen before); the owner of an
    existing account is told someone tried to register with it, with a link to choose a
    new password; an earlier registration that was never confirmed gets a new link.
    The chosen organisation is only a request until the organisation confirms it.
    """
    email = normalise_email(email)
    check_password_policy(password, email=email, name=name)
    if unlisted_organisation:
        membership.clean_name(unlisted_organisation, field="new_organisation")
    password_hash = hash_password(password)
    existing = find_user_by_email(email)
    if existing is not None:
        if not existing.is_active:
            burn_time_like_a_check(password)
        elif existing.email_verified_at is None and existing.password_hash:
            send_verification(existing, existing.email)
        else:
            _tell_registration_attempt(existing)
        return None
    user = User(
        email=email,
        name=" ".join(name.split()),
        password_hash=password_hash,
        email_verified_at=None,
    )
    user.set_roles({Role.PARTICIPANT})
    db.session.add(user)
    db.session.flush()
    record("user.registered", actor=user, subject_user=user, summary="Account aangemaakt")
    if organisation is not None:
        membership.choose_organisation(user, organisation, actor=user)
    elif unlisted_organisation:
        membership.request_unlisted_organisation(user, unlisted_organisation, actor=user)
    send_verification(user, user.email)
    return user


def _tell_registration_attempt(user: User) -> None:
    """The owner of an address learns that someone tried to register it (maybe they
    forgot they had an account), with a link to choose a new password."""
    queue_mail(
        kind="registration_existing",
        to=user,
        subject="Je hebt al een account op het SAM Leerplatform",
        context={
            "first_name": user.first_name,
            "login_url": absolute_url("accounts.login"),
            "reset_url": absolute_url("accounts.reset_password", token=make_reset_token(user)),
            "hours": current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600,
        },
    )


# --- Confirming an address ------------------------------------------------------------------


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _verify_max_age() -> int:
    return int(current_app.config.get("EMAIL_VERIFY_MAX_AGE", VERIFY_MAX_AGE))


def _invitation_max_age() -> int:
    return int(current_app.config.get("INVITATION_MAX_AGE", INVITATION_MAX_AGE))


def make_verification_token(user: User, email: str) -> str:
    """A signed link for confirming ``email`` (the account's own or the one it is
    changing to). It works once: confirming changes the state the link checks."""
    return _serializer(VERIFY_SALT).dumps({"u": user.id, "e": normalise_email(email)})


def user_for_verification_token(token: str) -> tuple[User, str] | None:
    """``(user, address)`` for a valid, unexpired, unused link; None otherwise."""
    try:
        data = _serializer(VERIFY_SALT).loads(token, max_age=_verify_max_age())
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"]) if 0 < data["u"] <= MAX_ID else None
    email = data.get("e")
    if user is None or not user.is_active or not isinstance(email, str):
        return None
    if email == user.email and user.email_verified_at is None:
        return user, email
    if user.pending_email is not None and email == user.pending_email:
        return user, email
    return None


def send_verification(user: User, email: str) -> None:
    """Queue the link that confirms ``email`` to that very address."""
    queue_mail(
        kind="email_verify" if email == user.email else "email_change_verify",
        to=(email, user.name),
        subject="Bevestig je e-mailadres voor het SAM Leerplatform",
        context={
            "first_name": user.first_name,
            "email": email,
            "link": absolute_url(
                "accounts.verify_email", token=make_verification_token(user, email)
            ),
            "hours": _verify_max_age() // 3600,
        },
    )


def confirm_email(user: User, email: str) -> str:
    """Follow a verification link: ``"registered"`` or ``"changed"`` (the new address
    replaces the old only now)."""
    if email == user.email:
        user.email_verified_at = utcnow()
        record(
            "user.email_verified", actor=user, subject_user=user, summary="E-mailadres bevestigd"
        )
        return "registered"
    if email_taken(email):
        user.pending_email = None
        raise AccountError(
            _("Dit e-mailadres hoort intussen bij een ander account; je adres bleef ongewijzigd.")
        )
    before = user.email
    user.email = email
    user.pending_email = None
    user.email_verified_at = utcnow()
    record(
        "user.email_changed",
        actor=user,
        subject_user=user,
        summary="E-mailadres gewijzigd en bevestigd",
        email=[before, email],
    )
    # The old address hears of it: if someone else made the change, its owner can react.
    queue_mail(
        kind="email_changed_notice",
        to=(before, user.name),
        subject="Je e-mailadres op het SAM Leerplatform is gewijzigd",
        context={"first_name": user.first_name, "new_email": email},
    )
    return "changed"


def proves_ownership(
    user: User, email: str, *, password: str | None, session_user_id: int | None
) -> bool:
    """Whether the person following a confirmation link is the account's owner.

    The link only proves access to the mailbox, not who made the account: someone could
    register another person's address with a password of their own, and the owner's click
    would then verify an account the stranger can log in to. So a self-registered address
    is confirmed only with the account's password. A new address of an existing account
    is confirmed by that account's own session too (the owner asked for it while logged
    in); anyone else needs the password, or a stranger could move their own account onto
    the address of whoever clicks the link."""
    if email != user.email and session_user_id is not None and session_user_id == user.id:
        return True
    return bool(password) and verify_password(user.password_hash, password or "")


def withdraw_registration(user: User, email: str) -> bool:
    """ "Dit was ik niet": remove a self-registered account that was never confirmed nor
    used, so the owner of the address can register it themselves. False (nothing done)
    for anything else: a confirmed, used or invited account, or a link for a new address."""
    if (
        email != user.email
        or user.email_verified_at is not None
        or user.last_login_at is not None
        or not user.password_hash
        or user.pending_email is not None
    ):
        return False
    record(
        "user.registration_withdrawn",
        actor=None,
        summary="Onbevestigde registratie verwijderd via de bevestigingslink (dit was ik niet)",
        user_id=user.id,
    )
    db.session.delete(user)
    db.session.flush()
    return True


def request_email_change(user: User, *, new_email: str, password: str) -> None:
    """Send a confirmation link to ``new_email``; the address changes once it is followed.

    An address that already has an account gets a mail telling its owner, and the person
    asking sees the same answer: this never tells whether an address is in use.
    """
    if not verify_password(user.password_hash, password):
        raise AccountError(_("Je huidige wachtwoord klopt niet."), field="current_password")
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise AccountError(_("Dit is al je e-mailadres."), field="email")
    other = find_user_by_email(new_email)
    if other is not None:
        user.pending_email = None
        if other.is_active:
            queue_mail(
                kind="email_change_taken",
                to=other,
                subject="Iemand wou jouw e-mailadres gebruiken op het SAM Leerplatform",
                context={
                    "first_name": other.first_name,
                    "login_url": absolute_url("accounts.login"),
                },
            )
        return
    user.pending_email = new_email
    record(
        "user.email_change_requested",
        actor=user,
        subject_user=user,
        summary="Nieuw e-mailadres gevraagd; wacht op bevestiging",
    )
    send_verification(user, new_email)


def resend_verification(email: str) -> None:
    """A new link for an account that was never confirmed; nothing otherwise (the
    person sees the same answer whatever the address)."""
    user = find_user_by_email(email)
    if user is not None and user.is_active and user.email_verified_at is None:
        if user.password_hash:
            send_verification(user, user.email)
        else:
            invite(user, actor=None)


# --- Invitations (accounts made by a coordinator or an import) -------------------------------


def make_invitation_token(user: User) -> str:
    return _serializer(INVITATION_SALT).dumps({"u": user.id, "p": _password_fingerprint(user)})


def user_for_invitation_token(token: str) -> User | None:
    """The invited person for a valid, unexpired, unused invitation (choosing a password
    changes the fingerprint in the link)."""
    try:
        data = _serializer(INVITATION_SALT).loads(token, max_age=_invitation_max_age())
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"]) if 0 < data["u"] <= MAX_ID else None
    if user is None or not user.is_active or data.get("p") != _password_fingerprint(user):
        return None
    return user


def invite(user: User, *, actor: User | None) -> None:
    """Queue the welcome mail with a link to choose a password (which confirms the address)."""
    queue_mail(
        kind="account_invitation",
        to=user,
        subject="Welkom op het SAM Leerplatform: kies je wachtwoord",
        context={
            "first_name": user.first_name,
            "email": user.email,
            "link": absolute_url("accounts.accept_invitation", token=make_invitation_token(user)),
            "days": _invitation_max_age() // 86400,
        },
    )
    record("user.invited", actor=actor, subject_user=user, summary="Uitnodiging verstuurd")


def accept_invitation(user: User, password: str) -> None:
    """The invited person chose a password: the address is theirs, and a membership an
    organisation contact invited them into is confirmed
    (:func:`lms.organisations.membership.accept_invitation`)."""
    set_password(user, password, actor=user)
    _mark_verified(user)
    membership.accept_invitation(user)


# --- A contact invites a new colleague ---------------------------------------------------------


def invite_colleague(contact: User, *, name: str, email: str) -> None:
    """An organisation contact invites a colleague by e-mail into their organisation.

    A new address gets an account without password and a mail with the invitation link
    (:func:`make_invitation_token`: signed, it expires after ``INVITATION_MAX_AGE`` and
    works once, as choosing the password changes what it checks); choosing the password
    confirms the address and the membership. An address that already has an account is
    not taken over: its owner is told who asked and chooses the organisation on their
    profile themselves (the contact then confirms it). The contact reads the same answer
    either way and gets a copy, so this never tells whether an address has an account.
    """
    organisation = contact.organisation
    if organisation is None or not contact.has_role(Role.ORGANISATION_CONTACT):
        raise AccountError(_("Alleen een contactpersoon van een organisatie nodigt collega's uit."))
    name = " ".join((name or "").split())
    if not name:
        raise AccountError(_("Vul de naam van je collega in."), field="name")
    if len(name) > 200:
        raise AccountError(_("De naam is te lang (hoogstens 200 tekens)."), field="name")
    email = normalise_email(email)
    existing = find_user_by_email(email)
    if existing is None:
        user = User(email=email, name=name, password_hash=None, email_verified_at=None)
        user.set_roles({Role.PARTICIPANT})
        db.session.add(user)
        db.session.flush()
        record(
            "user.created",
            actor=contact,
            subject_user=user,
            summary=f"Account aangemaakt op uitnodiging van {contact.name} ({organisation.name})",
        )
        _invite_into(user, contact, organisation)
    elif existing.is_active and existing.password_hash is None and not existing.is_verified:
        # Invited before and never accepted: a new link. A membership SAM confirmed (an
        # import) stays as it is: then the welcome mail of SAM's invitation goes again.
        if existing.organisation_id is None:
            _invite_into(existing, contact, organisation)
        else:
            invite(existing, actor=contact)
    elif existing.is_active and existing.id != contact.id:
        queue_mail(
            kind="colleague_invitation_existing",
            to=existing,
            subject=f"{contact.name} nodigt je uit bij {organisation.name}",
            context={
                "first_name": existing.first_name,
                "contact": contact.name,
                "organisation": organisation.name,
                "already_member": existing.organisation_id == organisation.id,
                "profile_url": absolute_url("accounts.profile"),
            },
        )
    record(
        "organisation.colleague_invited",
        actor=contact,
        summary=f"{contact.name} nodigde {name} uit bij {organisation.name}",
        organisation_id=organisation.id,
    )
    tell_contact(contact, "invited", name, "", person_url="")


def _invite_into(user: User, contact: User, organisation: Organisation) -> None:
    membership.invited_into(user, organisation, contact=contact)
    queue_mail(
        kind="colleague_invitation",
        to=user,
        subject=f"{contact.name} nodigt je uit op het SAM Leerplatform",
        context={
            "first_name": user.first_name,
            "email": user.email,
            "contact": contact.name,
            "organisation": organisation.name,
            "link": absolute_url("accounts.accept_invitation", token=make_invitation_token(user)),
            "days": _invitation_max_age() // 86400,
        },
    )


def _mark_verified(user: User) -> None:
    """A link mailed to the address was followed: the address is the person's."""
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        record(
            "user.email_verified", actor=user, subject_user=user, summary="E-mailadres bevestigd"
        )


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None (the same for every reason, same timing)."""
    user = find_user_by_email(email)
    if user is None:
        burn_time_like_a_check(password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        return None
    if user.email_verified_at is None:  # the same answer as a wrong password
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
    _mark_verified(user)


def update_profile(
    user: User,
    *,
    name: str,
    organisation: Organisation | None,
    unlisted_organisation: str | None = None,
) -> None:
    """A person's own name and employer. The employer chosen is a request the
    organisation confirms (:mod:`lms.organisations.membership`). An organisation
    contact's organisation decides whose data they see, so only a coordinator changes it
    (:func:`update_details`)."""
    if user.is_organisation_contact:
        wanted = organisation.id if organisation is not None else None
        if unlisted_organisation or wanted != user.organisation_id:
            raise AccountError(
                _(
                    "Als contactpersoon van je organisatie kan je je organisatie niet zelf "
                    "wijzigen: ze bepaalt van wie je de gegevens ziet. Vraag het aan SAM."
                ),
                field="organisation",
            )
    user.name = " ".join(name.split())
    if unlisted_organisation:
        membership.request_unlisted_organisation(user, unlisted_organisation, actor=user)
    else:
        membership.choose_organisation(user, organisation, actor=user)


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
    organisation = existing_organisation(organisation_name)
    organisation_name = organisation.name if organisation is not None else ""
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
    if "organisatie" in changed:  # a coordinator's choice is a confirmed membership
        user.organisation = organisation
        user.pending_organisation = None
        user.requested_organisation_name = None
        user.membership_requested_at = None
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
    #: Without a password, mail an invitation to choose one (which confirms the address).
    invite: bool = True


def create_user(spec: NewUser, *, actor: User | None = None) -> User:
    """Create an account as an administrator (CLI, import, the coordinators' form).

    The organisation must exist (a typo never makes a new one) and the membership is
    confirmed: an administrator decided it. With a password the administrator vouches for
    the address; without one the person gets an invitation to choose a password, and the
    address counts as confirmed once they do.
    """
    if email_taken(spec.email):
        raise AccountError(_("Er bestaat al een account met dit e-mailadres."), field="email")
    organisation = existing_organisation(spec.organisation)
    user = User(
        email=spec.email,
        name=" ".join(spec.name.split()),
        organisation=organisation,
        password_hash=hash_password(spec.password) if spec.password else None,
        email_verified_at=utcnow() if spec.password else None,
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
    if not spec.password and spec.invite:
        invite(user, actor=actor)
    return user
