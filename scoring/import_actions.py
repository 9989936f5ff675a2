"""Importing assessor scores (检查评议分) from a file, atomic and audited.

Apart from scoring/actions.py so that the import machinery it shares with
survey responses (surveys.actions.import_file) stays in one place.
"""

from pathlib import Path

from django.utils import timezone

from campaigns.models import Campaign
from scoring.importing import ScoreReader
from scoring.models import AssessorScore
from surveys.actions import Progress, check_may_import, import_file
from surveys.importing import campaign_scheme
from surveys.models import ImportBatch, ImportKind


def do_import_scores(
    campaign: Campaign,
    path: Path | str,
    *,
    again: bool = False,
    acting_user,
    progress: Progress | None = None,
) -> ImportBatch:
    """Import an assessor scores file (CSV/XLSX) as one batch: every row, or none.

    Errors as for surveys.actions.do_import_responses. A score for a
    (target, component, assessor) that an earlier batch gave is a correction:
    the tally counts the latest.
    """
    check_may_import(campaign, acting_user)
    reader = ScoreReader(campaign, campaign_scheme(campaign))
    return import_file(
        campaign,
        path,
        kind=ImportKind.SCORES,
        reader=reader,
        model=AssessorScore,
        event="scoring.scores_imported",
        again=again,
        acting_user=acting_user,
        progress=progress,
        extra={
            "recorded_by": acting_user if getattr(acting_user, "pk", None) else None,
            "recorded_at": timezone.now(),
        },
    )
