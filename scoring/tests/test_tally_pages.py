"""The tally pages: violations, deductions, outcome decisions, and who may do what."""

from datetime import datetime

import pytest
import time_machine
from django.urls import reverse

from audit.models import Event
from scoring.actions import (
    do_record_deduction,
    do_record_violation,
    do_sign_tally_run,
    do_start_tally_run,
)
from scoring.models import (
    Deduction,
    DeductionDecision,
    OutcomeDecision,
    TallyRun,
    Violation,
    ViolationWithdrawal,
)
from scoring.queries import live_tally
from scoring.tests.factories import SHANGHAI, complete_data, during_evaluation

pytestmark = pytest.mark.django_db


def _url(name, *args):
    return reverse(f"scoring:{name}", args=["c-2026", *args])


def _results(campaign) -> dict:
    return {r.target: r for r in live_tally(campaign).results}


@pytest.fixture
def signed_run(cast):
    complete_data(cast)
    with during_evaluation():
        run = do_start_tally_run(cast.campaign, acting_user=cast.organizer)
        do_sign_tally_run(run, "organizer", acting_user=cast.organizer)
        do_sign_tally_run(run, "tallier", acting_user=cast.tallier)
        yield run


# -- the overview ------------------------------------------------------------------------------


def test_the_overview_shows_response_progress_and_the_start_button(cast, login, english):
    complete_data(cast)
    with during_evaluation():
        html = login(cast.organizer).get(_url("overview")).content.decode()
    assert "6 responses counted in all." in html
    assert "Start a new tally run" in html
    assert "Record a violation" in html and "Record a deduction" in html


