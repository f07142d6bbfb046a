"""Why sending one mail failed, in a form the mail queue can explain and act on.

The worker stores a failure in the mail's ``last_error`` as ``[code] detail``: the code says
what kind of failure it was (so the page can explain it in the reader's language and say
what can be done), the detail is what the server or the library said, kept verbatim for
whoever has to dig deeper. Older rows (free text without a code) are shown as they are.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from flask_babel import gettext as _


class FailureCode(enum.StrEnum):
    #: The server refused the message or the recipient for good (5xx).
    REFUSED = "refused"
    #: The server refused for now (4xx): retried with backoff.
    DEFERRED = "deferred"
    #: The recipient's address needs SMTPUTF8 and the server does not offer it.
    UNENCODABLE = "unencodable"
    #: The address cannot be written into a mail at all.
    BAD_ADDRESS = "bad_address"
    #: The server accepted the connection but did not answer in time.
    TIMEOUT = "timeout"
    #: No connection (refused, DNS, TLS) or the connection dropped.
    UNREACHABLE = "unreachable"
    #: The server refused our login.
    AUTH = "auth"
    #: Rendering the mail (templates, invitation) raised.
    RENDER = "render"
    #: Building the MIME message raised.
    BUILD = "build"


#: Failures that no retry can cure: the mail is marked failed at once.
PERMANENT = frozenset(
    {
        FailureCode.REFUSED,
        FailureCode.UNENCODABLE,
        FailureCode.BAD_ADDRESS,
        FailureCode.RENDER,
        FailureCode.BUILD,
    }
)

_STORED = re.compile(r"^\[(?P<code>[a-z_]+)\] ?(?P<detail>.*)$", re.DOTALL)


@dataclass(frozen=True)
class Failure:
    code: FailureCode
    detail: str = ""

    @property
    def permanent(self) -> bool:
        return self.code in PERMANENT

    def stored(self) -> str:
        """The text kept in ``OutboxMail.last_error``."""
        return f"[{self.code.value}] {self.detail}"[:2000]


def parse_failure(text: str | None) -> Failure | None:
    """The failure stored in ``last_error``, or None for an empty or older free-text one."""
    match = _STORED.match(text or "")
    if not match:
        return None
    try:
        return Failure(FailureCode(match["code"]), match["detail"])
    except ValueError:
        return None


def explain(failure: Failure) -> str:
    """What went wrong, as a sentence for the coordinator (and the worker's log)."""
    detail = failure.detail
    match failure.code:
        case FailureCode.REFUSED:
            return _("De mailserver weigerde het bericht: %(reply)s", reply=detail)
        case FailureCode.DEFERRED:
            return _("De mailserver weigerde het bericht voorlopig: %(reply)s", reply=detail)
        case FailureCode.UNENCODABLE:
            return _(
                "Het adres bevat tekens die deze mailserver niet aanvaardt (%(detail)s).",
                detail=detail,
            )
        case FailureCode.BAD_ADDRESS:
            return _(
                "Het adres kan niet in een mail geschreven worden (%(detail)s).", detail=detail
            )
        case FailureCode.TIMEOUT:
            return _("De mailserver antwoordde niet binnen %(seconds)s seconden.", seconds=detail)
        case FailureCode.UNREACHABLE:
            return _("De mailserver is niet bereikbaar: %(detail)s", detail=detail)
        case FailureCode.AUTH:
            return _("De mailserver weigerde onze aanmelding: %(reply)s", reply=detail)
        case FailureCode.RENDER:
            return _("De mail kon niet opgemaakt worden: %(detail)s", detail=detail)
        case FailureCode.BUILD:
            return _("Het bericht kon niet samengesteld worden: %(detail)s", detail=detail)
    return detail  # pragma: no cover (every code is handled above)


def advice(failure: Failure) -> str:
    """What a coordinator can do about it."""
    match failure.code:
        case FailureCode.REFUSED:
            return _(
                "Controleer het e-mailadres van de ontvanger en verbeter het bij de persoon; "
                "verstuur de mail daarna opnieuw, of breek ze af."
            )
        case FailureCode.UNENCODABLE | FailureCode.BAD_ADDRESS:
            return _(
                "Vraag de persoon om een ander e-mailadres, verbeter het bij de persoon en "
                "verstuur de mail opnieuw; of breek ze af."
            )
        case FailureCode.DEFERRED | FailureCode.TIMEOUT | FailureCode.UNREACHABLE:
            return _(
                "We proberen het vanzelf opnieuw. Blijft het mislukken, laat dan de "
                "mailserver nakijken en verstuur de mail opnieuw zodra die weer werkt."
            )
        case FailureCode.AUTH:
            return _(
                "Laat de aanmeldgegevens van de mailserver (MAIL_USERNAME, MAIL_PASSWORD) "
                "nakijken; we proberen het vanzelf opnieuw."
            )
        case FailureCode.RENDER | FailureCode.BUILD:
            return _(
                "Dit is een fout in het leerplatform: meld ze aan de beheerder. Na de "
                "oplossing kan de mail opnieuw verstuurd worden; of breek ze af."
            )
    return ""  # pragma: no cover
