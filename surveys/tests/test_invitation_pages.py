import csv
import io
import zipfile

import pytest
from django.urls import reverse

from audit.models import Event
from surveys.invitations import do_create_invitation_batch
from surveys.models import Invitation, InvitationBatch, OpenLink
from surveys.submission import do_submit_by_token
from surveys.tests.factories import PHONE, answers, invitations, open_link, open_questionnaire
from surveys.tokens import token_hash


def batches_url(cast):
    return reverse("surveys:invitations", args=[cast.campaign.code])


def links_url(cast):
    return reverse("surveys:open_links", args=[cast.campaign.code])


def batch_form(cast, **fields):
    return {"target": cast.target("county-a").pk, "category": "", "size": "3", **fields}


def state():
    """Everything these pages could write."""
    return (
        InvitationBatch.objects.count(),
        Invitation.objects.count(),
        list(OpenLink.objects.values_list("slug", "closed_at")),
        Event.objects.count(),
    )


def test_an_organizer_creates_a_batch_and_downloads_its_csv_and_cards_once(cast, login):
    open_questionnaire(cast.campaign)
    client = login(cast.organizer)
    response = client.post(batches_url(cast), batch_form(cast, category="人大代表", label="两会"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="batch-1.zip"'
    assert response["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["batch-1-cards.pdf", "batch-1.csv"]
    assert archive.read("batch-1-cards.pdf").startswith(b"%PDF")
    rows = list(csv.DictReader(io.StringIO(archive.read("batch-1.csv").decode("utf-8-sig"))))
    assert len(rows) == 3
    assert all(r["link"].startswith("http://testserver/s/") for r in rows)
    assert {r["category"] for r in rows} == {"人大代表"}

    batch = InvitationBatch.objects.get()
    assert (batch.target, batch.category, batch.size, batch.label) == (
        cast.target("county-a"),
        "人大代表",
        3,
        "两会",
    )
    # the database keeps only the hashes: no raw token in any column of the table
    tokens = [r["link"].rstrip("/").rsplit("/", 1)[1] for r in rows]
    stored = list(Invitation.objects.values_list("batch_id", "serial", "token_hash", "used"))
    assert {h for _, _, h, _ in stored} == {token_hash(t) for t in tokens}
    dumped = repr(stored)
    assert not any(token in dumped for token in tokens)
    event = Event.objects.get(action="surveys.invitations_created")
    assert event.actor == cast.organizer
    assert event.data["size"] == 3
    assert not any(token in repr(event.data) for token in tokens)


def test_the_page_lists_batches_with_used_count_and_response_rate(cast, login):
    open_questionnaire(cast.campaign)
    tokens = invitations(cast.target("county-b"), 4, acting_user=cast.organizer)
    do_submit_by_token(tokens[0][1], answers(), client=PHONE)

    page = login(cast.organizer).get(batches_url(cast))

    assert page.status_code == 200
    row = page.context["page"][0]
    assert (row.number, row.size, row.used) == (1, 4, 1)
    html = page.content.decode()
    assert "乙县局" in html
    assert "25%" in html
    assert tokens[0][1] not in html


@pytest.mark.parametrize("persona", ["liaison", "tallier", "leader", "nobody"])
def test_only_organizers_see_or_create_batches(cast, login, persona):
    invitations(cast.target("county-a"), 2, acting_user=cast.organizer)
    before = state()
    client = login(getattr(cast, persona))

    assert client.get(batches_url(cast)).status_code == 403
    assert client.post(batches_url(cast), batch_form(cast)).status_code == 403

    assert state() == before


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in(cast, client):
    before = state()
    response = client.post(batches_url(cast), batch_form(cast))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    assert state() == before


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"size": "0"}, "size", "greater than or equal to 1"),
        ({"size": "abc"}, "size", "whole number"),
        ({"size": "1001"}, "size", "less than or equal to 1000"),
        ({"category": "路人"}, "category", "Select a valid choice"),
        ({"target": "999999"}, "target", "Select a valid choice"),
    ],
)
def test_bad_input_re_renders_the_form_with_a_message_and_creates_nothing(
    cast, login, english, fields, field, message
):
    open_questionnaire(cast.campaign)
    before = state()

    page = login(cast.organizer).post(batches_url(cast), batch_form(cast, **fields))

    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    assert message in " ".join(page.context["form"].errors[field])
    assert message in page.content.decode()
    assert state() == before


