from django.conf import settings
from django.test import Client
from django.urls import reverse


def test_a_form_without_its_security_cookie_gets_a_page_in_the_visitors_language(db):
    browser = Client(enforce_csrf_checks=True)
    page = browser.post(reverse("answer:receipt"), {"receipt": "x"})
    assert page.status_code == 403
    assert "请" in page.content.decode()  # Chinese by default
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = browser.post(reverse("answer:receipt"), {"receipt": "x"})
    assert "security cookie" in english.content.decode()
