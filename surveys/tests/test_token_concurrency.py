"""A token is accepted exactly once, also when many submissions race for it (PostgreSQL).

Fifty threads, each with its own database connection, wait at a barrier and
then submit the same token with different submission keys; twenty rounds,
each with a fresh token. Exactly one answer is stored per round, the other
forty-nine are told the invitation was used, and nothing else goes wrong.
"""

import json
import secrets
import threading
from collections import Counter

import pytest
from django.db import connection
from django.test import Client as HttpClient

from surveys.models import Invitation, Response
from surveys.submission import Client, Refusal, do_submit_by_token
from surveys.tests.factories import answers, invitations, open_questionnaire

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="real concurrent submissions need PostgreSQL"
    ),
]

THREADS = 50
ROUNDS = 20


def _race(threads: int, submit) -> Counter:
    """Run `submit()` in `threads` threads started together; count what each one got."""
    barrier = threading.Barrier(threads)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker():
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=30)
            outcome = submit()
        except Refusal as refusal:
            outcome = f"refused:{refusal.code}"
        except Exception as exc:  # any other outcome is a failure the test must show
            outcome = f"error:{type(exc).__name__}:{exc}"
        finally:
            thread_connection.close()
        with lock:
            outcomes.append(outcome)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in workers), "a submission hung"
    return Counter(outcomes)


def test_fifty_concurrent_submissions_of_one_token_store_exactly_one_answer(cast):
    open_questionnaire(cast.campaign)
    targets = [cast.target(code) for code in ("county-a", "county-b", "county-c")]

    for round_number in range(ROUNDS):
        # given a fresh, unused token
        target = targets[round_number % len(targets)]
        token = invitations(target, 1)[0][1]
        before = Response.objects.count()

        # when fifty people submit it at the same moment, each with its own form key
        def submit(token=token, n=round_number):
            client = Client(ip=f"198.51.100.{n}", user_agent="race")
            done = do_submit_by_token(
                token, answers(), client=client, submission_key=secrets.token_urlsafe(24)
            )
            return "stored" if done.created else "replayed"

        outcomes = _race(THREADS, submit)

        # then one is stored, the rest are told it was used, and nothing else happened
        assert outcomes == Counter({"stored": 1, "refused:used": THREADS - 1}), (
            f"round {round_number}: {dict(outcomes)}"
        )
        assert Response.objects.count() == before + 1, f"round {round_number}"
        assert Invitation.objects.filter(used=True).count() == round_number + 1

    assert Response.objects.count() == ROUNDS
    assert Response.objects.filter(target__in=targets).values("target").distinct().count() == 3


def test_concurrent_api_submissions_of_one_token_store_one_and_answer_409_to_the_rest(cast):
    open_questionnaire(cast.campaign)
    token = invitations(cast.target("county-a"), 1)[0][1]
    threads = 20

    def submit():
        body = {
            "token": token,
            "answers": {"tier": "满意", "category": "服务对象"},
            "submission_key": secrets.token_urlsafe(24),
        }
        reply = HttpClient().post(
            "/api/v1/surveys/respond", json.dumps(body), content_type="application/json"
        )
        return f"{reply.status_code}:{reply.json().get('code', '')}"

    outcomes = _race(threads, submit)

    assert outcomes == Counter({"201:": 1, "409:used": threads - 1}), dict(outcomes)
    assert Response.objects.count() == 1
