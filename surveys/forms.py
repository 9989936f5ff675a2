"""Input shapes for the surveys staff pages; the rules live in the actions.

The questionnaire form turns two textareas into the JSON the action takes:
score-sheet items, one "label | maximum" per line, and respondent
categories, one per line. Sums, ranges and dates are the action's to check.
"""

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.models import Questionnaire, TimeGranularity
from surveys.questionnaires import EDITABLE

# Chinese input methods type the full-width bar; both separate a label from its maximum.
ITEM_SEPARATORS = ("|", "｜")


def _label(name: str):
    return capfirst(Questionnaire._meta.get_field(name).verbose_name)


def items_as_text(items: list[dict]) -> str:
    return "\n".join(f"{item['label']} | {item['max']}" for item in items)


def parse_items(text: str, known_keys: dict[str, str]) -> list[dict]:
    """Lines "label | max" as [{key, label, max}]; an item keeps its key while its label stays.

    `known_keys` maps the current version's labels to their keys; a new label
    gets the first free key i1, i2 … Raises ValidationError naming each bad line.
    """
    errors, rows = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        for separator in ITEM_SEPARATORS:
            line = line.replace(separator, "|")
        label, bar, maximum = line.rpartition("|")
        label, maximum = label.strip(), maximum.strip()
        if not bar or not label:
            errors.append(
                _("Line %(n)s: write “label | maximum points”, for example “服务态度 | 40”.")
                % {"n": number}
            )
            continue
        try:
            Decimal(maximum)
        except InvalidOperation:
            errors.append(
                _("Line %(n)s: “%(max)s” is not a number of points.")
                % {"n": number, "max": maximum[:20]}
            )
            continue
        rows.append((label, maximum))
    if errors:
        raise ValidationError(errors)
    used = {known_keys[label] for label, _max in rows if label in known_keys}
    items, fresh = [], (f"i{n}" for n in range(1, 10_000) if f"i{n}" not in used)
    for label, maximum in rows:
        key = known_keys.get(label) or next(fresh)
        items.append({"key": key, "label": label, "max": maximum})
    return items


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class QuestionnaireForm(forms.Form):
    """Every field of surveys.questionnaires.EDITABLE, as a person types it."""

    title = forms.CharField(label=_label("title"), max_length=200)
    intro = forms.CharField(
        label=_label("intro"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Shown above the questions; keep the promise of anonymity."),
    )
    tier_prompt = forms.CharField(label=_label("tier_prompt"), max_length=300)
    category_prompt = forms.CharField(
        label=_label("category_prompt"), max_length=300, required=False
    )
    categories = forms.CharField(
        label=_label("categories"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "One per line. Leave empty to ask no category. "
            "An invitation batch or open link may fix the category instead."
        ),
    )
    items = forms.CharField(
        label=_label("items"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "One item per line: “label | maximum points”, for example “服务态度 | 40”. "
            "The maxima add up to 100; the respondent's score is the sum. "
            "Leave empty for no score sheet."
        ),
    )
    ask_problems = forms.BooleanField(label=_label("ask_problems"), required=False)
    ask_suggestions = forms.BooleanField(label=_label("ask_suggestions"), required=False)
    max_text_length = forms.IntegerField(label=_label("max_text_length"))
    opens_on = forms.DateField(label=_label("opens_on"), widget=_date_input())
    closes_on = forms.DateField(label=_label("closes_on"), widget=_date_input())
    time_granularity = forms.ChoiceField(
        label=_label("time_granularity"),
        choices=TimeGranularity.choices,
        help_text=gettext_lazy(
            "Answers are stored with the day (or hour) only, so their order "
            "cannot be matched to when invitations were used."
        ),
    )
    min_seconds = forms.IntegerField(
        label=_label("min_seconds"),
        help_text=gettext_lazy("Answers completed faster than this are flagged for review."),
    )
    burst_count = forms.IntegerField(label=_label("burst_count"))
    burst_minutes = forms.IntegerField(
        label=_label("burst_minutes"),
        help_text=gettext_lazy(
            "More than N answers to one unit through open links within M minutes are flagged."
        ),
    )

    def __init__(self, *args, values: dict, fixed_categories: tuple[str, ...] = (), **kwargs):
        """`values`: the current version's EDITABLE values (or the defaults for a first one)."""
        initial = {
            **values,
            "items": items_as_text(values.get("items") or []),
            "categories": "\n".join(fixed_categories or values.get("categories") or []),
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.known_keys = {item["label"]: item["key"] for item in values.get("items") or []}
        self.fixed_categories = fixed_categories
        if fixed_categories:
            field = self.fields["categories"]
            field.disabled = True
            field.help_text = _(
                "Fixed by the campaign's scheme, which weighs these categories; "
                "change the scheme to change them."
            )

    def clean_items(self) -> list[dict]:
        return parse_items(self.cleaned_data["items"], self.known_keys)

    def clean_categories(self) -> list[str]:
        lines = (line.strip() for line in self.cleaned_data["categories"].splitlines())
        return [line for line in lines if line]

    def action_fields(self) -> dict:
        """The cleaned values for do_save_questionnaire; scheme-fixed categories stay out."""
        fields = {name: self.cleaned_data[name] for name in EDITABLE}
        if self.fixed_categories:
            del fields["categories"]
        return fields
