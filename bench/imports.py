"""Imports: rows/s of `pingyi responses import` for a big CSV and XLSX, against PostgreSQL COPY.

The files are generated for the campaign under test (its targets, tiers,
categories and whether it counts score sheets, read in a small Django
subprocess), so every row passes the import's full validation. The import
runs as a user runs it, `pingyi responses import CODE FILE --again`, timed
with its own peak RSS; the CSV is imported at two sizes (all its rows and a
fifth of them) to show that memory does not grow with the rows.

The yardstick is PostgreSQL's `COPY … FROM STDIN (FORMAT csv, HEADER)` of
the same CSV into a TEMP table of text columns named as the header: what
the server takes in without a single check. On SQLite it is measured on the
PostgreSQL server of BENCH_POSTGRES_URL (a database URL) or BENCH_PG_URL (a
server, its `postgres` database; TEMP tables only) when one answers, and
labelled `postgres_copy`. With BENCH_IMPORT_CEILING=1 (PostgreSQL), the
rows the import wrote are also copied into a scratch twin of
surveys_response (same columns, indexes and foreign keys, then dropped):
the most any importer could reach on that table.

    python -m bench.imports --db sqlite|postgres [--database-url URL] --rows N
        [--xlsx-rows N] [--campaign CODE] [--ceiling]

runs it alone, on a campaign of its own unless one is named.
"""

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench.common import Context, log, measure

SEED = 20260906
CHANNELS = ("纸质", "电话", "短信", "网络", "上门走访", "")
PROBLEMS = (
    "窗口排队时间长，叫号系统经常出故障",
    "办事指南与实际要求不一致，来回跑了三趟",
    "工作人员态度生硬，解释政策不耐烦",
    "网上申报系统卡顿，上传材料总是失败",
    "午休时间无人值守，群众只能等待",
    "收费项目不公开，不清楚依据",
)
SUGGESTIONS = (
    "增设自助服务终端，延长周末办理时间",
    "一次性告知所需材料，推行容缺受理",
    "加强业务培训，提高服务意识",
    "公开投诉电话并限时答复",
)
DEFAULT_CSV_ROWS = 1_000_000
DEFAULT_XLSX_ROWS = 200_000


