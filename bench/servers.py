"""Gunicorn app servers for the load benchmark, served exactly as `make run` serves the site.

`prepare_site` does what `make run` does before serving (migrate, the demo,
collectstatic) on the context's database; `serving` starts
`gunicorn pingyi.wsgi -c python:pingyi.gunicorn_conf --bind 127.0.0.1:PORT
--workers N --access-logfile -` in a subprocess, waits until /healthz
answers, and always stops it (SIGTERM, then SIGKILL) when the block ends.
Servers listen on loopback only, on ports from 18000 up.
"""

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.common import BIN, ROOT, Context, log, measure

HOST = "127.0.0.1"
FIRST_PORT = 18000
LAST_PORT = 18999
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


def makefile_workers() -> int:
    """The WORKERS default of `make run`, so the benchmark serves what users run."""
    text = (ROOT / "Makefile").read_text()
    found = re.search(r"^WORKERS \?= *(\d+)", text, re.MULTILINE)
    return int(found.group(1)) if found else 2


def prepare_site(ctx: Context) -> dict:
    """migrate, `pingyi demo`, collectstatic on ctx's database: what `make run` does first."""
    seconds = {}
    for name, argv in (
        ("migrate", ["pingyi", "migrate", "--no-input", "-v", "0"]),
        ("demo", ["pingyi", "demo"]),
        ("collectstatic", ["pingyi", "collectstatic", "--no-input", "-v", "0"]),
    ):
        seconds[name] = round(measure(ctx, argv).seconds, 2)
        log(f"load: {name} done in {seconds[name]} s")
    return seconds


def free_port(start: int = FIRST_PORT) -> int:
    """A loopback port from `start` up to 18999 that nothing listens on."""
    for port in range(start, LAST_PORT + 1):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {start}-{LAST_PORT}")


@dataclass
class AppServer:
    port: int
    workers: int
    process: subprocess.Popen
    log_path: Path
    extra_args: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pids)

    @property
    def pids(self) -> list[int]:
        """The master and its workers (for py-spy while profiling)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            workers = [int(pid) for pid in children.read_text().split()]
        except OSError:
            workers = []
        return [self.process.pid, *workers]


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU the processes have used so far (those that still run)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def database_backends(name: str) -> list[int]:
    """PostgreSQL server processes connected to database `name` (their title names it)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        # "postgres: [cluster:] user database client state"
        parts = title.split()
        if parts[:1] == ["postgres:"] and name in parts[2:4]:
            pids.append(int(entry.name))
    return pids


@contextmanager
def serving(
    ctx: Context,
    *,
    port: int | None = None,
    workers: int | None = None,
    name: str = "app",
    extra_args: tuple[str, ...] = (),
    extra_env: dict[str, str] | None = None,
) -> Iterator[AppServer]:
    """One gunicorn app server on loopback for the duration of the block."""
    port = port or free_port()
    workers = workers or int(os.environ.get("WORKERS", makefile_workers()))
    log_path = ctx.workdir / f"gunicorn-{name}-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    argv = [
        str(BIN / "gunicorn"),
        "pingyi.wsgi",
        "-c",
        "python:pingyi.gunicorn_conf",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        *extra_args,
    ]
    env = {**ctx.env, **(extra_env or {})}
    with log_path.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 (our own command, fixed arguments)
            argv,
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers go with it
        )
    server = AppServer(port, workers, process, log_path, extra_args)
    try:
        _wait_until_healthy(server)
        log(f"load: gunicorn {name} on {server.url}, {workers} workers (pid {process.pid})")
        yield server
    finally:
        stop(server)


def _wait_until_healthy(server: AppServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"gunicorn exited ({server.process.returncode}): "
                f"{server.log_path.read_text(errors='replace')[-3000:]}"
            )
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as reply:  # noqa: S310 (loopback)
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn on {server.url} did not answer /healthz in {START_TIMEOUT} s")


def stop(server: AppServer) -> None:
    """SIGTERM (gunicorn finishes the requests in flight), SIGKILL if it does not end."""
    process = server.process
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the group this module started, nothing else
        process.wait(timeout=STOP_TIMEOUT)
