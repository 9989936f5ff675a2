import csv
import tempfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook

import surveys.actions
from audit.models import Event
from campaigns.models import Campaign
from orgs.access import OPERATOR
from pingyi.lib import bulk
from pingyi.lib.bulk import Spool
from pingyi.lib.tables import TableError
from pingyi.testing import make_campaign
from scoring.models import AssessorScore
from surveys import counters
from surveys.actions import do_import_responses
from surveys.models import Channel, ImportBatch, ImportKind, Response, ResponseCounter

TIERS = ["优秀", "满意", "基本满意", "不满意"]
CATEGORY_SCHEME = {
    "name": "分类别满意度",
    "components": [
        {
            "key": "survey",
            "label": "满意度",
            "weight": 100,
            "source": "survey",
            "tiers": [
                {"label": "满意", "value": 1},
                {"label": "不满意", "value": 0},
                {"label": "不了解", "excluded": True},
            ],
            "categories": {"服务对象": 0.6, "人大代表": 0.4},
        }
    ],
    "grades": {"bands": [{"label": "满意", "min": 60}, {"label": "不满意", "min": 0}]},
}


# The 70/30 tiers plus a score sheet, so that score and item.* columns count.
SCORE_SHEET_SCHEME = {
    "name": "等次加评分表",
    "components": [
        {
            "key": "survey",
            "label": "满意度",
            "weight": 60,
            "source": "survey",
            "tiers": [
                {"label": t, "value": v} for t, v in zip(TIERS, (0.9, 0.8, 0.7, 0.5), strict=True)
            ]
            + [{"label": "不了解", "excluded": True}],
        },
        {"key": "sheet", "label": "评分表", "weight": 40, "source": "survey_score"},
    ],
    "grades": {"bands": [{"label": "满意", "min": 80}, {"label": "不满意", "min": 0}]},
}


@pytest.fixture
def score_sheets(cast):
    """The cast's campaign under a scheme that counts score sheets (no data yet)."""
    Campaign.objects.filter(pk=cast.campaign.pk).update(scheme=SCORE_SHEET_SCHEME)
    cast.campaign.refresh_from_db()


