"""Results out: the JSON shape, CSV and the XLSX ranking sheet, live and for a sealed run."""

import json
from io import BytesIO

import pytest
from openpyxl import load_workbook

from orgs.models import Unit
from scoring.actions import do_publish_tally_run, do_sign_tally_run, do_start_tally_run
from scoring.exports import (
    csv_header,
    live_sheet,
    results_csv,
    results_data,
    results_json,
    results_xlsx,
    run_sheet,
)
from scoring.queries import live_tally
from scoring.tests.factories import (
    COMPONENT_KEYS,
    TIERS,
    add_votes,
    complete_data,
    during_evaluation,
)

pytestmark = pytest.mark.django_db


def _live(cast):
    return live_sheet(cast.campaign, live_tally(cast.campaign))


def _signed_run(cast, *, publish=False):
    with during_evaluation():
        run = do_start_tally_run(cast.campaign, acting_user=cast.organizer)
        do_sign_tally_run(run, "organizer", acting_user=cast.organizer)
        do_sign_tally_run(run, "tallier", acting_user=cast.tallier)
        if publish:
            do_publish_tally_run(run, acting_user=cast.leader)
    run.refresh_from_db()
    return run


def _xlsx_rows(content: bytes) -> list[list]:
    sheet = load_workbook(BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _by_header(rows: list[list]) -> list[dict]:
    """The target rows of a ranking sheet (row 2 is the header) as header -> value."""
    header = rows[1]
    return [dict(zip(header, row, strict=True)) for row in rows[2:] if row[1]]


def test_a_sealed_run_exports_the_same_results_as_the_live_tally_plus_its_seal(cast):
    complete_data(cast)
    live = results_data(_live(cast))
    run = _signed_run(cast, publish=True)
    sealed = results_data(run_sheet(run))
    assert sealed["results"] == live["results"]
    assert sealed["digest"] == live["digest"] == run.digest
    assert sealed["run"] == 1
    assert sealed["chain_head"] == {"seq": run.chain_seq, "hash": run.chain_hash}
    assert sealed["signed_at"].startswith("2026-09-05T10:00")
    assert sealed["published_at"].startswith("2026-09-05T10:00")


def test_a_live_export_has_no_run_keys(cast):
    complete_data(cast)
    assert set(results_data(_live(cast))) == {"campaign", "scheme", "digest", "results"}


def test_json_numbers_are_numbers_and_missing_ones_null(cast):
    complete_data(cast)
    data = json.loads(results_json(_live(cast)))
    b = next(r for r in data["results"] if r["target"] == "county-b")
    assert b["components"] == {
        "survey": 45.5,
        "inspection": 23.0,
        "rectification": 15.0,
        "self_review": 8.0,
    }
    assert b["total"] == 68.5
    c = next(r for r in data["results"] if r["target"] == "county-c")
    assert c["components"] == dict.fromkeys(COMPONENT_KEYS)


def test_the_csv_header_uses_the_json_keys(cast):
    assert csv_header(_live(cast)) == [
        "target", "name", "group",
        *(f"votes.{tier}" for tier in TIERS),
        "survey", "inspection", "rectification", "self_review",
        "total", "grade", "rank", "flags",
    ]  # fmt: skip


def test_the_csv_starts_with_a_byte_order_mark_for_excel(cast):
    complete_data(cast)
    text = results_csv(_live(cast))
    assert text.startswith("\ufefftarget,")
    add_votes(cast.target("county-b"), {"不了解": 2})
    text = results_csv(_live(cast))
    assert "county-b,乙县局,县局,0,1,0,1,2,45.50,23.00,15.00,8.00,68.50,基本满意,2," in text


def test_text_that_looks_like_a_formula_is_kept_as_text(cast):
    complete_data(cast)
    Unit.objects.filter(code="county-a").update(name='=HYPERLINK("http://x","甲")')
    sheet = _live(cast)
    assert "'=HYPERLINK" in results_csv(sheet)
    book = load_workbook(BytesIO(results_xlsx(sheet)))
    cell = book.active["A3"]
    assert cell.value == '=HYPERLINK("http://x","甲")'
    assert cell.data_type == "s" and cell.quotePrefix


def test_the_ranking_sheet_sorts_by_group_then_rank_with_numbers_as_numbers(cast):
    complete_data(cast)
    rows = _xlsx_rows(results_xlsx(_live(cast)))
    assert rows[0][0] == "测试评议活动 评议结果排名表"
    assert rows[1] == [
        "单位", "序列",
        *(f"{tier}（票）" for tier in TIERS),
        "群众满意度调查", "检查评议（小计）", "反馈意见的整改落实情况", "自查自纠情况和其它评议内容",
        "综合得分", "等次", "排名", "备注",
    ]  # fmt: skip
    a, b, c = _by_header(rows)
    assert [a["单位"], b["单位"], c["单位"]] == ["甲县局", "乙县局", "丙县局"]
    assert (a["综合得分"], a["等次"], a["排名"]) == (83, "满意", 1)
    assert (b["综合得分"], b["等次"], b["排名"]) == (68.5, "基本满意", 2)
    assert (a["优秀（票）"], a["不满意（票）"], a["群众满意度调查"]) == (3, 1, 56)
    assert all(isinstance(v, int | float) for v in list(a.values())[2:-3])


def test_the_ranking_sheet_of_a_run_names_the_run_and_the_audit_head(cast):
    complete_data(cast)
    run = _signed_run(cast)
    rows = _xlsx_rows(results_xlsx(run_sheet(run)))
    assert "第1轮统分" in rows[0][0]  # the sheet is Chinese, like the units it goes to
    footer = " ".join(r[0] for r in rows[5:] if r and r[0])
    assert run.digest in footer
    assert run.chain_hash in footer and str(run.chain_seq) in footer


def test_the_ranking_sheet_marks_exempt_units(cast):
    complete_data(cast)
    exempt = _by_header(_xlsx_rows(results_xlsx(_live(cast))))[2]
    assert exempt["单位"] == "丙县局"
    assert (exempt["综合得分"], exempt["等次"], exempt["排名"]) == (None, None, None)
    assert "免评" in exempt["备注"] or "Exempt" in exempt["备注"]
