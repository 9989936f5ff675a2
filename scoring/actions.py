"""Every change to scoring data: tally runs, signatures, publication, violations,
deductions, assessor scores and outcome decisions; atomic and audited.

Audit events of a run carry its digest and counts, never scores: the log is
readable by administrators, and scores are sealed until both signatures.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.record import record_event
from campaigns.access import CampaignAccess
from campaigns.models import Campaign, PhaseKind, Target
from orgs.models import Prohibition
from scoring import access as scoring_access
from scoring.aggregate import collect
from scoring.engine import tally
from scoring.models import (
    AssessorScore,
    Deduction,
    DeductionDecision,
    OutcomeDecision,
    OutcomeKind,
    TallyResult,
    TallyRun,
    TallySignature,
    Violation,
    ViolationWithdrawal,
)
from scoring.queries import resolved_scheme
from scoring.schemes import SchemeError, parse_scheme

MAX_TEXT = 2000


def _deny_unless(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _require_text(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > MAX_TEXT:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": MAX_TEXT}})
    return value


def tally_open(campaign: Campaign, today=None) -> bool:
    """A tally runs from the first day of the evaluate phase on."""
    today = today or timezone.localdate()
    evaluate = campaign.phases.filter(kind=PhaseKind.EVALUATE).first()
    return evaluate is not None and evaluate.start <= today


def do_start_tally_run(campaign: Campaign, *, acting_user) -> TallyRun:
    """Compute every target's result and seal it in a new run."""
    access = CampaignAccess(acting_user, campaign)
    _deny_unless(
        scoring_access.can_manage_tally(access), _("Only an organizer of the campaign tallies.")
    )
    if not tally_open(campaign):
        raise ValidationError(_("The tally opens with the evaluate phase."))
    with transaction.atomic():
        # Two organizers starting at once get numbers 1 and 2.
        _lock(campaign)
        scheme_data = resolved_scheme(campaign.scheme)
        try:
            scheme = parse_scheme(scheme_data)
        except SchemeError as exc:  # stored before schemes were checked, or changed by hand
            raise ValidationError(exc.errors) from exc
        collected = collect(campaign, scheme, scheme_data)
        try:
            results = tally(scheme, collected.inputs)
        except ValueError as exc:  # data the importers would have refused under this scheme
            raise ValidationError(
                _("The data do not fit the campaign's scheme: %(error)s") % {"error": exc}
            ) from exc
        last = campaign.tally_runs.aggregate(n=Max("number"))["n"] or 0
        run = TallyRun.objects.create(
            campaign=campaign,
            number=last + 1,
            scheme=scheme_data,
            digest=collected.digest,
            counts={item.target: item.responses for item in collected.inputs},
            last_response_id=campaign.responses.aggregate(n=Max("pk"))["n"],
            started_by=acting_user,
            started_at=timezone.now(),
        )
        _store_results(run, results, collected.votes)
        record_event(
            "scoring.tally_started",
            run,
            acting_user=acting_user,
            data={
                "campaign": campaign.code,
                "number": run.number,
                "digest": run.digest,
                "responses": sum(run.counts.values()),
            },
        )
    return run


def _lock(campaign: Campaign) -> None:
    """Serialise the campaign's tally work with imports and with each other.

    Imports, starts, signatures, publication and the decisions that change a
    tally's inputs take this lock, so a digest checked under it still holds
    when the transaction commits.
    """
    Campaign.objects.select_for_update().filter(pk=campaign.pk).first()


def _current_digest(campaign: Campaign) -> str:
    scheme_data = resolved_scheme(campaign.scheme)
    return collect(campaign, parse_scheme(scheme_data), scheme_data).digest


def _store_results(run: TallyRun, results, votes: dict) -> None:
    targets = {t.unit.code: t for t in run.campaign.targets.select_related("unit")}
    TallyResult.objects.bulk_create(
        TallyResult(
            run=run,
            target=targets[r.target],
            group=r.group,
            responses=r.responses,
            valid_votes=r.valid_votes,
            votes=votes.get(r.target, {}),
            components={k: None if v is None else str(v) for k, v in r.components.items()},
            total=r.total,
            grade=r.grade or "",
            rank=r.rank,
            flags=list(r.flags),
        )
        for r in results
    )


