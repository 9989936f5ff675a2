"""Paper pages: batches with counts, forms with statuses, independent keying, resolution."""

import pytest
from django.urls import reverse

from audit.models import Event
from orgs.models import Role
from pingyi.testing import make_user
from surveys.models import PaperBatch, PaperEntry, PaperForm, Response
from surveys.paper import do_create_paper_batch, do_enter_paper_form
from surveys.tests.factories import SHEET, answers, open_questionnaire

SHEET_ANSWERS = {"item_attitude": "35", "item_efficiency": "25", "item_integrity": "28"}


@pytest.fixture
def batch(cast):
    open_questionnaire(cast.campaign, items=SHEET)
    return do_create_paper_batch(
        cast.campaign, cast.target("county-a"), size=3, acting_user=cast.organizer
    )


def form_no(batch, serial):
    return PaperForm.objects.select_related("batch__campaign", "batch__target").get(
        batch=batch, serial=serial
    )


def url(name, *args, code="c-2026"):
    return reverse(f"surveys:{name}", args=[code, *args])


def test_the_batch_list_shows_counts_only(cast, batch, login, english):
    form = form_no(batch, 1)
    do_enter_paper_form(form, answers(tier="不满意", **SHEET_ANSWERS), acting_user=cast.organizer)
    do_enter_paper_form(form, answers(tier="不满意", **SHEET_ANSWERS), acting_user=cast.tallier)

    page = login(cast.tallier).get(url("paper"))

    body = page.content.decode()
    assert page.status_code == 200
    assert "P1" in body and "甲县局" in body
    assert "不满意" not in body
    assert page.context["progress"][0]["reconciled"] == 1
    assert page.context["batch_form"] is None  # only organizers create batches


def test_an_organizer_creates_a_batch_from_the_page(cast, login, english):
    open_questionnaire(cast.campaign)
    client = login(cast.organizer)

    page = client.post(
        url("paper_create"),
        {"target": "county-b", "size": "20", "category": "服务对象", "label": "大厅"},
    )

    batch = PaperBatch.objects.get()
    assert page.status_code == 302 and page.url == url("paper_batch", 1)
    assert (batch.target.unit.code, batch.size, batch.category) == ("county-b", 20, "服务对象")
    assert batch.forms.count() == 20


def test_a_bad_batch_is_refused_with_a_message(cast, login, english):
    client = login(cast.organizer)
    open_questionnaire(cast.campaign)

    page = client.post(url("paper_create"), {"target": "county-b", "size": "0"})

    assert page.status_code == 400
    assert "Ensure this value is greater than or equal to 1." in page.content.decode()
    assert not PaperBatch.objects.exists()


def test_the_batch_page_lists_statuses_and_the_next_form_to_key(cast, batch, login, english):
    do_enter_paper_form(form_no(batch, 1), answers(**SHEET_ANSWERS), acting_user=cast.organizer)

    as_organizer = login(cast.organizer).get(url("paper_batch", 1)).content.decode()
    as_tallier = login(cast.tallier).get(url("paper_batch", 1)).content.decode()

    assert "Awaiting second entry" in as_organizer and "Awaiting first entry" in as_organizer
    assert url("paper_form", 1, 2) in as_organizer  # the organizer keyed no. 1 already
    assert "Key the next form (no. 2)" in as_organizer
    assert "Key the next form (no. 1)" in as_tallier


def test_the_batch_page_is_paginated_by_fifty(cast, login, english):
    open_questionnaire(cast.campaign)
    do_create_paper_batch(
        cast.campaign, cast.target("county-a"), size=120, acting_user=cast.organizer
    )
    client = login(cast.organizer)
    first = client.get(url("paper_batch", 1))
    third = client.get(url("paper_batch", 1) + "?page=3")
    assert len(first.context["page"].object_list) == 50
    assert [f.serial for f in third.context["page"].object_list] == list(range(101, 121))


def test_two_people_key_a_form_and_it_counts(cast, batch, login, english):
    data = answers(**SHEET_ANSWERS, problems="办事慢")

    first = login(cast.organizer).post(url("paper_form", 1, 1), data)
    second = login(cast.tallier).post(url("paper_form", 1, 1), data)

    assert first.status_code == 302 and first.url == url("paper_form", 1, 2)
    assert second.status_code == 302
    response = Response.objects.get()
    assert (response.channel, response.problems) == ("paper", "办事慢")


def test_the_second_keyer_does_not_see_the_first_entry(cast, batch, login, english):
    do_enter_paper_form(
        form_no(batch, 1),
        answers(tier="基本满意", **SHEET_ANSWERS, problems="窗口人员态度冷淡"),
        acting_user=cast.organizer,
    )

    page = login(cast.tallier).get(url("paper_form", 1, 1))

    body = page.content.decode()
    assert page.status_code == 200
    assert "Save this entry" in body
    assert "窗口人员态度冷淡" not in body
    assert 'value="35"' not in body
    assert "checked" not in body


