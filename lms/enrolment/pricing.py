"""The price a person pays for an activity.

The member price applies to people whose membership of a member organisation is
*confirmed* (``User.organisation_id``; a membership someone only asked for is
``User.pending_organisation_id`` and does not count): choosing an organisation's name
must not be enough to pay its members' price.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lms.models import Activity


def pays_member_price(user: Any) -> bool:
    """A confirmed member of an organisation that is a member of the sector."""
    organisation = getattr(user, "organisation", None)
    return organisation is not None and bool(organisation.is_member)


def price_for(activity: Activity, user: Any) -> Decimal:
    """What ``user`` pays for ``activity`` (anonymous visitors: the non-member price)."""
    if getattr(user, "is_authenticated", True) and pays_member_price(user):
        return activity.price_member
    return activity.price_non_member
