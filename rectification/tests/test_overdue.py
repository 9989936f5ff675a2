from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from audit.models import Event
from rectification.actions import do_mark_overdue_items, do_mark_rectification_done
from rectification.models import RectificationItem
from rectification.queries import open_item_count, overdue_count, overdue_items
from rectification.tasks import mark_overdue_items, next_run_at
from rectification.tests.conftest import access_of

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _with_emails(cast):
    for user in (cast.liaison, cast.other_liaison, cast.organizer, cast.province_organizer):
        user.email = f"{user.username}@example.org"
        user.save()


def test_an_open_item_is_overdue_from_the_day_after_its_deadline(cast, open_item):
    item = open_item(deadline=date(2026, 7, 14))
    closed = open_item(deadline=date(2026, 7, 1))
    do_mark_rectification_done(access_of(cast, cast.liaison), closed, acting_user=cast.liaison)
    organizer = access_of(cast, cast.organizer)

    with time_machine.travel("2026-07-14 23:59 +0800", tick=False):
        assert overdue_count(organizer) == 0
    with time_machine.travel("2026-07-15 00:01 +0800", tick=False):
        assert list(overdue_items(organizer)) == [item]
        assert overdue_count(organizer) == 1
        assert open_item_count(cast.target("county-a")) == 1


def test_overdue_counts_are_scoped_to_what_the_user_sees(cast, open_item):
    open_item("county-a", deadline=date(2026, 7, 1))
    open_item("county-b", deadline=date(2026, 7, 1))
    with time_machine.travel("2026-07-15 10:00 +0800", tick=False):
        assert overdue_count(access_of(cast, cast.organizer)) == 2
        assert overdue_count(access_of(cast, cast.liaison)) == 1


@time_machine.travel("2026-07-15 10:00 +0800", tick=False)
def test_the_daily_task_marks_and_notifies_once(
    cast, open_item, django_capture_on_commit_callbacks
):
    _with_emails(cast)
    late_a = open_item("county-a", deadline=date(2026, 7, 14))
    late_b = open_item("county-b", deadline=date(2026, 7, 10))
    open_item("county-a", deadline=date(2026, 7, 15))  # due today: not yet overdue

    with django_capture_on_commit_callbacks(execute=True):
        assert mark_overdue_items.call() == 2

    late_a.refresh_from_db()
    late_b.refresh_from_db()
    assert late_a.overdue_since == late_b.overdue_since == date(2026, 7, 15)
    events = Event.objects.filter(action="rectification.item_overdue")
    assert sorted(e.object_id for e in events) == sorted([str(late_a.pk), str(late_b.pk)])
    recipients = sorted(m.to[0] for m in mail.outbox)
    # the unit's own liaison and the campaign's organizers; not the province, not other units
    assert recipients == [
        "liaison@example.org",
        "organizer@example.org",
        "other_liaison@example.org",
    ]
    organizer_mail = next(m for m in mail.outbox if m.to == ["organizer@example.org"])
    assert "甲县局" in organizer_mail.body and "乙县局" in organizer_mail.body
    liaison_mail = next(m for m in mail.outbox if m.to == ["liaison@example.org"])
    assert "乙县局" not in liaison_mail.body

    # when run again the same day (or by cron as well), nothing is marked or sent twice
    with django_capture_on_commit_callbacks(execute=True):
        assert mark_overdue_items.call() == 0
    assert events.count() == 2 and len(mail.outbox) == 3


def test_the_task_reschedules_itself_for_the_next_morning_once(cast):
    with time_machine.travel("2026-07-15 10:00 +0800", tick=False):
        mark_overdue_items.call()
        mark_overdue_items.call()
    queued = DBTaskResult.objects.filter(task_path=mark_overdue_items.module_path)
    assert queued.count() == 1
    assert queued.get().run_after == datetime(2026, 7, 16, 1, 0, tzinfo=SHANGHAI)


def test_the_next_run_is_at_one_in_the_morning_local_time():
    now = datetime(2026, 12, 31, 23, 30, tzinfo=SHANGHAI)
    assert next_run_at(now) == datetime(2027, 1, 1, 1, 0, tzinfo=SHANGHAI)


@time_machine.travel("2026-07-15 10:00 +0800", tick=False)
def test_the_command_marks_overdue_items_for_cron(cast, open_item, capsys):
    item = open_item(deadline=date(2026, 7, 1))
    call_command("rectification", "mark-overdue")
    call_command("rectification", "mark-overdue")
    item.refresh_from_db()
    assert item.overdue_since == date(2026, 7, 15)
    assert Event.objects.filter(action="rectification.item_overdue").count() == 1
    assert "county-a" in capsys.readouterr().out


def test_the_schedule_command_queues_the_first_run_once(db, capsys, english):
    call_command("rectification", "schedule")
    call_command("rectification", "schedule")
    assert DBTaskResult.objects.filter(task_path=mark_overdue_items.module_path).count() == 1
    assert "already" in capsys.readouterr().out


def test_only_the_system_may_mark_items_overdue(cast, open_item):
    open_item(deadline=date(2020, 1, 1))
    with pytest.raises(PermissionDenied):
        do_mark_overdue_items(acting_user=cast.organizer)
    assert not RectificationItem.objects.filter(overdue_since__isnull=False).exists()


@time_machine.travel("2026-07-15 10:00 +0800", tick=False)
def test_the_overdue_page_lists_what_the_user_sees(cast, open_item, login):
    open_item("county-a", deadline=date(2026, 7, 1), problem="甲县逾期问题")
    open_item("county-b", deadline=date(2026, 7, 1), problem="乙县逾期问题")
    open_item("county-a", deadline=date(2026, 8, 1), problem="甲县未到期问题")
    url = reverse("rectification:overdue", args=["c-2026"])
    page = login(cast.liaison).get(url).content.decode()
    assert "甲县逾期问题" in page and "乙县逾期问题" not in page and "未到期" not in page
    page = login(cast.organizer).get(url).content.decode()
    assert "甲县逾期问题" in page and "乙县逾期问题" in page
