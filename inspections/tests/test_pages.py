import pytest
import time_machine
from django.urls import reverse

from inspections.models import AnswerMode, Hearing, HearingQuestion
from inspections.tests.conftest import ask, record_finding

pytestmark = pytest.mark.django_db


def test_the_organizer_records_a_hearing_and_a_question_through_the_pages(
    cast, login, second_evaluator
):
    client = login(cast.organizer)
    response = client.post(
        reverse("inspections:hearing_create", args=[cast.campaign.code]),
        {
            "title": "面对面评议会",
            "date": "2026-08-05",
            "place": "市局会议室",
            "targets": [cast.target("county-a").pk, cast.target("county-b").pk],
            "evaluators": [cast.evaluator_entry.pk, second_evaluator.pk],
        },
    )
    hearing = Hearing.objects.get()
    assert response["Location"] == reverse("inspections:hearing", args=[hearing.pk])

    with time_machine.travel("2026-08-05 11:00 +0800", tick=False):
        response = client.post(
            reverse("inspections:question_create", args=[hearing.pk]),
            {
                "target": cast.target("county-b").pk,
                "asked_by": second_evaluator.pk,
                "text": "项目申报材料为何多次变更？",
                "on_site_answer": "月底前公布统一清单",
            },
        )
    question = HearingQuestion.objects.get()
    assert response["Location"] == reverse("inspections:question", args=[question.pk])
    assert question.answers.get().mode == AnswerMode.ON_SITE
    page = client.get(reverse("inspections:question", args=[question.pk]))
    # 王芳 has no account, so the organizer may record her verdict
    assert page.context["can_judge"] and "月底前公布统一清单" in page.content.decode()


@time_machine.travel("2026-08-05 11:00 +0800", tick=False)
def test_the_question_page_asks_for_a_reply_date_when_there_is_no_answer(
    cast, login, hearing, english
):
    response = login(cast.organizer).post(
        reverse("inspections:question_create", args=[hearing.pk]),
        {"target": cast.target("county-a").pk, "asked_by": cast.evaluator_entry.pk, "text": "问"},
    )
    assert response.status_code == 200
    assert "needs a date for the written reply" in response.content.decode()
    assert HearingQuestion.objects.count() == 0


def test_a_liaison_cannot_record_questions(cast, login, hearing):
    url = reverse("inspections:question_create", args=[hearing.pk])
    assert login(cast.liaison).get(url).status_code == 403
    assert HearingQuestion.objects.count() == 0


def test_the_pages_render_for_staff_and_liaison(cast, login, inspection, hearing):
    record_finding(cast, inspection)
    question = ask(cast, hearing)
    for user in (cast.organizer, cast.liaison):
        client = login(user)
        for url in (
            reverse("inspections:inspection_list", args=[cast.campaign.code]),
            reverse("inspections:inspection", args=[inspection.pk]),
            reverse("inspections:hearing_list", args=[cast.campaign.code]),
            reverse("inspections:hearing", args=[hearing.pk]),
            reverse("inspections:question", args=[question.pk]),
            reverse("inspections:overdue_questions", args=[cast.campaign.code]),
        ):
            assert client.get(url).status_code == 200, (user, url)
    client = login(cast.inspector)
    assert (
        client.get(reverse("inspections:inspection_create", args=[cast.campaign.code])).status_code
        == 200
    )
    assert (
        client.get(reverse("inspections:finding_create", args=[inspection.pk])).status_code == 200
    )


def test_the_admin_lists_inspections_read_only(cast, login, inspection):
    client = login(cast.organizer)
    assert client.get("/admin/inspections/inspection/").status_code == 200
    assert client.get("/admin/inspections/inspection/add/").status_code == 403
