"""The sealed tally in a real browser: start, seal, two signatures, publication, public page."""

import os
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from pingyi.browser import chromium_page, demo_server, require_chromium

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000


def _fresh(page, viewport=PHONE):
    """A new browser context: no cookies, so nobody stays logged in."""
    context = page.context.browser.new_context(locale="zh-CN", viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def _log_in(page, base, username, next_url):
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", f"pingyi-{username}")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}{next_url}")


def _shoot(page, tmp_path: Path, name: str, *, down_to: str | None = None) -> None:
    """A full-page screenshot (cut below `down_to` when given) in tmp_path, copied to
    $PINGYI_SCREENSHOTS when that is set, so CI can keep it as an artefact."""
    path = tmp_path / f"{name}.png"
    options = {}
    if down_to:
        box = page.locator(down_to).bounding_box()
        bottom = box["y"] + box["height"] + page.evaluate("window.scrollY") + 24
        options["clip"] = {"x": 0, "y": 0, "width": page.viewport_size["width"], "height": bottom}
    page.screenshot(path=str(path), full_page=True, **options)
    if folder := os.environ.get("PINGYI_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(folder) / path.name)


def _sign_button(page, role):
    return page.locator("form", has=page.locator(f"input[name=role][value={role}]")).locator(
        "button[type=submit]"
    )


def test_a_sealed_run_is_signed_by_two_people_published_and_read_on_a_phone(tmp_path):
    require_chromium()
    from playwright.sync_api import expect

    # Last year's campaign: all its phases are past, so the demo holds a published run
    # whatever today's date.
    year = date.today().year - 1
    campaign = f"kj-{year}"
    run_path = f"/tally/{campaign}/runs/2/"
    with demo_server(tmp_path / "data", year=year) as base, chromium_page() as first:
        first.context.set_default_timeout(TIMEOUT_MS)
        # The public page shows the demo's run #1: note its totals and chain head.
        first.goto(f"{base}/results/{campaign}/")
        totals = [
            t.strip()
            for t in first.locator("table.results tbody td:nth-child(3)").all_inner_texts()
        ]
        assert len(totals) == 12 and all("." in t for t in totals)
        run1_seq = int(first.inner_text(".chain-seq"))

        # The organizer starts run #2: sealed, a digest but no score anywhere on the page.
        organizer = _fresh(first, DESKTOP)
        _log_in(organizer, base, "organizer", f"/tally/{campaign}/")
        organizer.click(f"form[action='/tally/{campaign}/runs/start/'] button[type=submit]")
        organizer.wait_for_url(f"{base}{run_path}")
        expect(organizer.locator("p.sealed")).to_be_visible()
        expect(organizer.locator("table.scores")).to_have_count(0)
        expect(organizer.locator(".chain-hash")).to_have_count(0)
        sealed_text = organizer.inner_text("main")
        assert not [t for t in totals if t in sealed_text]
        digest = organizer.inner_text("code.digest").strip()
        assert len(digest) == 64
        _shoot(organizer, tmp_path, "tally-run2-sealed")

        # A unit's liaison may not follow the tally at all.
        liaison = _fresh(first)
        _log_in(liaison, base, "liaison", f"/campaigns/{campaign}/")
        response = liaison.goto(f"{base}{run_path}")
        assert response.status == 403
        assert digest not in liaison.content()
        liaison.context.close()

        # The statistics bureau signs first: one signature keeps the seal.
        tallier = _fresh(first, DESKTOP)
        _log_in(tallier, base, "tallier", run_path)
        _sign_button(tallier, "tallier").click()
        expect(_sign_button(tallier, "tallier")).to_have_count(0)
        expect(tallier.locator("p.sealed")).to_be_visible()
        expect(tallier.locator("table.scores")).to_have_count(0)
        tallier.context.close()

        # The organizer's signature breaks the seal: the same inputs give run #1's totals.
        organizer.goto(f"{base}{run_path}")
        _sign_button(organizer, "organizer").click()
        expect(_sign_button(organizer, "organizer")).to_have_count(0)
        expect(organizer.locator("p.sealed")).to_have_count(0)
        expect(organizer.locator("table.scores tbody tr")).to_have_count(12)
        scores_text = organizer.inner_text("table.scores")
        assert all(t in scores_text for t in totals)
        expect(organizer.locator(".chain-hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
        run2_seq = int(organizer.inner_text(".chain-seq"))
        run2_hash = organizer.inner_text(".chain-hash").strip()
        assert run2_seq > run1_seq
        _shoot(organizer, tmp_path, "tally-run2-signed", down_to="table.scores")
        organizer.context.close()

        # The leader approves publication.
        leader = _fresh(first, DESKTOP)
        _log_in(leader, base, "leader", run_path)
        publish = leader.locator(f"form[action='{run_path}publish/'] button[type=submit]")
        publish.click()
        expect(publish).to_have_count(0)
        expect(leader.locator(f"a[href='/results/{campaign}/']")).to_be_visible()
        leader.context.close()

        # Anyone on a phone now reads run #2 on the public page.
        phone = _fresh(first, PHONE)
        phone.goto(f"{base}/results/{campaign}/")
        expect(phone.locator("table.results tbody tr")).to_have_count(12)
        expect(phone.locator("code.digest")).to_have_text(digest)
        expect(phone.locator(".chain-seq")).to_have_text(str(run2_seq))
        expect(phone.locator(".chain-hash")).to_have_text(run2_hash)
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the public page scrolls sideways by {overflow}px on a phone"
        _shoot(phone, tmp_path, "results-phone")
