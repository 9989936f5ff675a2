"""Read-only questions other pages ask of the ledger and the reports (dashboard, transitions).

Each takes an already permission-checked CampaignAccess or Target; none writes.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from campaigns.access import CampaignAccess
from campaigns.models import PhaseKind, Target
from rectification.access import items_for
from rectification.models import (
    OPEN_STATUSES,
    ItemStatus,
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
    """One target's state for one report kind.

    Timeliness belongs to the report, not to its newest text: a report submitted by its due
    date stays on time when the unit corrects it afterwards (the correction is marked
    resubmitted), while the newest submission is the text that counts.
    """

    kind: str
    label: str
    due_date: date | None
    submission: ReportSubmission | None  # the newest
    state: str  # ON_TIME (some submission by the due date), LATE or MISSING
    past_due: bool  # missing and its due date has passed
    resubmitted: bool = False  # more than one submission

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
            "resubmitted": self.resubmitted,
        }


@dataclass
class _Submissions:
    newest: ReportSubmission
    count: int = 0
    any_on_time: bool = False


def _submissions_by_due(dues) -> dict[int, _Submissions]:
    """Per due: the newest submission, how many there were, and whether one was on time."""
    summary: dict[int, _Submissions] = {}
    rows = (
        ReportSubmission.objects.filter(due__in=list(dues))
        .select_related("submitted_by")
        .order_by("due_id", "-submitted_at", "-pk")
    )
    for submission in rows:
        entry = summary.setdefault(submission.due_id, _Submissions(newest=submission))
        entry.count += 1
        # `late` was fixed when each was submitted; a later change of due date leaves it.
        entry.any_on_time = entry.any_on_time or not submission.late
    return summary


def report_cells(
    targets: list[Target], kinds: list[str], today: date | None = None
) -> dict[int, list[ReportCell]]:
    """For each target (by pk), one cell per kind, in a fixed number of queries."""
    return _cells_by_target(targets, lambda _target: kinds, today or timezone.localdate())


def _cells_by_target(targets, kinds_of, today: date) -> dict[int, list[ReportCell]]:
    """Cells for the kinds `kinds_of(target)` of each target: two queries however many."""
    wanted = {kind for target in targets for kind in kinds_of(target)}
    dues = (
        list(ReportDue.objects.filter(target__in=[t.pk for t in targets], kind__in=wanted))
        if wanted
        else []
    )
    by_key = {(d.target_id, d.kind): d for d in dues}
    submissions = _submissions_by_due(dues) if dues else {}
    labels = dict(ReportKind.choices)
    result = {}
    for target in targets:
        cells = []
        for kind in kinds_of(target):
            due = by_key.get((target.pk, kind))
            found = submissions.get(due.pk) if due else None
            state = MISSING if found is None else ON_TIME if found.any_on_time else LATE
            cells.append(
                ReportCell(
                    kind=kind,
                    label=str(labels[kind]),
                    due_date=due.due_date if due else None,
                    submission=found.newest if found else None,
                    state=state,
                    past_due=state == MISSING and due is not None and due.due_date < today,
                    resubmitted=found is not None and found.count > 1,
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
                    # on time when any submission was made by the due date, late when
                    # all came after it, missing when none
                    "state": "on_time" | "late" | "missing",
                    "submitted_at": datetime | None,  # of the newest submission
                    "past_due": bool,        # missing and the due date has passed
                    "submission": ReportSubmission | None,  # the newest, whose text counts
                    "resubmitted": bool,     # submitted more than once (corrected)
                },
            ],
            "reports_complete": bool,  # every report of the phase submitted (on time or late)
            "open_items": int,         # planned or in progress
            "overdue_items": int,      # open and past the deadline
        }
    """
    return transition_checklists([target], today)[target.pk]


def transition_checklists(targets, today: date | None = None) -> dict[int, dict]:
    """transition_checklist() of many targets, keyed by target pk, in four queries.

    For the dashboard's pending transition requests: the targets are read again with
    their unit and campaign, the ledger is counted in one grouped query, and the dues
    and submissions of every target's current phase in two more.
    """
    today = today or timezone.localdate()
    ids = [t.pk for t in targets]
    if not ids:
        return {}
    fresh = list(Target.objects.filter(pk__in=ids).select_related("unit", "campaign"))
    counts = {
        row["target"]: row
        for row in RectificationItem.objects.filter(target__in=ids)
        .order_by()
        .values("target")
        .annotate(
            open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            overdue=Count("pk", filter=overdue_filter(today)),
        )
    }
    cells = _cells_by_target(fresh, lambda t: reports_of_phase(t.stage), today)
    result = {}
    for target in fresh:
        count = counts.get(target.pk, {})
        result[target.pk] = {
            "campaign_code": target.campaign.code,
            "unit_code": target.unit.code,
            "stage": target.stage,
            "stage_label": str(PhaseKind(target.stage).label),
            "reports": [cell.as_dict() for cell in cells[target.pk]],
            "reports_complete": all(cell.state != MISSING for cell in cells[target.pk]),
            "open_items": count.get("open", 0),
            "overdue_items": count.get("overdue", 0),
        }
    return result


def ledger_progress(targets) -> dict[int, dict[str, int]]:
    """Per target pk: its ledger's open, done, explained and overdue item counts (one query)."""
    today = timezone.localdate()
    rows = (
        RectificationItem.objects.filter(target__in=[t.pk for t in targets])
        .order_by()
        .values("target")
        .annotate(
            open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            done=Count("pk", filter=Q(status=ItemStatus.DONE)),
            explained=Count("pk", filter=Q(status=ItemStatus.EXPLAINED)),
            overdue=Count("pk", filter=overdue_filter(today)),
        )
    )
    empty = {"open": 0, "done": 0, "explained": 0, "overdue": 0}
    found = {row.pop("target"): row for row in rows}
    return {t.pk: found.get(t.pk, empty) for t in targets}
