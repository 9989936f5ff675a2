"""Report pages: due dates, a target's submissions, a unit's children and the combined DOCX."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns.access import get_campaign_for_user, get_target_for_user
from pingyi.lib.uploads import private_download
from pingyi.lib.views import action_errors_as_messages
from rectification.access import (
    can_set_dues,
    can_submit_report,
    get_submission_for_user,
    get_unit_for_compiling,
    targets_below,
    units_to_compile,
)
from rectification.actions import (
    do_set_report_due,
    do_set_report_dues_from_phases,
    do_submit_report,
)
from rectification.documents import DOCX_CONTENT_TYPE, combined_report_docx
from rectification.forms import DueForm, SubmissionForm
from rectification.models import ReportDue, ReportKind
from rectification.queries import ledger_progress, report_cells, transition_checklist
from rectification.views.common import form_errors_as_messages

PAGE_SIZE = 25


def _rows(targets, today):
    cells = report_cells(targets, ReportKind.values, today)
    return [(target, cells[target.pk]) for target in targets]


@login_required
def overview(request, code):
    access = get_campaign_for_user(request.user, code)
    today = timezone.localdate()
    targets = list(access.targets().order_by("unit__path"))
    page = Paginator(targets, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "access": access,
        "campaign": access.campaign,
        "kinds": ReportKind.choices,
        "page": page,
        "rows": _rows(list(page), today),
        "today": today,
        "may_set_dues": can_set_dues(access),
        "due_form": DueForm(targets=targets),
        "compile_units": units_to_compile(access),
    }
    return render(request, "rectification/reports.html", context)


@login_required
@require_POST
def set_due(request, code):
    access = get_campaign_for_user(request.user, code)
    targets = list(access.campaign.targets.select_related("unit"))
    form = DueForm(request.POST, targets=targets)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect("rectification:reports", code=code)
    data = form.cleaned_data
    target = next((t for t in targets if t.unit.code == data["target"]), None)
    with action_errors_as_messages(request):
        changed = do_set_report_due(
            access,
            kind=data["kind"],
            due_date=data["due_date"],
            target=target,
            acting_user=request.user,
        )
        messages.success(
            request,
            _("Due date set for %(count)d unit(s).") % {"count": len(changed)}
            if changed
            else _("Nothing changed."),
        )
    return redirect("rectification:reports", code=code)


@login_required
@require_POST
def set_dues_from_phases(request, code):
    access = get_campaign_for_user(request.user, code)
    with action_errors_as_messages(request):
        changed = do_set_report_dues_from_phases(access, acting_user=request.user)
        messages.success(
            request,
            _("Due dates set from the phases (%(count)d change(s)).") % {"count": len(changed)},
        )
    return redirect("rectification:reports", code=code)


@login_required
def target_reports(request, code, unit):
    access, target = get_target_for_user(request.user, code, unit)
    today = timezone.localdate()
    dues = {d.kind: d for d in ReportDue.objects.filter(target=target)}
    sections = []
    cells = report_cells([target], ReportKind.values, today)[target.pk]
    for cell in cells:
        due = dues.get(cell.kind)
        history = due.submissions.select_related("submitted_by") if due else []
        sections.append({"cell": cell, "due": due, "history": history})
    context = {
        "access": access,
        "campaign": access.campaign,
        "target": target,
        "sections": sections,
        "today": today,
        "may_submit": can_submit_report(access, target),
        "form": SubmissionForm(),
        "checklist": transition_checklist(target, today),
    }
    return render(request, "rectification/target_reports.html", context)


@login_required
@require_POST
def submit_report(request, code, unit, kind):
    access, target = get_target_for_user(request.user, code, unit)
    if kind not in ReportKind.values:
        raise Http404(_("No such report."))
    form = SubmissionForm(request.POST, request.FILES)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect("rectification:target_reports", code=code, unit=unit)
    with action_errors_as_messages(request):
        submission = do_submit_report(
            access,
            target,
            kind=kind,
            text=form.cleaned_data["text"],
            upload=form.cleaned_data["file"],
            acting_user=request.user,
        )
        messages.success(
            request,
            _("Report submitted after its due date; it is marked late.")
            if submission.late
            else _("Report submitted."),
        )
    return redirect("rectification:target_reports", code=code, unit=unit)


@login_required
def submission_file(request, pk):
    _access, submission = get_submission_for_user(request.user, pk)
    if not submission.file:
        raise Http404(_("This submission has no attachment."))
    return private_download(
        submission.file,
        filename=submission.download_name(),
        content_type=submission.file_content_type,
    )


@login_required
def unit_reports(request, code, unit):
    access = get_campaign_for_user(request.user, code)
    root = get_unit_for_compiling(access, unit)
    today = timezone.localdate()
    page = Paginator(targets_below(access.campaign, root), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "access": access,
        "campaign": access.campaign,
        "unit": root,
        "kinds": ReportKind.choices,
        "page": page,
        "rows": _rows(list(page), today),
        "today": today,
    }
    return render(request, "rectification/unit_reports.html", context)


@login_required
def combined_docx(request, code, unit, kind):
    access = get_campaign_for_user(request.user, code)
    root = get_unit_for_compiling(access, unit)
    if kind not in ReportKind.values:
        raise Http404(_("No such report."))
    # The unit's own report, when it is a target itself, comes before its children's.
    own = access.campaign.targets.select_related("unit").filter(unit=root).first()
    targets = ([own] if own else []) + targets_below(access.campaign, root)
    cells = report_cells(targets, [kind])
    content = combined_report_docx(
        campaign=access.campaign,
        unit=root,
        kind=kind,
        rows=[(t, cells[t.pk][0]) for t in targets],
        progress=ledger_progress(targets) if kind == ReportKind.RECTIFICATION_REPORT else None,
    )
    response = HttpResponse(content, content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{kind}-{code}-{unit}.docx"'
    return response
