"""The admin sees what its user reaches, through the same permission module as the pages."""

from django.contrib import admin

from orgs.access import filter_by_subtree, grants_of, is_superuser


class ScopedAdmin(admin.ModelAdmin):
    """Rows limited to the user's subtrees via `scope_field` (a unit path); read-only by default.

    Changes to evaluation data go through actions; an admin that allows a
    change overrides save_model/delete_model to call the action.
    """

    scope_field = "path"

    def get_queryset(self, request):
        return filter_by_subtree(super().get_queryset(request), self.scope_field, request.user)

    def _may_enter(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_staff and (is_superuser(user) or bool(grants_of(user)))

    def has_module_permission(self, request):
        return self._may_enter(request)

    def has_view_permission(self, request, obj=None):
        if not self._may_enter(request):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
