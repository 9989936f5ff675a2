from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns.access import get_campaign_for_user
from inspections import access as rules
from inspections.access import (
    get_evidence_for_user,
    get_hearing_for_user,
    get_inspection_for_user,
    get_question_for_user,
    hearings_for,
    inspections_for,
    questions_for,
)
from inspections.actions import (
    do_answer_on_site,
    do_ask_question,
    do_give_verdict,
    do_raise_question_rectification,
    do_record_finding,
    do_record_hearing,
    do_record_inspection,
    do_reply_in_writing,
)
from inspections.forms import (
    AnswerForm,
    FindingForm,
    HearingForm,
    InspectionForm,
    QuestionForm,
    RectifyForm,
    VerdictForm,
)
from inspections.models import QuestionAnswer, QuestionState
from inspections.notice import build_notice, render_docx, render_pdf
from inspections.queries import overdue_questions, question_rectification_item
from pingyi.lib.forms import add_action_errors
from pingyi.lib.uploads import private_download
from pingyi.lib.views import action_errors_as_messages

PAGE_SIZE = 25
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _answers_prefetch():
    return Prefetch(
        "answers",
        queryset=QuestionAnswer.objects.select_related("answered_by", "verdict__evaluator"),
    )


# ---- inspections ----------------------------------------------------------------------------


@login_required
def inspection_list(request, code):
    access = get_campaign_for_user(request.user, code)
    inspections = (
        inspections_for(access).annotate(finding_count=Count("findings")).order_by("-date", "-pk")
    )
    context = {
        "campaign": access.campaign,
        "page": _page(request, inspections),
        "can_record": rules.can_record_inspection(access),
        "sees_all": access.sees_all_targets,
    }
    return render(request, "inspections/inspection_list.html", context)


