from datetime import date

import pytest
from django.urls import reverse

from audit.models import Event
from surveys.forms import parse_items
from surveys.models import Questionnaire, Response
from surveys.submission import do_submit_by_token
from surveys.tests.factories import PHONE, SHEET, answers, invitations, open_questionnaire

CODE = "c-2026"


def editor_url():
    return reverse("surveys:questionnaire", args=[CODE])


def form_data(**overrides):
    data = {
        "title": "2026年群众满意度调查",
        "intro": "本调查不记名。",
        "tier_prompt": "您对该单位的总体评价是？",
        "category_prompt": "您的身份是？",
        "categories": "服务对象\n人大代表",
        "items": "服务态度 | 40\n办事效率 | 30\n廉洁自律｜30",
        "ask_problems": "on",
        "ask_suggestions": "on",
        "max_text_length": "2000",
        "opens_on": "2026-09-01",
        "closes_on": "2026-09-15",
        "time_granularity": "day",
        "min_seconds": "20",
        "burst_count": "30",
        "burst_minutes": "10",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("persona", ["organizer", "leader", "tallier", "inspector"])
def test_the_organizing_levels_staff_see_the_surveys_overview(cast, login, english, persona):
    open_questionnaire(cast.campaign)
    page = login(getattr(cast, persona)).get(reverse("surveys:overview", args=[CODE]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Version 1" in text and "Not answered yet" in text
    assert reverse("surveys:progress", args=[CODE]) in text
    assert reverse("surveys:questionnaire_preview", args=[CODE]) in text
    # Editing and flag review are the organizers' alone.
    assert (f'href="{editor_url()}"' in text) == (persona == "organizer")
    assert (reverse("surveys:flags", args=[CODE]) in text) == (persona == "organizer")


@pytest.mark.parametrize("persona", ["liaison", "other_liaison", "evaluator", "nobody"])
def test_others_get_no_surveys_overview(cast, login, persona):
    page = login(getattr(cast, persona)).get(reverse("surveys:overview", args=[CODE]))
    assert page.status_code == 403


def test_the_overview_says_when_the_questionnaire_is_frozen(cast, login, english):
    open_questionnaire(cast.campaign)
    token = invitations(cast.target("county-a"), 1)[0][1]
    do_submit_by_token(token, answers(), client=PHONE)
    text = login(cast.leader).get(reverse("surveys:overview", args=[CODE])).content.decode()
    assert "Frozen: answered" in text
    assert "1 response counted" in text


def test_an_organizer_writes_the_first_questionnaire_with_items_one_per_line(cast, login):
    client = login(cast.organizer)
    assert client.get(editor_url()).status_code == 200

    page = client.post(editor_url(), form_data())

    assert page.status_code == 302
    questionnaire = Questionnaire.objects.get(campaign=cast.campaign)
    assert questionnaire.version == 1
    assert questionnaire.title == "2026年群众满意度调查"
    assert questionnaire.categories == ["服务对象", "人大代表"]
    # The full-width bar a Chinese input method types works as well.
    assert questionnaire.items == [
        {"key": "i1", "label": "服务态度", "max": "40"},
        {"key": "i2", "label": "办事效率", "max": "30"},
        {"key": "i3", "label": "廉洁自律", "max": "30"},
    ]
    assert (questionnaire.opens_on, questionnaire.closes_on) == (
        date(2026, 9, 1),
        date(2026, 9, 15),
    )
    assert questionnaire.created_by == cast.organizer
    assert Event.objects.filter(action="surveys.questionnaire_saved").count() == 1


def test_the_editor_shows_the_current_version_for_editing(cast, login):
    open_questionnaire(cast.campaign, items=SHEET, title="旧标题")
    text = login(cast.organizer).get(editor_url()).content.decode()
    assert "旧标题" in text
    assert "服务态度 | 40" in text


def test_editing_before_the_first_answer_changes_the_version_in_place(cast, login):
    first = open_questionnaire(cast.campaign)
    login(cast.organizer).post(editor_url(), form_data(title="改过的标题"))
    first.refresh_from_db()
    assert Questionnaire.objects.count() == 1
    assert first.title == "改过的标题"


def test_saving_an_answered_questionnaire_creates_the_next_version(cast, login, english):
    # given a questionnaire frozen by its first answer
    first = open_questionnaire(cast.campaign, items=SHEET, title="第一版")
    token = invitations(cast.target("county-a"), 1)[0][1]
    sheet = {"item_attitude": "30", "item_efficiency": "20", "item_integrity": "20"}
    do_submit_by_token(token, answers(**sheet), client=PHONE)
    client = login(cast.organizer)
    text = client.get(editor_url()).content.decode()
    assert "is frozen" in text and "Saving creates version 2" in text

    # when the organizer saves an edit
    client.post(editor_url(), form_data(title="第二版", items="服务态度 | 50\n办事效率 | 50"))

    # then version 2 holds it, and version 1 stays as it was answered
    first.refresh_from_db()
    second = Questionnaire.objects.get(version=2)
    assert (first.title, second.title) == ("第一版", "第二版")
    assert [i["label"] for i in first.items] == ["服务态度", "办事效率", "廉洁自律"]
    # An item whose label stays keeps its key, so item answers compare across versions.
    assert [(i["key"], i["max"]) for i in second.items] == [
        ("attitude", "50"),
        ("efficiency", "50"),
    ]
    assert second.frozen_at is None
    assert Response.objects.get().questionnaire == first
    history = client.get(editor_url()).content.decode()
    assert "v2" in history and "v1" in history


@pytest.mark.parametrize(
    "items, expected",
    [
        ("服务态度 | abc", "“abc” is not a number of points"),
        ("服务态度 40", "Line 1: write “label | maximum points”"),
        ("服务态度 | 40\n办事效率 | 30", "add up to 100 (they add up to 70)"),
        ("服务态度 | 100.005", "at most two decimals"),
    ],
)
def test_bad_items_are_named_on_the_items_field_and_nothing_is_saved(
    cast, login, english, items, expected
):
    page = login(cast.organizer).post(editor_url(), form_data(items=items))
    assert page.status_code == 400
    errors = page.context["form"].errors
    assert list(errors) == ["items"]
    assert any(expected in message for message in errors["items"])
    assert not Questionnaire.objects.exists()


def test_other_action_errors_land_on_their_fields(cast, login, english):
    client = login(cast.organizer)
    page = client.post(editor_url(), form_data(burst_minutes="0", max_text_length="x"))
    assert page.status_code == 400
    # The form's own check comes first: a value that is no number never reaches the action.
    assert list(page.context["form"].errors) == ["max_text_length"]

    page = client.post(editor_url(), form_data(burst_minutes="0"))
    assert "from 1 to 1440" in page.context["form"].errors["burst_minutes"][0]

    page = client.post(editor_url(), form_data(closes_on="2026-08-01"))
    assert "on or after the day it opens" in page.context["form"].errors["closes_on"][0]
    assert not Questionnaire.objects.exists()


def test_categories_fixed_by_the_scheme_cannot_be_edited(cast, login):
    scheme = {
        "name": "weighted",
        "components": [
            {
                "key": "survey",
                "label": "满意度",
                "weight": 100,
                "source": "survey",
                "tiers": [{"label": "满意", "value": 1}, {"label": "不满意", "value": 0}],
                "categories": {"服务对象": 0.5, "人大代表": 0.5},
            }
        ],
        "grades": {"bands": [{"label": "好", "min": 0}]},
    }
    type(cast.campaign).objects.filter(pk=cast.campaign.pk).update(scheme=scheme)
    client = login(cast.organizer)
    page = client.get(editor_url())
    assert page.context["form"].fields["categories"].disabled

    client.post(editor_url(), form_data(categories="别的类别"))

    # As a set: PostgreSQL's jsonb keeps a mapping's keys in its own order.
    assert set(Questionnaire.objects.get().categories) == {"服务对象", "人大代表"}


@pytest.mark.parametrize("persona", ["leader", "tallier", "liaison", "nobody"])
def test_only_an_organizer_edits_the_questionnaire(cast, login, persona):
    questionnaire = open_questionnaire(cast.campaign, title="原标题")
    client = login(getattr(cast, persona))
    assert client.get(editor_url()).status_code == 403
    assert client.post(editor_url(), form_data(title="篡改")).status_code == 403
    questionnaire.refresh_from_db()
    assert questionnaire.title == "原标题"
    assert Questionnaire.objects.count() == 1
    assert Event.objects.filter(action="surveys.questionnaire_saved").count() == 1


def test_the_preview_shows_the_questions_with_a_banner_and_no_way_to_submit(cast, login, english):
    open_questionnaire(cast.campaign, items=SHEET, tier_prompt="总体评价如何？")
    page = login(cast.organizer).get(reverse("surveys:questionnaire_preview", args=[CODE]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Preview – answers are not saved" in text
    assert "总体评价如何？" in text
    for label in ("优秀", "满意", "基本满意", "不满意", "服务态度", "办事效率", "服务对象"):
        assert label in text
    assert "disabled" in text
    assert "<form" not in text.split('id="main"')[1].split("</main>")[0]
    assert not Response.objects.exists()


def test_the_preview_before_any_save_shows_the_defaults_and_stores_nothing(cast, login, english):
    page = login(cast.leader).get(reverse("surveys:questionnaire_preview", args=[CODE]))
    assert page.status_code == 200
    assert "Preview – answers are not saved" in page.content.decode()
    assert "Not saved yet" in page.content.decode()
    assert not Questionnaire.objects.exists()


def test_an_older_version_can_be_previewed_and_an_unknown_one_is_404(cast, login):
    open_questionnaire(cast.campaign, title="第一版")
    client = login(cast.organizer)
    url = reverse("surveys:questionnaire_preview", args=[CODE])
    assert "第一版" in client.get(url + "?version=1").content.decode()
    assert client.get(url + "?version=7").status_code == 404
    assert client.get(url + "?version=x").status_code == 404


def test_a_liaison_gets_no_preview(cast, login):
    open_questionnaire(cast.campaign)
    page = login(cast.liaison).get(reverse("surveys:questionnaire_preview", args=[CODE]))
    assert page.status_code == 403


def test_item_lines_keep_known_keys_and_give_new_items_free_ones():
    items = parse_items("新项目 | 20\n服务态度 | 80\n\n", {"服务态度": "i1"})
    assert items == [
        {"key": "i2", "label": "新项目", "max": "20"},
        {"key": "i1", "label": "服务态度", "max": "80"},
    ]


def test_the_campaign_dashboard_links_staff_to_surveys_and_liaisons_to_progress(cast, client):
    overview = reverse("surveys:overview", args=[cast.campaign.code])
    progress = reverse("surveys:progress", args=[cast.campaign.code])
    dashboard = reverse("campaigns:dashboard", args=[cast.campaign.code])
    for user, shown, hidden in (
        (cast.organizer, overview, None),
        (cast.tallier, overview, None),
        (cast.evaluator, progress, overview),
        (cast.liaison, progress, overview),
    ):
        client.force_login(user)
        page = client.get(dashboard).content.decode()
        assert shown in page
        assert hidden is None or f'href="{hidden}"' not in page
