"""Writing questionnaires: defaults from the campaign, checks against its scheme, versions.

A questionnaire is configuration, edited in place until its first response
arrives; after that a save writes the next version and the old one stays as
it was answered.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.record import record_event
from campaigns.access import CampaignAccess
from campaigns.models import Campaign, PhaseKind
from orgs.access import stored_user
from orgs.models import Role
from scoring.engine import Scheme
from scoring.schemes import SchemeError, parse_scheme
from surveys.models import Questionnaire, TimeGranularity

FULL_MARKS = Decimal(100)
EDITABLE = (
    "title",
    "intro",
    "tier_prompt",
    "category_prompt",
    "categories",
    "items",
    "ask_problems",
    "ask_suggestions",
    "max_text_length",
    "opens_on",
    "closes_on",
    "time_granularity",
    "min_seconds",
    "burst_count",
    "burst_minutes",
)
TEXT_LIMIT = 20_000


@dataclass(frozen=True)
class Item:
    key: str
    label: str
    max: Decimal


def scheme_of(campaign: Campaign) -> Scheme:
    try:
        return parse_scheme(campaign.scheme)
    except SchemeError as exc:
        raise ValidationError(
            _("The campaign's scheme is not valid: %(error)s") % {"error": exc}
        ) from exc


def current_questionnaire(campaign: Campaign) -> Questionnaire | None:
    """The newest version: the one new respondents answer."""
    return campaign.questionnaires.order_by("-version").first()


def items_of(questionnaire: Questionnaire) -> tuple[Item, ...]:
    return tuple(Item(i["key"], i["label"], Decimal(str(i["max"]))) for i in questionnaire.items)


def tiers_of(scheme: Scheme) -> tuple[str, ...]:
    return tuple(scheme.tier_labels())


def categories_of(questionnaire: Questionnaire, scheme: Scheme) -> tuple[str, ...]:
    """The scheme's weighted categories where it has them, else the questionnaire's own."""
    return tuple(scheme.category_labels()) or tuple(questionnaire.categories)


def defaults(campaign: Campaign) -> dict:
    """A first questionnaire that asks what the campaign's scheme counts."""
    scheme = scheme_of(campaign)
    phase = campaign.phases.filter(kind=PhaseKind.EVALUATE).first()
    today = timezone.localdate()
    model_defaults = {
        name: Questionnaire._meta.get_field(name).get_default()
        for name in EDITABLE
        if Questionnaire._meta.get_field(name).has_default()
    }
    return {
        **model_defaults,
        "title": _("%(campaign)s: satisfaction survey") % {"campaign": campaign.name},
        "tier_prompt": _("Overall, how satisfied are you with this unit's conduct and service?"),
        "category_prompt": _("Which of these describes you?"),
        "categories": list(scheme.category_labels()),
        "items": [],
        "opens_on": phase.start if phase else today,
        "closes_on": phase.end if phase else today,
        "time_granularity": TimeGranularity.DAY,
    }


def check_may_edit(campaign: Campaign, acting_user) -> None:
    if acting_user is None:
        return  # the console operator
    if not CampaignAccess(acting_user, campaign).has(Role.ORGANIZER):
        raise PermissionDenied(_("Only an organizer of the campaign may edit its questionnaire."))


def do_save_questionnaire(campaign: Campaign, fields: dict, *, acting_user) -> Questionnaire:
    """Create, edit or (once answered) supersede the campaign's questionnaire.

    `fields` holds any of EDITABLE; what it leaves out keeps its current
    value (or the default for a first version). Every error is reported at
    once as ValidationError({field: [message]}).
    """
    check_may_edit(campaign, acting_user)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    with transaction.atomic():
        # FOR NO KEY UPDATE: an answer's insert (a foreign-key check, FOR KEY SHARE) must not
        # wait on it while holding the questionnaire row this action may need: a deadlock.
        Campaign.objects.select_for_update(no_key=True).filter(pk=campaign.pk).first()
        current = campaign.questionnaires.select_for_update().order_by("-version").first()
        base = _values(current) if current else defaults(campaign)
        values = clean_fields({**base, **fields}, scheme_of(campaign))
        now = timezone.now()
        if current is None or current.is_frozen:
            questionnaire = Questionnaire.objects.create(
                campaign=campaign,
                version=(current.version + 1) if current else 1,
                created_by=stored_user(acting_user),
                created_at=now,
                **values,
            )
        else:
            questionnaire = current
            for name, value in values.items():
                setattr(questionnaire, name, value)
            questionnaire.save()
        record_event(
            "surveys.questionnaire_saved",
            questionnaire,
            acting_user=acting_user,
            data={"campaign": campaign.code, "version": questionnaire.version},
        )
    return questionnaire


