"""The public answering pages: invitation links, typed codes, open links, refusals, throttle."""

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from surveys.models import FailedTokenTry, FlagKind, Invitation, Response
from surveys.public_views import START_SALT
from surveys.tests.factories import (
    SHEET,
    answers,
    invitations,
    open_link,
    open_questionnaire,
)
from surveys.tokens import grouped

PHONE_META = {"REMOTE_ADDR": "203.0.113.7", "HTTP_USER_AGENT": "Mozilla/5.0 (iPhone) test"}


def url_of(token):
    return reverse("answer:invitation", args=[token])


def form_fields(page) -> dict:
    """The hidden fields of an answer page, as a phone would post them back."""
    html = page.content.decode()
    return {
        name: re.search(rf'name="{name}" value="([^"]*)"', html).group(1)
        for name in ("submission_key", "started")
    }


def post_answers(client, url, data, **extra):
    return client.post(url, data, **PHONE_META, **extra)


@pytest.fixture
def token(cast):
    open_questionnaire(cast.campaign)
    return invitations(cast.target("county-a"), 2)[0][1]


def test_an_invitation_link_shows_the_questions_about_its_target(cast, token, client, english):
    page = client.get(url_of(token), **PHONE_META)

    body = page.content.decode()
    assert page.status_code == 200
    assert "甲县局" in body and cast.campaign.name in body
    assert all(f'value="{tier}"' in body for tier in ("优秀", "满意", "基本满意", "不满意"))
    assert 'value="服务对象"' in body  # the batch fixes no category: the question is asked
    assert "<legend>" in body and 'for="field-suggestions"' in body
    assert len(form_fields(page)["submission_key"]) >= 24
    assert page["Referrer-Policy"] == "strict-origin"
    assert "no-store" in page["Cache-Control"]


def test_answering_stores_one_response_and_shows_its_receipt(cast, token, client, english):
    fields = form_fields(client.get(url_of(token), **PHONE_META))

    page = post_answers(
        client, url_of(token), answers(tier="优秀", suggestions="多加窗口") | fields
    )

    response = Response.objects.get()
    assert page.status_code == 200
    assert page.context["receipt"] == grouped(response.receipt)
    assert grouped(response.receipt) in page.content.decode()
    assert (response.tier, response.category, response.suggestions) == (
        "优秀",
        "服务对象",
        "多加窗口",
    )
    assert response.target == cast.target("county-a")
    # Timed from the page: the test answers at once, well under 20 seconds.
    assert list(response.flags.values_list("kind", flat=True)) == [FlagKind.SPEEDER]
    assert Invitation.objects.filter(used=True).count() == 1
    assert "no-store" in page["Cache-Control"]


def test_a_replayed_post_shows_the_same_receipt_and_stores_once(token, client, english):
    fields = form_fields(client.get(url_of(token), **PHONE_META))
    data = answers() | fields

    first = post_answers(client, url_of(token), data)
    again = post_answers(client, url_of(token), data)

    assert (first.status_code, again.status_code) == (200, 200)
    assert first.context["receipt"] == again.context["receipt"]
    assert again.context["replayed"] is True
    assert Response.objects.count() == 1


def test_a_used_invitation_says_already_used(token, client, english):
    post_answers(client, url_of(token), answers() | form_fields(client.get(url_of(token))))

    shown = client.get(url_of(token), **PHONE_META)
    posted = post_answers(client, url_of(token), answers(tier="不满意", submission_key="n" * 24))

    assert (shown.status_code, posted.status_code) == (410, 410)
    assert "already been used" in shown.content.decode()
    assert "already been used" in posted.content.decode()
    assert list(Response.objects.values_list("tier", flat=True)) == ["满意"]


def test_an_unknown_code_is_refused_and_counted_against_the_network(token, client, english):
    page = client.get(url_of("a" * 26), **PHONE_META)

    assert page.status_code == 404
    assert "This code is not known" in page.content.decode()
    # Counted against the address and against its network.
    assert list(FailedTokenTry.objects.values_list("count", flat=True)) == [1, 1]
    assert Response.objects.count() == 0


