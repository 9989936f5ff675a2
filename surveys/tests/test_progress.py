from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign
from scoring.queries import resolved_scheme
from surveys.models import FlagKind, Response
from surveys.progress import batch_progress, target_progress
from surveys.review import do_review_response
from surveys.submission import Client, do_submit_by_token, do_submit_open_link
from surveys.tests.factories import (
    PHONE,
    SHEET,
    answers,
    invitations,
    open_link,
    open_questionnaire,
)

CODE = "c-2026"


def progress_url():
    return reverse("surveys:progress", args=[CODE])


def phone(n: int) -> Client:
    return Client(ip=f"198.51.100.{n}", user_agent=f"phone {n}")


def fill(cast):
    """County A: 2 by invitation (batch of 4), 1 flagged by an open link and excluded,
    1 flagged awaiting review; county B: 1 by invitation in a fixed-category batch."""
    a, b = cast.target("county-a"), cast.target("county-b")
    tokens = invitations(a, 4)
    do_submit_by_token(tokens[0][1], answers(category="服务对象"), client=PHONE)
    do_submit_by_token(tokens[1][1], answers(category="人大代表"), client=PHONE)
    link = open_link(a)
    started = timezone.now()  # answered in no time: flagged as a speeder
    excluded = do_submit_open_link(link.slug, answers(), client=phone(1), started_at=started)
    do_submit_open_link(link.slug, answers(), client=phone(2), started_at=started)
    do_review_response(
        excluded.response, decision="exclude", reason="刷票", acting_user=cast.organizer
    )
    do_submit_by_token(invitations(b, 2, category="行风监督员")[0][1], answers(), client=PHONE)


def test_progress_counts_responses_per_target_and_category(cast):
    open_questionnaire(cast.campaign)
    fill(cast)

    rows = {row["target"]: row for row in target_progress(cast.campaign, cast.campaign.targets)}

    a = rows["county-a"]
    assert (a["name"], a["counted"], a["excluded"], a["awaiting_review"]) == ("甲县局", 3, 1, 1)
    assert a["categories"] == [
        {"category": "服务对象", "counted": 2, "excluded": 1, "awaiting_review": 1},
        {"category": "人大代表", "counted": 1, "excluded": 0, "awaiting_review": 0},
        {"category": "行风监督员", "counted": 0, "excluded": 0, "awaiting_review": 0},
    ]
    assert (a["min_responses"], a["below_minimum"]) == (None, False)
    assert rows["county-b"]["counted"] == 1
    assert rows["county-b"]["categories"][2] == {
        "category": "行风监督员",
        "counted": 1,
        "excluded": 0,
        "awaiting_review": 0,
    }
    assert rows["county-c"]["counted"] == 0 and rows["county-c"]["exempt"]


def test_batch_progress_gives_size_use_and_response_rate(cast):
    open_questionnaire(cast.campaign)
    fill(cast)

    batches = batch_progress(cast.campaign, cast.campaign.targets)

    assert [(b["number"], b["target"], b["category"], b["size"], b["used"]) for b in batches] == [
        (1, "county-a", "", 4, 2),
        (2, "county-b", "行风监督员", 2, 1),
    ]
    assert [b["rate"] for b in batches] == [Decimal("50.0"), Decimal("50.0")]


def test_a_target_below_the_schemes_minimum_is_marked(cast, login, english):
    scheme = {**resolved_scheme(cast.campaign.scheme), "min_responses": 3}
    Campaign.objects.filter(pk=cast.campaign.pk).update(scheme=scheme)
    cast.campaign.refresh_from_db()
    open_questionnaire(cast.campaign)
    fill(cast)

    rows = {r["target"]: r for r in target_progress(cast.campaign, cast.campaign.targets)}
    text = login(cast.organizer).get(progress_url()).content.decode()

    assert (rows["county-a"]["below_minimum"], rows["county-b"]["below_minimum"]) == (False, True)
    assert text.count("Below the minimum of 3") == 2  # county B and county C
    assert "at least 3 responses per unit" in text


def test_the_progress_page_shows_counts_and_never_tiers_or_scores(cast, login, english):
    open_questionnaire(cast.campaign, items=SHEET)
    token = invitations(cast.target("county-a"), 3)[0][1]
    sheet = {"item_attitude": "37.5", "item_efficiency": "25.5", "item_integrity": "19.5"}
    do_submit_by_token(token, answers(tier="优秀", **sheet), client=PHONE)

    page = login(cast.tallier).get(progress_url())

    text = page.content.decode()
    assert page.status_code == 200
    assert "1 response counted" in text
    assert "33.3%" in text  # 1 of 3 invitations answered
    for sealed in ("优秀", "满意", "37.5", "25.5", "82.5"):
        assert sealed not in text


def test_a_liaison_follows_the_progress_of_its_own_unit_only(cast, login):
    open_questionnaire(cast.campaign)
    fill(cast)

    page = login(cast.liaison).get(progress_url())

    text = page.content.decode()
    assert page.status_code == 200
    assert [row["target"] for row in page.context["rows"]] == ["county-a"]
    assert [b["target"] for b in page.context["batches"]] == ["county-a"]
    assert "甲县局" in text and "乙县局" not in text


def test_someone_without_a_role_gets_no_progress(cast, login):
    assert login(cast.nobody).get(progress_url()).status_code == 403


def test_progress_runs_the_same_queries_for_one_target_or_all(cast):
    open_questionnaire(cast.campaign)
    fill(cast)
    one = cast.campaign.targets.filter(unit__code="county-a")

    with CaptureQueriesContext(connection) as for_one:
        target_progress(cast.campaign, one)
        batch_progress(cast.campaign, one)
    with CaptureQueriesContext(connection) as for_all:
        rows = target_progress(cast.campaign, cast.campaign.targets.all())
        batch_progress(cast.campaign, cast.campaign.targets.all())

    assert len(rows) == 3
    assert len(for_one) == len(for_all) <= 5


def test_the_progress_page_needs_a_fixed_number_of_queries(
    cast, login, django_assert_max_num_queries
):
    open_questionnaire(cast.campaign)
    fill(cast)
    client = login(cast.organizer)
    with django_assert_max_num_queries(12):
        assert client.get(progress_url()).status_code == 200


def test_flagged_responses_count_as_awaiting_review_until_decided(cast):
    open_questionnaire(cast.campaign)
    link = open_link(cast.target("county-b"))
    submitted = do_submit_open_link(link.slug, answers(), client=PHONE, started_at=timezone.now())
    assert submitted.response.flags.get().kind == FlagKind.SPEEDER

    before = target_progress(cast.campaign, cast.campaign.targets.all())[1]
    do_review_response(
        Response.objects.get(), decision="keep", reason="现场核实", acting_user=cast.organizer
    )
    after = target_progress(cast.campaign, cast.campaign.targets.all())[1]

    assert (before["target"], before["awaiting_review"], after["awaiting_review"]) == (
        "county-b",
        1,
        0,
    )
    assert after["counted"] == 1