def write_csv(tmp_path: Path, rows: list[list], *, bom: bool = False, name="responses.csv"):
    path = tmp_path / name
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_xlsx(tmp_path: Path, rows: list[list], name="responses.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def stored_counts() -> tuple[int, int, int, int]:
    return (
        Response.objects.count(),
        ImportBatch.objects.count(),
        AssessorScore.objects.count(),
        Event.objects.count(),
    )


def refused(cast, path, *, user=None, campaign=None) -> str:
    before = stored_counts()
    with pytest.raises(TableError) as caught:
        do_import_responses(campaign or cast.campaign, path, acting_user=user or cast.organizer)
    assert stored_counts() == before
    return str(caught.value)


def test_csv_without_bom_imports_every_row_as_one_batch(cast, tmp_path, english):
    path = write_csv(
        tmp_path,
        [
            ["target", "tier", "problems", "suggestions", "channel", "submitted_at"],
            ["county-a", "优秀", "窗口排队久", "", "纸质", "2026-09-03"],
            ["county-a", "不满意", "", "多开窗口", "电话", "2026-09-04 15:42"],
            ["county-b", "满意", "", "", "", ""],
        ],
    )

    batch = do_import_responses(cast.campaign, path, acting_user=cast.organizer)

    assert (batch.kind, batch.rows, batch.filename, batch.again) == (
        ImportKind.RESPONSES,
        3,
        "responses.csv",
        False,
    )
    assert batch.imported_by == cast.organizer
    rows = list(Response.objects.order_by("id"))
    assert [(r.target.unit.code, r.tier) for r in rows] == [
        ("county-a", "优秀"),
        ("county-a", "不满意"),
        ("county-b", "满意"),
    ]
    assert {r.channel for r in rows} == {Channel.IMPORT}
    assert [r.origin for r in rows] == ["纸质", "电话", ""]
    assert {r.batch_id for r in rows} == {batch.pk}
    assert rows[0].problems == "窗口排队久" and rows[1].suggestions == "多开窗口"
    shanghai = timezone.get_default_timezone()
    assert rows[0].submitted_at == timezone.make_aware(datetime(2026, 9, 3), shanghai)
    # The time of day is dropped: answers are kept to the day.
    assert rows[1].submitted_at == timezone.make_aware(datetime(2026, 9, 4), shanghai)
    today = timezone.localdate()
    assert rows[2].submitted_at == timezone.make_aware(
        datetime(today.year, today.month, today.day), shanghai
    )


def test_csv_with_bom_reads_the_first_column_name(cast, tmp_path):
    path = write_csv(tmp_path, [["target", "tier"], ["county-a", "满意"]], bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    batch = do_import_responses(cast.campaign, path, acting_user=cast.organizer)

    assert batch.rows == 1
    assert Response.objects.get().tier == "满意"


@pytest.mark.usefixtures("score_sheets")
def test_xlsx_numbers_keep_their_exact_value(cast, tmp_path):
    path = write_xlsx(
        tmp_path,
        [
            ["target", "score", "submitted_at"],
            ["county-a", 80.0, datetime(2026, 9, 2, 10, 30)],
            ["county-b", 85.5, None],
            ["county-c", 0.1, "2026-09-05"],
        ],
    )

    batch = do_import_responses(cast.campaign, path, acting_user=cast.organizer)

    assert batch.rows == 3
    scores = list(Response.objects.order_by("id").values_list("score", flat=True))
    assert scores == [Decimal("80"), Decimal("85.5"), Decimal("0.1")]
    first = Response.objects.order_by("id").first()
    assert timezone.localtime(first.submitted_at).date().isoformat() == "2026-09-02"


@pytest.mark.usefixtures("score_sheets")
def test_item_scores_are_summed_into_the_score(cast, tmp_path):
    path = write_csv(
        tmp_path,
        [
            ["target", "item.attitude", "item.efficiency", "score"],
            ["county-a", "30", "45.5", ""],
            ["county-b", "30", "40", "72"],
        ],
    )

    do_import_responses(cast.campaign, path, acting_user=cast.organizer)

    summed, given = Response.objects.order_by("id")
    assert summed.score == Decimal("75.5")
    assert summed.items == {"attitude": "30", "efficiency": "45.5"}
    assert given.score == Decimal("72")


@pytest.mark.usefixtures("score_sheets")
def test_items_adding_up_to_more_than_100_are_refused(cast, tmp_path, english):
    path = write_csv(tmp_path, [["target", "item.a", "item.b"], ["county-a", "60", "50"]])
    assert refused(cast, path).startswith("row 2, column item.*: the item scores add up to 110")


def test_exempt_targets_may_receive_responses(cast, tmp_path):
    path = write_csv(tmp_path, [["target", "tier"], ["county-c", "优秀"]])
    do_import_responses(cast.campaign, path, acting_user=cast.organizer)
    assert Response.objects.get().target == cast.target("county-c")


def test_bad_row_57_rejects_the_whole_file_and_writes_nothing(cast, tmp_path, english):
    rows = [["target", "tier"]] + [["county-a", TIERS[i % 4]] for i in range(99)]
    rows[56][1] = "很好"  # the 57th line of the file, the header being line 1
    path = write_csv(tmp_path, rows)
    before = stored_counts()

    with pytest.raises(CommandError) as caught:
        call_command("responses", "import", cast.campaign.code, str(path))

    assert "row 57, column tier: unknown tier '很好'; the scheme has 优秀, 满意" in str(
        caught.value
    )
    assert stored_counts() == before


def test_command_reports_the_batch(cast, tmp_path, capsys, english):
    path = write_csv(tmp_path, [["target", "tier"], ["county-a", "满意"], ["county-b", "优秀"]])

    call_command("responses", "import", cast.campaign.code, str(path), "--as", "tallier")

    batch = ImportBatch.objects.get()
    assert f"imported 2 responses (batch #{batch.pk})" in capsys.readouterr().out
    assert batch.imported_by == cast.tallier


def test_command_shows_progress_on_stderr_when_asked(cast, tmp_path, capsys, english):
    rows = [["target", "tier"]] + [["county-a", "满意"]] * 10_000
    path = write_csv(tmp_path, rows)

    call_command("responses", "import", cast.campaign.code, str(path), "--progress")

    captured = capsys.readouterr()
    assert "rows read: 10000" in captured.err
    assert "rows read" not in captured.out


def test_import_writes_one_audit_event_without_the_rows(cast, tmp_path):
    path = write_csv(tmp_path, [["target", "tier", "problems"], ["county-a", "满意", "秘密意见"]])

    batch = do_import_responses(cast.campaign, path, acting_user=cast.organizer)

    event = Event.objects.get(action="surveys.responses_imported")
    assert event.data == {
        "batch": batch.pk,
        "file": "responses.csv",
        "sha256": batch.sha256,
        "rows": 1,
        "again": False,
    }
    assert event.actor == cast.organizer
    assert "秘密意见" not in str(event.data)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [["target", "tier"], ["county-a", "满意"], ["county-x", "满意"]],
            "row 3, column target: unknown target 'county-x'",
        ),
        ([["target", "tier"], ["", "满意"]], "row 2, column target: a target is required"),
        (
            [["target", "score"], ["county-a", "100.5"]],
            "row 2, column score: 100.5 is not between 0 and 100",
        ),
        ([["target", "score"], ["county-a", "8o"]], "row 2, column score: '8o' is not a number"),
        ([["target", "score"], ["county-a", "-1"]], "row 2, column score: -1 is not between"),
        ([["target", "score"], ["county-a", "1e2"]], "row 2, column score: '1e2' is not a number"),
        (
            [["target", "score"], ["county-a", "85.125"]],
            "row 2, column score: 85.125 has more than 2 decimal places",
        ),
        (
            [["target", "item.a"], ["county-a", "-3"]],
            "row 2, column item.a: -3 is not between 0 and 100",
        ),
        (
            [["target", "tier", "category"], ["county-a", "满意", "x" * 51]],
            "row 2, column category: longer than 50 characters",
        ),
        (
            [["target", "tier", "problems"], ["county-a", "满意", "问" * 2001]],
            "row 2, column problems: longer than 2000 characters",
        ),
        (
            [["target", "tier", "channel"], ["county-a", "满意", "c" * 51]],
            "row 2, column channel: longer than 50 characters",
        ),
        (
            [["target", "tier", "submitted_at"], ["county-a", "满意", "2026-02-30"]],
            "row 2, column submitted_at: '2026-02-30' is not a date",
        ),
        (
            [["target", "tier", "submitted_at"], ["county-a", "满意", "9/3/2026"]],
            "row 2, column submitted_at: '9/3/2026' is not a date",
        ),
        (
            [["target", "tier", "score"], ["county-a", "", ""]],
            "row 2: the row has no tier, score or item.<code> value",
        ),
        (
            [["target", "tier", "problems"], ["county-a", "满意", "a\x00b"]],
            "row 2, column problems: must not contain NUL characters",
        ),
        ([["tier"], ["满意"]], "row 1: the header lacks the required column target"),
        (
            [["target", "tier", "grade"], ["county-a", "满意", "A"]],
            "row 1: unknown column 'grade'",
        ),
        ([["target", "tier"]], "the file holds no data rows"),
    ],
)
@pytest.mark.usefixtures("score_sheets")
def test_a_bad_cell_rejects_the_file(cast, tmp_path, english, rows, expected):
    assert expected in refused(cast, write_csv(tmp_path, rows))