def do_sign_tally_run(run: TallyRun, role: str, *, acting_user) -> TallySignature:
    """One of the two signatures; the second freezes the run with the audit head."""
    access = CampaignAccess(acting_user, run.campaign)
    _deny_unless(
        role in scoring_access.signer_roles(access),
        _("Only the campaign's organizer and tallier sign, each in their own role."),
    )
    with transaction.atomic():
        _lock(run.campaign)
        run = TallyRun.objects.select_for_update().get(pk=run.pk)
        _check_signable(run, acting_user, role)
        try:
            with transaction.atomic():
                signature = TallySignature.objects.create(
                    run=run, role=role, user=acting_user, signed_at=timezone.now()
                )
        except IntegrityError:  # a simultaneous signature in the same role landed first
            raise ValidationError(_("This run already carries that signature.")) from None
        complete = run.signatures.count() == 2
        event = record_event(
            "scoring.tally_signed",
            run,
            acting_user=acting_user,
            data={"number": run.number, "role": role, "digest": run.digest, "complete": complete},
        )
        if complete:
            # The signing event covers every event before it: its place and hash are the head.
            TallyRun.objects.filter(pk=run.pk).fill_in(
                signed_at=signature.signed_at, chain_seq=event.seq, chain_hash=event.hash
            )
    return signature


def _check_signable(run: TallyRun, user, role: str) -> None:
    if run.is_signed:
        raise ValidationError(_("This run is already signed."))
    if run.campaign.tally_runs.filter(number__gt=run.number).exists():
        raise ValidationError(_("A newer run exists; sign that one."))
    signatures = run.signatures.all()
    if any(s.role == role for s in signatures):
        raise ValidationError(_("This run already carries that signature."))
    if any(s.user_id == user.pk for s in signatures):
        raise ValidationError(_("The two signatures must come from two people."))
    if _current_digest(run.campaign) != run.digest:
        raise ValidationError(
            _("The data changed after this run started; start a new run and sign that.")
        )


def do_publish_tally_run(run: TallyRun, *, acting_user) -> TallyRun:
    access = CampaignAccess(acting_user, run.campaign)
    _deny_unless(scoring_access.can_publish(access), _("A leader approves publication."))
    with transaction.atomic():
        _lock(run.campaign)
        run = TallyRun.objects.select_for_update().get(pk=run.pk)
        if not run.is_signed:
            raise ValidationError(_("Only a run signed by both signers can be published."))
        if run.is_published:
            raise ValidationError(_("This run is already published."))
        if run.campaign.tally_runs.filter(number__gt=run.number, signed_at__isnull=False).exists():
            raise ValidationError(_("A newer signed run exists; publish that one."))
        if _current_digest(run.campaign) != run.digest:
            raise ValidationError(
                _("The data changed after this run was signed; tally again, sign and publish that.")
            )
        now = timezone.now()
        TallyRun.objects.filter(pk=run.pk).fill_in(published_at=now, published_by=acting_user)
        record_event(
            "scoring.tally_published",
            run,
            acting_user=acting_user,
            data={"number": run.number, "digest": run.digest},
        )
    run.refresh_from_db()
    return run


def do_record_violation(target: Target, rule: str, evidence: str, *, acting_user) -> Violation:
    access = CampaignAccess(acting_user, target.campaign)
    _deny_unless(
        scoring_access.can_manage_tally(access), _("Only an organizer records violations.")
    )
    if rule not in Prohibition.values:
        raise ValidationError({"rule": _("Choose one of the eight prohibitions.")})
    evidence = _require_text(evidence, "evidence")
    with transaction.atomic():
        _lock(target.campaign)
        violation = Violation.objects.create(
            target=target,
            rule=rule,
            evidence=evidence,
            decided_by=acting_user,
            decided_at=timezone.now(),
        )
        record_event(
            "scoring.violation_recorded",
            violation,
            acting_user=acting_user,
            data={"target": target.unit.code, "rule": rule, "evidence": evidence},
        )
    return violation


def do_withdraw_violation(violation: Violation, reason: str, *, acting_user) -> ViolationWithdrawal:
    access = CampaignAccess(acting_user, violation.target.campaign)
    _deny_unless(
        scoring_access.can_manage_tally(access), _("Only an organizer withdraws violations.")
    )
    reason = _require_text(reason, "reason")
    with transaction.atomic():
        _lock(violation.target.campaign)
        try:
            with transaction.atomic():
                withdrawal = ViolationWithdrawal.objects.create(
                    violation=violation,
                    reason=reason,
                    decided_by=acting_user,
                    decided_at=timezone.now(),
                )
        except IntegrityError:
            raise ValidationError(_("This violation is already withdrawn.")) from None
        record_event(
            "scoring.violation_withdrawn",
            violation,
            acting_user=acting_user,
            data={"target": violation.target.unit.code, "reason": reason},
        )
    return withdrawal


def _points(value, field: str) -> Decimal:
    try:
        points = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not points.is_finite() or points.as_tuple().exponent < -2:
        raise ValidationError({field: _("Enter a number with at most two decimals.")})
    return points


def _leaf_keys(campaign: Campaign, *, source: str | None = None) -> list[str]:
    scheme = parse_scheme(campaign.scheme)
    return [leaf.key for leaf in scheme.leaves() if source is None or leaf.source == source]


