from datetime import date
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import Event
from campaigns.actions import do_load_campaign_spec
from campaigns.models import Campaign, Phase, Target
from campaigns.spec import SpecError
from orgs.access import OPERATOR
from orgs.models import Unit
from pingyi.testing import small_spec

ONE_QUESTION_SCHEME = {
    "name": "一题满意度",
    "components": [
        {
            "key": "survey",
            "label": "满意度",
            "weight": 100,
            "source": "survey",
            "tiers": [{"label": "满意", "value": 1}, {"label": "不满意", "value": 0}],
        }
    ],
    "grades": {"bands": [{"label": "满意", "min": 60}, {"label": "不满意", "min": 0}]},
}

pytestmark = pytest.mark.django_db


def three_level_spec() -> dict:
    """Province → 3 cities → 9 counties; the province appraises its cities."""
    cities = [f"city-{i}" for i in range(3)]
    units = [{"code": "prov", "name": "省厅", "level": "province"}]
    units += [{"code": c, "name": f"{c}局", "level": "city", "parent": "prov"} for c in cities]
    units += [
        {"code": f"{c}-k{k}", "name": f"{c}县{k}", "level": "county", "parent": c}
        for c in cities
        for k in range(3)
    ]
    return {
        "code": "prov-2026",
        "name": "全省评议",
        "year": 2026,
        "organizer": "prov",
        "scheme": "preset:dongguan-2009",
        "units": units,
        "targets": [{"unit": c, "group": "市局"} for c in cities],
        "phases": [
            {"kind": "mobilize", "start": "2026-06-01", "end": "2026-06-30"},
            {"kind": "evaluate", "start": "2026-09-01", "end": "2026-09-30"},
        ],
    }


def _counts():
    return (
        Unit.objects.count(),
        Campaign.objects.count(),
        Target.objects.count(),
        Phase.objects.count(),
        Event.objects.count(),
    )


