"""The sealed tally (封闭统分): nobody reads a run's scores before both signatures."""

from datetime import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from audit.models import Event
from orgs.access import OPERATOR
from orgs.actions import do_grant_role
from orgs.models import Role
from scoring.actions import do_publish_tally_run, do_sign_tally_run, do_start_tally_run
from scoring.models import TallyResult, TallyRun, TallySignature
from scoring.tests.factories import SHANGHAI, add_votes, complete_data, during_evaluation

pytestmark = pytest.mark.django_db

SEALED = "Sealed tally: scores become visible once the statistics bureau and the organizer have both signed."
RUN_API = "/api/v1/scoring/c-2026/runs/1"


@pytest.fixture
def sealed_run(cast):
    """Run #1 of the cast's campaign, started by the organizer, signed by nobody yet."""
    complete_data(cast)
    with during_evaluation():
        yield do_start_tally_run(cast.campaign, acting_user=cast.organizer)


def _sign_both(cast, run):
    do_sign_tally_run(run, "organizer", acting_user=cast.organizer)
    do_sign_tally_run(run, "tallier", acting_user=cast.tallier)
    run.refresh_from_db()
    return run


def _page(client, run) -> tuple[int, str]:
    response = client.get(reverse("scoring:run", args=["c-2026", run.number]))
    return response.status_code, response.content.decode()


def _downloads(client, run) -> list[int]:
    return [
        client.get(reverse(name, args=["c-2026", run.number])).status_code
        for name in ("scoring:run_xlsx", "scoring:run_csv")
    ]


def test_the_organizer_sees_only_counts_before_signing(cast, sealed_run, login, english):
    client = login(cast.organizer)
    status, html = _page(client, sealed_run)
    assert status == 200
    assert SEALED in html
    assert "83.00" not in html and "68.50" not in html
    assert "满意" not in html  # no grade either
    assert sealed_run.digest in html
    assert _downloads(client, sealed_run) == [403, 403]
    data = client.get(RUN_API).json()
    assert data["sealed"] is True and data["results"] is None
    assert data["counts"] == {"county-a": 4, "county-b": 2, "county-c": 0}
    listed = client.get("/api/v1/scoring/c-2026/runs").json()
    assert listed[0]["sealed"] is True and "results" not in listed[0]


def test_a_liaison_cannot_read_the_run_anywhere(cast, sealed_run, login, english):
    client = login(cast.liaison)
    assert _page(client, sealed_run)[0] == 403
    assert client.get(reverse("scoring:overview", args=["c-2026"])).status_code == 403
    assert _downloads(client, sealed_run) == [403, 403]
    assert client.get(RUN_API).status_code == 403
    assert client.get("/api/v1/scoring/c-2026/runs").status_code == 403


def test_the_public_cannot_read_an_unsigned_run(cast, sealed_run):
    public = Client()
    assert public.get(RUN_API).status_code == 401
    assert public.get("/api/v1/scoring/c-2026/published").status_code == 404
    assert public.get(reverse("results:page", args=["c-2026"])).status_code == 404
    assert public.get(reverse("results:csv", args=["c-2026"])).status_code == 404
    page = public.get(reverse("scoring:run", args=["c-2026", 1]))
    assert page.status_code == 302  # to the login page


def test_the_admin_shows_no_result_of_an_unsigned_run(cast, sealed_run, login):
    client = login(cast.organizer)
    listing = client.get("/admin/scoring/tallyresult/")
    assert listing.status_code == 200
    assert listing.context_data["cl"].result_count == 0
    assert "83.00" not in listing.content.decode()
    result = TallyResult.objects.filter(run=sealed_run).first()
    assert client.get(f"/admin/scoring/tallyresult/{result.pk}/change/").status_code in (302, 403)
    run_page = client.get(f"/admin/scoring/tallyrun/{sealed_run.pk}/change/").content.decode()
    assert "83.00" not in run_page and "83.000000" not in run_page


def test_after_both_signatures_the_organizer_reads_the_scores(cast, sealed_run, login, english):
    with during_evaluation():
        _sign_both(cast, sealed_run)
    client = login(cast.organizer)
    status, html = _page(client, sealed_run)
    assert status == 200
    assert SEALED not in html
    assert "83.00" in html and "68.50" in html
    assert _downloads(client, sealed_run) == [200, 200]
    data = client.get(RUN_API).json()
    assert data["sealed"] is False
    assert [(r["target"], r["total"], r["rank"]) for r in data["results"]] == [
        ("county-a", 83.0, 1),
        ("county-b", 68.5, 2),
        ("county-c", None, None),
    ]
    admin = client.get("/admin/scoring/tallyresult/")
    assert admin.context_data["cl"].result_count == 3
    assert "83.00" in admin.content.decode()
    # a liaison still reads nothing until publication
    assert _page(login(cast.liaison), sealed_run)[0] == 403


