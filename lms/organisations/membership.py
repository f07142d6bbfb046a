"""Who belongs to an organisation: chosen by the person, confirmed by the organisation.

A person picks their organisation from the list; that is only a *request*
(``User.pending_organisation_id``). The organisation's contact, or a coordinator, confirms
it (then ``User.organisation_id`` holds it: the contact sees and enrols the person, and the
member price applies) or declines it; a contact can also end a membership. The person is
told each time by mail. Someone whose organisation is not in the list leaves its name for
a coordinator, who creates the organisation or links the person to an existing one.

Nothing here creates an organisation from a typed name, except a coordinator's explicit
:func:`create_organisation`; every name entered is checked by :func:`clean_name`.
"""

from __future__ import annotations

import unicodedata

from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.audit import record
from lms.common.errors import RuleError
from lms.common.urls import absolute_url
from lms.extensions import db
from lms.mail.outbox import queue_mail
from lms.models import Organisation, Role, User, utcnow

NAME_MIN = 2
NAME_MAX = 200


class MembershipError(RuleError, ValueError):
    """A rule refused the change; the message is Dutch and meant for the person."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field=field, status=422)


# --- Names -------------------------------------------------------------------------------


def normalise_name(name: str | None) -> str:
    """Runs of white space as one space, trimmed (``"  SAM   vzw "`` → ``"SAM vzw"``)."""
    return " ".join((name or "").split())


def name_problem(name: str | None) -> str | None:
    """Why ``name`` cannot be an organisation's name (None when it can).

    Control and format characters (a tab, NUL, a bidi override…) broke spreadsheets and
    reports that show the name, so they are refused rather than silently stripped.
    """
    raw = name or ""
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in raw.strip()):
        return _("De naam van de organisatie bevat een onzichtbaar teken of stuurteken.")
    cleaned = normalise_name(raw)
    if len(cleaned) < NAME_MIN:
        return _("Vul de naam van de organisatie in (minstens %(n)s tekens).", n=NAME_MIN)
    if len(cleaned) > NAME_MAX:
        return _("De naam van de organisatie is te lang (hoogstens %(n)s tekens).", n=NAME_MAX)
    return None


def clean_name(name: str | None, *, field: str = "organisation") -> str:
    """The normalised name, or :class:`MembershipError` saying what is wrong with it."""
    problem = name_problem(name)
    if problem is not None:
        raise MembershipError(problem, field=field)
    return normalise_name(name)


def find_organisation(name: str | None) -> Organisation | None:
    """The existing organisation called ``name`` (letter case and spacing ignored)."""
    cleaned = normalise_name(name)
    if not cleaned or name_problem(cleaned) is not None:
        return None
    return db.session.scalar(
        select(Organisation).where(func.lower(Organisation.name) == cleaned.lower())
    )


def all_organisations() -> list[Organisation]:
    """Every organisation, by name: the list people choose from."""
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def create_organisation(name: str, *, actor: User | None) -> Organisation:
    """A new organisation, by a coordinator's explicit choice (never from a typed name)."""
    cleaned = clean_name(name)
    if find_organisation(cleaned) is not None:
        raise MembershipError(
            _("Er bestaat al een organisatie met de naam „%(name)s”.", name=cleaned),
            field="organisation",
        )
    organisation = Organisation(name=cleaned)
    db.session.add(organisation)
    db.session.flush()
    record(
        "organisation.created",
        actor=actor,
        summary=f"Organisatie aangemaakt: {cleaned}",
        organisation_id=organisation.id,
    )
    return organisation


# --- Who decides -------------------------------------------------------------------------


def may_decide(actor: User, organisation_id: int | None) -> bool:
    """A coordinator, or a contact of this very organisation."""
    if organisation_id is None:
        return False
    return actor.has_role(Role.COORDINATOR) or (
        actor.has_role(Role.ORGANISATION_CONTACT) and actor.organisation_id == organisation_id
    )


# --- The person's side -------------------------------------------------------------------


