from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied

from orgs.access import reaches
from orgs.actions import do_grant_role, do_revoke_role
from orgs.models import Evaluator, Role, RoleMembership, Unit, User
from pingyi.lib.admin import ScopedAdmin


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("Pingyi", {"fields": ("display_name",)}))
    list_display = ["username", "display_name", "is_staff", "is_active"]


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    list_display = ["code", "name", "level", "kind", "parent"]
    list_filter = ["level", "kind"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]


@admin.register(RoleMembership)
class RoleMembershipAdmin(ScopedAdmin):
    """Organizers grant and revoke roles below them; both go through the audited actions."""

    scope_field = "unit__path"
    list_display = ["user", "role", "unit"]
    list_filter = ["role"]
    list_select_related = ["user", "unit"]
    raw_id_fields = ["user", "unit"]

    def has_add_permission(self, request):
        return self._may_enter(request)

    def has_delete_permission(self, request, obj=None):
        return obj is None or reaches(request.user, obj.unit, {Role.ORGANIZER})

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied("Memberships are granted or revoked, not edited.")
        saved = do_grant_role(obj.user, obj.unit, obj.role, acting_user=request.user)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        do_revoke_role(obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user", "unit"):
            do_revoke_role(membership, acting_user=request.user)


@admin.register(Evaluator)
class EvaluatorAdmin(ScopedAdmin):
    scope_field = "unit__path"
    list_display = ["name", "category", "unit", "term_start", "term_end", "status"]
    list_filter = ["category", "status"]
    search_fields = ["name", "affiliation"]
    list_select_related = ["unit"]
