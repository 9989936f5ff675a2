"""The whole demo: the campaign of campaigns.demo, then each casework app's data on it."""

from django.db import transaction

from campaigns.demo import DEMO_USERS, DemoUser
from campaigns.demo import load_demo as load_campaign_demo
from complaints.demo import load_demo as load_complaints_demo
from inspections.demo import load_demo as load_inspections_demo
from orgs.access import OPERATOR
from rectification.actions import do_mark_overdue_items
from rectification.demo import load_demo as load_rectification_demo
from scoring.demo import load_demo as load_scoring_demo
from surveys.demo import load_demo as load_surveys_demo


def load_all(year: int | None = None) -> tuple[list[DemoUser], list[tuple[str, str]]]:
    """Idempotent: a second run changes nothing but resets the demo passwords.

    Returns the demo logins and, on the first load only, a few unused
    invitation tokens (target name, token) to try the public survey with.
    """
    with transaction.atomic():
        campaign, users = load_campaign_demo(year)
        load_rectification_demo(campaign, users)
        load_inspections_demo(campaign, users)
        load_complaints_demo(campaign, users)
        # Before the tally, so the published run counts the web and paper answers too.
        tokens = load_surveys_demo(campaign, users)
        load_scoring_demo(campaign, users)
        # Last: it marks what every app's demo left overdue, once.
        do_mark_overdue_items(acting_user=OPERATOR)
    return DEMO_USERS, tokens
