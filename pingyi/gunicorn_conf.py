"""Gunicorn settings for Pingyi: `gunicorn pingyi.wsgi -c python:pingyi.gunicorn_conf`.

What must hold wherever Pingyi is served: invitation tokens never reach
gunicorn's logs. The access log's request line, path, query, referer and
every other atom are redacted (`/s/<token>` → `/s/[redacted]`), and so are
the error log's messages ("Error handling request /s/…").

And how a worker serves: threads (below). Bind address, the number of
worker processes (`--workers`, `make run WORKERS=…`) and log files stay on
the command line, which also overrides `--worker-class` and `--threads`.
"""

from gunicorn.glogging import Logger

from pingyi.lib.logredact import RedactTokens, redact

# The public answering pages and API, and the files every page loads: a style sheet
# fetched in the same second as an answer would give the answer's address back.
ANSWERING_PATHS = (
    "/s/",
    "/api/v1/surveys/respond",
    "/api/v1/surveys/questionnaire",
    "/static/",
    "/favicon.ico",
)
# Time, request, status, method, path, query, protocol, sizes and durations: no address.
KEPT_ATOMS = frozenset(["t", "r", "s", "m", "U", "q", "H", "b", "B", "T", "D", "M", "L"])


class RedactingLogger(Logger):
    """Gunicorn's logger with invitation tokens removed from every access-log atom."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactTokens) for f in log.filters):
                log.addFilter(RedactTokens())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        # 'r' (request line), 'U' (path), 'q' (query), 'f' (referer), and the same
        # values again as {raw_uri}e, {referer}i and the like.
        atoms = {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }
        if is_answering(environ.get("PATH_INFO", "")):
            # An answer's log line keeps no address: with the line's time and the order of
            # answer ids it would point at the respondent (ADR 0007). Only the atoms below
            # are kept; every other one (addresses in headers or the environment) is blanked.
            atoms = {key: value if key in KEPT_ATOMS else "-" for key, value in atoms.items()}
        return atoms


def is_answering(path: str) -> bool:
    """The answering pages and API, and what their pages fetch (style sheet, icon)."""
    return path.startswith(ANSWERING_PATHS)


logger_class = RedactingLogger

# Threads in each worker process. A request spends a good part of its time waiting for
# the database (on one machine, for CPU the database shares with it); a sync worker
# idles meanwhile, while a threaded one serves another request, so 2 processes × 4
# threads keep two cores busy where 2 sync workers left them half idle (bench/load.py:
# about twice the answers per second at concurrency 8). Threads also keep connections
# alive between a page and its POST. Each thread holds its own database connection
# (DB_CONN_MAX_AGE): workers × threads per server.
worker_class = "gthread"
threads = 4