def choose_organisation(user: User, organisation: Organisation | None, *, actor: User) -> bool:
    """The person says where they work. Returns whether anything changed.

    Choosing another organisation ends the current membership at once (the person decides
    who sees their data) and asks the new one to confirm; choosing none ends it too.
    """
    if organisation is not None and organisation.id == user.organisation_id:
        changed = user.pending_organisation_id is not None or bool(user.requested_organisation_name)
        user.pending_organisation = None
        user.invited_by = None
        user.membership_requested_at = None
        user.requested_organisation_name = None
        return changed
    if organisation is not None and organisation.id == user.pending_organisation_id:
        return False
    before = user.organisation.name if user.organisation else None
    user.organisation = None
    user.requested_organisation_name = None
    user.pending_organisation = organisation
    user.invited_by = None
    user.membership_requested_at = utcnow() if organisation is not None else None
    record(
        "membership.requested" if organisation is not None else "membership.left",
        actor=actor,
        subject_user=user,
        summary=(
            f"Lidmaatschap gevraagd bij {organisation.name}"
            if organisation is not None
            else "Geen organisatie meer gekozen"
        )
        + (f" (was lid van {before})" if before else ""),
        organisation_id=organisation.id if organisation is not None else None,
    )
    return True


def request_unlisted_organisation(user: User, name: str, *, actor: User) -> None:
    """ "Mijn organisatie staat er niet bij": a coordinator will create or link it.

    A name that is in the list after all becomes an ordinary membership request.
    """
    cleaned = clean_name(name, field="new_organisation")
    existing = find_organisation(cleaned)
    if existing is not None:
        choose_organisation(user, existing, actor=actor)
        return
    if user.requested_organisation_name == cleaned:
        return
    user.organisation = None
    user.pending_organisation = None
    user.invited_by = None
    user.membership_requested_at = utcnow()
    user.requested_organisation_name = cleaned
    record(
        "membership.unlisted",
        actor=actor,
        subject_user=user,
        summary=f"Organisatie gevraagd die niet in de lijst staat: {cleaned}",
    )


# --- The organisation's side -------------------------------------------------------------


def _tell(user: User, kind: str, subject: str, organisation_name: str) -> None:
    """Queue a mail about the person's membership (Dutch, like every mail; ``subject``
    holds ``%(organisation)s``). Only plain facts go into the context."""
    if not user.is_active:
        return
    queue_mail(
        kind=kind,
        to=user,
        subject=subject % {"organisation": organisation_name},
        context={
            "first_name": user.first_name,
            "organisation": organisation_name,
            "profile_url": absolute_url("accounts.profile"),
        },
    )


def confirm(user: User, *, actor: User) -> None:
    """The pending request becomes the membership; the person is told."""
    organisation = user.pending_organisation
    if organisation is None:
        raise MembershipError(_("Er is geen aanvraag om te bevestigen."))
    if not may_decide(actor, organisation.id):
        raise MembershipError(_("Je kan alleen aanvragen voor je eigen organisatie beslissen."))
    user.organisation = organisation
    user.pending_organisation = None
    user.invited_by = None
    user.membership_requested_at = None
    record(
        "membership.confirmed",
        actor=actor,
        subject_user=user,
        summary=f"Lidmaatschap van {organisation.name} bevestigd",
        organisation_id=organisation.id,
    )
    _tell(
        user,
        "membership_confirmed",
        "Je lidmaatschap van %(organisation)s is bevestigd",
        organisation.name,
    )


def decline(user: User, *, actor: User) -> None:
    """The pending request is refused; the person is told."""
    organisation = user.pending_organisation
    if organisation is None:
        raise MembershipError(_("Er is geen aanvraag om te weigeren."))
    if not may_decide(actor, organisation.id):
        raise MembershipError(_("Je kan alleen aanvragen voor je eigen organisatie beslissen."))
    user.pending_organisation = None
    user.invited_by = None
    user.membership_requested_at = None
    record(
        "membership.declined",
        actor=actor,
        subject_user=user,
        summary=f"Lidmaatschap van {organisation.name} geweigerd",
        organisation_id=organisation.id,
    )
    _tell(
        user,
        "membership_declined",
        "Je aanvraag bij %(organisation)s is niet bevestigd",
        organisation.name,
    )


def end(user: User, *, actor: User) -> None:
    """The organisation ends the membership (someone left); the person is told.

    A contact cannot end their own membership or another contact's: their organisation
    decides whose data they see, so only a coordinator changes it.
    """
    organisation = user.organisation
    if organisation is None:
        raise MembershipError(_("Deze persoon is geen lid van een organisatie."))
    if not may_decide(actor, organisation.id):
        raise MembershipError(
            _("Je kan alleen lidmaatschappen van je eigen organisatie beëindigen.")
        )
    if user.is_organisation_contact and not actor.is_coordinator:
        raise MembershipError(
            _("Het lidmaatschap van een contactpersoon beëindigt alleen SAM. Vraag het aan SAM.")
        )
    user.organisation = None
    record(
        "membership.ended",
        actor=actor,
        subject_user=user,
        summary=f"Lidmaatschap van {organisation.name} beëindigd",
        organisation_id=organisation.id,
    )
    _tell(
        user,
        "membership_ended",
        "Je lidmaatschap van %(organisation)s is beëindigd",
        organisation.name,
    )


