"""The authorisation matrix: every route of the application (every endpoint and method of
``app.url_map``, the JSON API included) with the answer each of nine people gets.

Columns, always in this order (see :mod:`tests.security.matrix_world` for who they are)::

    ANON  nobody logged in            K  organisation contact of P's organisation
    P     participant (owns the data) L  organisation contact of another organisation
    Q     another participant         C  coordinator
    T     trainer of activity A       D  deactivated user (old cookie, revoked API token)
    U     trainer of another activity

An answer is a status code, or ``login`` (302 to the login page). A ``*`` after it means
"and the request changed data": a row without ``*`` asserts that the request wrote nothing
(refusals write nothing; reading never writes). ``{A}``, ``{P_id}``, … in a URL are ids of
the world; a page row sends the person's session cookie, an API row their Bearer token.

A route may have several URLs (a published and a draft activity, P's object and Q's), each
with its nine answers. The test fails when a route exists that has no row here (nothing
gets added unguarded), when a row names a route that does not exist, and when an API
operation is served but not documented or the other way round; a meta-test deletes each
row in turn and expects that check to fail. Every POST runs with CSRF off (the refusal of
a missing token is tested in ``tests/accounts/test_csrf.py``); whatever a request changes
is put back before the next one (:class:`~tests.security.matrix_world.Restorer`).

Besides the rows: the deactivated user is a stranger everywhere, the API ignores session
cookies, URLs that only change data refuse GET, and the world is whole at the end.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from lms.accounts import passwords
from lms.accounts import service as account_service
from lms.api.spec import openapi_document
from lms.attendance import checkin
from lms.common.timeutil import to_local
from lms.extensions import db, limiter
from lms.models import ActivitySession, utcnow
from tests.conftest import _empty_all_tables
from tests.factories import TEST_PASSWORD
from tests.security.matrix_world import (
    ACTORS,
    CACHE_TABLES,
    Restorer,
    World,
    build_world,
    cheap_hash,
)

# --- How a row is written ----------------------------------------------------------------------


class FromPage:
    """Form data as the GET page of the same URL offers it to the coordinator, with
    ``changes`` on top: rows for long forms stay short and follow the form as it grows."""

    def __init__(self, **changes: Any) -> None:
        self.changes = changes


@dataclass(frozen=True)
class Case:
    url: str
    expected: tuple[str, ...]
    form: dict[str, Any] | Callable[[World], dict[str, Any]] | FromPage | None = None
    json: Any = None
    #: API token creation: each person sends their own e-mail address and password.
    basic: bool = False


@dataclass(frozen=True)
class Route:
    method: str
    endpoint: str
    cases: tuple[Case, ...]

    @property
    def api(self) -> bool:
        return self.endpoint.startswith("api.")


def _codes(text: str) -> tuple[str, ...]:
    codes = tuple(text.split())
    assert len(codes) == len(ACTORS), f"{text!r}: {len(codes)} answers for {len(ACTORS)} people"
    return codes


def row(method: str, endpoint: str, url: str, expected: str, **options: Any) -> Route:
    """One route, one URL."""
    return Route(method, endpoint, (Case(url, _codes(expected), **options),))


def rows(method: str, endpoint: str, *cases: tuple) -> Route:
    """One route, several URLs (e.g. a published and a draft activity): (url, expected, options)."""
    return Route(
        method,
        endpoint,
        tuple(Case(c[0], _codes(c[1]), **(c[2] if len(c) > 2 else {})) for c in cases),
    )


def checkin_code(session_key: str) -> Callable[[World], str]:
    """The check-in code of a session, as its screen shows it right now."""

    def code(world: World) -> str:
        session = db.session.get(ActivitySession, world[session_key])
        value = checkin.current_code(session, utcnow()).code
        db.session.rollback()
        return value

    return code


NEW_PASSWORD = "Fietsen-langs-de-Leie-7"


def _a_free_morning() -> str:
    """A day on which A has no session (for a new one, 09:30–12:00)."""
    return (to_local(utcnow()).date() + timedelta(days=9)).isoformat()


# --- The matrix ----------------------------------------------------------------------------------
# fmt: off
MATRIX: list[Route] = [
    # --- Home, preferences -------- ANON  P     Q     T     U     K     L     C     D
    row("GET", "core.index", "/",
                                    "200   200   200   200   200   200   200   200   200"),
    row("GET", "core.healthz", "/healthz",
                                    "200   200   200   200   200   200   200   200   200"),
    row("POST", "core.font_size", "/preferences/font-size",
                                    "302   302   302   302   302   302   302   302   302",
        form={"size": "large"}),
    row("POST", "core.language", "/preferences/language",
                                    "302   302*  302*  302*  302*  302*  302*  302*  302",
        form={"lang": "nl"}),
    row("GET", "core.font_size_link", "/preferences/choose-font-size?size=large",
                                    "302   302   302   302   302   302   302   302   302"),
    row("GET", "core.language_link", "/preferences/choose-language?lang=nl",
                                    "302   302   302   302   302   302   302   302   302"),

    # --- Accounts ----------------- ANON  P     Q     T     U     K     L     C     D
    row("GET", "accounts.login", "/account/login",
                                    "200   302   302   302   302   302   302   302   200"),
    rows("POST", "accounts.login",
         ("/account/login",
                                    "302*  302   302   302   302   302   302   302   302*",
          {"form": lambda w: {"email": w["P_email"], "password": w["password"]}}),
         ("/account/login",  # with D's own e-mail address and password: refused
                                    "200   302   302   302   302   302   302   302   200",
          {"form": lambda w: {"email": w["D_email"], "password": w["password"]}})),
    # Logging out ends every session of the person: their session_version goes up.
    row("POST", "accounts.logout", "/account/logout",
                                    "302   302*  302*  302*  302*  302*  302*  302*  302"),
    row("GET", "accounts.register", "/account/register",
                                    "200   302   302   302   302   302   302   302   200"),
    row("POST", "accounts.register", "/account/register",
                                    "302*  302   302   302   302   302   302   302   302*",
        form={"name": "Nieuwe Deelnemer", "email": "nieuw@example.org", "organisation": "",
              "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}),
    row("GET", "accounts.forgot_password", "/account/forgot",
                                    "200   200   200   200   200   200   200   200   200"),
    row("POST", "accounts.forgot_password", "/account/forgot",
                                    "302*  302*  302*  302*  302*  302*  302*  302*  302*",
        form=lambda w: {"email": w["P_email"]}),
    # The mailed reset link is the key: whoever holds it sets P's password.
    rows("GET", "accounts.reset_password",
         ("/account/reset/{P_reset}",
                                    "200   200   200   200   200   200   200   200   200"),
         ("/account/reset/{D_reset}",  # made before D was deactivated
                                    "400   400   400   400   400   400   400   400   400")),
    row("POST", "accounts.reset_password", "/account/reset/{P_reset}",
                                    "302*  302*  302*  302*  302*  302*  302*  302*  302*",
        form={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}),
    row("GET", "accounts.profile", "/account/",
                                    "login 200   200   200   200   200   200   200   login"),
    # An organisation contact cannot move to another organisation (whose staff they would see).
    row("POST", "accounts.profile", "/account/",
                                    "login 302*  302*  302*  302*  200   302*  302*  login",
        form=lambda w: {"name": "Een Nieuwe Naam", "organisation": str(w["south"])}),
    # Confirming an address: whoever holds the mailed link (V registered, not yet confirmed).
    row("GET", "accounts.check_mail", "/account/check-mail",
                                    "200   200   200   200   200   200   200   200   200"),
    row("GET", "accounts.verify_email", "/account/verify/{V_verify}",
                                    "200   200   200   200   200   200   200   200   200"),
    # The link alone confirms nothing: the account's password proves who registered.
    rows("POST", "accounts.verify_email",
         ("/account/verify/{V_verify}", "200   200   200   200   200   200   200   200   200"),
         ("/account/verify/{V_verify}", "302*  302*  302*  302*  302*  302*  302*  302*  302*",
          {"form": {"password": TEST_PASSWORD}})),
    # "Dit was ik niet": the link's holder removes the unconfirmed, unused account.
    row("POST", "accounts.withdraw_registration", "/account/verify/{V_verify}/not-me",
                                    "302*  302*  302*  302*  302*  302*  302*  302*  302*"),
    row("GET", "accounts.resend_verification", "/account/verify",
                                    "200   200   200   200   200   200   200   200   200"),
    row("POST", "accounts.resend_verification", "/account/verify",
                                    "302*  302*  302*  302*  302*  302*  302*  302*  302*",
        form=lambda w: {"email": w["V_email"]}),
    # The invitation of an account a coordinator made (I): the link is the key.
    row("GET", "accounts.accept_invitation", "/account/welcome/{I_invite}",
                                    "200   200   200   200   200   200   200   200   200"),
    row("POST", "accounts.accept_invitation", "/account/welcome/{I_invite}",
                                    "302*  302*  302*  302*  302*  302*  302*  302*  302*",
        form={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}),
    row("GET", "accounts.change_email", "/account/email",
                                    "login 200   200   200   200   200   200   200   login"),
    row("POST", "accounts.change_email", "/account/email",
                                    "login 302*  302*  302*  302*  302*  302*  302*  login",
        form=lambda w: {"email": "een.nieuw.adres@example.org", "current_password": w["password"]}),
    row("GET", "accounts.change_password", "/account/password",
                                    "login 200   200   200   200   200   200   200   login"),
    row("POST", "accounts.change_password", "/account/password",
                                    "login 302*  302*  302*  302*  302*  302*  302*  login",
        form=lambda w: {"current_password": w["password"], "password": NEW_PASSWORD,
                        "password_again": NEW_PASSWORD}),
    row("POST", "accounts.create_token", "/account/tokens",
                                    "login 200*  200*  200*  200*  200*  200*  200*  login",
        form={"label": "agenda"}),
    row("POST", "accounts.revoke_token", "/account/tokens/{P_api_token_id}/revoke",
                                    "login 302*  403   403   403   403   403   403   login"),

    # --- Catalogue ---------------- ANON  P     Q     T     U     K     L     C     D
    row("GET", "catalog.index", "/activities",
                                    "200   200   200   200   200   200   200   200   200"),
    rows("GET", "enrolment.activity",
         ("/activities/{A}",
                                    "200   200   200   200   200   200   200   200   200"),
         ("/activities/{H}",  # a draft: its trainer and coordinators only
                                    "404   404   404   200   404   404   404   200   404")),

    # --- Enrolment ---------------- ANON  P     Q     T     U     K     L     C     D
    row("GET", "enrolment.enrol", "/activities/{E}/enrol",
                                    "login 302   302   302   302   302   302   302   login"),
    # Only participants enrol themselves (P already is: nothing changes).
    rows("POST", "enrolment.enrol",
         ("/activities/{E}/enrol",
                                    "login 302   302*  302   302   302   302   302   login"),
         ("/activities/{H}/enrol",  # a draft: as if it did not exist, but to its managers
                                    "login 404   404   302   404   404   404   302   login")),
    # The confirmation step of a paid enrolment (E is free: back to its page, nothing changes).
    rows("GET", "enrolment.confirm_paid",
         ("/activities/{E}/enrol/confirm",
                                    "login 302   302   302   302   302   302   302   login"),
         ("/activities/{H}/enrol/confirm",
                                    "login 404   404   302   404   404   404   302   login")),
    row("POST", "enrolment.confirm_paid", "/activities/{E}/enrol/confirm",
                                    "login 302   302   302   302   302   302   302   login"),
    # K enrols colleague P in B; L may not (P is not L's colleague).
    # Intake questions (A asks one): the answer form before enrolling; H asks none.
    rows("GET", "intake_answers.form",
         ("/activities/{A}/intake",
                                    "login 200   200   200   200   200   200   200   login"),
         ("/activities/{H}/intake",
                                    "login 404   404   302   404   404   404   302   login")),
    row("POST", "intake_answers.form", "/activities/{A}/intake",  # Q may still join A
                                    "login 302   302*  302   302   302   302   302   login",
        form=lambda w: {f"q{w['A_question']}": "Om bij te leren."}),
    # Interest lists: one click (P already follows the theme "Wonen").
    rows("GET", "interest.activity",
         ("/activities/{E}/interest",
                                    "login 303   303   303   303   303   303   303   login"),
         ("/activities/{H}/interest",
                                    "login 404   404   303   404   404   404   303   login")),
    row("POST", "interest.activity", "/activities/{E}/interest",
                                    "login 303*  303*  303*  303*  303*  303*  303*  login"),
    row("GET", "interest.themes", "/op-de-hoogte",
                                    "200   200   200   200   200   200   200   200   200"),
    row("GET", "interest.theme", "/op-de-hoogte/themes/{theme}",
                                    "login 303   303   303   303   303   303   303   login"),
    row("POST", "interest.theme", "/op-de-hoogte/themes/{theme}",
                                    "login 303   303*  303*  303*  303*  303*  303*  login"),
    # The stop link of a mail: the signed token is the key (GET asks, POST stops).
    row("GET", "interest.stop", "/op-de-hoogte/stop/{P_stop}",
                                    "200   200   200   200   200   200   200   200   200"),
    row("POST", "interest.stop", "/op-de-hoogte/stop/{P_stop}",
                                    "200*  200*  200*  200*  200*  200*  200*  200*  200*"),
    row("POST", "enrolment.enrol_colleague", "/activities/{B}/enrol-colleague",
                                    "login 403   403   403   403   302*  302   403   login",
        form=lambda w: {"colleague": str(w["P_id"])}),
    row("GET", "enrolment.mine", "/my/enrolments",
                                    "login 200   200   200   200   200   200   200   login"),
    rows("GET", "enrolment.cancel",
         ("/my/enrolments/{P_enrolment_E}/cancel",
                                    "login 200   403   403   403   403   403   403   login"),
         ("/my/enrolments/{Q_enrolment_B}/cancel",
                                    "login 403   200   403   403   403   403   403   login")),
    row("POST", "enrolment.cancel", "/my/enrolments/{P_enrolment_E}/cancel",
                                    "login 302*  403   403   403   403   403   403   login"),
    row("POST", "enrolment.accept", "/my/enrolments/{P_enrolment_F}/accept",
                                    "login 302*  403   403   403   403   403   403   login"),
    row("POST", "enrolment.decline", "/my/enrolments/{P_enrolment_F}/decline",
                                    "login 302*  403   403   403   403   403   403   login",
        form={"confirmed": "1"}),
    # The mailed offer link is the key (no login): it acts for P, whoever follows it.
    row("GET", "enrolment.offer", "/enrolments/offer/{P_offer}",
                                    "200   200   200   200   200   200   200   200   200"),
    row("POST", "enrolment.offer", "/enrolments/offer/{P_offer}",
                                    "302*  302*  302*  302*  302*  302*  302*  302*  302*",
        form={"choice": "accept"}),
    rows("GET", "enrolment.offer_done",
         ("/enrolments/offer-done/{F}",
                                    "200   200   200   200   200   200   200   200   200"),
         ("/enrolments/offer-done/{H}",  # a draft's title is not public
                                    "404   404   404   200   404   404   404   200   404")),

    # --- Sessions and attendance -- ANON  P     Q     T     U     K     L     C     D
    row("GET", "attendance.my_sessions", "/my/sessions",
                                    "login 403   403   200   200   403   403   200   login"),
    rows("GET", "attendance.take",
         ("/sessions/{A_S2}/attendance",
                                    "login 403   403   200   403   403   403   200   login"),
         ("/sessions/{B_S1}/attendance",
                                    "login 403   403   403   200   403   403   200   login")),
    row("POST", "attendance.take", "/sessions/{A_S2}/attendance",
                                    "login 403   403   302*  403   403   403   302*  login",
        # P holds A's certificate: a correction carries its reason.
        form=lambda w: {
            f"status_{w['P_id']}": "absent",
            "correction_reason": "Verkeerd aangeduid.",
            "save": "1",
        }),
    row("GET", "attendance.history", "/sessions/{A_S2}/attendance/history",
                                    "login 403   403   200   403   403   403   200   login"),
    row("GET", "attendance.sheet", "/sessions/{A_S2}/attendance.pdf",
                                    "login 403   403   200   403   403   403   200   login"),
    rows("GET", "attendance.overview",
         ("/activities/{A}/attendance",
                                    "login 403   403   200   403   403   403   200   login"),
         ("/activities/{B}/attendance",
                                    "login 403   403   403   200   403   403   200   login")),
    row("GET", "attendance.export_csv", "/activities/{A}/attendance.csv",
                                    "login 403   403   200   403   403   403   200   login"),
    row("GET", "attendance.checkin_display", "/sessions/{A_S2}/checkin",
                                    "login 403   403   200   403   403   403   200   login"),
    row("GET", "attendance.checkin_state", "/sessions/{A_S2}/checkin/state.json",
                                    "login 403   403   200   403   403   403   200   login"),
    row("GET", "attendance.group_mail", "/activities/{A}/group-mail",
                                    "login 403   403   200   403   403   403   200   login"),
    row("POST", "attendance.group_mail", "/activities/{A}/group-mail",
                                    "login 403   403   422   403   403   403   422   login"),
    # Q checks in for B's session now running; nobody else is enrolled in B.
    row("GET", "attendance.checkin_form", "/checkin",
                                    "login 200   200   200   200   200   200   200   login"),
    row("POST", "attendance.checkin_form", "/checkin",
                                    "login 403   302*  403   403   403   403   403   login",
        form=lambda w: {"code": w["B_S1_code"](w)}),
    row("GET", "attendance.checkin_scan", "/checkin/{B_S1}?code={B_S1_code}",
                                    "login 403   302*  403   403   403   403   403   login"),
    # "You are checked in" only for one's own record (P was marked present in A's S2).
    row("GET", "attendance.checkin_done", "/checkin/{A_S2}/ok",
                                    "login 200   302   302   302   302   302   302   login"),
    rows("GET", "attendance.my_attendance",
         ("/my/activities/{A}/attendance",
                                    "login 200   404   404   404   404   404   404   login"),
         ("/my/activities/{B}/attendance",
                                    "login 404   200   404   404   404   404   404   login")),

    # --- Calendar ----------------- ANON  P     Q     T     U     K     L     C     D
    row("GET", "calendar.catalogue_feed", "/calendar/catalogue.ics",
                                    "200   200   200   200   200   200   200   200   200"),
    # The feed token is the key; a deactivated person's feed is gone.
    rows("GET", "calendar.personal_feed",
         ("/calendar/{P_feed}.ics",
                                    "200   200   200   200   200   200   200   200   200"),
         ("/calendar/{D_feed}.ics",
                                    "404   404   404   404   404   404   404   404   404")),
    rows("GET", "calendar.activity_feed",
         ("/activities/{A}/calendar.ics",
                                    "200   200   200   200   200   200   200   200   200"),
         ("/activities/{H}/calendar.ics",
                                    "404   404   404   404   404   404   404   404   404")),
    rows("GET", "calendar.session_download",
         ("/sessions/{A_S1}.ics",
                                    "200   200   200   200   200   200   200   200   200"),
         ("/sessions/{H_S1}.ics",
                                    "404   404   404   200   404   404   404   200   404")),
    row("GET", "calendar.subscription", "/calendar/subscribe",
                                    "login 200   200   200   200   200   200   200   login"),
    row("POST", "calendar.subscription", "/calendar/subscribe",
                                    "login 302*  302*  302*  302*  302*  302*  302*  login",
        form={"confirmed": "1"}),
    rows("GET", "calendar.agenda",
         ("/agenda",
                                    "login 200   200   200   200   200   200   200   login"),
         ("/agenda/2030/1",
                                    "login 200   200   200   200   200   200   200   login")),

    # --- Certificates ------------- ANON  P     Q     T     U     K     L     C     D
    row("GET", "certificates.verify_form", "/certificates/verify",
                                    "200   200   200   200   200   200   200   200   200"),
    row("GET", "certificates.verify", "/certificates/verify/{P_code}",
                                    "200   200   200   200   200   200   200   200   200"),
    row("GET", "certificates.pdf", "/certificates/{P_code}.pdf",
                                    "login 200   403   403   403   403   403   200   login"),
    row("GET", "certificates.learning_record", "/my/learning-record",
                                    "login 200   200   200   200   200   200   200   login"),
    rows("GET", "certificates.staff_learning_record",
         ("/organisations/staff/{P_id}/learning-record",
                                    "login 403   403   403   403   200   403   200   login"),
         ("/organisations/staff/{Q_id}/learning-record",
                                    "login 403   403   403   403   403   200   200   login")),
    row("GET", "certificates.index", "/certificates/",
                                    "login 403   403   403   403   403   403   200   login"),
    # A is not over yet: the coordinator is told so (nothing issued).
    row("POST", "certificates.issue", "/activities/{A}/certificates",
                                    "login 403   403   403   403   403   403   302   login"),
    row("GET", "certificates.detail", "/certificates/{P_certificate}",
                                    "login 403   403   403   403   403   403   200   login"),
    row("POST", "certificates.revoke", "/certificates/{P_certificate}/revoke",
                                    "login 403   403   403   403   403   403   302*  login",
        form={"revoke-reason": "Aanwezigheid verkeerd geregistreerd."}),
    # Re-issuing needs A to be over: refused with the reason on the page.
    row("POST", "certificates.reissue", "/certificates/{P_certificate}/reissue",
                                    "login 403   403   403   403   403   403   422   login",
        form={"reissue-reason": "Uren gecorrigeerd."}),
    # Keeping is for a certificate on the to-do list; P's is not: refused on the page.
    row("POST", "certificates.keep", "/certificates/{P_certificate}/keep",
                                    "login 403   403   403   403   403   403   422   login",
        form={"keep-reason": "Haalt de vereiste aanwezigheid nog."}),

    # --- Organisations ------------ ANON  P     Q     T     U     K     L     C     D
    row("GET", "organisations.staff", "/organisations/staff",
                                    "login 403   403   403   403   200   200   403   login"),
    rows("GET", "organisations.organisation_staff",
         ("/organisations/{north}/staff",
                                    "login 403   403   403   403   200   403   200   login"),
         ("/organisations/{south}/staff",
                                    "login 403   403   403   403   403   200   200   login")),
    rows("GET", "organisations.person",
         ("/organisations/staff/{P_id}",
                                    "login 403   403   403   403   200   403   200   login"),
         ("/organisations/staff/{Q_id}",
                                    "login 403   403   403   403   403   200   200   login")),
    row("GET", "organisations.enrol", "/organisations/enrol",
                                    "login 403   403   403   403   200   200   403   login"),
    row("POST", "organisations.enrol", "/organisations/enrol",
                                    "login 403   403   403   403   302*  403   403   login",
        form=lambda w: {"colleague": str(w["P_id"]), "activity": str(w["B"])}),
    # Membership: W asked to join North; P is a confirmed member of North.
    row("POST", "organisations.confirm_member", "/organisations/members/{W_id}/confirm",
                                    "login 403   403   403   403   302*  403   302*  login"),
    row("POST", "organisations.decline_member", "/organisations/members/{W_id}/decline",
                                    "login 403   403   403   403   302*  403   302*  login"),
    row("POST", "organisations.end_member", "/organisations/members/{P_id}/end",
                                    "login 403   403   403   403   302*  403   302*  login"),
    # A contact cancels a confirmed colleague's enrolment; anyone else's answers like a
    # missing id (404), so the URL says nothing about other organisations' people.
    rows("POST", "organisations.cancel_colleague",
         ("/organisations/enrolments/{P_enrolment_E}/cancel",
                                    "login 403   403   403   403   302*  404   403   login"),
         # B has started: L is refused under the participant's own rules (nothing written).
         ("/organisations/enrolments/{Q_enrolment_B}/cancel",
                                    "login 403   403   403   403   404   302   403   login")),
    # K sends R in P's place in E (a substitution); L's answer is that of a missing id.
    row("GET", "organisations.substitute_colleague",
        "/organisations/enrolments/{P_enrolment_E}/substitute",
                                    "login 403   403   403   403   200   404   403   login"),
    row("POST", "organisations.substitute_colleague",
        "/organisations/enrolments/{P_enrolment_E}/substitute",
                                    "login 403   403   403   403   303*  404   403   login",
        form=lambda w: {"replacement": str(w["R_id"])}),
    # A contact invites a new colleague by e-mail into their own organisation.
    row("GET", "accounts.invite_colleague", "/account/colleagues/invite",
                                    "login 403   403   403   403   200   200   403   login"),
    row("POST", "accounts.invite_colleague", "/account/colleagues/invite",
                                    "login 403   403   403   403   303*  303*  403   login",
        form={"name": "Nieuwe Collega", "email": "nieuwe.collega@example.org"}),
    # Organisations people could not find in the list (X's): coordinators only.
    row("GET", "organisations.requests", "/organisations/requests",
                                    "login 403   403   403   403   403   403   200   login"),
    row("POST", "organisations.resolve_request", "/organisations/requests/{X_id}",
                                    "login 403   403   403   403   403   403   302*  login",
        form=lambda w: {"action": "link", "organisation": str(w["south"])}),

    # --- Learning policy ---------- ANON  P     Q     T     U     K     L     C     D
    row("GET", "policy.index", "/policy/",
                                    "login 403   403   403   403   403   403   200   login"),
    row("GET", "policy.show", "/policy/{policy_current}",
                                    "login 403   403   403   403   403   403   200   login"),
    row("GET", "policy.new", "/policy/new",
                                    "login 403   403   403   403   403   403   200   login"),
    row("POST", "policy.new", "/policy/new",
                                    "login 403   403   403   403   403   403   302*  login",
        form=FromPage(name="Leerbeleid later",
                      valid_from=(utcnow() + timedelta(days=400)).date().isoformat())),
    row("GET", "policy.edit", "/policy/{policy_planned}/edit",
                                    "login 403   403   403   403   403   403   200   login"),
    row("POST", "policy.edit", "/policy/{policy_planned}/edit",
                                    "login 403   403   403   403   403   403   302*  login",
        form=FromPage(name="Leerbeleid volgend jaar (herzien)")),
    row("POST", "policy.delete", "/policy/{policy_planned}/delete",
                                    "login 403   403   403   403   403   403   302*  login"),
    row("GET", "policy.activity_progress", "/activities/{A}/progress",
                                    "login 403   403   200   403   403   403   200   login"),
    row("GET", "policy.my_progress", "/my/activities/{A}/progress",
                                    "login 200   404   404   404   404   404   404   login"),
    # Only a confirmed participant reports absence in advance (S5: later, nothing recorded).
    row("POST", "policy.report_absence", "/activities/{A}/sessions/{A_S5}/absence",
                                    "login 302*  404   404   404   404   404   404   login",
        form={"reason": "Ik ben die dag op opleiding."}),

    # --- Privacy ------------------ ANON  P     Q     T     U     K     L     C     D
    row("GET", "privacy.statement", "/privacy",
                                    "200   200   200   200   200   200   200   200   200"),
    row("GET", "contact.page", "/contact",
                                    "200   200   200   200   200   200   200   200   200"),
    row("GET", "privacy.my_data", "/privacy/my-data",
                                    "login 200   200   200   200   200   200   200   login"),
    row("GET", "privacy.erase", "/privacy/erase/{P_id}",
                                    "login 403   403   403   403   403   403   200   login"),
    rows("POST", "privacy.erase",
         ("/privacy/erase/{P_id}",
                                    "login 403   403   403   403   403   403   302*  login",
          {"form": {"confirm": "y"}}),
         ("/privacy/erase/{C_id}",  # not oneself
                                    "login 403   403   403   403   403   403   200   login",
          {"form": {"confirm": "y"}})),

    # --- Reports ------------------ ANON  P     Q     T     U     K     L     C     D
    row("GET", "reports.index", "/reports/",
                                    "login 403   403   403   403   403   403   200   login"),
    row("GET", "reports.activity", "/reports/activities",
                                    "login 403   403   403   403   403   403   200   login"),
    row("GET", "reports.activity_csv", "/reports/activities.csv",
                                    "login 403   403   403   403   403   403   200   login"),
    row("GET", "reports.activity_xlsx", "/reports/activities.xlsx",
                                    "login 403   403   403   403   403   403   200   login"),
    row("GET", "reports.activity_detail", "/reports/activities/{A}",
                                    "login 403   403   403   403   403   403   200   login"),
    row("GET", "reports.period", "/reports/period",
                                    "login 403   403   403   403   403   403   200   login"),
    row("GET", "reports.period_csv", "/reports/period.csv",
                                    "login 403   403   403   403   403   403   200   login"),
    row("GET", "reports.period_xlsx", "/reports/period.xlsx",
                                    "login 403   403   403   403   403   403   200   login"),
    row("GET", "reports.billing_page", "/reports/billing",
                                    "login 403   403   403   403   403   403   200   login"),
    row("GET", "reports.billing_csv", "/reports/billing.csv",
                                    "login 403   403   403   403   403   403   200   login"),
    row("GET", "reports.billing_xlsx", "/reports/billing.xlsx",
                                    "login 403   403   403   403   403   403   200   login"),
    # An activity's enrolments and requests with the intake answers (personal data).
    row("GET", "reports.enrolments_csv", "/reports/activities/{A}/enrolments.csv",
                                    "login 403   403   403   403   403   403   200   login"),
    row("GET", "reports.enrolments_xlsx", "/reports/activities/{A}/enrolments.xlsx",
                                    "login 403   403   403   403   403   403   200   login"),

    # --- Schedule ----------------- ANON  P     Q     T     U     K     L     C     D
    rows("GET", "schedule.manage",
         ("/activities/{A}/sessions",
                                    "login 403   403   200   403   403   403   200   login"),
         ("/activities/{B}/sessions",
                                    "login 403   403   403   200   403   403   200   login")),
    row("POST", "schedule.manage", "/activities/{A}/sessions",
                                    "login 403   403   302*  403   403   403   302*  login",
        form=lambda w: {"day": _a_free_morning(), "start_time": "09:30", "end_time": "12:00",
                        "location": "Zaal Noord", "online_url": "", "title": ""}),
    row("GET", "schedule.edit", "/sessions/{A_S5}/edit",
                                    "login 403   403   200   403   403   403   200   login"),
    row("POST", "schedule.edit", "/sessions/{A_S5}/edit",
                                    "login 403   403   302*  403   403   403   302*  login",
        form=FromPage(location="Zaal Zuid")),
    row("GET", "schedule.cancel", "/sessions/{A_S5}/cancel",
                                    "login 403   403   200   403   403   403   200   login"),
    row("POST", "schedule.cancel", "/sessions/{A_S5}/cancel",
                                    "login 403   403   302*  403   403   403   302*  login",
        form={"reason": "De lesgever is ziek."}),
    row("POST", "schedule.reinstate", "/sessions/{A_S4}/reinstate",
                                    "login 403   403   302*  403   403   403   302*  login"),

    # --- Coordinators (/admin) ---- ANON  P     Q     T     U     K     L     C     D
    row("GET", "admin.dashboard", "/admin/",
                                    "login 403   403   403   403   403   403   200   login"),
    row("GET", "admin.activities_list", "/admin/activities",
                                    "login 403   403   403   403   403   403   200   login"),
    row("GET", "admin.activity_new", "/admin/activities/new",
                                    "login 403   403   403   403   403   403   200   login"),
    row("POST", "admin.activity_new", "/admin/activities/new",
                                    "login 403   403   403   403   403   403   302*  login",
        form=FromPage(title="Nieuwe cursus wonen", summary="Over wonen.")),
    row("GET", "admin.activity", "/admin/activities/{A}",
                                    "login 403   403   403   403   403   403   200   login"),
    row("GET", "admin.activity_edit", "/admin/activities/{A}/edit",
                                    "login 403   403   403   403   403   403   200   login"),
    row("POST", "admin.activity_edit", "/admin/activities/{A}/edit",
                                    "login 403   403   403   403   403   403   302*  login",
        form=FromPage(title="Politiserend werken in de wijk")),
    row("POST", "admin.activity_publish", "/admin/activities/{H}/publish",
                                    "login 403   403   403   403   403   403   302*  login"),
    row("POST", "admin.activity_unpublish", "/admin/activities/{G}/unpublish",
                                    "login 403   403   403   403   403   403   302   login"),
    row("POST", "admin.activity_archive", "/admin/activities/{A}/archive",
                                    "login 403   403   403   403   403   403   302   login",
        form={"confirmed": "1"}),
    row("GET", "admin.activity_cancel", "/admin/activities/{E}/cancel",
                                    "login 403   403   403   403   403   403   200   login"),
    row("POST", "admin.activity_cancel", "/admin/activities/{E}/cancel",
                                    "login 403   403   403   403   403   403   302*  login",
        form={"reason": "Te weinig inschrijvingen."}),
    row("GET", "admin.activity_trainers", "/admin/activities/{A}/trainers",
                                    "login 403   403   403   403   403   403   200   login"),
    row("POST", "admin.activity_trainers", "/admin/activities/{A}/trainers",
                                    "login 403   403   403   403   403   403   302*  login",
        form=lambda w: {"trainers": [str(w["T_id"]), str(w["U_id"])]}),
    row("GET", "admin.activity_copy", "/admin/activities/{A}/copy",
                                    "login 403   403   403   403   403   403   200   login"),
    row("POST", "admin.activity_copy", "/admin/activities/{A}/copy",
                                    "login 403   403   403   403   403   403   302*  login",
        form=FromPage()),
    row("GET", "intake.questions", "/admin/activities/{A}/questions",
                                    "login 403   403   403   403   403   403   200   login"),
    row("POST", "intake.questions", "/admin/activities/{A}/questions",
                                    "login 403   403   403   403   403   403   303*  login",
        form={"label": "Wat verwacht je?", "kind": "text"}),
    row("POST", "intake.move", "/admin/activities/{A}/questions/{A_question}/move",
                                    "login 403   403   403   403   403   403   303   login",
        form={"dir": "up"}),
    row("POST", "intake.remove", "/admin/activities/{A}/questions/{A_question}/delete",
                                    "login 403   403   403   403   403   403   303*  login"),
    row("GET", "admin.enrolments", "/admin/activities/{A}/enrolments",
                                    "login 403   403   403   403   403   403   200   login"),
    row("GET", "admin.enrol", "/admin/activities/{E}/enrol",
                                    "login 403   403   403   403   403   403   200   login"),
    row("POST", "admin.enrol", "/admin/activities/{E}/enrol",
                                    "login 403   403   403   403   403   403   302*  login",
        form=lambda w: {"user_id": str(w["Q_id"])}),
    row("GET", "admin.mail_participants", "/admin/activities/{A}/mail",
                                    "login 403   403   403   403   403   403   200   login"),
    # Without "send" the coordinator gets a preview: nothing is queued yet.
    row("POST", "admin.mail_participants", "/admin/activities/{A}/mail",
                                    "login 403   403   403   403   403   403   200   login",
        form={"statuses": ["confirmed"], "subject": "Praktisch", "body": "Breng je laptop mee."}),
    row("GET", "admin.requests", "/admin/requests",
                                    "login 403   403   403   403   403   403   200   login"),
    row("GET", "admin.enrolment", "/admin/enrolments/{P_enrolment_A}",
                                    "login 403   403   403   403   403   403   200   login"),
    row("POST", "admin.approve", "/admin/enrolments/{Q_enrolment_G}/approve",
                                    "login 403   403   403   403   403   403   302*  login"),
    row("GET", "admin.reject", "/admin/enrolments/{Q_enrolment_G}/reject",
                                    "login 403   403   403   403   403   403   200   login"),
    row("POST", "admin.reject", "/admin/enrolments/{Q_enrolment_G}/reject",
                                    "login 403   403   403   403   403   403   302*  login",
        form={"reason": "De groep is al samengesteld."}),
    row("POST", "admin.promote", "/admin/enrolments/{P_enrolment_F}/promote",
                                    "login 403   403   403   403   403   403   302*  login"),
    row("GET", "admin.move_up", "/admin/enrolments/{P_enrolment_F}/move-up",
                                    "login 403   403   403   403   403   403   200   login"),
    row("POST", "admin.move_up", "/admin/enrolments/{P_enrolment_F}/move-up",
                                    "login 403   403   403   403   403   403   302*  login",
        form={"reason": "Werkt in de wijk."}),
    row("GET", "admin.cancel", "/admin/enrolments/{P_enrolment_A}/cancel",
                                    "login 403   403   403   403   403   403   200   login"),
    row("POST", "admin.cancel", "/admin/enrolments/{P_enrolment_A}/cancel",
                                    "login 403   403   403   403   403   403   302*  login",
        form={"reason": "Op vraag van de deelnemer."}),
    row("GET", "admin.mail", "/admin/mail",
                                    "login 403   403   403   403   403   403   200   login"),
    row("GET", "admin.mail_detail", "/admin/mail/{failed_mail}",
                                    "login 403   403   403   403   403   403   200   login"),
    row("POST", "admin.mail_retry", "/admin/mail/{failed_mail}/retry",
                                    "login 403   403   403   403   403   403   302*  login"),
    row("POST", "admin.mail_abort", "/admin/mail/{failed_mail}/abort",
                                    "login 403   403   403   403   403   403   302*  login"),
    row("GET", "admin.audit", "/admin/audit",
                                    "login 403   403   403   403   403   403   200   login"),
    row("GET", "admin.users_list", "/admin/users",
                                    "login 403   403   403   403   403   403   200   login"),
    row("GET", "admin.user_new", "/admin/users/new",
                                    "login 403   403   403   403   403   403   200   login"),
    row("POST", "admin.user_new", "/admin/users/new",
                                    "login 403   403   403   403   403   403   302*  login",
        form={"email": "nieuwe.lesgever@example.org", "name": "Nieuwe Lesgever",
              "organisation": "", "roles": ["trainer"]}),
    row("GET", "admin.user", "/admin/users/{P_id}",
                                    "login 403   403   403   403   403   403   200   login"),
    row("POST", "admin.user", "/admin/users/{P_id}",
                                    "login 403   403   403   403   403   403   302*  login",
        form={"name": "Pia Deelnemer-Peeters", "organisation": "Buurtwerk Noord",
              "roles": ["participant"]}),
    rows("POST", "admin.user_deactivate",
         ("/admin/users/{P_id}/deactivate",
                                    "login 403   403   403   403   403   403   302*  login"),
         ("/admin/users/{C_id}/deactivate",  # not oneself
                                    "login 403   403   403   403   403   403   302   login")),
    row("POST", "admin.user_reactivate", "/admin/users/{D_id}/reactivate",
                                    "login 403   403   403   403   403   403   302*  login"),
    row("GET", "admin.users_import", "/admin/users/import",
                                    "login 403   403   403   403   403   403   200   login"),
    row("POST", "admin.users_import", "/admin/users/import",
                                    "login 403   403   403   403   403   403   302*  login",
        form=lambda w: {"file": _csv_upload()}),
    # An import job is seen only by the coordinator who uploaded it (tests/admin/
    # test_user_import_preview.py); a token that is not theirs is a 404.
    row("GET", "admin.users_import_job", "/admin/users/import/onbekend",
                                    "login 403   403   403   403   403   403   404   login"),
    row("POST", "admin.users_import_confirm", "/admin/users/import/onbekend/confirm",
                                    "login 403   403   403   403   403   403   404   login"),
    row("GET", "admin.users_import_status", "/admin/users/import/onbekend/status.json",
                                    "login 403   403   403   403   403   403   404   login"),
    row("GET", "admin.users_import_report", "/admin/users/import/onbekend/report.csv",
                                    "login 403   403   403   403   403   403   404   login"),
    row("GET", "admin.themes", "/admin/themes",
                                    "login 403   403   403   403   403   403   200   login"),
    row("POST", "admin.themes", "/admin/themes",
                                    "login 403   403   403   403   403   403   302*  login",
        form=FromPage(name="Armoede en uitsluiting")),
    row("GET", "admin.theme", "/admin/themes/{theme}",
                                    "login 403   403   403   403   403   403   200   login"),
    row("POST", "admin.theme", "/admin/themes/{theme}",
                                    "login 403   403   403   403   403   403   302*  login",
        form=FromPage(name="Wonen en huisvesting")),

    # --- JSON API v1 -------------- ANON  P     Q     T     U     K     L     C     D
    # (a Bearer token each; D's was revoked with the account)
    row("GET", "api.openapi", "/api/v1/openapi.json",
                                    "200   200   200   200   200   200   200   200   200"),
    row("POST", "api.create_token", "/api/v1/tokens",
                                    "401   201*  201*  201*  201*  201*  201*  201*  401",
        basic=True),
    row("DELETE", "api.revoke_token", "/api/v1/tokens",
                                    "401   204*  204*  204*  204*  204*  204*  204*  401"),
    row("GET", "api.me", "/api/v1/me",
                                    "401   200   200   200   200   200   200   200   401"),
    row("GET", "api.my_enrolments", "/api/v1/me/enrolments",
                                    "401   200   200   200   200   200   200   200   401"),
    row("GET", "api.my_certificates", "/api/v1/me/certificates",
                                    "401   200   200   200   200   200   200   200   401"),
    row("GET", "api.list_activities", "/api/v1/activities",
                                    "200   200   200   200   200   200   200   200   401"),
    rows("GET", "api.get_activity",
         ("/api/v1/activities/{A}",
                                    "200   200   200   200   200   200   200   200   401"),
         ("/api/v1/activities/{H}",
                                    "404   404   404   404   404   404   404   200   401")),
    row("POST", "api.create_activity", "/api/v1/activities",
                                    "401   403   403   403   403   403   403   201*  401",
        json={"kind": "lecture", "title": "Lezing sociale bescherming", "capacity": 80,
              "status": "draft"}),
    row("PATCH", "api.patch_activity", "/api/v1/activities/{A}",
                                    "401   403   403   403   403   403   403   200*  401",
        json={"title": "Politiserend werken in de wijk"}),
    rows("POST", "api.enrol",
         ("/api/v1/activities/{E}/enrolment",
                                    "401   200   201*  422   422   422   422   422   401"),
         ("/api/v1/activities/{H}/enrolment",
                                    "401   404   404   404   404   404   404   409   401")),
    row("DELETE", "api.cancel", "/api/v1/activities/{E}/enrolment",
                                    "401   200*  404   404   404   404   404   404   401"),
    # L (contact of another organisation) hears the same 404 as for an unknown address.
    row("POST", "api.enrol_someone", "/api/v1/activities/{B}/enrolments",
                                    "401   403   403   403   403   201*  404   201*  401",
        json={"email": "p.deelnemer@example.org"}),
    row("GET", "api.list_enrolments", "/api/v1/activities/{A}/enrolments",
                                    "401   403   403   200   403   403   403   200   401"),
    row("GET", "api.get_activity_progress", "/api/v1/activities/{A}/progress",
                                    "401   403   403   200   403   403   403   200   401"),
    # A is not over yet: nothing to issue.
    row("POST", "api.issue_certificates", "/api/v1/activities/{A}/certificates",
                                    "401   403   403   403   403   403   403   409   401"),
    rows("GET", "api.get_attendance",
         ("/api/v1/sessions/{A_S2}/attendance",
                                    "401   403   403   200   403   403   403   200   401"),
         ("/api/v1/sessions/{B_S1}/attendance",
                                    "401   403   403   403   200   403   403   200   401")),
    row("PUT", "api.put_attendance", "/api/v1/sessions/{A_S2}/attendance",
                                    "401   403   403   200*  403   403   403   200*  401",
        json={"reason": "Verkeerd aangeduid.",
              "records": [{"email": "p.deelnemer@example.org", "status": "absent"}]}),
]
# fmt: on


def _csv_upload() -> tuple[Any, str]:
    import io

    body = "email,name,role,organisation\nimport@example.org,Ingrid Import,participant,\n"
    return (io.BytesIO(body.encode("utf-8")), "mensen.csv")


# --- Coverage: every route has a row, every row a route ------------------------------------------

METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


def app_routes(app) -> set[tuple[str, str, str]]:
    """(method, endpoint, rule) of every route of the application but ``static``."""
    return {
        (method, rule.endpoint, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in (rule.methods or set()) & METHODS
    }


def spec_routes(app) -> set[tuple[str, str, str]]:
    """(method, endpoint, rule) of every operation of the OpenAPI document."""
    adapter = app.url_map.bind("localhost")
    found = set()
    for path, item in openapi_document("/api/v1")["paths"].items():
        concrete = "/api/v1" + PLACEHOLDER.sub("1", path)
        for method in item:
            if method.upper() not in METHODS:
                continue
            try:
                rule, _args = adapter.match(concrete, method=method.upper(), return_rule=True)
            except (NotFound, MethodNotAllowed):
                found.add((method.upper(), "<not served>", "/api/v1" + path))
                continue
            found.add((method.upper(), rule.endpoint, rule.rule))
    return found


PLACEHOLDER = re.compile(r"\{(\w+)\}")
#: World values that are not ids (codes and tokens in URLs).
TEXT_VALUES = ("_code", "_feed", "_reset", "_offer")


def _dummy(match: re.Match[str]) -> str:
    """A stand-in for a world value, to find a row's route without building the world."""
    return "x1" if match.group(1).endswith(TEXT_VALUES) else "1"


