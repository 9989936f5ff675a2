import json
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client as HttpClient
from django.utils import timezone

from audit.models import Event
from surveys.models import FailedTokenTry, Invitation, InvitationBatch, Response
from surveys.submission import do_submit_by_token
from surveys.tests.factories import PHONE, SHEET, answers, invitations, open_questionnaire
from surveys.tokens import grouped, token_hash

pytestmark = pytest.mark.django_db

RESPOND = "/api/v1/surveys/respond"
QUESTIONNAIRE = "/api/v1/surveys/questionnaire"
BATCHES = "/api/v1/surveys/campaigns/c-2026/invitation-batches"
PROGRESS = "/api/v1/surveys/campaigns/c-2026/progress"
FULL_SHEET = {"attitude": 38, "efficiency": "27.5", "integrity": 30}
KEY = "replay-key-0123456789"


def _post(client, url, data, **extra):
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def _answer(token, *, key=KEY, **answered):
    body = {"token": token, "answers": {"tier": "满意", "category": "服务对象", **answered}}
    return {**body, "submission_key": key} if key else body


def _token(cast, *, items=None, category="", **fields):
    open_questionnaire(cast.campaign, items=items, **fields)
    return invitations(cast.target("county-a"), 1, category=category)[0][1]


def _nothing_created(events_before: int) -> bool:
    return (
        not InvitationBatch.objects.exists()
        and not Invitation.objects.exists()
        and Event.objects.count() == events_before
    )


# ---- answering by token ---------------------------------------------------------------------


def test_a_respondent_answers_by_token_in_the_body_and_gets_a_receipt(client, cast):
    token = _token(cast, items=SHEET)

    reply = _post(client, RESPOND, _answer(token, items=FULL_SHEET, suggestions="多开窗口"))

    assert reply.status_code == 201
    body = reply.json()
    stored = Response.objects.get()
    assert body == {"receipt": stored.receipt, "created": True}
    assert reply["Cache-Control"] == "no-store"
    assert (stored.tier, stored.category, stored.suggestions) == ("满意", "服务对象", "多开窗口")
    assert {k: Decimal(v) for k, v in stored.items.items()} == {
        "attitude": 38,
        "efficiency": Decimal("27.5"),
        "integrity": 30,
    }
    assert str(stored.score) == "95.50"
    assert Invitation.objects.get().used is True


def test_a_replayed_submission_gets_the_same_receipt_and_another_one_is_told_used(client, cast):
    token = _token(cast)
    first = _post(client, RESPOND, _answer(token)).json()

    replay = _post(client, RESPOND, _answer(token))
    again = _post(client, RESPOND, _answer(token, key="another-key-0123456789"))
    keyless = _post(client, RESPOND, _answer(grouped(token).upper(), key=None))

    assert (replay.status_code, replay.json()) == (200, {**first, "created": False})
    assert again.status_code == keyless.status_code == 409
    assert again.json()["code"] == "used" and again.json()["detail"]
    assert Response.objects.count() == 1


def test_an_unknown_code_is_404_and_counts_towards_the_throttle_until_429(client, cast, settings):
    settings.PINGYI_TOKEN_TRIES_PER_HOUR = 2
    token = _token(cast)
    wrong = "a" * 26

    replies = [_post(client, RESPOND, _answer(wrong)) for _ in range(2)]
    blocked = _post(client, RESPOND, _answer("b" * 26))
    elsewhere = _post(client, RESPOND, _answer("c" * 26), REMOTE_ADDR="192.0.2.9")
    # The guessing address is refused everything; a neighbour's real code still works.
    again = _post(client, RESPOND, _answer(token))
    real = _post(client, RESPOND, _answer(token), REMOTE_ADDR="127.0.0.2")

    assert [r.status_code for r in replies] == [404, 404]
    assert replies[0].json()["code"] == "unknown"
    assert (blocked.status_code, blocked.json()["code"]) == (429, "throttled")
    assert elsewhere.status_code == 404
    assert (again.status_code, real.status_code) == (429, 201)
    assert sorted(FailedTokenTry.objects.values_list("count", flat=True)) == [1, 1, 2, 2]
    assert Response.objects.count() == 1


