from datetime import date

import pytest

from audit.models import Event
from campaigns.access import CampaignAccess
from rectification.actions import do_open_rectification_item
from rectification.models import RectificationItem, Source


def access_of(cast, user):
    return CampaignAccess(user, cast.campaign)


def snapshot(item: RectificationItem) -> dict:
    """Everything about an item a refused request must leave as it was."""
    item.refresh_from_db()
    return {
        "row": {f.name: getattr(item, f.attname) for f in item._meta.concrete_fields},
        "notes": item.notes.count(),
        "evidence": item.evidence.count(),
        "verifications": item.verifications.count(),
        "events": Event.objects.count(),
    }


@pytest.fixture
def open_item(cast):
    """Put an item on a county's ledger as the organizer."""

    def _open(unit="county-a", *, deadline=date(2026, 8, 31), source=Source.FINDING, **kwargs):
        return do_open_rectification_item(
            access_of(cast, cast.organizer),
            cast.target(unit),
            source=source,
            problem=kwargs.pop("problem", "窗口午休时段无人值守"),
            deadline=deadline,
            acting_user=cast.organizer,
            **kwargs,
        )

    return _open
