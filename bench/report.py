"""The benchmark report: the machine it ran on, the headline ratios, and every figure."""

import os
import platform
import sqlite3
import subprocess
import time

from bench.common import ROOT

NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def machine() -> dict:
    return {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gib": _memory_gib(),
        "python": platform.python_version(),
        "django": _django_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": _postgres_version(),
        "commit": _git("rev-parse", "--short", "HEAD"),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        f"# Pingyi benchmarks ({report['scale']})",
        "",
        f"{m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB; Python {m['python']}, "
        f"Django {m['django']}, SQLite {m['sqlite']}, PostgreSQL {m['postgresql']}; "
        f"commit {m['commit']}, {m['date']}; whole run {report.get('wall_s')} s.",
        "",
    ]
    dbs = list(report["databases"])
    lines += _headline(report, dbs)
    for db in dbs:
        lines += ["", f"## All figures: {NAMES.get(db, db)}", ""]
        lines += ["| figure | value |", "|---|---|"]
        for key, value in _flat(report["databases"][db]):
            lines.append(f"| {key} | {value} |")
    return "\n".join(lines) + "\n"


def _headline(report: dict, dbs: list[str]) -> list[str]:
    # A label may name several paths (a figure keyed differently per database): first found wins.
    cells_by_label: dict[str, list] = {}
    for label, path in HEADLINE:
        values = [_get(report["databases"][db], path) for db in dbs]
        known = cells_by_label.setdefault(label, [None] * len(dbs))
        cells_by_label[label] = [
            k if k is not None else v for k, v in zip(known, values, strict=True)
        ]
    rows = [
        f"| {label} | " + " | ".join(_shown(v) for v in values) + " |"
        for label, values in cells_by_label.items()
        if any(v is not None for v in values)
    ]
    head = "| figure | " + " | ".join(f"{NAMES.get(db, db)}" for db in dbs) + " |"
    return ["## Headline", "", head, "|---|" + "---|" * len(dbs), *rows]


def _tally_rows() -> list[tuple[str, tuple]]:
    rows = []
    for i, size in enumerate(("first", "second", "third")):
        rows += [
            (f"tally, {size} size: responses", ("tally", "steps", i, "responses")),
            (f"tally, {size} size: bare SQL GROUP BY (s)", ("tally", "steps", i, "bare_sql_s")),
            (f"tally, {size} size: `pingyi tally` (s)", ("tally", "steps", i, "pingyi_tally_s")),
            (
                f"tally, {size} size: ratio product / bare",
                ("tally", "steps", i, "ratio_product_to_bare"),
            ),
        ]
    return rows


def _load_rows() -> list[tuple[str, tuple]]:
    rows = []
    for kind, label in (("browser", "browser flows (GET page + POST)"), ("api", "submit API")):
        for c in (8, 32):
            run = ("load", kind, f"c{c}")
            rows += [
                (f"{label}, concurrency {c}: flows/s", (*run, "flows_per_s")),
                (f"{label}, concurrency {c}: p50 / p95 / p99 ms", (*run, "flow")),
                (f"{label}, concurrency {c}: errors", (*run, "errors")),
            ]
    return rows


HEADLINE = [
    *_load_rows(),
    ("two app servers: flows/s with one", ("load", "scale_out", "flows_per_s_one")),
    ("two app servers: flows/s with both (sum)", ("load", "scale_out", "flows_per_s_sum")),
    (
        "two app servers: each page from one, its answer to the other",
        ("load", "scale_out", "crossed_all_ok"),
    ),
    ("two app servers: no response lost or duplicated", ("load", "scale_out", "stored_ok")),
    (
        "two app servers: shared guessing throttle",
        ("load", "scale_out", "throttle_across_servers", "shared"),
    ),
    ("every flow stored exactly once", ("load", "stored_ok")),
    *_tally_rows(),
    (
        "tally peak RSS at the largest size (MiB)",
        ("tally", "steps", -1, "pingyi_tally_peak_rss_mb"),
    ),
    ("counters agree with a full recount", ("tally", "counters_agree")),
    ("`pingyi counters verify` at the largest size (s)", ("tally", "counters_verify_s")),
    ("import: CSV rows", ("imports", "csv_rows")),
    ("import: CSV rows/s (full validation)", ("imports", "import_csv_rows_per_s")),
    ("import: XLSX rows", ("imports", "xlsx_rows")),
    ("import: XLSX rows/s", ("imports", "import_xlsx_rows_per_s")),
    ("PostgreSQL COPY of the same CSV (rows/s)", ("imports", "copy_csv_rows_per_s")),
    ("PostgreSQL COPY of the same CSV (rows/s)", ("imports", "postgres_copy_csv_rows_per_s")),
    ("ratio import / COPY", ("imports", "import_csv_over_copy")),
    ("ratio import / COPY", ("imports", "import_csv_over_postgres_copy")),
    (
        "COPY into the responses table itself (rows/s)",
        ("imports", "responses_table_copy_rows_per_s"),
    ),
    ("import peak RSS, CSV at full size (MiB)", ("imports", "import_csv_peak_rss_mib")),
    ("import peak RSS, CSV at a fifth (MiB)", ("imports", "import_csv_fifth_peak_rss_mib")),
]


def _get(data, path):
    for key in path:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _shown(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, dict) and "p95_ms" in value:
        return " / ".join(_shown(value.get(k)) for k in ("p50_ms", "p95_ms", "p99_ms"))
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "none"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _flat(data, prefix: str = ""):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _flat(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list) and data and isinstance(data[0], dict):
        for i, value in enumerate(data):
            yield from _flat(value, f"{prefix}[{i}]")
    else:
        yield prefix, _shown(data)


def _proc_line(path: str, start: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return next(
                (line.split(":", 1)[1].strip() for line in handle if line.startswith(start)), None
            )
    except OSError:
        return None


def _cpu_model() -> str:
    return _proc_line("/proc/cpuinfo", "model name") or platform.processor() or "unknown"


def _memory_gib() -> float | None:
    total = _proc_line("/proc/meminfo", "MemTotal")
    return round(int(total.split()[0]) / 2**20, 1) if total else None


def _django_version() -> str:
    import django

    return django.get_version()


def _postgres_version() -> str | None:
    url = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
    try:
        import psycopg

        with psycopg.connect(f"{url}/postgres", connect_timeout=3) as db:
            return db.execute("SHOW server_version").fetchone()[0]
    except Exception:
        return None


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(  # noqa: S603 (git with fixed arguments)
            ["git", *args],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