def test_an_empty_file_is_refused(cast, tmp_path, english):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert "the file is empty" in refused(cast, path)


def test_unknown_and_missing_categories_are_refused_when_the_scheme_has_them(
    cast, tmp_path, english
):
    campaign = make_campaign(code="c-cat", scheme=CATEGORY_SCHEME)
    unknown = write_csv(
        tmp_path, [["target", "category", "tier"], ["county-a", "游客", "满意"]], name="u.csv"
    )
    missing = write_csv(tmp_path, [["target", "tier"], ["county-a", "满意"]], name="m.csv")

    assert refused(cast, unknown, campaign=campaign).startswith(
        "row 2, column category: unknown category '游客'; the scheme has 服务对象, 人大代表"
    )
    assert refused(cast, missing, campaign=campaign).startswith(
        "row 2, column category: a category is required"
    )


def test_categories_and_excluded_tiers_of_the_scheme_are_accepted(cast, tmp_path):
    campaign = make_campaign(code="c-cat", scheme=CATEGORY_SCHEME)
    path = write_csv(
        tmp_path,
        [
            ["target", "category", "tier"],
            ["county-a", "服务对象", "满意"],
            ["county-a", "人大代表", "不了解"],
        ],
    )

    do_import_responses(campaign, path, acting_user=cast.organizer)

    assert list(Response.objects.values_list("category", "tier").order_by("id")) == [
        ("服务对象", "满意"),
        ("人大代表", "不了解"),
    ]


