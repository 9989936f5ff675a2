import json
from io import BytesIO, StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from audit.models import Event
from campaigns.models import Campaign
from scoring.tests.factories import (
    COMPONENT_KEYS,
    TIERS,
    add_votes,
    complete_data,
    during_evaluation,
)

pytestmark = pytest.mark.django_db


def _tally(*args) -> str:
    out = StringIO()
    call_command("tally", "c-2026", *args, stdout=out)
    return out.getvalue()


def _json(*args) -> dict:
    return json.loads(_tally(*args))


def test_the_tally_prints_the_design_json_with_every_component_key(cast):
    complete_data(cast)
    with during_evaluation():
        data = _json()
    assert set(data) == {"campaign", "scheme", "digest", "results"}
    assert data["campaign"] == "c-2026"
    assert data["scheme"] == "tiered-70-30"
    assert len(data["digest"]) == 64
    by_target = {r["target"]: r for r in data["results"]}
    a = by_target["county-a"]
    assert set(a) == {
        "target", "name", "group", "responses", "valid_votes",
        "components", "total", "grade", "rank", "flags",
    }  # fmt: skip
    assert list(a["components"]) == COMPONENT_KEYS
    assert a["components"] == {
        "survey": 56.0,
        "inspection": 27.0,
        "rectification": 18.0,
        "self_review": 9.0,
    }
    assert (a["name"], a["group"], a["responses"], a["valid_votes"]) == ("甲县局", "县局", 4, 4)
    assert (a["total"], a["grade"], a["rank"], a["flags"]) == (83.0, "满意", 1, [])
    b = by_target["county-b"]
    assert (b["total"], b["grade"], b["rank"]) == (68.5, "基本满意", 2)
    exempt = by_target["county-c"]
    assert exempt["total"] is None and exempt["rank"] is None
    assert "exempt" in exempt["flags"]
    assert [r["target"] for r in data["results"]] == ["county-a", "county-b", "county-c"]


def test_the_digest_is_the_same_for_the_same_data_and_changes_with_one_more_vote(cast):
    complete_data(cast)
    with during_evaluation():
        first, second = _json()["digest"], _json()["digest"]
        add_votes(cast.target("county-b"), {"优秀": 1})
        third = _json()
    assert first == second
    assert third["digest"] != first
    assert {r["target"]: r["responses"] for r in third["results"]}["county-b"] == 3


def test_the_tally_writes_csv_with_the_json_keys(cast, tmp_path):
    complete_data(cast)
    path = tmp_path / "results.csv"
    with during_evaluation():
        _tally("--format", "csv", "--output", str(path))
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode())
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].split(",") == [
        "target", "name", "group",
        *(f"votes.{tier}" for tier in TIERS),
        *COMPONENT_KEYS, "total", "grade", "rank", "flags",
    ]  # fmt: skip
    assert lines[1] == "county-a,甲县局,县局,3,0,0,1,0,56.00,27.00,18.00,9.00,83.00,满意,1,"
    assert lines[3].startswith("county-c,丙县局,县局,0,0,0,0,0,,,,,,,,exempt")


def test_csv_on_standard_output_has_no_byte_order_mark(cast):
    complete_data(cast)
    with during_evaluation():
        out = _tally("--format", "csv")
    assert out.startswith("target,name,group")


def test_the_tally_writes_an_xlsx_ranking_sheet(cast, tmp_path):
    complete_data(cast)
    path = tmp_path / "results.xlsx"
    with during_evaluation():
        digest = _json()["digest"]
        _tally("--format", "xlsx", "--output", str(path))
    sheet = load_workbook(BytesIO(path.read_bytes())).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert "评议结果排名表" in rows[0][0]
    tiers = [f"{tier}（票）" for tier in TIERS]
    points = [
        "群众满意度调查",
        "检查评议（小计）",
        "反馈意见的整改落实情况",
        "自查自纠情况和其它评议内容",
    ]
    assert rows[1] == ["单位", "序列", *tiers, *points, "综合得分", "等次", "排名", "备注"]
    assert rows[2] == ["甲县局", "县局", 3, 0, 0, 1, 0, 56, 27, 18, 9, 83, "满意", 1, None]
    assert rows[3][-4:-1] == [68.5, "基本满意", 2]
    assert any(digest in (r[0] or "") for r in rows[4:])


def test_xlsx_needs_an_output_file(cast):
    with during_evaluation(), pytest.raises(CommandError, match="--output"):
        _tally("--format", "xlsx")
    assert not Event.objects.filter(action="scoring.tally_computed").exists()


def test_each_tally_writes_an_audit_event_without_scores(cast):
    complete_data(cast)
    with during_evaluation():
        digest = _json()["digest"]
    event = Event.objects.get(action="scoring.tally_computed")
    assert event.data == {"campaign": "c-2026", "digest": digest, "format": "json"}
    assert event.actor_label == "system"


@pytest.mark.parametrize("username", ["liaison", "organizer", "tallier"])
def test_a_named_user_may_not_read_the_live_tally(cast, username, english):
    """The web keeps scores sealed until both signatures; --as must not get round that."""
    complete_data(cast)
    before = Event.objects.count()
    with during_evaluation(), pytest.raises(CommandError, match="sealed"):
        _tally("--as", username)
    assert Event.objects.count() == before


def test_an_unknown_campaign_is_an_error(cast):
    with pytest.raises(CommandError):
        call_command("tally", "no-such", stdout=StringIO())


def test_a_broken_scheme_is_reported_by_path(cast):
    Campaign.objects.filter(pk=cast.campaign.pk).update(
        scheme={"name": "坏方案", "components": [{"key": "survey", "label": "调查", "weight": 0}]}
    )
    with pytest.raises(CommandError) as caught:
        call_command("tally", "c-2026", stdout=StringIO())
    assert "components[0].weight:" in str(caught.value)
