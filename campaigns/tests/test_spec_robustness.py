"""Bad or odd specs are reported by field path, never with a traceback, and write nothing."""

from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import Event
from campaigns.actions import do_load_campaign_spec
from campaigns.models import Campaign, Phase, Target
from campaigns.spec import SpecError, read_spec_file
from orgs.access import OPERATOR
from orgs.models import Unit
from pingyi.testing import make_unit, small_spec

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Unit.objects.count(),
        Campaign.objects.count(),
        Target.objects.count(),
        Phase.objects.count(),
        Event.objects.count(),
    )


def _yaml(tmp_path: Path, data: dict, *, replace: tuple[str, str] | None = None) -> Path:
    """Dump the spec, then edit its text to hold what safe_dump would never write."""
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    if replace:
        assert replace[0] in text
        text = text.replace(replace[0], replace[1], 1)
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _load_errors(spec: dict) -> list[str]:
    with pytest.raises(SpecError) as caught:
        do_load_campaign_spec(spec, acting_user=OPERATOR)
    return caught.value.errors


def _rejected_by_command(path: Path) -> str:
    before = _counts()
    with pytest.raises(CommandError) as caught:
        call_command("campaign", "load", str(path))
    assert _counts() == before
    return str(caught.value)


# Dates


def test_an_impossible_calendar_date_is_named_by_its_path(tmp_path, english):
    path = _yaml(tmp_path, small_spec(), replace=("start: 2026-07-11", "start: 2026-02-30"))
    message = _rejected_by_command(path)
    assert "phases[1].start: '2026-02-30' is not a valid date" in message


def test_a_date_with_a_time_is_refused(tmp_path, english):
    path = _yaml(tmp_path, small_spec(), replace=("end: 2026-07-10", "end: 2026-07-10 10:00:00"))
    message = _rejected_by_command(path)
    assert "phases[0].end: must be a date like 2026-06-22" in message


def test_a_datetime_passed_in_is_refused(english):
    spec = small_spec()
    spec["phases"][0]["start"] = datetime(2026, 6, 22, 8, 0)
    assert "phases[0].start: must be a date like 2026-06-22" in _load_errors(spec)
    assert not Unit.objects.exists()


@pytest.mark.parametrize("value", ["20260622", "2026-W26-1", "22/06/2026"])
def test_only_the_plain_date_form_is_read(value, english):
    spec = small_spec()
    spec["phases"][0]["start"] = value
    assert "phases[0].start: must be a date like 2026-06-22" in _load_errors(spec)


def test_dates_in_yaml_are_read(tmp_path):
    data = read_spec_file(_yaml(tmp_path, small_spec()))
    assert data["phases"][0]["start"] == "2026-06-22"
    call_command("campaign", "load", str(_yaml(tmp_path, small_spec())))
    assert Phase.objects.get(kind="mobilize").start == date(2026, 6, 22)


# Lengths and types


@pytest.mark.parametrize(
    "where, path, limit",
    [
        (("name",), "name", 200),
        (("units", 0, "name"), "units[0].name", 200),
        (("units", 0, "kind"), "units[0].kind", 50),
        (("targets", 0, "group"), "targets[0].group", 100),
        (("phases", 0, "name"), "phases[0].name", 200),
    ],
)
def test_text_longer_than_its_field_is_refused(where, path, limit, english):
    spec = small_spec()
    *parents, key = where
    holder = spec
    for step in parents:
        holder = holder[step]
    holder[key] = "长" * (limit + 1)
    errors = _load_errors(spec)
    assert f"{path}: must be at most {limit} characters (it has {limit + 1})" in errors
    assert _counts() == (0, 0, 0, 0, 0)
    holder[key] = "长" * limit
    do_load_campaign_spec(spec, acting_user=OPERATOR)


def test_a_nul_character_in_text_is_refused(english):
    spec = small_spec(name="评议\x00活动")
    assert "name: must not contain NUL characters" in _load_errors(spec)


