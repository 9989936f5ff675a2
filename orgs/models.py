"""The unit tree, people, roles held at a unit, and the evaluator roster."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,49}$"
code_validator = RegexValidator(
    CODE_PATTERN,
    _("Use 1-50 lowercase letters, digits, '-' or '_' (代码只能包含小写字母、数字、- 和 _)."),
)
PATH_SEPARATOR = "/"


class Level(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")


class Role(models.TextChoices):
    ORGANIZER = "organizer", _("Organizer")
    LEADER = "leader", _("Leader")
    TALLIER = "tallier", _("Tallier")
    INSPECTOR = "inspector", _("Inspector")
    EVALUATOR = "evaluator", _("Evaluator")
    LIAISON = "liaison", _("Liaison")


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username


class Unit(models.Model):
    """A node of the tree; `path` lists the codes from the root for subtree queries."""

    code = models.CharField(_("code"), max_length=50, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=50, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    # "/province/city/county/": a subtree is one indexed prefix match.
    path = models.CharField(_("path"), max_length=1000, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)

    class Meta:
        ordering = ["path"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def path_for(parent: "Unit | None", code: str) -> str:
        prefix = parent.path if parent else PATH_SEPARATOR
        return f"{prefix}{code}{PATH_SEPARATOR}"

    def contains(self, other: "Unit") -> bool:
        """True if `other` is this unit or lies below it."""
        return other.path.startswith(self.path)

    def ancestor_codes(self) -> list[str]:
        return [code for code in self.path.split(PATH_SEPARATOR) if code][:-1]


class RoleMembership(models.Model):
    """A role held at a unit; it reaches the unit's whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("role membership")
        verbose_name_plural = _("role memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} @ {self.unit}"


class EvaluatorCategory(models.TextChoices):
    NPC_DEPUTY = "npc_deputy", _("People's Congress deputy (人大代表)")
    CPPCC_MEMBER = "cppcc_member", _("CPPCC member (政协委员)")
    CONDUCT_SUPERVISOR = "conduct_supervisor", _("Conduct supervisor (行风监督员)")
    CLIENT_REPRESENTATIVE = (
        "client_representative",
        _("Service client representative (服务对象代表)"),
    )
    SPECIAL_INSPECTOR = "special_inspector", _("Special inspector (特邀监察员)")
    OTHER = "other", _("Other (其他)")


class EvaluatorStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISQUALIFIED = "disqualified", _("Disqualified")
    ENDED = "ended", _("Term ended")


class Prohibition(models.TextChoices):
    """The eight prohibitions (八个严禁) of the seeds; a breach removes an evaluator."""

    FABRICATE_RECORDS = "fabricate_records", _("Fabricating, hiding or destroying records")
    ALTER_FIGURES = "alter_figures", _("Altering figures or rankings")
    BUY_VOTES = "buy_votes", _("Canvassing or buying votes")
    ACCEPT_HOSPITALITY = "accept_hospitality", _("Accepting hospitality, gifts or trips")
    SEEK_BENEFIT = "seek_benefit", _("Seeking improper benefit from evaluated units")
    REVEAL_COMPLAINANT = "reveal_complainant", _("Revealing who complained")
    RETALIATE = "retaliate", _("Obstructing or retaliating against complainants")
    OTHER_HARM = "other_harm", _("Other deliberate harm to the appraisal")


class Evaluator(models.Model):
    """A member of the evaluator roster (评议代表) kept by a unit."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="evaluators", verbose_name=_("roster unit")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evaluator_entries",
    )
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=30, choices=EvaluatorCategory.choices)
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    term_start = models.DateField(_("term start"))
    term_end = models.DateField(_("term end"))
    status = models.CharField(
        _("status"), max_length=20, choices=EvaluatorStatus.choices, default=EvaluatorStatus.ACTIVE
    )
    disqualified_for = models.CharField(
        _("prohibition breached"), max_length=30, choices=Prohibition.choices, blank=True
    )
    disqualification_reason = models.TextField(_("disqualification reason"), blank=True)
    disqualified_at = models.DateTimeField(_("disqualified at"), null=True, blank=True)

    class Meta:
        ordering = ["unit__path", "name"]
        verbose_name = _("evaluator")
        verbose_name_plural = _("evaluators")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(term_end__gte=models.F("term_start")),
                name="term_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_category_display()})"

    def serves_on(self, day) -> bool:
        return self.status == EvaluatorStatus.ACTIVE and self.term_start <= day <= self.term_end
