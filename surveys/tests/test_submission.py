from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from surveys.models import FailedTokenTry, FlagKind, Invitation, Response, ResponseFlag
from surveys.submission import (
    Client,
    Refusal,
    do_submit_by_token,
    do_submit_open_link,
)
from surveys.tests.factories import (
    PHONE,
    SHEET,
    answers,
    invitations,
    open_link,
    open_questionnaire,
)
from surveys.tokens import grouped

FULL_SHEET = {"item_attitude": "40", "item_efficiency": "30", "item_integrity": "30"}


def kinds(response):
    return sorted(response.flags.values_list("kind", flat=True))


def test_a_token_is_accepted_once_and_a_replay_gets_the_same_receipt(cast):
    open_questionnaire(cast.campaign)
    token = invitations(cast.target("county-a"), 1)[0][1]

    first = do_submit_by_token(token, answers(), client=PHONE, submission_key="k" * 24)
    replay = do_submit_by_token(token, answers(), client=PHONE, submission_key="k" * 24)
    with pytest.raises(Refusal) as caught:
        do_submit_by_token(token, answers(), client=PHONE, submission_key="x" * 24)

    assert (first.created, replay.created, replay.receipt) == (True, False, first.receipt)
    assert caught.value.code == Refusal.USED
    assert Response.objects.count() == 1
    assert Invitation.objects.get().used is True


def test_a_typed_code_with_dashes_and_capitals_is_the_same_token(cast):
    open_questionnaire(cast.campaign)
    token = invitations(cast.target("county-a"), 1)[0][1]
    typed = grouped(token).upper()
    assert do_submit_by_token(typed, answers(), client=PHONE).created


def test_bad_answers_store_nothing_and_leave_the_token_unused(cast, english):
    open_questionnaire(cast.campaign, items=SHEET)
    token = invitations(cast.target("county-a"), 1)[0][1]
    bad = answers(tier="", **{**FULL_SHEET, "item_attitude": "41"}, problems="长" * 2001)
    with pytest.raises(ValidationError) as caught:
        do_submit_by_token(token, bad, client=PHONE)
    errors = caught.value.message_dict
    assert set(errors) == {"tier", "item_attitude", "problems"}
    assert "from 0 to 40" in errors["item_attitude"][0]
    assert "2000 characters" in errors["problems"][0]
    assert not Response.objects.exists()
    assert Invitation.objects.get().used is None


def test_an_invitation_fixes_the_category_and_a_stray_tier_is_refused(cast, english):
    open_questionnaire(cast.campaign)
    token = invitations(cast.target("county-a"), 1, category="人大代表")[0][1]
    with pytest.raises(ValidationError) as caught:
        do_submit_by_token(token, answers(tier="非常好"), client=PHONE)
    assert "not one of the offered ratings" in caught.value.message_dict["tier"][0]
    stored = do_submit_by_token(token, answers(category="服务对象"), client=PHONE).response
    assert stored.category == "人大代表"


def test_unknown_codes_count_against_the_network_until_it_is_throttled(cast, settings):
    settings.PINGYI_TOKEN_TRIES_PER_HOUR = 3
    open_questionnaire(cast.campaign)
    token, own = (t for _, t in invitations(cast.target("county-a"), 2))
    neighbour = Client(ip="203.0.113.99", user_agent="other phone")  # same /24
    for guess in ("a" * 26, "b" * 26, "not-even-a-token"):
        with pytest.raises(Refusal) as caught:
            do_submit_by_token(guess, answers(), client=PHONE)
        assert caught.value.code == Refusal.UNKNOWN
    with pytest.raises(Refusal) as caught:
        do_submit_by_token("c" * 26, answers(), client=neighbour)
    assert caught.value.code == Refusal.THROTTLED
    with pytest.raises(Refusal) as caught:
        do_submit_by_token("c" * 26, answers(), client=Client(ip="198.51.100.1"))
    assert caught.value.code == Refusal.UNKNOWN
    # The guesser may test no more codes, not even a right one ...
    with pytest.raises(Refusal) as caught:
        do_submit_by_token(own, answers(), client=PHONE)
    assert caught.value.code == Refusal.THROTTLED
    # ... but a neighbour's real code is never refused for the network's wrong guesses.
    assert do_submit_by_token(token, answers(), client=neighbour).created
    # The table holds a keyed hash of the network, never the address.
    assert all(
        "203.0.113" not in h for h in FailedTokenTry.objects.values_list("network_hash", flat=True)
    )


