"""Reading a responses file (CSV or XLSX) into checked Response fields, row by row.

The format is DESIGN.md "Interchange formats": a header row, then `target`
and any of `category`, `tier`, `score`, `item.<code>`, `problems`,
`suggestions`, `channel`, `submitted_at`. Every cell is checked against the
campaign's targets and scheme; the first bad one raises a TableError naming
its row and column. Nothing here writes: surveys.actions.import_file does.
"""

import hashlib
import re
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from pingyi.lib.tables import TableError, checked, parse_decimal, read_rows, shown
from scoring.engine import Scheme
from scoring.schemes import SchemeError, parse_scheme
from surveys.models import Channel, Response

COLUMNS = (
    "target",
    "category",
    "tier",
    "score",
    "problems",
    "suggestions",
    "channel",
    "submitted_at",
)
ITEM_PREFIX = "item."
TEXT_MAX_LENGTH = 2000
FULL_MARKS = Decimal(100)
ZERO = Decimal(0)
DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?", re.ASCII)


def _max_length(name: str) -> int:
    return Response._meta.get_field(name).max_length


CATEGORY_LENGTH = _max_length("category")
ORIGIN_LENGTH = _max_length("origin")


def file_sha256(path: Path | str) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def campaign_scheme(campaign: Campaign) -> Scheme:
    try:
        return parse_scheme(campaign.scheme)
    except SchemeError as exc:
        raise TableError(
            _("the campaign's scheme is not valid, so no file can be checked against it: %(error)s")
            % {"error": exc}
        ) from exc


def target_ids(campaign: Campaign) -> dict[str, int]:
    """Unit code → target id for the whole campaign, read once per file."""
    return dict(campaign.targets.values_list("unit__code", "pk"))


def target_id(targets: dict[str, int], row: int, text: str, campaign: Campaign) -> int:
    if not text:
        raise TableError(_("a target is required"), row=row, column="target")
    found = targets.get(text)
    if found is None:
        raise TableError(
            _("unknown target '%(code)s'; it is not a target of %(campaign)s")
            % {"code": text, "campaign": campaign.code},
            row=row,
            column="target",
        )
    return found


def limited_text(row: int, column: str, text: str, max_length: int) -> str:
    if len(text) > max_length:
        raise TableError(
            _("longer than %(max)s characters") % {"max": max_length}, row=row, column=column
        )
    return text


class ResponseReader:
    """Checks each row of a responses file against one campaign; holds no rows."""

    def __init__(self, campaign: Campaign, scheme: Scheme, *, today: date):
        self.campaign = campaign
        self.targets = target_ids(campaign)
        self.tiers = scheme.tier_labels()
        self.tier_set = frozenset(self.tiers)
        self.categories = scheme.category_labels()
        self.category_set = frozenset(self.categories)
        self.zone = timezone.get_default_timezone()
        self.days: dict[date, datetime] = {}
        self.today = today
        self.default_submitted = self._midnight(today)
        # Scores the scheme has no score-sheet component for would be stored and never counted.
        self.scores_count = scheme.survey_score_leaf() is not None

    def rows(self, path: Path | str) -> Iterator[tuple[int, dict]]:
        """(row number, Response field values) for each data row; raises on the first bad cell."""
        table = read_rows(path, columns=COLUMNS, required=("target",), prefixes=(ITEM_PREFIX,))
        for row, cells in table:
            yield row, self.response_fields(row, cells)

    def response_fields(self, row: int, cells: dict[str, str]) -> dict:
        get = cells.get
        tier = self._tier(row, get("tier", ""))
        items = self._items(row, cells)
        score = self._score(row, get("score", ""), items)
        if not tier and score is None:
            raise TableError(_("the row has no tier, score or item.<code> value"), row=row)
        return {
            "campaign_id": self.campaign.pk,
            "target_id": target_id(self.targets, row, get("target", ""), self.campaign),
            "channel": Channel.IMPORT,
            "origin": limited_text(row, "channel", get("channel", ""), ORIGIN_LENGTH),
            "category": self._category(row, get("category", "")),
            "tier": tier,
            "score": score,
            "items": items,
            "problems": limited_text(row, "problems", get("problems", ""), TEXT_MAX_LENGTH),
            "suggestions": limited_text(
                row, "suggestions", get("suggestions", ""), TEXT_MAX_LENGTH
            ),
            "submitted_at": self._submitted(row, get("submitted_at", "")),
        }

    def _tier(self, row: int, text: str) -> str:
        if not text or text in self.tier_set:
            return text
        if not self.tiers:
            message = _("unknown tier '%(tier)s'; the scheme asks for no tiers") % {"tier": text}
        else:
            message = _("unknown tier '%(tier)s'; the scheme has %(tiers)s") % {
                "tier": text,
                "tiers": ", ".join(self.tiers),
            }
        raise TableError(message, row=row, column="tier")

    def _category(self, row: int, text: str) -> str:
        if not self.categories:
            return limited_text(row, "category", text, CATEGORY_LENGTH)
        if text in self.category_set:
            return text
        known = ", ".join(self.categories)
        if not text:
            message = _("a category is required; the scheme has %(categories)s") % {
                "categories": known
            }
        else:
            message = _("unknown category '%(category)s'; the scheme has %(categories)s") % {
                "category": text,
                "categories": known,
            }
        raise TableError(message, row=row, column="category")

    def _items(self, row: int, cells: dict[str, str]) -> dict[str, str] | None:
        items = {}
        for column, text in cells.items():
            if text and column.startswith(ITEM_PREFIX):
                value = checked(
                    row, column, lambda text=text: parse_decimal(text, low=ZERO, high=FULL_MARKS)
                )
                items[column[len(ITEM_PREFIX) :]] = str(value)
        return items or None

    def _score(self, row: int, text: str, items: dict[str, str] | None) -> Decimal | None:
        if (text or items) and not self.scores_count:
            raise TableError(
                _("the scheme has no score-sheet component, so this score would not be counted"),
                row=row,
                column="score" if text else ITEM_PREFIX + next(iter(items)),
            )
        if text:
            return checked(row, "score", lambda: parse_decimal(text, low=ZERO, high=FULL_MARKS))
        if not items:
            return None
        total = sum((Decimal(value) for value in items.values()), ZERO)
        if total > FULL_MARKS:
            raise TableError(
                _("the item scores add up to %(total)s, more than 100") % {"total": total},
                row=row,
                column=ITEM_PREFIX + "*",
            )
        return total

    def _submitted(self, row: int, text: str) -> datetime:
        if not text:
            return self.default_submitted
        match = DATE.fullmatch(text)
        try:
            if match is None:
                raise ValueError(text)
            year, month, day, hour, minute, second = (int(g or 0) for g in match.groups())
            # Checked for a real date and time, then kept to the day only.
            day_of = datetime(year, month, day, hour, minute, second).date()
        except ValueError as exc:
            raise TableError(
                _("'%(text)s' is not a date (YYYY-MM-DD or YYYY-MM-DD HH:MM)")
                % {"text": shown(text)},
                row=row,
                column="submitted_at",
            ) from exc
        if day_of > self.today:
            raise TableError(
                _("%(day)s is in the future") % {"day": day_of.isoformat()},
                row=row,
                column="submitted_at",
            )
        return self._midnight(day_of)

    def _midnight(self, day: date) -> datetime:
        """Answers are kept to the day (Asia/Shanghai), so their order cannot be matched to logs."""
        found = self.days.get(day)
        if found is None:
            found = self.days[day] = timezone.make_aware(datetime.combine(day, time()), self.zone)
        return found
