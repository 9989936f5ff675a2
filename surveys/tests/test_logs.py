"""Raw invitation tokens never reach the logs: Django's records and gunicorn's access log."""

import io
import logging
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import reverse

from pingyi.lib.logredact import RedactTokens, redact
from surveys.tests.factories import answers, invitations, open_link, open_questionnaire
from surveys.tokens import grouped, new_token

PHONE_META = {"REMOTE_ADDR": "203.0.113.7", "HTTP_USER_AGENT": "Mozilla/5.0 (iPhone) test"}


def console_handler() -> logging.Handler:
    """The handler settings.LOGGING puts on the root logger."""
    return next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RedactTokens) for f in h.filters)
    )


def hidden(page, name):
    return re.search(rf'name="{name}" value="([^"]*)"', page.content.decode()).group(1)


def test_a_full_answering_flow_logs_no_raw_token(cast, client, caplog, english):
    caplog.set_level(logging.DEBUG)
    console = console_handler()
    printed = io.StringIO()
    previous = console.setStream(printed)
    open_questionnaire(cast.campaign)
    target = cast.target("county-a")
    linked, typed = (token for _, token in invitations(target, 2))
    unknown = new_token()
    url = reverse("answer:invitation", args=[linked])
    try:
        page = client.get(url, **PHONE_META)
        fields = {name: hidden(page, name) for name in ("submission_key", "started")}
        client.post(url, answers(tier="") | fields, **PHONE_META)  # 400: missing tier
        client.post(url, "{}", content_type="application/json", **PHONE_META)  # 415
        done = client.post(url, answers() | fields, **PHONE_META)
        client.get(url, **PHONE_META)  # 410: already used
        client.get(reverse("answer:invitation", args=[grouped(unknown)]), **PHONE_META)  # 404
        client.post(reverse("answer:start"), {"code": typed}, **PHONE_META)
        client.post(reverse("answer:submit_code"), answers(code=typed) | fields, **PHONE_META)
        client.post(reverse("answer:receipt"), {"receipt": done.context["receipt"]})
        link = open_link(target)
        client.get(reverse("answer:open_link", args=[link.slug]), **PHONE_META)
    finally:
        console.setStream(previous)

    secrets = {linked, typed, unknown, grouped(unknown)}
    records = [f"{r.getMessage()} {r.exc_text or ''} {r.stack_info or ''}" for r in caplog.records]
    assert not [text for text in records if any(s in text for s in secrets)]
    assert not [s for s in secrets if s in printed.getvalue()]
    # The warnings were logged, with the path redacted.
    assert "Gone: /s/[redacted]/" in printed.getvalue()
    assert "Not Found: /s/[redacted]/" in printed.getvalue()
    assert any("/s/[redacted]/" in text for text in records)


def test_redaction_covers_typed_forms_and_spares_other_paths():
    token = new_token()
    line = (
        f"GET /s/{token}/ /s/{grouped(token).upper()}/ "
        f"?next=%2Fs%2F{token}%2F /s/receipt/ /s/o/abcdefghij/ /s/"
    )

    assert redact(line) == (
        "GET /s/[redacted]/ /s/[redacted]/ ?next=%2Fs%2F[redacted]%2F "
        "/s/receipt/ /s/o/abcdefghij/ /s/"
    )


def test_the_filter_redacts_arguments_objects_and_tracebacks():
    token = new_token()
    request = type("Request", (), {"__str__": lambda self: f"<WSGIRequest: GET '/s/{token}/'>"})()
    try:
        raise ValueError(f"bad path /s/{token}/")
    except ValueError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "%s %s %d", (request, "x", 3), None
        )
        record.exc_info = sys.exc_info()
    mapping = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "%(path)s", ({"path": f"/s/{token}/"},), None
    )

    RedactTokens().filter(record)
    RedactTokens().filter(mapping)

    formatted = logging.Formatter().format(record)
    assert token not in formatted and "'/s/[redacted]/'" in formatted
    assert "bad path /s/[redacted]/" in formatted and formatted.startswith(
        "<WSGIRequest: GET '/s/[redacted]/'> x 3"
    )
    assert mapping.getMessage() == "/s/[redacted]/"


def gunicorn_logger():
    from gunicorn.config import Config

    from pingyi.gunicorn_conf import RedactingLogger

    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", '%(h)s "%(r)s" %(s)s "%(f)s" %(U)s %(q)s {raw_uri}e')
    return RedactingLogger(config)


