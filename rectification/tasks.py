"""The daily overdue check as a background task (django-tasks; workers run `pingyi db_worker`).

`pingyi rectification schedule` enqueues the first run; each run enqueues the
next one for 01:00 the following day. `pingyi rectification mark-overdue` does
the same work synchronously, for deployments that prefer cron.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone
from django_tasks import task

from orgs.access import OPERATOR
from rectification.actions import do_mark_overdue_items

RUN_AT = time(1, 0)  # local time, before anyone starts work


@task()
def mark_overdue_items() -> int:
    """Mark newly overdue items and notify; always schedule tomorrow's run, even after a failure."""
    try:
        return len(do_mark_overdue_items(acting_user=OPERATOR))
    finally:
        schedule_next_run()


def next_run_at(now: datetime | None = None) -> datetime:
    now = timezone.localtime(now or timezone.now())
    tomorrow = now.date() + timedelta(days=1)
    return datetime.combine(tomorrow, RUN_AT, tzinfo=now.tzinfo)


def already_scheduled() -> bool:
    """A run waiting in the database queue; other backends cannot tell, so they say no."""
    try:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the project depends on django-tasks-db
        return False
    if not isinstance(mark_overdue_items.get_backend(), DatabaseBackend):
        return False
    return DBTaskResult.objects.filter(
        task_path=mark_overdue_items.module_path, status="READY"
    ).exists()


def schedule_next_run(run_after: datetime | None = None) -> bool:
    """Enqueue the next run unless one is already waiting; True if one was enqueued."""
    if already_scheduled():
        return False
    mark_overdue_items.using(run_after=run_after or next_run_at()).enqueue()
    return True


def schedule_first_run() -> bool:
    """Run as soon as a worker is free; that run schedules the following ones."""
    if already_scheduled():
        return False
    mark_overdue_items.enqueue()
    return True