def test_the_first_keyer_sees_no_form_again(cast, batch, login, english):
    do_enter_paper_form(form_no(batch, 1), answers(**SHEET_ANSWERS), acting_user=cast.organizer)

    client = login(cast.organizer)
    page = client.get(url("paper_form", 1, 1))
    again = client.post(url("paper_form", 1, 1), answers(**SHEET_ANSWERS), follow=True)

    assert "You keyed this form on" in page.content.decode()
    assert "Save this entry" not in page.content.decode()
    assert "different person must key it again" in again.content.decode()
    assert PaperEntry.objects.count() == 1


def test_bad_keying_shows_the_messages_and_keeps_the_values(cast, batch, login, english):
    bad = answers(tier="", **{**SHEET_ANSWERS, "item_attitude": "41"}, problems="排队")

    page = login(cast.organizer).post(url("paper_form", 1, 1), bad)

    body = page.content.decode()
    assert page.status_code == 400
    assert "Please choose an overall rating." in body
    assert "takes a score from 0 to 40." in body
    assert 'value="41"' in body and "排队" in body
    assert not PaperEntry.objects.exists()


def test_a_third_person_sees_the_differences_and_resolves_them(cast, batch, login, english):
    third = make_user("third_keyer", role=Role.ORGANIZER, unit=cast.units["city"])
    form = form_no(batch, 1)
    do_enter_paper_form(
        form, answers(tier="满意", **SHEET_ANSWERS, problems="同"), acting_user=cast.organizer
    )
    do_enter_paper_form(
        form,
        answers(tier="优秀", **{**SHEET_ANSWERS, "item_efficiency": "5"}, problems="同"),
        acting_user=cast.tallier,
    )
    client = login(third)

    page = client.get(url("paper_form", 1, 1))

    body = page.content.decode()
    differences = page.context["differences"]
    assert [d[0] for d in differences] == ["tier", "item_efficiency"]
    assert [(d[2], d[3]) for d in differences] == [("满意", "优秀"), ("25", "5")]
    assert "办事效率" in body and "Save the resolution" in body
    # the fields both entries agree on are filled in; the differing ones are left to read
    assert page.context["values"]["item_attitude"] == "35"
    assert "tier" not in page.context["values"]

    done = client.post(
        url("paper_resolve", 1, 1), answers(tier="满意", **SHEET_ANSWERS, problems="同")
    )

    assert done.status_code == 302
    assert Response.objects.get().tier == "满意"
    assert Event.objects.filter(action="surveys.paper_form_resolved").count() == 1
    after = login(cast.organizer).get(url("paper_form", 1, 1)).content.decode()
    assert "reconciled and counts" in after


def test_a_keyer_sees_no_values_of_a_mismatched_form(cast, batch, login, english):
    form = form_no(batch, 1)
    do_enter_paper_form(form, answers(tier="满意", **SHEET_ANSWERS), acting_user=cast.organizer)
    do_enter_paper_form(form, answers(tier="优秀", **SHEET_ANSWERS), acting_user=cast.tallier)
    client = login(cast.tallier)

    page = client.get(url("paper_form", 1, 1))
    refused = client.post(url("paper_resolve", 1, 1), answers(tier="优秀", **SHEET_ANSWERS))

    assert "优秀" not in page.content.decode() and "满意" not in page.content.decode()
    assert refused.status_code == 302
    assert not Response.objects.exists()


@pytest.mark.parametrize("who", ["liaison", "other_liaison", "leader", "nobody"])
def test_others_are_refused_and_nothing_changes(cast, batch, login, who):
    client = login(getattr(cast, who))
    pages = [url("paper"), url("paper_batch", 1), url("paper_form", 1, 1)]
    posts = [
        (url("paper_create"), {"target": "county-a", "size": "5"}),
        (url("paper_form", 1, 1), answers(**SHEET_ANSWERS)),
        (url("paper_resolve", 1, 1), answers(**SHEET_ANSWERS)),
    ]
    events = Event.objects.count()

    statuses = [client.get(p).status_code for p in pages]
    statuses += [client.post(p, data).status_code for p, data in posts]

    assert statuses == [403] * 6
    assert PaperBatch.objects.count() == 1
    assert not PaperEntry.objects.exists()
    assert not Response.objects.exists()
    assert Event.objects.count() == events


def test_an_unknown_batch_or_form_is_not_found(cast, batch, login):
    client = login(cast.organizer)
    assert client.get(url("paper_batch", 9)).status_code == 404
    assert client.get(url("paper_form", 1, 4)).status_code == 404
