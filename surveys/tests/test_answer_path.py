"""The answering path's shortcuts give what the plain ORM gives (issue 6: load).

The token lookup is one hand-written query turned into model instances; the
campaign's scheme is parsed once per content, the blank questions rendered
once per content and language; a reused form key is caught by the unique
constraint instead of a query before every answer.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from campaigns.models import Campaign, Target
from orgs.models import Unit
from scoring.schemes import load_preset
from surveys import submission
from surveys.answers import form_for
from surveys.models import Invitation, InvitationBatch, Questionnaire, Response
from surveys.public_views import QUESTIONS_TEMPLATE, blank_questions
from surveys.submission import Refusal, campaign_scheme, do_submit_by_token, open_invitation
from surveys.tests.factories import PHONE, SHEET, answers, invitations, open_questionnaire


def fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_the_token_lookup_loads_every_field_as_the_orm_does(cast):
    # given a questionnaire with JSON, dates and booleans, and a batch with a fixed category
    open_questionnaire(cast.campaign, items=SHEET, ask_suggestions=False)
    token = invitations(cast.target("county-a"), 1, category="人大代表")[0][1]
    sheet = {f"item_{item['key']}": "10" for item in SHEET}
    do_submit_by_token(
        invitations(cast.target("county-b"), 1)[0][1], answers(**sheet), client=PHONE
    )

    # when the token is opened
    opened = open_invitation(token, PHONE)

    # then each instance holds exactly what the ORM reads from its row
    invitation = opened.invitation
    batch, target = invitation.batch, opened.target
    expected = [
        (invitation, Invitation.objects.get(pk=invitation.pk)),
        (batch, InvitationBatch.objects.get(pk=batch.pk)),
        (target, Target.objects.get(pk=target.pk)),
        (target.unit, Unit.objects.get(pk=target.unit_id)),
        (target.campaign, Campaign.objects.get(pk=target.campaign_id)),
        (opened.form.questionnaire, Questionnaire.objects.get(pk=opened.form.questionnaire.pk)),
    ]
    for loaded, orm in expected:
        assert fields(loaded) == fields(orm), type(orm).__name__
    assert opened.form.questionnaire.is_frozen
    assert opened.form.fixed_category == "人大代表"
    assert [item.key for item in opened.form.items] == [item["key"] for item in SHEET]
    assert batch.target is target and invitation.used is None


def test_opening_a_token_is_one_query(cast, django_assert_num_queries):
    open_questionnaire(cast.campaign)
    token = invitations(cast.target("county-a"), 1)[0][1]
    with django_assert_num_queries(1):
        opened = open_invitation(token, PHONE)
    with django_assert_num_queries(0):
        assert opened.target.unit.name and opened.campaign.name and opened.form.tiers


def test_the_lookup_finds_the_newest_questionnaire_version(cast):
    first = open_questionnaire(cast.campaign)
    token, other = (t for _, t in invitations(cast.target("county-a"), 2))
    do_submit_by_token(other, answers(), client=PHONE)  # freezes version 1
    second = open_questionnaire(cast.campaign, title="第二版")

    opened = open_invitation(token, PHONE)

    assert (first.version, second.version) == (1, 2)
    assert opened.form.questionnaire.pk == second.pk
    assert opened.form.questionnaire.title == "第二版"


def test_a_campaign_without_questionnaire_refuses_a_known_token(cast):
    token = invitations(cast.target("county-a"), 1)[0][1]
    with pytest.raises(Refusal) as caught:
        open_invitation(token, PHONE)
    assert caught.value.code == Refusal.NO_QUESTIONNAIRE


def test_a_changed_scheme_is_parsed_anew(cast):
    campaign = cast.campaign
    before = campaign_scheme(campaign)
    campaign.scheme = {**load_preset(campaign.scheme["preset"]), "min_responses": 7}
    after = campaign_scheme(campaign)
    assert before.min_responses != 7 and after.min_responses == 7
    assert campaign_scheme(campaign) is after  # parsed once per content


def test_a_broken_scheme_is_refused_as_before(cast, english):
    campaign = cast.campaign
    campaign.scheme = {"preset": "no-such-preset"}
    with pytest.raises(ValidationError, match="scheme is not valid"):
        campaign_scheme(campaign)


def test_a_reused_form_key_with_wrong_answers_reports_the_answers_and_stores_nothing(cast, english):
    # given a form key already stored with another code
    open_questionnaire(cast.campaign)
    first, second = (t for _, t in invitations(cast.target("county-a"), 2))
    do_submit_by_token(first, answers(), client=PHONE, submission_key="s" * 24)

    # when it comes again with another code and a wrong answer, the answers are
    # checked first (the key is refused by the unique constraint when storing)
    with pytest.raises(ValidationError) as caught:
        do_submit_by_token(second, answers(tier="很好"), client=PHONE, submission_key="s" * 24)
    assert set(caught.value.message_dict) == {"tier"}
    # and with right answers, the key is refused
    with pytest.raises(ValidationError) as caught:
        do_submit_by_token(second, answers(), client=PHONE, submission_key="s" * 24)
    assert set(caught.value.message_dict) == {"submission_key"}

    # then nothing was stored and the second code is still unused
    assert Response.objects.count() == 1
    assert Invitation.objects.filter(used=True).count() == 1


def test_an_answer_makes_no_query_before_taking_the_invitation(cast):
    """No replay lookup and no questionnaire lock before the conditional UPDATE of a
    frozen questionnaire's answer: opening, then straight to the guard."""
    open_questionnaire(cast.campaign)
    token, other = (t for _, t in invitations(cast.target("county-a"), 2))
    do_submit_by_token(other, answers(), client=PHONE)  # freezes the questionnaire

    with CaptureQueriesContext(connection) as queries:
        do_submit_by_token(token, answers(), client=PHONE, submission_key="q" * 24)

    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert not any("FOR UPDATE" in q["sql"] for q in queries.captured_queries)
    writes = [s for s in statements if s in ("UPDATE", "INSERT")]
    assert writes[0] == "UPDATE"  # used = true, the one-time guard
    assert statements.count("SELECT") == 1  # the lookup


