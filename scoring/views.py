"""Tally pages: runs and progress, violations and deductions, one run (sealed until signed),
its downloads, and the public results page. Every change is a POST calling one action."""

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns.access import CampaignAccess
from pingyi.lib.views import action_errors_as_messages
from scoring import access as scoring_access
from scoring.actions import (
    do_decide_deduction,
    do_decide_outcomes,
    do_publish_tally_run,
    do_record_deduction,
    do_record_violation,
    do_sign_tally_run,
    do_start_tally_run,
    do_withdraw_violation,
    tally_open,
)
from scoring.aggregate import response_counts
from scoring.exports import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    component_heading,
    flag_label,
    results_csv,
    results_xlsx,
    run_sheet,
)
from scoring.forms import (
    DecisionForm,
    DeductionForm,
    OutcomeForm,
    SignForm,
    ViolationForm,
    WithdrawalForm,
)
from scoring.models import Deduction, OutcomeKind, SignerRole, TallyRun, Violation
from scoring.queries import compare_runs, outcome_decisions, outcome_suggestions, resolved_scheme
from scoring.schemes import parse_scheme


def _targets(access: CampaignAccess):
    return list(access.campaign.targets.select_related("unit").order_by("group", "unit__code"))


def _leaves(campaign):
    return parse_scheme(resolved_scheme(campaign.scheme)).leaves()


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


# -- the campaign's tally page ---------------------------------------------------------------


@login_required
def overview(request, code):
    access = scoring_access.get_tally_access(request.user, code)
    campaign = access.campaign
    targets = _targets(access)
    counts = response_counts(campaign)
    may_manage = scoring_access.can_manage_tally(access)
    deductions = list(
        Deduction.objects.filter(target__campaign=campaign)
        .select_related("target__unit", "recorded_by", "decision__decided_by")
        .order_by("-id")
    )
    leaves = _leaves(campaign)
    labels = {leaf.key: leaf.label for leaf in leaves}
    for deduction in deductions:
        deduction.component_label = labels.get(deduction.component, deduction.component)
        deduction.decided = _decision(deduction)
        deduction.may_decide = (
            may_manage and deduction.decided is None and deduction.recorded_by_id != request.user.pk
        )
    context = {
        "access": access,
        "campaign": campaign,
        "runs": campaign.tally_runs.prefetch_related("signatures__user").order_by("-number"),
        "can_start": may_manage and tally_open(campaign),
        "progress": [(t, counts.get(t.unit.code, 0)) for t in targets],
        "total_responses": sum(counts.values()),
        "violations": Violation.objects.filter(target__campaign=campaign)
        .select_related("target__unit", "decided_by", "withdrawal__decided_by")
        .order_by("-id"),
        "may_manage": may_manage,
        "violation_form": ViolationForm(targets=targets, auto_id="violation-%s")
        if may_manage
        else None,
        "withdrawal_form": WithdrawalForm(),
        "deductions": deductions,
        "deduction_form": DeductionForm(targets=targets, leaves=leaves, auto_id="deduction-%s")
        if scoring_access.can_record_deduction(access)
        else None,
    }
    return render(request, "scoring/overview.html", context)


def _decision(deduction: Deduction):
    try:
        return deduction.decision
    except Deduction.decision.RelatedObjectDoesNotExist:
        return None


def _back(access: CampaignAccess):
    return redirect("scoring:overview", code=access.campaign.code)


@login_required
@require_POST
def start_run(request, code):
    access = scoring_access.get_tally_access(request.user, code)
    with action_errors_as_messages(request):
        run = do_start_tally_run(access.campaign, acting_user=request.user)
        messages.success(request, _("Tally run #%(number)s started.") % {"number": run.number})
        return redirect("scoring:run", code=code, number=run.number)
    return _back(access)


@login_required
@require_POST
def record_violation(request, code):
    access = scoring_access.get_tally_access(request.user, code)
    targets = _targets(access)
    form = ViolationForm(request.POST, targets=targets)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(access)
    target = next(t for t in targets if t.unit.code == form.cleaned_data["target"])
    with action_errors_as_messages(request):
        do_record_violation(
            target,
            form.cleaned_data["rule"],
            form.cleaned_data["evidence"],
            acting_user=request.user,
        )
        messages.success(request, _("The violation is recorded."))
    return _back(access)


