from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import Event
from orgs.actions import do_add_evaluator, do_disqualify_evaluator, do_grant_role
from orgs.models import Evaluator, EvaluatorCategory, EvaluatorStatus, Prohibition, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluator(cast):
    return do_add_evaluator(
        unit=cast.units["city"],
        name="李建国",
        category=EvaluatorCategory.NPC_DEPUTY,
        term_start=date(2026, 1, 1),
        term_end=date(2028, 12, 31),
        acting_user=cast.organizer,
    )


def test_organizer_disqualifies_an_evaluator_for_a_prohibition(cast, evaluator):
    result = do_disqualify_evaluator(
        evaluator,
        prohibition=Prohibition.BUY_VOTES,
        reason="为被评单位拉票",
        acting_user=cast.organizer,
    )
    assert result.status == EvaluatorStatus.DISQUALIFIED
    assert not result.serves_on(date(2026, 6, 1))
    event = Event.objects.get(action="evaluator.disqualified")
    assert event.actor == cast.organizer and event.data["prohibition"] == "buy_votes"


def test_disqualification_needs_a_reason(cast, evaluator):
    with pytest.raises(ValidationError):
        do_disqualify_evaluator(
            evaluator, prohibition=Prohibition.BUY_VOTES, reason="  ", acting_user=cast.organizer
        )
    assert Evaluator.objects.get(pk=evaluator.pk).status == EvaluatorStatus.ACTIVE


def test_a_liaison_cannot_disqualify_an_evaluator(cast, evaluator):
    with pytest.raises(PermissionDenied):
        do_disqualify_evaluator(
            evaluator, prohibition=Prohibition.BUY_VOTES, reason="x", acting_user=cast.liaison
        )
    assert Evaluator.objects.get(pk=evaluator.pk).status == EvaluatorStatus.ACTIVE
    assert not Event.objects.filter(action="evaluator.disqualified").exists()


def test_term_must_end_after_it_starts(cast):
    with pytest.raises(ValidationError):
        do_add_evaluator(
            unit=cast.units["city"],
            name="x",
            category=EvaluatorCategory.OTHER,
            term_start=date(2027, 1, 1),
            term_end=date(2026, 1, 1),
            acting_user=cast.organizer,
        )


def test_only_an_organizer_above_grants_roles(cast):
    with pytest.raises(PermissionDenied):
        do_grant_role(cast.nobody, cast.units["county-b"], Role.LIAISON, acting_user=cast.liaison)
    assert not cast.nobody.memberships.exists()
    do_grant_role(cast.nobody, cast.units["county-b"], Role.LIAISON, acting_user=cast.organizer)
    assert Event.objects.filter(action="role.granted", data__user="nobody").exists()
