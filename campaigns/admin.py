from django.contrib import admin

from campaigns.models import Campaign, Phase, Target, TransitionRequest
from pingyi.lib.admin import ScopedAdmin


@admin.register(Campaign)
class CampaignAdmin(ScopedAdmin):
    scope_field = "organizer__path"
    list_display = ["code", "name", "year", "organizer"]
    list_select_related = ["organizer"]


@admin.register(Target)
class TargetAdmin(ScopedAdmin):
    scope_field = "campaign__organizer__path"
    list_display = ["unit", "campaign", "group", "exempt", "stage"]
    list_filter = ["group", "exempt", "stage"]
    list_select_related = ["unit", "campaign"]


@admin.register(Phase)
class PhaseAdmin(ScopedAdmin):
    scope_field = "campaign__organizer__path"
    list_display = ["campaign", "kind", "name", "start", "end"]
    list_select_related = ["campaign"]


@admin.register(TransitionRequest)
class TransitionRequestAdmin(ScopedAdmin):
    scope_field = "target__campaign__organizer__path"
    list_display = ["target", "from_stage", "to_stage", "status", "requested_at", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["target__unit"]
