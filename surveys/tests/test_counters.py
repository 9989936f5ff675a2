"""The response counters the tally reads agree with a recount of the responses themselves."""

import csv
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import Event
from scoring.aggregate import collect
from scoring.queries import live_tally, resolved_scheme
from scoring.schemes import parse_scheme
from surveys import counters
from surveys.actions import do_import_responses
from surveys.models import Channel, Response, ResponseCounter
from surveys.review import do_flag_response, do_review_response
from surveys.submission import do_submit_by_token, do_submit_open_link
from surveys.tests.factories import PHONE, answers, invitations, open_link, open_questionnaire

TIERS = ["优秀", "满意", "基本满意", "不满意", "不了解"]


def _collect(campaign, *, recount: bool):
    data = resolved_scheme(campaign.scheme)
    return collect(campaign, parse_scheme(data), data, recount=recount)


def _store(target, *, tier="满意", category="", score=None) -> Response:
    """One response as the submission path stores it: the row and its count, one transaction."""
    with transaction.atomic():
        response = Response.objects.create(
            campaign=target.campaign,
            target=target,
            channel=Channel.WEB,
            category=category,
            tier=tier,
            score=score,
            submitted_at=timezone.now(),
        )
        counters.count_response(response)
    return response


def _exclude(response: Response) -> None:
    with transaction.atomic():
        Response.objects.filter(pk=response.pk).fill_in(excluded_at=timezone.now())
        counters.uncount_response(response)


def test_counters_agree_with_a_recount_after_web_open_link_import_and_exclusion(cast, tmp_path):
    # given answers through every path that accepts one
    open_questionnaire(cast.campaign)
    a, b = cast.target("county-a"), cast.target("county-b")
    for (_serial, token), tier in zip(invitations(a, 4), TIERS, strict=False):
        do_submit_by_token(token, answers(tier=tier), client=PHONE)
    link = open_link(b)
    kept = do_submit_open_link(link.slug, answers(tier="优秀"), client=PHONE).response
    path = tmp_path / "responses.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(
            [["target", "tier"], ["county-a", "不满意"], ["county-b", "满意"], ["county-b", "满意"]]
        )
    do_import_responses(cast.campaign, path, acting_user=cast.organizer)
    # when one of them is excluded by review
    do_flag_response(kept, reason="同一设备", acting_user=cast.organizer)
    do_review_response(kept, decision="exclude", reason="刷票", acting_user=cast.organizer)

    # then the counters hold exactly what a recount finds, and the tally inputs are equal
    assert counters.verify(cast.campaign) == []
    assert counters.counted(cast.campaign) == counters.recount(cast.campaign)
    by_counters = _collect(cast.campaign, recount=False)
    by_recount = _collect(cast.campaign, recount=True)
    assert by_counters.digest == by_recount.digest
    assert by_counters.inputs == by_recount.inputs
    inputs = {item.target: item for item in by_counters.inputs}
    assert inputs["county-a"].responses == 5
    assert inputs["county-b"].responses == 2
    assert inputs["county-b"].tier_counts == {("", "满意"): 2}


def test_a_counter_that_drifted_is_found_by_verify_and_mended_by_rebuild(cast, english):
    a = cast.target("county-a")
    for tier in ("优秀", "优秀", "满意"):
        _store(a, tier=tier)
    ResponseCounter.objects.filter(tier="优秀").update(responses=7)  # a hand edit of the table

    with pytest.raises(CommandError, match="1 counter rows differ"):
        call_command("counters", "verify", cast.campaign.code)
    wrong = counters.do_rebuild_counters(cast.campaign, acting_user=cast.organizer)

    assert [(kept.responses, fresh.responses) for kept, fresh in wrong] == [(7, 2)]
    assert counters.verify(cast.campaign) == []
    assert Event.objects.filter(action="surveys.counters_rebuilt").count() == 1


def test_verify_command_reports_agreement(cast, capsys, english):
    _store(cast.target("county-a"))
    call_command("counters", "verify", cast.campaign.code)
    assert "agree" in capsys.readouterr().out


answer = st.tuples(
    st.sampled_from(["county-a", "county-b"]),
    st.sampled_from(["", "服务对象", "人大代表"]),
    st.sampled_from(["", *TIERS]),
    # Two decimals, including values SQLite holds only approximately (33.33, 0.1).
    st.none() | st.decimals(min_value=0, max_value=100, places=2),
    st.booleans(),  # excluded later
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(answer, max_size=30))
def test_any_sequence_of_answers_and_exclusions_keeps_counters_equal_to_a_recount(cast, batch):
    # The invariant holds after every step, so examples can share one campaign.
    stored = []
    for code, category, tier, score, excluded in batch:
        response = _store(cast.target(code), tier=tier, category=category, score=score)
        if excluded:
            stored.append(response)
    for response in stored:
        _exclude(response)
    assert counters.verify(cast.campaign) == []
    assert (
        _collect(cast.campaign, recount=False).digest
        == _collect(cast.campaign, recount=True).digest
    )


def test_score_sheet_cents_are_counted_as_the_recount_sums_them(cast):
    a = cast.target("county-a")
    for score in ("0.10", "0.20", "99.99", "33.33", "100"):
        _store(a, tier="", category="服务对象", score=Decimal(score))
    (row,) = counters.counted(cast.campaign)
    assert (row.responses, row.scored, row.score_cents) == (5, 5, 23362)
    assert counters.verify(cast.campaign) == []


def test_the_tally_reads_the_counters_and_never_scans_the_responses(cast):
    a, b = cast.target("county-a"), cast.target("county-b")
    _store(a, tier="优秀")
    with CaptureQueriesContext(connection) as few:
        live_tally(cast.campaign)
    for _ in range(200):
        _store(b, tier="满意")
    with CaptureQueriesContext(connection) as many:
        live = live_tally(cast.campaign)

    assert len(many) == len(few)
    table = Response._meta.db_table
    assert not [q["sql"] for q in many.captured_queries if f'"{table}"' in q["sql"]]
    assert {r.target: r.responses for r in live.results}["county-b"] == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
def test_concurrent_answers_to_one_target_lose_no_count(cast):
    target = cast.target("county-a")
    threads, each = 16, 10
    barrier = threading.Barrier(threads)
    failures = []

    def worker():
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=30)
            for _ in range(each):
                _store(target, tier="满意")
        except Exception as exc:  # shown by the assertion below
            failures.append(exc)
        finally:
            thread_connection.close()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=60)

    assert failures == []
    (row,) = counters.counted(cast.campaign)
    assert row.responses == threads * each
    assert counters.verify(cast.campaign) == []
