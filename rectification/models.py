"""The rectification ledger (整改台账): every problem found, and what is done about it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.models import Target


class Source(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    FINDING = "finding", _("Inspection finding")
    HEARING_QUESTION = "hearing_question", _("Hearing question")
    SURVEY_PROBLEM = "survey_problem", _("Problem raised in the survey")
    SELF_INSPECTION = "self_inspection", _("Self-inspection")
    SUPERIOR_FEEDBACK = "superior_feedback", _("Feedback from the level above")


class ItemStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    # 一时难以整改的要作出说明: closed without fixing, with a required explanation.
    EXPLAINED = "explained", _("Explained")


OPEN_STATUSES = (ItemStatus.PLANNED, ItemStatus.IN_PROGRESS)
CLOSED_STATUSES = (ItemStatus.DONE, ItemStatus.EXPLAINED)


def overdue_filter(today) -> models.Q:
    """Open, and the deadline has passed: the one definition of overdue (逾期)."""
    return models.Q(status__in=OPEN_STATUSES, deadline__lt=today)


class RectificationItem(models.Model):
    target = models.ForeignKey(
        Target,
        on_delete=models.PROTECT,
        related_name="rectification_items",
        verbose_name=_("target"),
    )
    source = models.CharField(_("source"), max_length=30, choices=Source.choices)
    # The originating record, as "<app>.<model>:<pk>"; empty for self-inspection entries.
    source_ref = models.CharField(_("source record"), max_length=100, blank=True)
    problem = models.TextField(_("problem"))
    plan = models.TextField(_("plan"), blank=True)
    responsible_person = models.CharField(_("responsible person"), max_length=100, blank=True)
    goal = models.TextField(_("goal"), blank=True)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.PLANNED
    )
    explanation = models.TextField(_("explanation"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Who marked it done or explained: they may not verify their own work.
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verification_note = models.TextField(_("verification note"), blank=True)
    # Set by the daily overdue task the first day the deadline has passed while still open.
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True)

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return self.problem[:40]

    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today) -> bool:
        return self.is_open() and self.deadline < today

    def is_verified(self) -> bool:
        """Accepted by an organizer: the item is final."""
        return self.verified_at is not None

    def awaits_verification(self) -> bool:
        return self.status in CLOSED_STATUSES and not self.is_verified()


class ProgressNote(models.Model):
    """进展情况: what was done, appended as it happens; never edited."""

    item = models.ForeignKey(
        RectificationItem, on_delete=models.PROTECT, related_name="notes", verbose_name=_("item")
    )
    text = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("written at"))

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")

    def __str__(self) -> str:
        return self.text[:40]


class Evidence(models.Model):
    """A file proving the rectification (整改佐证材料), stored under a random name."""

    item = models.ForeignKey(
        RectificationItem,
        on_delete=models.PROTECT,
        related_name="evidence",
        verbose_name=_("item"),
    )
    file = models.FileField(_("file"), max_length=200)
    # Detected from the content, not taken from the name the sender chose.
    content_type = models.CharField(_("content type"), max_length=100)
    extension = models.CharField(_("extension"), max_length=10)
    size = models.PositiveIntegerField(_("size in bytes"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        ordering = ["added_at", "pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.download_name()

    def download_name(self) -> str:
        return f"evidence-{self.item_id}-{self.pk}.{self.extension}"


class Verification(models.Model):
    """验收: an organizer's verdict on a done or explained item; a rejection reopens it."""

    item = models.ForeignKey(
        RectificationItem,
        on_delete=models.PROTECT,
        related_name="verifications",
        verbose_name=_("item"),
    )
    accepted = models.BooleanField(_("accepted"))
    note = models.TextField(_("note"), blank=True)
    # What was judged, as it stood: the item's closing is undone by a rejection and its
    # explanation rewritten when it is closed again, so the verdict keeps its own copy.
    status_judged = models.CharField(_("status judged"), max_length=20, choices=ItemStatus.choices)
    explanation = models.TextField(_("explanation judged"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified at"))

    class Meta:
        ordering = ["verified_at", "pk"]
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")

    def __str__(self) -> str:
        return f"{self.item_id}: {'accepted' if self.accepted else 'rejected'}"


class ReportKind(models.TextChoices):
    """The reports a target owes, one per phase (seeds 003 and 004)."""

    IMPLEMENTATION_PLAN = "implementation_plan", _("Implementation plan (实施方案)")
    SELF_INSPECTION = "self_inspection", _("Self-inspection report (自查自纠报告)")
    RECTIFICATION_REPORT = "rectification_report", _("Rectification report (整改落实报告)")
    SELF_EVALUATION = "self_evaluation", _("Self-evaluation report (自评报告)")
    SUMMARY = "summary", _("Summary (总结)")


# The phase in which each report falls due (campaigns.models.PhaseKind values).
PHASE_OF_REPORT = {
    ReportKind.IMPLEMENTATION_PLAN: "mobilize",
    ReportKind.SELF_INSPECTION: "consult",
    ReportKind.RECTIFICATION_REPORT: "rectify",
    ReportKind.SELF_EVALUATION: "evaluate",
    ReportKind.SUMMARY: "summarize",
}


def reports_of_phase(phase_kind: str) -> list[str]:
    return [kind for kind, phase in PHASE_OF_REPORT.items() if phase == phase_kind]


class ReportDue(models.Model):
    """The date by which a target must submit one kind of report."""

    target = models.ForeignKey(
        Target, on_delete=models.PROTECT, related_name="report_dues", verbose_name=_("target")
    )
    kind = models.CharField(_("report"), max_length=30, choices=ReportKind.choices)
    due_date = models.DateField(_("due date"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    set_at = models.DateTimeField(_("set at"))

    class Meta:
        ordering = ["target", "due_date", "kind"]
        verbose_name = _("report due")
        verbose_name_plural = _("reports due")
        constraints = [
            models.UniqueConstraint(fields=["target", "kind"], name="one_due_per_target_and_report")
        ]

    def __str__(self) -> str:
        return f"{self.target.unit}: {self.get_kind_display()} ({self.due_date})"


class ReportSubmission(models.Model):
    """One submission of a report; a resubmission is a new row and the newest counts."""

    due = models.ForeignKey(
        ReportDue, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("report")
    )
    text = models.TextField(_("text"))
    file = models.FileField(_("file"), max_length=200, blank=True)
    file_content_type = models.CharField(_("file content type"), max_length=100, blank=True)
    file_extension = models.CharField(_("file extension"), max_length=10, blank=True)
    file_size = models.PositiveIntegerField(_("file size in bytes"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    # Decided when submitted (submission date after the due date) and kept as it was then.
    late = models.BooleanField(_("late"))

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        get_latest_by = ["submitted_at", "pk"]
        verbose_name = _("report submission")
        verbose_name_plural = _("report submissions")

    def __str__(self) -> str:
        return f"{self.due} @ {self.submitted_at:%Y-%m-%d}"

    def download_name(self) -> str:
        return f"{self.due.kind}-{self.due.target.unit.code}-{self.pk}.{self.file_extension}"
