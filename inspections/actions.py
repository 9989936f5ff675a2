"""Every change to inspections and hearings: permission first, then one audited transaction."""

from collections.abc import Iterable, Sequence
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.record import record_event
from campaigns.access import CampaignAccess
from campaigns.models import Target
from inspections import access as rules
from inspections.models import (
    FOLLOW_UP_WORKING_DAYS,
    AnswerMode,
    AnswerVerdict,
    Finding,
    FindingEvidence,
    Hearing,
    HearingQuestion,
    Inspection,
    InspectionKind,
    QuestionAnswer,
    QuestionState,
    Severity,
)
from inspections.queries import question_rectification_item
from orgs.models import Evaluator, EvaluatorStatus
from pingyi.lib.uploads import FileType, check_upload, stored_name
from pingyi.lib.workdays import add_working_days
from rectification.actions import do_open_rectification_item
from rectification.models import RectificationItem, Source

EVIDENCE_DIR = "inspections/evidence"


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def _same_campaign(access: CampaignAccess, campaign_id: int) -> None:
    _require(campaign_id == access.campaign.pk, _("This belongs to another campaign."))


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


# ---- inspections ----------------------------------------------------------------------------


def do_record_inspection(
    access: CampaignAccess,
    target: Target,
    *,
    kind: str,
    date: date,
    place: str,
    inspectors: Iterable,
    summary: str = "",
    acting_user,
) -> Inspection:
    """Record a covert (暗访) or open (明查) visit after it took place."""
    _require(
        rules.can_record_inspection(access),
        _("Only the campaign's inspectors and organizers record inspections."),
    )
    _same_campaign(access, target.campaign_id)
    if kind not in InspectionKind.values:
        raise ValidationError({"kind": _("Choose covert or open.")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("Record an inspection after the visit, not before it.")})
    place = _text(place, "place", _("Say where the inspection took place."))
    chosen = list(inspectors)
    eligible = set(rules.eligible_inspectors(access.campaign).values_list("pk", flat=True))
    if not chosen:
        raise ValidationError({"inspectors": _("Name at least one inspector.")})
    if any(user.pk not in eligible for user in chosen):
        raise ValidationError(
            {"inspectors": _("Inspectors must be inspectors or organizers of this campaign.")}
        )
    with transaction.atomic():
        inspection = Inspection.objects.create(
            target=target,
            kind=kind,
            date=date,
            place=place,
            summary=(summary or "").strip(),
            recorded_by=acting_user,
            recorded_at=timezone.now(),
        )
        inspection.inspectors.set(chosen)
        record_event(
            "inspection.recorded",
            inspection,
            acting_user=acting_user,
            data={
                "campaign": access.campaign.code,
                "target": target.unit.code,
                "kind": kind,
                "date": date,
                "place": place,
                "inspectors": sorted(u.username for u in chosen),
            },
        )
    return inspection


def do_record_finding(
    access: CampaignAccess,
    inspection: Inspection,
    *,
    description: str,
    severity: str,
    deadline: date,
    evidence: Sequence = (),
    acting_user,
) -> Finding:
    """Issue a finding to the target and put it on the ledger with its deadline (限期整改)."""
    _require(
        rules.can_record_inspection(access),
        _("Only the campaign's inspectors and organizers record findings."),
    )
    _same_campaign(access, inspection.target.campaign_id)
    description = _text(description, "description", _("Describe the problem found."))
    if severity not in Severity.values:
        raise ValidationError({"severity": _("Choose a severity.")})
    if deadline is None:
        raise ValidationError({"deadline": _("Set a rectification deadline.")})
    if deadline < inspection.date:
        raise ValidationError({"deadline": _("The deadline cannot be before the inspection date.")})
    files = [(upload, check_upload(upload)) for upload in evidence]
    saved: list[str] = []
    try:
        with transaction.atomic():
            finding = Finding.objects.create(
                inspection=inspection,
                description=description,
                severity=severity,
                deadline=deadline,
                recorded_by=acting_user,
                recorded_at=timezone.now(),
            )
            item = do_open_rectification_item(
                access,
                inspection.target,
                source=Source.FINDING,
                source_ref=f"inspections.finding:{finding.pk}",
                problem=description,
                deadline=deadline,
                acting_user=acting_user,
            )
            # The ledger item names the finding, so the link is filled in once both exist.
            if Finding.objects.filter(pk=finding.pk).fill_in(rectification_item=item) != 1:
                raise RuntimeError("the finding was linked to a ledger item twice")
            finding.rectification_item = item
            stored = [
                _store_evidence(finding, upload, file_type, saved, acting_user)
                for upload, file_type in files
            ]
            record_event(
                "inspection.finding_recorded",
                finding,
                acting_user=acting_user,
                data={
                    "inspection": inspection.pk,
                    "target": inspection.target.unit.code,
                    "severity": severity,
                    "description": description,
                    "deadline": deadline,
                    "rectification_item": item.pk,
                    "evidence": [e.file.name for e in stored],
                },
            )
    except BaseException:
        for name in saved:  # the rows are gone; do not leave their files behind
            default_storage.delete(name)
        raise
    return finding


