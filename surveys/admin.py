"""Import batches in the admin, read-only; responses have no admin page.

Single responses are not listed: their tiers and scores would let anyone add
up a tally that stays sealed until both signatures (ADR 0006).
"""

from django.contrib import admin

from pingyi.lib.admin import ScopedAdmin
from surveys.models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(ScopedAdmin):
    scope_field = "campaign__organizer__path"
    list_display = ["campaign", "kind", "filename", "rows", "again", "imported_by", "imported_at"]
    list_filter = ["kind"]
    list_select_related = ["campaign", "imported_by"]
