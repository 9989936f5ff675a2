"""Reports due per phase: due dates set by the organizers, submissions by the units' liaisons."""

from contextlib import contextmanager
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.record import record_event
from campaigns.access import CampaignAccess
from campaigns.models import Target
from rectification.access import can_set_dues, can_submit_report
from rectification.files import store_upload
from rectification.models import PHASE_OF_REPORT, ReportDue, ReportKind, ReportSubmission


def _saved(user):
    return user if getattr(user, "pk", None) else None


def _check_kind(kind: str) -> None:
    if kind not in ReportKind.values:
        raise ValidationError({"kind": _("Choose one of the listed reports.")})


def do_set_report_due(
    access: CampaignAccess,
    *,
    kind: str,
    due_date: date,
    target: Target | None = None,
    acting_user,
) -> list[str]:
    """Set when a report is due, for one target or (target=None) every target of the campaign.

    Returns the codes of the units whose due date changed; setting the same date
    again changes nothing and writes no event.
    """
    if not can_set_dues(access):
        raise PermissionDenied(_("Only an organizer of the campaign may set due dates."))
    _check_kind(kind)
    if target is not None and target.campaign_id != access.campaign.pk:
        raise ValidationError({"target": _("That unit is not a target of this campaign.")})
    with _same_moment_as_validation_error(), transaction.atomic():
        return _set_due(access, kind, due_date, target, acting_user)


def do_set_report_dues_from_phases(access: CampaignAccess, *, acting_user) -> list[str]:
    """Every report falls due on the last day of its phase, for every target."""
    if not can_set_dues(access):
        raise PermissionDenied(_("Only an organizer of the campaign may set due dates."))
    ends = {phase.kind: phase.end for phase in access.campaign.phases.all()}
    changed = []
    with _same_moment_as_validation_error(), transaction.atomic():
        for kind, phase_kind in PHASE_OF_REPORT.items():
            if phase_kind in ends:
                changed += _set_due(access, kind, ends[phase_kind], None, acting_user)
    return changed


@contextmanager
def _same_moment_as_validation_error():
    """Two organizers creating the same due date at once: the unique constraint stops the second."""
    try:
        yield
    except IntegrityError as exc:
        raise ValidationError(
            _("Someone set this due date at the same moment; please try again.")
        ) from exc


def _set_due(access, kind, due_date, target, acting_user) -> list[str]:
    targets = [target] if target else list(access.campaign.targets.select_related("unit"))
    existing = {
        due.target_id: due
        for due in ReportDue.objects.select_for_update().filter(
            target__in=[t.pk for t in targets], kind=kind
        )
    }
    before, changed, now = {}, [], timezone.now()
    for each in targets:
        due = existing.get(each.pk)
        if due is None:
            ReportDue.objects.create(
                target=each, kind=kind, due_date=due_date, set_by=_saved(acting_user), set_at=now
            )
        elif due.due_date != due_date:
            before[each.unit.code] = due.due_date
            due.due_date, due.set_by, due.set_at = due_date, _saved(acting_user), now
            due.save(update_fields=["due_date", "set_by", "set_at"])
        else:
            continue
        changed.append(each.unit.code)
    if changed:
        record_event(
            "rectification.report_due_set",
            access.campaign,
            acting_user=acting_user,
            data={"kind": kind, "due_date": due_date, "targets": changed, "before": before},
        )
    return changed


def do_submit_report(
    access: CampaignAccess,
    target: Target,
    *,
    kind: str,
    text: str,
    upload=None,
    acting_user,
) -> ReportSubmission:
    """A liaison submits (or resubmits) the unit's report; lateness is fixed at this moment."""
    if not can_submit_report(access, target):
        raise PermissionDenied(_("Only the unit's liaison may submit its reports."))
    _check_kind(kind)
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the report, or paste its text (请填写报告内容).")})
    due = ReportDue.objects.filter(target=target, kind=kind).first()
    if due is None:
        raise ValidationError(_("No due date has been set for this report yet."))
    if upload is None:
        return _record_submission(due, target, text, None, acting_user)
    with store_upload(upload, "rectification/reports") as stored:
        return _record_submission(due, target, text, stored, acting_user)


def _record_submission(due, target, text, stored, acting_user) -> ReportSubmission:
    with transaction.atomic():
        due = ReportDue.objects.select_for_update().get(pk=due.pk)
        now = timezone.now()
        submission = ReportSubmission.objects.create(
            due=due,
            text=text,
            file=stored.name if stored else "",
            file_content_type=stored.file_type.content_type if stored else "",
            file_extension=stored.file_type.extension if stored else "",
            file_size=stored.size if stored else None,
            submitted_by=_saved(acting_user),
            submitted_at=now,
            late=timezone.localdate(now) > due.due_date,
        )
        record_event(
            "rectification.report_submitted",
            submission,
            acting_user=acting_user,
            data={
                "target": target.unit.code,
                "kind": due.kind,
                "due_date": due.due_date,
                "late": submission.late,
                "file": bool(stored),
            },
        )
    return submission
