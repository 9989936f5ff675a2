"""Survey responses and the import batches that bring them in.

A response is anonymous and never edited or deleted (ADR 0005); the one field
written later is `excluded_at`, set once by a recorded review decision, so the
tally leaves the response out by a column and the row stays.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Target
from pingyi.lib.models import AppendOnlyRow


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    PAPER = "paper", _("Paper")
    PHONE = "phone", _("Phone")
    IMPORT = "import", _("Import")


class ImportKind(models.TextChoices):
    RESPONSES = "responses", _("Responses")
    SCORES = "scores", _("Assessor scores")


class ImportBatch(AppendOnlyRow):
    """One imported file: what it held, who brought it in, and its SHA-256."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="import_batches")
    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    rows = models.PositiveIntegerField(_("rows"))
    again = models.BooleanField(_("imported again on purpose"), default=False)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    imported_at = models.DateTimeField(_("imported at"))

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        indexes = [models.Index(fields=["campaign", "kind", "sha256"])]

    def __str__(self) -> str:
        return f"{self.filename} ({self.rows})"


class Response(AppendOnlyRow):
    """One respondent's answer about one target."""

    # Denormalised from target so the tally's GROUP BY reads one index.
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="responses")
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="responses")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    # The channel an imported file reports (纸质, 电话 …), kept as written.
    origin = models.CharField(_("reported channel"), max_length=50, blank=True)
    category = models.CharField(_("respondent category"), max_length=50, blank=True)
    tier = models.CharField(_("tier"), max_length=50, blank=True)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    items = models.JSONField(_("score-sheet items"), null=True, blank=True)
    problems = models.TextField(_("problems"), blank=True)
    suggestions = models.TextField(_("suggestions"), blank=True)
    # Coarsened (to the day or hour) so the order of answers cannot be matched to logs.
    submitted_at = models.DateTimeField(_("submitted"))
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, related_name="responses", null=True, blank=True
    )
    excluded_at = models.DateTimeField(_("excluded at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        indexes = [
            models.Index(fields=["campaign", "target", "category", "tier"], name="response_tally"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=0, score__lte=100),
                name="response_score_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} → {self.target_id}"