@login_required
@require_POST
def withdraw_violation(request, code, pk):
    access = scoring_access.get_tally_access(request.user, code)
    violation = get_object_or_404(
        Violation.objects.select_related("target__unit", "target__campaign"),
        pk=pk,
        target__campaign=access.campaign,
    )
    form = WithdrawalForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(access)
    with action_errors_as_messages(request):
        do_withdraw_violation(violation, form.cleaned_data["reason"], acting_user=request.user)
        messages.success(request, _("The violation is withdrawn."))
    return _back(access)


@login_required
@require_POST
def record_deduction(request, code):
    access = scoring_access.get_tally_access(request.user, code)
    targets = _targets(access)
    form = DeductionForm(request.POST, targets=targets, leaves=_leaves(access.campaign))
    if not form.is_valid():
        _form_errors(request, form)
        return _back(access)
    data = form.cleaned_data
    target = next(t for t in targets if t.unit.code == data["target"])
    with action_errors_as_messages(request):
        do_record_deduction(
            target, data["component"], data["points"], data["reason"], acting_user=request.user
        )
        messages.success(request, _("The deduction is recorded; another organizer decides it."))
    return _back(access)


def _decide_deduction(request, code, pk, *, approved: bool):
    access = scoring_access.get_tally_access(request.user, code)
    deduction = get_object_or_404(
        Deduction.objects.select_related("target__unit", "target__campaign"),
        pk=pk,
        target__campaign=access.campaign,
    )
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("comment", []):
            messages.error(request, error)
        return _back(access)
    with action_errors_as_messages(request):
        do_decide_deduction(
            deduction,
            approved=approved,
            comment=form.cleaned_data["comment"],
            acting_user=request.user,
        )
        messages.success(
            request,
            _("The deduction is approved.") if approved else _("The deduction is rejected."),
        )
    return _back(access)


@login_required
@require_POST
def approve_deduction(request, code, pk):
    return _decide_deduction(request, code, pk, approved=True)


@login_required
@require_POST
def reject_deduction(request, code, pk):
    return _decide_deduction(request, code, pk, approved=False)


OUTCOMES_PER_PAGE = 50


# -- one run -----------------------------------------------------------------------------------


@login_required
def run_detail(request, code, number):
    access, run = scoring_access.get_run_for_user(request.user, code, number)
    readable = scoring_access.can_read_scores(access, run)
    signatures = list(run.signatures.select_related("user"))
    context = {
        "access": access,
        "campaign": access.campaign,
        "run": run,
        "signatures": signatures,
        "sign_roles": _sign_roles(access, run, signatures),
        "readable": readable,
        "progress": _run_progress(access, run),
        "can_publish": scoring_access.can_publish(access)
        and run.is_signed
        and not run.is_published,
        **_changes(access, run, readable),
    }
    if readable:
        context.update(_scores(access, run, request.GET.get("page")))
    return render(request, "scoring/run.html", context)


def _sign_roles(access, run: TallyRun, signatures) -> list[tuple[str, str]]:
    if run.is_signed or any(s.user_id == access.user.pk for s in signatures):
        return []
    signed = {s.role for s in signatures}
    labels = dict(SignerRole.choices)
    return [(r, labels[r]) for r in scoring_access.signer_roles(access) if r not in signed]


def _run_progress(access, run: TallyRun) -> list[tuple]:
    return [(t, run.counts.get(t.unit.code)) for t in _targets(access)]


def _changes(access, run: TallyRun, readable: bool) -> dict:
    previous = access.campaign.tally_runs.filter(number__lt=run.number).order_by("-number").first()
    if previous is None:
        return {"previous": None, "changes": []}
    with_scores = readable and scoring_access.can_read_scores(access, previous)
    return {
        "previous": previous,
        "changes": compare_runs(previous, run, with_scores=with_scores),
        "changes_with_scores": with_scores,
    }


