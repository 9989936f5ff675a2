"""Checking one respondent's answers against a questionnaire and its campaign's scheme.

The same check serves the public page, the API and paper keying, so every
channel refuses the same things with the same messages.
"""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from scoring.engine import Scheme
from surveys.models import Questionnaire
from surveys.questionnaires import Item, categories_of, items_of, scheme_of, tiers_of

ITEM_PREFIX = "item_"
# Control characters other than line breaks and tabs never belong in free text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Form:
    """What a questionnaire asks, resolved against the campaign's scheme."""

    questionnaire: Questionnaire
    tiers: tuple[str, ...]
    categories: tuple[str, ...]
    items: tuple[Item, ...]
    fixed_category: str = ""

    @property
    def asks_category(self) -> bool:
        return bool(self.categories) and not self.fixed_category


@dataclass(frozen=True)
class Answers:
    tier: str = ""
    category: str = ""
    items: dict[str, str] = field(default_factory=dict)
    score: Decimal | None = None
    problems: str = ""
    suggestions: str = ""

    def as_json(self) -> dict:
        """For paper entries and their comparison: every value as text."""
        return {
            "tier": self.tier,
            "category": self.category,
            "items": dict(self.items),
            "problems": self.problems,
            "suggestions": self.suggestions,
        }


def form_for(
    questionnaire: Questionnaire, *, fixed_category: str = "", scheme: Scheme | None = None
) -> Form:
    scheme = scheme or scheme_of(questionnaire.campaign)
    return Form(
        questionnaire=questionnaire,
        tiers=tiers_of(scheme),
        categories=categories_of(questionnaire, scheme),
        items=items_of(questionnaire),
        fixed_category=fixed_category,
    )


def clean_answers(form: Form, data: Mapping) -> Answers:
    """The answers in `data` (tier, category, item_<key>, problems, suggestions), checked.

    Raises ValidationError({field: [message]}) naming every bad field at once.
    """
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    tier = _text(data.get("tier"))
    if form.tiers:
        if not tier:
            fail("tier", _("Please choose an overall rating."))
        elif tier not in form.tiers:
            fail("tier", _("'%(tier)s' is not one of the offered ratings.") % {"tier": tier[:50]})
    elif tier:
        fail("tier", _("This questionnaire asks for no overall rating."))
    category = _category(form, _text(data.get("category")), fail)
    items = {}
    for item in form.items:
        value = _item(item, _text(data.get(ITEM_PREFIX + item.key)), fail)
        if value is not None:
            items[item.key] = str(value)
    questionnaire = form.questionnaire
    problems = _free_text(data, "problems", questionnaire.ask_problems, questionnaire, fail)
    suggestions = _free_text(
        data, "suggestions", questionnaire.ask_suggestions, questionnaire, fail
    )
    if errors:
        raise ValidationError(errors)
    score = sum((Decimal(v) for v in items.values()), Decimal(0)) if form.items else None
    return Answers(tier, category, items, score, problems, suggestions)


def plain_text(value) -> str:
    """Form or JSON input as storable text: stripped, without NUL or lone surrogates."""
    return _text(value)


def _text(value) -> str:
    if isinstance(value, list | tuple):
        value = value[-1] if value else ""
    text = "" if value is None else str(value).strip()
    # NUL and lone surrogates cannot be stored (PostgreSQL refuses NUL, UTF-8 surrogates).
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _category(form: Form, category: str, fail) -> str:
    if form.fixed_category:
        return form.fixed_category
    if not form.categories:
        if category:
            fail("category", _("This questionnaire asks for no respondent category."))
        return ""
    if not category:
        fail("category", _("Please say which of the listed groups you belong to."))
    elif category not in form.categories:
        fail(
            "category",
            _("'%(category)s' is not one of the listed groups.") % {"category": category[:50]},
        )
    return category


def _item(item: Item, text: str, fail) -> Decimal | None:
    name = ITEM_PREFIX + item.key
    if not text:
        fail(name, _("Please give a score for “%(item)s”.") % {"item": item.label})
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    # The exponent test, not quantize: quantize raises on 1e30 instead of answering.
    if value is None or not value.is_finite() or value.as_tuple().exponent < -2:
        fail(name, _("“%(item)s” needs a number, such as 8 or 7.5.") % {"item": item.label})
        return None
    if not Decimal(0) <= value <= item.max:  # also refuses 1e30, whose exponent is positive
        fail(
            name,
            _("“%(item)s” takes a score from 0 to %(max)s.")
            % {"item": item.label, "max": item.max},
        )
        return None
    # One spelling per value: "7.50" and "7.5" are stored alike, "40" never as "4E+1".
    return Decimal(format(value.normalize(), "f"))


def _free_text(data: Mapping, name: str, asked: bool, questionnaire: Questionnaire, fail) -> str:
    text = unicodedata.normalize("NFC", _CONTROL.sub("", _text(data.get(name))))
    if not asked:
        return ""
    if len(text) > questionnaire.max_text_length:
        fail(
            name,
            _("Please keep this to %(limit)s characters (you wrote %(length)s).")
            % {"limit": questionnaire.max_text_length, "length": len(text)},
        )
    return text
