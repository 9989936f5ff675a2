"""The surveys overview, the questionnaire editor and its preview, and the progress page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from campaigns.access import CampaignAccess, get_campaign_for_user
from orgs.models import Role
from pingyi.lib.forms import add_action_errors
from scoring.aggregate import counted_responses
from surveys.answers import form_for
from surveys.forms import QuestionnaireForm
from surveys.models import Questionnaire
from surveys.progress import batch_progress, target_progress
from surveys.questionnaires import (
    EDITABLE,
    current_questionnaire,
    defaults,
    do_save_questionnaire,
    scheme_of,
)
from surveys.review import review_counts

# The organizing level's staff; evaluators answer surveys rather than run them.
SURVEY_STAFF = (Role.ORGANIZER, Role.LEADER, Role.TALLIER, Role.INSPECTOR)


def staff_access(user, code: str) -> CampaignAccess:
    access = get_campaign_for_user(user, code)
    if not access.has(*SURVEY_STAFF):
        raise PermissionDenied(_("Only the organizing level's staff run the campaign's surveys."))
    return access


def organizer_access(user, code: str) -> CampaignAccess:
    access = get_campaign_for_user(user, code)
    if not access.has(Role.ORGANIZER):
        raise PermissionDenied(_("Only an organizer of the campaign may do this."))
    return access


@login_required
def overview(request, code):
    access = staff_access(request.user, code)
    campaign = access.campaign
    context = {
        "campaign": campaign,
        "questionnaire": current_questionnaire(campaign),
        "may_edit": access.has(Role.ORGANIZER),
        "counted": counted_responses(campaign).count(),
        "reviews": review_counts(campaign),
    }
    return render(request, "surveys/overview.html", context)


def _versions(campaign):
    return campaign.questionnaires.annotate(responses_count=Count("responses")).order_by("-version")


@login_required
def edit_questionnaire(request, code):
    access = organizer_access(request.user, code)
    campaign = access.campaign
    current = current_questionnaire(campaign)
    values = {n: getattr(current, n) for n in EDITABLE} if current else defaults(campaign)
    fixed = tuple(scheme_of(campaign).category_labels())
    data = request.POST if request.method == "POST" else None
    form = QuestionnaireForm(data, values=values, fixed_categories=fixed)
    if request.method == "POST" and form.is_valid():
        try:
            saved = do_save_questionnaire(campaign, form.action_fields(), acting_user=request.user)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            if current is not None and saved.pk != current.pk:
                message = _(
                    "Saved as version %(version)s; version %(old)s stays as it was answered."
                ) % {"version": saved.version, "old": current.version}
            else:
                message = _("Questionnaire version %(version)s saved.") % {"version": saved.version}
            messages.success(request, message)
            return redirect("surveys:questionnaire", code=code)
    context = {
        "campaign": campaign,
        "form": form,
        "current": current,
        "versions": _versions(campaign),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "surveys/questionnaire_form.html", context, status=status)


@login_required
def preview_questionnaire(request, code):
    access = staff_access(request.user, code)
    campaign = access.campaign
    version = request.GET.get("version", "")
    if version:
        questionnaire = campaign.questionnaires.filter(
            version=int(version) if version.isdigit() else 0
        ).first()
        if questionnaire is None:
            raise Http404(_("No questionnaire version %(version)s.") % {"version": version[:10]})
    else:
        # Before the first save, the defaults the editor offers; nothing is stored.
        questionnaire = current_questionnaire(campaign) or Questionnaire(
            campaign=campaign, version=1, **defaults(campaign)
        )
    context = {
        "campaign": campaign,
        "questionnaire": questionnaire,
        "saved": questionnaire.pk is not None,
        "form": form_for(questionnaire),
        "values": {},
        "errors": {},
        "disabled": True,
    }
    return render(request, "surveys/questionnaire_preview.html", context)


@login_required
def progress(request, code):
    access = get_campaign_for_user(request.user, code)
    campaign = access.campaign
    targets = access.targets()
    rows = target_progress(campaign, targets)
    context = {
        "campaign": campaign,
        "rows": rows,
        "batches": batch_progress(campaign, targets),
        "min_responses": rows[0]["min_responses"] if rows else None,
        "totals": {
            key: sum(row[key] for row in rows) for key in ("counted", "excluded", "awaiting_review")
        },
        "sees_all_targets": access.sees_all_targets,
    }
    return render(request, "surveys/progress.html", context)