def run(ctx: Context) -> dict:
    csv_rows = int(ctx.sizes.get("import_csv_rows", DEFAULT_CSV_ROWS))
    xlsx_rows = int(ctx.sizes.get("import_xlsx_rows", DEFAULT_XLSX_ROWS))
    small_rows = max(csv_rows // 5, 1)
    if not ctx.campaign:
        ctx.campaign = load_campaign(ctx)
    shape = campaign_shape(ctx)
    folder = ctx.workdir / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / f"responses-{csv_rows}.csv"
    small_path = folder / f"responses-{small_rows}.csv"
    xlsx_path = folder / f"responses-{xlsx_rows}.xlsx"
    log(f"{ctx.db}: imports: writing {csv_rows:,} + {small_rows:,} CSV and {xlsx_rows:,} XLSX rows")
    write_csv(csv_path, shape, csv_rows)
    write_csv(small_path, shape, small_rows)
    write_xlsx(xlsx_path, shape, xlsx_rows)

    result: dict = {
        "campaign": ctx.campaign,
        "targets": len(shape["targets"]),
        "columns": header(shape),
        "csv_rows": csv_rows,
        "csv_mib": round(csv_path.stat().st_size / 2**20, 1),
        "xlsx_rows": xlsx_rows,
        "xlsx_mib": round(xlsx_path.stat().st_size / 2**20, 1),
    }
    for name, path, rows in (
        ("csv", csv_path, csv_rows),
        ("csv_fifth", small_path, small_rows),
        ("xlsx", xlsx_path, xlsx_rows),
    ):
        result.update(import_figures(ctx, name, path, rows))

    if ctx.db == "postgres":
        url, prefix = ctx.database_url, "copy"
    else:
        url, prefix = reachable_postgres(), "postgres_copy"
    if url:
        log(f"{ctx.db}: imports: COPY of the same CSV into a TEMP table of text columns")
        seconds = copy_seconds(url, csv_path, csv_rows)
        rate = csv_rows / seconds
        result[f"{prefix}_csv_s"] = round(seconds, 3)
        result[f"{prefix}_csv_rows_per_s"] = round(rate)
        result[f"import_csv_over_{prefix}"] = round(result["import_csv_rows_per_s"] / rate, 4)
    if ctx.db == "postgres" and os.environ.get("BENCH_IMPORT_CEILING") == "1":
        log(f"{ctx.db}: imports: the imported rows again, into a twin of surveys_response")
        seconds = ceiling_seconds(ctx.database_url, ctx.campaign, csv_path, csv_rows)
        result["responses_table_copy_s"] = round(seconds, 3)
        result["responses_table_copy_rows_per_s"] = round(csv_rows / seconds)
        result["import_csv_over_responses_table_copy"] = round(
            result["import_csv_rows_per_s"] * seconds / csv_rows, 4
        )
    return result


def import_figures(ctx: Context, name: str, path: Path, rows: int) -> dict:
    """One timed `pingyi responses import` (again: a rerun imports the same bytes on purpose)."""
    log(f"{ctx.db}: imports: pingyi responses import {path.name}")
    done = measure(ctx, ["pingyi", "responses", "import", ctx.campaign, str(path), "--again"])
    return {
        f"import_{name}_s": round(done.seconds, 3),
        f"import_{name}_rows_per_s": round(rows / done.seconds),
        f"import_{name}_peak_rss_mib": round(done.peak_rss_bytes / 2**20, 1),
    }


# --- the campaign, read in a Django subprocess -------------------------------------------------


def load_campaign(ctx: Context) -> str:
    """A campaign of the benchmark's own (run alone): 120 county stations of 12 cities, a
    scheme weighting three respondent categories and counting a score sheet."""
    year = date.today().year
    code = f"bench-import-{year}"
    units = [{"code": "bi-prov", "name": "省评议办", "level": "province", "kind": "department"}]
    targets = []
    for city in range(12):
        units.append(
            {"code": f"bi-c{city}", "name": f"第{city}市", "level": "city", "parent": "bi-prov"}
        )
        for county in range(10):
            unit = f"bi-c{city}-k{county}"
            name = f"第{city}市第{county}县服务站"
            units.append({"code": unit, "name": name, "level": "county", "parent": f"bi-c{city}"})
            targets.append({"unit": unit, "group": "县级服务站"})
    tiers = [("优秀", 0.9), ("满意", 0.8), ("基本满意", 0.7), ("不满意", 0.5)]
    scheme = {
        "name": "分类别满意度加评分表",
        "components": [
            {
                "key": "survey",
                "label": "群众满意度",
                "weight": 60,
                "source": "survey",
                "tiers": [{"label": t, "value": v} for t, v in tiers]
                + [{"label": "不了解", "excluded": True}],
                "categories": {"服务对象": 0.6, "人大代表": 0.2, "行风监督员": 0.2},
            },
            {"key": "sheet", "label": "评分表", "weight": 20, "source": "survey_score"},
            {"key": "inspection", "label": "检查评议", "weight": 20, "source": "assessor"},
        ],
        "grades": {"bands": [{"label": "满意", "min": 80}, {"label": "不满意", "min": 0}]},
    }
    spec = {
        "code": code,
        "name": f"{year}年导入基准活动",
        "year": year,
        "organizer": "bi-prov",
        "scheme": scheme,
        "units": units,
        "targets": targets,
        "phases": [
            {
                "kind": "evaluate",
                "name": "检查评议",
                "start": f"{year}-01-01",
                "end": f"{year}-12-31",
            }
        ],
    }
    # JSON is YAML: the spec loader reads it as it is.
    path = ctx.workdir / "imports" / "campaign.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec, ensure_ascii=False, indent=1))
    measure(ctx, ["pingyi", "campaign", "load", str(path)])
    return code


def campaign_shape(ctx: Context) -> dict:
    """Targets, tiers, categories and score-sheet use of ctx.campaign (a Django subprocess)."""
    out = measure(ctx, ["python", "-m", "bench.imports", "--shape", ctx.campaign]).stdout
    return json.loads(out)


def _print_shape(code: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingyi.settings")
    django.setup()
    from campaigns.models import Campaign
    from surveys.importing import campaign_scheme

    campaign = Campaign.objects.get(code=code)
    scheme = campaign_scheme(campaign)
    shape = {
        "targets": sorted(campaign.targets.values_list("unit__code", flat=True)),
        "tiers": scheme.tier_labels(),
        "categories": scheme.category_labels(),
        "scores": scheme.survey_score_leaf() is not None,
        "year": campaign.year,
    }
    print(json.dumps(shape, ensure_ascii=False))


# --- the files ---------------------------------------------------------------------------------


def header(shape: dict) -> list[str]:
    columns = ["target"]
    if shape["categories"]:
        columns.append("category")
    if shape["tiers"]:
        columns.append("tier")
    if shape["scores"]:
        columns += ["item.attitude", "item.efficiency", "item.integrity"]
    return [*columns, "problems", "suggestions", "channel", "submitted_at"]


def generated_rows(shape: dict, count: int):
    """`count` valid rows for the campaign, the same ones for the same shape and count."""
    rng = random.Random(SEED)  # noqa: S311 (test data, not secrets)
    targets = shape["targets"]
    tiers = shape["tiers"]
    categories = shape["categories"]
    today = date.today()
    days = [(today - timedelta(days=n)).isoformat() for n in range(1, 46)]
    times = [f"{h:02d}:{m:02d}" for h in range(8, 18) for m in (0, 15, 30, 45)]
    for _ in range(count):
        row = [rng.choice(targets)]
        if categories:
            row.append(rng.choice(categories))
        if tiers:
            row.append(rng.choice(tiers))
        if shape["scores"]:
            row += [str(rng.randint(15, 30)), f"{rng.randint(20, 40)}.5", str(rng.randint(10, 25))]
        luck = rng.random()
        row.append(rng.choice(PROBLEMS) if luck < 0.15 else "")
        row.append(rng.choice(SUGGESTIONS) if luck < 0.08 else "")
        row.append(rng.choice(CHANNELS))
        day = rng.choice(days)
        row.append(f"{day} {rng.choice(times)}" if luck > 0.5 else day)
        yield row


def write_csv(path: Path, shape: dict, count: int) -> None:
    if _fresh(path, shape, count):
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header(shape))
        writer.writerows(generated_rows(shape, count))
    _remember(path, shape, count)


def write_xlsx(path: Path, shape: dict, count: int) -> None:
    from openpyxl import Workbook

    if _fresh(path, shape, count):
        return
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(header(shape))
    for row in generated_rows(shape, count):
        sheet.append(row)
    workbook.save(path)
    _remember(path, shape, count)


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".shape.json")