def _store_evidence(
    finding: Finding, upload, file_type: FileType, saved: list[str], acting_user
) -> FindingEvidence:
    upload.seek(0)
    name = default_storage.save(stored_name(EVIDENCE_DIR, file_type), upload)
    saved.append(name)
    return FindingEvidence.objects.create(
        finding=finding,
        file=name,
        extension=file_type.extension,
        content_type=file_type.content_type,
        size=upload.size,
        uploaded_by=acting_user,
        uploaded_at=timezone.now(),
    )


# ---- hearings -------------------------------------------------------------------------------


def do_record_hearing(
    access: CampaignAccess,
    *,
    title: str,
    date: date,
    place: str,
    targets: Iterable[Target],
    evaluators: Iterable[Evaluator],
    acting_user,
) -> Hearing:
    """A face-to-face hearing with the targets attending and the evaluators present."""
    _require(rules.can_record_hearing(access), _("Only the campaign's organizers hold hearings."))
    title = _text(title, "title", _("Give the hearing a title."))
    place = _text(place, "place", _("Say where the hearing is held."))
    targets, evaluators = list(targets), list(evaluators)
    if not targets:
        raise ValidationError({"targets": _("Choose at least one target attending.")})
    if any(t.campaign_id != access.campaign.pk for t in targets):
        raise ValidationError({"targets": _("Every target must belong to this campaign.")})
    _check_evaluators(access, evaluators, date)
    with transaction.atomic():
        hearing = Hearing.objects.create(
            campaign=access.campaign,
            title=title,
            date=date,
            place=place,
            recorded_by=acting_user,
            recorded_at=timezone.now(),
        )
        hearing.targets.set(targets)
        hearing.evaluators.set(evaluators)
        record_event(
            "hearing.recorded",
            hearing,
            acting_user=acting_user,
            data={
                "campaign": access.campaign.code,
                "title": title,
                "date": date,
                "place": place,
                "targets": sorted(t.unit.code for t in targets),
                "evaluators": sorted(e.pk for e in evaluators),
            },
        )
    return hearing


def _check_evaluators(access: CampaignAccess, evaluators: list[Evaluator], day: date) -> None:
    if not evaluators:
        raise ValidationError({"evaluators": _("Choose at least one evaluator present.")})
    roster = set(rules.eligible_evaluators(access.campaign).values_list("pk", flat=True))
    errors = []
    for evaluator in evaluators:
        if evaluator.pk not in roster:
            errors.append(
                _("%(name)s is not on the campaign's evaluator roster.") % {"name": evaluator.name}
            )
        elif evaluator.status == EvaluatorStatus.DISQUALIFIED:
            errors.append(
                _("%(name)s has been disqualified and may not take part (已取消评议资格).")
                % {"name": evaluator.name}
            )
        elif not evaluator.serves_on(day):
            errors.append(
                _("%(name)s does not serve as an evaluator on %(day)s.")
                % {"name": evaluator.name, "day": day.isoformat()}
            )
    if errors:
        raise ValidationError({"evaluators": errors})