def matrix_routes(app, matrix: list[Route]) -> tuple[set[tuple[str, str, str]], list[str]]:
    """The routes the rows reach (each case's URL matched against the URL map), and any
    row whose URL does not reach the endpoint it names."""
    adapter = app.url_map.bind("localhost")
    reached, problems = set(), []
    for route in matrix:
        for case in route.cases:
            path = urlsplit(PLACEHOLDER.sub(_dummy, case.url)).path
            try:
                rule, _args = adapter.match(path, method=route.method, return_rule=True)
            except (NotFound, MethodNotAllowed):
                problems.append(f"{route.method} {case.url}: no such route")
                continue
            if rule.endpoint != route.endpoint:
                problems.append(f"{route.method} {case.url} reaches {rule.endpoint}")
            reached.add((route.method, rule.endpoint, rule.rule))
    return reached, problems


def coverage_problems(app, matrix: list[Route], served=None, documented=None) -> list[str]:
    """Why the matrix does not cover the application exactly (empty: it does)."""
    reached, problems = matrix_routes(app, matrix)
    served = app_routes(app) if served is None else served
    documented = spec_routes(app) if documented is None else documented
    api_served = {r for r in served if r[1].startswith("api.") and r[1] != "api.openapi"}
    problems += [f"no row for {m} {rule} ({e})" for m, e, rule in sorted(served - reached)]
    problems += [
        f"a row for {m} {rule} ({e}), which is not served"
        for m, e, rule in sorted(reached - served)
    ]
    problems += [
        f"API operation {m} {rule} is documented but {e}"
        for m, e, rule in sorted(documented - served)
    ]
    problems += [
        f"API route {m} {rule} ({e}) is not in the OpenAPI document"
        for m, e, rule in sorted(api_served - documented)
    ]
    keys = [(r.method, r.endpoint) for r in matrix]
    problems += [
        f"two rows for {m} {e}: give one row several URLs"
        for m, e in sorted({k for k in keys if keys.count(k) > 1})
    ]
    return problems