def test_after_signing_and_publication_the_public_page_shows_the_results(cast, sealed_run, english):
    with during_evaluation():
        run = _sign_both(cast, sealed_run)
        do_publish_tally_run(run, acting_user=cast.leader)
    run.refresh_from_db()
    public = Client()
    html = public.get(reverse("results:page", args=["c-2026"])).content.decode()
    assert "甲县局" in html and "83.00" in html and "满意" in html
    assert "乙县局" in html and "68.50" in html and "基本满意" in html
    assert run.digest in html and run.chain_hash in html and str(run.chain_seq) in html
    assert "2026-09-05" in html
    published = public.get("/api/v1/scoring/c-2026/published").json()
    assert published["run"] == 1 and published["digest"] == run.digest
    assert published["chain_head"] == {"seq": run.chain_seq, "hash": run.chain_hash}
    assert published["results"][0]["total"] == 83.0


def test_the_same_person_cannot_sign_twice(cast, sealed_run, login, english):
    do_grant_role(cast.organizer, cast.units["city"], Role.TALLIER, acting_user=OPERATOR)
    client = login(cast.organizer)
    url = reverse("scoring:sign_run", args=["c-2026", 1])
    with during_evaluation():
        client.post(url, {"role": "organizer"})
        again = client.post(url, {"role": "tallier"}, follow=True)
        twice = client.post(url, {"role": "organizer"}, follow=True)
    assert "The two signatures must come from two people." in again.content.decode()
    assert "This run already carries that signature." in twice.content.decode()
    assert TallySignature.objects.filter(run=sealed_run).count() == 1
    sealed_run.refresh_from_db()
    assert not sealed_run.is_signed


def test_a_signer_cannot_sign_in_a_role_they_do_not_hold(cast, sealed_run, login):
    client = login(cast.organizer)
    with during_evaluation():
        response = client.post(reverse("scoring:sign_run", args=["c-2026", 1]), {"role": "tallier"})
    assert response.status_code == 403
    assert not TallySignature.objects.exists()


def test_a_data_change_after_the_start_refuses_signing(cast, sealed_run, login, english):
    with during_evaluation():
        add_votes(cast.target("county-b"), {"优秀": 1})
        response = login(cast.tallier).post(
            reverse("scoring:sign_run", args=["c-2026", 1]), {"role": "tallier"}, follow=True
        )
    assert "The data changed after this run started" in response.content.decode()
    assert not TallySignature.objects.exists()


def test_signing_through_the_api(cast, sealed_run, login):
    with during_evaluation():
        first = login(cast.organizer).post(
            f"{RUN_API}/sign", {"role": "organizer"}, content_type="application/json"
        )
        refused = login(cast.organizer).post(
            f"{RUN_API}/sign", {"role": "organizer"}, content_type="application/json"
        )
        second = login(cast.tallier).post(
            f"{RUN_API}/sign", {"role": "tallier"}, content_type="application/json"
        )
    assert first.status_code == 200 and first.json()["sealed"] is True
    assert refused.status_code == 400 and refused.json()["errors"]
    assert second.status_code == 200
    assert second.json()["signed"] is True and second.json()["sealed"] is False
    assert second.json()["results"][0]["total"] == 83.0


def test_publication_through_the_api_is_for_leaders(cast, sealed_run, login):
    with during_evaluation():
        _sign_both(cast, sealed_run)
        denied = login(cast.organizer).post(f"{RUN_API}/publish")
        done = login(cast.leader).post(f"{RUN_API}/publish")
    assert denied.status_code == 403
    assert done.status_code == 200 and done.json()["published"] is True
    assert Client().get("/api/v1/scoring/c-2026/published").status_code == 200


def test_starting_through_the_api_is_for_organizers_in_the_evaluate_phase(cast, login):
    complete_data(cast)
    url = "/api/v1/scoring/c-2026/runs"
    with time_machine.travel(datetime(2026, 8, 31, 18, tzinfo=SHANGHAI), tick=False):
        early = login(cast.organizer).post(url)
    with during_evaluation():
        denied = login(cast.tallier).post(url)
        started = login(cast.organizer).post(url)
    assert early.status_code == 400
    assert denied.status_code == 403
    assert started.status_code == 201
    assert started.json()["number"] == 1 and started.json()["results"] is None
    assert TallyRun.objects.count() == 1


def test_a_re_tally_creates_run_two_and_shows_what_changed(cast, sealed_run, login, english):
    client = login(cast.organizer)
    with during_evaluation():
        add_votes(cast.target("county-b"), {"优秀": 3})
        client.post(reverse("scoring:start_run", args=["c-2026"]))
    assert list(TallyRun.objects.values_list("number", flat=True).order_by("number")) == [1, 2]
    status, html = _page(client, TallyRun.objects.get(number=2))
    assert status == 200
    assert "Changes since run #1" in html
    assert "乙县局" in html and "2 → 5" in html
    assert "68.50" not in html  # sealed: the change shows counts only


def test_the_chain_head_stored_is_the_signing_event(cast, sealed_run):
    with during_evaluation():
        run = _sign_both(cast, sealed_run)
    event = Event.objects.filter(action="scoring.tally_signed").order_by("seq").last()
    assert event.data["complete"] is True
    assert (run.chain_seq, run.chain_hash) == (event.seq, event.hash)
    call_command("audit", "verify")