def _fresh(path: Path, shape: dict, count: int) -> bool:
    """The file exists from an earlier run for the same campaign shape (and today's dates)."""
    stamp = _stamp(path)
    if not (path.exists() and stamp.exists()):
        return False
    return json.loads(stamp.read_text()) == _key(shape, count)


def _remember(path: Path, shape: dict, count: int) -> None:
    _stamp(path).write_text(json.dumps(_key(shape, count), ensure_ascii=False))


def _key(shape: dict, count: int) -> dict:
    return {**shape, "count": count, "today": date.today().isoformat()}


# --- PostgreSQL COPY ---------------------------------------------------------------------------


def reachable_postgres() -> str:
    """A PostgreSQL database for the COPY yardstick of a SQLite run, if one answers."""
    import psycopg

    url = os.environ.get("BENCH_POSTGRES_URL", "")
    if not url:
        server = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
        url = server.rstrip("/") + "/postgres"
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error as exc:
        log(f"imports: no PostgreSQL for the COPY yardstick ({exc.__class__.__name__})")
        return ""
    return url


def copy_seconds(url: str, path: Path, rows: int) -> float:
    """Wall seconds to COPY the CSV into a TEMP table of text columns (parsed, no checks)."""
    import psycopg
    from psycopg import sql

    with path.open(encoding="utf-8", newline="") as handle:
        names = next(csv.reader(handle))
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        columns = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(n)) for n in names)
        cur.execute(sql.SQL("CREATE TEMP TABLE bench_copy ({})").format(columns))
        conn.commit()
        start = time.perf_counter()
        with (
            path.open("rb") as handle,
            cur.copy("COPY bench_copy FROM STDIN (FORMAT csv, HEADER true)") as copy,
        ):
            while block := handle.read(1 << 20):
                copy.write(block)
        conn.commit()
        seconds = time.perf_counter() - start
        cur.execute("SELECT count(*) FROM bench_copy")
        copied = cur.fetchone()[0]
    if copied != rows:
        raise RuntimeError(f"COPY loaded {copied} rows, not the file's {rows}")
    return seconds