def test_the_survey_is_answered_only_between_its_dates(cast):
    questionnaire = open_questionnaire(cast.campaign)
    token = invitations(cast.target("county-a"), 1)[0][1]
    day_before = time_machine.travel(questionnaire.opens_on - timedelta(days=1))
    with day_before, pytest.raises(Refusal) as early:
        do_submit_by_token(token, answers(), client=PHONE)
    day_after = time_machine.travel(questionnaire.closes_on + timedelta(days=1))
    with day_after, pytest.raises(Refusal) as late:
        do_submit_by_token(token, answers(), client=PHONE)
    assert (early.value.code, late.value.code) == (Refusal.NOT_OPEN, Refusal.CLOSED)
    assert not Response.objects.exists()


def test_stored_time_is_the_day_or_the_hour_the_campaign_asks_for(cast):
    open_questionnaire(cast.campaign)
    target = cast.target("county-a")
    day = do_submit_by_token(invitations(target, 1)[0][1], answers(), client=PHONE).response
    open_questionnaire(cast.campaign, time_granularity="hour")
    hour = do_submit_by_token(invitations(target, 1)[0][1], answers(), client=PHONE).response
    local_day, local_hour = (timezone.localtime(r.submitted_at) for r in (day, hour))
    assert (local_day.hour, local_day.minute, local_day.second) == (0, 0, 0)
    assert (local_hour.minute, local_hour.second, local_hour.microsecond) == (0, 0, 0)
    assert local_hour.hour == timezone.localtime().hour


def test_the_same_phone_twice_on_an_open_link_is_flagged_not_dropped(cast):
    open_questionnaire(cast.campaign)
    link = open_link(cast.target("county-a"))
    first = do_submit_open_link(link.slug, answers(), client=PHONE).response
    again = do_submit_open_link(link.slug, answers(), client=PHONE).response
    other = do_submit_open_link(link.slug, answers(), client=Client("198.51.100.2", "x")).response
    assert (kinds(first), kinds(again), kinds(other)) == ([], [FlagKind.REPEAT_DEVICE], [])
    assert Response.objects.count() == 3
    assert "203.0.113.7" not in again.device_hash


def test_more_than_n_answers_in_m_minutes_on_an_open_link_are_a_burst(cast):
    open_questionnaire(cast.campaign, burst_count=3, burst_minutes=5)
    link = open_link(cast.target("county-a"))
    flagged = []
    for n in range(5):
        client = Client(ip=f"198.51.100.{n}", user_agent="x")
        response = do_submit_open_link(link.slug, answers(), client=client).response
        flagged.append(FlagKind.BURST in kinds(response))
    assert flagged == [False, False, False, True, True]


def test_speeders_and_straight_lining_are_flagged(cast):
    open_questionnaire(cast.campaign, items=SHEET, min_seconds=20)
    target = cast.target("county-a")
    tokens = [t for _, t in invitations(target, 2)]
    just_now = timezone.now() - timedelta(seconds=5)
    fast = do_submit_by_token(
        tokens[0], answers(**FULL_SHEET), client=PHONE, started_at=just_now, timed=True
    ).response
    slow = do_submit_by_token(
        tokens[1],
        answers(item_attitude="30", item_efficiency="30", item_integrity="20"),
        client=PHONE,
        started_at=timezone.now() - timedelta(minutes=3),
        timed=True,
    ).response
    assert kinds(fast) == [FlagKind.SPEEDER, FlagKind.STRAIGHT_LINE]
    assert (fast.flags.get(kind=FlagKind.SPEEDER).detail, kinds(slow)) == ("<20s", [])


def test_the_same_free_text_twice_is_flagged(cast):
    open_questionnaire(cast.campaign)
    target = cast.target("county-a")
    tokens = [t for _, t in invitations(target, 3)]
    text = "窗口办事排队时间太长，希望增加人手。"
    first = do_submit_by_token(tokens[0], answers(problems=text), client=PHONE).response
    copied = do_submit_by_token(
        tokens[1], answers(problems=" 窗口办事排队时间太长 希望增加人手 "), client=PHONE
    ).response
    short = do_submit_by_token(tokens[2], answers(problems="很好"), client=PHONE).response
    assert (kinds(first), kinds(copied), kinds(short)) == ([], [FlagKind.DUPLICATE_TEXT], [])
    assert ResponseFlag.objects.count() == 1


