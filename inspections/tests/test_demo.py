import pytest
import time_machine
from django.contrib.auth import get_user_model

from audit.models import Event
from campaigns.access import CampaignAccess
from campaigns.demo import load_demo as load_campaign_demo
from inspections.demo import load_demo
from inspections.models import (
    AnswerVerdict,
    Finding,
    FindingEvidence,
    Hearing,
    HearingQuestion,
    Inspection,
    QuestionAnswer,
    QuestionState,
)
from inspections.queries import overdue_questions
from orgs.models import EvaluatorStatus
from rectification.models import RectificationItem

pytestmark = pytest.mark.django_db


def _counts():
    models = (
        Inspection,
        Finding,
        FindingEvidence,
        Hearing,
        HearingQuestion,
        QuestionAnswer,
        AnswerVerdict,
        RectificationItem,
        Event,
    )
    return [m.objects.count() for m in models]


def _demo():
    load_campaign_demo(2026)
    users = {u.username: u for u in get_user_model().objects.all()}
    from campaigns.models import Campaign

    return Campaign.objects.get(code="kj-2026"), users


@time_machine.travel("2026-11-02 09:00 +0800", tick=False)
def test_the_demo_loads_once_and_a_second_call_changes_nothing():
    campaign, users = _demo()
    load_demo(campaign, users)
    first = _counts()
    load_demo(campaign, users)
    assert _counts() == first

    inspection = Inspection.objects.get()
    assert inspection.kind == "covert" and inspection.target.unit.code == "donghu-kjj"
    findings = list(inspection.findings.all())
    assert len(findings) == 2 and all(f.rectification_item for f in findings)
    assert "窗口工作人员上班时间玩手机" in findings[0].description

    hearing = Hearing.objects.get()
    assert all(e.status == EvaluatorStatus.ACTIVE for e in hearing.evaluators.all())
    states = {q.target.unit.code: q.state() for q in HearingQuestion.objects.all()}
    assert states == {
        "xihu-kjj": QuestionState.SATISFIED,
        "donghu-kjj": QuestionState.AWAITING_ANSWER,
    }

    liaison = CampaignAccess(users["liaison"], campaign)
    assert [q.target.unit.code for q in overdue_questions(liaison)] == ["donghu-kjj"]
    assert list(overdue_questions(CampaignAccess(users["liaison2"], campaign))) == []


@time_machine.travel("2026-03-01 09:00 +0800", tick=False)
def test_the_demo_records_nothing_dated_after_today():
    campaign, users = _demo()
    load_demo(campaign, users)
    assert Inspection.objects.count() == 0 and Hearing.objects.count() == 0
