"""Working-day arithmetic for reply deadlines (限时答复): Monday to Friday, less holidays."""

from datetime import date, timedelta

from django.conf import settings


def holidays() -> frozenset[date]:
    return frozenset(date.fromisoformat(day) for day in settings.PINGYI_HOLIDAYS)


def is_working_day(day: date, off: frozenset[date] | None = None) -> bool:
    off = holidays() if off is None else off
    return day.weekday() < 5 and day not in off


def add_working_days(start: date, days: int, off: frozenset[date] | None = None) -> date:
    """The date `days` working days after `start` (the day of receipt does not count)."""
    off = holidays() if off is None else off
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day, off):
            left -= 1
    return day
