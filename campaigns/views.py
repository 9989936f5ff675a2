from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns.access import (
    campaigns_for_user,
    get_campaign_for_user,
    get_target_for_user,
    get_transition_request_for_user,
)
from campaigns.actions import do_decide_transition, do_request_transition
from campaigns.dashboard import build_dashboard
from pingyi.lib.views import action_errors_as_messages
from rectification.queries import transition_checklist


@login_required
def campaign_list(request):
    page = Paginator(campaigns_for_user(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "campaigns/list.html", {"page": page})


@login_required
def campaign_dashboard(request, code):
    access = get_campaign_for_user(request.user, code)
    context = build_dashboard(access, timezone.localdate())
    return render(request, "campaigns/dashboard.html", context)


@login_required
def target_detail(request, code, unit):
    access, target = get_target_for_user(request.user, code, unit)
    context = {
        "access": access,
        "campaign": access.campaign,
        "target": target,
        "requests": target.transition_requests.select_related("requested_by", "decided_by"),
        "can_request": access.can_request_transition(target) and target.next_stage(),
        "checklist": transition_checklist(target, timezone.localdate()),
    }
    return render(request, "campaigns/target.html", context)


@login_required
@require_POST
def request_transition(request, code, unit):
    access, target = get_target_for_user(request.user, code, unit)
    with action_errors_as_messages(request):
        do_request_transition(
            access, target, note=request.POST.get("note", ""), acting_user=request.user
        )
        messages.success(request, _("Your request was sent to the level above."))
    return redirect("campaigns:target", code=code, unit=unit)


@login_required
@require_POST
def approve_transition(request, pk):
    return _decide(request, pk, approve=True)


@login_required
@require_POST
def reject_transition(request, pk):
    return _decide(request, pk, approve=False)


def _decide(request, pk, *, approve):
    access, transition = get_transition_request_for_user(request.user, pk)
    with action_errors_as_messages(request):
        do_decide_transition(
            access,
            transition,
            approve=approve,
            comment=request.POST.get("comment", ""),
            acting_user=request.user,
        )
        messages.success(request, _("Decision recorded."))
    return redirect("campaigns:dashboard", code=access.campaign.code)