def test_a_survey_not_open_yet_or_closed_is_403_and_stores_nothing(client, cast, english):
    today = timezone.localdate()
    token = _token(cast, opens_on=today + timedelta(days=2), closes_on=today + timedelta(days=9))

    early = _post(client, RESPOND, _answer(token))
    with time_machine.travel(timezone.now() + timedelta(days=12)):
        late = _post(client, RESPOND, _answer(token))

    assert (early.status_code, early.json()["code"]) == (403, "not_open")
    assert "opens on" in early.json()["detail"]
    assert (late.status_code, late.json()["code"]) == (403, "closed")
    assert not Response.objects.exists() and Invitation.objects.get().used is None


def test_bad_answers_get_422_naming_each_field_and_store_nothing(client, cast, english):
    token = _token(cast, items=SHEET)
    bad = _answer(
        token,
        tier="",
        items={**FULL_SHEET, "attitude": 41, "bogus": 3},
        problems="长" * 2001,
    )

    unknown_item = _post(client, RESPOND, bad)
    del bad["answers"]["items"]["bogus"]
    reply = _post(client, RESPOND, bad)

    assert unknown_item.status_code == 422
    assert list(unknown_item.json()["errors"]) == ["items.bogus"]
    assert reply.status_code == 422
    errors = reply.json()["errors"]
    assert set(errors) == {"tier", "items.attitude", "problems"}
    assert errors["tier"] == ["Please choose an overall rating."]
    assert "from 0 to 40" in errors["items.attitude"][0]
    assert "2000 characters" in errors["problems"][0]
    assert "Please choose an overall rating." in reply.json()["detail"]
    assert not Response.objects.exists() and Invitation.objects.get().used is None


def test_a_body_that_is_not_json_or_lacks_the_answers_is_refused(client, cast):
    token = _token(cast)
    as_form = client.post(RESPOND, {"token": token, "tier": "满意"})
    as_text = client.post(RESPOND, f"token={token}", content_type="text/plain")
    no_answers = _post(client, RESPOND, {"token": token})
    short_key = _post(client, RESPOND, _answer(token, key="short"))
    assert as_form.status_code == as_text.status_code == 400
    assert as_form.json() == {"detail": "Cannot parse request body"}
    assert no_answers.status_code == short_key.status_code == 422
    assert no_answers.json()["detail"][0]["loc"] == ["body", "payload", "answers"]
    assert short_key.json()["detail"][0]["loc"] == ["body", "payload", "submission_key"]
    assert not Response.objects.exists() and Invitation.objects.get().used is None


def test_the_token_never_travels_in_a_url(client, cast):
    token = _token(cast)
    assert client.get(f"/api/v1/surveys/respond/{token}").status_code in (404, 405)
    assert _post(client, f"/api/v1/surveys/respond/{token}", _answer(token)).status_code in (
        404,
        405,
    )
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/api/v1/surveys/") and "token" in p]
    assert not Response.objects.exists()


def test_the_questionnaire_for_a_token_shows_what_to_ask_and_the_fixed_category(client, cast):
    token = _token(cast, items=SHEET, category="人大代表")

    reply = _post(client, QUESTIONNAIRE, {"token": grouped(token)})

    assert reply.status_code == 200
    body = reply.json()
    assert body["target"] == "county-a" and body["target_name"] == "甲县局"
    assert body["tiers"] == ["优秀", "满意", "基本满意", "不满意", "不了解"]
    assert (body["fixed_category"], body["categories"]) == ("人大代表", [])
    assert body["items"][0] == {"key": "attitude", "label": "服务态度", "max": "40"}
    assert body["ask_problems"] and body["ask_suggestions"] and body["version"] == 1
    assert body["opens_on"] == str(timezone.localdate() - timedelta(days=1))
    assert reply["Cache-Control"] == "no-store"


