"""People and the organisations they work for; their API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from lms.i18n import N_
from lms.models.base import db, str_enum, utcnow


class Role(enum.StrEnum):
    PARTICIPANT = "participant"
    TRAINER = "trainer"
    COORDINATOR = "coordinator"
    ORGANISATION_CONTACT = "organisation_contact"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.PARTICIPANT: N_("deelnemer"),
    Role.TRAINER: N_("lesgever"),
    Role.COORDINATOR: N_("coördinator"),
    Role.ORGANISATION_CONTACT: N_("contactpersoon organisatie"),
}


class Organisation(db.Model):
    """An employer: a Samenlevingsopbouw institute, a city, an NGO, …"""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: Members of the sector pay the member price.
    is_member: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    #: Confirmed members only (``User.organisation_id``); pending requests are
    #: ``User.pending_organisation_id``.
    users: Mapped[list[User]] = relationship(
        back_populates="organisation", foreign_keys="User.organisation_id"
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.name!r}>"


class User(UserMixin, db.Model):
    """Anyone who logs in. A person can hold several roles at once."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Always stored lower-case, so uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True, server_default="1")
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    #: Bumped on password change and deactivation: every login session made before ends.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    #: Personal calendar feed token, as selector (looked up) + secret (compared in
    #: constant time). Rotating replaces both.
    feed_selector: Mapped[str | None] = mapped_column(String(16), unique=True)
    feed_secret: Mapped[str | None] = mapped_column(String(64))
    #: Set when a coordinator erased this person's data on request (GDPR).
    erased_at: Mapped[datetime | None]
    #: When the person proved they read mail at ``email`` (None: not yet; such an account
    #: cannot log in, enrol or be seen by a contact before). Accounts an administrator makes
    #: with a password, and the demo accounts, are verified when made
    #: (:mod:`lms.accounts.service`, :mod:`lms.demo`).
    email_verified_at: Mapped[datetime | None]
    #: A new address waiting for its confirmation link; ``email`` stays until then.
    pending_email: Mapped[str | None] = mapped_column(String(254))
    #: ``organisation_id`` is a *confirmed* membership (the organisation's contact sees and
    #: enrols this person, the member price applies). A membership the person asked for
    #: waits here until the contact or a coordinator confirms it.
    pending_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    membership_requested_at: Mapped[datetime | None]
    #: "Mijn organisatie staat er niet bij": the name the person gave, for a coordinator.
    requested_organisation_name: Mapped[str | None] = mapped_column(String(200))
    #: The organisation contact who invited this person by e-mail into
    #: ``pending_organisation``: accepting the invitation confirms that membership
    #: (:func:`lms.organisations.membership.accept_invitation`).
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation | None] = relationship(
        back_populates="users", foreign_keys=[organisation_id]
    )
    pending_organisation: Mapped[Organisation | None] = relationship(
        foreign_keys=[pending_organisation_id]
    )
    invited_by: Mapped[User | None] = relationship(
        foreign_keys=[invited_by_id], remote_side="User.id"
    )
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return normalise_email(value)

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    # Flask-Login -----------------------------------------------------------------
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active and self.erased_at is None

    def get_id(self) -> str:
        """Session id includes the version, so bumping it logs out every session."""
        return f"{self.id}.{self.session_version}"

    # Roles -------------------------------------------------------------------------
    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, *roles: Role | str) -> bool:
        mine = self.roles
        return any(Role(r) in mine for r in roles)

    def set_roles(self, roles: set[Role] | frozenset[Role] | list[Role]) -> None:
        wanted = {Role(r) for r in roles}
        self.role_rows = [row for row in self.role_rows if row.role in wanted]
        present = {row.role for row in self.role_rows}
        for role in sorted(wanted - present):
            self.role_rows.append(UserRole(role=role))

    @property
    def is_coordinator(self) -> bool:
        return self.has_role(Role.COORDINATOR)

    @property
    def is_trainer(self) -> bool:
        return self.has_role(Role.TRAINER)

    @property
    def is_organisation_contact(self) -> bool:
        return self.has_role(Role.ORGANISATION_CONTACT)

    @property
    def first_name(self) -> str:
        return self.name.split(" ", 1)[0] if self.name else ""

    def __repr__(self) -> str:
        return f"<User {self.email!r}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(str_enum(Role), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(db.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None


def normalise_email(value: str) -> str:
    return (value or "").strip().lower()


__all__ = ["ROLE_LABELS", "ApiToken", "Organisation", "Role", "User", "UserRole"]