def test_without_scheme_categories_any_short_category_is_kept(cast, tmp_path):
    path = write_csv(
        tmp_path,
        [["target", "category", "tier"], ["county-a", "企业", "满意"], ["county-a", "", "满意"]],
    )
    do_import_responses(cast.campaign, path, acting_user=cast.organizer)
    assert sorted(Response.objects.values_list("category", flat=True)) == ["", "企业"]


def test_the_same_file_twice_is_refused_unless_again(cast, tmp_path, english):
    path = write_csv(tmp_path, [["target", "tier"], ["county-a", "满意"]])
    first = do_import_responses(cast.campaign, path, acting_user=cast.organizer)
    before = stored_counts()

    with pytest.raises(ValidationError) as caught:
        do_import_responses(cast.campaign, path, acting_user=cast.organizer)

    assert f"batch #{first.pk} on {timezone.localdate().isoformat()}" in caught.value.messages[0]
    assert stored_counts() == before

    second = do_import_responses(cast.campaign, path, acting_user=cast.organizer, again=True)

    assert second.again is True
    assert Response.objects.count() == 2
    assert Event.objects.filter(action="surveys.responses_imported").last().data["again"] is True


def test_the_same_file_twice_from_the_command(cast, tmp_path, english):
    path = write_csv(tmp_path, [["target", "tier"], ["county-a", "满意"]])
    call_command("responses", "import", cast.campaign.code, str(path))

    with pytest.raises(CommandError, match="imported before"):
        call_command("responses", "import", cast.campaign.code, str(path))
    call_command("responses", "import", cast.campaign.code, str(path), "--again")

    assert ImportBatch.objects.count() == 2


def test_a_liaison_may_not_import(cast, tmp_path):
    path = write_csv(tmp_path, [["target", "tier"], ["county-a", "满意"]])
    before = stored_counts()

    with pytest.raises(PermissionDenied):
        do_import_responses(cast.campaign, path, acting_user=cast.liaison)
    with pytest.raises(CommandError):
        call_command("responses", "import", cast.campaign.code, str(path), "--as", "liaison")

    assert stored_counts() == before


@pytest.mark.parametrize("persona", ["organizer", "tallier"])
def test_organizers_and_talliers_may_import(cast, tmp_path, persona):
    path = write_csv(tmp_path, [["target", "tier"], ["county-a", "满意"]])
    do_import_responses(cast.campaign, path, acting_user=getattr(cast, persona))
    assert Response.objects.count() == 1