def _values(questionnaire: Questionnaire) -> dict:
    return {name: getattr(questionnaire, name) for name in EDITABLE}


def clean_fields(values: dict, scheme: Scheme) -> dict:
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    for name in ("title", "tier_prompt", "category_prompt"):
        values[name] = str(values.get(name) or "").strip()
        if not values[name] and (name != "category_prompt"):
            fail(name, _("This field is required."))
        elif len(values[name]) > (200 if name == "title" else 300):
            fail(name, _("This text is too long."))
    values["intro"] = str(values.get("intro") or "").strip()
    if len(values["intro"]) > TEXT_LIMIT:
        fail("intro", _("This text is too long."))
    values["categories"] = _categories(values.get("categories"), scheme, fail)
    values["items"] = _items(values.get("items"), scheme, fail)
    if not tiers_of(scheme) and not values["items"]:
        fail(
            "items",
            _("The scheme has no tier question, so the questionnaire needs score-sheet items."),
        )
    elif scheme.survey_score_leaf() is not None and not values["items"]:
        fail(
            "items",
            _("The scheme counts a score sheet, so the questionnaire needs score-sheet items."),
        )
    for name in ("ask_problems", "ask_suggestions"):
        values[name] = bool(values.get(name))
    for name, low, high in (
        ("max_text_length", 10, TEXT_LIMIT),
        ("min_seconds", 0, 3600),
        ("burst_count", 1, 100_000),
        ("burst_minutes", 1, 24 * 60),
    ):
        values[name] = _integer(
            values.get(name, Questionnaire._meta.get_field(name).default), name, low, high, fail
        )
    for name in ("opens_on", "closes_on"):
        if not isinstance(values.get(name), date):
            fail(name, _("Enter a date."))
    if not errors and values["closes_on"] < values["opens_on"]:
        fail("closes_on", _("The survey must close on or after the day it opens."))
    if values.get("time_granularity") not in TimeGranularity.values:
        fail("time_granularity", _("Choose day or hour."))
    if errors:
        raise ValidationError(errors)
    return values


def _integer(value, name: str, low: int, high: int, fail) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        fail(name, _("Enter a whole number."))
        return 0
    if not low <= number <= high:
        fail(name, _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high})
    return number


def _categories(value, scheme: Scheme, fail) -> list[str]:
    if scheme.category_labels():
        # The scheme weighs these categories; the questionnaire must offer exactly them.
        return list(scheme.category_labels())
    names = [str(v).strip() for v in (value or []) if str(v).strip()]
    if len(set(names)) != len(names):
        fail("categories", _("Each category may appear only once."))
    if any(len(n) > 50 for n in names):
        fail("categories", _("A category name may have at most 50 characters."))
    return names


def _items(value, scheme: Scheme, fail) -> list[dict]:
    items, keys = [], set()
    for position, raw in enumerate(value or [], start=1):
        label = str(raw.get("label", "")).strip()
        key = str(raw.get("key") or f"i{position}").strip()
        try:
            maximum = Decimal(str(raw.get("max")))
        except (InvalidOperation, ValueError):
            maximum = Decimal(-1)
        if not label or len(label) > 300:
            fail(
                "items", _("Item %(n)s needs a label of at most 300 characters.") % {"n": position}
            )
        if (
            not maximum.is_finite()
            or not 0 < maximum <= FULL_MARKS
            or maximum.as_tuple().exponent < -2
        ):
            fail(
                "items",
                _("Item %(n)s needs a maximum above 0 with at most two decimals.")
                % {"n": position},
            )
        if key in keys or not key.isidentifier() or len(key) > 30:
            fail("items", _("Item %(n)s has a duplicate or invalid key.") % {"n": position})
        keys.add(key)
        items.append({"key": key, "label": label, "max": str(maximum)})
    if items and all(Decimal(i["max"]) > 0 for i in items):
        total = sum((Decimal(i["max"]) for i in items), Decimal(0))
        if total != FULL_MARKS:
            fail(
                "items",
                _("The items' maxima must add up to 100 (they add up to %(total)s).")
                % {"total": total},
            )
    return items
