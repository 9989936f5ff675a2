"""Reading an assessor scores file (CSV or XLSX) into checked AssessorScore fields.

The format is DESIGN.md "Interchange formats": `target`, `component`,
`score`, and optional `assessor`, `note`. A component must be one of the
scheme's assessor leaves; one file may give a (target, component, assessor)
only once (a correction belongs in a later file). The first bad cell raises
a TableError naming its row and column. Nothing here writes.
"""

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from django.utils.translation import gettext as _

from campaigns.models import Campaign
from pingyi.lib.tables import TableError, checked, parse_decimal, read_rows
from scoring.engine import Scheme
from scoring.models import AssessorScore
from surveys.importing import TEXT_MAX_LENGTH, limited_text, target_id, target_ids

COLUMNS = ("target", "component", "score", "assessor", "note")
REQUIRED = ("target", "component", "score")
ASSESSOR_LENGTH = AssessorScore._meta.get_field("assessor").max_length
ZERO = Decimal(0)
FULL_MARKS = Decimal(100)


class ScoreReader:
    """Checks each row of a scores file against one campaign; remembers only the keys seen.

    `records(path)` gives, per data row, the values of `fields`; `fixed`
    holds the AssessorScore fields every row shares.
    """

    fields = ("target_id", "component", "score", "assessor", "note")

    def __init__(self, campaign: Campaign, scheme: Scheme):
        self.campaign = campaign
        self.targets = target_ids(campaign)
        self.components = [leaf.key for leaf in scheme.assessor_leaves()]
        self.component_set = frozenset(self.components)
        self.fixed = {"campaign_id": campaign.pk}

    def records(self, path: Path | str) -> Iterator[tuple[int, tuple]]:
        """(row number, values of `fields`) per data row; raises on the first bad cell."""
        for row, fields in self.rows(path):
            yield row, tuple(fields[name] for name in self.fields)

    def rows(self, path: Path | str) -> Iterator[tuple[int, dict]]:
        """(row number, AssessorScore field values) per data row; raises on the first bad cell."""
        seen: dict[tuple[int, str, str], int] = {}
        for row, cells in read_rows(path, columns=COLUMNS, required=REQUIRED):
            fields = self.score_fields(row, cells)
            key = (fields["target_id"], fields["component"], fields["assessor"])
            if key in seen:
                raise TableError(
                    _(
                        "row %(earlier)s already gives this target, component and assessor; "
                        "a file may give each only once"
                    )
                    % {"earlier": seen[key]},
                    row=row,
                    column="component",
                )
            seen[key] = row
            yield row, fields

    def score_fields(self, row: int, cells: dict[str, str]) -> dict:
        get = cells.get
        return {
            "campaign_id": self.campaign.pk,
            "target_id": target_id(self.targets, row, get("target", ""), self.campaign),
            "component": self._component(row, get("component", "")),
            "score": self._score(row, get("score", "")),
            "assessor": limited_text(row, "assessor", get("assessor", ""), ASSESSOR_LENGTH),
            "note": limited_text(row, "note", get("note", ""), TEXT_MAX_LENGTH),
        }

    def _component(self, row: int, text: str) -> str:
        if text in self.component_set:
            return text
        if not self.components:
            message = _("the scheme has no assessor components")
        elif not text:
            message = _("a component is required; the scheme's assessor components are %(keys)s")
            message %= {"keys": ", ".join(self.components)}
        else:
            message = _(
                "unknown component '%(key)s'; the scheme's assessor components are %(keys)s"
            ) % {"key": text, "keys": ", ".join(self.components)}
        raise TableError(message, row=row, column="component")

    def _score(self, row: int, text: str) -> Decimal:
        if not text:
            raise TableError(_("a score is required"), row=row, column="score")
        return checked(row, "score", lambda: parse_decimal(text, low=ZERO, high=FULL_MARKS))
