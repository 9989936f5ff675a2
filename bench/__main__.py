"""`make bench`: every benchmark on SQLite and on PostgreSQL, then a JSON and Markdown report.

    BENCH_SCALE=full|small   (default full: 100k → 1M → 10M responses; small finishes in minutes)
    BENCH_DBS=sqlite,postgres  which databases to run on (default both)
    BENCH_ONLY=load,tally,imports  which benchmarks (default all, in that order)
    BENCH_PG_URL             the PostgreSQL server (default postgres://postgres@127.0.0.1:5432)

Each database is created fresh for the run (SQLite under var/bench/, the
PostgreSQL database `pingyi_bench`) and migrated; the report goes to
bench/results/<scale>-<time>.{json,md} and bench/results/latest-<scale>.{json,md}.
"""

import importlib
import json
import os
import shutil
import sys
import time
import traceback

from bench.common import ROOT, Context, log, measure
from bench.report import machine, markdown

SCALES = {
    "full": {
        "tally": [100_000, 1_000_000, 10_000_000],
        "targets": 3000,
        "import_csv_rows": 1_000_000,
        "import_xlsx_rows": 200_000,
        "flows": 2000,
    },
    "small": {
        "tally": [10_000, 30_000, 100_000],
        "targets": 200,
        "import_csv_rows": 50_000,
        "import_xlsx_rows": 5_000,
        "flows": 100,
    },
}
BENCHMARKS = ("load", "tally", "imports")
RESULTS = ROOT / "bench" / "results"


def main() -> int:
    scale = os.environ.get("BENCH_SCALE", "full")
    if scale not in SCALES:
        print(f"BENCH_SCALE must be one of {', '.join(SCALES)}", file=sys.stderr)
        return 2
    dbs = os.environ.get("BENCH_DBS", "sqlite,postgres").split(",")
    only = os.environ.get("BENCH_ONLY", ",".join(BENCHMARKS)).split(",")
    # The import's ceiling: COPY of the checked rows into a copy of the responses table.
    os.environ.setdefault("BENCH_IMPORT_CEILING", "1" if scale == "full" else "0")
    started = time.time()
    report = {"scale": scale, "sizes": SCALES[scale], "machine": machine(), "databases": {}}
    failed = False
    for db in dbs:
        ctx = _fresh_context(db, scale)
        results = report["databases"][db] = {"url": _shown(ctx.database_url)}
        for name in (b for b in BENCHMARKS if b in only):
            log(f"{db}: {name}")
            begun = time.perf_counter()
            try:
                results[name] = importlib.import_module(f"bench.{name}").run(ctx)
            except Exception as exc:  # one failing benchmark still leaves the others' figures
                failed = True
                traceback.print_exc()
                results[name] = {"error": f"{type(exc).__name__}: {exc}"[:2000]}
            results[name]["wall_s"] = round(time.perf_counter() - begun, 1)
    report["wall_s"] = round(time.time() - started, 1)
    _write(report, scale)
    return 1 if failed else 0


def _fresh_context(db: str, scale: str) -> Context:
    workdir = ROOT / "var" / "bench" / db
    shutil.rmtree(workdir, ignore_errors=True)
    (workdir / "data").mkdir(parents=True)
    if db == "sqlite":
        url = f"sqlite:///{workdir / 'pingyi.sqlite3'}"
    elif db == "postgres":
        url = _fresh_postgres()
    else:
        raise SystemExit(f"unknown database {db!r}: BENCH_DBS takes sqlite and postgres")
    ctx = Context(db=db, database_url=url, scale=scale, workdir=workdir, sizes=SCALES[scale])
    log(f"{db}: migrating a fresh database")
    measure(ctx, ["pingyi", "migrate", "--no-input", "-v", "0"])
    return ctx


def _fresh_postgres() -> str:
    import psycopg

    server = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as db:
        db.execute("DROP DATABASE IF EXISTS pingyi_bench WITH (FORCE)")
        db.execute("CREATE DATABASE pingyi_bench")
    return f"{server}/pingyi_bench"


def _shown(url: str) -> str:
    """The database URL without a password, for the report."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':', 1)[0]}@{host}"
    return url


def _write(report: dict, scale: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    text = markdown(report)
    for name in (f"{scale}-{stamp}", f"latest-{scale}"):
        (RESULTS / f"{name}.json").write_text(
            json.dumps(report, indent=2, ensure_ascii=False) + "\n"
        )
        (RESULTS / f"{name}.md").write_text(text)
    print(text)
    log(f"report written to {RESULTS}/latest-{scale}.md")


if __name__ == "__main__":
    sys.exit(main())
