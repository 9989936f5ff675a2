"""Shared set-up for the inspections tests: a recorded covert inspection and a hearing."""

from datetime import date

import pytest

from campaigns.access import CampaignAccess
from inspections.actions import (
    do_ask_question,
    do_record_finding,
    do_record_hearing,
    do_record_inspection,
)
from inspections.models import InspectionKind, Severity
from orgs.access import OPERATOR
from orgs.actions import do_add_evaluator
from orgs.models import EvaluatorCategory

VISIT = date(2026, 7, 10)
HEARING_DAY = date(2026, 8, 5)
REPLY_DUE = date(2026, 8, 19)


def as_(cast, user) -> CampaignAccess:
    return CampaignAccess(user, cast.campaign)


def record_inspection(cast, *, unit="county-a", kind=InspectionKind.COVERT, user=None):
    user = user or cast.inspector
    return do_record_inspection(
        as_(cast, user),
        cast.target(unit),
        kind=kind,
        date=VISIT,
        place="甲县政务服务中心",
        inspectors=[cast.inspector],
        summary="以办事群众身份观察窗口服务。",
        acting_user=user,
    )


def record_finding(cast, inspection, *, description="窗口工作人员上班时间玩手机", **kwargs):
    values = {"severity": Severity.MODERATE, "deadline": date(2026, 7, 31), **kwargs}
    return do_record_finding(
        as_(cast, cast.inspector),
        inspection,
        description=description,
        acting_user=cast.inspector,
        **values,
    )


@pytest.fixture
def inspection(cast):
    return record_inspection(cast)


@pytest.fixture
def second_evaluator(cast):
    """A roster member with no account of their own."""
    return do_add_evaluator(
        unit=cast.units["city"],
        name="王芳",
        category=EvaluatorCategory.CONDUCT_SUPERVISOR,
        term_start=date(2026, 1, 1),
        term_end=date(2027, 12, 31),
        acting_user=OPERATOR,
    )


@pytest.fixture
def hearing(cast, second_evaluator):
    return do_record_hearing(
        as_(cast, cast.organizer),
        title="面对面评议会",
        date=HEARING_DAY,
        place="市局会议室",
        targets=[cast.target("county-a"), cast.target("county-b")],
        evaluators=[cast.evaluator_entry, second_evaluator],
        acting_user=cast.organizer,
    )


def ask(cast, hearing, *, unit="county-a", asked_by=None, on_site_answer="", reply_due=REPLY_DUE):
    return do_ask_question(
        as_(cast, cast.organizer),
        hearing,
        target=cast.target(unit),
        asked_by=asked_by or cast.evaluator_entry,
        text="补贴资金为什么拨付滞后？",
        reply_due=None if on_site_answer else reply_due,
        on_site_answer=on_site_answer,
        acting_user=cast.organizer,
    )
