"""The public results page (no login): the latest published run, per peer group."""

import pytest
from django.test import Client
from django.urls import reverse

from scoring.actions import do_publish_tally_run, do_sign_tally_run, do_start_tally_run
from scoring.tests.factories import add_votes, complete_data, during_evaluation

pytestmark = pytest.mark.django_db

PAGE = reverse("results:page", args=["c-2026"])
CSV = reverse("results:csv", args=["c-2026"])


def _run(cast, *, publish=True):
    run = do_start_tally_run(cast.campaign, acting_user=cast.organizer)
    do_sign_tally_run(run, "organizer", acting_user=cast.organizer)
    do_sign_tally_run(run, "tallier", acting_user=cast.tallier)
    if publish:
        do_publish_tally_run(run, acting_user=cast.leader)
    run.refresh_from_db()
    return run


def test_nothing_published_is_a_404(cast):
    complete_data(cast)
    with during_evaluation():
        _run(cast, publish=False)
    public = Client()
    assert public.get(PAGE).status_code == 404
    assert public.get(CSV).status_code == 404
    assert public.get(reverse("results:page", args=["no-such"])).status_code == 404


def test_the_page_lists_rank_name_total_and_grade_per_group_without_login(cast, english):
    complete_data(cast)
    with during_evaluation():
        run = _run(cast)
    response = Client().get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<meta name="viewport"' in html
    assert "Peer group: 县局" in html
    assert html.index("甲县局") < html.index("乙县局") < html.index("丙县局")
    assert "83.00" in html and "68.50" in html and "基本满意" in html
    assert "Exempt" in html
    assert run.digest in html and run.chain_hash in html
    assert "published 2026-09-05" in html


def test_the_page_shows_the_latest_published_run(cast, english):
    complete_data(cast)
    with during_evaluation():
        _run(cast)
        add_votes(cast.target("county-b"), {"优秀": 6})
        second = _run(cast, publish=False)
        before = Client().get(PAGE).content.decode()
        do_publish_tally_run(second, acting_user=cast.leader)
        after = Client().get(PAGE).content.decode()
    second.refresh_from_db()
    assert "68.50" in before and second.digest not in before
    # B: survey 70 × (6×0.9 + 0.8 + 0.5)/8 = 58.625 → 58.63, + 23 = 81.63, now 满意
    assert "81.63" in after and second.digest in after


def test_the_public_csv_has_the_published_results(cast):
    complete_data(cast)
    with during_evaluation():
        _run(cast)
    response = Client().get(CSV)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("target,name,group,")
    assert "county-a,甲县局,县局," in text and ",83.00,满意,1," in text
