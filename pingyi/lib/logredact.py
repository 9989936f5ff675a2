"""Keep invitation tokens out of the logs: `/s/<token>` becomes `/s/[redacted]`.

An unused token in a log is a ballot anyone reading the log could cast, and
a used one could tie a log line's time to an answer. Django logs paths in
warnings ("Not Found: /s/…/"), gunicorn in its access log, so both pass
through `redact` (settings.LOGGING installs `RedactTokens` on the console
handler; pingyi.gunicorn_conf redacts the access log's atoms).
"""

import logging
import re
from collections.abc import Mapping

from surveys.tokens import TOKEN_PATH_RE

REDACTED = "/s/[redacted]"
# The same path percent-encoded, as it appears in a query string (?next=%2Fs%2F…).
_ENCODED_PATH_RE = re.compile(
    r"%2[Ff][Ss]%2[Ff](?!(?:o|answer|receipt)%2[Ff])(?:(?!%2[Ff])[A-Za-z0-9%\-_.~+])+"
)
_ENCODED_REDACTED = "%2Fs%2F[redacted]"
_PLAIN = (int, float, bool, type(None))


def redact(text: str) -> str:
    if "/s/" not in text and "/S/" not in text and "%2" not in text:
        return text
    return _ENCODED_PATH_RE.sub(_ENCODED_REDACTED, TOKEN_PATH_RE.sub(REDACTED, text))


def _redacted_arg(value):
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, str):
        return redact(value)
    # A request or URL object logged with %s: replaced by its redacted text when it names
    # a token, left alone (for %d, %r and friends) otherwise.
    text = str(value)
    cleaned = redact(text)
    return value if cleaned == text else cleaned


class RedactTokens(logging.Filter):
    """Rewrites a record's message, arguments and traceback text; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        elif record.msg is not None and not isinstance(record.msg, _PLAIN):
            record.msg = _redacted_arg(record.msg)
        if isinstance(record.args, Mapping):
            record.args = {key: _redacted_arg(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_redacted_arg(value) for value in record.args)
        if record.exc_info and not record.exc_text:
            # Format the traceback now, so its text (exception messages name paths) is redacted.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
