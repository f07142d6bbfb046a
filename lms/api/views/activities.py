"""``/activities`` (read): the offer as JSON, in the shape of CONTRACT.md.

* ``GET /activities`` lists the **published top-level** activities, in the order of their
  first session (activities without sessions last). A programme's modules are not listed
  on their own: they cannot be joined apart from their programme, so the programme's
  ``sessions`` hold the sessions of its modules (session ids stay those of the modules'
  sessions, so ``/sessions/{id}/…`` calls work with them). A module is still readable by
  its own id.
* ``GET /activities/{id}`` gives one activity, the same fields.
* Drafts, cancelled and archived activities answer 404 to everyone except a coordinator
  with a Bearer token (they need to read back what they created or cancelled); a
  coordinator can also list them with ``?status=draft|cancelled|archived|all``. Trainers
  see unpublished activities in the web pages, not here.
* A ``Bearer`` header that is not a valid token answers 401 instead of silently reading
  as anonymous, so a client notices a revoked token.

:func:`serialize_activity` is the one JSON shape of an activity: the write API (create,
patch) answers with it too. The number of queries is the same for 1 or 300 activities.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask import request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import lazyload, selectinload

from lms.api.auth import api_error, bearer_token, current_api_user
from lms.api.spec import document, error_response, json_response, ref
from lms.common.timeutil import iso
from lms.enrolment.queries import SeatSummary, seat_summaries
from lms.extensions import db
from lms.models import (
    MAX_ID,
    Activity,
    ActivityKind,
    ActivitySession,
    ActivityStatus,
    Role,
    SessionStatus,
)

#: Ids beyond a 32-bit integer cannot exist (and PostgreSQL refuses to compare them).

STATUS_FILTERS = ("published", "draft", "cancelled", "archived", "all")


def schedule_of(activity: Activity) -> list[ActivitySession]:
    """The activity's sessions and, for a programme, its modules' sessions, by start.

    A draft module of a programme that is not itself a draft is left out (not public yet).
    """
    sessions = list(activity.sessions)
    if activity.is_programme:
        for module in activity.modules:
            if module.status == ActivityStatus.DRAFT and activity.status != ActivityStatus.DRAFT:
                continue
            sessions.extend(module.sessions)
    return sorted(sessions, key=lambda s: (s.starts_at, s.id or 0))


def _session_status(session: ActivitySession, cancelled_owners: set[int]) -> str:
    """A session of a cancelled activity (or module) is cancelled too, for a calendar."""
    if session.status == SessionStatus.CANCELLED or session.activity_id in cancelled_owners:
        return SessionStatus.CANCELLED.value
    return SessionStatus.SCHEDULED.value


def _session_location(session: ActivitySession) -> str:
    if session.location:
        return session.location
    return "online" if session.online_url else ""


def serialize_activity(activity: Activity, summary: SeatSummary) -> dict[str, Any]:
    """The JSON of one activity (CONTRACT.md), given its seat summary.

    Load ``sessions`` and, for a programme, ``modules`` and their ``sessions`` eagerly
    when serialising many (see :data:`LOAD_OPTIONS`).
    """
    cancelled_owners = {
        owner.id
        for owner in (activity, *(activity.modules if activity.is_programme else ()))
        if owner.status == ActivityStatus.CANCELLED
    }
    return {
        "id": activity.id,
        "kind": activity.kind.value,
        "title": activity.title,
        "themes": [theme.name for theme in activity.themes],
        "capacity": activity.capacity,
        "seats_left": summary.seats_left,
        "waitlist_length": summary.waitlisted,
        "requires_approval": bool(activity.requires_approval),
        "enrolment_opens_at": iso(activity.enrolment_opens_at),
        "enrolment_closes_at": iso(activity.enrolment_closes_at),
        "sessions": [
            {
                "id": session.id,
                "starts_at": iso(session.starts_at),
                "ends_at": iso(session.ends_at),
                "location": _session_location(session),
                "status": _session_status(session, cancelled_owners),
            }
            for session in schedule_of(activity)
        ],
    }


#: Eager loading for :func:`serialize_activity`: a constant number of queries for a list.
LOAD_OPTIONS = (
    selectinload(Activity.sessions),
    selectinload(Activity.modules).options(
        lazyload(Activity.themes), selectinload(Activity.sessions)
    ),
)


def _viewer_is_coordinator() -> bool:
    if bearer_token() is None:
        return False
    user = current_api_user()
    if user is None:
        api_error(401, _("Deze API-sleutel is ongeldig of ingetrokken."))
    return user.has_role(Role.COORDINATOR)


def _first_start(activity: Activity) -> datetime | None:
    starts = [s.starts_at for s in schedule_of(activity) if s.status == SessionStatus.SCHEDULED]
    return min(starts, default=None)


def _sorted_for_listing(activities: Sequence[Activity]) -> list[Activity]:
    def key(activity: Activity) -> tuple[int, str, int]:
        first = _first_start(activity)
        return (first is None, first.isoformat() if first else "", activity.id)

    return sorted(activities, key=key)


def list_activities() -> Any:
    wanted = request.args.get("status", "published")
    if wanted not in STATUS_FILTERS:
        api_error(
            422, _("Onbekende status: kies uit %(choices)s.", choices=", ".join(STATUS_FILTERS))
        )
    coordinator = _viewer_is_coordinator()
    if wanted != "published" and not coordinator:
        api_error(403, _("Alleen coördinatoren zien activiteiten die niet gepubliceerd zijn."))
    query = select(Activity).where(Activity.parent_id.is_(None)).options(*LOAD_OPTIONS)
    if wanted != "all":
        query = query.where(Activity.status == ActivityStatus(wanted))
    activities = _sorted_for_listing(db.session.scalars(query).all())
    summaries = seat_summaries(activities)
    return [serialize_activity(a, summaries[a.id]) for a in activities]


def get_activity(activity_id: int) -> Any:
    coordinator = _viewer_is_coordinator()
    activity = None
    if activity_id <= MAX_ID:
        activity = db.session.scalar(
            select(Activity).where(Activity.id == activity_id).options(*LOAD_OPTIONS)
        )
    if activity is None or (not activity.is_published and not coordinator):
        api_error(404, _("Deze activiteit bestaat niet of is niet gepubliceerd."))
    return serialize_activity(activity, seat_summaries([activity])[activity.id])


ACTIVITY_ID_PARAMETER = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}

_OPTIONAL_BEARER = [{}, {"bearer": []}]

document(
    {
        "/activities": {
            "get": {
                "summary": "Het gepubliceerde aanbod",
                "description": (
                    "Gepubliceerde activiteiten op het hoogste niveau, op volgorde van hun "
                    "eerste sessie. De modules van een beroepsopleiding staan niet apart: "
                    "hun sessies staan bij de opleiding. Een coördinator (Bearer) kan met "
                    "`status` ook ontwerpen, geannuleerde of gearchiveerde activiteiten zien."
                ),
                "operationId": "listActivities",
                "security": _OPTIONAL_BEARER,
                "parameters": [
                    {
                        "name": "status",
                        "in": "query",
                        "required": False,
                        "description": "Alleen voor coördinatoren: een andere status dan "
                        "`published`, of `all`.",
                        "schema": {
                            "type": "string",
                            "enum": list(STATUS_FILTERS),
                            "default": "published",
                        },
                    }
                ],
                "responses": {
                    "200": json_response(
                        "De activiteiten", {"type": "array", "items": ref("Activity")}
                    ),
                    "401": error_response("Ongeldige API-sleutel"),
                    "403": error_response("Een andere status vraagt een coördinator"),
                    "422": error_response("Onbekende status"),
                },
            }
        },
        "/activities/{id}": {
            "get": {
                "summary": "Eén activiteit",
                "description": (
                    "Een gepubliceerde activiteit (ook een module). Niet-gepubliceerde "
                    "activiteiten geven 404, behalve voor een coördinator (Bearer)."
                ),
                "operationId": "getActivity",
                "security": _OPTIONAL_BEARER,
                "parameters": [ACTIVITY_ID_PARAMETER],
                "responses": {
                    "200": json_response("De activiteit", ref("Activity")),
                    "401": error_response("Ongeldige API-sleutel"),
                    "404": error_response("Onbekend of niet gepubliceerd"),
                },
            }
        },
    },
    {
        "ActivitySession": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "starts_at", "ends_at", "location", "status"],
            "properties": {
                "id": {"type": "integer"},
                "starts_at": {"type": "string", "format": "date-time"},
                "ends_at": {"type": "string", "format": "date-time"},
                "location": {
                    "type": "string",
                    "description": "Adres; `online` voor een sessie die enkel online is; "
                    "leeg als de locatie nog niet bekend is.",
                },
                "status": {
                    "type": "string",
                    "enum": ["scheduled", "cancelled"],
                    "description": "`cancelled` ook als de activiteit geannuleerd is.",
                },
            },
        },
        "Activity": {
            "type": "object",
            "additionalProperties": False,
            "required": [
                "id",
                "kind",
                "title",
                "themes",
                "capacity",
                "seats_left",
                "waitlist_length",
                "requires_approval",
                "enrolment_opens_at",
                "enrolment_closes_at",
                "sessions",
            ],
            "properties": {
                "id": {"type": "integer"},
                "kind": {
                    "type": "string",
                    "enum": [kind.value for kind in ActivityKind],
                },
                "title": {"type": "string"},
                "themes": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Namen van de thema's",
                },
                "capacity": {
                    "type": "integer",
                    "nullable": True,
                    "minimum": 0,
                    "description": "null: onbeperkt",
                },
                "seats_left": {
                    "type": "integer",
                    "nullable": True,
                    "minimum": 0,
                    "description": "null: onbeperkt",
                },
                "waitlist_length": {"type": "integer", "minimum": 0},
                "requires_approval": {"type": "boolean"},
                "enrolment_opens_at": {"type": "string", "format": "date-time", "nullable": True},
                "enrolment_closes_at": {
                    "type": "string",
                    "format": "date-time",
                    "nullable": True,
                },
                "sessions": {
                    "type": "array",
                    "items": ref("ActivitySession"),
                    "description": "Op volgorde; bij een beroepsopleiding de sessies van "
                    "haar modules.",
                },
            },
        },
    },
)
