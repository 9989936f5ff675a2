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
from pingyi.lib.tables import TableError, checked, parse_decimal, read_table, shown
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
# Distinct cell texts remembered per file once checked (numbers, dates): enough for any
# real file's repeats, and a bound on memory whatever the number of rows.
REMEMBERED = 50_000
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
    """Checks each row of a responses file against one campaign; holds no rows.

    `records(path)` gives, per data row, the values of `fields` (the Response
    fields that differ between rows; `fixed` holds the others). Each row is
    checked by a fast path that only accepts what `response_fields`, the
    reference, accepts, with the same values; a row it doubts goes to the
    reference, which names the first bad cell exactly as it always has.
    """

    fields = (
        "target_id",
        "origin",
        "category",
        "tier",
        "score",
        "items",
        "problems",
        "suggestions",
        "submitted_at",
    )

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
        self.fixed = {"campaign_id": campaign.pk, "channel": Channel.IMPORT}

    def records(self, path: Path | str) -> Iterator[tuple[int, tuple]]:
        """(row number, values of `fields`) for each data row; raises on the first bad cell."""
        table = read_table(path, columns=COLUMNS, required=("target",), prefixes=(ITEM_PREFIX,))
        record = self._fast_record(table.names)
        for row, values in table:
            yield row, record(row, values)

    def _fast_record(self, names: list[str | None]):
        """A checker for rows under this header: the reference's checks, with repeats remembered.

        Absent columns read the blank appended to each row. Numbers and dates
        are remembered by their text once the reference parser accepted them.
        """
        where = {name: i for i, name in enumerate(names) if name is not None}
        blank = len(names)
        at = {column: where.get(column, blank) for column in COLUMNS}
        items = [
            (i, name[len(ITEM_PREFIX) :])
            for name, i in where.items()
            if name.startswith(ITEM_PREFIX)
        ]
        i_target, i_tier, i_category, i_score = (
            at["target"],
            at["tier"],
            at["category"],
            at["score"],
        )
        i_channel, i_submitted = at["channel"], at["submitted_at"]
        i_problems, i_suggestions = at["problems"], at["suggestions"]
        targets = self.targets.get
        tier_set = self.tier_set
        category_set = self.category_set if self.categories else None
        scores_count = self.scores_count
        numbers: dict[str, tuple[Decimal, str]] = {}
        days: dict[str, datetime] = {"": self.default_submitted}

        def number(text: str) -> tuple[Decimal, str] | None:
            try:
                value = parse_decimal(text, low=ZERO, high=FULL_MARKS)
            except ValueError:
                return None
            found = (value, str(value))
            if len(numbers) < REMEMBERED:
                numbers[text] = found
            return found

        def day(row: int, text: str) -> datetime | None:
            try:
                found = self._submitted(row, text)
            except TableError:
                return None
            if len(days) < REMEMBERED:
                days[text] = found
            return found

        def record(row: int, values: list[str]) -> tuple:
            values.append("")
            target = targets(values[i_target])
            tier = values[i_tier]
            category = values[i_category]
            origin = values[i_channel]
            problems = values[i_problems]
            suggestions = values[i_suggestions]
            text = values[i_submitted]
            submitted = days.get(text) or day(row, text)
            if (
                target is None
                or submitted is None
                or (tier and tier not in tier_set)
                or (
                    category not in category_set
                    if category_set is not None
                    else len(category) > CATEGORY_LENGTH
                )
                or len(origin) > ORIGIN_LENGTH
                or len(problems) > TEXT_MAX_LENGTH
                or len(suggestions) > TEXT_MAX_LENGTH
            ):
                return self._reference(row, names, values)
            sheet = None
            total = ZERO
            for i, code in items:
                text = values[i]
                if text:
                    parsed = numbers.get(text) or number(text)
                    if parsed is None:
                        return self._reference(row, names, values)
                    if sheet is None:
                        sheet = {}
                    sheet[code] = parsed[1]
                    total += parsed[0]
            text = values[i_score]
            if text or sheet:
                if not scores_count:
                    return self._reference(row, names, values)
                if text:
                    parsed = numbers.get(text) or number(text)
                    if parsed is None:
                        return self._reference(row, names, values)
                    score = parsed[0]
                elif total > FULL_MARKS:
                    return self._reference(row, names, values)
                else:
                    score = total
            elif not tier:
                return self._reference(row, names, values)
            else:
                score = None
            return (
                target,
                origin,
                category,
                tier,
                score,
                sheet,
                problems,
                suggestions,
                submitted,
            )

        return record

    def _reference(self, row: int, names: list[str | None], values: list[str]) -> tuple:
        """The row through response_fields: raises naming the first bad cell, as it always has."""
        # strict=False: the fast path appended its blank to the values.
        cells = {name: value for name, value in zip(names, values, strict=False) if name}
        fields = self.response_fields(row, cells)
        return tuple(fields[name] for name in self.fields)

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