def pending_members(organisation: Organisation) -> list[User]:
    """Requests the organisation can decide on: verified, active people only (an address
    that was never confirmed is shown to nobody)."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.pending_organisation_id == organisation.id,
                User.email_verified_at.is_not(None),
                User.active.is_(True),
                User.erased_at.is_(None),
            )
            .order_by(User.membership_requested_at, User.id)
        )
    )


def all_pending_members() -> list[User]:
    """Every request waiting for an organisation (for coordinators), oldest first."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.pending_organisation_id.is_not(None),
                User.email_verified_at.is_not(None),
                User.active.is_(True),
                User.erased_at.is_(None),
            )
            .order_by(User.membership_requested_at, User.id)
        )
    )


# --- Coordinators: organisations that are not in the list ---------------------------------


def unlisted_requests() -> list[User]:
    """People waiting for a coordinator to add or link their organisation, oldest first."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.requested_organisation_name.is_not(None),
                User.email_verified_at.is_not(None),
                User.erased_at.is_(None),
            )
            .order_by(User.membership_requested_at, User.id)
        )
    )


def resolve_unlisted(
    user: User,
    *,
    actor: User,
    organisation: Organisation | None = None,
    new_name: str | None = None,
) -> Organisation | None:
    """Link the person to ``organisation``, or to a new one called ``new_name``, or (both
    None) dismiss the request. A coordinator decides, so the membership is confirmed."""
    if not actor.is_coordinator:
        raise MembershipError(_("Alleen een coördinator behandelt deze aanvragen."))
    asked = user.requested_organisation_name
    if asked is None:
        raise MembershipError(_("Deze aanvraag is al behandeld."))
    if organisation is None and new_name is not None:
        organisation = create_organisation(new_name, actor=actor)
    user.requested_organisation_name = None
    user.membership_requested_at = None
    if organisation is None:
        record(
            "membership.unlisted_dismissed",
            actor=actor,
            subject_user=user,
            summary=f"Aanvraag voor organisatie „{asked}” afgewezen",
        )
        _tell(
            user,
            "organisation_request_dismissed",
            "Je organisatie werd niet toegevoegd",
            asked,
        )
        return None
    user.pending_organisation = None
    user.invited_by = None
    user.organisation = organisation
    record(
        "membership.confirmed",
        actor=actor,
        subject_user=user,
        summary=f"Gekoppeld aan {organisation.name} (gevraagd: „{asked}”)",
        organisation_id=organisation.id,
    )
    _tell(
        user,
        "membership_confirmed",
        "Je lidmaatschap van %(organisation)s is bevestigd",
        organisation.name,
    )
    return organisation


# --- A contact invites a new colleague ---------------------------------------------------


def invited_into(user: User, organisation: Organisation, *, contact: User) -> None:
    """``contact`` invited ``user`` (a new account) into ``organisation``: a request that
    accepting the invitation confirms (:func:`accept_invitation`)."""
    if not (
        contact.has_role(Role.ORGANISATION_CONTACT) and contact.organisation_id == organisation.id
    ):
        raise MembershipError(_("Je kan alleen collega's uitnodigen in je eigen organisatie."))
    user.organisation = None
    user.requested_organisation_name = None
    user.pending_organisation = organisation
    user.membership_requested_at = utcnow()
    user.invited_by = contact
    record(
        "membership.invited",
        actor=contact,
        subject_user=user,
        summary=f"Uitgenodigd als medewerker van {organisation.name}",
        organisation_id=organisation.id,
    )


def accept_invitation(user: User) -> bool:
    """The invited person chose a password: the membership the contact invited them into
    is confirmed, when that contact still speaks for the organisation (else it waits for
    a decision like any request). Returns whether it was confirmed."""
    contact, organisation = user.invited_by, user.pending_organisation
    user.invited_by = None
    if contact is None or organisation is None:
        return False
    if not (
        contact.is_active
        and contact.has_role(Role.ORGANISATION_CONTACT)
        and contact.organisation_id == organisation.id
    ):
        return False
    user.organisation = organisation
    user.pending_organisation = None
    user.membership_requested_at = None
    record(
        "membership.confirmed",
        actor=user,
        subject_user=user,
        summary=f"Lidmaatschap van {organisation.name} bevestigd (uitnodiging van "
        f"{contact.name} aanvaard)",
        organisation_id=organisation.id,
    )
    return True
