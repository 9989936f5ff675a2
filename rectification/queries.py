"""Read-only questions other pages ask of the ledger and the reports (dashboard, transitions).

Each takes an already permission-checked CampaignAccess or Target; none writes.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import BooleanField, Case, QuerySet, Value, When
from django.utils import timezone

from campaigns.access import CampaignAccess
from campaigns.models import PhaseKind, Target
from rectification.access import items_for
from rectification.models import (
    OPEN_STATUSES,
    RectificationItem,
    ReportDue,
    ReportKind,
    ReportSubmission,
    overdue_filter,
    reports_of_phase,
)

ON_TIME, LATE, MISSING = "on_time", "late", "missing"


def overdue_items(access: CampaignAccess, today: date | None = None) -> QuerySet:
    """Open items past their deadline, among the targets the user may see."""
    return items_for(access).filter(overdue_filter(today or timezone.localdate()))


def overdue_count(access: CampaignAccess, today: date | None = None) -> int:
    return overdue_items(access, today).count()


def with_overdue_flag(items: QuerySet, today: date | None = None) -> QuerySet:
    """Annotate `overdue_now` for lists, where a template cannot pass today to is_overdue()."""
    return items.annotate(
        overdue_now=Case(
            When(overdue_filter(today or timezone.localdate()), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def open_item_count(target: Target) -> int:
    return RectificationItem.objects.filter(target=target, status__in=OPEN_STATUSES).count()


def filter_ledger(
    items: QuerySet,
    *,
    target: str = "",
    status: str = "",
    overdue: bool = False,
    today: date | None = None,
) -> QuerySet:
    """The ledger list's filters: a target's unit code, a status, overdue only."""
    if target:
        items = items.filter(target__unit__code=target)
    if status:
        items = items.filter(status=status)
    if overdue:
        items = items.filter(overdue_filter(today or timezone.localdate()))
    return items


@dataclass(frozen=True)
class ReportCell:
    """One target's state for one report kind."""

    kind: str
    label: str
    due_date: date | None
    submission: ReportSubmission | None
    state: str  # ON_TIME, LATE or MISSING
    past_due: bool  # missing and its due date has passed

    @property
    def submitted_at(self) -> datetime | None:
        return self.submission.submitted_at if self.submission else None

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "label": self.label,
            "due_date": self.due_date,
            "state": self.state,
            "submitted_at": self.submitted_at,
            "past_due": self.past_due,
            "submission": self.submission,
        }


def latest_submissions(dues) -> dict[int, ReportSubmission]:
    """The newest submission of each due (a resubmission replaces the earlier ones)."""
    newest: dict[int, ReportSubmission] = {}
    rows = (
        ReportSubmission.objects.filter(due__in=list(dues))
        .select_related("submitted_by")
        .order_by("due_id", "-submitted_at", "-pk")
    )
    for submission in rows:
        newest.setdefault(submission.due_id, submission)
    return newest


def report_cells(
    targets: list[Target], kinds: list[str], today: date | None = None
) -> dict[int, list[ReportCell]]:
    """For each target (by pk), one cell per kind, in a fixed number of queries."""
    today = today or timezone.localdate()
    dues = list(ReportDue.objects.filter(target__in=[t.pk for t in targets], kind__in=kinds))
    by_key = {(d.target_id, d.kind): d for d in dues}
    newest = latest_submissions(dues)
    labels = dict(ReportKind.choices)
    result = {}
    for target in targets:
        cells = []
        for kind in kinds:
            due = by_key.get((target.pk, kind))
            submission = newest.get(due.pk) if due else None
            state = MISSING if submission is None else LATE if submission.late else ON_TIME
            cells.append(
                ReportCell(
                    kind=kind,
                    label=str(labels[kind]),
                    due_date=due.due_date if due else None,
                    submission=submission,
                    state=state,
                    past_due=state == MISSING and due is not None and due.due_date < today,
                )
            )
        result[target.pk] = cells
    return result


def transition_checklist(target: Target, today: date | None = None) -> dict:
    """What an approver needs before clearing `target` out of its current stage (转段).

    Returns:
        {
            "campaign_code": str,    # for links: the campaign's code
            "unit_code": str,        # and the target unit's code
            "stage": str,            # target.stage, a PhaseKind value
            "stage_label": str,      # its display name
            "reports": [             # the reports due in that phase (one per phase today)
                {
                    "kind": str,             # ReportKind value
                    "label": str,            # its display name
                    "due_date": date | None, # None: no due date set yet
                    "state": "on_time" | "late" | "missing",  # of the newest submission
                    "submitted_at": datetime | None,
                    "past_due": bool,        # missing and the due date has passed
                    "submission": ReportSubmission | None,
                },
            ],
            "reports_complete": bool,  # every report of the phase submitted (on time or late)
            "open_items": int,         # planned or in progress
            "overdue_items": int,      # open and past the deadline
        }
    """
    today = today or timezone.localdate()
    kinds = reports_of_phase(target.stage)
    cells = report_cells([target], kinds, today)[target.pk]
    items = RectificationItem.objects.filter(target=target)
    return {
        "campaign_code": target.campaign.code,
        "unit_code": target.unit.code,
        "stage": target.stage,
        "stage_label": str(PhaseKind(target.stage).label),
        "reports": [cell.as_dict() for cell in cells],
        "reports_complete": all(cell.state != MISSING for cell in cells),
        "open_items": items.filter(status__in=OPEN_STATUSES).count(),
        "overdue_items": items.filter(overdue_filter(today)).count(),
    }
