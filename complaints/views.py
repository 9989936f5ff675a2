"""Complaint pages: the public form and tracking page, and the staff's casework pages.

None of these templates receive the complainant's identity except identity.html,
rendered by `show_identity` after the audited getter.
"""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from complaints.access import (
    campaign_for_public,
    complaints_for,
    get_campaign_complaints_for_user,
    get_complainant_identity,
    get_complaint_by_tracking_code,
    get_complaint_for_user,
)
from complaints.actions import (
    MAX_ATTACHMENTS,
    current_status,
    do_assign_complaint,
    do_close_complaint,
    do_file_complaint,
    do_raise_complaint_rectification,
    do_rate_reply,
    do_reply_complaint,
    do_return_reply,
    do_verify_complaint,
    may_raise_rectification,
    published_reply,
)
from complaints.forms import ComplaintForm, RatingForm, RectifyForm, StaffComplaintForm
from complaints.models import AWAITING_REPLY, ComplaintAttachment, Status, format_tracking_code
from complaints.queries import complaint_rectification_item, overdue_for, with_status
from orgs.models import Role
from pingyi.lib.forms import add_action_errors
from pingyi.lib.uploads import DEFAULT_TYPES, max_upload_bytes, private_download
from pingyi.lib.views import action_errors_as_messages

FILED_SESSION_KEY = "complaints_filed"
# Who complained never appears in an error report or a logged request body.
IDENTITY_FIELDS = ("name", "phone", "address")
PAGE_SIZE = 25

# The public ---------------------------------------------------------------------------------


