import pytest
import time_machine

from audit.models import Event
from audit.verify import verify_chain
from campaigns.access import CampaignAccess
from campaigns.demo import DEMO_USERS
from campaigns.demo import load_demo as load_campaign_demo
from campaigns.models import Campaign
from orgs.models import RoleMembership, User
from rectification.demo import MISSING_COUNTY, load_demo
from rectification.models import (
    Evidence,
    ItemStatus,
    ProgressNote,
    RectificationItem,
    ReportDue,
    ReportKind,
    ReportSubmission,
    Verification,
)
from rectification.queries import overdue_count

pytestmark = pytest.mark.django_db
MODELS = (
    RectificationItem,
    ProgressNote,
    Evidence,
    Verification,
    ReportDue,
    ReportSubmission,
    RoleMembership,
    User,
    Event,
)


def _counts():
    return [m.objects.count() for m in MODELS]


@pytest.mark.parametrize("today", ["2026-06-01 09:00 +0800", "2026-11-22 09:00 +0800"])
def test_the_demo_ledger_and_reports_load_once(today):
    with time_machine.travel(today, tick=False):
        load_campaign_demo(2026)
        campaign = Campaign.objects.get(code="kj-2026")
        users = {d.username: User.objects.get(username=d.username) for d in DEMO_USERS}
        load_demo(campaign, users)
        first = _counts()
        load_demo(campaign, users)
        assert _counts() == first

        assert overdue_count(CampaignAccess(users["organizer"], campaign)) >= 3
    items = RectificationItem.objects.filter(target__campaign=campaign)
    assert set(items.values_list("status", flat=True)) == set(ItemStatus.values)
    assert items.filter(verified_at__isnull=False).count() >= 2
    assert Verification.objects.filter(accepted=False).exists()
    assert items.values("target").distinct().count() >= 5
    assert ReportDue.objects.filter(target__campaign=campaign).count() == 12 * 5
    plans = ReportSubmission.objects.filter(due__kind=ReportKind.IMPLEMENTATION_PLAN)
    assert plans.count() == 11
    assert not plans.filter(due__target__unit__code=MISSING_COUNTY).exists()
    submissions = ReportSubmission.objects.all()
    assert submissions.filter(late=True).exists() and submissions.filter(late=False).exists()
    assert verify_chain().ok