def _scores(access, run: TallyRun, page_number) -> dict:
    sheet = run_sheet(run)
    components = sheet.scheme.all_components()
    rows = [
        (r, [r.components.get(c.key) for c in components], [flag_label(f) for f in r.flags])
        for r in sheet.results
    ]
    context = {
        "headings": [(component_heading(c), c.is_leaf) for c in components],
        "score_rows": rows,
        "outcomes": [],
    }
    if run.is_signed:
        # One form per target: paged, so a campaign of thousands stays a light page.
        page = Paginator(sheet.results, OUTCOMES_PER_PAGE).get_page(page_number)
        context["outcomes"] = _outcomes(access, run, page.object_list)
        context["page"] = page
    return context


def _outcomes(access, run: TallyRun, results) -> list[dict]:
    suggestions = outcome_suggestions(run)
    decisions = outcome_decisions(run)
    labels = dict(OutcomeKind.choices)
    may_decide = scoring_access.can_manage_tally(access)
    rows = []
    for result in results:
        suggested = suggestions.get(result.target, [])
        decision = decisions.get(result.target)
        chosen = decision.outcomes if decision else [o.kind for o in suggested]
        rows.append(
            {
                "result": result,
                "suggested": [(labels.get(o.kind, o.kind), o.reason) for o in suggested],
                "decision": decision,
                "decided": [labels.get(k, k) for k in decision.outcomes] if decision else [],
                "form": OutcomeForm(
                    initial={"outcomes": chosen, "note": decision.note if decision else ""},
                    auto_id=f"outcome-{result.target}-%s",
                )
                if may_decide
                else None,
            }
        )
    return rows


def _back_to_run(run: TallyRun):
    return redirect("scoring:run", code=run.campaign.code, number=run.number)


@login_required
@require_POST
def sign_run(request, code, number):
    _access, run = scoring_access.get_run_for_user(request.user, code, number)
    form = SignForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back_to_run(run)
    with action_errors_as_messages(request):
        do_sign_tally_run(run, form.cleaned_data["role"], acting_user=request.user)
        messages.success(request, _("Signed."))
    return _back_to_run(run)


@login_required
@require_POST
def publish_run(request, code, number):
    _access, run = scoring_access.get_run_for_user(request.user, code, number)
    with action_errors_as_messages(request):
        do_publish_tally_run(run, acting_user=request.user)
        messages.success(request, _("The results are published."))
    return _back_to_run(run)


@login_required
@require_POST
def decide_outcomes(request, code, number, unit):
    access, run = scoring_access.get_run_for_user(request.user, code, number)
    target = get_object_or_404(
        access.campaign.targets.select_related("unit", "campaign"), unit__code=unit
    )
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back_to_run(run)
    with action_errors_as_messages(request):
        do_decide_outcomes(
            run,
            target,
            form.cleaned_data["outcomes"],
            form.cleaned_data["note"],
            acting_user=request.user,
        )
        messages.success(
            request, _("Outcomes for %(unit)s are decided.") % {"unit": target.unit.name}
        )
    return _back_to_run(run)


def _readable_run(request, code, number) -> TallyRun:
    access, run = scoring_access.get_run_for_user(request.user, code, number)
    if not scoring_access.can_read_scores(access, run):
        raise PermissionDenied(_("The scores of this run are sealed until both signatures."))
    return run


@login_required
def run_xlsx(request, code, number):
    run = _readable_run(request, code, number)
    return _download(results_xlsx(run_sheet(run)), XLSX_CONTENT_TYPE, f"{code}-run{number}.xlsx")


@login_required
def run_csv(request, code, number):
    run = _readable_run(request, code, number)
    return _download(results_csv(run_sheet(run)), CSV_CONTENT_TYPE, f"{code}-run{number}.csv")


def _download(content, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# -- the public results page -----------------------------------------------------------------


def public_results(request, code):
    campaign, run = scoring_access.get_published_campaign(code)
    sheet = run_sheet(run)
    groups = [
        (group, [(r, [flag_label(f) for f in r.flags]) for r in members])
        for group, members in groupby(sheet.results, key=lambda r: r.group)
    ]
    context = {"campaign": campaign, "run": run, "groups": groups, "digest": run.digest}
    return render(request, "scoring/public_results.html", context)


def public_results_csv(request, code):
    _campaign, run = scoring_access.get_published_campaign(code)
    return _download(results_csv(run_sheet(run)), CSV_CONTENT_TYPE, f"{code}-results.csv")
