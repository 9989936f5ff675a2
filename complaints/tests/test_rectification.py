"""A complaint borne out by the unit's reply goes on the rectification ledger (整改台账), once."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import Event
from campaigns.access import CampaignAccess
from complaints.actions import do_raise_complaint_rectification
from complaints.queries import complaint_rectification_item
from complaints.tests.conftest import reply
from rectification.models import RectificationItem, Source

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mid_july():
    with time_machine.travel("2026-07-15 10:00 +0800", tick=False):
        yield


PROBLEM = "窗口人员索要好处费，须建立首问负责制并公开办理时限"
DEADLINE = date(2026, 9, 30)


def _snapshot():
    return RectificationItem.objects.count(), Event.objects.count()


def _raise(user, complaint, *, problem=PROBLEM, deadline=DEADLINE, access=None):
    access = access or CampaignAccess(user, complaint.campaign)
    return do_raise_complaint_rectification(
        access, complaint, problem=problem, deadline=deadline, acting_user=user
    )


def test_the_organizer_puts_a_complaint_on_the_units_ledger(cast, assigned):
    item = _raise(cast.organizer, assigned)
    assert item.target == assigned.target
    assert item.source == Source.COMPLAINT
    assert item.source_ref == f"complaints.complaint:{assigned.pk}"
    assert item.problem == PROBLEM and item.deadline == DEADLINE
    assert item.created_by == cast.organizer
    assert complaint_rectification_item(assigned) == item
    event = Event.objects.get(action="complaint.rectification_raised")
    assert event.object_id == str(assigned.pk) and event.data["item"] == item.pk
    assert Event.objects.filter(action="rectification.item_opened").count() == 1


def test_the_inspector_may_put_a_complaint_on_the_ledger(cast, assigned):
    item = _raise(cast.inspector, assigned)
    assert item.created_by == cast.inspector


def test_a_complaint_goes_on_the_ledger_at_most_once(cast, assigned):
    _raise(cast.organizer, assigned)
    before = _snapshot()
    with pytest.raises(ValidationError) as caught:
        _raise(cast.inspector, assigned, problem="再来一次")
    assert "already on the rectification ledger" in caught.value.messages[0]
    assert _snapshot() == before


@pytest.mark.parametrize("who", ["leader", "tallier", "liaison", "other_liaison", "nobody"])
def test_nobody_else_puts_a_complaint_on_the_ledger(cast, assigned, who):
    before = _snapshot()
    with pytest.raises(PermissionDenied):
        _raise(getattr(cast, who), assigned)
    assert _snapshot() == before


def test_a_complaint_not_yet_assigned_to_the_unit_stays_off_its_ledger(cast, complaint):
    before = _snapshot()
    with pytest.raises(ValidationError) as caught:
        _raise(cast.organizer, complaint)
    assert "assigned" in caught.value.messages[0]
    assert _snapshot() == before


@pytest.mark.parametrize("deadline", [None, date(2026, 7, 14)], ids=["missing", "past"])
def test_the_deadline_must_be_set_and_not_in_the_past(cast, assigned, deadline):
    before = _snapshot()
    with pytest.raises(ValidationError) as caught:
        _raise(cast.organizer, assigned, deadline=deadline)
    assert "deadline" in caught.value.message_dict
    assert _snapshot() == before


def test_the_problem_must_be_described(cast, assigned):
    before = _snapshot()
    with pytest.raises(ValidationError) as caught:
        _raise(cast.organizer, assigned, problem="  ")
    assert "problem" in caught.value.message_dict
    assert _snapshot() == before


def test_access_to_another_campaign_does_not_reach_this_complaint(cast, assigned):
    from pingyi.testing import make_campaign

    other = make_campaign(code="c-2027", year=2027)
    before = _snapshot()
    with pytest.raises(PermissionDenied):
        _raise(cast.organizer, assigned, access=CampaignAccess(cast.organizer, other))
    assert _snapshot() == before


def test_the_detail_page_offers_the_ledger_form_then_links_the_item(login, cast, assigned):
    url = f"/complaints/{assigned.pk}/"
    organizer = login(cast.organizer)
    page = organizer.get(url).content.decode()
    assert f"/complaints/{assigned.pk}/rectify/" in page and 'name="deadline"' in page

    response = organizer.post(
        f"/complaints/{assigned.pk}/rectify/",
        {"problem": PROBLEM, "deadline": "2026-09-30"},
        follow=True,
    )
    page = response.content.decode()
    item = RectificationItem.objects.get()
    assert "put on the rectification ledger" in page
    assert f"/rectification/items/{item.pk}/" in page
    assert f"/complaints/{assigned.pk}/rectify/" not in page  # once only

    liaison_page = login(cast.liaison).get(url).content.decode()
    assert f"/rectification/items/{item.pk}/" in liaison_page


def test_the_ledger_form_reports_a_bad_deadline_and_keeps_nothing(login, cast, assigned):
    before = _snapshot()
    page = (
        login(cast.organizer)
        .post(
            f"/complaints/{assigned.pk}/rectify/",
            {"problem": PROBLEM, "deadline": "2026-07-01"},
            follow=True,
        )
        .content.decode()
    )
    assert "deadline that is not in the past" in page
    assert _snapshot() == before


def test_the_liaison_gets_no_ledger_form_and_cannot_post_one(login, cast, assigned):
    reply(cast, assigned)
    client = login(cast.liaison)
    assert (
        f"/complaints/{assigned.pk}/rectify/"
        not in client.get(f"/complaints/{assigned.pk}/").content.decode()
    )
    before = _snapshot()
    response = client.post(
        f"/complaints/{assigned.pk}/rectify/", {"problem": PROBLEM, "deadline": "2026-09-30"}
    )
    assert response.status_code == 403
    assert _snapshot() == before