def _write(tmp_path: Path, data: dict, name="spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_three_level_spec_loads_and_a_second_load_changes_nothing(tmp_path, capsys):
    path = _write(tmp_path, three_level_spec())
    call_command("campaign", "load", str(path))
    assert Unit.objects.count() == 13
    assert Unit.objects.get(code="city-2-k1").path == "/prov/city-2/city-2-k1/"
    assert Target.objects.filter(campaign__code="prov-2026").count() == 3
    first = _counts()
    capsys.readouterr()

    call_command("campaign", "load", str(path))

    assert _counts() == first
    assert "city-2-k1" not in capsys.readouterr().out


def test_units_may_be_listed_children_first():
    spec = three_level_spec()
    spec["units"].reverse()
    do_load_campaign_spec(spec, acting_user=OPERATOR)
    assert Unit.objects.get(code="city-0-k0").parent.code == "city-0"


def test_an_unknown_parent_is_rejected_by_field_path_and_nothing_is_written(tmp_path, english):
    spec = three_level_spec()
    spec["units"][5]["parent"] = "atlantis"
    with pytest.raises(CommandError) as caught:
        call_command("campaign", "load", str(_write(tmp_path, spec)))
    assert "units[5].parent: unknown unit 'atlantis'" in str(caught.value)
    assert _counts() == (0, 0, 0, 0, 0)


def test_an_unknown_target_unit_is_named(english):
    spec = small_spec()
    spec["targets"].append({"unit": "xa-kj", "group": "县局"})
    with pytest.raises(SpecError) as caught:
        do_load_campaign_spec(spec, acting_user=OPERATOR)
    assert "targets[3].unit: unknown unit 'xa-kj'" in caught.value.errors
    assert not Campaign.objects.exists() and not Unit.objects.exists()


def test_every_problem_is_reported_at_once(english):
    spec = small_spec(organizer="nowhere")
    spec["year"] = "2026"
    spec["phases"][1]["start"] = "July 11"
    spec["phases"][2]["kind"] = "party"
    spec["units"][0]["level"] = "planet"
    with pytest.raises(SpecError) as caught:
        do_load_campaign_spec(spec, acting_user=OPERATOR)
    fields = {error.split(":")[0] for error in caught.value.errors}
    assert {"year", "organizer", "phases[1].start", "phases[2].kind", "units[0].level"} <= fields


def test_targets_must_lie_below_the_organizer(english):
    spec = small_spec(organizer="county-a")
    with pytest.raises(SpecError) as caught:
        do_load_campaign_spec(spec, acting_user=OPERATOR)
    assert any(e.startswith("targets[1].unit:") for e in caught.value.errors)


def test_overlapping_phases_are_rejected(english):
    spec = small_spec()
    spec["phases"][1]["start"] = date(2026, 7, 1)
    with pytest.raises(SpecError) as caught:
        do_load_campaign_spec(spec, acting_user=OPERATOR)
    assert any(e.startswith("phases[1].start:") for e in caught.value.errors)


def test_a_parent_loop_is_rejected(english):
    spec = small_spec()
    spec["units"][0]["parent"] = "county-a"
    spec["units"][0]["level"] = "county"
    with pytest.raises(SpecError) as caught:
        do_load_campaign_spec(spec, acting_user=OPERATOR)
    assert any("loops back" in e for e in caught.value.errors)


@pytest.mark.parametrize(
    "scheme, stored",
    [
        ("preset:tiered-70-30", {"preset": "tiered-70-30"}),
        (ONE_QUESTION_SCHEME, ONE_QUESTION_SCHEME),
    ],
)
def test_the_scheme_is_stored_as_a_preset_or_a_mapping(scheme, stored):
    campaign = do_load_campaign_spec(small_spec(scheme=scheme), acting_user=OPERATOR).campaign
    assert campaign.scheme == stored


def test_a_scheme_file_is_read_relative_to_the_spec(tmp_path):
    scheme = {**ONE_QUESTION_SCHEME, "name": "文件方案"}
    (tmp_path / "scheme.yaml").write_text(
        yaml.safe_dump(scheme, allow_unicode=True), encoding="utf-8"
    )
    path = _write(tmp_path, small_spec(scheme="scheme.yaml"))
    call_command("campaign", "load", str(path))
    assert Campaign.objects.get().scheme == scheme


def test_an_invalid_scheme_is_rejected_by_its_path_and_nothing_is_written(english):
    scheme = {
        **ONE_QUESTION_SCHEME,
        "components": [{**ONE_QUESTION_SCHEME["components"][0], "weight": 0}],
    }
    with pytest.raises(SpecError) as caught:
        do_load_campaign_spec(small_spec(scheme=scheme), acting_user=OPERATOR)
    assert any(e.startswith("scheme.components[0].weight:") for e in caught.value.errors)
    assert not Unit.objects.exists()


def test_an_unknown_preset_is_rejected(english):
    with pytest.raises(SpecError) as caught:
        do_load_campaign_spec(small_spec(scheme="preset:no-such"), acting_user=OPERATOR)
    assert any(e.startswith("scheme") and "tiered-70-30" in e for e in caught.value.errors)
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("scheme", [["a", "b"], "", None, "preset:"])
def test_a_scheme_that_is_not_a_mapping_is_rejected(scheme, english):
    with pytest.raises(SpecError) as caught:
        do_load_campaign_spec(small_spec(scheme=scheme), acting_user=OPERATOR)
    assert any(e.startswith("scheme:") for e in caught.value.errors)
    assert not Unit.objects.exists()


def test_a_changed_spec_updates_by_code_and_records_what_changed():
    do_load_campaign_spec(small_spec(), acting_user=OPERATOR)
    spec = small_spec(name="改名后的活动")
    spec["targets"][0]["group"] = "A组"
    spec["phases"][0]["end"] = date(2026, 7, 9)
    report = do_load_campaign_spec(spec, acting_user=OPERATOR)
    assert set(report.updated) == {"campaign c-2026 (name)", "target county-a", "phase mobilize"}
    assert Campaign.objects.get().name == "改名后的活动"
    event = Event.objects.filter(action="campaign.spec_loaded").last()
    assert "target county-a" in event.data["updated"]


def test_targets_missing_from_a_reloaded_spec_are_kept():
    do_load_campaign_spec(small_spec(), acting_user=OPERATOR)
    spec = small_spec()
    spec["targets"] = spec["targets"][:1]
    report = do_load_campaign_spec(spec, acting_user=OPERATOR)
    assert report.kept == ["county-b", "county-c"]
    assert Target.objects.count() == 3


def test_a_named_user_must_organize_the_campaign(cast, tmp_path):
    path = _write(tmp_path, small_spec(name="被联络员改过"))
    with pytest.raises(CommandError):
        call_command("campaign", "load", str(path), "--as", "liaison")
    assert cast.campaign.name == "测试评议活动"
    call_command("campaign", "load", str(path), "--as", "organizer")
    assert Campaign.objects.get().name == "被联络员改过"


def test_invalid_yaml_is_reported(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("code: [unclosed", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("campaign", "load", str(path))


def test_list_and_show(cast, capsys):
    call_command("campaign", "list")
    assert "c-2026" in capsys.readouterr().out
    call_command("campaign", "show", "c-2026")
    out = capsys.readouterr().out
    assert "county-a" in out and "2026-06-22" in out
    call_command("campaign", "show", "c-2026", "--as", "liaison")
    out = capsys.readouterr().out
    assert "county-a" in out and "county-b" not in out
    with pytest.raises(CommandError):
        call_command("campaign", "show", "nope")


def test_a_named_organizer_cannot_change_units_above_its_own(cast):
    spec = small_spec()
    spec["units"][0]["name"] = "被市局改名的省局"
    with pytest.raises(PermissionDenied):
        do_load_campaign_spec(spec, acting_user=cast.organizer)
    assert Unit.objects.get(code="prov").name == "省局"


def test_a_named_organizer_adds_units_below_its_own(cast):
    spec = small_spec()
    spec["units"].append(
        {"code": "county-d", "name": "丁县局", "level": "county", "parent": "city"}
    )
    do_load_campaign_spec(spec, acting_user=cast.organizer)
    assert Unit.objects.get(code="county-d").path == "/prov/city/county-d/"


def test_an_organizer_elsewhere_cannot_take_over_a_campaign_by_its_code(cast):
    # given an organizer of another city, loading a spec that reuses the campaign's code
    rival_city = {"code": "city2", "name": "另一市局", "level": "city", "parent": "prov"}
    rival_county = {"code": "c2-k", "name": "另一县局", "level": "county", "parent": "city2"}
    do_load_campaign_spec(
        {
            **small_spec(code="other"),
            "organizer": "city2",
            "units": [rival_city, rival_county],
            "targets": [{"unit": "c2-k", "group": "县局"}],
        },
        acting_user=OPERATOR,
    )
    from orgs.models import Role
    from pingyi.testing import make_user

    rival = make_user("rival", role=Role.ORGANIZER, unit=Unit.objects.get(code="city2"))
    spec = {
        **small_spec(name="被接管"),
        "organizer": "city2",
        "units": [],
        "targets": [{"unit": "c2-k", "group": "县局"}],
    }
    # then the load is refused and the campaign is untouched
    with pytest.raises(PermissionDenied):
        do_load_campaign_spec(spec, acting_user=rival)
    campaign = Campaign.objects.get(code="c-2026")
    assert (campaign.name, campaign.organizer.code) == ("测试评议活动", "city")
