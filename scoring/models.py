"""Assessor scores, deductions, violations, and sealed tally runs with their results.

Everything here is evaluation data (ADR 0005): rows are written once. A run's
later facts (signing, the audit head at signing, publication) are set-once
columns filled in by the action that establishes them.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Target
from orgs.models import Prohibition
from pingyi.lib.models import AppendOnlyRow
from surveys.models import ImportBatch

USER = settings.AUTH_USER_MODEL


class AssessorScore(AppendOnlyRow):
    """A raw score in [0, 100] by one assessor on an assessor component (检查评议分).

    A later row for the same target, component and assessor corrects an
    earlier one; the tally counts the latest of each.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="assessor_scores")
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="assessor_scores")
    component = models.CharField(_("component"), max_length=50)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    assessor = models.CharField(_("assessor"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, related_name="scores", null=True, blank=True
    )
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", null=True)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("assessor score")
        verbose_name_plural = _("assessor scores")
        indexes = [models.Index(fields=["campaign", "target", "component", "assessor"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=100), name="assessor_score_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.component}: {self.score}"


class Deduction(AppendOnlyRow):
    """扣分: points taken off one leaf of a target, counted once an organizer approves."""

    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="deductions")
    component = models.CharField(_("component"), max_length=50)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    reason = models.TextField(_("reason"))
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("deduction")
        verbose_name_plural = _("deductions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(points__gt=0, points__lte=100), name="deduction_points_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"-{self.points} {self.component}"


class DeductionDecision(AppendOnlyRow):
    deduction = models.OneToOneField(Deduction, on_delete=models.PROTECT, related_name="decision")
    approved = models.BooleanField(_("approved"))
    comment = models.TextField(_("comment"), blank=True)
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        verbose_name = _("deduction decision")
        verbose_name_plural = _("deduction decisions")


class Violation(AppendOnlyRow):
    """A target's breach of the eight prohibitions (八个严禁): the violation grade, last rank."""

    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="violations")
    rule = models.CharField(_("rule"), max_length=30, choices=Prohibition.choices)
    evidence = models.TextField(_("evidence"))
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("violation")
        verbose_name_plural = _("violations")

    def __str__(self) -> str:
        return f"{self.target}: {self.get_rule_display()}"


class ViolationWithdrawal(AppendOnlyRow):
    """A violation found wrong later: it stops counting, and the record of both stays."""

    violation = models.OneToOneField(Violation, on_delete=models.PROTECT, related_name="withdrawal")
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        verbose_name = _("violation withdrawal")
        verbose_name_plural = _("violation withdrawals")


class TallyRun(AppendOnlyRow):
    """封闭统分: one computation of a campaign's results, sealed until two signatures."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="tally_runs")
    number = models.PositiveIntegerField(_("number"))
    scheme = models.JSONField(_("scheme"))
    digest = models.CharField(_("digest"), max_length=64)
    # Counted responses per target code at the start: the only figures shown before signing.
    counts = models.JSONField(_("response counts"))
    # The newest response that existed at the start (under the campaign lock): a
    # receipt of a response up to it, not excluded by then, was counted in this run.
    last_response_id = models.PositiveBigIntegerField(_("last response"), null=True, blank=True)
    started_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started at"))
    # Set once, by the second signature: the audit chain's head at that moment.
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    chain_seq = models.PositiveBigIntegerField(_("audit head sequence"), null=True, blank=True)
    # NULL until signed: fill_in sets only empty (NULL) columns, once.
    chain_hash = models.CharField(_("audit head hash"), max_length=64, null=True, blank=True)  # noqa: DJ001
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["campaign", "-number"]
        verbose_name = _("tally run")
        verbose_name_plural = _("tally runs")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="unique_tally_run_number")
        ]

    def __str__(self) -> str:
        return f"{self.campaign.code} #{self.number}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class SignerRole(models.TextChoices):
    ORGANIZER = "organizer", _("Organizer")
    TALLIER = "tallier", _("Tallier (statistics bureau)")


class TallySignature(AppendOnlyRow):
    run = models.ForeignKey(TallyRun, on_delete=models.PROTECT, related_name="signatures")
    role = models.CharField(_("role"), max_length=20, choices=SignerRole.choices)
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("signed at"))

    class Meta:
        ordering = ["signed_at"]
        verbose_name = _("tally signature")
        verbose_name_plural = _("tally signatures")
        constraints = [
            models.UniqueConstraint(fields=["run", "role"], name="one_signature_per_role"),
            models.UniqueConstraint(fields=["run", "user"], name="one_signature_per_person"),
        ]


class TallyResult(AppendOnlyRow):
    """One target's result in a run, as the engine computed it (numbers rounded)."""

    run = models.ForeignKey(TallyRun, on_delete=models.PROTECT, related_name="results")
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="tally_results")
    group = models.CharField(_("peer group"), max_length=100)
    responses = models.PositiveIntegerField(_("responses"))
    valid_votes = models.PositiveIntegerField(_("valid votes"))
    # Tier counts (label -> count) for the ranking sheet, and component points as decimal text.
    votes = models.JSONField(_("votes per tier"))
    components = models.JSONField(_("component points"))
    total = models.DecimalField(_("total"), max_digits=9, decimal_places=6, null=True)
    grade = models.CharField(_("grade"), max_length=50, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True)
    flags = models.JSONField(_("flags"), default=list)

    class Meta:
        ordering = ["run", "group", "rank", "target__unit__code"]
        verbose_name = _("tally result")
        verbose_name_plural = _("tally results")
        constraints = [
            models.UniqueConstraint(fields=["run", "target"], name="one_result_per_target")
        ]


class OutcomeDecision(AppendOnlyRow):
    """An organizer's confirmed outcomes for a target in a signed run; the latest counts."""

    run = models.ForeignKey(TallyRun, on_delete=models.PROTECT, related_name="outcome_decisions")
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="outcome_decisions")
    outcomes = models.JSONField(_("outcomes"))
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("outcome decision")
        verbose_name_plural = _("outcome decisions")


class OutcomeKind(models.TextChoices):
    """The outcomes the seeds attach to results (表彰, 通报批评, …)."""

    COMMEND = "commend", _("Commend (表彰)")
    CRITICISE = "criticise", _("Criticise in a circular (通报批评)")
    ADMONISH = "admonish", _("Admonishing talk (诫勉谈话)")
    NO_AWARD = "no_award", _("No award eligibility this year (取消评先评优资格)")
    RECOMMEND = "recommend", _("Recommend for commendation (推荐表彰)")
    ACCOUNTABILITY = "accountability", _("Hold leaders accountable (追究责任)")
    EXEMPT_NEXT_YEAR = "exempt_next_year", _("Exempt next year (免评)")