def do_record_deduction(
    target: Target, component: str, points, reason: str, *, acting_user
) -> Deduction:
    access = CampaignAccess(acting_user, target.campaign)
    _deny_unless(
        scoring_access.can_record_deduction(access),
        _("Only an organizer or inspector records deductions."),
    )
    keys = _leaf_keys(target.campaign)
    if component not in keys:
        raise ValidationError(
            {"component": _("Choose one of %(keys)s.") % {"keys": ", ".join(keys)}}
        )
    points = _points(points, "points")
    if not Decimal(0) < points <= 100:
        raise ValidationError({"points": _("Points must be above 0 and at most 100.")})
    reason = _require_text(reason, "reason")
    with transaction.atomic():
        deduction = Deduction.objects.create(
            target=target,
            component=component,
            points=points,
            reason=reason,
            recorded_by=acting_user,
            recorded_at=timezone.now(),
        )
        record_event(
            "scoring.deduction_recorded",
            deduction,
            acting_user=acting_user,
            data={"target": target.unit.code, "component": component, "points": points},
        )
    return deduction


def do_decide_deduction(
    deduction: Deduction, *, approved: bool, comment: str = "", acting_user
) -> DeductionDecision:
    access = CampaignAccess(acting_user, deduction.target.campaign)
    _deny_unless(
        scoring_access.can_manage_tally(access), _("Only an organizer decides deductions.")
    )
    if deduction.recorded_by_id == acting_user.pk:
        raise PermissionDenied(_("Someone other than the recorder decides a deduction."))
    with transaction.atomic():
        _lock(deduction.target.campaign)
        try:
            with transaction.atomic():
                decision = DeductionDecision.objects.create(
                    deduction=deduction,
                    approved=approved,
                    comment=(comment or "").strip()[:MAX_TEXT],
                    decided_by=acting_user,
                    decided_at=timezone.now(),
                )
        except IntegrityError:
            raise ValidationError(_("This deduction is already decided.")) from None
        record_event(
            "scoring.deduction_decided",
            deduction,
            acting_user=acting_user,
            data={"approved": approved, "comment": decision.comment},
        )
    return decision


def do_record_assessor_score(
    target: Target, component: str, score, *, assessor: str = "", note: str = "", acting_user
) -> AssessorScore:
    """One assessor's score; a later one for the same assessor and component corrects it."""
    access = CampaignAccess(acting_user, target.campaign)
    _deny_unless(
        scoring_access.can_manage_tally(access), _("Only an organizer records assessor scores.")
    )
    keys = _leaf_keys(target.campaign, source="assessor")
    if component not in keys:
        raise ValidationError(
            {"component": _("Choose one of %(keys)s.") % {"keys": ", ".join(keys)}}
        )
    score = _points(score, "score")
    if not Decimal(0) <= score <= 100:
        raise ValidationError({"score": _("A score lies between 0 and 100.")})
    with transaction.atomic():
        _lock(target.campaign)
        row = AssessorScore.objects.create(
            campaign=target.campaign,
            target=target,
            component=component,
            score=score,
            assessor=(assessor or "").strip()[:100],
            note=(note or "").strip()[:MAX_TEXT],
            recorded_by=acting_user,
            recorded_at=timezone.now(),
        )
        record_event(
            "scoring.assessor_score_recorded",
            row,
            acting_user=acting_user,
            data={"target": target.unit.code, "component": component, "assessor": row.assessor},
        )
    return row


def do_decide_outcomes(
    run: TallyRun, target: Target, outcomes: list[str], note: str = "", *, acting_user
) -> OutcomeDecision:
    """Confirm or change the suggested outcomes of one target; the latest decision counts."""
    access = CampaignAccess(acting_user, run.campaign)
    _deny_unless(scoring_access.can_manage_tally(access), _("Only an organizer decides outcomes."))
    if not run.is_signed:
        raise ValidationError(_("Outcomes follow a run signed by both signers."))
    if run.campaign.tally_runs.filter(number__gt=run.number, signed_at__isnull=False).exists():
        raise ValidationError(_("A newer signed run exists; decide outcomes on that one."))
    if target.campaign_id != run.campaign_id:
        raise ValidationError(_("This target is not in the run's campaign."))
    unknown = sorted(set(outcomes) - set(OutcomeKind.values))
    if unknown:
        raise ValidationError({"outcomes": _("Unknown outcome %(kinds)s.") % {"kinds": unknown}})
    chosen = [kind for kind in OutcomeKind.values if kind in outcomes]
    with transaction.atomic():
        decision = OutcomeDecision.objects.create(
            run=run,
            target=target,
            outcomes=chosen,
            note=(note or "").strip()[:MAX_TEXT],
            decided_by=acting_user,
            decided_at=timezone.now(),
        )
        record_event(
            "scoring.outcomes_decided",
            decision,
            acting_user=acting_user,
            data={"run": run.number, "target": target.unit.code, "outcomes": chosen},
        )
    return decision
