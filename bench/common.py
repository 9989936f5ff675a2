"""What every benchmark shares: the database it runs on, its scale, and timed subprocesses.

Each benchmark module has `run(ctx: Context) -> dict`, returning plain
numbers for the JSON report. Django work happens in subprocesses (`pingyi
…` or `python -m …`) with `ctx.env`, so every figure includes what a user
running the same command would pay, and peak memory is that process's own.
"""

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass
class Context:
    db: str  # "sqlite" or "postgres"
    database_url: str
    scale: str  # "small" or "full"
    workdir: Path  # scratch space for this database's run (files, SQLite database)
    sizes: dict = field(default_factory=dict)  # the scale's figures, see bench.__main__.SCALES
    campaign: str = ""  # code of the synthetic province campaign, once generated

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["DATABASE_URL"] = self.database_url
        env["PINGYI_DATA_DIR"] = str(self.workdir / "data")
        env.setdefault("DJANGO_SETTINGS_MODULE", "pingyi.settings")
        return env


@dataclass
class Measured:
    seconds: float
    peak_rss_bytes: int
    stdout: str


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def measure(ctx: Context, argv: list[str], *, stdin=None) -> Measured:
    """Run a command to completion: its wall time, its own peak RSS and its output.

    `argv[0]` of "pingyi" or "python" means the virtual environment's. A
    failing command raises with the end of its error output.
    """
    argv = [str(BIN / argv[0]) if argv[0] in ("pingyi", "python") else argv[0], *argv[1:]]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(  # noqa: S603 (our own commands, fixed arguments)
            argv, env=ctx.env, cwd=ROOT, stdin=stdin, stdout=out, stderr=err, text=True
        )
        # wait4 reports this child's own peak RSS (KiB on Linux), not the sum of all children.
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(
                f"{' '.join(argv)} failed ({proc.returncode}):\n{err.read()[-4000:]}"
            )
        return Measured(seconds, usage.ru_maxrss * 1024, out.read())


def connect(ctx: Context):
    """A plain DB-API connection to the benchmark's database, for bare SQL beside the product."""
    if ctx.db == "sqlite":
        import sqlite3

        return sqlite3.connect(ctx.database_url.removeprefix("sqlite:///"))
    import psycopg

    return psycopg.connect(ctx.database_url, autocommit=True)


def placeholder(ctx: Context) -> str:
    return "?" if ctx.db == "sqlite" else "%s"