def test_the_console_operator_may_import(cast, tmp_path):
    path = write_csv(tmp_path, [["target", "tier"], ["county-a", "满意"]])
    batch = do_import_responses(cast.campaign, path, acting_user=OPERATOR)
    assert batch.imported_by is None


def test_a_missing_file_is_a_command_error(cast, tmp_path):
    with pytest.raises(CommandError):
        call_command("responses", "import", cast.campaign.code, str(tmp_path / "nope.csv"))


@pytest.mark.usefixtures("score_sheets")
def test_many_rows_are_written_in_few_inserts(cast, tmp_path):
    rows = [["target", "tier", "score"]] + [
        ["county-a" if i % 2 else "county-b", TIERS[i % 4], str(i % 101)] for i in range(12_000)
    ]
    path = write_csv(tmp_path, rows)

    with CaptureQueriesContext(connection) as queries:
        do_import_responses(cast.campaign, path, acting_user=cast.organizer)

    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert Response.objects.count() == 12_000
    # PostgreSQL: 3 inserts of 5,000; SQLite splits by its 999-parameter limit (~160).
    assert len(inserts) < 250
    assert len(queries.captured_queries) < 300


def test_scores_are_refused_when_the_scheme_would_not_count_them(cast, tmp_path, english):
    path = write_csv(
        tmp_path,
        [["target", "tier", "score"], ["county-a", "满意", ""], ["county-a", "满意", "80"]],
    )
    assert refused(cast, path).startswith(
        "row 3, column score: the scheme has no score-sheet component"
    )
    items = write_csv(tmp_path, [["target", "tier", "item.attitude"], ["county-a", "满意", "30"]])
    assert refused(cast, items).startswith("row 2, column item.attitude: the scheme has no")


def test_a_submission_date_in_the_future_is_refused(cast, tmp_path, english):
    path = write_csv(
        tmp_path, [["target", "tier", "submitted_at"], ["county-a", "满意", "2099-01-01"]]
    )
    assert refused(cast, path).startswith("row 2, column submitted_at: 2099-01-01 is in the future")


def counter_rows() -> list[tuple]:
    return sorted(
        ResponseCounter.objects.values_list(
            "target_id", "category", "tier", "responses", "scored", "score_cents"
        )
    )


@pytest.mark.usefixtures("score_sheets")
def test_the_batch_is_counted_in_the_response_counters(cast, tmp_path):
    path = write_csv(
        tmp_path,
        [
            ["target", "tier", "score"],
            ["county-a", "满意", "80.5"],
            ["county-a", "满意", ""],
            ["county-b", "优秀", "90"],
        ],
    )

    do_import_responses(cast.campaign, path, acting_user=cast.organizer)

    a, b = cast.target("county-a").pk, cast.target("county-b").pk
    assert counter_rows() == [(a, "", "满意", 2, 1, 8050), (b, "", "优秀", 1, 1, 9000)]
    assert counters.verify(cast.campaign) == []


@pytest.mark.parametrize("failing", ["on_written", "audit"])
def test_a_failure_while_writing_leaves_nothing_not_even_counts(
    cast, tmp_path, monkeypatch, failing
):
    first = write_csv(tmp_path, [["target", "tier"], ["county-a", "满意"]], name="first.csv")
    do_import_responses(cast.campaign, first, acting_user=cast.organizer)
    before, counted = stored_counts(), counter_rows()
    path = write_csv(tmp_path, [["target", "tier"]] + [["county-a", "满意"]] * 25_000)

    def fail(*args, **kwargs):
        raise RuntimeError("the disk is full")

    if failing == "audit":
        monkeypatch.setattr(surveys.actions, "record_event", fail)
    else:
        monkeypatch.setattr(counters, "count_batch", fail)
    with pytest.raises(RuntimeError, match="the disk is full"):
        do_import_responses(cast.campaign, path, acting_user=cast.organizer)

    assert stored_counts() == before
    assert counter_rows() == counted
    assert counters.verify(cast.campaign) == []


