"""Read-only admin views; inspections are scoped to the campaign's organizing level.

Scoping by the organizer's path (not the target's) keeps covert inspections
out of the target's own staff's sight in the admin as well.
"""

from django.contrib import admin

from inspections.models import (
    AnswerVerdict,
    Finding,
    FindingEvidence,
    Hearing,
    HearingQuestion,
    Inspection,
    QuestionAnswer,
)
from pingyi.lib.admin import ScopedAdmin


@admin.register(Inspection)
class InspectionAdmin(ScopedAdmin):
    scope_field = "target__campaign__organizer__path"
    list_display = ["date", "target", "kind", "place", "recorded_by"]
    list_filter = ["kind"]
    list_select_related = ["target__unit", "recorded_by"]


@admin.register(Finding)
class FindingAdmin(ScopedAdmin):
    scope_field = "inspection__target__campaign__organizer__path"
    list_display = ["description", "severity", "deadline", "inspection", "recorded_at"]
    list_filter = ["severity"]
    list_select_related = ["inspection__target__unit"]


@admin.register(FindingEvidence)
class FindingEvidenceAdmin(ScopedAdmin):
    scope_field = "finding__inspection__target__campaign__organizer__path"
    list_display = ["__str__", "content_type", "size", "uploaded_at"]
    # The stored path is not a link: files are served only by the permission-checked view.
    exclude = ["file"]


@admin.register(Hearing)
class HearingAdmin(ScopedAdmin):
    scope_field = "campaign__organizer__path"
    list_display = ["title", "date", "place", "campaign"]
    list_select_related = ["campaign"]


@admin.register(HearingQuestion)
class HearingQuestionAdmin(ScopedAdmin):
    scope_field = "hearing__campaign__organizer__path"
    list_display = ["text", "target", "asked_by", "reply_due", "asked_at"]
    list_select_related = ["target__unit", "asked_by"]


@admin.register(QuestionAnswer)
class QuestionAnswerAdmin(ScopedAdmin):
    scope_field = "question__hearing__campaign__organizer__path"
    list_display = ["text", "mode", "answered_by", "answered_at"]
    list_filter = ["mode"]


@admin.register(AnswerVerdict)
class AnswerVerdictAdmin(ScopedAdmin):
    scope_field = "answer__question__hearing__campaign__organizer__path"
    list_display = ["answer", "satisfied", "evaluator", "recorded_at"]
    list_filter = ["satisfied"]