def test_the_lookup_sql_is_built_once_per_process(cast):
    open_questionnaire(cast.campaign)
    token = invitations(cast.target("county-a"), 1)[0][1]
    open_invitation(token, PHONE)
    hits = submission._lookup_sql.cache_info().hits
    open_invitation(token, PHONE)
    assert submission._lookup_sql.cache_info().hits == hits + 1


def _fresh(form) -> str:
    context = {"form": form, "values": {}, "errors": {}, "disabled": False}
    return render_to_string(QUESTIONS_TEMPLATE, context)


@pytest.mark.parametrize(
    "change",
    [
        {"tier_prompt": "总体而言？"},
        {"category_prompt": "您是？"},
        {"ask_problems": False},
        {"ask_suggestions": False},
        {"max_text_length": 123},
        {"items": [*SHEET[:2], {"key": "other", "label": "其他", "max": "30"}]},
    ],
)
def test_blank_questions_are_rendered_anew_when_what_they_show_changes(cast, change):
    questionnaire = open_questionnaire(cast.campaign, items=SHEET)
    before = blank_questions(form_for(questionnaire))
    assert before == _fresh(form_for(questionnaire))

    for name, value in change.items():
        setattr(questionnaire, name, value)  # same row, other content
    after = blank_questions(form_for(questionnaire))

    assert after != before
    assert after == _fresh(form_for(questionnaire))


def test_blank_questions_follow_the_language_and_the_fixed_category(cast):
    questionnaire = open_questionnaire(cast.campaign)
    chinese = blank_questions(form_for(questionnaire))
    with translation.override("en"):
        english = blank_questions(form_for(questionnaire))
        assert english == _fresh(form_for(questionnaire))
    fixed = blank_questions(form_for(questionnaire, fixed_category="人大代表"))
    assert len({chinese, english, fixed}) == 3
    assert fixed == _fresh(form_for(questionnaire, fixed_category="人大代表"))
