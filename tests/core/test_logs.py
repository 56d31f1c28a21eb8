"""Process-wide logging: one JSON object per line, the request id on each, no secrets."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterator

import pytest
from asgi_correlation_id import correlation_id

from baro.core import logs


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    logs.configure_logging("INFO", "json", stream=buffer)
    yield buffer
    logs.configure_logging("INFO", "json")


def lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_a_line_is_one_json_object_with_time_level_logger_and_message(stream) -> None:
    logging.getLogger("baro.test").info("placed %d orders", 3, extra={"batch": 3})

    (line,) = lines(stream)
    assert line["message"] == "placed 3 orders"
    assert line["level"] == "INFO"
    assert line["logger"] == "baro.test"
    assert line["batch"] == 3
    assert line["time"].endswith("Z") and "T" in line["time"]
    assert line["request_id"] is None


def test_a_line_logged_while_handling_a_request_carries_its_id(stream) -> None:
    token = correlation_id.set("a1b2c3")
    try:
        logging.getLogger("baro.test").warning("inside")
    finally:
        correlation_id.reset(token)
    logging.getLogger("baro.test").warning("outside")

    inside, outside = lines(stream)
    assert inside["request_id"] == "a1b2c3"
    assert outside["request_id"] is None


def test_a_batch_thread_logs_the_ids_of_every_request_in_its_batch(stream) -> None:
    def batch_worker() -> None:
        with logs.handling_requests(["r1", None, "r3"]):
            logging.getLogger("baro.test").info("batch placed")
        logging.getLogger("baro.test").info("after the batch")

    thread = threading.Thread(target=batch_worker)
    thread.start()
    thread.join()

    during, after = lines(stream)
    assert during["request_id"] == ["r1", "r3"]
    assert after["request_id"] is None


def test_the_current_request_id_is_readable_to_carry_it_into_a_batch() -> None:
    assert logs.request_id() is None
    token = correlation_id.set("abc")
    try:
        assert logs.request_id() == "abc"
    finally:
        correlation_id.reset(token)


@pytest.mark.parametrize(
    ("secret", "shown"),
    [
        ("bk_live_Zx9-_aQ3kLmN0pQrS", "bk_live_[redacted]"),
        ("bk_admin_Q3kLmN0pQrS-x_9", "bk_admin_[redacted]"),
        ("tok_sandbox_visa", "tok_[redacted]"),
        ("postgresql+psycopg://baro:s3cr%40t@db:5432/baro", "postgresql+psycopg://baro:***@db"),
    ],
)
def test_secrets_are_redacted_in_messages_arguments_and_tracebacks(stream, secret, shown) -> None:
    log = logging.getLogger("baro.test")
    log.info(f"message with {secret}")
    log.info("argument %s", secret)
    try:
        raise RuntimeError(f"failed for {secret}")
    except RuntimeError:
        log.exception("with traceback")

    text = stream.getvalue()
    assert secret not in text
    assert text.count(shown) == 3  # the message, the argument, the exception's message


def test_console_format_is_one_readable_line_with_the_request_id() -> None:
    buffer = io.StringIO()
    logs.configure_logging("INFO", "console", stream=buffer)
    token = correlation_id.set("feed")
    try:
        logging.getLogger("baro.test").info("hello %s", "tok_sandbox_visa")
    finally:
        correlation_id.reset(token)
        logs.configure_logging("INFO", "json")

    (line,) = buffer.getvalue().splitlines()
    assert "INFO" in line and "baro.test" in line and "[feed]" in line
    assert line.endswith("hello tok_[redacted]")


def test_the_level_drops_lines_below_it() -> None:
    buffer = io.StringIO()
    logs.configure_logging("WARNING", "json", stream=buffer)
    try:
        logging.getLogger("baro.test").info("dropped")
        logging.getLogger("baro.test").warning("kept")
    finally:
        logs.configure_logging("INFO", "json")

    assert [line["message"] for line in lines(buffer)] == ["kept"]


def test_uvicorn_lines_go_through_the_same_formatting_and_its_access_log_is_off(stream) -> None:
    uvicorn_own = io.StringIO()
    for name in ("uvicorn", "uvicorn.access"):  # as uvicorn's own logging config leaves them
        logging.getLogger(name).addHandler(logging.StreamHandler(uvicorn_own))
        logging.getLogger(name).propagate = False

    logs.configure_logging("INFO", "json", stream=stream)
    logging.getLogger("uvicorn.error").info("Application startup complete")
    logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET / HTTP/1.1" 200')

    assert uvicorn_own.getvalue() == ""
    (line,) = lines(stream)
    assert line["logger"] == "uvicorn.error"
    assert line["message"] == "Application startup complete"


def test_sql_statements_are_logged_only_when_asked(stream) -> None:
    logs.configure_logging("DEBUG", "json", stream=stream)
    assert not logging.getLogger("sqlalchemy.engine.Engine").isEnabledFor(logging.INFO)

    logs.configure_logging("DEBUG", "json", sql=True, stream=stream)
    assert logging.getLogger("sqlalchemy.engine.Engine").isEnabledFor(logging.INFO)


def test_configuring_twice_keeps_one_handler_of_ours_and_leaves_others_alone(stream) -> None:
    theirs = logging.NullHandler()
    logging.getLogger().addHandler(theirs)
    try:
        logs.configure_logging("INFO", "json", stream=stream)
        logs.configure_logging("INFO", "json", stream=stream)
        logging.getLogger("baro.test").info("once")
        assert theirs in logging.getLogger().handlers
    finally:
        logging.getLogger().removeHandler(theirs)

    assert len(lines(stream)) == 1


def test_redact_leaves_ordinary_text_alone() -> None:
    text = "stock_ok for prd_01 at https://example.com/x and bk_ prefix"
    assert logs.redact(text) == text
