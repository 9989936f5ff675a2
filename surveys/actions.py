"""Every change to survey data: importing response files, atomic and audited."""

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.record import record_event
from campaigns.access import CampaignAccess
from campaigns.models import Campaign
from orgs.models import Role
from pingyi.lib.bulk import Spool
from pingyi.lib.tables import TableError
from surveys import counters
from surveys.importing import ResponseReader, campaign_scheme, file_sha256
from surveys.models import ImportBatch, ImportKind, Response

PROGRESS_EVERY = 10_000
# Progress stages: the checking pass reads every row, the writing pass writes them.
READ = "read"
WRITTEN = "written"

Progress = Callable[[str, int], None]


class RowReader(Protocol):
    """Checks a file's rows for one model (surveys.importing.ResponseReader, scoring's ScoreReader)."""

    fields: Sequence[str]  # the model fields each record gives, in order
    fixed: dict  # the model fields every row of the file shares

    def records(self, path: Path) -> Iterator[tuple[int, tuple]]:
        """(row number, values of `fields`) per data row; TableError on the first bad cell."""
        ...


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
        reader=reader,
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
    reader: RowReader,
    model: type[models.Model],
    event: str,
    again: bool,
    acting_user,
    progress: Progress | None = None,
    extra: dict | None = None,
    on_written: Callable[[ImportBatch], None] | None = None,
) -> ImportBatch:
    """Check a file in one pass, then write it as one ImportBatch and its rows, in one transaction.

    The caller has checked permission. Each row `reader` accepts is spooled
    to a temporary file (pingyi.lib.bulk), so memory stays flat and nothing
    reaches the database until the whole file has passed. Then, under the
    campaign's lock, the batch row is written first, stating the row count,
    the rows are loaded in bulk (COPY on PostgreSQL) with its id, and
    `on_written(batch)` runs (the response counters add the batch). A bad
    row, a file that changed while it was read, a row count the database
    does not confirm or any error in that transaction leaves nothing behind,
    and the spool is removed whatever happens.
    """
    path = Path(path)
    sha256 = file_sha256(path)
    refuse_duplicate(campaign, kind, sha256, again)
    fixed = {**reader.fixed, **(extra or {})}
    with Spool(model, reader.fields, fixed=fixed, late="batch") as spool:
        count = _check_all(reader.records(path), spool, progress)
        # The rows were read between the two digests: they are the bytes the batch names.
        if file_sha256(path) != sha256:
            raise TableError(_("the file changed while it was being imported"))
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
            written = spool.load(batch.pk, _stage(progress, WRITTEN))
            if written != count:
                raise RuntimeError(f"the database took {written} of the {count} checked rows")
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


def _check_all(records: Iterator, spool: Spool, progress: Progress | None) -> int:
    add = spool.add
    count = 0
    for count, (_row, values) in enumerate(records, start=1):
        add(values)
        if progress and count % PROGRESS_EVERY == 0:
            progress(READ, count)
    if count == 0:
        raise TableError(_("the file holds no data rows"))
    return count


def _stage(progress: Progress | None, stage: str) -> Callable[[int], None] | None:
    return None if progress is None else lambda rows: progress(stage, rows)
