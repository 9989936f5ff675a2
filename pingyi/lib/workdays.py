"""Working-day arithmetic for reply deadlines (限时答复).

Monday to Friday, less public holidays, plus the weekend days the State
Council's holiday notice makes working days (调休上班).
"""

from datetime import date, timedelta

from django.conf import settings


def _dates(values) -> frozenset[date]:
    return frozenset(date.fromisoformat(day) for day in values)


def holidays() -> frozenset[date]:
    return _dates(settings.PINGYI_HOLIDAYS)


def extra_workdays() -> frozenset[date]:
    return _dates(settings.PINGYI_EXTRA_WORKDAYS)


def is_working_day(
    day: date, off: frozenset[date] | None = None, on: frozenset[date] | None = None
) -> bool:
    off = holidays() if off is None else off
    on = extra_workdays() if on is None else on
    return day in on or (day.weekday() < 5 and day not in off)


def add_working_days(
    start: date, days: int, off: frozenset[date] | None = None, on: frozenset[date] | None = None
) -> date:
    """The date `days` working days after `start` (the day of receipt does not count)."""
    off = holidays() if off is None else off
    on = extra_workdays() if on is None else on
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day, off, on):
            left -= 1
    return day