@pytest.mark.parametrize(
    "where, path",
    [
        (("code",), "code"),
        (("organizer",), "organizer"),
        (("units", 1, "code"), "units[1].code"),
        (("units", 2, "parent"), "units[2].parent"),
        (("targets", 0, "unit"), "targets[0].unit"),
    ],
)
def test_a_code_read_as_a_number_is_refused_with_a_hint(where, path, english):
    spec = small_spec()
    *parents, key = where
    holder = spec
    for step in parents:
        holder = holder[step]
    holder[key] = 83
    errors = _load_errors(spec)
    assert f"{path}: must be text, not a number: put it in quotes, as in '0123'" in errors
    assert not Unit.objects.exists()


def test_an_octal_looking_code_in_yaml_is_refused(tmp_path, english):
    path = _yaml(tmp_path, small_spec(), replace=("code: c-2026", "code: 0123"))
    assert "code: must be text, not a number" in _rejected_by_command(path)


def test_true_is_not_text(english):
    spec = small_spec(name=True)
    spec["targets"][0]["group"] = False
    errors = _load_errors(spec)
    assert "name: must be text" in errors
    assert "targets[0].group: must be text" in errors


@pytest.mark.parametrize("year", [True, 2026.0, "2026"])
def test_the_year_is_a_whole_number(year, english):
    spec = small_spec()
    spec["year"] = year
    assert "year: must be a year between 2000 and 2100" in _load_errors(spec)


@pytest.mark.parametrize(
    "scheme", [{"weight": float("nan")}, {"tags": {"a", "b"}}, {"note": "a\x00b"}]
)
def test_a_scheme_that_cannot_be_stored_as_json_is_refused(scheme, english):
    errors = _load_errors(small_spec(scheme=scheme))
    assert any(e.startswith("scheme: ") for e in errors)
    assert not Unit.objects.exists()


# YAML oddities


def test_a_duplicate_key_is_refused_with_its_line(tmp_path, english):
    path = tmp_path / "spec.yaml"
    path.write_text("code: c-2026\nname: 甲\nname: 乙\n", encoding="utf-8")
    message = _rejected_by_command(path)
    assert "found duplicate key 'name'" in message
    assert "line 3" in message


