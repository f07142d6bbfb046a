"""The world of the authorisation matrix: nine people and the objects they own or may not
touch, built once per database backend with the features' own services; and the means to
put it back exactly as it was after a request changed it.

People (the matrix's columns, in this order)::

    ANON  nobody logged in
    P     participant of organisation "Buurtwerk Noord": confirmed in A (attendance and a
          certificate), confirmed in E (not started yet), offered a seat in F, a feed token,
          an API token
    Q     participant of organisation "Wijkwerk Zuid": confirmed in B, a request in G,
          waiting in F — nothing in A
    T     trainer of A (and of the draft H)
    U     trainer of B
    K     organisation contact of Buurtwerk Noord (P's organisation)
    L     organisation contact of Wijkwerk Zuid (Q's organisation)
    C     coordinator
    D     participant of Buurtwerk Noord, deactivated after logging in and making an API
          token: the session cookie and the token are the ones from before

Activities: A (T's course: S1 is over, S2 runs now, S3 next week, S4 cancelled, S5 later
and nothing recorded yet), B (U's course, S1 runs now), E (open, not started), F (one seat,
offered to the waiting list), G (an intervision group: requests need approval), H (a
draft that T will run). Also a failed mail to P, a planned learning policy version, and the
theme "Wonen" (``{theme}``) that B is filed under.

Restoring: every statement a request runs is watched; the tables it wrote to (and, after
a DELETE, the tables whose foreign keys point at them, for cascades the database does on
its own) are compared with a snapshot taken right after building, row by row, and put
back: missing rows inserted, changed rows updated, new rows deleted. No transaction
tricks, so requests commit, lock and cascade as in production.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Table, and_, event, select
from werkzeug.security import generate_password_hash

from lms.accounts import service as accounts
from lms.accounts.tokens import create_api_token
from lms.activities import service as activities
from lms.activities import themes
from lms.attendance import service as attendance
from lms.attendance.service import Mark
from lms.calendar.tokens import ensure_feed_token
from lms.certificates import service as certificates
from lms.common.timeutil import brussels, to_local
from lms.enrolment import service as enrolment
from lms.extensions import db
from lms.intake import service as intake
from lms.interest import service as interest
from lms.interest.tokens import stop_token
from lms.mail.outbox import queue_mail
from lms.models import (
    Activity,
    ActivityKind,
    ApiToken,
    AttendanceStatus,
    Enrolment,
    MailStatus,
    Organisation,
    OutboxMail,
    Role,
    SeatRelease,
    User,
    utcnow,
)
from lms.policy import service as policy
from lms.policy.defaults import ensure_default_policy
from lms.schedule import service as schedule
from lms.schedule.service import SessionData
from tests.factories import TEST_PASSWORD

ACTORS = ("ANON", "P", "Q", "T", "U", "K", "L", "C", "D")

#: Tables whose changes are a cache, not data: a request may fill them (feeds); the
#: catalogue's version counter moves with every write, putting a row back included.
CACHE_TABLES = frozenset({"feed_cache", "catalogue_version"})
#: Columns that record a read, not a change: using an API token notes when (at most every
#: few minutes). Put back like everything else, but not counted as "changed data".
BOOKKEEPING_COLUMNS = {"api_tokens": frozenset({"last_used_at"})}


@dataclass
class World:
    """Ids, tokens and cookies of the world (plain values: no ORM objects leak out)."""

    ids: dict[str, Any] = field(default_factory=dict)
    #: actor → value of the ``session`` cookie (logged in), absent for ANON.
    cookies: dict[str, str] = field(default_factory=dict)
    #: actor → raw API token, absent for ANON.
    api_tokens: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.ids[name]

    def fill(self, template: str) -> str:
        """``/my/enrolments/{P_enrolment_E}/cancel`` → ``/my/enrolments/12/cancel`` (a
        callable value is asked now: a check-in code changes every minute)."""
        names = set(re.findall(r"\{(\w+)\}", template))
        return template.format(
            **{k: self.ids[k](self) if callable(self.ids[k]) else self.ids[k] for k in names}
        )


# --- Building ------------------------------------------------------------------------------


#: The world's password hash, with a low scrypt cost: the matrix signs in a few dozen times,
#: and what it tests is who gets in, not how slow a guess is (tests/security/test_accounts.py
#: and the production settings keep the real cost).
CHEAP_HASH_METHOD = "scrypt:1024:8:1"


def cheap_hash(password: str) -> str:
    return generate_password_hash(password, method=CHEAP_HASH_METHOD)


def _person(email: str, name: str, roles: tuple[Role, ...], organisation=None) -> User:
    """A user as the conftest factory makes one (a cheaper hash of the test password)."""
    user = User(
        email=email,
        name=name,
        organisation=organisation,
        password_hash=cheap_hash(TEST_PASSWORD),
        email_verified_at=utcnow(),
    )
    user.set_roles(set(roles))
    db.session.add(user)
    db.session.flush()
    return user


def _sessions(*spans: tuple[timedelta, timedelta]) -> list[SessionData]:
    now = utcnow().replace(second=0, microsecond=0)
    return [
        SessionData(starts_at=now + start, ends_at=now + end, location="Zaal De Kring, Gent")
        for start, end in spans
    ]


def _activity(title: str, coordinator: User, **fields: Any) -> Activity:
    fields.setdefault("kind", ActivityKind.COURSE)
    fields.setdefault("status", "published")
    fields.setdefault("summary", f"Samenvatting van {title}")
    return activities.create_activity(actor=coordinator, title=title, **fields)


def _session_cookie(app, user: User) -> str:
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client.get_cookie("session").value


DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def build_world(app) -> World:
    """Build the world (the caller holds an app context; everything is committed)."""
    world = World()
    ids = world.ids
    now = utcnow()
    ensure_default_policy()

    north = Organisation(name="Buurtwerk Noord", is_member=True)
    south = Organisation(name="Wijkwerk Zuid", is_member=True)
    db.session.add_all([north, south])
    people = {
        "P": _person("p.deelnemer@example.org", "Pia Deelnemer", (Role.PARTICIPANT,), north),
        "Q": _person("q.deelnemer@example.org", "Quinten Deelnemer", (Role.PARTICIPANT,), south),
        "T": _person("t.lesgever@example.org", "Tine Lesgever", (Role.TRAINER,)),
        "U": _person("u.lesgever@example.org", "Ugo Lesgever", (Role.TRAINER,)),
        "K": _person("k.contact@example.org", "Karin Contact", (Role.ORGANISATION_CONTACT,), north),
        "L": _person("l.contact@example.org", "Lode Contact", (Role.ORGANISATION_CONTACT,), south),
        "C": _person("c.coordinator@example.org", "Cora Coördinator", (Role.COORDINATOR,)),
        "D": _person("d.gestopt@example.org", "Dirk Gestopt", (Role.PARTICIPANT,), north),
    }
    # R only fills F's one seat (and gives it up, so that P is offered it).
    r = _person("r.deelnemer@example.org", "Rik Deelnemer", (Role.PARTICIPANT,), north)
    # W asked to join North (K decides); V registered, chose North and has not confirmed
    # the address yet; X's organisation is not in the list (C decides); I was invited.
    w = _person("w.nieuw@example.org", "Wout Nieuw", (Role.PARTICIPANT,))
    w.pending_organisation, w.membership_requested_at = north, now
    v = _person("v.onbevestigd@example.org", "Vera Onbevestigd", (Role.PARTICIPANT,))
    v.email_verified_at, v.pending_organisation, v.membership_requested_at = None, north, now
    x = _person("x.elders@example.org", "Xavier Elders", (Role.PARTICIPANT,))
    x.requested_organisation_name, x.membership_requested_at = "Buurtwerk Oost", now
    invited = _person("i.uitgenodigd@example.org", "Iris Uitgenodigd", (Role.PARTICIPANT,))
    invited.email_verified_at, invited.password_hash = None, None
    P, Q, T, U, C = (people[k] for k in "PQTUC")  # noqa: N806 (the matrix's names)
    db.session.commit()

    # A: T's course. S1 is over, S2 runs now (check-in open), S3 is next week, S4 was
    # cancelled. P is confirmed (enrolled before it started) and attended everything.
    a = _activity(
        "Politiserend werken in de buurt",
        C,
        capacity=10,
        trainers=[T],
        sessions=_sessions(
            (-8 * DAY, -8 * DAY + 3 * HOUR),
            (-HOUR, 2 * HOUR),
            (7 * DAY, 7 * DAY + 3 * HOUR),
            (5 * DAY, 5 * DAY + 3 * HOUR),
        ),
    )
    # B: U's course, the same shape (S1 running now, S2 next week); Q is confirmed. B is
    # filed under the theme "Wonen".
    housing = themes.create_theme("Wonen", actor=C)
    b = _activity(
        "Wonen en huurrecht",
        C,
        capacity=10,
        trainers=[U],
        themes=[housing],
        sessions=_sessions((-HOUR, 2 * HOUR), (7 * DAY, 7 * DAY + 3 * HOUR)),
    )
    # E: not started yet, open; P is confirmed (P may still cancel).
    e = _activity(
        "Impactevaluatie voor beginners",
        C,
        capacity=10,
        sessions=_sessions((14 * DAY, 14 * DAY + 3 * HOUR)),
    )
    # F: one seat, offered to the next on the waiting list when it frees up.
    f = _activity(
        "Straathoekwerk vandaag",
        C,
        capacity=1,
        seat_release=SeatRelease.OFFER,
        sessions=_sessions((21 * DAY, 21 * DAY + 3 * HOUR)),
    )
    # G: an intervision group (requests need approval); Q has asked.
    g = _activity(
        "Intervisie jeugdwerk",
        C,
        kind=ActivityKind.INTERVISION,
        capacity=8,
        sessions=_sessions((10 * DAY, 10 * DAY + 2 * HOUR)),
    )
    # H: a draft that T will run; nobody else but coordinators may see it.
    h = _activity(
        "Eerstelijnszones (ontwerp)",
        C,
        status="draft",
        capacity=12,
        trainers=[T],
        sessions=_sessions((30 * DAY, 30 * DAY + 2 * HOUR)),
    )
    db.session.commit()

    a_sessions = sorted(a.sessions, key=lambda s: s.starts_at)
    s1, s2, s4, s3 = a_sessions  # by start: -8d, now, +5d, +7d
    b1 = sorted(b.sessions, key=lambda s: s.starts_at)[0]
    schedule.cancel_session(s4, actor=C, reason="De zaal is niet beschikbaar.")
    db.session.commit()

    before_a = now - 9 * DAY
    enrolment.enrol(a, P, now=before_a)
    enrolment.enrol(b, Q, now=before_a)
    enrolment.enrol(e, P)
    enrolment.enrol(f, r)
    enrolment.enrol(f, P)
    enrolment.enrol(f, Q)
    enrolment.enrol(g, Q)
    enrolment.enrol(e, people["D"])
    db.session.commit()
    enrolment.cancel(f, r)  # P is offered the seat (and mailed the link)
    db.session.commit()

    # P attended S1 and S2 (recorded by T) and, later, S3: then A's certificate is issued.
    attendance.record_attendance(s1, [Mark(P.id, AttendanceStatus.PRESENT)], actor=T)
    attendance.record_attendance(s2, [Mark(P.id, AttendanceStatus.PRESENT)], actor=T)
    db.session.commit()
    after_a = s3.ends_at + HOUR
    attendance.record_attendance(s3, [Mark(P.id, AttendanceStatus.PRESENT)], actor=T, now=after_a)
    issued = certificates.issue_for_activity(a, actor=C, now=after_a)
    db.session.commit()
    (certificate,) = issued.issued
    certificates.pdf_of(certificate)  # rendered once, as after its first download
    db.session.commit()
    # S5 was added to A later: nothing recorded yet, so it can still move or be cancelled.
    day = to_local(now).date() + timedelta(days=12)
    s5 = schedule.add_session(
        a,
        SessionData(
            starts_at=brussels(day.year, day.month, day.day, 9, 30),
            ends_at=brussels(day.year, day.month, day.day, 12, 30),
            location="Zaal De Kring, Gent",
        ),
        actor=T,
    )
    db.session.commit()

    # A planned version of the learning policy (the current one cannot change any more).
    current = policy.current_policy(policy.all_policies())
    planned_input = policy.input_from_policy(current)
    planned_input.name = "Leerbeleid volgend jaar"
    planned_input.valid_from = (
        policy.today_local().replace(month=1, day=1).replace(year=policy.today_local().year + 1)
    )
    planned = policy.create_version(planned_input, actor=C)
    db.session.commit()

    # A mail to P that failed (the mail queue's retry and abort act on it).
    failed = queue_mail(
        kind="password_reset",
        to=P,
        subject="Een nieuw wachtwoord kiezen",
        context={"user": P, "link": "https://leerplatform.test.example/x", "hours": 2},
    )
    db.session.flush()
    failed.status = MailStatus.FAILED
    failed.last_error = "550 mailbox unavailable"
    db.session.commit()

    # Everyone's personal feed token, API token and session cookie.
    for key, person in people.items():
        world.ids[f"{key}_feed"] = str(ensure_feed_token(person))
        world.api_tokens[key] = create_api_token(person, "matrix")
        world.ids[f"{key}_id"] = person.id
        world.ids[f"{key}_email"] = person.email
    world.ids["R_id"] = r.id  # a colleague of P who can take P's seat in E (substitution)
    db.session.commit()
    # Tokens count as used just now, so that reading the API writes nothing.
    for token in db.session.scalars(select(ApiToken)):
        token.last_used_at = utcnow()
    db.session.commit()
    for key, person in people.items():
        world.cookies[key] = _session_cookie(app, person)

    # D is deactivated after all that: the cookie, the token and a password reset link
    # are from before.
    ids["D_reset"] = accounts.make_reset_token(people["D"])
    accounts.set_active(people["D"], False, actor=C)
    # A asks one intake question; P is on the interest list of the theme "Wonen".
    question = intake.add_question(a, actor=C, label="Waarom deze cursus?", kind="text")
    interest.subscribe(P, theme=housing)
    db.session.commit()

    offered = db.session.scalar(
        select(Enrolment).where(Enrolment.activity_id == f.id, Enrolment.user_id == P.id)
    )
    offer_mail = db.session.scalar(
        select(OutboxMail).where(
            OutboxMail.kind == "enrolment_offered", OutboxMail.to_email == P.email
        )
    )
    match = re.search(r"/enrolments/offer/([A-Za-z0-9_\-]+)", offer_mail.facts["offer_url"])
    assert match and offered.offer_expires_at is not None, "P was not offered F's seat"

    def enrolment_id(activity: Activity, user: User) -> int:
        return db.session.scalar(
            select(Enrolment.id).where(
                Enrolment.activity_id == activity.id, Enrolment.user_id == user.id
            )
        )

    ids.update(
        north=north.id,
        south=south.id,
        R_id=r.id,
        A=a.id,
        B=b.id,
        E=e.id,
        F=f.id,
        G=g.id,
        H=h.id,
        A_S1=s1.id,
        A_S2=s2.id,
        A_S3=s3.id,
        A_S4=s4.id,
        A_S5=s5.id,
        B_S1=b1.id,
        H_S1=h.sessions[0].id,
        P_enrolment_A=enrolment_id(a, P),
        P_enrolment_E=enrolment_id(e, P),
        P_enrolment_F=offered.id,
        Q_enrolment_B=enrolment_id(b, Q),
        Q_enrolment_F=enrolment_id(f, Q),
        Q_enrolment_G=enrolment_id(g, Q),
        P_offer=match.group(1),
        P_certificate=certificate.id,
        P_code=certificate.code,
        P_api_token_id=db.session.scalar(
            select(ApiToken.id).where(ApiToken.user_id == P.id).order_by(ApiToken.id)
        ),
        P_reset=accounts.make_reset_token(P),
        W_id=w.id,
        X_id=x.id,
        V_email=v.email,
        V_verify=accounts.make_verification_token(v, v.email),
        I_invite=accounts.make_invitation_token(invited),
        failed_mail=failed.id,
        theme=housing.id,
        A_question=question.id,
        P_stop=stop_token(P.id, "theme", housing.id),
        policy_current=current.id,
        policy_planned=planned.id,
        password=TEST_PASSWORD,
    )
    db.session.remove()
    return world


# --- Watching and restoring --------------------------------------------------------------------

_WRITE = re.compile(
    r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)\"?", re.IGNORECASE
)


#: Tables written by statements sent on the raw driver connection (no SQLAlchemy event).
DRIVER_WRITTEN = {"enrolments", "enrolment_events", "audit_entries", "outbox_mails"}


class Restorer:
    """Remembers every row after building; after a request, puts back what it changed."""

    def __init__(self) -> None:
        self.tables: dict[str, Table] = {t.name: t for t in db.metadata.sorted_tables}
        self.order = [t.name for t in db.metadata.sorted_tables]  # parents first
        self.snapshot: dict[str, dict[tuple, dict[str, Any]]] = {
            name: self.rows(table) for name, table in self.tables.items()
        }
        self.touched: set[str] = set()
        self.deleted_from: set[str] = set()
        event.listen(db.engine, "before_cursor_execute", self._watch)

    def close(self) -> None:
        event.remove(db.engine, "before_cursor_execute", self._watch)

    def _watch(self, _conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        match = _WRITE.match(statement)
        if match and match.group(1) in self.tables:
            self.touched.add(match.group(1))
            if statement.lstrip()[:6].upper() == "DELETE":
                self.deleted_from.add(match.group(1))

    def rows(self, table: Table) -> dict[tuple, dict[str, Any]]:
        key = list(table.primary_key.columns)
        with db.engine.connect() as connection:
            rows = connection.execute(select(table)).mappings().all()
        return {tuple(row[c.name] for c in key): dict(row) for row in rows}

    def _with_cascades(self) -> set[str]:
        """The touched tables, plus those a database cascade may have changed, plus the
        tables the enrolment fast path (lms/enrolment/fast.py) writes through the driver's
        own connection, which SQLAlchemy's statement events never see."""
        tables = set(self.touched) | (DRIVER_WRITTEN & set(self.tables))
        frontier = set(self.deleted_from)
        while frontier:
            parent = frontier.pop()
            for name, table in self.tables.items():
                if name not in tables and any(
                    fk.column.table.name == parent for fk in table.foreign_keys
                ):
                    tables.add(name)
                    frontier.add(name)
        return tables

    def restore(self) -> set[str]:
        """Put every changed table back; returns the names of the tables that had changed
        (caches left out)."""
        tables = self._with_cascades()
        self.touched.clear()
        self.deleted_from.clear()
        if not tables:
            return set()
        current = {name: self.rows(self.tables[name]) for name in tables}
        changed = {name for name in tables if current[name] != self.snapshot[name]}
        if not changed:
            return set()
        ordered = [name for name in self.order if name in changed]
        with db.engine.begin() as connection:
            # Rows the request deleted come back first (parents before children), then
            # changed rows get their values back, then the request's new rows go
            # (children before parents).
            for name in ordered:
                table, before, now = self.tables[name], self.snapshot[name], current[name]
                missing = [row for pk, row in sorted(before.items()) if pk not in now]
                if missing:
                    connection.execute(table.insert(), missing)
            for name in ordered:
                table, before, now = self.tables[name], self.snapshot[name], current[name]
                key = list(table.primary_key.columns)
                for pk, row in before.items():
                    if pk in now and now[pk] != row:
                        connection.execute(
                            table.update()
                            .where(and_(*(c == v for c, v in zip(key, pk, strict=True))))
                            .values(**{k: v for k, v in row.items() if now[pk][k] != v})
                        )
            for name in reversed(ordered):
                table, before, now = self.tables[name], self.snapshot[name], current[name]
                key = list(table.primary_key.columns)
                for pk in sorted((pk for pk in now if pk not in before), reverse=True):
                    connection.execute(
                        table.delete().where(and_(*(c == v for c, v in zip(key, pk, strict=True))))
                    )
        self.touched.clear()
        self.deleted_from.clear()
        return {name for name in changed - CACHE_TABLES if self._differs(name, current[name])}

    def _differs(self, name: str, current: dict[tuple, dict[str, Any]]) -> bool:
        """Whether the table differs from the snapshot beyond bookkeeping columns."""
        ignored = BOOKKEEPING_COLUMNS.get(name, frozenset())

        def strip(rows: dict[tuple, dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
            return {
                pk: {k: v for k, v in row.items() if k not in ignored} for pk, row in rows.items()
            }

        return strip(current) != strip(self.snapshot[name])