def test_the_questionnaire_of_a_used_or_unknown_token_is_refused(client, cast):
    token = _token(cast)
    assert _post(client, QUESTIONNAIRE, {"token": token}).json()["categories"] == [
        "服务对象",
        "人大代表",
        "行风监督员",
    ]
    do_submit_by_token(token, answers(), client=PHONE)

    used = _post(client, QUESTIONNAIRE, {"token": token})
    unknown = _post(client, QUESTIONNAIRE, {"token": "b" * 26})

    assert (used.status_code, used.json()["code"]) == (409, "used")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown")


# ---- invitation batches -----------------------------------------------------------------------


def test_an_organizer_creates_a_batch_and_gets_its_tokens_once(login, cast):
    open_questionnaire(cast.campaign)
    client = login(cast.organizer)

    reply = _post(
        client, BATCHES, {"target": "county-b", "size": 3, "category": "人大代表", "label": "代表"}
    )

    assert reply.status_code == 201
    body = reply.json()
    assert {k: body[k] for k in ("number", "target", "category", "label", "size")} == {
        "number": 1,
        "target": "county-b",
        "category": "人大代表",
        "label": "代表",
        "size": 3,
    }
    assert [t["card"] for t in body["tokens"]] == ["B1-0001", "B1-0002", "B1-0003"]
    for row in body["tokens"]:
        assert row["link"] == f"http://testserver/s/{row['token']}/"
    stored = set(Invitation.objects.values_list("token_hash", flat=True))
    assert stored == {token_hash(t["token"]) for t in body["tokens"]}
    assert reply["Cache-Control"] == "no-store"
    event = Event.objects.get(action="surveys.invitations_created")
    assert event.actor == cast.organizer and event.data["size"] == 3
    # and the tokens it returned are accepted, with the batch's category
    answered = _post(HttpClient(), RESPOND, _answer(body["tokens"][0]["token"]))
    assert answered.status_code == 201
    assert Response.objects.get().category == "人大代表"


@pytest.mark.parametrize("persona", ["liaison", "tallier", "leader", "nobody"])
def test_only_organizers_create_batches_and_nothing_is_created_otherwise(login, cast, persona):
    open_questionnaire(cast.campaign)
    events = Event.objects.count()
    client = login(getattr(cast, persona))

    reply = _post(client, BATCHES, {"target": "county-a", "size": 2})

    assert reply.status_code == 403
    assert _nothing_created(events)


def test_creating_a_batch_needs_a_login_and_a_csrf_token(client, cast):
    open_questionnaire(cast.campaign)
    events = Event.objects.count()
    anonymous = _post(client, BATCHES, {"target": "county-a", "size": 2})
    guarded = HttpClient(enforce_csrf_checks=True)
    guarded.force_login(cast.organizer)
    forged = _post(guarded, BATCHES, {"target": "county-a", "size": 2})
    assert anonymous.status_code == 401
    assert forged.status_code == 403
    assert _nothing_created(events)


def test_bad_batch_input_names_the_field_and_creates_nothing(login, cast, english):
    open_questionnaire(cast.campaign)
    events = Event.objects.count()
    client = login(cast.organizer)

    unknown = _post(client, BATCHES, {"target": "prov", "size": 2})
    empty = _post(client, BATCHES, {"target": "county-a", "size": 0})
    huge = _post(client, BATCHES, {"target": "county-a", "size": 10_001})
    stranger = _post(client, BATCHES, {"target": "county-a", "size": 2, "category": "路人"})

    assert unknown.status_code == 422
    assert unknown.json()["errors"] == {"target": ["The target is not part of this campaign."]}
    assert empty.status_code == huge.status_code == 422
    assert "from 1 to 10000" in empty.json()["errors"]["size"][0]
    assert list(huge.json()["errors"]) == ["size"]
    assert stranger.status_code == 422
    assert "not a respondent category" in stranger.json()["errors"]["category"][0]
    assert _nothing_created(events)