def test_merge_keys_may_still_override(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(
        "base: &base {group: 县局, exempt: false}\ntargets:\n  - {<<: *base, unit: a, exempt: true}\n",
        encoding="utf-8",
    )
    assert read_spec_file(path)["targets"][0] == {"group": "县局", "exempt": True, "unit": "a"}


def test_a_scheme_file_with_a_duplicate_key_is_refused(tmp_path, english):
    (tmp_path / "scheme.yaml").write_text("name: a\nname: b\n", encoding="utf-8")
    message = _rejected_by_command(_yaml(tmp_path, small_spec(scheme="scheme.yaml")))
    assert "scheme: cannot read scheme file" in message and "duplicate key 'name'" in message


def test_an_explicit_timestamp_tag_is_reported_not_raised(tmp_path, english):
    path = _yaml(
        tmp_path, small_spec(), replace=("start: 2026-06-22", "start: !!timestamp 2026-02-30")
    )
    assert "not valid YAML" in _rejected_by_command(path)


# Failures while writing


def test_a_validation_error_while_writing_is_a_command_error(tmp_path, monkeypatch, english):
    def refuse(self, *args, **kwargs):
        raise ValidationError({"name": ["Refused by the model."]})

    monkeypatch.setattr(Unit, "full_clean", refuse)
    message = _rejected_by_command(_yaml(tmp_path, small_spec()))
    assert "units[0].name: Refused by the model." in message


# Levels


def test_a_unit_cannot_be_relevelled_below_its_existing_children(english):
    do_load_campaign_spec(small_spec(), acting_user=OPERATOR)
    spec = small_spec()
    spec["units"] = [{"code": "city", "name": "市局", "level": "township", "parent": "prov"}]
    before = _counts()
    errors = _load_errors(spec)
    assert "units[0].level: a township unit cannot sit above the county unit 'county-a'" in errors
    assert _counts() == before
    assert Unit.objects.get(code="city").level == "city"


def test_a_unit_and_its_children_may_be_relevelled_down_together():
    do_load_campaign_spec(small_spec(), acting_user=OPERATOR)
    spec = small_spec()
    # the city drops below its counties' present level: they must move first
    for unit in spec["units"][1:]:
        unit["level"] = "township"
    do_load_campaign_spec(spec, acting_user=OPERATOR)
    levels = dict(Unit.objects.values_list("code", "level"))
    assert levels["city"] == "township" and levels["county-b"] == "township"


# Parents


def test_a_listed_unit_without_a_parent_key_keeps_its_parent():
    do_load_campaign_spec(small_spec(), acting_user=OPERATOR)
    spec = small_spec()
    del spec["units"][2]["parent"]
    spec["units"][2]["name"] = "甲县局（改名）"
    do_load_campaign_spec(spec, acting_user=OPERATOR)
    county = Unit.objects.get(code="county-a")
    assert (county.name, county.path) == ("甲县局（改名）", "/prov/city/county-a/")


def test_an_explicit_null_parent_moves_a_unit_to_the_root():
    do_load_campaign_spec(small_spec(), acting_user=OPERATOR)
    spec = small_spec()
    spec["units"][1]["parent"] = None
    do_load_campaign_spec(spec, acting_user=OPERATOR)
    assert Unit.objects.get(code="county-a").path == "/city/county-a/"


def test_only_the_operator_may_move_a_unit_to_the_root(cast):
    make_unit("office", parent=cast.units["city"], level="county")
    spec = small_spec()
    spec["units"] = [{"code": "office", "name": "办公室", "level": "county", "parent": None}]
    before = _counts()
    with pytest.raises(PermissionDenied):
        do_load_campaign_spec(spec, acting_user=cast.organizer)
    assert _counts() == before
    assert Unit.objects.get(code="office").path == "/prov/city/office/"


def _second_province():
    do_load_campaign_spec(small_spec(), acting_user=OPERATOR)
    make_unit("prov2", level="province")
    moved = small_spec()
    moved["units"] = [{"code": "city", "name": "市局", "level": "city", "parent": "prov2"}]
    return moved


def test_targets_below_a_moved_unit_are_judged_by_their_new_place():
    spec = _second_province()
    spec["organizer"] = "prov2"
    do_load_campaign_spec(spec, acting_user=OPERATOR)
    assert Unit.objects.get(code="county-a").path == "/prov2/city/county-a/"


def test_targets_moved_away_from_the_organizer_are_refused(english):
    spec = _second_province()
    spec["organizer"] = "prov"
    before = _counts()
    errors = _load_errors(spec)
    assert any(e.startswith("targets[0].unit: 'county-a' is not below") for e in errors)
    assert _counts() == before


def test_a_unit_cannot_be_moved_below_one_of_its_own_descendants(english):
    do_load_campaign_spec(small_spec(), acting_user=OPERATOR)
    make_unit("office", parent=Unit.objects.get(code="county-a"), level="county")
    spec = small_spec()
    spec["units"] = [{"code": "city", "name": "市局", "level": "county", "parent": "office"}]
    errors = _load_errors(spec)
    assert any("loops back to 'city'" in e for e in errors)


def test_units_below_a_moved_unit_keep_their_new_paths_when_updated():
    do_load_campaign_spec(small_spec(), acting_user=OPERATOR)
    make_unit("prov2", level="province")
    spec = small_spec()
    spec["units"][1]["parent"] = "prov2"
    spec["units"][2]["name"] = "甲县局（改名）"
    spec["organizer"] = "prov2"
    do_load_campaign_spec(spec, acting_user=OPERATOR)
    county = Unit.objects.get(code="county-a")
    assert (county.name, county.path) == ("甲县局（改名）", "/prov2/city/county-a/")


# Phases missing from a reloaded spec


def test_phases_missing_from_a_reloaded_spec_are_kept_and_reported(tmp_path, english, capsys):
    do_load_campaign_spec(small_spec(), acting_user=OPERATOR)
    spec = small_spec()
    spec["phases"] = spec["phases"][1:]
    call_command("campaign", "load", str(_yaml(tmp_path, spec)))
    assert "Phases not in the spec were kept: mobilize" in capsys.readouterr().out
    assert Phase.objects.count() == 5
    report = do_load_campaign_spec(spec, acting_user=OPERATOR)
    assert report.kept_phases == ["mobilize"]


def test_a_phase_may_not_overlap_a_kept_phase(english):
    do_load_campaign_spec(small_spec(), acting_user=OPERATOR)
    later = small_spec()
    later["phases"] = later["phases"][1:]
    later["phases"][0]["start"] = date(2026, 7, 1)
    earlier = small_spec()
    earlier["phases"] = earlier["phases"][:1]
    earlier["phases"][0]["end"] = date(2026, 7, 20)

    assert any(
        e.startswith("phases[0].start: must come after mobilize") for e in _load_errors(later)
    )
    assert any(
        e.startswith("phases[0].end: must end before consult") for e in _load_errors(earlier)
    )
    assert Phase.objects.get(kind="consult").start == date(2026, 7, 11)


# The audit event


def test_the_spec_loaded_event_records_before_and_after():
    do_load_campaign_spec(small_spec(), acting_user=OPERATOR)
    created = Event.objects.get(action="campaign.spec_loaded")
    assert created.data["changes"]["targets"]["county-c"] == {
        "group": [None, "县局"],
        "exempt": [None, True],
    }
    spec = small_spec(name="改名后的活动")
    spec["targets"][0]["group"] = "A组"
    spec["phases"][0]["end"] = date(2026, 7, 9)

    do_load_campaign_spec(spec, acting_user=OPERATOR)

    event = Event.objects.filter(action="campaign.spec_loaded").last()
    assert event.data["changes"] == {
        "campaign": {"name": ["测试评议活动", "改名后的活动"]},
        "targets": {"county-a": {"group": ["县局", "A组"]}},
        "phases": {"mobilize": {"end": ["2026-07-10", "2026-07-09"]}},
    }
    assert "target county-a" in event.data["updated"]


# Who loads


def test_the_acting_user_must_be_named():
    with pytest.raises(TypeError):
        do_load_campaign_spec(small_spec(), acting_user=None)
    assert _counts() == (0, 0, 0, 0, 0)


def test_kept_targets_must_stay_below_the_organizer(english):
    do_load_campaign_spec(small_spec(), acting_user=OPERATOR)
    make_unit("county-d", parent=Unit.objects.get(code="county-a"), level="county")
    spec = small_spec(organizer="county-a")
    spec["targets"] = [{"unit": "county-d", "group": "县局"}]
    before = _counts()
    errors = _load_errors(spec)
    assert (
        "targets: 'county-b' stays a target though the spec leaves it out, "
        "and would not be below the organizer 'county-a'"
    ) in errors
    assert _counts() == before


def test_an_outsider_is_refused_before_the_spec_is_judged(cast):
    spec = small_spec(name="X" * 500)
    spec["targets"].append({"unit": "secret-unit", "group": "县局"})
    with pytest.raises(PermissionDenied):
        do_load_campaign_spec(spec, acting_user=cast.liaison)


def test_errors_name_the_phase_as_written_in_the_file(english):
    spec = small_spec()
    spec["phases"].insert(0, {"kind": "party", "start": "2026-01-01", "end": "2026-01-02"})
    spec["phases"][2]["start"] = date(2026, 7, 1)
    errors = _load_errors(spec)
    assert (
        "phases[0].kind: must be one of mobilize, consult, rectify, evaluate, summarize" in errors
    )
    assert any(e.startswith("phases[2].start: must come after mobilize ends") for e in errors)


def test_a_parent_loop_is_one_error(english):
    spec = small_spec()
    spec["units"][0]["parent"] = "county-a"
    spec["units"][0]["level"] = "county"
    spec["targets"] = []
    assert _load_errors(spec) == ["units[0].parent: the parent chain loops back to 'prov'"]


def test_a_misspelt_top_level_field_is_named(english):
    from campaigns.actions import do_load_campaign_spec
    from campaigns.spec import SpecError
    from orgs.access import OPERATOR
    from pingyi.testing import small_spec

    spec = small_spec()
    spec["targest"] = spec.pop("targets")
    with pytest.raises(SpecError) as caught:
        do_load_campaign_spec(spec, acting_user=OPERATOR)
    assert any(e.startswith("targest: unknown field") for e in caught.value.errors)
