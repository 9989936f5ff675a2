import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from pingyi.lib.env import env_bool, env_int, env_list
from pingyi.lib.secret import load_or_create_secret_key

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "raw, expected", [("true", True), ("0", False), ("YES", True), ("", False)]
)
def test_env_bool_reads_plain_words(monkeypatch, raw, expected):
    monkeypatch.setenv("PINGYI_FLAG", raw)
    assert env_bool("PINGYI_FLAG") is expected


def test_env_bool_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("PINGYI_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="PINGYI_FLAG"):
        env_bool("PINGYI_FLAG")


def test_env_int_and_list(monkeypatch):
    monkeypatch.setenv("PINGYI_N", "x")
    with pytest.raises(ImproperlyConfigured):
        env_int("PINGYI_N", 1)
    monkeypatch.setenv("PINGYI_HOSTS", "a.example, b.example,")
    assert env_list("PINGYI_HOSTS", []) == ["a.example", "b.example"]


def test_the_secret_key_is_generated_once_per_data_dir(tmp_path):
    first = load_or_create_secret_key(tmp_path)
    assert len(first) >= 50
    assert load_or_create_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_defaults_are_chinese_shanghai_and_not_debug(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.DEBUG is False


def _pingyi(*args, env_extra=None, cwd=None):
    env = {**os.environ, **(env_extra or {})}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "pingyi.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or ROOT,
        timeout=120,
        check=False,
    )


def test_the_cli_migrates_a_fresh_sqlite_data_dir_in_wal_mode(tmp_path):
    env = {"PINGYI_DATA_DIR": str(tmp_path), "DATABASE_URL": ""}
    result = _pingyi("migrate", "--no-input", "-v", "0", env_extra=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "pingyi.sqlite3").exists()
    result = _pingyi(
        "shell",
        "-c",
        "from django.db import connection;c=connection.cursor();"
        "print(c.execute('PRAGMA journal_mode').fetchone()[0])",
        env_extra=env,
    )
    assert result.stdout.strip().splitlines()[-1] == "wal"


def test_two_processes_creating_the_key_at_once_agree(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: load_or_create_secret_key(tmp_path), range(16)))
    assert len(keys) == 1 and all(keys)
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_the_browser_language_does_not_override_chinese(client, db):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录" in page.content.decode()


def test_refusals_are_explained_in_the_site_layout(client, db):
    from pingyi.testing import Cast

    cast = Cast()
    client.force_login(cast.liaison)
    response = client.get("/campaigns/c-2026/targets/county-b/")
    page = response.content.decode()
    assert response.status_code == 403
    assert 'lang="zh-hans"' in page and "/campaigns/" in page
    assert client.get("/campaigns/c-2026/targets/nowhere/").status_code == 404


SHOW_CONNECTION_SETTINGS = (
    "from django.conf import settings as s; d = s.DATABASES['default']; "
    "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
)


def test_database_connections_are_kept_between_requests_and_checked(tmp_path, monkeypatch):
    # Opening a connection per request cost more than an answer's queries (bench/load.py).
    monkeypatch.delenv("DB_CONN_MAX_AGE", raising=False)
    env = {"PINGYI_DATA_DIR": str(tmp_path), "DATABASE_URL": ""}
    kept = _pingyi("shell", "-c", SHOW_CONNECTION_SETTINGS, env_extra=env)
    closed = _pingyi(
        "shell", "-c", SHOW_CONNECTION_SETTINGS, env_extra={**env, "DB_CONN_MAX_AGE": "0"}
    )
    assert kept.stdout.split()[-2:] == ["600", "True"], kept.stderr
    assert closed.stdout.split()[-2:] == ["0", "True"], closed.stderr


def test_gunicorn_workers_serve_with_threads():
    from gunicorn.config import Config

    from pingyi import gunicorn_conf

    config = Config()
    for name in ("worker_class", "threads"):
        config.set(name, getattr(gunicorn_conf, name))
    assert config.worker_class_str == "gthread"
    assert config.threads == 4
