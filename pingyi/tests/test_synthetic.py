from collections import Counter
from datetime import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from audit.models import Event
from audit.verify import verify_chain
from campaigns.models import Campaign, PhaseKind
from orgs.models import Level, Unit
from pingyi import synthetic
from pingyi.synthetic import GROUPS, add_responses, generate_province, plan_province
from scoring.models import AssessorScore
from scoring.queries import live_tally
from scoring.schemes import parse_scheme
from surveys import counters
from surveys.models import Channel, Response

pytestmark = pytest.mark.django_db

SMALL = {"targets": 40, "responses": 5000, "year": 2026}


def _province(code="prov-a", seed=1, **overrides):
    return generate_province(seed=seed, code=code, **{**SMALL, **overrides})


def _tier_counts(campaign: Campaign) -> dict:
    """Responses per (unit's place in the tree, category, tier): comparable across campaigns."""
    prefix = campaign.organizer.code
    rows = (
        Response.objects.filter(campaign=campaign)
        .values_list("target__unit__code", "category", "tier")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(code.removeprefix(prefix), c, t): n for code, c, t, n in rows}


def test_a_province_has_a_four_level_tree_and_targets_in_several_peer_groups():
    campaign = _province()

    units = Unit.objects.filter(path__startswith=campaign.organizer.path)
    assert {u.depth for u in units} == {0, 1, 2, 3}
    assert {u.level for u in units} == set(Level.values)
    assert campaign.organizer.depth == 0
    assert campaign.targets.count() == 40
    groups = Counter(campaign.targets.values_list("group", flat=True))
    assert set(groups) == set(GROUPS) and min(groups.values()) >= 1
    assert all(t.unit.depth >= 2 for t in campaign.targets.select_related("unit"))
    assert campaign.responses.count() == 5000
    assert campaign.phases.count() == len(PhaseKind.values)


def test_the_tree_plan_has_exactly_the_targets_asked_for():
    for targets in (4, 40, 3000):
        plan = plan_province(1, targets)
        assert sum(1 for unit in plan if unit.group) == targets
        assert len({unit.key for unit in plan}) == len(plan)
    with pytest.raises(ValueError, match="at least"):
        plan_province(1, 3)


def test_responses_look_like_answers_kept_to_the_day_in_the_evaluate_phase():
    campaign = _province()
    scheme = parse_scheme(campaign.scheme)
    evaluate = campaign.phases.get(kind=PhaseKind.EVALUATE)
    responses = list(campaign.responses.all())

    for response in responses:
        local = timezone.localtime(response.submitted_at)
        assert local.time() == time(0)
        assert evaluate.start <= local.date() <= evaluate.end
        assert response.receipt is None and response.submission_key is None
        assert response.excluded_at is None and response.questionnaire_id is None
    assert {r.channel for r in responses} == set(Channel.values)
    assert {r.category for r in responses} == set(scheme.category_labels())
    assert {r.tier for r in responses} == set(scheme.tier_labels())
    with_text = sum(1 for r in responses if r.problems or r.suggestions)
    assert 0.03 * len(responses) < with_text < 0.12 * len(responses)


def test_every_target_gets_one_to_three_assessor_scores_per_assessor_component():
    campaign = _province()
    leaves = {leaf.key for leaf in parse_scheme(campaign.scheme).assessor_leaves()}

    per = Counter(
        AssessorScore.objects.filter(campaign=campaign).values_list("target", "component")
    )
    assert set(per) == {(t.pk, leaf) for t in campaign.targets.all() for leaf in leaves}
    assert set(per.values()) <= {1, 2, 3}
    scores = AssessorScore.objects.filter(campaign=campaign).values_list("score", flat=True)
    assert all(60 <= score <= 100 for score in scores)


def test_the_counters_agree_with_the_responses():
    campaign = _province()

    assert counters.verify(campaign) == []
    assert sum(c.responses for c in counters.counted(campaign)) == 5000


