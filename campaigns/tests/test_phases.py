from datetime import date

import pytest

from campaigns.models import PhaseKind

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2026, 6, 21), None),
        (date(2026, 6, 22), PhaseKind.MOBILIZE),
        (date(2026, 7, 10), PhaseKind.MOBILIZE),
        (date(2026, 7, 11), PhaseKind.CONSULT),
        (date(2026, 9, 30), PhaseKind.SUMMARIZE),
        (date(2026, 10, 1), None),
    ],
)
def test_the_current_phase_follows_the_dates(cast, day, expected):
    current = cast.campaign.current_phase(day)
    assert (current.kind if current else None) == expected


def test_a_target_moves_through_the_phases_in_order(cast):
    target = cast.target("county-a")
    assert target.stage == PhaseKind.MOBILIZE and target.next_stage() == PhaseKind.CONSULT
    target.stage = PhaseKind.SUMMARIZE
    assert target.next_stage() is None
