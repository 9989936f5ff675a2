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
