"""Answering an invitation on a phone in a real browser: answer, receipt, then "already used"."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pingyi.browser import chromium_page, demo_server, require_chromium

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000
# Run in the served data directory: a fresh invitation for the demo campaign's first
# target, with its questionnaire open today. Prints one JSON line.
MAKE_INVITATION = """
import json
from datetime import timedelta
from django.utils import timezone
from campaigns.models import Campaign
from surveys.invitations import do_create_invitation_batch
from surveys.questionnaires import current_questionnaire, do_save_questionnaire

campaign = Campaign.objects.order_by("-year", "code").first()
today = timezone.localdate()
questionnaire = current_questionnaire(campaign)
if questionnaire is None or not questionnaire.opens_on <= today <= questionnaire.closes_on:
    do_save_questionnaire(
        campaign,
        {"opens_on": today - timedelta(days=1), "closes_on": today + timedelta(days=30)},
        acting_user=None,
    )
target = campaign.targets.select_related("unit").order_by("unit__path").first()
_, tokens = do_create_invitation_batch(
    campaign, target, size=1, label="browser test", acting_user=None
)
print("INVITATION=" + json.dumps({"token": tokens[0][1], "target": target.unit.name}))
"""


def _make_invitation(data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update({"PINGYI_DATA_DIR": str(data_dir), "DATABASE_URL": "", "DEBUG": "false"})
    done = subprocess.run(
        [sys.executable, "-m", "pingyi.cli", "shell", "-c", MAKE_INVITATION],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("INVITATION="))
    return json.loads(line.removeprefix("INVITATION="))


def _shoot(page, tmp_path: Path, name: str) -> Path:
    """A full-page screenshot in tmp_path, copied to $PINGYI_SCREENSHOTS when set."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if folder := os.environ.get("PINGYI_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(folder) / path.name)
    print(f"screenshot: {path}")
    return path


def _no_sideways_scroll(page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"


def test_an_invitation_is_answered_on_a_phone_once(tmp_path):
    require_chromium()
    from playwright.sync_api import expect

    data_dir = tmp_path / "data"
    with demo_server(data_dir) as base, chromium_page() as page:
        invitation = _make_invitation(data_dir)
        token, link = invitation["token"], f"{base}/s/{invitation['token']}/"
        page.context.set_default_timeout(TIMEOUT_MS)
        assert page.viewport_size == PHONE
        referers = []
        page.on(
            "request",
            lambda request: (
                referers.append(request.headers.get("referer", ""))
                if "/static/" in request.url
                else None
            ),
        )

        # The answer page: the target, the tier question as big radio rows, free text.
        shown = page.goto(link)
        assert shown.status == 200
        assert shown.headers["referrer-policy"] == "strict-origin"
        expect(page.locator(".answer-target")).to_contain_text(invitation["target"])
        expect(page.locator("fieldset#q-tier input[type=radio]")).not_to_have_count(0)
        _no_sideways_scroll(page)
        _shoot(page, tmp_path, "survey-answer")
        # The stylesheet was fetched without the token in its Referer.
        assert referers and not [r for r in referers if token in r or "/s/" in r]

        # Submitted without the overall rating: the page says what is missing, keeps the text.
        page.fill("#field-suggestions", "希望延长周六服务时间")
        with page.expect_response(link) as first_try:
            page.click("#submit-answer")
        assert first_try.value.status == 400
        expect(page.locator(".answer-errors")).to_be_visible()
        expect(page.locator("#tier-error")).to_be_visible()
        expect(page.locator("#field-suggestions")).to_have_value("希望延长周六服务时间")
        _shoot(page, tmp_path, "survey-missing-tier")

        page.get_by_label("满意", exact=True).check()
        categories = page.locator("fieldset#q-category input[type=radio]")
        if categories.count():
            categories.first.check()
        page.click("#submit-answer")

        # The receipt: a random code, grouped for reading aloud.
        receipt = page.locator("#receipt-code")
        expect(receipt).to_have_text(re.compile(r"^[a-z2-7]{4}(-[a-z2-7]{4}){3}$"))
        code = receipt.inner_text()
        _no_sideways_scroll(page)
        _shoot(page, tmp_path, "survey-receipt")

        # The same link again: already used.
        again = page.goto(link)
        assert again.status == 410
        expect(page.locator("p.refusal-used")).to_be_visible()
        _no_sideways_scroll(page)
        _shoot(page, tmp_path, "survey-used")

        # The language switch posts from this page (its Referrer-Policy keeps the Origin
        # header, so the CSRF check passes) and comes back to it in English.
        page.select_option("#language", "en")
        page.click("form.lang button[type=submit]")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("p.refusal-used")).to_contain_text("already been used")

        # The receipt page tells the respondent the answer was received.
        page.goto(f"{base}/s/receipt/")
        page.fill("#field-receipt", code.upper())
        page.click("form.answer-form button[type=submit]")
        expect(page.locator("#receipt-verdict")).to_contain_text("Received")
        expect(page.locator(".receipt-status")).to_contain_text(invitation["target"])
        _shoot(page, tmp_path, "survey-receipt-lookup")