def test_rows_the_database_does_not_confirm_write_nothing(cast, tmp_path, monkeypatch):
    path = write_csv(tmp_path, [["target", "tier"]] + [["county-a", "满意"]] * 3)
    load = Spool.load
    monkeypatch.setattr(Spool, "load", lambda spool, *args: load(spool, *args) - 1)
    before = stored_counts()

    with pytest.raises(RuntimeError, match="took 2 of the 3 checked rows"):
        do_import_responses(cast.campaign, path, acting_user=cast.organizer)

    assert stored_counts() == before
    assert counter_rows() == []


def test_a_file_that_changes_while_it_is_read_is_refused(cast, tmp_path, monkeypatch, english):
    path = write_csv(tmp_path, [["target", "tier"], ["county-a", "满意"]])
    digests = iter(["a" * 64, "b" * 64])
    monkeypatch.setattr(surveys.actions, "file_sha256", lambda path: next(digests))

    assert refused(cast, path) == "the file changed while it was being imported"


def test_the_spool_is_removed_whatever_happens(cast, tmp_path, monkeypatch, english):
    opened = []
    temporary_file = tempfile.TemporaryFile

    def spool_file(*args, **kwargs):
        opened.append(temporary_file(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(bulk.tempfile, "TemporaryFile", spool_file)
    good = write_csv(tmp_path, [["target", "tier"], ["county-a", "满意"]], name="good.csv")
    bad = write_csv(tmp_path, [["target", "tier"], ["county-a", "满意"], ["x", "满意"]])

    do_import_responses(cast.campaign, good, acting_user=cast.organizer)
    refused(cast, bad)
    with pytest.raises(ValidationError):
        do_import_responses(cast.campaign, good, acting_user=cast.organizer)

    # Anonymous temporary files vanish when closed; the duplicate was refused before any.
    assert len(opened) == 2
    assert all(spool.closed for spool in opened)


def test_rows_are_loaded_with_the_database_s_bulk_path(cast, tmp_path, monkeypatch):
    used = []
    for method in ("_copy", "_insert"):
        original = getattr(Spool, method)

        def spy(spool, *args, original=original, method=method):
            used.append(method)
            return original(spool, *args)

        monkeypatch.setattr(Spool, method, spy)
    path = write_csv(tmp_path, [["target", "tier"], ["county-a", "满意"]])

    do_import_responses(cast.campaign, path, acting_user=cast.organizer)

    assert used == ["_copy" if connection.vendor == "postgresql" else "_insert"]


@pytest.mark.usefixtures("score_sheets")
def test_awkward_text_is_stored_exactly(cast, tmp_path):
    awkward = "制表\t换行\n回车\r反斜杠\\ \\N \\t 引号\"' 结束\\"
    path = write_csv(
        tmp_path,
        [
            ["target", "tier", "item.态度\\", "problems", "suggestions", "channel"],
            ["county-a", "满意", "12.50", awkward, "\\N", "电话\\"],
            ["county-b", "优秀", "", "", "", ""],
        ],
    )

    do_import_responses(cast.campaign, path, acting_user=cast.organizer)

    first, second = Response.objects.order_by("id")
    assert (first.problems, first.suggestions, first.origin) == (awkward.strip(), "\\N", "电话\\")
    assert first.items == {"态度\\": "12.50"}
    assert first.score == Decimal("12.50")
    assert (second.problems, second.items, second.score) == ("", None, None)


def test_written_progress_is_reported(cast, tmp_path, capsys, english):
    rows = [["target", "tier"]] + [["county-a", "满意"]] * 10_500
    path = write_csv(tmp_path, rows)

    call_command("responses", "import", cast.campaign.code, str(path), "--progress")

    err = capsys.readouterr().err
    assert "rows read: 10000" in err
    assert "rows written: 10000" in err
    assert "rows written: 10500" in err
