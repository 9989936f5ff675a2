"""The whole case in a real browser: anonymous filing, assignment, reply, verification, tracking."""

from datetime import date

import pytest

from pingyi.browser import chromium_page, demo_server, require_chromium

pytestmark = pytest.mark.browser

CONTENT = "办理高新技术企业认定时窗口人员索要好处费（浏览器测试BR-7731）"
REPLY = "经调查核实，已对相关人员批评教育并调离窗口岗位（答复BR-7731）"


def _fresh(page):
    """A new browser context: no cookies, so nobody stays logged in."""
    context = page.context.browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}
    )
    return context.new_page()


def _log_in(page, base, username, next_url):
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", f"pingyi-{username}")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}{next_url}")


def test_an_anonymous_complaint_is_assigned_replied_verified_and_tracked(tmp_path):
    require_chromium()
    from playwright.sync_api import expect

    campaign = f"kj-{date.today().year}"
    with demo_server(tmp_path / "data") as base, chromium_page() as complainant:
        # The complainant files anonymously and reads the tracking code.
        complainant.goto(f"{base}/complaints/c/{campaign}/new/")
        complainant.select_option("#id_target", "donghu-kjj")
        complainant.check("#id_kind_0")
        complainant.select_option("#id_category", "demanding_favours")
        complainant.fill("#id_content", CONTENT)
        complainant.check("#id_anonymous")
        complainant.click("#submit-complaint")
        code = complainant.inner_text("#tracking-code").strip()
        assert len(code.replace("-", "")) == 12

        # The organizer finds it in the list and assigns it to the unit concerned.
        organizer = _fresh(complainant)
        _log_in(organizer, base, "organizer", f"/complaints/c/{campaign}/")
        organizer.locator("#complaints article", has_text="BR-7731").locator("a").first.click()
        detail_path = organizer.url.removeprefix(base)
        expect(organizer.locator("#show-identity")).to_have_count(0)  # filed anonymously
        organizer.click("#assign")
        expect(organizer.locator("#assign")).to_have_count(0)
        organizer.context.close()

        # The liaison of 东湖区科技局 replies.
        liaison = _fresh(complainant)
        _log_in(liaison, base, "liaison", detail_path)
        expect(liaison.locator("#content")).to_contain_text("BR-7731")
        liaison.fill("#reply-text", REPLY)
        liaison.click("#send-reply")
        expect(liaison.locator("#send-reply")).to_have_count(0)
        expect(liaison.locator(".reply")).to_contain_text(REPLY)
        liaison.context.close()

        # The organizer verifies the reply.
        organizer = _fresh(complainant)
        _log_in(organizer, base, "organizer", detail_path)
        organizer.click("#verify")
        expect(organizer.locator("#verify")).to_have_count(0)
        organizer.context.close()

        # The complainant looks the code up and reads the reply.
        complainant.goto(f"{base}/complaints/track/")
        complainant.fill("#code", code.lower())
        complainant.click("#track")
        expect(complainant.locator("#reply-text")).to_contain_text(REPLY)
        complainant.check("#id_rating_0")
        complainant.click("#rate")
        expect(complainant.locator("#rating")).to_be_visible()
        expect(complainant.locator("#rate")).to_have_count(0)
