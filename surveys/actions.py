"""Every change to survey data: importing response files, atomic and audited."""

from collections.abc import Callable, Iterator
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.record import record_event
from campaigns.access import CampaignAccess
from campaigns.models import Campaign
from orgs.models import Role
from pingyi.lib.tables import TableError
from surveys import counters
from surveys.importing import ResponseReader, campaign_scheme, file_sha256
from surveys.models import ImportBatch, ImportKind, Response

# Rows per INSERT (PostgreSQL); SQLite splits further by its bound-parameter limit.
BATCH_SIZE = 5000
PROGRESS_EVERY = 10_000
# Progress stages: the checking pass reads every row, the writing pass writes them.
READ = "read"
WRITTEN = "written"

Progress = Callable[[str, int], None]
RowSource = Callable[[Path], Iterator[tuple[int, dict]]]


def do_import_responses(
    campaign: Campaign,
    path: Path | str,
    *,
    again: bool = False,
    acting_user,
    progress: Progress | None = None,
) -> ImportBatch:
    """Import a responses file (CSV/XLSX) as one batch: every row, or none.

    The first bad row raises TableError (`row N, column X: …`); the same file
    a second time raises ValidationError unless `again`; only an organizer
    or tallier of the campaign (or the console operator) may import.
    """
    check_may_import(campaign, acting_user)
    reader = ResponseReader(campaign, campaign_scheme(campaign), today=timezone.localdate())
    return import_file(
        campaign,
        path,
        kind=ImportKind.RESPONSES,
        rows=reader.rows,
        model=Response,
        event="surveys.responses_imported",
        on_written=lambda batch: counters.count_batch(batch.pk),
        again=again,
        acting_user=acting_user,
        progress=progress,
    )


def check_may_import(campaign: Campaign, acting_user) -> None:
    if acting_user is None:
        raise TypeError("acting_user is required; pass orgs.access.OPERATOR for the console")
    if not CampaignAccess(acting_user, campaign).has(Role.ORGANIZER, Role.TALLIER):
        raise PermissionDenied(
            _("Only an organizer or tallier of %(campaign)s may import data into it.")
            % {"campaign": campaign.code}
        )


def import_file(
    campaign: Campaign,
    path: Path | str,
    *,
    kind: str,
    rows: RowSource,
    model: type[models.Model],
    event: str,
    again: bool,
    acting_user,
    progress: Progress | None = None,
    extra: dict | None = None,
    on_written: Callable[[ImportBatch], None] | None = None,
) -> ImportBatch:
    """Write a checked file as one ImportBatch and its rows, in one transaction.

    The caller has checked permission. `rows(path)` yields (row number, model
    fields) and raises TableError on a bad row; it is run twice, so that the
    batch row, written first, can state how many rows it holds: a checking
    pass that keeps nothing, then a writing pass in bulk inserts. Either
    pass failing leaves nothing behind. `on_written(batch)` runs after the
    rows, in the same transaction (the response counters add the batch).
    """
    path = Path(path)
    sha256 = file_sha256(path)
    refuse_duplicate(campaign, kind, sha256, again)
    count = _check_all(rows(path), progress)
    with transaction.atomic():
        # One import per campaign at a time, so two runs of one file cannot both pass the check.
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
        earlier = refuse_duplicate(campaign, kind, sha256, again)
        batch = ImportBatch.objects.create(
            campaign=campaign,
            kind=kind,
            filename=path.name[: ImportBatch._meta.get_field("filename").max_length],
            sha256=sha256,
            rows=count,
            again=earlier is not None,
            imported_by=acting_user if getattr(acting_user, "pk", None) else None,
            imported_at=timezone.now(),
        )
        written = _write_all(rows(path), model, {**(extra or {}), "batch_id": batch.pk}, progress)
        if written != count or file_sha256(path) != sha256:
            raise TableError(_("the file changed while it was being imported"))
        if on_written is not None:
            on_written(batch)
        record_event(
            event,
            batch,
            acting_user=acting_user,
            data={
                "batch": batch.pk,
                "file": batch.filename,
                "sha256": sha256,
                "rows": count,
                "again": batch.again,
            },
        )
    return batch


def refuse_duplicate(campaign: Campaign, kind: str, sha256: str, again: bool) -> ImportBatch | None:
    """The earlier import of the same bytes, if any; refused unless imported again on purpose."""
    earlier = (
        ImportBatch.objects.filter(campaign=campaign, kind=kind, sha256=sha256)
        .order_by("imported_at", "pk")
        .first()
    )
    if earlier is not None and not again:
        raise ValidationError(
            _(
                "This file was imported before, as batch #%(batch)s on %(date)s; "
                "import it again only on purpose (--again)."
            )
            % {"batch": earlier.pk, "date": timezone.localdate(earlier.imported_at).isoformat()},
            code="duplicate",
        )
    return earlier


def _check_all(rows: Iterator, progress: Progress | None) -> int:
    count = 0
    for count, _row in enumerate(rows, start=1):
        if progress and count % PROGRESS_EVERY == 0:
            progress(READ, count)
    if count == 0:
        raise TableError(_("the file holds no data rows"))
    return count


def _write_all(rows: Iterator, model, fixed: dict, progress: Progress | None) -> int:
    chunk = []
    count = 0
    for count, (_row, fields) in enumerate(rows, start=1):
        chunk.append(model(**fields, **fixed))
        if len(chunk) == BATCH_SIZE:
            model.objects.bulk_create(chunk, batch_size=BATCH_SIZE)
            chunk = []
        if progress and count % PROGRESS_EVERY == 0:
            progress(WRITTEN, count)
    if chunk:
        model.objects.bulk_create(chunk, batch_size=BATCH_SIZE)
    return count
