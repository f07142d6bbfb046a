"""The demo offer: SAM's institutes, themes, an account per role and a season of activities.

All demo data lives in this package: this module makes the offer, its submodules add each
feature's data through that feature's services (:data:`DEMO_EXTENSIONS`). Only the CLI
(``lms demo``) imports it.

Idempotent: organisations, themes and users are found by name or email, activities by
slug; what exists is left alone. Dates are relative to the day of the first load, so a
fresh ``make run`` always shows sessions in the coming months.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from lms.accounts.passwords import hash_password
from lms.common.slugs import slugify
from lms.common.timeutil import brussels
from lms.extensions import db
from lms.models import (
    APPROVAL_BY_DEFAULT,
    Activity,
    ActivityKind,
    ActivitySession,
    ActivityStatus,
    Enrolment,
    Organisation,
    Role,
    Theme,
    User,
    utcnow,
)

DEMO_PASSWORD = "Leerplatform-demo-2026"  # noqa: S105 (printed on purpose: demo accounts)

INSTITUTES = (
    "Samenlevingsopbouw Antwerpen stad",
    "Samenlevingsopbouw Antwerpen provincie",
    "Samenlevingsopbouw Brussel",
    "Samenlevingsopbouw Gent",
    "Samenlevingsopbouw Oost-Vlaanderen",
    "Samenlevingsopbouw West-Vlaanderen",
    "Samenlevingsopbouw Vlaams-Brabant",
    "Samenlevingsopbouw Limburg",
    "Samenlevingsopbouw Kempen",
)
OTHER_ORGANISATIONS = ("SAM vzw", "OCMW Leuven", "CAW Oost-Vlaanderen")

THEMES = (
    "Politiserend sociaal werk",
    "Sociaal werk en duurzaamheid",
    "Wonen",
    "Voorwaardelijkheid van rechten",
    "Gebiedsgericht sociaal werk",
    "Impactevaluatie",
    "Sociale bescherming",
    "Eerstelijnszones",
    "Jeugd- en kinderrechten",
    "Straathoekwerk",
)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    roles: tuple[Role, ...]
    organisation: str | None
    login_shown: bool = True
    #: The membership waits for the organisation's contact to confirm it.
    pending: bool = False


DEMO_ACCOUNTS = (
    DemoAccount(
        "coordinator@sam-demo.be",
        "Hilde Coördinator",
        (Role.COORDINATOR, Role.PARTICIPANT),
        "SAM vzw",
    ),
    DemoAccount(
        "lesgever@sam-demo.be", "Karim Lesgever", (Role.TRAINER, Role.PARTICIPANT), "SAM vzw"
    ),
    DemoAccount(
        "deelnemer@sam-demo.be",
        "Sofie Deelnemer",
        (Role.PARTICIPANT,),
        "Samenlevingsopbouw Gent",
    ),
    DemoAccount(
        "contact@sam-demo.be",
        "Marc Contactpersoon",
        (Role.ORGANISATION_CONTACT, Role.PARTICIPANT),
        "Samenlevingsopbouw Gent",
    ),
    # Further people, so lists, waiting lists and attendance sheets are not empty.
    DemoAccount(
        "begeleider@sam-demo.be", "An Begeleider", (Role.TRAINER,), "SAM vzw", login_shown=False
    ),
    DemoAccount(
        "zoe@sam-demo.be",
        "Zoë Ağaoğlu-Łukasiewicz",
        (Role.PARTICIPANT,),
        "Samenlevingsopbouw Brussel",
        login_shown=False,
    ),
    DemoAccount(
        "minh@sam-demo.be",
        "Nguyễn Thị Minh Khai",
        (Role.PARTICIPANT,),
        "Samenlevingsopbouw Antwerpen stad",
        login_shown=False,
    ),
    DemoAccount(
        "pieter@sam-demo.be",
        "Pieter Van den Broeck",
        (Role.PARTICIPANT,),
        "Samenlevingsopbouw Gent",
        login_shown=False,
    ),
    DemoAccount(
        "fatima@sam-demo.be",
        "Fatima El Amrani",
        (Role.PARTICIPANT,),
        "Samenlevingsopbouw West-Vlaanderen",
        login_shown=False,
    ),
    DemoAccount(
        "jens@sam-demo.be", "Jens Peeters", (Role.PARTICIPANT,), "OCMW Leuven", login_shown=False
    ),
    # Chose Samenlevingsopbouw Gent; the contact (Marc) sees the request to confirm.
    DemoAccount(
        "lotte@sam-demo.be",
        "Lotte Nieuwkomer",
        (Role.PARTICIPANT,),
        "Samenlevingsopbouw Gent",
        login_shown=False,
        pending=True,
    ),
)


@dataclass
class DemoActivity:
    kind: ActivityKind
    title: str
    summary: str
    themes: tuple[str, ...]
    #: (days from the load date, start hour, start minute, duration in minutes)
    sessions: tuple[tuple[int, int, int, int], ...]
    capacity: int | None = 16
    location: str = "SAM, Sint-Jansbergsesteenweg 97, Heverlee"
    online_url: str = ""
    trainers: tuple[str, ...] = ("lesgever@sam-demo.be",)
    price_member: str = "0"
    price_non_member: str = "0"
    description: str = ""
    audience: str = "Sociaal werkers en opbouwwerkers uit de sector en daarbuiten."
    what_to_bring: str = ""
    modules: list[DemoActivity] = field(default_factory=list)
    status: ActivityStatus = ActivityStatus.PUBLISHED
    #: Also a session running right now (started an hour before loading), so a trainer
    #: can try attendance and check-in on a fresh demo.
    running_now: bool = False


def _weekly(first: int, count: int, hour: int = 9, minute: int = 30, minutes: int = 180):
    return tuple((first + 7 * i, hour, minute, minutes) for i in range(count))


def _monthly(first: int, count: int, hour: int = 13, minute: int = 30, minutes: int = 150):
    return tuple((first + 28 * i, hour, minute, minutes) for i in range(count))


DEMO_ACTIVITIES: tuple[DemoActivity, ...] = (
    DemoActivity(
        ActivityKind.PROGRAMME,
        "Beroepsopleiding opbouwwerk 2027",
        "De basisopleiding voor nieuwe opbouwwerkers: vier modules over visie, "
        "politiserend werken, participatie en impact.",
        ("Politiserend sociaal werk", "Gebiedsgericht sociaal werk"),
        sessions=(),
        capacity=20,
        price_member="350",
        price_non_member="650",
        description="Je volgt als groep vier modules over een half jaar. Het diploma vraagt "
        "dat je elke module haalt; per module krijg je een attest.",
        modules=[
            DemoActivity(
                ActivityKind.COURSE,
                "Module 1 – Visie en geschiedenis van samenlevingsopbouw",
                "Waar komt opbouwwerk vandaan en waar staat het voor?",
                ("Politiserend sociaal werk",),
                sessions=_weekly(21, 3),
                capacity=20,
            ),
            DemoActivity(
                ActivityKind.COURSE,
                "Module 2 – Politiserend werken",
                "Structurele oorzaken zichtbaar maken en beleid beïnvloeden.",
                ("Politiserend sociaal werk",),
                sessions=_weekly(49, 3),
                capacity=20,
                trainers=("begeleider@sam-demo.be",),
            ),
            DemoActivity(
                ActivityKind.COURSE,
                "Module 3 – Participatie en empowerment",
                "Samen met bewoners werken aan verandering.",
                ("Gebiedsgericht sociaal werk",),
                sessions=_weekly(77, 3),
                capacity=20,
            ),
            DemoActivity(
                ActivityKind.COURSE,
                "Module 4 – Impact zichtbaar maken",
                "Wat verandert er door ons werk, en hoe tonen we dat?",
                ("Impactevaluatie",),
                sessions=_weekly(105, 3),
                capacity=20,
                trainers=("begeleider@sam-demo.be",),
            ),
        ],
    ),
    DemoActivity(
        ActivityKind.COURSE,
        "Wonen op maat: lokaal woonbeleid beïnvloeden",
        "Vier namiddagen over betaalbaar wonen, huurders organiseren en het lokale "
        "woonbeleid in beweging brengen.",
        ("Wonen", "Politiserend sociaal werk"),
        sessions=_weekly(10, 4, hour=13, minute=30, minutes=180),
        capacity=16,
        price_member="60",
        price_non_member="120",
        location="Huis van de Sociale Economie, Brugsesteenweg 1, Gent",
        what_to_bring="Een voorbeeld van een woonvraag uit je eigen werking.",
    ),
    DemoActivity(
        ActivityKind.COURSE,
        "Sociaal werk en duurzaamheid: klimaat en armoede",
        "Hoe raakt de klimaattransitie mensen in armoede, en wat kan sociaal werk doen?",
        ("Sociaal werk en duurzaamheid",),
        sessions=_weekly(17, 3),
        capacity=2,
        price_member="45",
        price_non_member="90",
        location="De Studio, Maarschalk Gérardstraat 4, Antwerpen",
        trainers=("begeleider@sam-demo.be",),
    ),
    DemoActivity(
        ActivityKind.COURSE,
        "Voorwaardelijkheid van rechten: wat doet het met mensen?",
        "Twee online sessies over voorwaarden bij leefloon, huisvesting en werk.",
        ("Voorwaardelijkheid van rechten", "Sociale bescherming"),
        sessions=_weekly(24, 2, hour=10, minute=0, minutes=120),
        capacity=40,
        location="",
        online_url="https://meet.jit.si/sam-voorwaardelijkheid",
    ),
    DemoActivity(
        ActivityKind.COURSE,
        "Impactevaluatie in de praktijk",
        "Een afgeronde reeks over het meten en vertellen van impact.",
        ("Impactevaluatie",),
        sessions=_weekly(-45, 3, hour=9, minute=30, minutes=180),
        capacity=12,
    ),
    DemoActivity(
        ActivityKind.LECTURE,
        "Lezing: sociale bescherming in tijden van crisis",
        "Een avondlezing met debat, ter plaatse en online te volgen.",
        ("Sociale bescherming",),
        sessions=((31, 19, 30, 120),),
        capacity=150,
        location="Auditorium Vooruit, Sint-Pietersnieuwstraat 23, Gent",
        online_url="https://meet.jit.si/sam-lezing-sociale-bescherming",
        trainers=("begeleider@sam-demo.be",),
    ),
    DemoActivity(
        ActivityKind.INTERVISION,
        "Intervisie straathoekwerk Antwerpen",
        "Een vaste groep straathoekwerkers die elkaar maandelijks bevraagt over casussen.",
        ("Straathoekwerk",),
        sessions=_monthly(7, 6),
        capacity=8,
        location="Samenlevingsopbouw Antwerpen stad, Lange Lobroekstraat 27, Antwerpen",
    ),
    DemoActivity(
        ActivityKind.INTERVISION,
        "Intervisie gebiedsgericht werken",
        "Gebiedsgerichte werkers wisselen uit over samenwerking in de wijk.",
        ("Gebiedsgericht sociaal werk", "Eerstelijnszones"),
        sessions=_monthly(14, 5, hour=9, minute=30, minutes=150),
        capacity=10,
        trainers=("begeleider@sam-demo.be",),
    ),
    DemoActivity(
        ActivityKind.PRACTICE_GROUP,
        "Praktijkgroep wonen",
        "Praktijkwerkers rond wonen komen elke maand samen rond een actuele vraag.",
        ("Wonen",),
        sessions=_monthly(3, 8, hour=13, minute=30, minutes=150),
        capacity=25,
        running_now=True,
    ),
    DemoActivity(
        ActivityKind.PRACTICE_GROUP,
        "Praktijkgroep politiserend sociaal werk",
        "Samen leren hoe we signalen uit het werkveld op de politieke agenda krijgen.",
        ("Politiserend sociaal werk", "Jeugd- en kinderrechten"),
        sessions=_monthly(12, 6, hour=14, minute=0, minutes=120),
        capacity=25,
        location="",
        online_url="https://meet.jit.si/sam-praktijkgroep-politiserend",
        trainers=("begeleider@sam-demo.be",),
    ),
)


@dataclass
class DemoResult:
    created: list[str] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def database_is_empty() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is None


def load_demo(today: date | None = None) -> DemoResult:
    """Load what is missing of the demo offer; commit; return what was created."""
    today = today or date.today()
    result = DemoResult()
    organisations = _organisations(result)
    themes = _themes(result)
    users = _users(organisations, result)
    for spec in DEMO_ACTIVITIES:
        _activity(spec, today, themes, users, result)
    db.session.flush()
    from lms.policy.defaults import ensure_default_policy

    ensure_default_policy()
    db.session.commit()
    for module_name in DEMO_EXTENSIONS:
        importlib.import_module(module_name).load(today, result)
        db.session.commit()
    result.logins = demo_logins()
    return result


def demo_logins() -> list[tuple[str, str, str]]:
    """(email, password, roles) of the demo accounts meant for trying each role."""
    return [
        (account.email, DEMO_PASSWORD, ", ".join(r.label for r in account.roles))
        for account in DEMO_ACCOUNTS
        if account.login_shown
    ]


#: Modules of this package whose ``load(today, result)`` adds a feature's demo data (enrolments,
#: attendance, certificates, …) through that feature's own services, in this order.
#: Each must be idempotent, like the rest of the demo.
DEMO_EXTENSIONS: tuple[str, ...] = (
    "lms.demo.enrolment",
    "lms.demo.attendance",
    "lms.demo.certificates",
    "lms.demo.reports",
)


def users_by_email(emails: list[str]) -> dict[str, User]:
    """The demo's people with these addresses (those that exist), by address: the feature
    modules of this package look up who they act for and as."""
    return {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}


def has_enrolment(user: User, activity: Activity) -> bool:
    """The person has an enrolment (in any status) for the activity: a second load of the
    demo leaves it alone."""
    found = db.session.scalar(
        select(Enrolment.id).where(
            Enrolment.user_id == user.id, Enrolment.activity_id == activity.id
        )
    )
    return found is not None


def _organisations(result: DemoResult) -> dict[str, Organisation]:
    existing = {o.name: o for o in db.session.scalars(select(Organisation))}
    for name in (*INSTITUTES, *OTHER_ORGANISATIONS):
        if name not in existing:
            existing[name] = Organisation(
                name=name, is_member=name in INSTITUTES or name == "SAM vzw"
            )
            db.session.add(existing[name])
            result.created.append(f"organisatie {name}")
    return existing


def _themes(result: DemoResult) -> dict[str, Theme]:
    existing = {t.name: t for t in db.session.scalars(select(Theme))}
    for name in THEMES:
        if name not in existing:
            existing[name] = Theme(name=name, slug=slugify(name))
            db.session.add(existing[name])
            result.created.append(f"thema {name}")
    return existing


def _users(organisations: dict[str, Organisation], result: DemoResult) -> dict[str, User]:
    users = {}
    password_hash = hash_password(DEMO_PASSWORD)
    for account in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == account.email))
        if user is None:
            organisation = organisations.get(account.organisation or "")
            user = User(
                email=account.email,
                name=account.name,
                password_hash=password_hash,
                email_verified_at=utcnow(),
                organisation=None if account.pending else organisation,
                pending_organisation=organisation if account.pending else None,
                membership_requested_at=utcnow() if account.pending else None,
            )
            user.set_roles(set(account.roles))
            db.session.add(user)
            result.created.append(f"gebruiker {account.email}")
        users[account.email] = user
    return users


def _activity(
    spec: DemoActivity,
    today: date,
    themes: dict[str, Theme],
    users: dict[str, User],
    result: DemoResult,
    parent: Activity | None = None,
) -> Activity:
    slug = slugify(spec.title)
    activity = db.session.scalar(select(Activity).where(Activity.slug == slug))
    if activity is not None:
        return activity
    activity = Activity(
        kind=spec.kind,
        title=spec.title,
        slug=slug,
        summary=spec.summary,
        description=spec.description or spec.summary,
        audience=spec.audience,
        what_to_bring=spec.what_to_bring,
        capacity=spec.capacity,
        waitlist_enabled=True,
        requires_approval=spec.kind in APPROVAL_BY_DEFAULT,
        price_member=Decimal(spec.price_member),
        price_non_member=Decimal(spec.price_non_member),
        status=spec.status,
        parent=parent,
        themes=[themes[name] for name in spec.themes],
        trainers=[users[email] for email in spec.trainers],
    )
    for offset, hour, minute, minutes in spec.sessions:
        day = today + timedelta(days=offset)
        starts = brussels(day.year, day.month, day.day, hour, minute)
        activity.sessions.append(
            ActivitySession(
                starts_at=starts,
                ends_at=starts + timedelta(minutes=minutes),
                location=spec.location,
                online_url=spec.online_url,
            )
        )
    if spec.running_now:
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        starts = now - timedelta(hours=1, minutes=now.minute % 15)
        activity.sessions.append(
            ActivitySession(
                starts_at=starts,
                ends_at=starts + timedelta(hours=3),
                location=spec.location,
                online_url=spec.online_url,
                title="Extra bijeenkomst",
            )
        )
    db.session.add(activity)
    result.created.append(f"{spec.kind.label} {spec.title}")
    for module in spec.modules:
        _activity(module, today, themes, users, result, parent=activity)
    first = min((s.starts_at for s in activity.sessions), default=None)
    if first is None and spec.modules:
        first = min((s.starts_at for m in activity.modules for s in m.sessions), default=None)
    if first is not None:
        activity.enrolment_closes_at = first - timedelta(days=2)
        activity.cancellation_deadline = first - timedelta(days=7)
        if first < datetime.now(first.tzinfo):
            activity.enrolment_closes_at = None
            activity.cancellation_deadline = None
    return activity
