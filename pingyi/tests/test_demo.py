import pytest
from django.core.management import call_command
from django.urls import reverse

from audit.models import Event
from audit.verify import verify_chain
from campaigns.demo import DEMO_USERS
from campaigns.models import Campaign, Phase, Target, TransitionRequest
from orgs.models import Evaluator, RoleMembership, Unit
from pingyi.demo import load_all as load_demo

pytestmark = pytest.mark.django_db


def _counts():
    return [
        m.objects.count()
        for m in (
            Unit,
            Campaign,
            Target,
            Phase,
            TransitionRequest,
            RoleMembership,
            Evaluator,
            Event,
        )
    ]


def test_the_demo_loads_the_science_bureau_campaign(capsys):
    call_command("demo", "--year", "2026")
    out = capsys.readouterr().out
    assert "organizer" in out and "pingyi-organizer" in out

    campaign = Campaign.objects.get(code="kj-2026")
    targets = campaign.targets.all()
    assert targets.count() == 12
    assert {t.group for t in targets} == {"县(市、区)科技局"}
    phases = campaign.ordered_phases()
    assert [(p.start.isoformat(), p.end.isoformat()) for p in (phases[0], phases[-1])] == [
        ("2026-06-22", "2026-07-10"),
        ("2026-09-16", "2026-09-30"),
    ]
    assert {m.role for m in RoleMembership.objects.all()} == {
        "organizer",
        "leader",
        "tallier",
        "inspector",
        "evaluator",
        "liaison",
    }


def test_loading_the_demo_twice_changes_nothing():
    load_demo(2026)
    first = _counts()
    load_demo(2026)
    assert _counts() == first


def test_the_audit_chain_of_the_demo_verifies():
    load_demo(2026)
    report = verify_chain()
    assert report.ok and report.checked == Event.objects.count() > 20


def test_demo_passwords_work_and_the_organizer_sees_the_dashboard_in_chinese(client):
    load_demo(2026)
    organizer = next(u for u in DEMO_USERS if u.username == "organizer")
    assert client.login(username=organizer.username, password=organizer.password)
    page = client.get(reverse("campaigns:dashboard", args=["kj-2026"])).content.decode()
    assert "2026年全市科技系统民主评议政风行风" in page
    assert "宣传发动和准备阶段" in page and "待审批的转段申请" in page


def test_a_demo_liaison_cannot_open_another_county(client):
    load_demo(2026)
    client.login(username="liaison", password="pingyi-liaison")
    assert (
        client.get(reverse("campaigns:target", args=["kj-2026", "donghu-kjj"])).status_code == 200
    )
    assert client.get(reverse("campaigns:target", args=["kj-2026", "xihu-kjj"])).status_code == 403
