"""Shared fixtures: no network but loopback, a SQLite file per test, PostgreSQL when configured."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


class NetworkEscape(RuntimeError):
    """Raised when a test tries to reach anything but this machine."""


def _check_address(address: object) -> None:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        try:
            ip = ipaddress.ip_address(host.split("%")[0])
        except ValueError:
            raise NetworkEscape(f"tests may not resolve or reach {host!r}") from None
        if not ip.is_loopback:
            raise NetworkEscape(f"tests may not reach {host}: only 127.0.0.1 is allowed")


def _guarded_connect(self: socket.socket, address: object) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _check_address(address)
    return _real_connect(self, address)  # type: ignore[arg-type]


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _check_address(address)
    return _real_connect_ex(self, address)  # type: ignore[arg-type]


def _guarded_getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
    if host not in (None, "localhost", "127.0.0.1", "::1", b"localhost", b"127.0.0.1"):
        try:
            name = host if isinstance(host, str) else host.decode()
            if not ipaddress.ip_address(name).is_loopback:
                raise NetworkEscape(f"tests may not reach {host!r}")
        except ValueError:
            raise NetworkEscape(f"tests may not resolve {host!r}: only 127.0.0.1") from None
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True, scope="session")
def no_internet() -> Iterator[None]:
    """Any accidental outside call fails loudly instead of hanging (like PTB's OfflineRequest)."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo
    os.environ.pop("TELEGRAM_BOT_TOKEN", None)
    os.environ.pop("SLACK_BOT_TOKEN", None)
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _real_getaddrinfo


# ---- databases ------------------------------------------------------------------------------

PG_ENV = "AFTERVIEW_TEST_DATABASE_URL"


def postgres_url() -> str | None:
    return os.environ.get(PG_ENV) or None


def _fresh_pg_schema(url: str) -> tuple[str, str]:
    """A new schema in the test database and a URL whose connections use it."""
    import uuid

    from sqlalchemy import create_engine, text

    from storage.db import normalise_url

    schema = "t_" + uuid.uuid4().hex[:12]
    engine = create_engine(normalise_url(url))
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    joiner = "&" if "?" in url else "?"
    return schema, f"{normalise_url(url)}{joiner}options=-csearch_path%3D{schema}"


def _drop_pg_schema(url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    from storage.db import normalise_url

    engine = create_engine(normalise_url(url))
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'afterview.db'}"


@pytest.fixture
def slack_app(sqlite_url: str) -> Iterator[tuple[object, object]]:
    """A fake Slack and the product's Slack app on a SQLite file, no pacing between messages
    (imported here, when used: some test modules set environment variables before the platform
    libraries load)."""
    from tests.fakes.slack_api import FakeSlack
    from tests.slack_harness import SlackBot

    with FakeSlack() as fake:
        bot = SlackBot(fake, sqlite_url).start()
        bot.adapter.per_channel_interval = 0.0
        try:
            yield fake, bot
        finally:
            bot.stop()


@pytest.fixture
def pg_url() -> Iterator[str]:
    base = postgres_url()
    if base is None:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1/test)")
    schema, url = _fresh_pg_schema(base)
    yield url
    _drop_pg_schema(base, schema)


@pytest.fixture(params=["sqlite", "postgres"])
def any_db_url(request, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Run a storage test on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'afterview.db'}"
        return
    base = postgres_url()
    if base is None:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1/test)")
    schema, url = _fresh_pg_schema(base)
    yield url
    _drop_pg_schema(base, schema)


@pytest.fixture
def db(sqlite_url):  # type: ignore[no-untyped-def]
    from storage.db import Database

    database = Database(sqlite_url)
    yield database
    database.dispose()
