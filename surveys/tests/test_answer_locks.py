"""PostgreSQL only: an answer holding its questionnaire's row lock never deadlocks with an
organizer's edit or a new paper batch (both lock the campaign row too)."""

import threading
import time

import pytest
from django.db import connection, transaction

from surveys import submission
from surveys.models import Response
from surveys.paper import do_create_paper_batch
from surveys.questionnaires import do_save_questionnaire
from surveys.submission import do_submit_by_token, do_submit_open_link
from surveys.tests.factories import PHONE, answers, invitations, open_link, open_questionnaire

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def _race(answer, other, monkeypatch) -> dict:
    """Run `answer` until it holds its locks, start `other`, then let `answer` finish."""
    holding, go = threading.Event(), threading.Event()
    real = submission.clean_answers

    def paused(form, data):
        if transaction.get_connection().in_atomic_block:  # the check under the row lock
            holding.set()
            go.wait(10)
        return real(form, data)

    monkeypatch.setattr(submission, "clean_answers", paused)
    outcomes = {}

    def run(name, call):
        try:
            outcomes[name] = call()
        except Exception as exc:  # a deadlock would end here as OperationalError
            outcomes[name] = exc
        finally:
            connection.close()

    first = threading.Thread(target=run, args=("answer", answer))
    first.start()
    assert holding.wait(10)
    second = threading.Thread(target=run, args=("other", other))
    second.start()
    time.sleep(1.0)  # the other action is now waiting for a lock
    go.set()
    first.join(20)
    second.join(20)
    return outcomes


@pytest.mark.parametrize("answered_before", [False, True])
def test_an_open_link_answer_and_a_questionnaire_edit_both_go_through(
    cast, monkeypatch, answered_before
):
    open_questionnaire(cast.campaign)
    link = open_link(cast.target("county-a"))
    if answered_before:
        do_submit_open_link(link.slug, answers(), client=PHONE)

    outcomes = _race(
        lambda: do_submit_open_link(link.slug, answers(), client=PHONE),
        lambda: do_save_questionnaire(cast.campaign, {"title": "改"}, acting_user=None),
        monkeypatch,
    )

    assert not [v for v in outcomes.values() if isinstance(v, Exception)], outcomes


def test_a_token_answer_and_a_new_paper_batch_both_go_through(cast, monkeypatch):
    open_questionnaire(cast.campaign)
    token = invitations(cast.target("county-a"), 1)[0][1]

    outcomes = _race(
        lambda: do_submit_by_token(token, answers(), client=PHONE),
        lambda: do_create_paper_batch(
            cast.campaign, cast.target("county-b"), size=2, acting_user=cast.organizer
        ),
        monkeypatch,
    )

    assert not [v for v in outcomes.values() if isinstance(v, Exception)], outcomes


def test_answers_to_a_frozen_questionnaire_do_not_wait_for_each_other(cast, monkeypatch):
    """A frozen version never changes, so an answer to it locks nothing but its own
    invitation (and its counter row): one campaign's answers are stored side by side."""
    open_questionnaire(cast.campaign)
    first, second, third = (t for _, t in invitations(cast.target("county-a"), 3))
    do_submit_by_token(third, answers(), client=PHONE)  # the first answer froze it
    holding, go = threading.Event(), threading.Event()
    real = submission.clean_answers

    def paused(form, data):
        if threading.current_thread().name == "first":  # inside its transaction
            holding.set()
            go.wait(10)
        return real(form, data)

    monkeypatch.setattr(submission, "clean_answers", paused)
    outcome = {}

    def run():
        try:
            outcome["first"] = do_submit_by_token(first, answers(), client=PHONE)
        finally:
            connection.close()

    # given an answer in the middle of its transaction
    thread = threading.Thread(target=run, name="first")
    thread.start()
    assert holding.wait(10)
    try:
        # when another answer to the same questionnaire arrives, refusing to wait on locks
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        stored = do_submit_by_token(
            second, answers(), client=PHONE, started_at=None, submission_key="z" * 24
        )
        # then it is stored while the first is still open
        assert stored.created and not go.is_set()
    finally:
        go.set()
        thread.join(20)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert outcome["first"].created
    assert Response.objects.count() == 3
