from django.contrib import admin

from audit.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only for everyone: events are written by actions, never by hand."""

    list_display = ["seq", "at", "actor_label", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "actor_label", "action"]

    def has_view_permission(self, request, obj=None):
        from orgs.access import can_read_audit

        return can_read_audit(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
