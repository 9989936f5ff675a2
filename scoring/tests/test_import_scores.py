import csv
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from audit.models import Event
from pingyi.lib.tables import TableError
from scoring.import_actions import do_import_scores
from scoring.models import AssessorScore
from surveys.models import ImportBatch, ImportKind, Response


def write_csv(tmp_path: Path, rows: list[list], *, bom: bool = False, name="scores.csv"):
    path = tmp_path / name
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def stored_counts() -> tuple[int, int, int, int]:
    return (
        Response.objects.count(),
        ImportBatch.objects.count(),
        AssessorScore.objects.count(),
        Event.objects.count(),
    )


def refused(cast, path) -> str:
    before = stored_counts()
    with pytest.raises(TableError) as caught:
        do_import_scores(cast.campaign, path, acting_user=cast.organizer)
    assert stored_counts() == before
    return str(caught.value)


def test_scores_file_imports_every_row_as_one_batch(cast, tmp_path):
    path = write_csv(
        tmp_path,
        [
            ["target", "component", "score", "assessor", "note"],
            ["county-a", "rectification", "18.5", "评议组一", "台账齐全"],
            ["county-a", "rectification", "19", "评议组二", ""],
            ["county-a", "self_review", "9", "", ""],
            ["county-b", "rectification", "100", "", ""],
        ],
        bom=True,
    )

    batch = do_import_scores(cast.campaign, path, acting_user=cast.organizer)

    assert (batch.kind, batch.rows) == (ImportKind.SCORES, 4)
    scores = list(AssessorScore.objects.order_by("id"))
    assert [(s.target.unit.code, s.component, s.score, s.assessor) for s in scores] == [
        ("county-a", "rectification", Decimal("18.5"), "评议组一"),
        ("county-a", "rectification", Decimal("19"), "评议组二"),
        ("county-a", "self_review", Decimal("9"), ""),
        ("county-b", "rectification", Decimal("100"), ""),
    ]
    assert scores[0].note == "台账齐全"
    assert {s.batch_id for s in scores} == {batch.pk}
    assert {s.recorded_by for s in scores} == {cast.organizer}
    event = Event.objects.get(action="scoring.scores_imported")
    assert event.data == {
        "batch": batch.pk,
        "file": "scores.csv",
        "sha256": batch.sha256,
        "rows": 4,
        "again": False,
    }


def test_scores_from_an_xlsx_workbook(cast, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["target", "component", "score"])
    sheet.append(["county-a", "rectification", 17.25])
    sheet.append(["county-b", "self_review", 8.0])
    path = tmp_path / "scores.xlsx"
    workbook.save(path)

    do_import_scores(cast.campaign, path, acting_user=cast.organizer)

    assert list(AssessorScore.objects.order_by("id").values_list("score", flat=True)) == [
        Decimal("17.25"),
        Decimal("8"),
    ]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [["target", "component", "score"], ["county-a", "survey", "80"]],
            "row 2, column component: unknown component 'survey'; "
            "the scheme's assessor components are rectification, self_review",
        ),
        (
            [["target", "component", "score"], ["county-a", "", "80"]],
            "row 2, column component: a component is required",
        ),
        (
            [["target", "component", "score"], ["county-z", "rectification", "80"]],
            "row 2, column target: unknown target 'county-z'",
        ),
        (
            [["target", "component", "score"], ["county-a", "rectification", "100.5"]],
            "row 2, column score: 100.5 is not between 0 and 100",
        ),
        (
            [["target", "component", "score"], ["county-a", "rectification", "8o"]],
            "row 2, column score: '8o' is not a number",
        ),
        (
            [["target", "component", "score"], ["county-a", "rectification", ""]],
            "row 2, column score: a score is required",
        ),
        (
            [
                ["target", "component", "score", "assessor"],
                ["county-a", "rectification", "8", "a" * 101],
            ],
            "row 2, column assessor: longer than 100 characters",
        ),
        (
            [["target", "component"], ["county-a", "rectification"]],
            "lacks the required column score",
        ),
        ([["target", "component", "score", "weight"]], "row 1: unknown column 'weight'"),
        ([["target", "component", "score"]], "the file holds no data rows"),
    ],
)
def test_a_bad_cell_rejects_the_scores_file(cast, tmp_path, english, rows, expected):
    assert expected in refused(cast, write_csv(tmp_path, rows))


def test_the_same_target_component_and_assessor_twice_in_one_file_is_refused(
    cast, tmp_path, english
):
    path = write_csv(
        tmp_path,
        [
            ["target", "component", "score", "assessor"],
            ["county-a", "rectification", "18", "甲"],
            ["county-a", "rectification", "17", "乙"],
            ["county-a", "rectification", "16", "甲"],
        ],
    )
    assert refused(cast, path).startswith(
        "row 4, column component: row 2 already gives this target, component and assessor"
    )


def test_a_bad_row_from_the_command_writes_nothing(cast, tmp_path, english):
    rows = [["target", "component", "score", "assessor"]]
    rows += [["county-a", "rectification", str(i), f"组{i}"] for i in range(60)]
    rows[56][2] = "101"
    path = write_csv(tmp_path, rows)
    before = stored_counts()

    with pytest.raises(CommandError, match="row 57, column score"):
        call_command("scores", "import", cast.campaign.code, str(path))

    assert stored_counts() == before


def test_the_same_scores_file_twice_is_refused_unless_again(cast, tmp_path, capsys, english):
    path = write_csv(tmp_path, [["target", "component", "score"], ["county-a", "self_review", "9"]])
    call_command("scores", "import", cast.campaign.code, str(path))
    batch = ImportBatch.objects.get()
    assert f"imported 1 assessor scores (batch #{batch.pk})" in capsys.readouterr().out

    with pytest.raises(ValidationError):
        do_import_scores(cast.campaign, path, acting_user=cast.organizer)
    call_command("scores", "import", cast.campaign.code, str(path), "--again")

    assert AssessorScore.objects.count() == 2
    assert ImportBatch.objects.order_by("pk").last().again is True


def test_a_liaison_may_not_import_scores(cast, tmp_path):
    path = write_csv(tmp_path, [["target", "component", "score"], ["county-a", "self_review", "9"]])
    before = stored_counts()

    with pytest.raises(PermissionDenied):
        do_import_scores(cast.campaign, path, acting_user=cast.liaison)

    assert stored_counts() == before


def test_an_inspector_may_not_import_scores(cast, tmp_path):
    path = write_csv(tmp_path, [["target", "component", "score"], ["county-a", "self_review", "9"]])
    with pytest.raises(PermissionDenied):
        do_import_scores(cast.campaign, path, acting_user=cast.inspector)
    assert AssessorScore.objects.count() == 0
