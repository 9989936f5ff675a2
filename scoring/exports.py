"""Tally results out: the JSON of DESIGN.md "Interchange formats", CSV and the XLSX ranking sheet.

Both a live tally (the CLI) and a sealed run (the pages, once readable) become
one `Sheet`; the three writers only format it. Numbers are the rounded
Decimals of the engine: JSON numbers, CSV decimal text, XLSX numbers.
"""

import csv
import json
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO, StringIO

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from pingyi.lib.spreadsheets import FORMULA_STARTS, keep_as_text
from pingyi.lib.spreadsheets import XLSX_CONTENT_TYPE as XLSX_CONTENT_TYPE
from scoring.engine import Scheme, TargetResult
from scoring.models import TallyRun
from scoring.queries import LiveTally, as_engine_result, run_results
from scoring.schemes import parse_scheme

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class Sheet:
    campaign: Campaign
    scheme: Scheme
    digest: str
    results: list[TargetResult]  # sorted by group, then rank (unranked last)
    votes: dict[str, dict[str, int]]  # target code -> tier label -> votes
    run: TallyRun | None = None


def _order(result: TargetResult) -> tuple:
    return (result.group, result.rank is None, result.rank or 0, result.target)


def live_sheet(campaign: Campaign, live: LiveTally) -> Sheet:
    results = sorted(live.results, key=_order)
    return Sheet(campaign, live.scheme, live.collected.digest, results, live.collected.votes)


def run_sheet(run: TallyRun) -> Sheet:
    """A sealed run's stored results; callers check can_read_scores first."""
    scheme = parse_scheme(run.scheme)
    rows = run_results(run)
    results = sorted((as_engine_result(row, scheme.precision) for row in rows), key=_order)
    votes = {row.target.unit.code: dict(row.votes) for row in rows}
    return Sheet(run.campaign, scheme, run.digest, results, votes, run)


# -- JSON ------------------------------------------------------------------------------------


def _number(value: Decimal | None) -> float | None:
    # A rounded Decimal of at most 15 significant digits survives float() and back exactly.
    return None if value is None else float(value)


