"""Rules of the tally actions that no page shows on its own."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from campaigns.actions import do_load_campaign_spec
from campaigns.models import Campaign
from campaigns.spec import KnownCampaign, SpecError
from orgs.access import OPERATOR
from pingyi.testing import make_user, small_spec
from scoring.actions import (
    do_decide_deduction,
    do_decide_outcomes,
    do_publish_tally_run,
    do_record_deduction,
    do_sign_tally_run,
    do_start_tally_run,
)
from scoring.models import Deduction, OutcomeDecision, TallyRun, TallySignature
from scoring.queries import outcome_suggestions, previous_year_run
from scoring.tests.factories import add_votes, complete_data, during_evaluation

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(cast):
    complete_data(cast)
    with during_evaluation():
        yield do_start_tally_run(cast.campaign, acting_user=cast.organizer)


def test_a_superuser_cannot_fill_a_signature_or_approve_publication(cast, run):
    admin = make_user("root")
    admin.is_superuser = True
    admin.save()
    for role in ("organizer", "tallier"):
        with pytest.raises(PermissionDenied):
            do_sign_tally_run(run, role, acting_user=admin)
    assert not TallySignature.objects.exists()
    do_sign_tally_run(run, "organizer", acting_user=cast.organizer)
    do_sign_tally_run(run, "tallier", acting_user=cast.tallier)
    with pytest.raises(PermissionDenied):
        do_publish_tally_run(run, acting_user=admin)
    run.refresh_from_db()
    assert not run.is_published


def test_the_tally_does_not_open_before_the_evaluate_phase(cast):
    with time_machine.travel(date(2026, 8, 31)), pytest.raises(ValidationError):
        do_start_tally_run(cast.campaign, acting_user=cast.organizer)
    assert not TallyRun.objects.exists()


def test_only_the_newest_run_is_signed(cast, run):
    with during_evaluation():
        do_start_tally_run(cast.campaign, acting_user=cast.organizer)
    with pytest.raises(ValidationError):
        do_sign_tally_run(run, "organizer", acting_user=cast.organizer)
    assert not TallySignature.objects.exists()


def test_a_deduction_is_decided_by_someone_other_than_its_recorder(cast):
    target = cast.target("county-a")
    deduction = do_record_deduction(target, "survey", "1.5", "窗口无人", acting_user=cast.organizer)
    with pytest.raises(PermissionDenied):
        do_decide_deduction(deduction, approved=True, acting_user=cast.organizer)
    with pytest.raises(ValidationError):
        do_record_deduction(target, "inspection", 1, "分组不能扣分", acting_user=cast.organizer)
    with pytest.raises(ValidationError):
        do_record_deduction(target, "survey", "0.001", "太细", acting_user=cast.organizer)
    with pytest.raises(PermissionDenied):
        do_record_deduction(target, "survey", 1, "联络员不能扣分", acting_user=cast.liaison)
    assert Deduction.objects.count() == 1


def test_outcomes_need_a_signed_run_and_known_kinds(cast, run):
    target = cast.target("county-a")
    with pytest.raises(ValidationError):
        do_decide_outcomes(run, target, ["commend"], acting_user=cast.organizer)
    do_sign_tally_run(run, "organizer", acting_user=cast.organizer)
    do_sign_tally_run(run, "tallier", acting_user=cast.tallier)
    run.refresh_from_db()
    with pytest.raises(ValidationError):
        do_decide_outcomes(run, target, ["knighthood"], acting_user=cast.organizer)
    decision = do_decide_outcomes(run, target, ["no_award", "commend"], acting_user=cast.organizer)
    assert decision.outcomes == ["commend", "no_award"]
    assert OutcomeDecision.objects.count() == 1


def _signed_run(campaign, cast, votes: dict[str, dict[str, int]]):
    for code, tiers in votes.items():
        add_votes(campaign.targets.get(unit__code=code), tiers)
    run = do_start_tally_run(campaign, acting_user=cast.organizer)
    do_sign_tally_run(run, "organizer", acting_user=cast.organizer)
    do_sign_tally_run(run, "tallier", acting_user=cast.tallier)
    return run


def test_two_years_running_are_matched_by_the_campaign_series(cast):
    one_question = {
        "name": "一题",
        "components": [
            {
                "key": "survey",
                "label": "满意度",
                "weight": 100,
                "source": "survey",
                "tiers": [{"label": "满意", "value": 1}, {"label": "不满意", "value": 0}],
            }
        ],
        "grades": {"bands": [{"label": "好", "min": 60}, {"label": "差", "min": 0}]},
    }
    votes = {"county-a": {"满意": 9, "不满意": 1}, "county-b": {"满意": 1, "不满意": 9}}
    runs = {}
    for year in (2025, 2026):
        spec = small_spec(code=f"s-{year}", year=year, scheme=one_question, series="kj")
        campaign = do_load_campaign_spec(spec, acting_user=OPERATOR).campaign
        with time_machine.travel(date(year, 9, 5)):
            runs[year] = _signed_run(campaign, cast, votes)
    suggested = {
        code: {o.kind for o in outcomes}
        for code, outcomes in outcome_suggestions(runs[2026]).items()
    }
    assert {"commend", "recommend"} <= suggested["county-a"]
    assert {"criticise", "accountability", "no_award"} <= suggested["county-b"]
    first_year = {
        code: {o.kind for o in outcomes}
        for code, outcomes in outcome_suggestions(runs[2025]).items()
    }
    assert "recommend" not in first_year["county-a"]
    assert "accountability" not in first_year["county-b"]


def test_last_years_published_run_is_preferred_to_a_later_unpublished_one(cast):
    spec = small_spec(code="s-2025", year=2025, series="kj")
    last_year = do_load_campaign_spec(spec, acting_user=OPERATOR).campaign
    this_year = do_load_campaign_spec(
        small_spec(code="s-2026", series="kj"), acting_user=OPERATOR
    ).campaign
    with time_machine.travel(date(2025, 9, 5)):
        published = _signed_run(last_year, cast, {"county-a": {"满意": 3}})
        do_publish_tally_run(published, acting_user=cast.leader)
        later = _signed_run(last_year, cast, {"county-a": {"不满意": 3}})
    assert later.number > published.number
    assert previous_year_run(this_year) == published


DONGGUAN = {"preset": "dongguan-2009"}


def test_the_scheme_cannot_change_once_data_are_counted(cast, english):
    add_votes(cast.target("county-a"), {"满意": 1})
    with pytest.raises(SpecError) as caught:
        do_load_campaign_spec(small_spec(scheme="preset:dongguan-2009"), acting_user=OPERATOR)
    assert any(e.startswith("scheme: cannot change") for e in caught.value.errors)
    cast.campaign.refresh_from_db()
    assert cast.campaign.scheme == {"preset": "tiered-70-30"}
    # The same scheme reloads fine.
    do_load_campaign_spec(small_spec(), acting_user=OPERATOR)


def test_data_that_do_not_fit_the_scheme_refuse_a_run_instead_of_crashing(cast, english):
    complete_data(cast)
    Campaign.objects.filter(pk=cast.campaign.pk).update(scheme=DONGGUAN)  # behind the loader's back
    cast.campaign.refresh_from_db()
    with during_evaluation(), pytest.raises(ValidationError) as caught:
        do_start_tally_run(cast.campaign, acting_user=cast.organizer)
    assert "do not fit the campaign's scheme" in str(caught.value)
    assert not TallyRun.objects.exists()


def test_a_run_started_under_another_scheme_cannot_be_signed(cast, run):
    Campaign.objects.filter(pk=cast.campaign.pk).update(scheme=DONGGUAN)
    with pytest.raises(ValidationError):
        do_sign_tally_run(run, "organizer", acting_user=cast.organizer)
    assert not TallySignature.objects.exists()


def test_a_signed_run_is_not_published_after_the_data_changed(cast, run):
    do_sign_tally_run(run, "organizer", acting_user=cast.organizer)
    do_sign_tally_run(run, "tallier", acting_user=cast.tallier)
    add_votes(cast.target("county-a"), {"不满意": 5})
    with pytest.raises(ValidationError):
        do_publish_tally_run(run, acting_user=cast.leader)
    run.refresh_from_db()
    assert not run.is_published


def test_an_import_landing_after_the_spec_check_still_freezes_the_scheme(
    cast, monkeypatch, english
):
    """The check is repeated under the campaign lock inside the loading transaction."""
    monkeypatch.setattr("campaigns.actions._known_campaign", lambda code: KnownCampaign())
    add_votes(cast.target("county-a"), {"满意": 1})  # as if imported after parse_spec ran
    with pytest.raises(SpecError) as caught:
        do_load_campaign_spec(small_spec(scheme="preset:dongguan-2009"), acting_user=OPERATOR)
    assert caught.value.errors[0].startswith("scheme: cannot change")
    cast.campaign.refresh_from_db()
    assert cast.campaign.scheme == {"preset": "tiered-70-30"}


def test_an_approved_deduction_freezes_the_scheme_too(cast, english):
    deduction = do_record_deduction(
        cast.target("county-a"), "rectification", 1, "x", acting_user=cast.inspector
    )
    do_decide_deduction(deduction, approved=True, acting_user=cast.organizer)
    with pytest.raises(SpecError):
        do_load_campaign_spec(small_spec(scheme="preset:henan-2014-stations"), acting_user=OPERATOR)


def test_an_empty_scheme_is_refused(cast, english):
    with pytest.raises(SpecError) as caught:
        do_load_campaign_spec(small_spec(scheme={}), acting_user=OPERATOR)
    assert "scheme: must not be empty" in caught.value.errors


def test_a_level_above_neither_signs_nor_publishes(cast, run):
    """The seeds tally with the statistics bureau of the same level (会同本级统计部门)."""
    province = cast.units["prov"]
    tallier = make_user("prov_tallier", role="tallier", unit=province)
    leader = make_user("prov_leader", role="leader", unit=province)
    for user, role in ((cast.province_organizer, "organizer"), (tallier, "tallier")):
        with pytest.raises(PermissionDenied):
            do_sign_tally_run(run, role, acting_user=user)
    do_sign_tally_run(run, "organizer", acting_user=cast.organizer)
    do_sign_tally_run(run, "tallier", acting_user=cast.tallier)
    with pytest.raises(PermissionDenied):
        do_publish_tally_run(run, acting_user=leader)
    assert TallySignature.objects.count() == 2


def test_last_year_is_looked_up_for_the_same_organizer_only(cast):
    other = do_load_campaign_spec(
        small_spec(code="other-2025", year=2025, organizer="prov", series="kj"),
        acting_user=OPERATOR,
    ).campaign
    this_year = do_load_campaign_spec(
        small_spec(code="s-2026", series="kj"), acting_user=OPERATOR
    ).campaign
    with time_machine.travel(date(2025, 9, 5)):
        add_votes(other.targets.get(unit__code="county-a"), {"满意": 3})
        started = do_start_tally_run(other, acting_user=cast.province_organizer)
        tallier = make_user("prov_tallier", role="tallier", unit=cast.units["prov"])
        do_sign_tally_run(started, "organizer", acting_user=cast.province_organizer)
        do_sign_tally_run(started, "tallier", acting_user=tallier)
    started.refresh_from_db()
    assert started.is_signed and started.campaign.organizer != this_year.organizer
    assert previous_year_run(this_year) is None
