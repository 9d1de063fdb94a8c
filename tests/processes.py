"""Afterview as real processes for the end-to-end tests: `afterview serve` and `afterview worker`
started the way a Procfile starts them, with an operator's environment pointing at the fake
platforms, their output in files, stopped with SIGTERM — and any stray one killed with its
process group when the test ends."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select, update

from storage.db import Database
from storage.models import Nudge, User

T = TypeVar("T")

# Distinctive values, so a grep over the logs cannot miss them (or match something else).
TELEGRAM_TOKEN = "7000111222:AAHe2eTelegramTokenSecretHalf_9f8e7d6c5b"
SLACK_TOKEN = "xoxb-1111-2222-e2eSlackBotTokenSecret7a6b"
SLACK_SIGNING_SECRET = "e2e-slack-signing-secret-4d3c2b1a0f9e"
TELEGRAM_WEBHOOK_SECRET = "e2e-telegram-webhook-secret_ZYXWVU"
SECRETS = {
    "the Telegram bot token": TELEGRAM_TOKEN,
    "the secret half of the Telegram bot token": TELEGRAM_TOKEN.split(":", 1)[1],
    "the Slack bot token": SLACK_TOKEN,
    "the Slack signing secret": SLACK_SIGNING_SECRET,
    "the Telegram webhook secret": TELEGRAM_WEBHOOK_SECRET,
}

SUMMARY_DONE = re.compile(r"scheduler\s+(on|off)\b")  # the startup summary's last line

# what the operator sets elsewhere must not leak into the processes under test
_NOT_INHERITED = ("TELEGRAM_", "SLACK_", "AFTERVIEW_", "LOG_")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    """GET a loopback URL without any proxy; (status, body), also for error statuses."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_until(predicate: Callable[[], T], timeout: float, what: str,
               details: Callable[[], str] = lambda: "") -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s\n{details()}")
        time.sleep(0.05)


def metric(text: str, name: str) -> float:
    """A counter's value in Prometheus text format."""
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == name:
            return float(parts[1])
    raise AssertionError(f"{name} is not on /metrics:\n{text}")


