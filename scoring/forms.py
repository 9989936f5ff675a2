"""Forms parse what the tally pages send; the actions decide what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from orgs.models import Prohibition
from scoring.models import OutcomeKind, SignerRole


def _text_area() -> forms.Textarea:
    return forms.Textarea(attrs={"rows": 3})


def _target_choices(targets) -> list[tuple[str, str]]:
    return [(t.unit.code, t.unit.name) for t in targets]


class ViolationForm(forms.Form):
    target = forms.ChoiceField(label=_("Unit"))
    rule = forms.ChoiceField(label=_("Prohibition breached"), choices=Prohibition.choices)
    evidence = forms.CharField(label=_("Evidence"), widget=_text_area())

    def __init__(self, data=None, *, targets, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["target"].choices = _target_choices(targets)


class WithdrawalForm(forms.Form):
    reason = forms.CharField(label=_("Why it is withdrawn"), widget=_text_area())


class DeductionForm(forms.Form):
    target = forms.ChoiceField(label=_("Unit"))
    component = forms.ChoiceField(label=_("Component"))
    points = forms.DecimalField(
        label=_("Points deducted"), min_value=0, max_value=100, decimal_places=2
    )
    reason = forms.CharField(label=_("Reason"), widget=_text_area())

    def __init__(self, data=None, *, targets, leaves, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["target"].choices = _target_choices(targets)
        self.fields["component"].choices = [(c.key, c.label) for c in leaves]


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), widget=_text_area(), required=False, max_length=2000
    )


class SignForm(forms.Form):
    role = forms.ChoiceField(choices=SignerRole.choices)


class OutcomeForm(forms.Form):
    outcomes = forms.MultipleChoiceField(
        label=_("Outcomes"),
        choices=OutcomeKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    note = forms.CharField(label=_("Note"), widget=_text_area(), required=False)
