"""Complaints in the admin: read-only, scoped like the pages, and without any identity.

ComplainantIdentity is deliberately not registered; tracking codes and the
anonymous flag are left out because the unit concerned may be a staff user here.
"""

from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from complaints.access import visible_complaints
from complaints.models import Complaint, ComplaintAttachment, ComplaintReply, ComplaintStep
from pingyi.lib.admin import ScopedAdmin


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return True  # the parent row is already scoped

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StepInline(_ReadOnlyInline):
    model = ComplaintStep
    fields = ["seq", "status", "at", "by", "note", "public_note"]


class ReplyInline(_ReadOnlyInline):
    model = ComplaintReply
    fields = ["at", "by", "text"]


class AttachmentInline(_ReadOnlyInline):
    model = ComplaintAttachment
    # No file link: files are served only through the permission-checked page.
    fields = ["content_type", "size"]


@admin.register(Complaint)
class ComplaintAdmin(ScopedAdmin):
    scope_field = "target__unit__path"
    list_display = ["reference", "target", "category", "excerpt", "received_on", "due_date"]
    list_filter = ["kind", "category", "channel"]
    list_select_related = ["campaign", "target__unit"]
    search_fields = ["content"]
    fields = [
        "campaign",
        "target",
        "channel",
        "kind",
        "category",
        "content",
        "received_on",
        "due_date",
        "created_at",
    ]
    inlines = [StepInline, ReplyInline, AttachmentInline]

    def get_queryset(self, request):
        return visible_complaints(request.user, super().get_queryset(request))

    @admin.display(description=_("number"), ordering="pk")
    def reference(self, obj):
        return obj.number

    @admin.display(description=_("content"))
    def excerpt(self, obj):
        return Truncator(obj.content).chars(40)