def ceiling_seconds(url: str, campaign: str, path: Path, rows: int) -> float:
    """Seconds to COPY the rows the import wrote into a twin of surveys_response, checks included.

    The twin has the table's columns, defaults, indexes and foreign keys; the
    rows are those of the latest batch of this file, exported as COPY text.
    It is dropped afterwards.
    """
    import hashlib

    import psycopg

    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT b.id FROM surveys_importbatch b JOIN campaigns_campaign c ON c.id = b.campaign_id "
            "WHERE c.code = %s AND b.sha256 = %s ORDER BY b.id DESC LIMIT 1",
            [campaign, sha256],
        )
        (batch,) = cur.fetchone()
        cur.execute(
            "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute "
            "WHERE attrelid = 'surveys_response'::regclass AND attnum > 0 AND NOT attisdropped "
            "AND attname <> 'id'"
        )
        (columns,) = cur.fetchone()
        cur.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'surveys_response'::regclass AND contype = 'f'"
        )
        foreign_keys = [row[0] for row in cur.fetchall()]
        with tempfile.TemporaryFile() as spool:
            rows_of_batch = f"SELECT {columns} FROM surveys_response WHERE batch_id = {batch:d}"  # noqa: S608
            query = f"COPY ({rows_of_batch} ORDER BY id) TO STDOUT"
            with cur.copy(query) as copy:
                for data in copy:
                    spool.write(data)
            spool.seek(0)
            cur.execute("DROP TABLE IF EXISTS bench_ceiling")
            cur.execute("CREATE TABLE bench_ceiling (LIKE surveys_response INCLUDING ALL)")
            try:
                for definition in foreign_keys:
                    cur.execute(f"ALTER TABLE bench_ceiling ADD {definition}")
                conn.autocommit = False
                start = time.perf_counter()
                with cur.copy(f"COPY bench_ceiling ({columns}) FROM STDIN") as copy:
                    while block := spool.read(1 << 20):
                        copy.write(block)
                if cur.rowcount != rows:
                    raise RuntimeError(f"batch #{batch} holds {cur.rowcount} rows, not {rows}")
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred foreign-key checks
                conn.commit()
                seconds = time.perf_counter() - start
            finally:
                conn.rollback()
                conn.autocommit = True
                cur.execute("DROP TABLE IF EXISTS bench_ceiling")
    return seconds


# --- running alone -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__)
    parser.add_argument("--shape", metavar="CODE", help=argparse.SUPPRESS)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--database-url", help="the PostgreSQL database (it is migrated)")
    parser.add_argument("--rows", type=int, default=DEFAULT_CSV_ROWS, help="CSV rows")
    parser.add_argument("--xlsx-rows", type=int, help="XLSX rows (default: a fifth of --rows)")
    parser.add_argument("--campaign", help="campaign code (default: one made for the benchmark)")
    parser.add_argument("--ceiling", action="store_true", help="also BENCH_IMPORT_CEILING=1")
    parser.add_argument("--workdir", type=Path, help="scratch directory (default: a new one)")
    args = parser.parse_args(argv)
    if args.shape:
        _print_shape(args.shape)
        return
    if args.db == "postgres" and not args.database_url:
        parser.error("--db postgres needs --database-url")
    if args.ceiling:
        os.environ["BENCH_IMPORT_CEILING"] = "1"
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-imports-"))
    (workdir / "data").mkdir(parents=True, exist_ok=True)
    url = args.database_url if args.db == "postgres" else f"sqlite:///{workdir / 'pingyi.sqlite3'}"
    xlsx_rows = args.xlsx_rows if args.xlsx_rows is not None else max(args.rows // 5, 1)
    ctx = Context(
        db=args.db,
        database_url=url,
        scale="alone",
        workdir=workdir,
        sizes={"import_csv_rows": args.rows, "import_xlsx_rows": xlsx_rows},
        campaign=args.campaign or "",
    )
    log(f"{args.db}: migrating {url}")
    measure(ctx, ["pingyi", "migrate", "--no-input", "-v", "0"])
    json.dump(run(ctx), sys.stdout, indent=2, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
