from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import Event
from campaigns.actions import do_load_campaign_spec
from pingyi.testing import OPERATOR, small_spec
from surveys.models import Questionnaire
from surveys.questionnaires import current_questionnaire, defaults, do_save_questionnaire
from surveys.submission import do_submit_by_token
from surveys.tests.factories import PHONE, SHEET, answers, invitations, open_questionnaire


def test_a_first_save_takes_its_dates_from_the_evaluate_phase(cast):
    questionnaire = do_save_questionnaire(cast.campaign, {}, acting_user=cast.organizer)
    assert (questionnaire.version, questionnaire.opens_on, questionnaire.closes_on) == (
        1,
        date(2026, 9, 1),
        date(2026, 9, 15),
    )
    assert questionnaire.ask_problems and questionnaire.ask_suggestions
    assert questionnaire.intro  # the promise of anonymity
    assert Event.objects.filter(action="surveys.questionnaire_saved").count() == 1


def test_item_maxima_must_add_up_to_100_and_every_error_is_named(cast):
    with pytest.raises(ValidationError) as caught:
        do_save_questionnaire(
            cast.campaign,
            {
                "title": "",
                "items": [{"label": "服务态度", "max": "40"}, {"label": "", "max": "abc"}],
                "opens_on": date(2026, 9, 10),
                "closes_on": date(2026, 9, 1),
            },
            acting_user=cast.organizer,
        )
    errors = caught.value.message_dict
    assert set(errors) == {"title", "items"}
    assert any("Item 2" in m or "第 2" in m for m in errors["items"])
    assert not Questionnaire.objects.exists()


def test_the_survey_must_close_after_it_opens(cast, english):
    with pytest.raises(ValidationError) as caught:
        do_save_questionnaire(
            cast.campaign,
            {"opens_on": date(2026, 9, 10), "closes_on": date(2026, 9, 1)},
            acting_user=cast.organizer,
        )
    assert "close on or after" in caught.value.message_dict["closes_on"][0]


def test_items_adding_up_to_90_are_refused(cast, english):
    items = [{"label": "甲", "max": "50"}, {"label": "乙", "max": "40"}]
    with pytest.raises(ValidationError) as caught:
        do_save_questionnaire(cast.campaign, {"items": items}, acting_user=cast.organizer)
    assert "add up to 90" in caught.value.message_dict["items"][0]


def test_only_an_organizer_edits_the_questionnaire(cast):
    for user in (cast.liaison, cast.tallier, cast.nobody):
        with pytest.raises(PermissionDenied):
            do_save_questionnaire(cast.campaign, {}, acting_user=user)
    assert not Questionnaire.objects.exists()


def test_an_answered_questionnaire_is_frozen_and_a_save_makes_the_next_version(cast):
    first = open_questionnaire(cast.campaign, items=SHEET)
    edited = do_save_questionnaire(cast.campaign, {"title": "改过的标题"}, acting_user=None)
    assert edited.pk == first.pk and edited.version == 1  # not answered yet: edited in place
    token = invitations(cast.target("county-a"), 1)[0][1]
    data = answers(item_attitude="40", item_efficiency="30", item_integrity="30")
    stored = do_submit_by_token(token, data, client=PHONE).response
    first.refresh_from_db()
    assert first.is_frozen

    second = do_save_questionnaire(cast.campaign, {"title": "第二版"}, acting_user=None)

    first.refresh_from_db()
    assert (second.version, first.title) == (2, "改过的标题")
    assert current_questionnaire(cast.campaign) == second
    assert stored.questionnaire_id == first.pk


def test_a_scheme_with_categories_fixes_the_questionnaire_categories(db):
    spec = small_spec()
    spec["scheme"] = {
        "name": "带类别",
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
    campaign = do_load_campaign_spec(spec, acting_user=OPERATOR).campaign
    assert defaults(campaign)["categories"] == ["服务对象", "人大代表"]
    saved = do_save_questionnaire(campaign, {"categories": ["别的"]}, acting_user=None)
    assert saved.categories == ["服务对象", "人大代表"]


def test_a_score_sheet_only_scheme_needs_items(db, english):
    campaign = do_load_campaign_spec(
        small_spec(scheme={"preset": "dongguan-2009"}), acting_user=OPERATOR
    ).campaign
    with pytest.raises(ValidationError) as caught:
        do_save_questionnaire(campaign, {}, acting_user=None)
    assert "score-sheet items" in caught.value.message_dict["items"][0]


def test_a_scheme_that_counts_a_score_sheet_needs_items_and_maxima_stay_sane(db, english):
    spec = small_spec()
    spec["scheme"] = {
        "name": "等次加评分表",
        "components": [
            {
                "key": "survey",
                "label": "满意度",
                "weight": 50,
                "source": "survey",
                "tiers": [{"label": "满意", "value": 1}, {"label": "不满意", "value": 0}],
            },
            {"key": "sheet", "label": "评分表", "weight": 50, "source": "survey_score"},
        ],
        "grades": {"bands": [{"label": "好", "min": 0}]},
    }
    campaign = do_load_campaign_spec(spec, acting_user=OPERATOR).campaign
    with pytest.raises(ValidationError) as caught:
        do_save_questionnaire(campaign, {}, acting_user=None)
    assert "counts a score sheet" in caught.value.message_dict["items"][0]
    with pytest.raises(ValidationError) as caught:
        do_save_questionnaire(
            campaign, {"items": [{"label": "甲", "max": "1e30"}]}, acting_user=None
        )
    assert "Item 1" in caught.value.message_dict["items"][0]
