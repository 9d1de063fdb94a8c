"""Logs: JSON lines when asked, secrets never, and no message bodies at INFO."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from afterview.logging import REDACTED, configure_logging
from afterview.settings import Settings
from tests.story import Seeker, debrief, make_engine, onboard

BOT_TOKEN = "123456789:AAH-secret-telegram-token-part"
SIGNING = "8f14e45fceea167a5a36dedd4bea2543"
SLACK_TOKEN = "xoxb-1111-2222-slack-bot-token"
APP_TOKEN = "xapp-1-A111-app-level-token"
WEBHOOK = "webhook-secret-value-42"


def _settings(log_format: str = "json", **extra: str) -> Settings:
    return Settings(_env_file=None, TELEGRAM_BOT_TOKEN=BOT_TOKEN,  # type: ignore[call-arg]
                    SLACK_SIGNING_SECRET=SIGNING, SLACK_BOT_TOKEN=SLACK_TOKEN,
                    SLACK_APP_TOKEN=APP_TOKEN, TELEGRAM_WEBHOOK_SECRET=WEBHOOK,
                    LOG_FORMAT=log_format, LOG_LEVEL="DEBUG", **extra)


@pytest.fixture
def logs() -> Iterator[tuple[io.StringIO, list[logging.Handler]]]:
    """Configure logging into a buffer; put the root logger back afterwards."""
    root = logging.getLogger()
    saved_level, saved_handlers = root.level, list(root.handlers)
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "apscheduler")}
    out = io.StringIO()
    installed: list[logging.Handler] = []
    yield out, installed
    for handler in installed:
        root.removeHandler(handler)
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    for name, level in quiet.items():
        logging.getLogger(name).setLevel(level)


def _lines(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_json_logs_are_one_object_per_line_with_time_level_logger_message_and_extras(logs):
    out, installed = logs
    installed.append(configure_logging(_settings(), stream=out))
    logging.getLogger("afterview.test").info("nudges sent: %d\nin %s", 3, "one tick",
                                             extra={"nudges": 3, "worker": "w1"})
    [line] = _lines(out)
    assert line["level"] == "INFO" and line["logger"] == "afterview.test"
    assert line["message"] == "nudges sent: 3\nin one tick"
    assert line["nudges"] == 3 and line["worker"] == "w1"
    assert datetime.fromisoformat(str(line["time"])).tzinfo is not None


def test_every_configured_secret_is_redacted_from_messages_args_extras_and_tracebacks(logs):
    out, installed = logs
    installed.append(configure_logging(
        _settings(DATABASE_URL="postgresql://afterview:db-pass-9876@db.internal/afterview"),
        stream=out))
    log = logging.getLogger("afterview.test")
    log.info(f"POST https://bot-api.example/bot{BOT_TOKEN}/getUpdates")
    log.warning("slack said %s and %s", SLACK_TOKEN, APP_TOKEN, extra={"secret": SIGNING})
    log.info("webhook %s, url-encoded token %s", WEBHOOK, BOT_TOKEN.replace(":", "%3A"))
    log.info("connecting with db-pass-9876")
    try:
        raise RuntimeError(f"Unauthorized for token {BOT_TOKEN}")
    except RuntimeError:
        log.exception("request failed")

    text = out.getvalue()
    for secret in (BOT_TOKEN, "AAH-secret-telegram-token-part", SIGNING, SLACK_TOKEN, APP_TOKEN,
                   WEBHOOK, "db-pass-9876"):
        assert secret not in text
    lines = _lines(out)
    assert len(lines) == 5
    assert lines[0]["message"] == f"POST https://bot-api.example/bot{REDACTED}/getUpdates"
    assert lines[1]["secret"] == REDACTED
    assert REDACTED in str(lines[4]["exception"]) and "RuntimeError" in str(lines[4]["exception"])


def test_text_logs_are_redacted_too(logs):
    out, installed = logs
    installed.append(configure_logging(_settings("text"), stream=out))
    logging.getLogger("afterview.test").error("token is %s", BOT_TOKEN)
    assert BOT_TOKEN not in out.getvalue() and f"token is {REDACTED}" in out.getvalue()
    assert " ERROR afterview.test: " in out.getvalue()


def test_database_errors_are_logged_without_the_values_of_the_statement(logs, tmp_path):
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import IntegrityError

    out, installed = logs
    installed.append(configure_logging(_settings(), stream=out))
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    name = "Katherine " + "O'Neill"  # (a literal would show in the traceback's source line)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (name TEXT UNIQUE)"))
        connection.execute(text("INSERT INTO t VALUES (:n)"), {"n": name})
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (:n)"), {"n": name})
    except IntegrityError:
        logging.getLogger("bot.conversation.engine").exception("turn failed")
    engine.dispose()
    [line] = _lines(out)
    assert "IntegrityError" in str(line["exception"]) and "O'Neill" not in out.getvalue()
    assert "[parameters: hidden]" in str(line["exception"])


def test_http_client_request_lines_are_kept_below_info(logs):
    out, installed = logs
    installed.append(configure_logging(_settings(), stream=out))
    logging.getLogger("httpx").info("HTTP Request: POST https://bot-api.example/bot.../sendMessage")
    logging.getLogger("apscheduler.executors.default").info("Job executed successfully")
    assert out.getvalue() == ""


def test_a_whole_conversation_logs_no_message_body_or_personal_data_at_info(logs, tmp_path,
                                                                            caplog):
    out, installed = logs
    installed.append(configure_logging(_settings(), stream=out))
    caplog.set_level(logging.INFO)
    engine, clock, db = make_engine(f"sqlite:///{tmp_path / 'a.db'}",
                                    datetime(2026, 11, 23, 11, 30, tzinfo=UTC))
    jane = Seeker(engine)
    onboard(jane)
    debrief(jane, "Secretcorp", ("Katherine O'Neill",))
    jane.runs("status")
    jane.runs("export")
    logged = out.getvalue() + "\n".join(r.getMessage() for r in caplog.records)
    for private in ("Jane Doe", "jane.doe@example.com", "Secretcorp", "O'Neill", "pipelines",
                    "SQL exercise"):
        assert private not in logged