def do_ask_question(
    access: CampaignAccess,
    hearing: Hearing,
    *,
    target: Target,
    asked_by: Evaluator,
    text: str,
    reply_due: date | None = None,
    on_site_answer: str = "",
    acting_user,
) -> HearingQuestion:
    """现场质询: record a question; answered on site, or a written reply due by a date."""
    _same_campaign(access, hearing.campaign_id)
    _require(rules.can_record_question(access), _("You may not record questions here."))
    if not access.has(*rules.INSPECTION_STAFF):
        _require(
            asked_by in rules.own_evaluator_entries(access),
            _("You may only record your own questions."),
        )
    on_site_answer = (on_site_answer or "").strip()
    if on_site_answer:
        _require(
            rules.can_answer_on_site(access),
            _("Only the organizing staff record answers given on site."),
        )
    if hearing.date > timezone.localdate():
        raise ValidationError(_("Questions are recorded once the hearing has taken place."))
    if not hearing.targets.filter(pk=target.pk).exists():
        raise ValidationError({"target": _("This unit did not attend the hearing.")})
    if not hearing.evaluators.filter(pk=asked_by.pk).exists():
        raise ValidationError({"asked_by": _("This evaluator was not present at the hearing.")})
    _require(rules.may_ask(asked_by, hearing), _not_serving(asked_by))
    text = _text(text, "text", _("Write down the question."))
    if on_site_answer:
        reply_due = None
    elif reply_due is None:
        raise ValidationError(
            {"reply_due": _("A question not answered on site needs a date for the written reply.")}
        )
    elif reply_due < hearing.date:
        raise ValidationError(
            {"reply_due": _("The written reply cannot be due before the hearing.")}
        )
    with transaction.atomic():
        # Checked again on the locked row: a disqualification cannot land in between.
        _require(rules.may_ask(_fresh(asked_by, lock=True), hearing), _not_serving(asked_by))
        question = HearingQuestion.objects.create(
            hearing=hearing,
            target=target,
            asked_by=asked_by,
            text=text,
            asked_at=timezone.now(),
            reply_due=reply_due,
            recorded_by=acting_user,
        )
        record_event(
            "hearing.question_asked",
            question,
            acting_user=acting_user,
            data={
                "hearing": hearing.pk,
                "target": target.unit.code,
                "asked_by": asked_by.pk,
                "text": text,
                "reply_due": reply_due,
            },
        )
        if on_site_answer:
            _add_answer(question, AnswerMode.ON_SITE, on_site_answer, acting_user)
    return question


def do_answer_on_site(
    access: CampaignAccess, question: HearingQuestion, *, text: str, acting_user
) -> QuestionAnswer:
    """Staff enter the answer the unit's leader gave at the meeting."""
    _same_campaign(access, question.hearing.campaign_id)
    _require(
        rules.can_answer_on_site(access),
        _("Only the organizing staff record answers given on site."),
    )
    text = _text(text, "text", _("Write down the answer."))
    with transaction.atomic():
        question = _locked(question)
        if question.answers.exists():
            raise ValidationError(_("This question already has an answer."))
        return _add_answer(question, AnswerMode.ON_SITE, text, acting_user)


def do_reply_in_writing(
    access: CampaignAccess, question: HearingQuestion, *, text: str, acting_user
) -> QuestionAnswer:
    """限时书面答复: the unit's liaison replies; again after an unsatisfactory verdict."""
    _same_campaign(access, question.hearing.campaign_id)
    _require(
        rules.can_reply_in_writing(access, question.target),
        _("Only the questioned unit's liaison replies in writing."),
    )
    text = _text(text, "text", _("Write the reply."))
    with transaction.atomic():
        question = _locked(question)
        state = question.state()
        if state == QuestionState.AWAITING_VERDICT:
            raise ValidationError(
                _("The last answer is still waiting for the evaluator's verdict.")
            )
        if state == QuestionState.SATISFIED:
            raise ValidationError(_("The evaluator is already satisfied with the answer."))
        return _add_answer(question, AnswerMode.WRITTEN, text, acting_user)


def _locked(question: HearingQuestion) -> HearingQuestion:
    """The question row locked, so two answers or two verdicts cannot cross.

    `of=("self",)`: on PostgreSQL a plain FOR UPDATE would also lock the joined
    hearing, target, unit and evaluator rows and hold up unrelated work on them.
    """
    return (
        HearingQuestion.objects.select_for_update(of=("self",))
        .select_related("hearing", "target__unit", "asked_by")
        .get(pk=question.pk)
    )


