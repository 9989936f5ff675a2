"""Input shapes for the complaint pages; the rules live in the actions."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.actions import MAX_CONTENT_CHARS, Identity
from complaints.models import STAFF_CHANNELS, Category, Kind, Rating


class ComplaintForm(forms.Form):
    """The public web form; the organizers' entry form adds channel and day of receipt."""

    target = forms.ChoiceField(label=_("Unit concerned"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, widget=forms.RadioSelect)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    content = forms.CharField(
        label=_("What happened, or what you suggest"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=MAX_CONTENT_CHARS,
    )
    anonymous = forms.BooleanField(
        label=_("File anonymously (we will not know who you are)"), required=False
    )
    name = forms.CharField(label=_("Name"), required=False, max_length=100)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=50)
    address = forms.CharField(label=_("Address"), required=False, max_length=300)

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = {t.unit.code: t for t in campaign.targets.select_related("unit")}
        self.fields["target"].choices = [("", "—")] + [
            (code, target.unit.name) for code, target in self.targets.items()
        ]
        self.fields["kind"].initial = Kind.COMPLAINT

    def action_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "target": self.targets.get(data["target"]),
            "kind": data["kind"],
            "category": data["category"],
            "content": data["content"],
            "anonymous": data["anonymous"],
            "identity": Identity(data["name"], data["phone"], data["address"]),
        }


class StaffComplaintForm(ComplaintForm):
    channel = forms.ChoiceField(
        label=_("Received by"), choices=[(c.value, c.label) for c in STAFF_CHANNELS]
    )
    received_on = forms.DateField(
        label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    field_order = ["channel", "received_on", "target", "kind", "category", "content"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()
        self.fields["anonymous"].label = _("The complainant did not give a name")

    def action_arguments(self) -> dict:
        return {
            **super().action_arguments(),
            "channel": self.cleaned_data["channel"],
            "received_on": self.cleaned_data["received_on"],
        }


class RatingForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("How satisfied are you with the reply?"),
        choices=Rating.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RectifyForm(forms.Form):
    """Put the complaint's problem on the unit's rectification ledger."""

    problem = forms.CharField(
        label=_("Problem to rectify"), widget=forms.Textarea(attrs={"rows": 4})
    )
    deadline = forms.DateField(
        label=_("Rectify by"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
