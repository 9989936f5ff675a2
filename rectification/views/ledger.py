"""Ledger pages: the list, an item with its notes, evidence and one view per action, exports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns.access import get_campaign_for_user, get_target_for_user
from pingyi.lib.uploads import private_download
from pingyi.lib.views import action_errors_as_messages
from rectification.access import (
    can_verify,
    can_work_on,
    get_evidence_for_user,
    get_item_for_user,
    get_unit_for_export,
    items_for,
)
from rectification.actions import (
    STAFF_OPENERS,
    do_add_evidence,
    do_add_progress_note,
    do_explain_rectification_item,
    do_mark_rectification_done,
    do_open_rectification_item,
    do_start_rectification_item,
    do_update_rectification_plan,
    do_verify_rectification_item,
    may_open_item,
)
from rectification.documents import XLSX_CONTENT_TYPE, ledger_workbook
from rectification.forms import (
    DoneForm,
    EvidenceForm,
    ExplainForm,
    ItemForm,
    LedgerFilterForm,
    NoteForm,
    PlanForm,
    VerificationForm,
)
from rectification.models import OPEN_STATUSES, ItemStatus, Source
from rectification.queries import filter_ledger, overdue_count, overdue_items, with_overdue_flag
from rectification.views.common import form_errors_as_messages

PAGE_SIZE = 25


@login_required
def ledger(request, code):
    access = get_campaign_for_user(request.user, code)
    today = timezone.localdate()
    targets = list(access.targets().order_by("unit__path"))
    filters = LedgerFilterForm(request.GET, targets=targets)
    chosen = filters.filters()
    items = with_overdue_flag(filter_ledger(items_for(access), today=today, **chosen), today)
    if access.sees_all_targets:  # the whole ledger, and the one target it is filtered on
        export_targets = [t for t in targets if t.unit.code == chosen.get("target")]
    else:
        export_targets = targets
    context = {
        "access": access,
        "campaign": access.campaign,
        "filters": filters,
        "page": Paginator(items, PAGE_SIZE).get_page(request.GET.get("page")),
        "today": today,
        "overdue_count": overdue_count(access, today),
        "can_open": bool(_openable(access, targets)[0]),
        "export_unit": access.campaign.organizer if access.sees_all_targets else None,
        "export_targets": export_targets,
    }
    return render(request, "rectification/ledger.html", context)


@login_required
def overdue(request, code):
    access = get_campaign_for_user(request.user, code)
    today = timezone.localdate()
    items = overdue_items(access, today)
    context = {
        "access": access,
        "campaign": access.campaign,
        "page": Paginator(items, PAGE_SIZE).get_page(request.GET.get("page")),
        "today": today,
    }
    return render(request, "rectification/overdue.html", context)


def _openable(access, targets) -> tuple[list, list[str]]:
    """The targets the user may add items to, and the sources they may choose."""
    if access.has(*STAFF_OPENERS):
        return targets, list(Source.values)
    own = [t for t in targets if may_open_item(access, t, Source.SELF_INSPECTION)]
    return own, [Source.SELF_INSPECTION] if own else []


@login_required
def item_new(request, code):
    access = get_campaign_for_user(request.user, code)
    targets, sources = _openable(access, list(access.targets().order_by("unit__path")))
    if not targets:
        raise PermissionDenied(_("You may not add items to this ledger."))
    form = ItemForm(request.POST or None, targets=targets, sources=sources)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = next(t for t in targets if t.unit.code == data["target"])
        try:
            item = do_open_rectification_item(
                access,
                target,
                source=data["source"],
                problem=data["problem"],
                deadline=data["deadline"],
                plan=data["plan"],
                responsible_person=data["responsible_person"],
                goal=data["goal"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The item is on the ledger."))
            return redirect("rectification:item", pk=item.pk)
    context = {"access": access, "campaign": access.campaign, "form": form}
    return render(request, "rectification/item_form.html", context)


@login_required
def item_detail(request, pk):
    access, item = get_item_for_user(request.user, pk)
    today = timezone.localdate()
    may_work = can_work_on(access, item.target) and not item.is_verified()
    context = {
        "access": access,
        "campaign": access.campaign,
        "item": item,
        "today": today,
        "overdue": item.is_overdue(today),
        "notes": item.notes.select_related("author"),
        "evidence": item.evidence.select_related("added_by"),
        "verifications": item.verifications.select_related("verified_by", "closed_by"),
        "may_work": may_work,
        "may_edit": may_work and item.status in OPEN_STATUSES,
        "may_start": may_work and item.status == ItemStatus.PLANNED,
        "may_verify": can_verify(access, item) and item.awaits_verification(),
        "plan_form": PlanForm(
            auto_id="plan-%s",
            initial={
                "plan": item.plan,
                "responsible_person": item.responsible_person,
                "goal": item.goal,
            },
        ),
        "note_form": NoteForm(auto_id="note-%s"),
        "evidence_form": EvidenceForm(auto_id="evidence-%s"),
        "done_form": DoneForm(auto_id="done-%s"),
        "explain_form": ExplainForm(auto_id="explain-%s"),
        "verification_form": VerificationForm(auto_id="verify-%s"),
    }
    return render(request, "rectification/item_detail.html", context)


def _back(item):
    return redirect("rectification:item", pk=item.pk)


@login_required
@require_POST
def item_update_plan(request, pk):
    access, item = get_item_for_user(request.user, pk)
    form = PlanForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return _back(item)
    with action_errors_as_messages(request):
        changed = do_update_rectification_plan(
            access, item, **form.cleaned_data, acting_user=request.user
        )
        messages.success(request, _("Plan saved.") if changed else _("Nothing changed."))
    return _back(item)


@login_required
@require_POST
def item_start(request, pk):
    access, item = get_item_for_user(request.user, pk)
    with action_errors_as_messages(request):
        do_start_rectification_item(access, item, acting_user=request.user)
        messages.success(request, _("Rectification started."))
    return _back(item)


@login_required
@require_POST
def item_add_note(request, pk):
    access, item = get_item_for_user(request.user, pk)
    form = NoteForm(request.POST)
    form.is_valid()
    with action_errors_as_messages(request):
        do_add_progress_note(
            access, item, text=form.cleaned_data.get("text", ""), acting_user=request.user
        )
        messages.success(request, _("Progress note added."))
    return _back(item)


@login_required
@require_POST
def item_add_evidence(request, pk):
    access, item = get_item_for_user(request.user, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return _back(item)
    with action_errors_as_messages(request):
        do_add_evidence(
            access,
            item,
            upload=form.cleaned_data["file"],
            description=form.cleaned_data["description"],
            acting_user=request.user,
        )
        messages.success(request, _("Evidence added."))
    return _back(item)


@login_required
@require_POST
def item_mark_done(request, pk):
    access, item = get_item_for_user(request.user, pk)
    form = DoneForm(request.POST)
    form.is_valid()
    with action_errors_as_messages(request):
        do_mark_rectification_done(
            access, item, note=form.cleaned_data.get("note", ""), acting_user=request.user
        )
        messages.success(request, _("Marked done; it now waits for verification."))
    return _back(item)


@login_required
@require_POST
def item_explain(request, pk):
    access, item = get_item_for_user(request.user, pk)
    form = ExplainForm(request.POST)
    form.is_valid()
    with action_errors_as_messages(request):
        do_explain_rectification_item(
            access,
            item,
            explanation=form.cleaned_data.get("explanation", ""),
            acting_user=request.user,
        )
        messages.success(request, _("Closed with an explanation; it now waits for verification."))
    return _back(item)


@login_required
@require_POST
def item_verify(request, pk):
    return _verify(request, pk, accept=True)


@login_required
@require_POST
def item_reject(request, pk):
    return _verify(request, pk, accept=False)


def _verify(request, pk, *, accept):
    access, item = get_item_for_user(request.user, pk)
    form = VerificationForm(request.POST)
    form.is_valid()
    with action_errors_as_messages(request):
        do_verify_rectification_item(
            access,
            item,
            accept=accept,
            note=form.cleaned_data.get("note", ""),
            acting_user=request.user,
        )
        messages.success(
            request,
            _("Verified.") if accept else _("Verification rejected; the item is reopened."),
        )
    return _back(item)


@login_required
def evidence_file(request, pk):
    _access, evidence = get_evidence_for_user(request.user, pk)
    return private_download(
        evidence.file, filename=evidence.download_name(), content_type=evidence.content_type
    )


def _xlsx(items, *, filename: str, title: str) -> HttpResponse:
    response = HttpResponse(ledger_workbook(items, title=title), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def export_target(request, code, unit):
    access, target = get_target_for_user(request.user, code, unit)
    items = items_for(access).filter(target=target).order_by("deadline", "pk")
    return _xlsx(
        items,
        filename=f"ledger-{code}-{unit}.xlsx",
        title=f"{target.unit.name} {access.campaign.name}",
    )


@login_required
def export_subtree(request, code, unit):
    access = get_campaign_for_user(request.user, code)
    root = get_unit_for_export(access, unit)
    items = (
        items_for(access)
        .filter(target__unit__path__startswith=root.path)
        .order_by("target__unit__path", "deadline", "pk")
    )
    return _xlsx(
        items,
        filename=f"ledger-{code}-{unit}-all.xlsx",
        title=f"{root.name} {access.campaign.name}",
    )
