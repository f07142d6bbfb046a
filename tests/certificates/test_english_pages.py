"""With the English interface, the pages about learning show no Dutch.

The learning record, the progress and attendance pages of a participant, the coordinator's
certificate and progress pages and the public verification page are rendered in English (the
person's language, or the language switch's cookie for a visitor) and read as a person
reads them: the visible text of the parsed HTML. No Dutch sentence of the catalogue may
appear in it untranslated, nor a Dutch word of the policy's reasons, hours or statuses. The
data (names, titles, themes) stay as people typed them and are left out of the check.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from lms.certificates import service
from lms.extensions import db
from lms.models import Certificate

PO_FILE = Path(__file__).resolve().parents[2] / "lms/translations/en/LC_MESSAGES/messages.po"

#: Dutch words of reasons, hours, statuses and headings that English never uses.
DUTCH_WORDS = (
    "aanwezig",
    "afwezig",
    "sessie",
    "sessies",
    "vereist",
    "uur",
    "gepland",
    "behaald",
    "geslaagd",
    "haalbaar",
    "attest",
    "leertraject",
    "ingeschreven",
    "geldig",
    "ingetrokken",
    "verontschuldigd",
    "geregistreerd",
    "Voldaan",
    "Mijn",
    "van",
)


class _Visible(HTMLParser):
    """The text a person sees: text nodes outside script, style and template."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


@pytest.fixture(scope="module")
def dutch_sentences() -> list[str]:
    """Catalogue sentences (three words or more, no placeholder) whose English differs."""
    with PO_FILE.open("rb") as handle:
        catalogue = read_po(handle, locale="en")
    found = []
    for message in catalogue:
        if not message.id or isinstance(message.id, tuple) or "%" in message.id:
            continue
        if len(message.id.split()) >= 3 and message.string and message.string != message.id:
            found.append(message.id)
    return found


def _dutch_left(text: str, data: list[str], sentences: list[str]) -> list[str]:
    for value in sorted(data, key=len, reverse=True):  # names and titles as typed
        text = text.replace(value, " ")
    left = [sentence for sentence in sentences if sentence in text]
    left += [word for word in DUTCH_WORDS if re.search(rf"\b{word}\b", text)]
    return left


@pytest.fixture
def issued(finished_course, coordinator):
    service.issue_for_activity(finished_course.activity, actor=coordinator)
    db.session.commit()
    return finished_course


def test_the_learning_pages_have_no_dutch_left_in_english(
    client, login, issued, coordinator, dutch_sentences
):
    activity = issued.activity
    holder = issued.people[0]
    failed = issued.people[2]
    certificate = db.session.scalars(
        db.select(Certificate).where(Certificate.user_id == holder.id)
    ).one()
    year = issued.sessions[-1].ends_at.year
    data = [activity.title, *(p.name for p in issued.people), coordinator.name, "SAM"]
    data += [s.title for s in activity.sessions if s.title]

    pages: dict[str, str] = {}
    for person, urls in (
        (
            holder,
            {
                "learning record": f"/my/learning-record?year={year}",
                "progress": f"/my/activities/{activity.id}/progress",
                "attendance": f"/my/activities/{activity.id}/attendance",
            },
        ),
        (
            failed,
            {"progress (not passed)": f"/my/activities/{activity.id}/progress"},
        ),
        (
            coordinator,
            {
                "certificate": f"/certificates/{certificate.id}",
                "progress of the activity": f"/activities/{activity.id}/progress",
            },
        ),
    ):
        person.locale = "en"
        db.session.commit()
        login(person)
        for name, url in urls.items():
            response = client.get(url)
            assert response.status_code == 200, (name, url)
            pages[name] = response.get_data(as_text=True)

    client.set_cookie("lang", "en")  # the footer's language switch, for a visitor
    response = client.get(f"/certificates/verify/{certificate.code}")
    assert response.status_code == 200
    pages["verification"] = response.get_data(as_text=True)

    for name, html in pages.items():
        assert 'lang="en"' in html, name
        left = _dutch_left(visible_text(html), data, dutch_sentences)
        assert not left, f"{name}: Dutch left in the English page: {left}\n{visible_text(html)}"