def test_a_tally_run_remembers_the_newest_response_it_saw(cast):
    from scoring.actions import do_start_tally_run

    open_questionnaire(cast.campaign)
    stored = do_submit_by_token(
        invitations(cast.target("county-a"), 1)[0][1], answers(), client=PHONE
    ).response
    with time_machine.travel("2026-09-10 10:00 +0800"):
        run = do_start_tally_run(cast.campaign, acting_user=cast.organizer)
    assert run.last_response_id == stored.pk


def test_item_scores_are_stored_in_one_spelling(cast):
    open_questionnaire(cast.campaign, items=SHEET)
    tokens = [t for _, t in invitations(cast.target("county-a"), 2)]
    padded = answers(item_attitude="37.50", item_efficiency="30", item_integrity="20.0")
    stored = do_submit_by_token(tokens[0], padded, client=PHONE).response
    assert stored.items == {"attitude": "37.5", "efficiency": "30", "integrity": "20"}


def test_the_client_address_comes_from_the_proxy_header_only_when_named(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.5")
    assert Client.of(request).ip == "10.0.0.1"
    settings.PINGYI_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    assert Client.of(request).ip == "203.0.113.5"
    forwarded = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9")
    settings.PINGYI_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    assert Client.of(forwarded).ip == "198.51.100.9"


def test_a_double_click_on_an_open_link_that_loses_the_race_gets_the_same_receipt(
    cast, monkeypatch
):
    from surveys import submission

    open_questionnaire(cast.campaign)
    link = open_link(cast.target("county-a"))
    first = do_submit_open_link(link.slug, answers(), client=PHONE, submission_key="d" * 24)
    # The second click passed the replay check before the first had committed.
    real = submission._replayed
    calls = []

    def late(key):
        calls.append(key)
        return None if len(calls) == 1 else real(key)

    monkeypatch.setattr(submission, "_replayed", late)
    again = do_submit_open_link(link.slug, answers(), client=PHONE, submission_key="d" * 24)
    assert (again.created, again.receipt) == (False, first.receipt)
    assert Response.objects.count() == 1


def test_huge_numbers_and_broken_text_get_messages_not_server_errors(cast, english):
    open_questionnaire(cast.campaign, items=SHEET)
    token = invitations(cast.target("county-a"), 1)[0][1]
    bad = answers(**{**FULL_SHEET, "item_attitude": "1e30", "item_efficiency": "3.333"})
    with pytest.raises(ValidationError) as caught:
        do_submit_by_token(token, bad, client=PHONE)
    assert set(caught.value.message_dict) == {"item_attitude", "item_efficiency"}
    broken = answers(**FULL_SHEET, problems="排队\ud800太久\x00了")
    stored = do_submit_by_token(token, broken, client=PHONE).response
    assert stored.problems == "排队?太久了"


def test_malformed_link_codes_never_reach_the_database(cast):
    open_questionnaire(cast.campaign)
    for slug in ("abc\x00defgh", "x" * 500, ""):
        with pytest.raises(Refusal) as caught:
            do_submit_open_link(slug, answers(), client=PHONE)
        assert caught.value.code == Refusal.UNKNOWN


def test_a_form_key_sent_again_with_another_code_is_refused_not_answered(cast, english):
    open_questionnaire(cast.campaign)
    first, second = (t for _, t in invitations(cast.target("county-a"), 2))
    do_submit_by_token(first, answers(), client=PHONE, submission_key="s" * 24)
    with pytest.raises(ValidationError) as caught:
        do_submit_by_token(second, answers(), client=PHONE, submission_key="s" * 24)
    assert "already sent with another code" in caught.value.message_dict["submission_key"][0]
    assert Invitation.objects.filter(used=True).count() == 1


def test_arrival_minutes_older_than_the_window_are_dropped_for_every_target(cast):
    from surveys.models import ArrivalCount

    open_questionnaire(cast.campaign, burst_minutes=5)
    quiet, busy = open_link(cast.target("county-a")), open_link(cast.target("county-b"))
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    with time_machine.travel(datetime.combine(today, time(10, 37), tzinfo=zone), tick=False):
        do_submit_open_link(quiet.slug, answers(), client=PHONE)
    with time_machine.travel(datetime.combine(today, time(11, 0), tzinfo=zone), tick=False):
        do_submit_open_link(busy.slug, answers(), client=PHONE)
    # The quiet target's 10:37 would otherwise stay, pointing at whoever stood there then.
    assert list(ArrivalCount.objects.values_list("target__unit__code", flat=True)) == ["county-b"]
