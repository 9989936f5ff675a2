"""Campaigns, their targets and dated phases, and phase transition requests."""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.models import Unit, code_validator


class PhaseKind(models.TextChoices):
    """The five phases of the seeds, in the order a campaign runs them."""

    MOBILIZE = "mobilize", _("Mobilise and prepare")
    CONSULT = "consult", _("Consult and self-inspect")
    RECTIFY = "rectify", _("Rectify")
    EVALUATE = "evaluate", _("Evaluate and tally")
    SUMMARIZE = "summarize", _("Summarise and publish")

    @classmethod
    def order_of(cls, kind: str) -> int:
        return cls.values.index(kind)


class Campaign(models.Model):
    code = models.CharField(_("code"), max_length=50, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    organizer = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="organized_campaigns",
        verbose_name=_("organizer unit"),
    )
    # Validated mapping, or {"preset": NAME}; the scoring app interprets it.
    scheme = models.JSONField(_("scheme"), default=dict)
    # Campaigns of one series in successive years are compared for the two-year outcome rules.
    series = models.CharField(_("series"), max_length=50, blank=True)

    class Meta:
        ordering = ["-year", "code"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name

    def ordered_phases(self) -> list["Phase"]:
        return sorted(self.phases.all(), key=lambda p: (p.start, PhaseKind.order_of(p.kind)))

    def current_phase(self, today: date) -> "Phase | None":
        return next((p for p in self.ordered_phases() if p.is_current(today)), None)


class Target(models.Model):
    """A unit evaluated in a campaign (被评单位), in a peer group (序列)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="targets")
    group = models.CharField(_("peer group"), max_length=100)
    exempt = models.BooleanField(_("exempt (免评)"), default=False)
    # The phase this target has been cleared into by approved transition requests.
    stage = models.CharField(
        _("stage"), max_length=20, choices=PhaseKind.choices, default=PhaseKind.MOBILIZE
    )

    class Meta:
        ordering = ["group", "unit__path"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [models.UniqueConstraint(fields=["campaign", "unit"], name="unique_target")]

    def __str__(self) -> str:
        return f"{self.unit} ({self.group})"

    def next_stage(self) -> str | None:
        order = PhaseKind.order_of(self.stage)
        return PhaseKind.values[order + 1] if order + 1 < len(PhaseKind.values) else None


class Phase(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(_("kind"), max_length=20, choices=PhaseKind.choices)
    name = models.CharField(_("name"), max_length=200)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))

    class Meta:
        ordering = ["start"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "kind"], name="unique_phase_kind"),
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="phase_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_current(self, today: date) -> bool:
        return self.start <= today <= self.end

    def is_past(self, today: date) -> bool:
        return self.end < today

    def days(self) -> int:
        return (self.end - self.start).days + 1


class TransitionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class TransitionRequest(models.Model):
    """转段申请: a target asks the level above to clear it into the next phase."""

    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="transition_requests")
    from_stage = models.CharField(_("from"), max_length=20, choices=PhaseKind.choices)
    to_stage = models.CharField(_("to"), max_length=20, choices=PhaseKind.choices)
    note = models.TextField(_("note"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=TransitionStatus.choices,
        default=TransitionStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("phase transition request")
        verbose_name_plural = _("phase transition requests")
        constraints = [
            # One open request per target: a double submit cannot queue two.
            models.UniqueConstraint(
                fields=["target"],
                condition=models.Q(status="pending"),
                name="one_pending_request_per_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target.unit}: {self.from_stage} → {self.to_stage}"
