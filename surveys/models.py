"""Questionnaires, invitations, open links, paper forms, responses and their flags.

A response is anonymous and never edited or deleted (ADR 0005); the one field
written later is `excluded_at`, set once by a recorded review decision, so the
tally leaves the response out by a column and the row stays. Nothing in a
response points at an invitation or a token (ADR 0007): an invitation only
records that it was used, not when.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
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


class TimeGranularity(models.TextChoices):
    DAY = "day", _("Day")
    HOUR = "hour", _("Hour")


def default_intro() -> str:
    return gettext(
        "This survey is anonymous: your answers are never linked to your invitation, "
        "your phone number or your name. Thank you for helping us improve."
    )


class Questionnaire(models.Model):
    """What respondents are asked about a campaign's targets; one row per version.

    Editable until its first response arrives (`frozen_at`); after that a
    change is a new version, and each response names the version it answered.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="questionnaires")
    version = models.PositiveSmallIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), default=default_intro)
    tier_prompt = models.CharField(_("overall question"), max_length=300)
    category_prompt = models.CharField(_("respondent category question"), max_length=300)
    # Choices offered when an invitation does not fix the category; the
    # scheme's category weights, where it has them, name the allowed ones.
    categories = models.JSONField(_("respondent categories"), default=list, blank=True)
    # Score-sheet items: [{"key": "k1", "label": "…", "max": 20}, …]; maxima add up to 100.
    items = models.JSONField(_("score-sheet items"), default=list, blank=True)
    ask_problems = models.BooleanField(_("ask for problems"), default=True)
    ask_suggestions = models.BooleanField(_("ask for suggestions"), default=True)
    max_text_length = models.PositiveIntegerField(_("longest free text (characters)"), default=2000)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    time_granularity = models.CharField(
        _("stored time of a response"),
        max_length=10,
        choices=TimeGranularity.choices,
        default=TimeGranularity.DAY,
    )
    # Fraud signals: thresholds an organizer can tune.
    min_seconds = models.PositiveIntegerField(_("speeder threshold (seconds)"), default=20)
    burst_count = models.PositiveIntegerField(_("burst: more than N answers"), default=30)
    burst_minutes = models.PositiveIntegerField(_("burst: within M minutes"), default=10)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("created at"))
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)

    class Meta:
        ordering = ["campaign", "-version"]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "version"], name="unique_questionnaire"),
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="questionnaire_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class InvitationBatch(AppendOnlyRow):
    """One-time invitations for one target and, optionally, one respondent category."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="invitation_batches"
    )
    number = models.PositiveIntegerField(_("number"))
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="+")
    # Blank: the respondent answers the category question.
    category = models.CharField(_("respondent category"), max_length=50, blank=True)
    label = models.CharField(_("label"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("invitations"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["campaign", "number"]
        verbose_name = _("invitation batch")
        verbose_name_plural = _("invitation batches")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="unique_invitation_batch")
        ]

    def __str__(self) -> str:
        return f"B{self.number}"


class Invitation(AppendOnlyRow):
    """A one-time token, kept only as its SHA-256; `used` is filled once.

    No date of use is kept: with the day, a card used alone that day at its
    target would match the one answer stored for that target and day.
    """

    batch = models.ForeignKey(InvitationBatch, on_delete=models.PROTECT, related_name="invitations")
    serial = models.PositiveIntegerField(_("card number"))
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    # NULL until used, then True; NULL rather than False so `fill_in` sets it once.
    used = models.BooleanField(_("used"), null=True, blank=True)

    class Meta:
        ordering = ["batch", "serial"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["batch", "serial"], name="unique_invitation_serial")
        ]

    def __str__(self) -> str:
        return f"B{self.batch.number}-{self.serial:04d}"


class OpenLink(AppendOnlyRow):
    """A reusable link for a poster in a service hall (反复使用), watched by the fraud signals."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="open_links")
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("respondent category"), max_length=50, blank=True)
    # Public, not a secret: it only names the poster.
    slug = models.CharField(_("link code"), max_length=20, unique=True)
    label = models.CharField(_("label"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("created at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["campaign", "target", "created_at"]
        verbose_name = _("open link")
        verbose_name_plural = _("open links")

    def __str__(self) -> str:
        return self.slug


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
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="responses", null=True, blank=True
    )
    open_link = models.ForeignKey(
        OpenLink, on_delete=models.PROTECT, related_name="responses", null=True, blank=True
    )
    # Random, shown to the respondent; not derived from any token.
    receipt = models.CharField(_("receipt"), max_length=20, unique=True, null=True, blank=True)
    # SHA-256 of the random key the answer form carried: a replayed POST finds its response.
    submission_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # Fraud signals: salted hash of client address and user agent (never the raw IP)
    # and a digest of the normalised free text. The time taken is judged at submission
    # and not kept: matched with a log's GET-to-POST gap it would point at the client.
    device_hash = models.CharField(max_length=64, blank=True)
    text_digest = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        indexes = [
            models.Index(fields=["campaign", "target", "category", "tier"], name="response_tally"),
            models.Index(fields=["target", "device_hash"], name="response_device"),
            models.Index(fields=["campaign", "text_digest"], name="response_text"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=0, score__lte=100),
                name="response_score_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} → {self.target_id}"


class ResponseCounter(models.Model):
    """Counted responses per target, category and tier, kept with every answer (ADR 0008).

    Each accepted response adds one in its own transaction and an exclusion
    takes one off, so a tally reads a few rows per target instead of
    scanning every response; `surveys.counters.verify` recounts the
    responses themselves and names any difference.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=50, blank=True)
    tier = models.CharField(max_length=50, blank=True)
    responses = models.BigIntegerField(default=0)
    # Responses with a score-sheet total, and those totals summed in whole cents.
    scored = models.BigIntegerField(default=0)
    score_cents = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["target", "category", "tier"], name="unique_response_counter"
            )
        ]
        indexes = [models.Index(fields=["campaign", "target"], name="response_counter_campaign")]

    def __str__(self) -> str:
        return f"{self.target_id} {self.category}/{self.tier} × {self.responses}"


class FlagKind(models.TextChoices):
    REPEAT_DEVICE = "repeat_device", _("Same device again on an open link")
    MANUAL = "manual", _("Raised by an organizer")
    BURST = "burst", _("Burst of answers to one target")
    SPEEDER = "speeder", _("Answered too fast")
    STRAIGHT_LINE = "straight_line", _("Same mark for every item")
    DUPLICATE_TEXT = "duplicate_text", _("Free text seen before")


class ResponseFlag(AppendOnlyRow):
    """A fraud signal raised on a response; a flag never drops it, a review decides."""

    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="flags")
    kind = models.CharField(_("signal"), max_length=20, choices=FlagKind.choices)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("raised at"))

    class Meta:
        ordering = ["response", "kind"]
        verbose_name = _("response flag")
        verbose_name_plural = _("response flags")
        constraints = [
            models.UniqueConstraint(fields=["response", "kind"], name="unique_response_flag")
        ]


class ReviewDecision(models.TextChoices):
    KEEP = "keep", _("Keep")
    EXCLUDE = "exclude", _("Exclude")


class FlagReview(AppendOnlyRow):
    """An organizer's decision on a flagged response; the latest counts, exclusion is final."""

    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="reviews")
    decision = models.CharField(_("decision"), max_length=10, choices=ReviewDecision.choices)
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        ordering = ["response", "decided_at", "id"]
        verbose_name = _("flag review")
        verbose_name_plural = _("flag reviews")


class ArrivalCount(models.Model):
    """Answers per target and minute, for the burst signal; linked to no response."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="+")
    minute = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["target", "minute"], name="unique_arrival_minute")
        ]

    def __str__(self) -> str:
        return f"{self.target_id} {self.minute:%H:%M} × {self.count}"


class FailedTokenTry(models.Model):
    """Wrong tokens per client network (hashed) and hour: the guessing throttle."""

    network_hash = models.CharField(max_length=64)
    hour = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network_hash", "hour"], name="unique_failed_try_hour")
        ]

    def __str__(self) -> str:
        return f"{self.network_hash[:8]} {self.hour:%Y-%m-%d %H}h × {self.count}"


class PaperBatch(AppendOnlyRow):
    """A stack of numbered paper forms (纸质问卷) about one target."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="paper_batches")
    number = models.PositiveIntegerField(_("number"))
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("respondent category"), max_length=50, blank=True)
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="+")
    label = models.CharField(_("label"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("forms"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["campaign", "number"]
        verbose_name = _("paper batch")
        verbose_name_plural = _("paper batches")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="unique_paper_batch")
        ]

    def __str__(self) -> str:
        return f"P{self.number}"


class PaperForm(AppendOnlyRow):
    """One numbered sheet; `response` is filled once the two keyings agree or are resolved."""

    batch = models.ForeignKey(PaperBatch, on_delete=models.PROTECT, related_name="forms")
    serial = models.PositiveIntegerField(_("serial number"))
    response = models.OneToOneField(
        Response, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["batch", "serial"]
        verbose_name = _("paper form")
        verbose_name_plural = _("paper forms")
        constraints = [
            models.UniqueConstraint(fields=["batch", "serial"], name="unique_paper_serial")
        ]

    def __str__(self) -> str:
        return f"P{self.batch.number}-{self.serial:04d}"


class PaperEntry(AppendOnlyRow):
    """One person's keying of one form; two different people key each form."""

    form = models.ForeignKey(PaperForm, on_delete=models.PROTECT, related_name="entries")
    answers = models.JSONField(_("answers"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"))

    class Meta:
        ordering = ["form", "entered_at", "id"]
        verbose_name = _("paper entry")
        verbose_name_plural = _("paper entries")
        constraints = [
            models.UniqueConstraint(fields=["form", "entered_by"], name="unique_paper_entry_person")
        ]


class PaperResolution(AppendOnlyRow):
    """A third person's reading of the paper where the two keyings differ."""

    form = models.OneToOneField(PaperForm, on_delete=models.PROTECT, related_name="resolution")
    answers = models.JSONField(_("answers"))
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"))

    class Meta:
        verbose_name = _("paper resolution")
        verbose_name_plural = _("paper resolutions")