def test_a_survey_not_open_yet_or_closed_says_so(cast, client, english):
    today = timezone.localdate()
    open_questionnaire(
        cast.campaign, opens_on=today + timedelta(days=3), closes_on=today + timedelta(days=9)
    )
    token = invitations(cast.target("county-a"), 1)[0][1]

    early = client.get(url_of(token), **PHONE_META)
    early_post = post_answers(client, url_of(token), answers(submission_key="e" * 24))
    open_questionnaire(
        cast.campaign, opens_on=today - timedelta(days=9), closes_on=today - timedelta(days=1)
    )
    late = client.get(url_of(token), **PHONE_META)

    assert (early.status_code, early_post.status_code, late.status_code) == (403, 403, 410)
    assert "This survey opens on" in early.content.decode()
    assert "This survey closed on" in late.content.decode()
    assert Response.objects.count() == 0
    assert not Invitation.objects.filter(used=True).exists()


def test_a_typed_code_opens_the_survey_without_putting_it_in_a_url(cast, token, client, english):
    shown = client.post(reverse("answer:start"), {"code": grouped(token).upper()}, **PHONE_META)
    body = shown.content.decode()
    action = re.search(r'<form method="post" action="([^"]+)" class="answer-form"', body).group(1)

    page = post_answers(client, action, answers() | form_fields(shown) | {"code": token})

    assert shown.status_code == 200 and "甲县局" in body
    assert action == reverse("answer:submit_code") and token not in action
    assert page.status_code == 200 and page.context["receipt"]
    assert Response.objects.count() == 1


def test_the_start_page_asks_for_a_code_and_refuses_a_wrong_one(token, client, english):
    empty = client.post(reverse("answer:start"), {"code": "  "}, **PHONE_META)
    wrong = client.post(reverse("answer:start"), {"code": "b" * 26}, **PHONE_META)

    assert empty.status_code == 400 and "Please type the code" in empty.content.decode()
    assert wrong.status_code == 404 and "This code is not known" in wrong.content.decode()
    assert client.get(reverse("answer:start")).status_code == 200


def test_an_invitation_with_a_category_does_not_ask_for_one(cast, client, english):
    open_questionnaire(cast.campaign)
    token = invitations(cast.target("county-b"), 1, category="人大代表")[0][1]
    page = client.get(url_of(token), **PHONE_META)

    post_answers(client, url_of(token), {"tier": "满意"} | form_fields(page))

    assert 'name="category"' not in page.content.decode()
    assert "You answer as: 人大代表" in page.content.decode()
    assert Response.objects.get().category == "人大代表"


def test_a_score_sheet_is_answered_item_by_item(cast, client, english):
    open_questionnaire(cast.campaign, items=SHEET)
    token = invitations(cast.target("county-a"), 1)[0][1]
    page = client.get(url_of(token), **PHONE_META)
    sheet = {"item_attitude": "35", "item_efficiency": "27.5", "item_integrity": "30"}

    post_answers(client, url_of(token), answers() | sheet | form_fields(page))

    assert 'for="field-item_attitude"' in page.content.decode()
    assert str(Response.objects.get().score) == "92.50"


def test_a_forged_or_borrowed_start_time_flags_the_answer(token, client, english):
    forged = signing.dumps([0, "f" * 24], salt="another purpose")
    fields = {"submission_key": "f" * 24, "started": forged}

    page = post_answers(client, url_of(token), answers() | fields)

    assert page.status_code == 200
    flag = Response.objects.get().flags.get()
    assert (flag.kind, flag.detail) == (FlagKind.SPEEDER, "?")


def test_a_start_time_signed_for_another_form_does_not_count(token, client, english):
    started = signing.dumps([int(timezone.now().timestamp()) - 95, "o" * 24], salt=START_SALT)

    post_answers(client, url_of(token), answers(submission_key="t" * 24, started=started))

    assert Response.objects.get().flags.get().kind == FlagKind.SPEEDER


def test_an_answer_is_timed_from_its_own_signed_start(token, client, english):
    started = signing.dumps([int(timezone.now().timestamp()) - 95, "t" * 24], salt=START_SALT)

    post_answers(client, url_of(token), answers(submission_key="t" * 24, started=started))

    assert not Response.objects.get().flags.exists()


