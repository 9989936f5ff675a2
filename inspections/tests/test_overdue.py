"""Written replies due by a date: a question with no answer after that date is overdue."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import Event
from inspections.actions import do_give_verdict, do_reply_in_writing
from inspections.models import AnswerVerdict, HearingQuestion
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


# ---- a further reply after an unsatisfactory verdict ----------------------------------------


def _judge(cast, question, *, satisfied, reply_due=None):
    return do_give_verdict(
        as_(cast, cast.evaluator),
        question,
        satisfied=satisfied,
        comment="" if satisfied else "未说明剩余资金何时拨付",
        reply_due=reply_due,
        acting_user=cast.evaluator,
    )


def _unsatisfied_question(cast, hearing, follow_up=date(2026, 9, 4)):
    with time_machine.travel("2026-08-20 10:00 +0800", tick=False):
        question = ask(cast, hearing)
        do_reply_in_writing(
            as_(cast, cast.liaison), question, text="已拨付八成", acting_user=cast.liaison
        )
        verdict = _judge(cast, question, satisfied=False, reply_due=follow_up)
    return question, verdict


def test_an_unsatisfactory_answer_falls_overdue_when_the_further_reply_is_late(
    cast, hearing, login
):
    question, verdict = _unsatisfied_question(cast, hearing)
    assert verdict.reply_due == date(2026, 9, 4)
    organizer = as_(cast, cast.organizer)
    with time_machine.travel("2026-09-04 23:30 +0800", tick=False):
        assert overdue_question_count(organizer) == 0
        assert not question.is_overdue(date(2026, 9, 4))
    with time_machine.travel("2026-09-05 00:05 +0800", tick=False):
        assert list(overdue_questions(organizer)) == [question]
        assert overdue_question_count(organizer) == 1
        assert HearingQuestion.objects.get(pk=question.pk).is_overdue(date(2026, 9, 5))
        url = reverse("inspections:overdue_questions", args=[cast.campaign.code])
        page = login(cast.liaison).get(url)
        assert [q.pk for q in page.context["page"]] == [question.pk]
        assert "2026-09-04" in page.content.decode()
        api = login(cast.organizer).get(
            f"/api/v1/inspections/{cast.campaign.code}/questions?overdue=true"
        )
        assert [q["id"] for q in api.json()["items"]] == [question.pk]
        assert api.json()["items"][0]["answers"][0]["verdict"]["reply_due"] == "2026-09-04"

        # a further reply, late as it is, ends the wait
        do_reply_in_writing(
            as_(cast, cast.liaison), question, text="9月底前全部拨付", acting_user=cast.liaison
        )
        assert overdue_question_count(organizer) == 0


def test_a_further_unsatisfactory_verdict_sets_a_new_date(cast, hearing):
    question, _verdict = _unsatisfied_question(cast, hearing)
    with time_machine.travel("2026-09-03 10:00 +0800", tick=False):
        do_reply_in_writing(
            as_(cast, cast.liaison), question, text="仍在协调", acting_user=cast.liaison
        )
        _judge(cast, question, satisfied=False, reply_due=date(2026, 9, 18))
    organizer = as_(cast, cast.organizer)
    with time_machine.travel("2026-09-10 10:00 +0800", tick=False):  # past the first date only
        assert overdue_question_count(organizer) == 0
    with time_machine.travel("2026-09-19 10:00 +0800", tick=False):
        assert list(overdue_questions(organizer)) == [question]


@time_machine.travel("2026-08-20 10:00 +0800", tick=False)  # a Thursday
def test_the_further_reply_is_due_ten_working_days_after_the_verdict_by_default(
    cast, hearing, settings
):
    settings.PINGYI_HOLIDAYS = []
    question = ask(cast, hearing, on_site_answer="研究研究")
    verdict = _judge(cast, question, satisfied=False)
    assert verdict.reply_due == date(2026, 9, 3)
    assert Event.objects.filter(action="hearing.verdict_given").get().data["reply_due"] == (
        "2026-09-03"
    )


@time_machine.travel("2026-08-20 10:00 +0800", tick=False)
def test_the_further_reply_cannot_be_due_in_the_past(cast, hearing):
    question = ask(cast, hearing, on_site_answer="研究研究")
    with pytest.raises(ValidationError) as error:
        _judge(cast, question, satisfied=False, reply_due=date(2026, 8, 19))
    assert "reply_due" in error.value.message_dict
    assert AnswerVerdict.objects.count() == 0


@time_machine.travel("2026-08-20 10:00 +0800", tick=False)
def test_a_satisfactory_verdict_waits_for_nothing(cast, hearing):
    question = ask(cast, hearing, on_site_answer="月底前解决")
    verdict = _judge(cast, question, satisfied=True, reply_due=date(2026, 9, 1))
    assert verdict.reply_due is None
    with time_machine.travel("2027-01-01 10:00 +0800", tick=False):
        assert overdue_question_count(as_(cast, cast.organizer)) == 0


@time_machine.travel("2026-08-20 10:00 +0800", tick=False)
def test_the_verdict_form_takes_the_further_reply_date(cast, hearing, login):
    question = ask(cast, hearing, on_site_answer="研究研究")
    login(cast.evaluator).post(
        reverse("inspections:give_verdict", args=[question.pk]),
        {"satisfied": "no", "comment": "敷衍", "reply_due": "2026-09-10"},
    )
    assert AnswerVerdict.objects.get().reply_due == date(2026, 9, 10)
