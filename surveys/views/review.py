"""The organizers' review of flagged responses: a list by state, and keep or exclude."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pingyi.lib.views import action_errors_as_messages
from surveys.models import Response, ReviewDecision
from surveys.review import (
    ReviewState,
    do_flag_response,
    do_review_response,
    flagged_responses,
    review_counts,
)
from surveys.views.questionnaire import organizer_access

PAGE_SIZE = 25


@login_required
def flags(request, code):
    access = organizer_access(request.user, code)
    campaign = access.campaign
    state = request.GET.get("state", "")
    state = state if state in ReviewState.ALL else ReviewState.AWAITING
    page = Paginator(flagged_responses(campaign, state), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = review_counts(campaign)
    context = {
        "campaign": campaign,
        "page": page,
        "state": state,
        "states": [
            (ReviewState.AWAITING, _("Awaiting review"), counts[ReviewState.AWAITING]),
            (ReviewState.KEPT, _("Kept"), counts[ReviewState.KEPT]),
            (ReviewState.EXCLUDED, _("Excluded"), counts[ReviewState.EXCLUDED]),
        ],
    }
    return render(request, "surveys/flags.html", context)


def _review(request, code, pk, decision):
    access = organizer_access(request.user, code)
    response = Response.objects.filter(campaign=access.campaign, pk=pk).first()
    if response is None:
        raise Http404(_("No such response in this campaign."))
    with action_errors_as_messages(request):
        do_review_response(
            response,
            decision=decision,
            reason=request.POST.get("reason", ""),
            acting_user=request.user,
        )
        if decision == ReviewDecision.EXCLUDE:
            message = _("Response #%(id)s excluded from the tally.")
        else:
            message = _("Response #%(id)s kept.")
        messages.success(request, message % {"id": pk})
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}):
        return redirect(back)
    return redirect("surveys:flags", code=code)


@login_required
@require_POST
def keep_response(request, code, pk):
    return _review(request, code, pk, ReviewDecision.KEEP)


@login_required
@require_POST
def exclude_response(request, code, pk):
    return _review(request, code, pk, ReviewDecision.EXCLUDE)


@login_required
@require_POST
def flag_response(request, code, pk):
    access = organizer_access(request.user, code)
    response = Response.objects.filter(campaign=access.campaign, pk=pk).first()
    if response is None:
        raise Http404(_("No such response in this campaign."))
    with action_errors_as_messages(request):
        do_flag_response(response, reason=request.POST.get("reason", ""), acting_user=request.user)
        messages.success(request, _("Response #%(id)s is flagged for review.") % {"id": pk})
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}):
        return redirect(back)
    return redirect("surveys:flags", code=code)
