"""The public receipt page: was my answer counted? Never what was answered."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from scoring.actions import do_publish_tally_run, do_sign_tally_run, do_start_tally_run
from scoring.models import TallyRun
from scoring.tests.factories import EVALUATE_DAY
from surveys.review import do_review_response
from surveys.submission import do_submit_by_token
from surveys.tests.factories import PHONE, answers, invitations, open_questionnaire
from surveys.tokens import grouped

SECRET_ANSWER = {"tier": "不满意", "problems": "窗口人员态度生硬推诿"}


def look_up(client, code):
    return client.post(reverse("answer:receipt"), {"receipt": code})


def verdict(page) -> str:
    body = page.content.decode()
    start = body.index('id="receipt-verdict">') + len('id="receipt-verdict">')
    return " ".join(body[start : body.index("</dd>", start)].split())


def submit(token, *, fast=False):
    started = timezone.now() if fast else None  # 0 seconds: flagged as a speeder
    return do_submit_by_token(
        token, answers(**SECRET_ANSWER), client=PHONE, started_at=started
    ).response


def exclude(response, reviewer):
    do_review_response(
        response, decision="exclude", reason="同一设备连续提交十次", acting_user=reviewer
    )


def publish(cast):
    run = do_start_tally_run(cast.campaign, acting_user=cast.organizer)
    do_sign_tally_run(run, "organizer", acting_user=cast.organizer)
    do_sign_tally_run(run, "tallier", acting_user=cast.tallier)
    return do_publish_tally_run(run, acting_user=cast.leader)


@pytest.fixture
def tokens(cast):
    with time_machine.travel(EVALUATE_DAY, tick=False):
        open_questionnaire(cast.campaign)
        return [token for _, token in invitations(cast.target("county-a"), 4)]


def test_an_unknown_receipt_gets_a_clear_message(cast, client, english):
    page = look_up(client, "abcd-efgh-ijkl-mnop")

    assert page.status_code == 404
    assert "No answer has this receipt code" in page.content.decode()
    assert client.get(reverse("answer:receipt")).status_code == 200


def test_before_publication_a_receipt_shows_target_and_day_but_no_answer(
    cast, tokens, client, english
):
    with time_machine.travel(EVALUATE_DAY, tick=False):
        response = submit(tokens[0])

    page = look_up(client, grouped(response.receipt).upper())

    body = page.content.decode()
    assert page.status_code == 200
    assert "甲县局" in body and "2026-09-05" in body
    assert verdict(page).startswith("Received. The results are not published yet")
    assert "不满意" not in body and SECRET_ANSWER["problems"] not in body
    assert "no-store" in page["Cache-Control"]
    assert page["Referrer-Policy"] == "strict-origin"


def test_an_exclusion_shows_only_once_results_are_published(cast, tokens, client, english):
    with time_machine.travel(EVALUATE_DAY, tick=False):
        response = submit(tokens[0], fast=True)
        exclude(response, cast.organizer)
        # Before publication it would tell a vote stuffer which signal caught the answer.
        before = look_up(client, response.receipt)
    with time_machine.travel(EVALUATE_DAY + timedelta(hours=1), tick=False):
        publish(cast)

    after = look_up(client, response.receipt)

    assert verdict(before) == (
        "Received. The results are not published yet; come back after they are."
    )
    assert verdict(after) == "Not counted: excluded after review."
    assert "同一设备" not in after.content.decode()


def test_after_publication_a_receipt_tells_whether_the_answer_was_counted(
    cast, tokens, client, english
):
    with time_machine.travel(EVALUATE_DAY, tick=False):
        counted = submit(tokens[0])
        excluded_before = submit(tokens[1], fast=True)
        excluded_after = submit(tokens[2], fast=True)
        exclude(excluded_before, cast.organizer)
    with time_machine.travel(EVALUATE_DAY + timedelta(hours=1), tick=False):
        publish(cast)
    with time_machine.travel(EVALUATE_DAY + timedelta(hours=2), tick=False):
        late = submit(tokens[3])
        exclude(excluded_after, cast.organizer)

    pages = {
        name: look_up(client, response.receipt)
        for name, response in [
            ("counted", counted),
            ("excluded_before", excluded_before),
            ("excluded_after", excluded_after),
            ("late", late),
        ]
    }

    assert verdict(pages["counted"]) == "Counted in the results published on 2026-09-05."
    assert verdict(pages["excluded_before"]) == "Not counted: excluded after review."
    # Counted by the run, which saw it before the exclusion.
    assert verdict(pages["excluded_after"]) == "Counted in the results published on 2026-09-05."
    assert verdict(pages["late"]).startswith("Received after the published results")
    results = reverse("results:page", args=[cast.campaign.code])
    assert f'href="{results}"' in pages["counted"].content.decode()
    assert all("不满意" not in page.content.decode() for page in pages.values())


def test_a_run_without_its_newest_response_cannot_tell(cast, tokens, client, english):

    with time_machine.travel(EVALUATE_DAY, tick=False):
        response = submit(tokens[0])
    with time_machine.travel(EVALUATE_DAY + timedelta(hours=1), tick=False):
        run = publish(cast)
    # A run started before runs recorded their newest response (the model guards updates).
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(TallyRun._meta.db_table)
        cursor.execute(f"UPDATE {table} SET last_response_id = NULL WHERE id = %s", [run.pk])

    page = look_up(client, response.receipt)

    assert verdict(page).startswith("Received. Whether it was in the published results")


def test_the_receipt_page_speaks_chinese_by_default(cast, tokens, client):
    with time_machine.travel(EVALUATE_DAY, tick=False):
        response = submit(tokens[0])

    page = look_up(client, response.receipt)

    assert '<html lang="zh-hans">' in page.content.decode() and "甲县局" in page.content.decode()


def test_a_run_that_counted_nothing_did_not_count_a_later_answer(cast, tokens, client, english):
    with time_machine.travel(EVALUATE_DAY + timedelta(hours=1), tick=False):
        run = publish(cast)
    with time_machine.travel(EVALUATE_DAY + timedelta(hours=2), tick=False):
        response = submit(tokens[0])

    page = look_up(client, response.receipt)

    assert run.last_response_id is None
    assert verdict(page).startswith("Received after the published results")
