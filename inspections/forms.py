"""Forms parse the request; the actions decide what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.access import CampaignAccess
from inspections import access as rules
from inspections.models import FOLLOW_UP_WORKING_DAYS, Hearing, InspectionKind, Severity
from orgs.models import EvaluatorStatus


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files from one input; each is checked again by the action."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class UserChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name or obj.username


class TargetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.unit.name


class TargetsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.unit.name


class EvaluatorsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        extra = f" · {obj.affiliation}" if obj.affiliation else ""
        return f"{obj.name} ({obj.get_category_display()}){extra}"


class EvaluatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_category_display()})"


class InspectionForm(forms.Form):
    target = TargetChoiceField(label=_("Unit inspected"), queryset=None)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=InspectionKind.choices, widget=forms.RadioSelect
    )
    date = forms.DateField(label=_("Date of the visit"), widget=DateInput())
    place = forms.CharField(label=_("Place"), max_length=200)
    inspectors = UserChoiceField(
        label=_("Inspectors"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea, required=False)

    def __init__(self, access: CampaignAccess, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = access.targets()
        self.fields["inspectors"].queryset = rules.eligible_inspectors(access.campaign)


class FindingForm(forms.Form):
    description = forms.CharField(label=_("Problem found"), widget=forms.Textarea)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, widget=forms.RadioSelect
    )
    deadline = forms.DateField(label=_("Rectify by"), widget=DateInput())
    evidence = MultipleFileField(
        label=_("Evidence (photos, PDF, documents)"),
        help_text=_("Optional. Files are stored under a random name."),
    )


class HearingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    place = forms.CharField(label=_("Place"), max_length=200)
    targets = TargetsChoiceField(
        label=_("Units attending"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    evaluators = EvaluatorsChoiceField(
        label=_("Evaluators present"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, access: CampaignAccess, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["targets"].queryset = access.targets()
        # Disqualified evaluators are not offered; the action refuses them as well.
        self.fields["evaluators"].queryset = rules.eligible_evaluators(access.campaign).filter(
            status=EvaluatorStatus.ACTIVE
        )


class QuestionForm(forms.Form):
    target = TargetChoiceField(label=_("Question to"), queryset=None)
    asked_by = EvaluatorChoiceField(label=_("Asked by"), queryset=None)
    text = forms.CharField(label=_("Question"), widget=forms.Textarea)
    on_site_answer = forms.CharField(
        label=_("Answer given on site"),
        widget=forms.Textarea,
        required=False,
        help_text=_("Leave empty if the unit will reply in writing."),
    )
    reply_due = forms.DateField(
        label=_("Written reply due by"),
        widget=DateInput(),
        required=False,
        help_text=_("Required when the question was not answered on site."),
    )

    def __init__(self, access: CampaignAccess, hearing: Hearing, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = hearing.targets.select_related("unit")
        # Only roster entries still serving on the hearing day; the action refuses others too.
        evaluators = hearing.evaluators.filter(
            status=EvaluatorStatus.ACTIVE,
            term_start__lte=hearing.date,
            term_end__gte=hearing.date,
        )
        if not access.has(*rules.INSPECTION_STAFF):
            evaluators = evaluators.filter(user=access.user)
        self.fields["asked_by"].queryset = evaluators
        if not rules.can_answer_on_site(access):
            del self.fields["on_site_answer"]


class AnswerForm(forms.Form):
    text = forms.CharField(label=_("Answer"), widget=forms.Textarea)


class VerdictForm(forms.Form):
    satisfied = forms.TypedChoiceField(
        label=_("Is the answer satisfactory?"),
        choices=[("yes", _("Satisfactory")), ("no", _("Unsatisfactory"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea,
        required=False,
        help_text=_("Required when the answer is unsatisfactory."),
    )
    reply_due = forms.DateField(
        label=_("Further written reply due by"),
        widget=DateInput(),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reply_due"].help_text = _(
            "When the answer is unsatisfactory: the unit replies again by this date "
            "(%(days)s working days from today if left empty)."
        ) % {"days": FOLLOW_UP_WORKING_DAYS}


class RectifyForm(forms.Form):
    problem = forms.CharField(label=_("Problem to rectify"), widget=forms.Textarea)
    deadline = forms.DateField(label=_("Rectify by"), widget=DateInput())
