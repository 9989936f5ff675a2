from datetime import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from pingyi.lib import bulk
from pingyi.lib.bulk import Spool, copy_text
from scoring.models import AssessorScore
from surveys.models import Channel, ImportBatch, ImportKind, Response

AWKWARD = "制表\t换行\n回车\r反斜杠\\ \\N 引号\"' 结束\\"


def new_batch(campaign) -> ImportBatch:
    return ImportBatch.objects.create(
        campaign=campaign,
        kind=ImportKind.RESPONSES,
        filename="f.csv",
        sha256="0" * 64,
        rows=0,
        imported_at=timezone.now(),
    )


def stored(model, batch) -> list[tuple]:
    """The rows of a batch as the database holds them (raw), without their ids."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quoted} FROM {table} WHERE batch_id = %s ORDER BY id", [batch.pk])
        return [
            tuple(v for c, v in zip(columns, row, strict=True) if c != "batch_id") for row in cursor
        ]


def response_rows(cast) -> list[tuple]:
    shanghai = timezone.get_default_timezone()
    a, b = cast.target("county-a").pk, cast.target("county-b").pk
    return [
        (a, "电话", "服务对象", "满意", Decimal("85.50"), {"态度": "30", "效率": "55.50"},
         AWKWARD, "", timezone.make_aware(datetime(2026, 9, 3), shanghai)),
        (b, "", "", "", Decimal("0"), None, "", "\\N",
         timezone.make_aware(datetime(2026, 1, 1), shanghai)),
        (b, "\\", "x" * 50, "不了解", None, {"a\"b": "1", "\\": "2"}, "", "",
         timezone.make_aware(datetime(2026, 12, 31), shanghai)),
    ]  # fmt: skip


def test_spooled_rows_are_stored_exactly_as_the_orm_stores_them(cast):
    fields = ("target_id", "origin", "category", "tier", "score", "items", "problems",
              "suggestions", "submitted_at")  # fmt: skip
    fixed = {"campaign_id": cast.campaign.pk, "channel": Channel.IMPORT}
    rows = response_rows(cast)
    by_orm, by_spool = new_batch(cast.campaign), new_batch(cast.campaign)

    with transaction.atomic():
        Response.objects.bulk_create(
            Response(**fixed, **dict(zip(fields, row, strict=True)), batch=by_orm) for row in rows
        )
        with Spool(Response, fields, fixed=fixed, late="batch") as spool:
            for row in rows:
                spool.add(row)
            assert spool.load(by_spool.pk) == 3

    assert stored(Response, by_spool) == stored(Response, by_orm)
    assert list(by_spool.responses.values_list("problems", "items", "score")) == [
        (AWKWARD, {"态度": "30", "效率": "55.50"}, Decimal("85.5")),
        ("", None, Decimal("0")),
        ("", {'a"b': "1", "\\": "2"}, None),
    ]


def test_constants_take_the_model_s_own_values(cast):
    fields = ("target_id", "component", "score", "assessor", "note")
    recorded_at = timezone.now()
    fixed = {
        "campaign_id": cast.campaign.pk,
        "recorded_by": cast.organizer,
        "recorded_at": recorded_at,
    }
    rows = [(cast.target("county-a").pk, "rectification", Decimal("18.5"), "甲", AWKWARD)]
    by_orm, by_spool = new_batch(cast.campaign), new_batch(cast.campaign)

    with transaction.atomic():
        AssessorScore.objects.bulk_create(
            [AssessorScore(**fixed, **dict(zip(fields, rows[0], strict=True)), batch=by_orm)]
        )
        with Spool(AssessorScore, fields, fixed=fixed, late="batch") as spool:
            spool.add(rows[0])
            spool.load(by_spool.pk)

    assert stored(AssessorScore, by_spool) == stored(AssessorScore, by_orm)
    score = AssessorScore.objects.get(batch=by_spool)
    assert (score.recorded_by, score.recorded_at, score.note) == (
        cast.organizer,
        recorded_at,
        AWKWARD,
    )


def test_many_rows_load_in_chunks_with_progress(cast, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK", 1000)
    target = cast.target("county-a").pk
    day = timezone.now()
    batch = new_batch(cast.campaign)
    seen = []

    with transaction.atomic(), Spool(
        Response, ("target_id", "tier", "submitted_at"),
        fixed={"campaign_id": cast.campaign.pk, "channel": Channel.IMPORT}, late="batch",
    ) as spool:  # fmt: skip
        for i in range(2500):
            spool.add((target, str(i), day))
        assert spool.load(batch.pk, seen.append) == 2500

    assert seen == [1000, 2000, 2500]
    tiers = list(Response.objects.filter(batch=batch).values_list("tier", flat=True))
    assert tiers == [str(i) for i in range(2500)]


@pytest.mark.parametrize(
    ("text", "copied"),
    [("plain", "plain"), ("a\tb", "a\\tb"), ("a\nb\r", "a\\nb\\r"), ("\\N", "\\\\N")],
)
def test_copy_text_escapes_what_copy_would_read_otherwise(text, copied):
    assert copy_text(text) == copied
