"""The gettext marker for labels defined at import time, with no Flask behind it.

The models define the labels of their statuses, kinds and roles when they are imported,
outside any request; the schema may not import the web floor (``lms/i18n.py`` reads the
request to choose a language), so the marker lives here.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 (the customary name of this gettext marker)
    """Marks a Dutch label for extraction (``pybabel extract -k N_``) and returns it as is.

    The label is translated where it is shown (``_(activity.kind.label)``).
    """
    return message