def test_an_open_link_takes_answers_again_and_again(cast, client, english):
    open_questionnaire(cast.campaign)
    link = open_link(cast.target("county-b"))
    url = reverse("answer:open_link", args=[link.slug])

    for _ in range(2):
        fields = form_fields(client.get(url, **PHONE_META))
        page = post_answers(client, url, answers() | fields)
        assert page.status_code == 200 and page.context["receipt"]

    assert Response.objects.filter(open_link=link).count() == 2


def test_a_closed_or_unknown_open_link_says_so(cast, client, english):
    from surveys.invitations import do_close_open_link

    open_questionnaire(cast.campaign)
    link = do_close_open_link(open_link(cast.target("county-b")), acting_user=cast.organizer)
    url = reverse("answer:open_link", args=[link.slug])

    closed = client.get(url, **PHONE_META)
    posted = post_answers(client, url, answers(submission_key="c" * 24))
    unknown = client.get(reverse("answer:open_link", args=["zzzzzzzzzz"]), **PHONE_META)

    assert (closed.status_code, posted.status_code, unknown.status_code) == (410, 410, 404)
    assert "This survey link has been closed" in closed.content.decode()
    assert Response.objects.count() == 0


def test_guessing_is_throttled_per_network_without_touching_staff_login(
    cast, token, client, settings, english
):
    settings.PINGYI_TOKEN_TRIES_PER_HOUR = 3
    guesses = [
        client.get(url_of(f"{letter}" * 26), REMOTE_ADDR=f"203.0.113.{n}")
        for n, letter in enumerate("bcd", start=10)
    ]

    blocked = client.get(url_of("e" * 26), REMOTE_ADDR="203.0.113.99")
    blocked_real = client.get(url_of(token), REMOTE_ADDR="203.0.113.5")
    elsewhere = client.get(url_of(token), REMOTE_ADDR="198.51.100.20")
    cast.organizer.set_password("pingyi-organizer")
    cast.organizer.save()
    login = client.post(
        reverse("login"),
        {"username": "organizer", "password": "pingyi-organizer"},
        REMOTE_ADDR="203.0.113.5",
    )

    assert [g.status_code for g in guesses] == [404, 404, 404]
    # One guesser shuts nobody out: a real code from the same network still works.
    assert (blocked.status_code, blocked_real.status_code) == (429, 200)
    assert blocked["Retry-After"] == "3600"
    assert "Too many wrong codes" in blocked.content.decode()
    assert elsewhere.status_code == 200
    assert login.status_code == 302 and "_auth_user_id" in client.session


def test_pages_speak_chinese_by_default(token, client):
    page = client.get(url_of(token), **PHONE_META)

    body = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="zh-hans">' in body
    assert "甲县局" in body and 'value="优秀"' in body


def test_pages_speak_english_when_chosen(token, client, english):
    page = client.get(url_of(token), **PHONE_META)
    start = client.get(reverse("answer:start"))

    assert '<html lang="en">' in page.content.decode()
    assert "Submit my answers" in page.content.decode()
    assert "Type the code printed on your invitation" in start.content.decode()


def test_the_language_switch_keeps_the_respondent_on_the_page(token, client):
    page = client.post(
        reverse("set_language"), {"language": "en", "next": url_of(token)}, **PHONE_META
    )
    again = client.get(page.url, **PHONE_META)

    assert page.status_code == 302 and page.url == url_of(token)
    assert '<html lang="en">' in again.content.decode()


def test_a_form_refused_for_a_reused_key_comes_back_with_a_fresh_one(cast, client, english):
    open_questionnaire(cast.campaign)
    first, second = (t for _, t in invitations(cast.target("county-a"), 2))
    post_answers(client, url_of(first), answers(submission_key="k" * 24))

    page = post_answers(client, url_of(second), answers(submission_key="k" * 24))
    resend = post_answers(client, url_of(second), answers() | form_fields(page))

    assert page.status_code == 400 and "another code" in page.content.decode()
    assert form_fields(page)["submission_key"] != "k" * 24
    assert resend.status_code == 200
    assert Response.objects.count() == 2