# --- Running a row -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(_app):
    """The world, built once per backend for this module; emptied again at the end.

    New passwords (registration, change, reset) are hashed at the world's low cost too.
    """
    patch = pytest.MonkeyPatch()
    patch.setitem(_app.config, "WTF_CSRF_ENABLED", False)  # tests/accounts/test_csrf.py
    patch.setattr(account_service, "hash_password", cheap_hash)
    patch.setattr(passwords, "_DUMMY_HASH", cheap_hash("not-a-real-password"))
    with _app.app_context():
        _empty_all_tables()
        limiter.reset()
        built = build_world(_app)
        built.ids["B_S1_code"] = checkin_code("B_S1")  # the code rotates: read when asked
        restorer = Restorer()
        try:
            yield _app, built, restorer
        finally:
            restorer.close()
            db.session.remove()
            _empty_all_tables()
            limiter.reset()
            patch.undo()


class _FormReader(HTMLParser):
    """The fields of the ``<form method=post>`` elements of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def _add(self, name: str, value: str, multiple: bool = False) -> None:
        assert self._form is not None
        fields = self._form["fields"]
        if name in fields and (multiple or isinstance(fields[name], list)):
            current = fields[name] if isinstance(fields[name], list) else [fields[name]]
            fields[name] = [*current, value]
        else:
            fields[name] = value

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = {"action": a.get("action", ""), "fields": {}}
            self.forms.append(self._form)
        elif self._form is None or ("name" not in a and tag != "option"):
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(a["name"], a.get("value", "y"), multiple=kind == "checkbox")
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._add(a["name"], a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form["fields"][a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
            self._options: list[str] = []
            self._chosen = False
            self._multiple = "multiple" in a
        elif tag == "option" and self._select:
            self._options.append(a.get("value", ""))
            if "selected" in a:
                self._chosen = True
                self._add(self._select, a.get("value", ""), multiple=self._multiple)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            if not self._chosen and not self._multiple and self._options:
                self._add(self._select, self._options[0])  # what a browser sends
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea] += data


def _page_form(app, world: World, url: str, spec: FromPage) -> dict[str, Any]:
    """The fields of the (largest) form of the page at ``url`` that posts back to it."""
    client = app.test_client()
    client.set_cookie("session", world.cookies["C"])
    response = client.get(url)
    assert response.status_code == 200, f"GET {url}: {response.status_code}"
    reader = _FormReader()
    reader.feed(response.get_data(as_text=True))
    path = urlsplit(url).path
    forms = [f for f in reader.forms if urlsplit(f["action"]).path in ("", path)]
    assert forms, f"no form posting to {path} on {url}"
    return {**max(forms, key=lambda f: len(f["fields"]))["fields"], **spec.changes}


def _answer(response) -> str:
    """The status code, or ``login`` for the redirect to the login page that comes back."""
    if response.status_code in (302, 303):
        target = urlsplit(response.location)
        if target.path == "/account/login" and "next=" in target.query:
            return "login"
    return str(response.status_code)


def _form_data(app, world: World, restorer: Restorer, url: str, case: Case) -> dict[str, Any]:
    if isinstance(case.form, FromPage):
        data = _page_form(app, world, url, case.form)
        restorer.restore()
        return {"data": data}
    if callable(case.form):
        return {"data": case.form(world)}
    if case.form is not None:
        return {"data": dict(case.form)}
    return {}


def _send(app, restorer: Restorer, method: str, url: str, *, cookie=None, headers=None, **options):
    """One request with a fresh client; returns the answer (``*``: data changed) after
    putting the world back."""
    limiter.reset()
    client = app.test_client()
    if cookie is not None:
        client.set_cookie("session", cookie)
    response = client.open(url, method=method, headers=headers or {}, **options)
    answer = _answer(response)
    response.close()
    return answer + ("*" if restorer.restore() else "")


def request_as(app, world: World, restorer: Restorer, route: Route, case: Case, actor: str) -> str:
    """The answer ``actor`` gets (with ``*`` when data changed); the world is put back."""
    url = world.fill(case.url)
    headers, cookie = {}, None
    if route.api and case.basic:
        if actor != "ANON":
            credentials = f"{world[f'{actor}_email']}:{world['password']}"
            headers["Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()
    elif route.api:
        if actor != "ANON":
            headers["Authorization"] = f"Bearer {world.api_tokens[actor]}"
    else:
        cookie = world.cookies.get(actor)
    options = _form_data(app, world, restorer, url, case)
    if case.json is not None:
        options["json"] = case.json
    return _send(app, restorer, route.method, url, cookie=cookie, headers=headers, **options)


def _table(route: Route, case: Case, got: tuple[str, ...]) -> str:
    width = 7
    lines = [
        f"{route.method} {case.url}",
        "          " + "".join(a.ljust(width) for a in ACTORS),
        "expected  " + "".join(e.ljust(width) for e in case.expected),
        "got       " + "".join(g.ljust(width) for g in got),
        "          "
        + "".join(
            ("^" if e != g else "").ljust(width) for e, g in zip(case.expected, got, strict=True)
        ),
    ]
    return "\n".join(lines)


# --- The tests -----------------------------------------------------------------------------------


def test_every_route_has_exactly_one_row(_app):
    assert coverage_problems(_app, MATRIX) == []


def test_deleting_any_row_makes_the_coverage_check_fail(_app):
    served, documented = app_routes(_app), spec_routes(_app)
    for index, route in enumerate(MATRIX):
        rest = MATRIX[:index] + MATRIX[index + 1 :]
        problems = coverage_problems(_app, rest, served, documented)
        assert problems, f"deleting {route.method} {route.endpoint} went unnoticed"


def test_a_new_unguarded_route_is_noticed(_app):
    """A route added to the application without a row fails the check."""
    rules = [rule.empty() for rule in _app.url_map.iter_rules()]
    rules.append(Rule("/admin/secret/<int:user_id>", endpoint="admin.secret", methods=["GET"]))
    probe = SimpleNamespace(url_map=Map(rules, converters=dict(_app.url_map.converters)))
    assert coverage_problems(probe, MATRIX) == [
        "no row for GET /admin/secret/<int:user_id> (admin.secret)"
    ]


@pytest.mark.parametrize("route", MATRIX, ids=lambda r: f"{r.method} {r.endpoint}")
def test_route(world, route):
    app, built, restorer = world
    failures = []
    for case in route.cases:
        got = tuple(request_as(app, built, restorer, route, case, actor) for actor in ACTORS)
        if got != case.expected:
            failures.append(_table(route, case, got))
    assert not failures, "\n\n".join(failures)


def test_the_deactivated_user_is_a_stranger():
    """D (a session cookie and an API token from before the deactivation) is answered like
    nobody on every page, gets 401 from every API call that reads a token, and D's
    personal feed is gone (the rows prove each answer)."""
    api_without_token = {"api.openapi"}
    for route in MATRIX:
        for case in route.cases:
            anonymous, deactivated = case.expected[0], case.expected[-1]
            if route.api and route.endpoint not in api_without_token:
                assert deactivated == "401", (route.endpoint, case.url)
            else:
                assert deactivated == anonymous, (route.endpoint, case.url)
    feeds = next(r for r in MATRIX if r.endpoint == "calendar.personal_feed")
    assert any("{D_feed}" in c.url and set(c.expected) == {"404"} for c in feeds.cases)


@pytest.mark.parametrize(
    "route", [r for r in MATRIX if r.api], ids=lambda r: f"{r.method} {r.endpoint}"
)
def test_the_api_ignores_session_cookies(world, route):
    """A coordinator's browser cookie without a token is nobody to the API (which is what
    makes leaving the API out of CSRF protection safe)."""
    app, built, restorer = world
    case = route.cases[0]
    url = built.fill(case.url)
    options = _form_data(app, built, restorer, url, case)
    if case.json is not None:
        options["json"] = case.json
    answer = _send(app, restorer, route.method, url, cookie=built.cookies["C"], **options)
    assert answer == case.expected[0]


def _shape(url: str) -> str:
    return PLACEHOLDER.sub("{}", url)


_PAGES = {_shape(case.url) for r in MATRIX if r.method == "GET" for case in r.cases}
_ACTIONS = [r for r in MATRIX if r.method != "GET" and _shape(r.cases[0].url) not in _PAGES]


@pytest.mark.parametrize("route", _ACTIONS, ids=lambda r: f"{r.method} {r.endpoint}")
def test_an_action_does_not_answer_get(world, route):
    """A URL that only changes data refuses GET (405, with Allow) and changes nothing."""
    app, built, restorer = world
    url = built.fill(route.cases[0].url)
    response = app.test_client().get(url)
    assert response.status_code == 405
    assert route.method in response.headers["Allow"]
    assert not restorer.restore()


def test_an_organisation_contact_is_told_why_their_organisation_stays(world):
    """The profile row above: the refusal is explained in Dutch next to the field, and the
    contact's name can still change."""
    app, built, restorer = world
    client = app.test_client()
    client.set_cookie("session", built.cookies["K"])
    refused = client.post("/account/", data={"name": "Karin", "organisation": str(built["south"])})
    assert refused.status_code == 200
    assert "kan je je organisatie niet zelf wijzigen" in refused.get_data(as_text=True)
    assert not restorer.restore()
    renamed = client.post(
        "/account/", data={"name": "Karin C.", "organisation": str(built["north"])}
    )
    assert renamed.status_code == 302
    assert restorer.restore() == {"users"}


def test_the_world_is_whole_after_every_row(world):
    """Every table holds exactly what it held after building (restoring missed nothing)."""
    _app, _built, restorer = world
    for name, table in restorer.tables.items():
        if name not in CACHE_TABLES:
            assert restorer.rows(table) == restorer.snapshot[name], name