@sensitive_post_parameters(*IDENTITY_FIELDS)
def public_new(request, code):
    campaign = campaign_for_public(code)
    form = ComplaintForm(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            complaint = do_file_complaint(
                campaign,
                attachments=request.FILES.getlist("attachments"),
                **form.action_arguments(),
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            # Shown once on the next page; never put in a URL, where logs and history keep it.
            request.session[FILED_SESSION_KEY] = {
                "code": complaint.tracking_code,
                "due": complaint.due_date.isoformat(),
            }
            return redirect("complaints:filed")
    return render(
        request, "complaints/public_form.html", _form_context(campaign, form, public=True)
    )


def _form_context(campaign, form, *, public):
    return {
        "campaign": campaign,
        "form": form,
        "public": public,
        "max_files": MAX_ATTACHMENTS,
        "max_mb": max_upload_bytes() // 1024 // 1024,
        "file_types": ", ".join(t.extension.upper() for t in DEFAULT_TYPES),
    }


@never_cache
def filed(request):
    receipt = request.session.pop(FILED_SESSION_KEY, None)
    context = {}
    if receipt:
        context = {"code": format_tracking_code(receipt["code"]), "due": receipt["due"]}
    return render(request, "complaints/filed.html", context)


@never_cache
def track(request):
    if request.method != "POST":
        return render(request, "complaints/track.html", {})
    return _tracking_page(request, request.POST.get("code", ""))


def _tracking_page(request, code, *, rating_form=None, status=200):
    try:
        complaint = get_complaint_by_tracking_code(code)
    except Http404:
        context = {"code": code, "not_found": True}
        return render(request, "complaints/track.html", context, status=404)
    reply = published_reply(complaint)
    rating = getattr(complaint, "rating", None) if reply else None
    context = {
        "complaint": complaint,
        "code": format_tracking_code(complaint.tracking_code),
        "status": Status(current_status(complaint)),
        "steps": complaint.steps.order_by("seq"),
        "reply": reply,
        "rating": rating,
        "rating_form": rating_form or (RatingForm() if reply and not rating else None),
    }
    return render(request, "complaints/track.html", context, status=status)


@never_cache
@require_POST
def rate(request):
    code = request.POST.get("code", "")
    complaint = get_complaint_by_tracking_code(code)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            do_rate_reply(complaint, **form.cleaned_data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("Thank you: your rating was recorded."))
            return _tracking_page(request, code)
    return _tracking_page(request, code, rating_form=form, status=400)


# Staff: lists -------------------------------------------------------------------------------


def _filtered(access, request):
    queryset = with_status(complaints_for(access))
    status = request.GET.get("status", "")
    if status in Status.values:
        queryset = queryset.filter(current_status=status)
    return queryset, status if status in Status.values else ""


@login_required
def complaint_list(request, code):
    access = get_campaign_complaints_for_user(request.user, code)
    queryset, status = _filtered(access, request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for c in page:
        c.status_label = Status(c.current_status).label
        c.is_overdue = c.current_status in AWAITING_REPLY and c.due_date < today
    context = {
        "access": access,
        "campaign": access.campaign,
        "page": page,
        "status": status,
        "statuses": Status.choices,
        "may_enter": access.has(Role.ORGANIZER),
    }
    return render(request, "complaints/list.html", context)


@login_required
def overdue_list(request, code):
    access = get_campaign_complaints_for_user(request.user, code)
    today = timezone.localdate()
    page = Paginator(overdue_for(access, today), PAGE_SIZE).get_page(request.GET.get("page"))
    for c in page:
        c.days_overdue = (today - c.due_date).days
    context = {"campaign": access.campaign, "page": page, "today": today}
    return render(request, "complaints/overdue.html", context)


EXPORT_COLUMNS = [
    "number",
    "received_on",
    "due_date",
    "unit",
    "channel",
    "kind",
    "category",
    "status",
    "overdue",
    "content",
]


@login_required
def export_csv(request, code):
    """The list as CSV (UTF-8 with BOM for Excel), scoped like the page; no identity columns."""
    access = get_campaign_complaints_for_user(request.user, code)
    queryset, _status = _filtered(access, request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="complaints-{code}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(EXPORT_COLUMNS)
    today = timezone.localdate()
    for c in queryset.order_by("received_on", "pk"):
        writer.writerow(
            [
                c.number,
                c.received_on.isoformat(),
                c.due_date.isoformat(),
                c.target.unit.name,
                c.get_channel_display(),
                c.get_kind_display(),
                c.get_category_display(),
                Status(c.current_status).label,
                "1" if c.current_status in AWAITING_REPLY and c.due_date < today else "",
                _spreadsheet_safe(c.content),
            ]
        )
    return response


def _spreadsheet_safe(text: str) -> str:
    # The public writes this text: a leading = + - @ would run as a formula in Excel.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


# Staff: one complaint -----------------------------------------------------------------------


@login_required
def detail(request, pk):
    access = get_complaint_for_user(request.user, pk)
    complaint = access.complaint
    status = current_status(complaint)
    item = complaint_rectification_item(complaint)
    context = {
        "access": access,
        "complaint": complaint,
        "campaign": complaint.campaign,
        "status": Status(status),
        "steps": complaint.steps.select_related("by").order_by("seq"),
        "replies": complaint.replies.select_related("by").order_by("at", "pk"),
        "rating": getattr(complaint, "rating", None),
        "attachments": complaint.attachments.all(),
        "overdue": status in AWAITING_REPLY and complaint.due_date < timezone.localdate(),
        "can_assign": access.is_organizer and status == Status.RECEIVED,
        "can_reply": access.can_reply and status == Status.ASSIGNED,
        "can_verify": access.is_organizer and status == Status.REPLIED,
        "can_close": access.is_organizer and status in (Status.RECEIVED, Status.VERIFIED),
        "rectification_item": item,
        "can_rectify": item is None
        and access.forwarded
        and may_raise_rectification(access.campaign, complaint),
        "rectify_form": RectifyForm(initial={"problem": complaint.content}),
    }
    return render(request, "complaints/detail.html", context)


@sensitive_post_parameters(*IDENTITY_FIELDS)
@login_required
@require_POST
@never_cache
def show_identity(request, pk):
    """A POST, from an explicit button: no prefetch or link preview can trigger an audited view."""
    access = get_complaint_for_user(request.user, pk)
    identity = get_complainant_identity(request.user, access.complaint)
    context = {"complaint": access.complaint, "campaign": access.complaint.campaign}
    context["identity"] = identity
    response = render(request, "complaints/identity.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _act(request, pk, action, success, **kwargs):
    access = get_complaint_for_user(request.user, pk)
    with action_errors_as_messages(request):
        action(access, acting_user=request.user, **kwargs)
        messages.success(request, success)
    return redirect("complaints:detail", pk=pk)


@login_required
@require_POST
def assign(request, pk):
    return _act(
        request,
        pk,
        do_assign_complaint,
        _("Assigned to the unit concerned; its liaisons were notified."),
        note=request.POST.get("note", ""),
    )


@login_required
@require_POST
def reply(request, pk):
    return _act(
        request, pk, do_reply_complaint, _("Reply recorded."), text=request.POST.get("text", "")
    )


@login_required
@require_POST
def verify(request, pk):
    return _act(
        request,
        pk,
        do_verify_complaint,
        _("Reply verified; the complainant can now read it."),
        note=request.POST.get("note", ""),
    )


@login_required
@require_POST
def return_reply(request, pk):
    return _act(
        request,
        pk,
        do_return_reply,
        _("Reply sent back to the unit."),
        note=request.POST.get("note", ""),
    )


@login_required
@require_POST
def close(request, pk):
    return _act(
        request,
        pk,
        do_close_complaint,
        _("Complaint closed."),
        note=request.POST.get("note", ""),
        public_note=request.POST.get("public_note", ""),
    )


@login_required
@require_POST
def raise_rectification(request, pk):
    access = get_complaint_for_user(request.user, pk)
    form = RectifyForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label}: {error}")
        return redirect("complaints:detail", pk=pk)
    with action_errors_as_messages(request):
        do_raise_complaint_rectification(
            access.campaign,
            access.complaint,
            problem=form.cleaned_data["problem"],
            deadline=form.cleaned_data["deadline"],
            acting_user=request.user,
        )
        messages.success(request, _("The problem was put on the rectification ledger."))
    return redirect("complaints:detail", pk=pk)


@login_required
def attachment(request, pk):
    """Served only to those who may read the complaint; named by number, not by the sender."""
    item = get_object_or_404(ComplaintAttachment, pk=pk)
    get_complaint_for_user(request.user, item.complaint_id)
    return private_download(
        item.file,
        filename=f"complaint-{item.complaint_id}-{item.pk}.{item.extension}",
        content_type=item.content_type,
    )


@sensitive_post_parameters(*IDENTITY_FIELDS)
@login_required
def staff_new(request, code):
    access = get_campaign_complaints_for_user(request.user, code)
    if not access.has(Role.ORGANIZER):
        raise PermissionDenied(_("Only the organizing level records complaints received by it."))
    form = StaffComplaintForm(request.POST or None, campaign=access.campaign)
    if request.method == "POST" and form.is_valid():
        try:
            complaint = do_file_complaint(
                access.campaign,
                attachments=request.FILES.getlist("attachments"),
                acting_user=request.user,
                **form.action_arguments(),
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(
                request,
                _("Recorded. Tell the complainant the tracking code %(code)s.")
                % {"code": format_tracking_code(complaint.tracking_code)},
            )
            return redirect("complaints:detail", pk=complaint.pk)
    context = _form_context(access.campaign, form, public=False)
    return render(request, "complaints/public_form.html", context)
