import pytest
import time_machine
from django.urls import reverse

from audit.models import Event
from campaigns.models import TransitionRequest

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_pages_need_a_login(client, cast):
    response = client.get(reverse("campaigns:dashboard", args=["c-2026"]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_logging_in_as_the_organizer_leads_to_the_campaigns(client, cast):
    response = client.post(
        reverse("login"),
        {"username": "organizer", "password": "correct-horse-battery"},
        follow=True,
    )
    page = response.content.decode()
    assert "测试评议活动" in page and "<h1>评议活动</h1>" in page


@time_machine.travel("2026-07-15 10:00 +0800", tick=False)
def test_dashboard_shows_the_timeline_with_today_in_the_current_phase(login, cast):
    response = login(cast.organizer).get(reverse("campaigns:dashboard", args=["c-2026"]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'aria-current="step"' in page
    current_row = page.split('aria-current="step"', 1)[1].split("</li>", 1)[0]
    assert "征求意见阶段" in current_row and "宣传发动阶段" not in current_row
    assert "2026-07-15" in page
    assert "当前阶段" in page  # the UI speaks Chinese
    assert page.count("甲县局") >= 1 and "丙县局" in page


@time_machine.travel("2026-11-22 10:00 +0800", tick=False)
def test_dashboard_marks_today_after_the_last_phase(login, cast):
    page = (
        login(cast.organizer).get(reverse("campaigns:dashboard", args=["c-2026"])).content.decode()
    )
    assert 'aria-current="date"' in page
    assert page.index('aria-current="date"') > page.index("总结表彰阶段")


def test_dashboard_groups_targets_by_peer_group_and_lists_pending_requests(login, cast):
    TransitionRequest.objects.create(
        target=cast.target("county-a"),
        from_stage="mobilize",
        to_stage="consult",
        requested_by=cast.liaison,
        requested_at="2026-07-01T10:00:00+08:00",
    )
    page = (
        login(cast.organizer).get(reverse("campaigns:dashboard", args=["c-2026"])).content.decode()
    )
    assert "县局" in page
    assert (
        reverse("campaigns:approve_transition", args=[TransitionRequest.objects.get().pk]) in page
    )


def test_a_liaison_sees_only_its_own_target_on_the_dashboard(login, cast):
    page = login(cast.liaison).get(reverse("campaigns:dashboard", args=["c-2026"])).content.decode()
    assert "甲县局" in page and "乙县局" not in page


def test_a_county_liaison_cannot_open_another_countys_pages(login, cast):
    # given the liaison of county A
    client = login(cast.liaison)
    events_before = Event.objects.count()
    # then its own pages open, and county B's are forbidden
    assert client.get(reverse("campaigns:target", args=["c-2026", "county-a"])).status_code == 200
    assert client.get(reverse("campaigns:target", args=["c-2026", "county-b"])).status_code == 403
    assert client.get(reverse("orgs:unit", args=["county-b"])).status_code == 403
    assert (
        client.post(
            reverse("campaigns:request_transition", args=["c-2026", "county-b"])
        ).status_code
        == 403
    )
    assert not TransitionRequest.objects.exists()
    assert Event.objects.count() == events_before


def test_someone_without_a_role_cannot_open_the_campaign(login, cast):
    client = login(cast.nobody)
    assert client.get(reverse("campaigns:dashboard", args=["c-2026"])).status_code == 403
    assert "测试评议活动" not in client.get(reverse("campaigns:list")).content.decode()


def test_unknown_campaign_is_404(login, cast):
    assert (
        login(cast.organizer).get(reverse("campaigns:dashboard", args=["nope"])).status_code == 404
    )


def test_the_unit_tree_browser_walks_down_from_the_users_unit(login, cast):
    client = login(cast.organizer)
    tree = client.get(reverse("orgs:tree")).content.decode()
    assert "市局" in tree and "省局" not in tree
    page = client.get(reverse("orgs:unit", args=["city"])).content.decode()
    assert "甲县局" in page and "乙县局" in page
    assert client.get(reverse("orgs:unit", args=["prov"])).status_code == 403


def test_english_is_selectable(client, cast):
    client.force_login(cast.organizer)
    client.post(reverse("set_language"), {"language": "en", "next": "/campaigns/"})
    page = client.get(reverse("campaigns:list")).content.decode()
    assert "Campaigns" in page and "Log out" in page


def test_the_dashboard_costs_the_same_queries_for_one_or_many_pending_requests(login, cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def _request(unit):
        TransitionRequest.objects.create(
            target=cast.target(unit),
            from_stage="mobilize",
            to_stage="consult",
            requested_by=cast.liaison,
            requested_at="2026-07-01T10:00:00+08:00",
        )

    client = login(cast.organizer)
    url = reverse("campaigns:dashboard", args=["c-2026"])
    _request("county-a")
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    _request("county-b")
    _request("county-c")
    with CaptureQueriesContext(connection) as three:
        client.get(url)
    assert len(three.captured_queries) == len(one.captured_queries)
