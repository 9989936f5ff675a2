"""Inspections (暗访/明查) with their findings, and hearings (面对面评议) with their questions.

Findings, questions, answers and verdicts are evaluation data: written once,
never updated or deleted. A question's state is derived from its newest
answer and that answer's verdict.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Target
from orgs.models import Evaluator
from pingyi.lib.models import AppendOnlyRow
from rectification.models import RectificationItem


class InspectionKind(models.TextChoices):
    COVERT = "covert", _("Covert (暗访)")
    OPEN = "open", _("Open (明查)")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MODERATE = "moderate", _("Moderate")
    SERIOUS = "serious", _("Serious")


class Inspection(AppendOnlyRow):
    """A visit to one target by the campaign's inspection group."""

    target = models.ForeignKey(
        Target, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("target")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=InspectionKind.choices)
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="inspections_made", verbose_name=_("inspectors")
    )
    summary = models.TextField(_("summary"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        indexes = [models.Index(fields=["target", "date"])]

    def __str__(self) -> str:
        return f"{self.target.unit} · {self.get_kind_display()} · {self.date:%Y-%m-%d}"

    @property
    def is_covert(self) -> bool:
        return self.kind == InspectionKind.COVERT


class Finding(AppendOnlyRow):
    """发现问题: one problem found on an inspection, issued to the target with a deadline."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="findings", verbose_name=_("inspection")
    )
    description = models.TextField(_("description"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    # The deadline as issued in the notice; the ledger item may later record progress.
    deadline = models.DateField(_("rectification deadline"))
    # Set in the transaction that records the finding, so never seen empty.
    rectification_item = models.OneToOneField(
        RectificationItem,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("rectification item"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return self.description[:40]


class FindingEvidence(AppendOnlyRow):
    """A photo or document backing a finding, stored under a random name."""

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(_("file"), max_length=200)
    extension = models.CharField(max_length=10)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return f"{self.finding_id}-{self.pk}.{self.extension}"


class Hearing(models.Model):
    """面对面评议: evaluators meet the attending targets' leaders and question them."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="hearings", verbose_name=_("campaign")
    )
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    targets = models.ManyToManyField(
        Target, related_name="hearings", verbose_name=_("targets attending")
    )
    evaluators = models.ManyToManyField(
        Evaluator, related_name="hearings", verbose_name=_("evaluators present")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")

    def __str__(self) -> str:
        return f"{self.title} ({self.date:%Y-%m-%d})"


class QuestionState(models.TextChoices):
    AWAITING_ANSWER = "awaiting_answer", _("Awaiting answer")
    AWAITING_VERDICT = "awaiting_verdict", _("Awaiting verdict")
    SATISFIED = "satisfied", _("Satisfactory")
    UNSATISFIED = "unsatisfied", _("Unsatisfactory")


class HearingQuestion(AppendOnlyRow):
    """现场质询: a question one evaluator present asks one target attending."""

    hearing = models.ForeignKey(Hearing, on_delete=models.PROTECT, related_name="questions")
    target = models.ForeignKey(
        Target, on_delete=models.PROTECT, related_name="hearing_questions", verbose_name=_("target")
    )
    asked_by = models.ForeignKey(
        Evaluator, on_delete=models.PROTECT, related_name="questions", verbose_name=_("asked by")
    )
    text = models.TextField(_("question"))
    asked_at = models.DateTimeField(_("asked at"))
    # 限时书面答复: empty only when the question was answered on site.
    reply_due = models.DateField(_("written reply due"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["asked_at", "pk"]
        verbose_name = _("hearing question")
        verbose_name_plural = _("hearing questions")
        indexes = [models.Index(fields=["reply_due"])]

    def __str__(self) -> str:
        return self.text[:40]

    def newest_answer(self) -> "QuestionAnswer | None":
        answers = list(self.answers.all())  # prefetched by the list pages
        return max(answers, key=lambda a: (a.answered_at, a.pk)) if answers else None

    def state(self) -> str:
        answer = self.newest_answer()
        if answer is None:
            return QuestionState.AWAITING_ANSWER
        verdict = answer.verdict_or_none()
        if verdict is None:
            return QuestionState.AWAITING_VERDICT
        return QuestionState.SATISFIED if verdict.satisfied else QuestionState.UNSATISFIED

    def get_state_display(self) -> str:
        return QuestionState(self.state()).label

    def awaited_reply_due(self) -> date | None:
        """The date a (further) written reply is awaited by, or None when none is awaited.

        With no answer yet, the date set when the question was asked; after an
        unsatisfactory verdict on the newest answer, the date set with that verdict.
        """
        answer = self.newest_answer()
        if answer is None:
            return self.reply_due
        verdict = answer.verdict_or_none()
        if verdict is not None and not verdict.satisfied:
            return verdict.reply_due
        return None

    def is_overdue(self, today: date) -> bool:
        due = self.awaited_reply_due()
        return due is not None and due < today

    @property
    def source_ref(self) -> str:
        return f"inspections.hearingquestion:{self.pk}"


# An unsatisfactory verdict's further reply is due this many working days later by default,
# the time a question not answered on site is usually given (限时书面答复).
FOLLOW_UP_WORKING_DAYS = 10


class AnswerMode(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    WRITTEN = "written", _("Written reply")


class QuestionAnswer(AppendOnlyRow):
    question = models.ForeignKey(HearingQuestion, on_delete=models.PROTECT, related_name="answers")
    mode = models.CharField(_("mode"), max_length=10, choices=AnswerMode.choices)
    text = models.TextField(_("answer"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"))

    class Meta:
        ordering = ["answered_at", "pk"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return self.text[:40]

    def verdict_or_none(self) -> "AnswerVerdict | None":
        try:
            return self.verdict
        except AnswerVerdict.DoesNotExist:
            return None


class AnswerVerdict(AppendOnlyRow):
    """The asking evaluator's judgement of one answer: satisfactory or not."""

    # One verdict per answer: a dissatisfied evaluator waits for a further answer.
    answer = models.OneToOneField(QuestionAnswer, on_delete=models.PROTECT, related_name="verdict")
    satisfied = models.BooleanField(_("satisfactory"))
    comment = models.TextField(_("comment"), blank=True)
    # An unsatisfactory verdict asks for a further written reply by this date.
    reply_due = models.DateField(_("further reply due"), null=True, blank=True)
    evaluator = models.ForeignKey(Evaluator, on_delete=models.PROTECT, related_name="verdicts")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name = _("verdict")
        verbose_name_plural = _("verdicts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfied=True, reply_due__isnull=True)
                | models.Q(satisfied=False, reply_due__isnull=False),
                name="unsatisfactory_verdict_sets_reply_due",
            )
        ]

    def __str__(self) -> str:
        return str(_("Satisfactory") if self.satisfied else _("Unsatisfactory"))

    @property
    def on_behalf(self) -> bool:
        return self.recorded_by_id != self.evaluator.user_id