def test_gunicorn_access_log_atoms_are_redacted():
    token = new_token()
    logger = gunicorn_logger()
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": f"/s/{token}/?next=%2Fs%2F{token}%2F",
        "PATH_INFO": f"/s/{token}/",
        "QUERY_STRING": f"next=/s/{grouped(token)}/",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_REFERER": f"http://127.0.0.1:8000/s/{token}/",
        "HTTP_USER_AGENT": "Mozilla/5.0 (iPhone)",
    }
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    logger.access_log.addHandler(handler)
    try:
        atoms = logger.atoms(response, request, environ, timedelta(milliseconds=12))
        logger.access(response, request, environ, timedelta(milliseconds=12))
    finally:
        logger.access_log.removeHandler(handler)

    assert atoms["r"] == "POST /s/[redacted]/?next=%2Fs%2F[redacted]%2F HTTP/1.1"
    assert (atoms["U"], atoms["q"]) == ("/s/[redacted]/", "next=/s/[redacted]/")
    assert atoms["f"] == "-"  # an answering line keeps only time, request, status and sizes
    assert token not in repr(atoms) and grouped(token) not in repr(atoms)
    # An answer's line keeps no address (with its time it would point at the respondent).
    assert atoms["s"] == "200" and atoms["h"] == "-"
    assert "203.0.113.7" not in lines.getvalue()
    assert token not in lines.getvalue() and "POST /s/[redacted]/" in lines.getvalue()


def test_gunicorn_error_log_messages_are_redacted():
    token = new_token()
    logger = gunicorn_logger()
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    logger.error_log.addHandler(handler)
    try:
        logger.error("Error handling request %s", f"/s/{token}/")
    finally:
        logger.error_log.removeHandler(handler)

    assert lines.getvalue().strip() == "Error handling request /s/[redacted]/"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_served_with_the_project_config_logs_no_token(tmp_path):
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    if gunicorn is None:
        pytest.skip("gunicorn is not installed")
    token = new_token()
    port = _free_port()
    access, errors, stderr = (tmp_path / f"{name}.log" for name in ("access", "error", "stderr"))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    # An empty data directory: the unmigrated database makes the page fail, so the
    # error path (Django's "Internal Server Error: <path>" and its traceback) is logged too.
    env.update({"PINGYI_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": "", "DEBUG": "false"})
    # Django's console handler writes to the workers' stderr, gunicorn to its own files.
    stderr_file = stderr.open("w")
    server = subprocess.Popen(
        [
            gunicorn,
            "pingyi.wsgi",
            "-c",
            "python:pingyi.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(access),
            "--error-logfile",
            str(errors),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr_file,
    )
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/s/{token}/?next=/s/{token}/",
            headers={"Referer": f"http://127.0.0.1:{port}/s/{grouped(token)}/"},
        )
        status = _get(request)
        time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=20)
        stderr_file.close()

    logged = access.read_text() + errors.read_text() + stderr.read_text()
    assert status == 500
    assert "GET /s/[redacted]/?next=/s/[redacted]/" in access.read_text()
    assert "Internal Server Error: /s/[redacted]/" in stderr.read_text()
    assert "Traceback" in stderr.read_text()
    assert token not in logged and grouped(token) not in logged


def _get(request, seconds: float = 30) -> int:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_a_token_typed_with_escaped_spaces_is_redacted_too():
    assert redact("GET /s/abcd%20efgh%20ijkl/ HTTP/1.1") == "GET /s/[redacted]/ HTTP/1.1"
    assert redact("next=%2Fs%2FABCD%2520efgh%2F") == "next=%2Fs%2F[redacted]%2F"


@pytest.mark.parametrize("path", ["/s/receipt/", "/static/pingyi/site.css", "/favicon.ico"])
def test_answering_lines_keep_no_address_anywhere(path):
    logger = gunicorn_logger()
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_X_REAL_IP": "198.51.100.4",
        "HTTP_X_FORWARDED_FOR": "198.51.100.4",
    }
    request = SimpleNamespace(headers=[("X-FORWARDED-FOR", "198.51.100.4")])
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=3))
    assert "203.0.113.7" not in repr(atoms) and "198.51.100.4" not in repr(atoms)
    assert (atoms["U"], atoms["s"]) == (path, "200")


def test_staff_pages_keep_their_address():
    logger = gunicorn_logger()
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/campaigns/",
        "PATH_INFO": "/campaigns/",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
    }
    atoms = logger.atoms(
        SimpleNamespace(status="200 OK", sent=1, headers=[]),
        SimpleNamespace(headers=[]),
        environ,
        timedelta(milliseconds=3),
    )
    assert atoms["h"] == "203.0.113.7"


def test_a_token_typed_with_spaces_is_redacted_however_it_is_spaced():
    assert redact("Bad Request: /s/i4li rco7 qcmf m4o2/") == "Bad Request: /s/[redacted]/"
    assert redact("Gone: /s/abcd\u3000efgh/") == "Gone: /s/[redacted]/"
    assert redact("GET /s/ HTTP/1.1") == "GET /s/ HTTP/1.1"


def test_a_token_path_typed_with_a_capital_s_is_redacted_too():
    token = new_token()
    line = f"GET /S/{token}/ HTTP/1.1 ?next=%2FS%2F{token}%2F"
    assert token not in redact(line)
