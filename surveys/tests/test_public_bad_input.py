"""Bad input on the public answer page: a clear message, the answers kept, nothing stored."""

import json

import pytest
from django.urls import reverse

from surveys.models import Invitation, Response
from surveys.tests.factories import SHEET, answers, invitations, open_link, open_questionnaire

PHONE_META = {"REMOTE_ADDR": "203.0.113.7", "HTTP_USER_AGENT": "Mozilla/5.0 (iPhone) test"}
KEY = {"submission_key": "k" * 24}
FULL_SHEET = {"item_attitude": "35", "item_efficiency": "25", "item_integrity": "28"}


@pytest.fixture
def token(cast):
    open_questionnaire(cast.campaign, items=SHEET, max_text_length=50)
    return invitations(cast.target("county-a"), 1)[0][1]


def url_of(token):
    return reverse("answer:invitation", args=[token])


def nothing_stored():
    return Response.objects.count() == 0 and not Invitation.objects.filter(used=True).exists()


def test_a_missing_tier_is_asked_for_and_the_other_answers_kept(token, client, english):
    data = answers(tier="", suggestions="请延长周六办公时间") | FULL_SHEET | KEY

    page = client.post(url_of(token), data, **PHONE_META)

    body = page.content.decode()
    assert page.status_code == 400
    assert "Please choose an overall rating." in body
    assert 'id="tier-error"' in body and 'aria-describedby="tier-error"' in body
    assert "请延长周六办公时间</textarea>" in body
    assert 'value="35"' in body and 'value="服务对象" checked' in body
    assert 'name="submission_key" value="' + "k" * 24 in body
    assert nothing_stored()


def test_a_score_over_the_items_maximum_is_refused(token, client, english):
    data = answers() | FULL_SHEET | {"item_attitude": "41"} | KEY

    page = client.post(url_of(token), data, **PHONE_META)

    body = page.content.decode()
    assert page.status_code == 400
    assert "takes a score from 0 to 40" in body
    assert 'aria-describedby="items-help item_attitude-error"' in body
    assert 'value="41"' in body
    assert nothing_stored()


def test_text_over_the_limit_is_refused_with_its_length(token, client, english):
    data = answers(problems="排" * 51) | FULL_SHEET | KEY

    page = client.post(url_of(token), data, **PHONE_META)

    body = page.content.decode()
    assert page.status_code == 400
    assert "Please keep this to 50 characters (you wrote 51)." in body
    assert 'aria-describedby="problems-help problems-error"' in body
    assert nothing_stored()


def test_an_answer_not_offered_is_refused(token, client, english):
    data = answers(tier="非常满意", category="路人") | FULL_SHEET | KEY

    page = client.post(url_of(token), data, **PHONE_META)

    body = page.content.decode()
    assert page.status_code == 400
    assert "is not one of the offered ratings" in body
    assert "is not one of the listed groups" in body
    assert nothing_stored()


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", json.dumps(answers() | FULL_SHEET | KEY)),
        ("text/plain", "tier=满意&category=服务对象"),
    ],
)
def test_a_body_that_is_not_a_form_gets_415(token, client, english, content_type, body):
    page = client.post(url_of(token), body, content_type=content_type, **PHONE_META)

    assert page.status_code == 415
    assert "the request was not a form" in page.content.decode()
    assert nothing_stored()


def test_an_oversized_body_gets_a_clear_page(token, client, settings, english):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    data = answers(suggestions="x" * 2000) | FULL_SHEET | KEY

    page = client.post(url_of(token), data, **PHONE_META)

    assert page.status_code == 413
    assert "too large" in page.content.decode()
    assert nothing_stored()


def test_bad_input_through_an_open_link_stores_nothing(cast, token, client, english):
    link = open_link(cast.target("county-b"))
    url = reverse("answer:open_link", args=[link.slug])

    missing = client.post(url, answers(tier="") | FULL_SHEET | KEY, **PHONE_META)
    as_json = client.post(url, "{}", content_type="application/json", **PHONE_META)

    assert (missing.status_code, as_json.status_code) == (400, 415)
    assert "Please choose an overall rating." in missing.content.decode()
    assert Response.objects.count() == 0


def test_a_form_post_without_the_csrf_token_is_refused(token, english):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)

    page = browser.post(url_of(token), answers() | FULL_SHEET | KEY, **PHONE_META)

    assert page.status_code == 403
    assert nothing_stored()


def test_an_unreadable_body_is_explained_before_the_csrf_check(token, settings, english):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    as_json = browser.post(url_of(token), "{}", content_type="application/json", **PHONE_META)
    too_big = browser.post(url_of(token), {"suggestions": "x" * 2000}, **PHONE_META)

    assert (as_json.status_code, too_big.status_code) == (415, 413)
    assert nothing_stored()