def test_the_tallier_sees_the_progress_but_no_forms(cast, login, english):
    with during_evaluation():
        response = login(cast.tallier).get(_url("overview"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Start a new tally run" not in html
    assert "Record a violation" not in html and "Record a deduction" not in html


def test_no_start_button_before_the_evaluate_phase(cast, login, english):
    with time_machine.travel(datetime(2026, 8, 20, 10, tzinfo=SHANGHAI), tick=False):
        client = login(cast.organizer)
        html = client.get(_url("overview")).content.decode()
        response = client.post(_url("start_run"), follow=True)
    assert "Start a new tally run" not in html
    assert "The tally opens with the evaluate phase." in response.content.decode()
    assert not TallyRun.objects.exists()


def test_only_an_organizer_starts_a_run(cast, login):
    complete_data(cast)
    with during_evaluation():
        denied = login(cast.tallier).post(_url("start_run"))
        started = login(cast.organizer).post(_url("start_run"))
    assert denied.status_code == 403
    assert started.status_code == 302 and started["Location"] == _url("run", 1)
    assert TallyRun.objects.count() == 1


def test_a_liaison_is_kept_off_the_tally_pages(cast, login):
    client = login(cast.liaison)
    assert client.get(_url("overview")).status_code == 403
    assert client.post(_url("start_run")).status_code == 403
    assert not TallyRun.objects.exists()


def test_the_dashboard_links_the_tally_for_the_organizing_level_only(cast, login, english):
    dashboard = reverse("campaigns:dashboard", args=["c-2026"])
    assert _url("overview") in login(cast.tallier).get(dashboard).content.decode()
    assert _url("overview") not in login(cast.liaison).get(dashboard).content.decode()


# -- violations --------------------------------------------------------------------------------


def test_an_organizer_records_a_violation_and_it_forces_the_grade(cast, login, english):
    complete_data(cast)
    with during_evaluation():
        response = login(cast.organizer).post(
            _url("record_violation"),
            {"target": "county-a", "rule": "buy_votes", "evidence": "暗访录音"},
            follow=True,
        )
    assert "The violation is recorded." in response.content.decode()
    violation = Violation.objects.get()
    assert (violation.target.unit.code, violation.rule) == ("county-a", "buy_votes")
    assert Event.objects.filter(action="scoring.violation_recorded").exists()
    a = _results(cast.campaign)["county-a"]
    assert (a.grade, a.rank) == ("不合格", 2)


@pytest.mark.parametrize("persona", ["tallier", "inspector", "leader"])
def test_other_roles_cannot_record_violations(cast, login, persona):
    response = login(getattr(cast, persona)).post(
        _url("record_violation"), {"target": "county-a", "rule": "buy_votes", "evidence": "x"}
    )
    assert response.status_code == 403
    assert not Violation.objects.exists()


def test_a_violation_without_evidence_is_refused(cast, login, english):
    response = login(cast.organizer).post(
        _url("record_violation"), {"target": "county-a", "rule": "buy_votes", "evidence": ""},
        follow=True,
    )  # fmt: skip
    assert "Evidence" in response.content.decode()
    assert not Violation.objects.exists()


def test_an_organizer_withdraws_a_violation(cast, login, english):
    violation = do_record_violation(
        cast.target("county-a"), "buy_votes", "录音", acting_user=cast.organizer
    )
    denied = login(cast.tallier).post(
        _url("withdraw_violation", violation.pk), {"reason": "录音系伪造"}
    )
    assert denied.status_code == 403 and not ViolationWithdrawal.objects.exists()
    login(cast.organizer).post(_url("withdraw_violation", violation.pk), {"reason": "录音系伪造"})
    assert ViolationWithdrawal.objects.get().violation == violation
    html = login(cast.organizer).get(_url("overview")).content.decode()
    assert "Withdrawn" in html


# -- deductions --------------------------------------------------------------------------------


def _deduction_form(**overrides) -> dict:
    return {
        "target": "county-a",
        "component": "rectification",
        "points": "2",
        "reason": "整改台账迟报",
        **overrides,
    }


def test_an_inspector_records_a_deduction_and_another_organizer_approves_it(cast, login, english):
    complete_data(cast)
    with during_evaluation():
        login(cast.inspector).post(_url("record_deduction"), _deduction_form())
        deduction = Deduction.objects.get()
        assert _results(cast.campaign)["county-a"].total == 83  # not approved yet
        login(cast.organizer).post(_url("approve_deduction", deduction.pk), {"comment": "属实"})
        decision = DeductionDecision.objects.get()
        assert decision.approved and decision.comment == "属实"
        assert decision.decided_by == cast.organizer
        assert _results(cast.campaign)["county-a"].total == 81


def test_the_recorder_cannot_decide_their_own_deduction(cast, login, english):
    deduction = do_record_deduction(
        cast.target("county-a"), "rectification", "2", "迟报", acting_user=cast.organizer
    )
    client = login(cast.organizer)
    assert "Approve" not in client.get(_url("overview")).content.decode()
    assert client.post(_url("approve_deduction", deduction.pk)).status_code == 403
    assert not DeductionDecision.objects.exists()


@pytest.mark.parametrize("persona", ["tallier", "inspector"])
def test_only_organizers_decide_deductions(cast, login, persona):
    deduction = do_record_deduction(
        cast.target("county-a"), "rectification", "2", "迟报", acting_user=cast.organizer
    )
    response = login(getattr(cast, persona)).post(_url("reject_deduction", deduction.pk))
    assert response.status_code == 403
    assert not DeductionDecision.objects.exists()


def test_an_organizer_rejects_a_deduction(cast, login):
    deduction = do_record_deduction(
        cast.target("county-a"), "rectification", "2", "迟报", acting_user=cast.inspector
    )
    login(cast.organizer).post(_url("reject_deduction", deduction.pk), {"comment": "证据不足"})
    assert DeductionDecision.objects.get().approved is False


@pytest.mark.parametrize("persona", ["tallier", "evaluator", "leader"])
def test_other_roles_cannot_record_deductions(cast, login, persona):
    response = login(getattr(cast, persona)).post(_url("record_deduction"), _deduction_form())
    assert response.status_code == 403
    assert not Deduction.objects.exists()


@pytest.mark.parametrize(
    "overrides", [{"component": "inspection"}, {"points": "0"}, {"points": "abc"}, {"reason": ""}]
)
def test_a_bad_deduction_is_refused_and_nothing_is_written(cast, login, overrides):
    response = login(cast.organizer).post(
        _url("record_deduction"), _deduction_form(**overrides), follow=True
    )
    assert response.status_code == 200
    assert list(response.context["messages"])
    assert not Deduction.objects.exists()


# -- outcomes ----------------------------------------------------------------------------------


def test_the_run_page_suggests_outcomes_and_the_organizer_decides_them(
    cast, signed_run, login, english
):
    client = login(cast.organizer)
    html = client.get(_url("run", 1)).content.decode()
    assert "Commend (表彰)" in html and "Criticise in a circular (通报批评)" in html
    client.post(
        _url("decide_outcomes", 1, "county-b"),
        {"outcomes": ["criticise", "admonish"], "note": "约谈主要负责人"},
    )
    decision = OutcomeDecision.objects.get()
    assert (decision.target.unit.code, decision.outcomes) == ("county-b", ["criticise", "admonish"])
    assert Event.objects.filter(action="scoring.outcomes_decided").exists()
    html = client.get(_url("run", 1)).content.decode()
    assert "约谈主要负责人" in html and "Change the decision" in html


@pytest.mark.parametrize("persona", ["tallier", "leader"])
def test_only_organizers_decide_outcomes(cast, signed_run, login, persona):
    client = login(getattr(cast, persona))
    html = client.get(_url("run", 1)).content.decode()
    assert _url("decide_outcomes", 1, "county-b") not in html
    response = client.post(_url("decide_outcomes", 1, "county-b"), {"outcomes": ["commend"]})
    assert response.status_code == 403
    assert not OutcomeDecision.objects.exists()


def test_outcomes_wait_for_both_signatures(cast, login, english):
    complete_data(cast)
    with during_evaluation():
        do_start_tally_run(cast.campaign, acting_user=cast.organizer)
        client = login(cast.organizer)
        html = client.get(_url("run", 1)).content.decode()
        response = client.post(
            _url("decide_outcomes", 1, "county-a"), {"outcomes": ["commend"]}, follow=True
        )
    assert "Commend (表彰)" not in html
    assert "Outcomes follow a run signed by both signers." in response.content.decode()
    assert not OutcomeDecision.objects.exists()


# -- signing and publishing from the run page --------------------------------------------------


def test_each_signer_sees_only_their_own_sign_button(cast, login, english):
    complete_data(cast)
    with during_evaluation():
        do_start_tally_run(cast.campaign, acting_user=cast.organizer)
        organizer = login(cast.organizer).get(_url("run", 1)).content.decode()
        tallier = login(cast.tallier).get(_url("run", 1)).content.decode()
        leader = login(cast.leader).get(_url("run", 1)).content.decode()
    assert "Sign as Organizer" in organizer and "Sign as Tallier" not in organizer
    assert "Sign as Tallier (statistics bureau)" in tallier
    assert "Sign as" not in leader and "Approve publication" not in leader


def test_a_leader_publishes_a_signed_run_from_its_page(cast, signed_run, login, english):
    organizer = login(cast.organizer)
    assert "Approve publication" not in organizer.get(_url("run", 1)).content.decode()
    assert organizer.post(_url("publish_run", 1)).status_code == 403
    signed_run.refresh_from_db()
    assert not signed_run.is_published
    leader = login(cast.leader)
    assert "Approve publication" in leader.get(_url("run", 1)).content.decode()
    leader.post(_url("publish_run", 1))
    signed_run.refresh_from_db()
    assert signed_run.is_published and signed_run.published_by == cast.leader


def test_a_leader_cannot_publish_an_unsigned_run(cast, login, english):
    complete_data(cast)
    with during_evaluation():
        run = do_start_tally_run(cast.campaign, acting_user=cast.organizer)
        response = login(cast.leader).post(_url("publish_run", 1), follow=True)
    assert "Only a run signed by both signers can be published." in response.content.decode()
    run.refresh_from_db()
    assert not run.is_published


def test_getting_a_change_url_changes_nothing(cast, login):
    complete_data(cast)
    with during_evaluation():
        assert login(cast.organizer).get(_url("start_run")).status_code == 405
    assert not TallyRun.objects.exists()


def test_outcome_forms_are_paged(cast, login, signed_run, monkeypatch, english):
    monkeypatch.setattr("scoring.views.OUTCOMES_PER_PAGE", 1)
    client = login(cast.organizer)
    first = client.get(_url("run", signed_run.number)).content.decode()
    second = client.get(_url("run", signed_run.number) + "?page=2").content.decode()
    assert first.count('name="outcomes"') == second.count('name="outcomes"') > 0
    assert "Page 1 of 3" in first and "Page 2 of 3" in second


def test_an_overlong_decision_comment_decides_nothing(cast, login, english):
    deduction = do_record_deduction(
        cast.target("county-a"), "rectification", "2", "迟报", acting_user=cast.inspector
    )
    client = login(cast.organizer)
    response = client.post(
        _url("approve_deduction", deduction.pk), {"comment": "长" * 2001}, follow=True
    )
    assert "at most 2000 characters" in response.content.decode()
    assert not DeductionDecision.objects.exists()
