"""Factories for survey tests: an open questionnaire, invitations, open links, answers."""

from datetime import timedelta

from django.utils import timezone

from surveys.invitations import do_create_invitation_batch, do_create_open_link
from surveys.questionnaires import do_save_questionnaire
from surveys.submission import Client

PHONE = Client(ip="203.0.113.7", user_agent="Mozilla/5.0 (iPhone) test")
SHEET = [
    {"key": "attitude", "label": "服务态度", "max": "40"},
    {"key": "efficiency", "label": "办事效率", "max": "30"},
    {"key": "integrity", "label": "廉洁自律", "max": "30"},
]


def open_questionnaire(campaign, *, items=None, **fields):
    """A questionnaire open today (so tests need not freeze time), saved by the operator."""
    today = timezone.localdate()
    values = {
        "opens_on": today - timedelta(days=1),
        "closes_on": today + timedelta(days=30),
        "categories": ["服务对象", "人大代表", "行风监督员"],
        "items": items or [],
        **fields,
    }
    return do_save_questionnaire(campaign, values, acting_user=None)


def invitations(target, size=3, *, category="", acting_user=None):
    """[(card number, token)] of a new batch for the target."""
    return do_create_invitation_batch(
        target.campaign, target, size=size, category=category, acting_user=acting_user
    )[1]


def open_link(target, *, category="", acting_user=None):
    return do_create_open_link(target.campaign, target, category=category, acting_user=acting_user)


def answers(tier="满意", category="服务对象", **more):
    return {"tier": tier, "category": category, **more}