def test_a_target_of_another_campaign_is_refused(cast, login, english):
    from pingyi.testing import make_campaign

    other = make_campaign(code="c-2027", year=2027)
    before = state()
    foreign = other.targets.get(unit__code="county-a").pk
    page = login(cast.organizer).post(batches_url(cast), batch_form(cast, target=foreign))
    assert "Select a valid choice" in page.content.decode()
    assert state() == before


def test_batches_are_listed_25_to_a_page_newest_first(cast, login):
    for _ in range(27):
        do_create_invitation_batch(
            cast.campaign, cast.target("county-a"), size=1, acting_user=cast.organizer
        )
    client = login(cast.organizer)

    first = client.get(batches_url(cast))
    second = client.get(batches_url(cast), {"page": 2})

    assert [b.number for b in first.context["page"]] == list(range(27, 2, -1))
    assert [b.number for b in second.context["page"]] == [2, 1]
    assert "?page=2" in first.content.decode()


def test_an_organizer_creates_an_open_link_and_sees_it_listed(cast, login):
    open_questionnaire(cast.campaign)
    client = login(cast.organizer)
    form = {"target": cast.target("county-b").pk, "category": "服务对象", "label": "北门大厅"}

    response = client.post(links_url(cast), form)

    assert response.status_code == 302
    link = OpenLink.objects.get()
    assert (link.target, link.category, link.label) == (
        cast.target("county-b"),
        "服务对象",
        "北门大厅",
    )
    assert Event.objects.filter(action="surveys.open_link_created").count() == 1
    page = client.get(links_url(cast))
    assert f"http://testserver/s/o/{link.slug}/" in page.content.decode()


def test_an_open_link_is_closed_once_and_then_offers_no_poster(cast, login, english):
    link = open_link(cast.target("county-a"), acting_user=cast.organizer)
    client = login(cast.organizer)
    close = reverse("surveys:close_open_link", args=[cast.campaign.code, link.slug])
    poster = reverse("surveys:open_link_poster", args=[cast.campaign.code, link.slug])
    assert client.get(close).status_code == 405

    assert client.post(close).status_code == 302
    link.refresh_from_db()
    closed_at = link.closed_at
    assert closed_at is not None
    assert Event.objects.filter(action="surveys.open_link_closed").count() == 1

    again = client.post(close, follow=True)
    assert "already closed" in again.content.decode()
    link.refresh_from_db()
    assert link.closed_at == closed_at
    assert Event.objects.filter(action="surveys.open_link_closed").count() == 1
    assert client.get(poster, follow=True).redirect_chain[-1][0] == links_url(cast)


def test_the_poster_of_an_open_link_is_a_pdf_download(cast, login):
    link = open_link(cast.target("county-a"), acting_user=cast.organizer)
    url = reverse("surveys:open_link_poster", args=[cast.campaign.code, link.slug])
    response = login(cast.organizer).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    missing = reverse("surveys:open_link_poster", args=[cast.campaign.code, "nosuchlink"])
    assert login(cast.organizer).get(missing).status_code == 404


@pytest.mark.parametrize("persona", ["liaison", "tallier", "other_liaison"])
def test_only_organizers_create_close_or_print_open_links(cast, login, persona):
    link = open_link(cast.target("county-a"), acting_user=cast.organizer)
    before = state()
    client = login(getattr(cast, persona))
    code = cast.campaign.code

    assert client.get(links_url(cast)).status_code == 403
    assert client.post(links_url(cast), {"target": cast.target("county-a").pk}).status_code == 403
    close = reverse("surveys:close_open_link", args=[code, link.slug])
    assert client.post(close).status_code == 403
    poster = reverse("surveys:open_link_poster", args=[code, link.slug])
    assert client.get(poster).status_code == 403

    assert state() == before


def test_an_unknown_category_for_an_open_link_gets_a_message(cast, login, english):
    open_questionnaire(cast.campaign)
    before = state()
    page = login(cast.organizer).post(
        links_url(cast), {"target": cast.target("county-a").pk, "category": "路人"}
    )
    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()
    assert state() == before


def test_a_batch_whose_file_cannot_be_made_is_not_kept(cast, login, monkeypatch):
    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr("surveys.views.invitations.batch_zip", broken)
    before = state()
    with pytest.raises(RuntimeError):
        login(cast.organizer).post(batches_url(cast), batch_form(cast))
    # nobody could ever hand out these codes, so neither they nor their audit event remain
    assert state() == before
