"""Browser-test support: a real server on a loopback port, and Playwright on Debian's chromium.

The server runs in a subprocess with its own SQLite data directory, migrated
and loaded with the demo, so a browser test exercises what `make run` serves
and needs no transactional test database.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    """Skip without chromium, unless CI asked for browser tests to be mandatory."""
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("PINGYI_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{CHROMIUM} is missing but PINGYI_REQUIRE_BROWSER=1")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pingyi(env: dict, *args: str) -> None:
    subprocess.run(  # noqa: S603 - our own CLI with fixed arguments
        [sys.executable, "-m", "pingyi.cli", *args],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


@contextmanager
def demo_server(data_dir: Path, *, year: int | None = None):
    """Serve a freshly migrated demo database on 127.0.0.1; yields the base URL.

    `year` moves the demo campaign to another year (default: this one), e.g.
    last year's, whose phases are all past whatever today's date.
    """
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update({"PINGYI_DATA_DIR": str(data_dir), "DATABASE_URL": "", "DEBUG": "false"})
    _pingyi(env, "migrate", "--no-input", "-v", "0")
    _pingyi(env, "demo", *(["--year", str(year)] if year else []))
    _pingyi(env, "collectstatic", "--no-input", "-v", "0")
    port = _free_port()
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    server = subprocess.Popen(  # noqa: S603 - our own app server on loopback
        [
            gunicorn,
            "pingyi.wsgi",
            "-c",
            "python:pingyi.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def _wait_until_up(base: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {base} did not start")


@contextmanager
def chromium_page():
    """A headless chromium page; the browser closes when the block ends."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
            yield context.new_page()
        finally:
            browser.close()
