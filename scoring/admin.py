"""Read-only admin for scoring data, scoped to the organizing level's subtree.

Scores are sealed here as on the pages: results and outcome decisions of a
run appear only once both signers have signed it, and before publication only
to the organizers, leaders and talliers who may read them (access.py).
"""

from django.contrib import admin
from django.db.models import Q

from orgs.access import is_superuser, subtree_filter
from pingyi.lib.admin import ScopedAdmin
from scoring.access import RESULT_READERS
from scoring.models import (
    AssessorScore,
    Deduction,
    DeductionDecision,
    OutcomeDecision,
    TallyResult,
    TallyRun,
    TallySignature,
    Violation,
    ViolationWithdrawal,
)


@admin.register(TallyRun)
class TallyRunAdmin(ScopedAdmin):
    scope_field = "campaign__organizer__path"
    list_display = ["campaign", "number", "started_by", "started_at", "signed_at", "published_at"]
    list_select_related = ["campaign", "started_by"]
    # Counts and digest only: a run's scores live in TallyResult, sealed below.
    fields = [
        "campaign",
        "number",
        "digest",
        "counts",
        "started_by",
        "started_at",
        "signed_at",
        "chain_seq",
        "chain_hash",
        "published_at",
        "published_by",
    ]


@admin.register(TallySignature)
class TallySignatureAdmin(ScopedAdmin):
    scope_field = "run__campaign__organizer__path"
    list_display = ["run", "role", "user", "signed_at"]
    list_select_related = ["run__campaign", "user"]


class SealedRunAdmin(ScopedAdmin):
    """Rows of signed runs only; unpublished ones only for the roles that read results."""

    scope_field = "run__campaign__organizer__path"

    def get_queryset(self, request):
        queryset = super().get_queryset(request).filter(run__signed_at__isnull=False)
        if is_superuser(request.user):
            return queryset
        readers = subtree_filter(self.scope_field, request.user, RESULT_READERS)
        return queryset.filter(Q(run__published_at__isnull=False) | readers)


@admin.register(TallyResult)
class TallyResultAdmin(SealedRunAdmin):
    list_display = ["run", "target", "group", "total", "grade", "rank", "responses"]
    list_filter = ["group"]
    list_select_related = ["run__campaign", "target__unit"]


@admin.register(OutcomeDecision)
class OutcomeDecisionAdmin(SealedRunAdmin):
    list_display = ["run", "target", "outcomes", "decided_by", "decided_at"]
    list_select_related = ["run__campaign", "target__unit", "decided_by"]


@admin.register(AssessorScore)
class AssessorScoreAdmin(ScopedAdmin):
    scope_field = "campaign__organizer__path"
    list_display = ["campaign", "target", "component", "score", "assessor", "recorded_at"]
    list_select_related = ["campaign", "target__unit"]


@admin.register(Deduction)
class DeductionAdmin(ScopedAdmin):
    scope_field = "target__campaign__organizer__path"
    list_display = ["target", "component", "points", "recorded_by", "recorded_at"]
    list_select_related = ["target__unit", "recorded_by"]


@admin.register(DeductionDecision)
class DeductionDecisionAdmin(ScopedAdmin):
    scope_field = "deduction__target__campaign__organizer__path"
    list_display = ["deduction", "approved", "decided_by", "decided_at"]
    list_select_related = ["deduction__target__unit", "decided_by"]


@admin.register(Violation)
class ViolationAdmin(ScopedAdmin):
    scope_field = "target__campaign__organizer__path"
    list_display = ["target", "rule", "decided_by", "decided_at"]
    list_filter = ["rule"]
    list_select_related = ["target__unit", "decided_by"]


@admin.register(ViolationWithdrawal)
class ViolationWithdrawalAdmin(ScopedAdmin):
    scope_field = "violation__target__campaign__organizer__path"
    list_display = ["violation", "decided_by", "decided_at"]
    list_select_related = ["violation__target__unit", "decided_by"]
