"""Process-wide logging: one JSON object per line on stderr (or a line for people), each line
with the id of the request being handled, and no secret in any of them.

``configure_logging`` is called once per server process (the web app factory does it) and
routes every logger through one handler: baro's, uvicorn's, SQLAlchemy's and alembic's. The
request id is the one ``asgi-correlation-id`` sets for each HTTP request (``X-Request-ID``);
anyio's thread pool carries it into sync routes. A thread that works for several requests at
once, such as a batch worker, names them with ``handling_requests``.

JSON through ``python-json-logger``, not structlog: baro and every library it uses log through
the standard ``logging`` module, and a ``logging.Formatter`` formats all of them alike with no
second logging API to learn or bridge.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal, TextIO

from asgi_correlation_id.context import correlation_id
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonEncoder, JsonFormatter

LogFormat = Literal["json", "console"]
LogLevel = Literal["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"]

_HANDLER_NAME = "baro"
_batch: ContextVar[list[str] | None] = ContextVar("baro_batch_request_ids", default=None)

# API keys (bk_live_…, bk_admin_…), card tokens (tok_…) and the password in a URL's user info.
_SECRET = re.compile(
    r"\b(?P<prefix>bk_(?:live|admin)_|tok_)[A-Za-z0-9_\-]+"
    r"|(?P<userinfo>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@\"']*:)[^\s@\"'/]+@"
)


def _hide(match: re.Match[str]) -> str:
    prefix = match.group("prefix")
    return f"{prefix}[redacted]" if prefix else f"{match.group('userinfo')}***@"


def redact(text: str) -> str:
    """``text`` with API keys, card tokens and URL passwords replaced."""
    if "bk_" not in text and "tok_" not in text and "://" not in text:
        return text  # the common case, without running the expression
    return _SECRET.sub(_hide, text)


def request_id() -> str | None:
    """The id of the request this code is handling (``X-Request-ID``), if any: read it when a
    request is handed to another thread that does not inherit the context (a batch)."""
    return correlation_id.get()


@contextmanager
def handling_requests(request_ids: Iterable[str | None]) -> Iterator[None]:
    """Lines logged in this block, on this thread, carry these requests' ids (as a list):
    for a worker thread that handles a batch of requests together."""
    token = _batch.set([rid for rid in request_ids if rid])
    try:
        yield
    finally:
        _batch.reset(token)


class _Stderr(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is when a line is logged (as ``logging.lastResort``
    does), not the one there when logging was configured: tests and tools swap it."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


class _RequestIds(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        current = correlation_id.get()
        record.request_id = current if current is not None else _batch.get()
        return True


class _JsonLines(JsonFormatter):
    """The library's formatter, made cheaper for the access line every request writes: the
    four fixed fields and the caller's ``extra`` in one pass over the record, the time
    string built once a second, one JSON encoder for all lines."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            # uvicorn repeats each message with terminal colours in this attribute
            reserved_attrs=[*RESERVED_ATTRS, "color_message"],
        )
        self._encode = JsonEncoder(ensure_ascii=False).encode
        self._second = -1
        self._second_text = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - logging's name
        second = int(record.created)
        if second != self._second:
            self._second_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        return f"{self._second_text}.{int(record.msecs):03d}Z"

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        log_data["time"] = record.asctime
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.message
        log_data.update(message_dict)
        skip = self._skip_fields
        for key, value in record.__dict__.items():
            if key not in skip and not key.startswith("_"):
                log_data[key] = value

    def jsonify_log_record(self, log_data: dict[str, Any]) -> str:
        return self._encode(log_data)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _ConsoleLines(logging.Formatter):
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"

    def __init__(self) -> None:
        super().__init__()
        self.converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        ids = getattr(record, "request_id", None)
        shown = "-" if not ids else ids if isinstance(ids, str) else ",".join(ids)
        line = f"{self.formatTime(record)} {record.levelname:<7} {record.name} [{shown}] "
        return redact(line + super().format(record))


def configure_logging(
    level: LogLevel | str = "INFO",
    fmt: LogFormat = "json",
    *,
    sql: bool = False,
    stream: TextIO | None = None,
) -> None:
    """Send every logger's lines, at ``level`` and above, to ``stream`` (stderr) as ``fmt``.

    Calling it again replaces what an earlier call set up; handlers that others added (a
    test's capture) stay. uvicorn's loggers lose their own handlers and go through this one;
    its access log is switched off (``baro.access`` writes one line per request instead).
    SQL statements are logged only with ``sql`` (they are many, and name customers' data)."""
    # No format shows a record's thread, process or multiprocessing names: not collecting
    # them saves each record (one access line per request) their lookups.
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream) if stream is not None else _Stderr()
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(_RequestIds())
    handler.setFormatter(_JsonLines() if fmt == "json" else _ConsoleLines())
    root.addHandler(handler)
    root.setLevel(level.upper())

    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
        uvicorn_logger.setLevel(logging.NOTSET)
    logging.getLogger("uvicorn.access").disabled = True

    # HTTP clients log each request's URL at INFO, query string and all; alembic logs two
    # lines each time the schema's revision is read (every readiness probe).
    for chatty in ("httpx", "httpcore", "alembic"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    sql_level = (logging.DEBUG if level.upper() == "DEBUG" else logging.INFO) if sql else None
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    logging.getLogger("sqlalchemy.engine").setLevel(sql_level or logging.WARNING)
