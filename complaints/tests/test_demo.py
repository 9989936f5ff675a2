import pytest
import time_machine

from audit.models import Event
from audit.verify import verify_chain
from campaigns.demo import load_demo as load_campaign_demo
from complaints.actions import current_status
from complaints.demo import load_demo
from complaints.models import (
    ComplainantIdentity,
    Complaint,
    ComplaintRating,
    ComplaintReply,
    ComplaintStep,
)
from complaints.queries import overdue

pytestmark = pytest.mark.django_db


def _load():
    campaign, users = load_campaign_demo(2026)
    load_demo(campaign, users)


def _counts():
    models = (Complaint, ComplainantIdentity, ComplaintStep, ComplaintReply, ComplaintRating, Event)
    return [m.objects.count() for m in models]


@time_machine.travel("2026-10-08 10:00 +0800", tick=False)
def test_the_demo_has_overdue_anonymous_verified_and_named_complaints():
    _load()
    complaints = list(Complaint.objects.select_related("target__unit"))
    assert len(complaints) == 6
    assert len({c.target.unit.code for c in complaints}) >= 4
    assert len({c.channel for c in complaints}) >= 4
    assert sum(c.is_anonymous for c in complaints) == 1
    assert ComplainantIdentity.objects.count() == 5
    statuses = {current_status(c) for c in complaints}
    assert {"received", "assigned", "replied", "verified", "closed"} <= statuses
    assert overdue(Complaint.objects.all()).count() == 3
    assert ComplaintRating.objects.count() == 1
    assert all(c.received_on.year == 2026 for c in complaints)
    assert verify_chain().ok


@time_machine.travel("2026-10-08 10:00 +0800", tick=False)
def test_loading_the_complaints_demo_twice_changes_nothing():
    _load()
    first = _counts()
    _load()
    assert _counts() == first


@time_machine.travel("2026-10-08 10:00 +0800", tick=False)
def test_the_demo_liaison_sees_only_its_assigned_complaints(client):
    _load()
    client.login(username="liaison", password="pingyi-liaison")
    body = client.get("/api/v1/complaints/campaigns/kj-2026").json()
    assert body["count"] == 2
    assert {item["unit"] for item in body["items"]} == {"donghu-kjj"}