def test_the_live_tally_gives_every_target_a_total_a_rank_and_a_grade():
    campaign = _province(responses=8000)

    results = live_tally(campaign).results
    assert len(results) == 40
    assert all(r.total is not None and r.rank and r.grade for r in results)
    assert {r.group for r in results if r.rank == 1} == set(GROUPS)
    assert len({r.total for r in results}) > 30  # targets differ


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    first, again, other = (
        _province("prov-a", seed=7),
        _province("prov-b", seed=7),
        _province("prov-c", seed=8),
    )

    assert _tier_counts(first) == _tier_counts(again)
    assert _tier_counts(first) != _tier_counts(other)
    names = [sorted(c.targets.values_list("unit__name", flat=True)) for c in (first, again)]
    assert names[0] == names[1]


def test_add_responses_grows_the_campaign_exactly_and_keeps_the_counters():
    campaign = _province(responses=2000)

    assert add_responses(campaign, 3000, seed=1) == 5000
    assert campaign.responses.count() == 5000
    assert counters.verify(campaign) == []
    grown = _province("prov-b", responses=2000)
    add_responses(grown, 3000, seed=1)
    assert _tier_counts(grown) == _tier_counts(campaign)
    assert Event.objects.filter(action="campaign.synthetic_responses_added").count() == 2
    with pytest.raises(ValueError, match="-1"):
        add_responses(campaign, -1, seed=1)


def test_many_transactions_and_chunks_still_count_exactly(monkeypatch):
    monkeypatch.setattr(synthetic, "TRANSACTION_ROWS", 1500)
    monkeypatch.setattr(synthetic, "CHUNK_ROWS", 700)
    seen = []

    campaign = _province(responses=4000, progress=lambda *step: seen.append(step))

    assert campaign.responses.count() == 4000
    assert counters.verify(campaign) == []
    done = [d for stage, d, _total in seen if stage == "responses"]
    assert done == sorted(done) and done[0] == 0 and done[-1] == 4000


def test_generation_is_recorded_in_the_audit_log():
    campaign = _province()

    event = Event.objects.get(action="campaign.synthetic_generated")
    assert event.object_id == str(campaign.pk)
    assert event.data["seed"] == 1
    assert event.data["targets"] == 40 and event.data["responses"] == 5000
    assert event.data["assessor_scores"] == AssessorScore.objects.filter(campaign=campaign).count()
    assert verify_chain().ok


def test_an_existing_code_is_refused_and_nothing_is_written():
    _province()
    before = (Unit.objects.count(), Response.objects.count(), Event.objects.count())

    with pytest.raises(ValueError, match="exists"):
        _province()
    with pytest.raises(ValueError, match="code"):
        _province("Not-A-Code")
    assert (Unit.objects.count(), Response.objects.count(), Event.objects.count()) == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY path only")
def test_postgresql_keeps_its_foreign_key_triggers_on_after_the_copy():
    campaign = _province()
    add_responses(campaign, 1000, seed=1)

    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"


def test_the_command_generates_a_province(capsys):
    call_command(
        "demo",
        "--scale",
        "province",
        "--targets",
        "12",
        "--responses",
        "1000",
        "--seed",
        "2",
        "--code",
        "prov-cmd",
        "--year",
        "2026",
    )

    out, err = capsys.readouterr()
    assert "prov-cmd" in out and "12" in out and "1000" in out
    assert "responses: 1,000/1,000 (100%" in err
    campaign = Campaign.objects.get(code="prov-cmd")
    assert campaign.responses.count() == 1000 and campaign.year == 2026


def test_the_command_refuses_province_options_without_the_province_scale():
    with pytest.raises(CommandError, match="--targets"):
        call_command("demo", "--targets", "12")
    assert not Campaign.objects.exists()


def test_the_command_refuses_an_existing_code_and_too_few_targets():
    _province("prov-cmd")

    with pytest.raises(CommandError, match="exists"):
        call_command("demo", "--scale", "province", "--code", "prov-cmd", "--responses", "10")
    with pytest.raises(CommandError, match="at least"):
        call_command("demo", "--scale", "province", "--code", "prov-few", "--targets", "2")
