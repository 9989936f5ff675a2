from datetime import date

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.access import CampaignAccess
from campaigns.actions import do_request_transition
from campaigns.models import Target
from orgs.models import Role
from pingyi.testing import make_campaign, make_user, small_spec
from rectification.actions import (
    do_open_rectification_item,
    do_set_report_dues_from_phases,
    do_submit_report,
)
from rectification.models import ReportKind, Source
from rectification.queries import transition_checklist, transition_checklists

pytestmark = pytest.mark.django_db
TODAY = date(2026, 7, 15)


def _campaign_of_ten():
    counties = [f"q-county-{n:02}" for n in range(10)]
    campaign = make_campaign(
        code="q-2026",
        organizer="q-city",
        units=[
            {"code": "q-prov", "name": "省局", "level": "province"},
            {"code": "q-city", "name": "市局", "level": "city", "parent": "q-prov"},
            *[
                {"code": c, "name": f"第{n}县局", "level": "county", "parent": "q-city"}
                for n, c in enumerate(counties)
            ],
        ],
        targets=[{"unit": c, "group": "县局"} for c in counties],
        phases=small_spec()["phases"],
    )
    city = campaign.organizer
    organizer = make_user("q_organizer", role=Role.ORGANIZER, unit=city)
    liaison = make_user("q_liaison", role=Role.LIAISON, unit=city)
    access = CampaignAccess(organizer, campaign)
    do_set_report_dues_from_phases(access, acting_user=organizer)
    targets = list(campaign.targets.select_related("unit").order_by("unit__code"))
    # half of them have already moved on to the consultation phase
    Target.objects.filter(pk__in=[t.pk for t in targets[5:]]).update(stage="consult")
    for n, target in enumerate(targets):
        target.refresh_from_db()
        for deadline in (date(2026, 7, 1), date(2026, 8, 1)):
            do_open_rectification_item(
                access,
                target,
                source=Source.FINDING,
                problem=f"问题{n}",
                deadline=deadline,
                acting_user=organizer,
            )
        if n % 2 == 0:
            kind = (
                ReportKind.IMPLEMENTATION_PLAN
                if target.stage == "mobilize"
                else ReportKind.SELF_INSPECTION
            )
            do_submit_report(
                CampaignAccess(liaison, campaign),
                target,
                kind=kind,
                text="报告",
                acting_user=liaison,
            )
    return access, targets


def _checklists_of_pending(access):
    targets = [r.target for r in access.pending_requests()]
    with CaptureQueriesContext(connection) as queries:
        checklists = transition_checklists(targets, TODAY)
    return len(queries), targets, checklists


@time_machine.travel("2026-07-15 10:00 +0800", tick=False)
def test_the_checklists_of_many_pending_requests_cost_a_constant_number_of_queries(db):
    access, targets = _campaign_of_ten()
    # Requests come from the units themselves; a superuser stands in for each unit here.
    organizer = get_user_model().objects.create_superuser("boss", password="x")
    access = CampaignAccess(organizer, access.campaign)
    do_request_transition(access, targets[0], acting_user=organizer)
    one, pending, checklists = _checklists_of_pending(access)
    assert [t.pk for t in pending] == [targets[0].pk] and set(checklists) == {targets[0].pk}

    for target in targets[1:]:
        do_request_transition(access, target, acting_user=organizer)
    ten, pending, checklists = _checklists_of_pending(access)
    assert len(pending) == 10 and set(checklists) == {t.pk for t in targets}
    assert one == ten == 4  # targets, ledger counts, dues, submissions

    # the same answers as one target at a time
    for target in pending:
        assert checklists[target.pk] == transition_checklist(target, TODAY)
    consulting = checklists[targets[6].pk]
    assert consulting["stage"] == "consult"
    assert [r["kind"] for r in consulting["reports"]] == [ReportKind.SELF_INSPECTION]
    assert consulting["reports"][0]["state"] == "on_time"
    assert (consulting["open_items"], consulting["overdue_items"]) == (2, 1)
    assert checklists[targets[1].pk]["reports"][0]["state"] == "missing"


def test_no_targets_need_no_queries(db):
    with CaptureQueriesContext(connection) as queries:
        assert transition_checklists([], TODAY) == {}
    assert len(queries) == 0