@login_required
def inspection_create(request, code):
    access = get_campaign_for_user(request.user, code)
    if not rules.can_record_inspection(access):
        raise PermissionDenied(
            _("Only the campaign's inspectors and organizers record inspections.")
        )
    form = InspectionForm(access, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = do_record_inspection(
                access,
                data["target"],
                kind=data["kind"],
                date=data["date"],
                place=data["place"],
                inspectors=data["inspectors"],
                summary=data["summary"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("Inspection recorded."))
            return redirect("inspections:inspection", pk=inspection.pk)
    context = {"campaign": access.campaign, "form": form}
    return render(request, "inspections/inspection_form.html", context)


@login_required
def inspection_detail(request, pk):
    access, inspection = get_inspection_for_user(request.user, pk)
    findings = inspection.findings.select_related(
        "rectification_item", "recorded_by"
    ).prefetch_related("evidence")
    context = {
        "campaign": access.campaign,
        "inspection": inspection,
        "inspectors": inspection.inspectors.all(),
        "findings": findings,
        "can_record": rules.can_record_inspection(access),
    }
    return render(request, "inspections/inspection_detail.html", context)


@login_required
def finding_create(request, pk):
    access, inspection = get_inspection_for_user(request.user, pk)
    if not rules.can_record_inspection(access):
        raise PermissionDenied(_("Only the campaign's inspectors and organizers record findings."))
    form = FindingForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            do_record_finding(
                access,
                inspection,
                description=data["description"],
                severity=data["severity"],
                deadline=data["deadline"],
                evidence=data["evidence"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("Finding issued and put on the rectification ledger."))
            return redirect("inspections:inspection", pk=inspection.pk)
    context = {"campaign": access.campaign, "inspection": inspection, "form": form}
    return render(request, "inspections/finding_form.html", context)


def _notice(request, pk):
    _access, inspection = get_inspection_for_user(request.user, pk)
    notice = build_notice(inspection)
    if notice is None:
        raise Http404(_("This inspection has no findings to notify yet."))
    return inspection, notice


@login_required
def notice_docx(request, pk):
    inspection, notice = _notice(request, pk)
    response = HttpResponse(render_docx(notice), content_type=DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="notice-{inspection.pk}.docx"'
    return response


@login_required
def notice_pdf(request, pk):
    inspection, notice = _notice(request, pk)
    response = HttpResponse(render_pdf(notice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="notice-{inspection.pk}.pdf"'
    return response


@login_required
def evidence_download(request, pk):
    evidence = get_evidence_for_user(request.user, pk)
    return private_download(
        evidence.file,
        filename=f"evidence-{evidence.finding_id}-{evidence.pk}.{evidence.extension}",
        content_type=evidence.content_type,
    )


# ---- hearings -------------------------------------------------------------------------------


@login_required
def hearing_list(request, code):
    access = get_campaign_for_user(request.user, code)
    hearings = hearings_for(access).prefetch_related("targets__unit")
    context = {
        "campaign": access.campaign,
        "page": _page(request, hearings),
        "can_record": rules.can_record_hearing(access),
    }
    return render(request, "inspections/hearing_list.html", context)


@login_required
def hearing_create(request, code):
    access = get_campaign_for_user(request.user, code)
    if not rules.can_record_hearing(access):
        raise PermissionDenied(_("Only the campaign's organizers hold hearings."))
    form = HearingForm(access, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            hearing = do_record_hearing(
                access,
                title=data["title"],
                date=data["date"],
                place=data["place"],
                targets=data["targets"],
                evaluators=data["evaluators"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("Hearing recorded."))
            return redirect("inspections:hearing", pk=hearing.pk)
    context = {"campaign": access.campaign, "form": form}
    return render(request, "inspections/hearing_form.html", context)


@login_required
def hearing_detail(request, pk):
    access, hearing = get_hearing_for_user(request.user, pk)
    questions = questions_for(access).filter(hearing=hearing).prefetch_related(_answers_prefetch())
    context = {
        "campaign": access.campaign,
        "hearing": hearing,
        "targets": hearing.targets.select_related("unit"),
        "evaluators": hearing.evaluators.all(),
        "page": _page(request, questions),
        "today": timezone.localdate(),
        "can_ask": rules.can_record_question(access),
    }
    return render(request, "inspections/hearing_detail.html", context)


@login_required
def question_create(request, pk):
    access, hearing = get_hearing_for_user(request.user, pk)
    if not rules.can_record_question(access):
        raise PermissionDenied(_("You may not record questions here."))
    form = QuestionForm(access, hearing, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            question = do_ask_question(
                access,
                hearing,
                target=data["target"],
                asked_by=data["asked_by"],
                text=data["text"],
                reply_due=data["reply_due"],
                on_site_answer=data.get("on_site_answer", ""),
                acting_user=request.user,
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("Question recorded."))
            return redirect("inspections:question", pk=question.pk)
    context = {"campaign": access.campaign, "hearing": hearing, "form": form}
    return render(request, "inspections/question_form.html", context)


@login_required
def question_detail(request, pk):
    access, question = get_question_for_user(request.user, pk)
    answers = list(
        question.answers.select_related("answered_by", "verdict__evaluator", "verdict__recorded_by")
    )
    state = question.state()
    staff = access.has(*rules.INSPECTION_STAFF)
    item = question_rectification_item(question)
    today = timezone.localdate()
    awaited = question.awaited_reply_due()
    context = {
        "campaign": access.campaign,
        "hearing": question.hearing,
        "question": question,
        "answers": answers,
        "state": state,
        "awaited_reply_due": awaited,
        "overdue": awaited is not None and awaited < today,
        "can_answer_on_site": rules.can_answer_on_site(access) and not answers,
        "can_reply": rules.can_reply_in_writing(access, question.target)
        and state in (QuestionState.AWAITING_ANSWER, QuestionState.UNSATISFIED),
        "can_judge": rules.can_give_verdict(access, question)
        and state == QuestionState.AWAITING_VERDICT,
        "can_rectify": staff and state == QuestionState.UNSATISFIED and item is None,
        "item": item,
        "answer_form": AnswerForm(),
        "verdict_form": VerdictForm(),
        "rectify_form": RectifyForm(initial={"problem": question.text}),
    }
    return render(request, "inspections/question_detail.html", context)


def _question_post(request, pk, form_class, act, success):
    access, question = get_question_for_user(request.user, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    else:
        with action_errors_as_messages(request):
            act(access, question, form.cleaned_data)
            messages.success(request, success)
    return redirect("inspections:question", pk=question.pk)


@login_required
@require_POST
def answer_on_site(request, pk):
    def act(access, question, data):
        do_answer_on_site(access, question, text=data["text"], acting_user=request.user)

    return _question_post(request, pk, AnswerForm, act, _("Answer recorded."))


@login_required
@require_POST
def reply_in_writing(request, pk):
    def act(access, question, data):
        do_reply_in_writing(access, question, text=data["text"], acting_user=request.user)

    return _question_post(request, pk, AnswerForm, act, _("Written reply sent."))


@login_required
@require_POST
def give_verdict(request, pk):
    def act(access, question, data):
        do_give_verdict(
            access,
            question,
            satisfied=data["satisfied"],
            comment=data["comment"],
            reply_due=data["reply_due"],
            acting_user=request.user,
        )

    return _question_post(request, pk, VerdictForm, act, _("Verdict recorded."))


@login_required
@require_POST
def raise_rectification(request, pk):
    def act(access, question, data):
        do_raise_question_rectification(
            access,
            question,
            problem=data["problem"],
            deadline=data["deadline"],
            acting_user=request.user,
        )

    return _question_post(
        request, pk, RectifyForm, act, _("The problem was put on the rectification ledger.")
    )


@login_required
def overdue_list(request, code):
    access = get_campaign_for_user(request.user, code)
    today = timezone.localdate()
    questions = overdue_questions(access, today)
    context = {"campaign": access.campaign, "page": _page(request, questions), "today": today}
    return render(request, "inspections/overdue_list.html", context)