def _when(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def results_data(sheet: Sheet) -> dict:
    """The tally output of DESIGN.md as plain JSON values (numbers as numbers)."""
    data = {
        "campaign": sheet.campaign.code,
        "scheme": sheet.scheme.name,
        "digest": sheet.digest,
        "results": [_result_data(sheet.scheme, r) for r in sheet.results],
    }
    run = sheet.run
    if run is not None:
        data["run"] = run.number
        data["signed_at"] = _when(run.signed_at)
        data["chain_head"] = (
            {"seq": run.chain_seq, "hash": run.chain_hash} if run.chain_seq is not None else None
        )
        data["published_at"] = _when(run.published_at)
    return data


def _result_data(scheme: Scheme, result: TargetResult) -> dict:
    return {
        "target": result.target,
        "name": result.name,
        "group": result.group,
        "responses": result.responses,
        "valid_votes": result.valid_votes,
        "components": {
            c.key: _number(result.components.get(c.key)) for c in scheme.all_components()
        },
        "total": _number(result.total),
        "grade": result.grade,
        "rank": result.rank,
        "flags": list(result.flags),
    }


def results_json(sheet: Sheet) -> str:
    return json.dumps(results_data(sheet), ensure_ascii=False, indent=2) + "\n"


# -- CSV -------------------------------------------------------------------------------------


def _tiers(sheet: Sheet) -> list[str]:
    """The scheme's tiers, then any other label found in the votes (none after a valid import)."""
    tiers = list(sheet.scheme.tier_labels())
    extra = {label for votes in sheet.votes.values() for label in votes} - set(tiers)
    return tiers + sorted(extra)


def _text(value: str | None) -> str:
    # Unit names and grades come from specs people write: keep Excel from running them.
    value = value or ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _decimal_text(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def csv_header(sheet: Sheet) -> list[str]:
    keys = [c.key for c in sheet.scheme.all_components()]
    votes = [f"votes.{tier}" for tier in _tiers(sheet)]
    return ["target", "name", "group", *votes, *keys, "total", "grade", "rank", "flags"]


def results_csv(sheet: Sheet, *, bom: bool = True) -> str:
    """UTF-8 text (with a BOM so that Excel reads it as UTF-8), one row per target."""
    out = StringIO()
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_header(sheet))
    tiers = _tiers(sheet)
    components = sheet.scheme.all_components()
    for r in sheet.results:
        votes = sheet.votes.get(r.target, {})
        writer.writerow(
            [
                _text(r.target),
                _text(r.name),
                _text(r.group),
                *(votes.get(tier, 0) for tier in tiers),
                *(_decimal_text(r.components.get(c.key)) for c in components),
                _decimal_text(r.total),
                _text(r.grade),
                "" if r.rank is None else r.rank,
                ";".join(r.flags),
            ]
        )
    return out.getvalue()


# -- XLSX ------------------------------------------------------------------------------------


def component_heading(component) -> str:
    """A column heading; a group's says it is the subtotal of the columns after it."""
    if component.is_leaf:
        return component.label
    return _("%(label)s (subtotal)") % {"label": component.label}


def flag_label(flag: str) -> str:
    labels = {
        "low_sample": _("Too few responses"),
        "incomplete": _("Incomplete"),
        "exempt": _("Exempt"),
        "violation": _("Violated the eight prohibitions"),
    }
    return labels.get(flag, flag)


def results_xlsx(sheet: Sheet) -> bytes:
    """评议结果排名表, in Chinese whatever the page language, like the other sheets sent up."""
    with translation.override("zh-hans"):
        return _workbook(sheet)


def _workbook(sheet: Sheet) -> bytes:
    # Imported here: openpyxl costs a console tally in JSON a quarter of a second to load.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    ws = book.active
    ws.title = "评议结果排名表"
    tiers = _tiers(sheet)
    components = sheet.scheme.all_components()
    title = f"{sheet.campaign.name} 评议结果排名表"
    if sheet.run is not None:
        title += " " + _("(tally run #%(number)s)") % {"number": sheet.run.number}
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    votes_headers = [f"{tier}（票）" for tier in tiers]
    points_headers = [component_heading(c) for c in components]
    ws.append(["单位", "序列", *votes_headers, *points_headers, "综合得分", "等次", "排名", "备注"])
    for cell in (*ws[1], *ws[2]):
        keep_as_text(cell)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    number_format = "0" if sheet.scheme.precision == 0 else "0." + "0" * sheet.scheme.precision
    first_points = 3 + len(tiers)
    for r in sheet.results:
        votes = sheet.votes.get(r.target, {})
        ws.append(
            [
                r.name,
                r.group,
                *(votes.get(tier, 0) for tier in tiers),
                *(r.components.get(c.key) for c in components),
                r.total,
                r.grade or "",
                r.rank,
                "、".join(flag_label(f) for f in r.flags),
            ]
        )
        row = ws[ws.max_row]
        for cell in row:
            keep_as_text(cell)
        for cell in row[first_points - 1 : first_points + len(components)]:
            cell.number_format = number_format
    ws.append([])
    for line in _footer(sheet):
        ws.append([line])
        keep_as_text(ws.cell(row=ws.max_row, column=1))
    ws.column_dimensions["A"].width = 24
    ws.freeze_panes = "B3"
    book.properties.title = title
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _footer(sheet: Sheet) -> list[str]:
    lines = [_("Digest (SHA-256): %(digest)s") % {"digest": sheet.digest}]
    run = sheet.run
    if run is None:
        lines.append(_("Live tally: not sealed or signed."))
        return lines
    if run.chain_seq is not None:
        lines.append(
            _("Audit chain head at signing: #%(seq)s %(hash)s")
            % {"seq": run.chain_seq, "hash": run.chain_hash}
        )
    if run.signed_at:
        lines.append(_("Signed: %(at)s") % {"at": _stamp(run.signed_at)})
    if run.published_at:
        lines.append(_("Published: %(at)s") % {"at": _stamp(run.published_at)})
    return lines


def _stamp(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