def _fresh(evaluator: Evaluator, *, lock: bool = False) -> Evaluator:
    """The roster entry as it stands now (status and term may have changed since it was read)."""
    rows = Evaluator.objects.select_for_update() if lock else Evaluator.objects
    return rows.get(pk=evaluator.pk)


def _not_serving(evaluator: Evaluator) -> str:
    return _(
        "%(name)s no longer serves as an evaluator (disqualified or out of term) "
        "and may not ask questions or judge answers."
    ) % {"name": evaluator.name}


def _add_answer(question: HearingQuestion, mode: str, text: str, acting_user) -> QuestionAnswer:
    answer = QuestionAnswer.objects.create(
        question=question,
        mode=mode,
        text=text,
        answered_by=acting_user,
        answered_at=timezone.now(),
    )
    record_event(
        "hearing.answer_recorded",
        answer,
        acting_user=acting_user,
        data={"question": question.pk, "mode": mode, "text": text},
    )
    return answer


def do_give_verdict(
    access: CampaignAccess,
    question: HearingQuestion,
    *,
    satisfied: bool,
    comment: str = "",
    reply_due: date | None = None,
    acting_user,
) -> AnswerVerdict:
    """The evaluator who asked says whether the newest answer is satisfactory.

    An unsatisfactory verdict asks the unit for a further written reply by
    `reply_due` (by default FOLLOW_UP_WORKING_DAYS working days from today);
    the question falls overdue if none comes by then.
    """
    _same_campaign(access, question.hearing.campaign_id)
    today = timezone.localdate()
    if not question.asked_by.serves_on(today):
        raise PermissionDenied(_not_serving(question.asked_by))
    _require(
        rules.can_give_verdict(access, question, today),
        _("Only the evaluator who asked the question judges the answer."),
    )
    comment = (comment or "").strip()
    if satisfied:
        reply_due = None  # nothing further is awaited
    else:
        if not comment:
            raise ValidationError({"comment": _("Say what is unsatisfactory about the answer.")})
        if reply_due is None:
            reply_due = add_working_days(today, FOLLOW_UP_WORKING_DAYS)
        elif reply_due < today:
            raise ValidationError({"reply_due": _("The further reply cannot be due before today.")})
    with transaction.atomic():
        question = _locked(question)
        # Checked again on the locked row: a disqualification cannot land in between.
        asker = _fresh(question.asked_by, lock=True)
        _require(asker.serves_on(today), _not_serving(asker))
        answer = question.newest_answer()
        if answer is None:
            raise ValidationError(_("There is no answer to judge yet."))
        if answer.verdict_or_none() is not None:
            raise ValidationError(_("This answer has already been judged."))
        verdict = AnswerVerdict.objects.create(
            answer=answer,
            satisfied=satisfied,
            comment=comment,
            reply_due=reply_due,
            evaluator=asker,
            recorded_by=acting_user,
            recorded_at=timezone.now(),
        )
        record_event(
            "hearing.verdict_given",
            verdict,
            acting_user=acting_user,
            data={
                "question": question.pk,
                "answer": answer.pk,
                "satisfied": satisfied,
                "comment": comment,
                "reply_due": reply_due,
                "evaluator": asker.pk,
            },
        )
    return verdict


def do_raise_question_rectification(
    access: CampaignAccess,
    question: HearingQuestion,
    *,
    problem: str,
    deadline: date,
    acting_user,
) -> RectificationItem:
    """An unsatisfactory answer puts the problem on the target's ledger (限期整改)."""
    _same_campaign(access, question.hearing.campaign_id)
    _require(
        rules.can_raise_rectification(access),
        _("Only the campaign's inspectors and organizers open rectification items."),
    )
    if deadline is None or deadline < timezone.localdate():
        raise ValidationError({"deadline": _("Set a deadline that is not in the past.")})
    with transaction.atomic():
        question = _locked(question)
        if question.state() != QuestionState.UNSATISFIED:
            raise ValidationError(
                _("Only a question whose answer was judged unsatisfactory goes on the ledger.")
            )
        if question_rectification_item(question) is not None:
            raise ValidationError(_("This question is already on the rectification ledger."))
        return do_open_rectification_item(
            access,
            question.target,
            source=Source.HEARING_QUESTION,
            source_ref=question.source_ref,
            problem=problem or question.text,
            deadline=deadline,
            acting_user=acting_user,
        )
