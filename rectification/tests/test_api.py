from datetime import date

import pytest
import time_machine

from rectification.actions import do_add_progress_note, do_start_rectification_item
from rectification.tests.conftest import access_of

pytestmark = pytest.mark.django_db


def test_the_ledger_api_needs_a_login(client, cast):
    assert client.get("/api/v1/rectification/c-2026/items").status_code == 401


@time_machine.travel("2026-07-15 10:00 +0800", tick=False)
def test_the_organizer_reads_every_item_and_filters(cast, open_item, login):
    a = open_item("county-a", deadline=date(2026, 7, 1))
    open_item("county-b")
    do_start_rectification_item(access_of(cast, cast.liaison), a, acting_user=cast.liaison)
    client = login(cast.organizer)
    listing = client.get("/api/v1/rectification/c-2026/items").json()
    assert listing["count"] == 2
    assert {i["target"] for i in listing["items"]} == {"county-a", "county-b"}
    overdue = client.get("/api/v1/rectification/c-2026/items?overdue=true").json()
    assert [i["id"] for i in overdue["items"]] == [a.pk] and overdue["items"][0]["overdue"] is True
    by_status = client.get("/api/v1/rectification/c-2026/items?status=in_progress").json()
    assert [i["id"] for i in by_status["items"]] == [a.pk]
    by_target = client.get("/api/v1/rectification/c-2026/items?target=county-b").json()
    assert [i["target"] for i in by_target["items"]] == ["county-b"]
    assert client.get("/api/v1/rectification/c-2026/items?status=bogus").status_code == 422


def test_a_liaison_reads_only_its_own_items(cast, open_item, login):
    mine = open_item("county-a")
    theirs = open_item("county-b")
    do_add_progress_note(
        access_of(cast, cast.liaison), mine, text="已开始", acting_user=cast.liaison
    )
    client = login(cast.liaison)
    listing = client.get("/api/v1/rectification/c-2026/items").json()
    assert [i["id"] for i in listing["items"]] == [mine.pk]
    detail = client.get(f"/api/v1/rectification/items/{mine.pk}").json()
    assert detail["notes"][0]["text"] == "已开始" and detail["notes"][0]["author"] == "liaison"
    assert detail["evidence"] == [] and detail["verifications"] == []
    assert client.get(f"/api/v1/rectification/items/{theirs.pk}").status_code == 403
    assert client.get("/api/v1/rectification/items/999999").status_code == 404
    assert login(cast.nobody).get("/api/v1/rectification/c-2026/items").status_code == 403


def test_the_api_lists_evidence_metadata_without_file_names(cast, open_item, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rectification.actions import do_add_evidence

    item = open_item()
    do_add_evidence(
        access_of(cast, cast.liaison),
        item,
        upload=SimpleUploadedFile("张三.txt", "值班表".encode()),
        description="值班表",
        acting_user=cast.liaison,
    )
    detail = login(cast.organizer).get(f"/api/v1/rectification/items/{item.pk}").json()
    [evidence] = detail["evidence"]
    assert evidence["content_type"] == "text/plain" and evidence["description"] == "值班表"
    assert evidence["url"] == f"/rectification/evidence/{evidence['id']}/"
    assert "张三" not in str(detail)
