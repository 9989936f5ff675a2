"""Complaints and opinions (投诉举报/意见建议), their steps, replies, ratings and attachments.

A complaint is written once and never changed. What happens to it afterwards
is a row of its own: a step per status change, a reply, a rating. The
complainant's identity sits in a separate table with no reverse accessor on
Complaint, so nothing that walks a complaint's attributes (templates, API
schemas, admin) can reach it; only complaints.access.get_complainant_identity
reads it, and each read is audited.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Target
from pingyi.lib.models import AppendOnlyRow

# No 0/O, 1/I/L: a code read out over the phone or copied by hand stays unambiguous.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # 31**12 ≈ 7.9e17 codes: unguessable without throttling
CODE_GROUP = 4


def new_tracking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_tracking_code(raw: str) -> str:
    """What the complainant typed, without spaces or dashes, in capitals."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())[:32]


def format_tracking_code(code: str) -> str:
    return "-".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    HOTLINE = "hotline", _("Hotline call (行风热线)")
    LETTER = "letter", _("Letter (来信)")
    VISIT = "visit", _("Visit (来访)")
    MAILBOX = "mailbox", _("Suggestion box (意见箱)")
    EMAIL = "email", _("Email (电子信箱)")


# Staff record what reached them another way; the web form is the public's own.
STAFF_CHANNELS = tuple(c for c in Channel if c != Channel.WEB)


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint or report (投诉举报)")
    OPINION = "opinion", _("Opinion or suggestion (意见建议)")


class Category(models.TextChoices):
    ARBITRARY_FEES = "arbitrary_fees", _("Arbitrary fees (乱收费)")
    ARBITRARY_FINES = "arbitrary_fines", _("Arbitrary fines (乱罚款)")
    ARBITRARY_LEVIES = "arbitrary_levies", _("Arbitrary levies (乱摊派)")
    DEMANDING_FAVOURS = "demanding_favours", _("Demanding favours (吃拿卡要)")
    ABUSE_OF_POWER = "abuse_of_power", _("Abuse of power for private gain (以权谋私)")
    ATTITUDE = "attitude", _("Service attitude (态度)")
    EFFICIENCY = "efficiency", _("Efficiency (效率)")
    BUCK_PASSING = "buck_passing", _("Passing the buck (推诿扯皮)")
    OTHER = "other", _("Other (其他)")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Assigned to the unit")
    REPLIED = "replied", _("Replied")
    VERIFIED = "verified", _("Reply verified")
    CLOSED = "closed", _("Closed")


# Waiting for the unit's reply: the statuses in which a complaint can fall overdue.
AWAITING_REPLY = (Status.RECEIVED, Status.ASSIGNED)
# The reply has been checked by the organizers: the complainant may read and rate it.
REPLY_PUBLISHED = (Status.VERIFIED, Status.CLOSED)


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied (满意)")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied (基本满意)")
    UNSATISFIED = "unsatisfied", _("Unsatisfied (不满意)")


class Complaint(AppendOnlyRow):
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("campaign")
    )
    target = models.ForeignKey(
        Target,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("unit concerned"),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    content = models.TextField(_("content"))
    # The day that counts for the deadline: a letter is received before it is entered.
    received_on = models.DateField(_("received on"))
    due_date = models.DateField(_("reply due"))
    created_at = models.DateTimeField(_("recorded at"))
    tracking_code = models.CharField(_("tracking code"), max_length=32, unique=True)
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [models.Index(fields=["campaign", "due_date"])]

    def __str__(self) -> str:
        # Never the content or anything about the complainant: this string turns up in logs.
        return f"No. {self.pk}"

    @property
    def number(self) -> str:
        return f"{self.received_on:%Y}-{self.pk:05d}"


class ComplainantIdentity(AppendOnlyRow):
    """Who complained; absent for anonymous complaints. Read only via the audited getter."""

    # related_name="+": no `complaint.identity`, so no template or schema can wander into it.
    complaint = models.OneToOneField(
        Complaint, on_delete=models.CASCADE, related_name="+", verbose_name=_("complaint")
    )
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("complainant identity")
        verbose_name_plural = _("complainant identities")

    def __str__(self) -> str:
        return f"identity of complaint {self.complaint_id}"


class ComplaintStep(AppendOnlyRow):
    """One status change; the newest step (highest seq) is the complaint's status."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="steps")
    seq = models.PositiveSmallIntegerField(_("step"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # For staff only (the unit and the organizers); never on the public tracking page.
    note = models.TextField(_("note"), blank=True)
    # For the complainant: shown on the tracking page and by the tracking API. Required when
    # a complaint is closed without a reply (why it was not accepted, where to turn instead).
    public_note = models.TextField(_("note to the complainant"), blank=True)

    class Meta:
        ordering = ["complaint", "seq"]
        verbose_name = _("complaint step")
        verbose_name_plural = _("complaint steps")
        constraints = [
            # Two concurrent transitions cannot both become step n+1.
            models.UniqueConstraint(fields=["complaint", "seq"], name="unique_complaint_step")
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}#{self.seq} {self.status}"


class ComplaintReply(AppendOnlyRow):
    """The unit's written reply; a reply sent back for rework is followed by a new one."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="replies")
    step = models.OneToOneField(ComplaintStep, on_delete=models.CASCADE, related_name="reply")
    text = models.TextField(_("reply"))
    at = models.DateTimeField(_("replied at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )

    class Meta:
        ordering = ["complaint", "at", "pk"]
        verbose_name = _("complaint reply")
        verbose_name_plural = _("complaint replies")

    def __str__(self) -> str:
        return f"reply to {self.complaint_id}"


class ComplaintRating(AppendOnlyRow):
    """The complainant's rating of the published reply: once per complaint."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="rating")
    reply = models.ForeignKey(ComplaintReply, on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(_("rating"), max_length=30, choices=Rating.choices)
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("rated at"))

    class Meta:
        verbose_name = _("complaint rating")
        verbose_name_plural = _("complaint ratings")

    def __str__(self) -> str:
        return f"rating of {self.complaint_id}"


class ComplaintAttachment(AppendOnlyRow):
    """A file sent with the complaint: random stored name, no original filename kept."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    extension = models.CharField(_("extension"), max_length=10)
    size = models.PositiveIntegerField(_("size in bytes"))

    class Meta:
        ordering = ["complaint", "pk"]
        verbose_name = _("complaint attachment")
        verbose_name_plural = _("complaint attachments")

    def __str__(self) -> str:
        return f"attachment {self.pk} of {self.complaint_id}"
