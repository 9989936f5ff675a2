"""Written replies due by a date: a question with no answer after that date is overdue."""

import pytest
import time_machine
from django.urls import reverse

from inspections.actions import do_reply_in_writing
from inspections.queries import overdue_question_count, overdue_questions
from inspections.tests.conftest import as_, ask

pytestmark = pytest.mark.django_db


@time_machine.travel("2026-08-19 23:30 +0800", tick=False)
def test_a_question_is_not_overdue_on_its_due_date(cast, hearing):
    question = ask(cast, hearing)  # reply due 2026-08-19
    assert overdue_question_count(as_(cast, cast.organizer)) == 0
    assert not question.is_overdue(question.reply_due)


def test_a_question_without_an_answer_is_overdue_the_day_after(cast, hearing):
    with time_machine.travel("2026-08-06 10:00 +0800", tick=False):
        question = ask(cast, hearing)
    with time_machine.travel("2026-08-20 00:05 +0800", tick=False):
        assert list(overdue_questions(as_(cast, cast.organizer))) == [question]
        assert overdue_question_count(as_(cast, cast.organizer)) == 1
        # a late reply still counts as an answer: no longer listed
        do_reply_in_writing(
            as_(cast, cast.liaison), question, text="迟到的答复", acting_user=cast.liaison
        )
        assert overdue_question_count(as_(cast, cast.organizer)) == 0


@time_machine.travel("2026-08-19 16:30 +0000", tick=False)  # already 08-20 in Beijing
def test_today_is_the_beijing_date(cast, hearing):
    ask(cast, hearing)
    assert overdue_question_count(as_(cast, cast.organizer)) == 1


@time_machine.travel("2026-12-01 10:00 +0800", tick=False)
def test_a_question_answered_on_site_is_never_overdue(cast, hearing):
    ask(cast, hearing, on_site_answer="当场答复")
    assert overdue_question_count(as_(cast, cast.organizer)) == 0


@time_machine.travel("2026-09-01 10:00 +0800", tick=False)
def test_overdue_questions_are_listed_for_staff_and_for_each_liaison_its_own(cast, hearing, login):
    mine = ask(cast, hearing, unit="county-a")
    theirs = ask(cast, hearing, unit="county-b")
    assert overdue_question_count(as_(cast, cast.organizer)) == 2
    assert list(overdue_questions(as_(cast, cast.liaison))) == [mine]
    assert list(overdue_questions(as_(cast, cast.other_liaison))) == [theirs]

    url = reverse("inspections:overdue_questions", args=[cast.campaign.code])
    staff_page = login(cast.organizer).get(url)
    assert [q.pk for q in staff_page.context["page"]] == [mine.pk, theirs.pk]
    liaison_page = login(cast.liaison).get(url)
    assert [q.pk for q in liaison_page.context["page"]] == [mine.pk]
    assert login(cast.nobody).get(url).status_code == 403