def test_the_batch_list_shows_use_but_no_tokens_to_organizers_only(login, cast):
    open_questionnaire(cast.campaign)
    tokens = invitations(cast.target("county-a"), 4)
    invitations(cast.target("county-b"), 2)
    do_submit_by_token(tokens[0][1], answers(), client=PHONE)

    listing = login(cast.organizer).get(BATCHES)

    assert listing.status_code == 200
    rows = listing.json()
    assert [(r["number"], r["target"], r["size"], r["used"], r["rate"]) for r in rows] == [
        (1, "county-a", 4, 1, 25.0),
        (2, "county-b", 2, 0, 0.0),
    ]
    assert "token" not in json.dumps(rows) and tokens[0][1] not in listing.content.decode()
    assert login(cast.liaison).get(BATCHES).status_code == 403


# ---- progress -----------------------------------------------------------------------------------


def test_progress_counts_responses_per_target_and_category_but_never_what_was_answered(login, cast):
    open_questionnaire(cast.campaign)
    tokens = invitations(cast.target("county-a"), 3)
    do_submit_by_token(tokens[0][1], answers(tier="优秀"), client=PHONE)
    do_submit_by_token(tokens[1][1], answers(tier="不满意", category="人大代表"), client=PHONE)

    reply = login(cast.organizer).get(PROGRESS)

    assert reply.status_code == 200
    body = reply.json()
    targets = {t["target"]: t for t in body["targets"]}
    assert set(targets) == {"county-a", "county-b", "county-c"}
    county_a = targets["county-a"]
    assert (county_a["counted"], county_a["excluded"], county_a["awaiting_review"]) == (2, 0, 0)
    assert {c["category"]: c["counted"] for c in county_a["categories"]} == {
        "服务对象": 1,
        "人大代表": 1,
        "行风监督员": 0,
    }
    assert targets["county-b"]["counted"] == 0
    assert [(b["number"], b["used"], b["size"]) for b in body["batches"]] == [(1, 2, 3)]
    text = reply.content.decode()
    for sealed in ("优秀", "不满意", '"tier"', '"score"', '"items"'):
        assert sealed not in text


def test_a_liaison_sees_the_progress_of_its_own_unit_only_and_outsiders_none(login, cast):
    open_questionnaire(cast.campaign)
    invitations(cast.target("county-a"), 2)
    invitations(cast.target("county-b"), 2)

    own = login(cast.liaison).get(PROGRESS).json()
    outsider = login(cast.nobody).get(PROGRESS)

    assert [t["target"] for t in own["targets"]] == ["county-a"]
    assert [b["target"] for b in own["batches"]] == ["county-a"]
    assert outsider.status_code == 403


def test_the_openapi_schema_lists_the_survey_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"post"} <= set(paths["/api/v1/surveys/respond"])
    assert {"post"} <= set(paths["/api/v1/surveys/questionnaire"])
    assert {"get", "post"} <= set(paths["/api/v1/surveys/campaigns/{code}/invitation-batches"])
    assert {"get"} <= set(paths["/api/v1/surveys/campaigns/{code}/progress"])
    respond = paths["/api/v1/surveys/respond"]["post"]
    assert {"200", "201", "403", "404", "409", "422", "429"} <= set(respond["responses"])
    assert "security" not in respond  # public: no login
    progress = paths["/api/v1/surveys/campaigns/{code}/progress"]["get"]
    assert progress["security"] == [{"SessionAuth": []}]


def test_a_nul_byte_in_a_batch_target_is_a_field_error(cast, client):
    client.force_login(cast.organizer)
    reply = client.post(
        f"/api/v1/surveys/campaigns/{cast.campaign.code}/invitation-batches",
        {"target": "county-a\x00", "size": 2},
        content_type="application/json",
    )
    assert reply.status_code == 422
    assert "target" in reply.json()["errors"]
