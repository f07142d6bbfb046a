"""Reading an uploaded CSV for :func:`lms.accounts.importer.import_users`.

Spreadsheets in Belgium often save CSV with semicolons and in Windows-1252; the importer
reads the format of CONTRACT.md (UTF-8, commas), so such a file is converted first.
"""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from lms.common.errors import RuleError

MAX_BYTES = 2 * 1024 * 1024


class UploadError(RuleError):
    """A refusal; the message is Dutch and meant for the person."""


def read_upload(raw: bytes) -> str:
    """The CSV text of an uploaded file, with commas as separator."""
    if len(raw) > MAX_BYTES:
        raise UploadError(_("Het bestand is te groot (hoogstens 2 MB)."))
    if not raw.strip():
        raise UploadError(_("Het bestand is leeg."))
    if b"\x00" in raw:
        raise UploadError(_("Dit is geen CSV-bestand (tekst met komma's of puntkomma's)."))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    first_line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    if ";" in first_line and "," not in first_line:
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        text = out.getvalue()
    return text
