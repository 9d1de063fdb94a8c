"""Logs for operators: one JSON object per line (`LOG_FORMAT=json`) or plain text, and every
configured secret — bot tokens, signing secret, app token, webhook secret, the database
password — redacted from every record, its arguments, extras and tracebacks included; the
bound values SQLAlchemy prints in database errors are dropped too.

What the bot logs at INFO is counts, ids and states; never message bodies or personal data.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO
from urllib.parse import quote

from afterview.settings import Settings

REDACTED = "[redacted]"
MIN_SECRET = 4  # shorter "secrets" would blank out ordinary words
SECRET_FIELDS = ("telegram_bot_token", "telegram_webhook_secret", "slack_bot_token",
                 "slack_signing_secret", "slack_app_token", "slack_client_secret")
# libraries that log at INFO what we don't want: request URLs (the Telegram token is in the
# path), a line per scheduler tick
QUIETER = {"httpx": logging.WARNING, "httpcore": logging.WARNING,
           "apscheduler": logging.WARNING}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "taskName"}


def configured_secrets(settings: Settings) -> list[str]:
    """Every secret the settings hold, in the forms it may show up in (raw, URL-encoded)."""
    found: list[str] = []
    for name in SECRET_FIELDS:
        secret = getattr(settings, name, None)
        value = secret.get_secret_value() if secret is not None else ""
        if value:
            found.append(value)
            if name == "telegram_bot_token" and ":" in value:
                found.append(value.split(":", 1)[1])  # the secret half of "<bot id>:<secret>"
    if settings.database_url:
        try:
            from sqlalchemy.engine import make_url

            password = make_url(settings.database_url).password
        except Exception:  # noqa: BLE001 - an unparsable URL is reported elsewhere
            password = None
        if password:
            found.append(str(password))
    variants = {form for value in found for form in (value, quote(value, safe=""))}
    return sorted((v for v in variants if len(v) >= MIN_SECRET), key=len, reverse=True)


# SQLAlchemy puts the statement's bound values in its error text — a user's message, a name
# or an email; they never reach a log line
SQL_PARAMETERS = re.compile(r"^\[parameters: .*$", re.MULTILINE)
SQL_PARAMETERS_HIDDEN = "[parameters: hidden]"


class Redactor:
    """Replaces any of the given secrets in a text, and SQL parameters in database errors."""

    def __init__(self, secrets: Iterable[str]) -> None:
        ordered = sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len, reverse=True)
        self.pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __call__(self, text: str) -> str:
        if "[parameters: " in text:
            text = SQL_PARAMETERS.sub(SQL_PARAMETERS_HIDDEN, text)
        return self.pattern.sub(REDACTED, text) if self.pattern is not None else text


class RedactingFilter(logging.Filter):
    """A handler filter: the record leaves with its secrets replaced (message, args, extras,
    exception text and stack)."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the record
            message = f"{record.msg} {record.args}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in list(vars(record).items()):
            if key in _STANDARD:
                continue
            shown = value if isinstance(value, str) else repr(value)
            cleaned = self.redact(shown)
            if cleaned != shown:
                setattr(record, key, cleaned)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then any extras."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in data:
                data[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["exception"] = record.exc_text
        if record.stack_info:
            data["stack"] = record.stack_info
        return json.dumps(data, ensure_ascii=False, default=str)


def _level(settings: Settings) -> int:
    level = logging.getLevelName(str(settings.log_level).upper())
    return level if isinstance(level, int) else logging.INFO


def configure_logging(settings: Settings, *, stream: TextIO | None = None,
                      quiet: bool = False) -> logging.Handler:
    """Install the one root handler (replacing an earlier one of ours).

    `quiet` (the terminal commands) keeps to warnings unless LOG_LEVEL is set explicitly.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_afterview", False)]:
        root.removeHandler(old)
        old.close()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._afterview = True  # type: ignore[attr-defined]
    json_lines = str(settings.log_format).strip().casefold() == "json"
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RedactingFilter(Redactor(configured_secrets(settings))))
    root.addHandler(handler)
    explicit = "log_level" in settings.model_fields_set
    root.setLevel(logging.WARNING if quiet and not explicit else _level(settings))
    for name, level in QUIETER.items():
        logging.getLogger(name).setLevel(level)
    return handler