@dataclass
class Afterview:
    """One `afterview serve|worker` process, alone in its process group."""

    role: str
    popen: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path
    port: int | None = None
    started: float = field(default_factory=time.monotonic)

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def running(self) -> bool:
        return self.popen.poll() is None

    def url(self, path: str) -> str:
        assert self.port is not None, f"{self.role} has no HTTP server"
        return f"http://127.0.0.1:{self.port}{path}"

    def terminate(self) -> float:
        """Send SIGTERM (as a platform does on deploy or scale-down); returns when it was sent."""
        os.kill(self.pid, signal.SIGTERM)
        return time.monotonic()

    def wait(self, timeout: float) -> int:
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.role} did not exit within {timeout} s\n"
                                 f"{self.tail()}") from None

    def stop(self, timeout: float = 20.0) -> tuple[int, float]:
        """SIGTERM and wait: (exit code, seconds it took)."""
        sent = self.terminate()
        code = self.wait(timeout)
        return code, time.monotonic() - sent

    def kill(self) -> None:
        """The finalizer's hammer: the whole process group, whatever it is doing."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)  # its group: anything it may have started, too
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(10)

    def lines(self) -> Iterator[tuple[str, int, str]]:
        """(file name, line number, line) of everything it printed, stdout and stderr."""
        for path in (self.stdout, self.stderr):
            text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
            for number, line in enumerate(text.splitlines(), 1):
                yield path.name, number, line

    def output(self) -> str:
        return "\n".join(line for _, _, line in self.lines())

    def tail(self, count: int = 40) -> str:
        shown = list(self.lines())[-count:]
        body = "\n".join(f"  {name}:{number}: {line[:300]}" for name, number, line in shown)
        return f"--- {self.role} (pid {self.pid}), last {len(shown)} lines:\n{body}"


class Deployment:
    """The processes of one test: one environment (as the platform's config vars), each process
    with its own output files; `close()` kills whatever still runs."""

    def __init__(self, folder: Path, env: Mapping[str, str]) -> None:
        self.folder = folder
        self.env = dict(env)
        self.processes: list[Afterview] = []

    def start(self, role: str, *, port: int | None = None,
              extra: Mapping[str, str] | None = None) -> Afterview:
        """Start `afterview ROLE` with the deployment's environment plus `extra`."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(_NOT_INHERITED) and k not in ("DATABASE_URL", "PORT")
               and "proxy" not in k.lower()}
        env.update(self.env)
        env.update(extra or {})
        env.update(PYTHONUNBUFFERED="1", PTB_TIMEDELTA="1")
        if port is None and role in ("serve", "run"):
            port = free_port()
        if port is not None:
            env["PORT"] = str(port)
        number = sum(p.role == role for p in self.processes) + 1
        stdout = self.folder / f"{role}-{number}.stdout"
        stderr = self.folder / f"{role}-{number}.stderr"
        with open(stdout, "wb") as out, open(stderr, "wb") as err:
            popen = subprocess.Popen(
                [sys.executable, "-m", "afterview", role], env=env, cwd=self.folder,
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)
        process = Afterview(role, popen, stdout, stderr, port)
        self.processes.append(process)
        return process

    def stop(self, *processes: Afterview, timeout: float = 20.0) -> dict[str, tuple[int, float]]:
        """SIGTERM to all of them at once, then wait: {"role-pid": (exit code, seconds)}."""
        sent = {p.pid: p.terminate() for p in processes}
        return {f"{p.role}-{p.pid}": (p.wait(timeout), time.monotonic() - sent[p.pid])
                for p in processes}

    def close(self) -> None:
        for process in self.processes:
            process.kill()

    def diagnostics(self) -> str:
        return "\n".join(p.tail() for p in self.processes)

    def wait_healthy(self, serve: Afterview, timeout: float = 30.0) -> None:
        def healthy() -> bool:
            if not serve.running:
                raise AssertionError(f"serve exited with {serve.popen.returncode}\n{serve.tail()}")
            try:
                return http_get(serve.url("/healthz"), timeout=1.0)[0] == 200
            except OSError:
                return False

        wait_until(healthy, timeout, "serve's /healthz to answer 200", self.diagnostics)

    def wait_started(self, process: Afterview, timeout: float = 30.0) -> None:
        """Until it showed its startup summary (shown once everything is started), whether printed
        or logged."""
        def started() -> bool:
            if not process.running:
                raise AssertionError(
                    f"{process.role} exited with {process.popen.returncode}\n{process.tail()}")
            return any(SUMMARY_DONE.search(line) for _, _, line in process.lines())

        wait_until(started, timeout, f"{process.role} to start", self.diagnostics)

    def secret_lines(self) -> list[str]:
        """Every output line, of every process, that shows a secret (named, not shown)."""
        found = []
        for process in self.processes:
            for name, number, line in process.lines():
                for what, secret in SECRETS.items():
                    if secret in line:
                        found.append(f"{name}:{number} shows {what}")
        return found

    def non_json_lines(self, *, streams: tuple[str, ...] = (".stdout", ".stderr")) -> list[str]:
        """Output lines that are not one JSON object each."""
        bad = []
        for process in self.processes:
            for name, number, line in process.lines():
                if not name.endswith(streams):
                    continue
                try:
                    ok = isinstance(json.loads(line), dict)
                except ValueError:
                    ok = False
                if not ok:
                    bad.append(f"{name}:{number}: {line[:200]}")
        return bad

    def line_count(self) -> int:
        return sum(1 for p in self.processes for _ in p.lines())


# ---- the database, as the test sees it -----------------------------------------------------------


def make_thank_yous_due(db: Database) -> list[int]:
    """Every user's first thank-you reminder due a minute ago, and no quiet hours in the way (the
    processes run on the real clock); returns the nudge ids."""
    now = datetime.now(UTC)
    with db.session() as session:
        session.execute(update(User).values(quiet_start=None, quiet_end=None))
        ids = list(session.scalars(select(Nudge.id).where(
            Nudge.kind == "thank_you", Nudge.key.like("thank_you:%:1"),
            Nudge.state == "pending")))
        session.execute(update(Nudge).where(Nudge.id.in_(ids))
                        .values(due_at=now - timedelta(minutes=1)))
    return ids


def nudge_states(db: Database, ids: list[int]) -> dict[int, tuple[str, str | None]]:
    """{nudge id: (state, claimed_by)}."""
    with db.session() as session:
        rows = session.execute(select(Nudge.id, Nudge.state, Nudge.claimed_by)
                               .where(Nudge.id.in_(ids)))
        return {row.id: (row.state, row.claimed_by) for row in rows}


def claimed_rows(db: Database) -> list[tuple[int, str | None]]:
    with db.session() as session:
        return [(row.id, row.claimed_by) for row in session.execute(
            select(Nudge.id, Nudge.claimed_by).where(Nudge.state == "claimed"))]


def user_of_nudge(db: Database, ids: list[int]) -> dict[int, tuple[str, str]]:
    """{nudge id: (platform, external user id)}."""
    with db.session() as session:
        rows = session.execute(select(Nudge.id, User.platform, User.external_id)
                               .join(User, User.id == Nudge.user_id).where(Nudge.id.in_(ids)))
        return {row.id: (row.platform, row.external_id) for row in rows}
