from datetime import date

import pytest
import time_machine

from campaigns.access import CampaignAccess
from complaints.access import ComplaintAccess
from complaints.actions import do_return_reply
from complaints.models import Complaint
from complaints.queries import overdue, overdue_count
from complaints.tests.conftest import assign, enter_by_staff, reply, verify

pytestmark = pytest.mark.django_db

# Received Wednesday 1 July; 15 working days later is Wednesday 22 July.
RECEIVED = date(2026, 7, 1)


@pytest.fixture
def received(cast):
    with time_machine.travel("2026-07-01 09:00 +0800", tick=False):
        return enter_by_staff(cast, received_on=RECEIVED)


def _overdue_ids():
    return list(overdue(Complaint.objects.all()).values_list("pk", flat=True))


def test_the_due_date_counts_fifteen_working_days(received):
    assert received.due_date == date(2026, 7, 22)


def test_a_complaint_is_on_time_on_its_due_date_and_overdue_the_day_after(received):
    with time_machine.travel("2026-07-22 23:59 +0800", tick=False):
        assert _overdue_ids() == []
    with time_machine.travel("2026-07-23 00:01 +0800", tick=False):
        assert _overdue_ids() == [received.pk]


@time_machine.travel("2026-08-03 10:00 +0800", tick=False)
def test_assigned_but_unanswered_stays_overdue_and_a_reply_ends_it(cast, received):
    assign(cast, received)
    assert _overdue_ids() == [received.pk]
    reply(cast, received)
    assert _overdue_ids() == []
    verify(cast, received)
    assert _overdue_ids() == []


@time_machine.travel("2026-08-03 10:00 +0800", tick=False)
def test_a_reply_sent_back_makes_the_complaint_overdue_again(cast, received):
    assign(cast, received)
    reply(cast, received)
    do_return_reply(
        ComplaintAccess(cast.organizer, received), note="未答复实质问题", acting_user=cast.organizer
    )
    assert _overdue_ids() == [received.pk]


@time_machine.travel("2026-08-03 10:00 +0800", tick=False)
def test_the_overdue_count_is_scoped_like_the_lists(cast, received):
    late_b = enter_by_staff(cast, unit="county-b", received_on=RECEIVED)
    enter_by_staff(cast, unit="county-b", received_on=date(2026, 8, 3))  # not due yet
    assign(cast, received)

    def count(user):
        return overdue_count(CampaignAccess(user, cast.campaign))

    assert count(cast.organizer) == 2
    assert count(cast.leader) == 2
    assert count(cast.liaison) == 1  # its own, assigned one
    assert count(cast.other_liaison) == 0  # county B's is not assigned yet
    assert count(cast.evaluator) == 0
    assert late_b.due_date < date(2026, 8, 3)


@time_machine.travel("2026-08-03 10:00 +0800", tick=False)
def test_the_overdue_page_lists_late_complaints_with_days_overdue(login, cast, received):
    enter_by_staff(cast, content="刚收到的投诉（标记NEW1）", received_on=date(2026, 8, 3))
    page = login(cast.organizer).get("/complaints/c/c-2026/overdue/").content.decode()
    assert received.number in page and "NEW1" not in page
    card = page.split(received.number, 1)[1].split("</article>", 1)[0]
    assert "2026-07-22" in card and "Overdue by 12 days" in card


@time_machine.travel("2026-08-03 10:00 +0800", tick=False)
def test_the_list_marks_overdue_items(login, cast, received):
    page = login(cast.organizer).get("/complaints/c/c-2026/").content.decode()
    card = page.split(received.number, 1)[1].split("</article>", 1)[0]
    assert "Overdue" in card
