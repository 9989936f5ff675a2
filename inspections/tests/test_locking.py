"""Locking a question for an answer or a verdict locks that row only (PostgreSQL).

A SELECT ... FOR UPDATE with joins locks every joined row unless told `OF`; the
hearing, the target, its unit and the evaluator must stay free for others.
"""

import pytest
from django.db import OperationalError, connection, connections, transaction

from inspections.actions import _locked
from inspections.models import Hearing, HearingQuestion
from inspections.tests.conftest import ask
from orgs.models import Evaluator, Unit

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _try_lock(other, model, pk) -> bool:
    table = model._meta.db_table
    with other.cursor() as cursor:
        cursor.execute("BEGIN")
        try:
            cursor.execute(f'SELECT 1 FROM "{table}" WHERE id = %s FOR UPDATE NOWAIT', [pk])
            return True
        except OperationalError:
            return False
        finally:
            cursor.execute("ROLLBACK")


def test_locking_a_question_leaves_the_hearing_target_and_evaluator_unlocked(cast, hearing):
    question = ask(cast, hearing)
    other = connections.create_connection("default")
    try:
        with transaction.atomic():
            _locked(question)
            assert not _try_lock(other, HearingQuestion, question.pk)  # the question is locked
            assert _try_lock(other, Hearing, hearing.pk)
            assert _try_lock(other, type(question.target), question.target_id)
            assert _try_lock(other, Unit, question.target.unit_id)
            assert _try_lock(other, Evaluator, question.asked_by_id)
    finally:
        other.close()
