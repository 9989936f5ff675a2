"""Forms parse what the pages send; the actions decide what is allowed and required."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rectification.models import ItemStatus, ReportKind, Source


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class LedgerFilterForm(forms.Form):
    target = forms.ChoiceField(label=_("Unit"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *ItemStatus.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False, label_suffix="")

    def __init__(self, data, *, targets):
        super().__init__(data)
        self.fields["target"].choices = [("", _("Every unit"))] + [
            (t.unit.code, t.unit.name) for t in targets
        ]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


class ItemForm(forms.Form):
    target = forms.ChoiceField(label=_("Unit"))
    source = forms.ChoiceField(label=_("Source"))
    problem = forms.CharField(label=_("Problem (存在问题)"), widget=forms.Textarea)
    plan = forms.CharField(label=_("Plan (整改措施)"), widget=forms.Textarea, required=False)
    responsible_person = forms.CharField(
        label=_("Responsible person (责任人)"), max_length=100, required=False
    )
    goal = forms.CharField(label=_("Goal (整改目标)"), widget=forms.Textarea, required=False)
    deadline = forms.DateField(label=_("Deadline (整改时限)"), widget=DateInput())

    def __init__(self, data=None, *, targets, sources):
        super().__init__(data)
        self.fields["target"].choices = [(t.unit.code, t.unit.name) for t in targets]
        labels = dict(Source.choices)
        self.fields["source"].choices = [(s, labels[s]) for s in sources]


class PlanForm(forms.Form):
    plan = forms.CharField(label=_("Plan (整改措施)"), widget=forms.Textarea, required=False)
    responsible_person = forms.CharField(
        label=_("Responsible person (责任人)"), max_length=100, required=False
    )
    goal = forms.CharField(label=_("Goal (整改目标)"), widget=forms.Textarea, required=False)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("What was done"), widget=forms.Textarea, required=False)


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("File (PDF, image, Word, Excel or text)"),
        error_messages={"required": _("Choose a file to upload.")},
    )
    description = forms.CharField(label=_("What it shows"), max_length=200, required=False)


class DoneForm(forms.Form):
    note = forms.CharField(label=_("How it was fixed"), widget=forms.Textarea, required=False)


class ExplainForm(forms.Form):
    explanation = forms.CharField(
        label=_("Why it cannot be fixed for now"), widget=forms.Textarea, required=False
    )


class VerificationForm(forms.Form):
    note = forms.CharField(
        label=_("Verification note (required to reject)"), widget=forms.Textarea, required=False
    )


class DueForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices)
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())
    target = forms.ChoiceField(label=_("For"), required=False)

    def __init__(self, data=None, *, targets):
        super().__init__(data)
        self.fields["target"].choices = [("", _("Every target"))] + [
            (t.unit.code, t.unit.name) for t in targets
        ]


class SubmissionForm(forms.Form):
    text = forms.CharField(label=_("Report text"), widget=forms.Textarea, required=False)
    file = forms.FileField(label=_("Attachment (optional)"), required=False)
