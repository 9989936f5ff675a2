"""Read-only admin views, scoped to the units the staff user reaches; changes go through actions."""

from django.contrib import admin

from pingyi.lib.admin import ScopedAdmin
from rectification.models import (
    Evidence,
    ProgressNote,
    RectificationItem,
    ReportDue,
    ReportSubmission,
    Verification,
)


@admin.register(RectificationItem)
class RectificationItemAdmin(ScopedAdmin):
    scope_field = "target__unit__path"
    list_display = ["problem", "target", "source", "deadline", "status", "verified_at"]
    list_filter = ["status", "source"]
    list_select_related = ["target__unit"]
    search_fields = ["problem", "responsible_person"]


@admin.register(ProgressNote)
class ProgressNoteAdmin(ScopedAdmin):
    scope_field = "item__target__unit__path"
    list_display = ["item", "author", "created_at"]
    list_select_related = ["item", "author"]


@admin.register(Evidence)
class EvidenceAdmin(ScopedAdmin):
    scope_field = "item__target__unit__path"
    list_display = ["item", "content_type", "size", "added_by", "added_at"]
    list_select_related = ["item", "added_by"]
    # Files are served only by the permission-checked page, never by a media link here.
    exclude = ["file"]


@admin.register(Verification)
class VerificationAdmin(ScopedAdmin):
    scope_field = "item__target__unit__path"
    list_display = ["item", "accepted", "status_judged", "verified_by", "verified_at"]
    list_filter = ["accepted"]
    list_select_related = ["item", "verified_by"]


@admin.register(ReportDue)
class ReportDueAdmin(ScopedAdmin):
    scope_field = "target__unit__path"
    list_display = ["target", "kind", "due_date", "set_at"]
    list_filter = ["kind"]
    list_select_related = ["target__unit"]


@admin.register(ReportSubmission)
class ReportSubmissionAdmin(ScopedAdmin):
    scope_field = "due__target__unit__path"
    list_display = ["due", "submitted_by", "submitted_at", "late"]
    list_filter = ["late", "due__kind"]
    list_select_related = ["due__target__unit", "submitted_by"]
    exclude = ["file"]
