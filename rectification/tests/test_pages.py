from datetime import date

import pytest
import time_machine
from django.urls import reverse

from rectification.actions import do_mark_rectification_done
from rectification.models import ItemStatus, RectificationItem, Source
from rectification.tests.conftest import access_of

pytestmark = pytest.mark.django_db


def _ledger(client, **params):
    return client.get(reverse("rectification:ledger", args=["c-2026"]), params).content.decode()


@time_machine.travel("2026-07-15 10:00 +0800", tick=False)
def test_the_organizer_sees_every_unit_and_filters_the_ledger(cast, open_item, login):
    open_item("county-a", problem="甲县逾期问题", deadline=date(2026, 7, 1))
    open_item("county-b", problem="乙县未到期问题")
    client = login(cast.organizer)
    page = _ledger(client)
    assert "甲县逾期问题" in page and "乙县未到期问题" in page
    assert reverse("rectification:export_subtree", args=["c-2026", "city"]) in page
    page = _ledger(client, target="county-b")
    assert "甲县逾期问题" not in page and "乙县未到期问题" in page
    page = _ledger(client, overdue="on")
    assert "甲县逾期问题" in page and "乙县未到期问题" not in page
    page = _ledger(client, status="done")
    assert "甲县逾期问题" not in page and "乙县未到期问题" not in page


def test_a_liaison_sees_only_its_own_ledger(cast, open_item, login):
    open_item("county-a", problem="甲县的问题")
    open_item("county-b", problem="乙县的问题")
    page = _ledger(login(cast.liaison))
    assert "甲县的问题" in page and "乙县的问题" not in page
    assert reverse("rectification:export_target", args=["c-2026", "county-a"]) in page
    # filtering by another county shows nothing of it
    assert "乙县的问题" not in _ledger(login(cast.liaison), target="county-b")
    response = login(cast.nobody).get(reverse("rectification:ledger", args=["c-2026"]))
    assert response.status_code == 403


def test_the_pager_keeps_the_filters(cast, open_item, login):
    for n in range(26):
        open_item("county-a", problem=f"问题{n}")
    page = _ledger(login(cast.organizer), target="county-a")
    assert "?target=county-a&amp;page=2" in page or "?target=county-a&page=2" in page


def test_a_liaison_adds_a_self_inspection_item_on_the_page(cast, login):
    client = login(cast.liaison)
    url = reverse("rectification:item_new", args=["c-2026"])
    form = client.get(url).content.decode()
    assert 'value="self_inspection"' in form and 'value="finding"' not in form
    assert 'value="county-b"' not in form
    response = client.post(
        url,
        {
            "target": "county-a",
            "source": "self_inspection",
            "problem": "专家库信息过期",
            "deadline": "2026-09-01",
        },
    )
    item = RectificationItem.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "rectification:item", args=[item.pk]
    )
    assert (item.source, item.created_by) == (Source.SELF_INSPECTION, cast.liaison)
    # a finding cannot be slipped in
    client.post(
        url, {"target": "county-a", "source": "finding", "problem": "x", "deadline": "2026-09-01"}
    )
    assert RectificationItem.objects.count() == 1


def test_the_organizer_adds_an_item_from_any_source(cast, login):
    client = login(cast.organizer)
    url = reverse("rectification:item_new", args=["c-2026"])
    assert 'value="superior_feedback"' in client.get(url).content.decode()
    page = client.post(
        url, {"target": "county-b", "source": "finding", "problem": " ", "deadline": "2026-09-01"}
    ).content.decode()
    assert not RectificationItem.objects.exists() and 'class="errorlist' in page
    client.post(
        url,
        {
            "target": "county-b",
            "source": "finding",
            "problem": "档案不全",
            "deadline": "2026-09-01",
        },
    )
    assert RectificationItem.objects.get().target == cast.target("county-b")


def test_an_item_is_worked_through_its_pages(cast, open_item, login):
    item = open_item()
    liaison = login(cast.liaison)
    detail = liaison.get(reverse("rectification:item", args=[item.pk])).content.decode()
    assert reverse("rectification:item_start", args=[item.pk]) in detail
    assert reverse("rectification:item_verify", args=[item.pk]) not in detail

    liaison.post(
        reverse("rectification:item_update_plan", args=[item.pk]),
        {"plan": "实行午间轮班", "responsible_person": "张伟", "goal": "不断档"},
    )
    liaison.post(reverse("rectification:item_start", args=[item.pk]))
    liaison.post(reverse("rectification:item_add_note", args=[item.pk]), {"text": "排班表已拟定"})
    liaison.post(reverse("rectification:item_mark_done", args=[item.pk]), {"note": "已执行"})
    item.refresh_from_db()
    assert (item.status, item.plan, item.responsible_person) == ("done", "实行午间轮班", "张伟")
    assert [n.text for n in item.notes.all()] == ["排班表已拟定", "已执行"]

    organizer = login(cast.organizer)
    detail = organizer.get(reverse("rectification:item", args=[item.pk])).content.decode()
    assert reverse("rectification:item_verify", args=[item.pk]) in detail
    organizer.post(reverse("rectification:item_reject", args=[item.pk]), {"note": "回访未落实"})
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS
    detail = organizer.get(reverse("rectification:item", args=[item.pk])).content.decode()
    assert "回访未落实" in detail


def test_the_verify_form_is_not_shown_to_the_units_liaison(cast, open_item, login):
    item = open_item()
    do_mark_rectification_done(access_of(cast, cast.liaison), item, acting_user=cast.liaison)
    detail = login(cast.liaison).get(reverse("rectification:item", args=[item.pk])).content.decode()
    assert reverse("rectification:item_verify", args=[item.pk]) not in detail
    assert reverse("rectification:item_mark_done", args=[item.pk]) not in detail


def test_the_reports_overview_lets_organizers_set_dues(cast, login):
    client = login(cast.organizer)
    page = client.get(reverse("rectification:reports", args=["c-2026"])).content.decode()
    assert reverse("rectification:set_due", args=["c-2026"]) in page
    assert reverse("rectification:unit_reports", args=["c-2026", "city"]) in page
    client.post(reverse("rectification:set_dues_from_phases", args=["c-2026"]))
    page = client.get(reverse("rectification:reports", args=["c-2026"])).content.decode()
    assert "2026-07-10" in page and "2026-09-30" in page
    liaison_page = (
        login(cast.liaison).get(reverse("rectification:reports", args=["c-2026"])).content.decode()
    )
    assert reverse("rectification:set_due", args=["c-2026"]) not in liaison_page
    assert "乙县局" not in liaison_page


def test_the_organizer_filtering_by_a_target_gets_its_ledger_export(cast, open_item, login):
    open_item("county-b", problem="乙县的问题")
    client = login(cast.organizer)
    export = reverse("rectification:export_target", args=["c-2026", "county-b"])
    assert export not in _ledger(client)
    assert export in _ledger(client, target="county-b")
