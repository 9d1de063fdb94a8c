"""The `afterview` command: chat, tick, run, serve, worker, import, db upgrade."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import Clock, FixedClock, SystemClock


def _parse_now(value: str | None) -> Clock:
    if not value:
        return SystemClock()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise SystemExit(
            f"--now: “{value}” is not an ISO date-time like 2026-11-23T11:00+01:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return FixedClock(moment)


def _database(url: str | None):  # type: ignore[no-untyped-def]
    from afterview.settings import Settings
    from storage.db import Database

    return Database(url or Settings().database_url)


def cmd_chat(args: argparse.Namespace) -> int:
    from adapters.console import ConsoleAdapter, console_user
    from bot.conversation.engine import Engine

    engine = Engine(_database(args.db), _parse_now(args.now))
    ConsoleAdapter(engine, json_mode=args.json).chat(console_user(args.user))
    return 0


def cmd_tick(args: argparse.Namespace) -> int:
    from afterview.runtime import build_adapters, delivery_for
    from afterview.settings import Settings
    from bot.conversation.buttons import ButtonVault
    from bot.conversation.engine import Engine
    from bot.nudges.scheduler import Scheduler

    settings = Settings()
    db = _database(args.db)
    clock = _parse_now(args.now)
    adapters = build_adapters(settings, Engine(db, clock), ButtonVault(db, clock))
    try:
        report = Scheduler(db, delivery_for(adapters, json_mode=args.json), clock).tick()
    finally:
        for adapter in adapters:
            adapter.stop()
    print(f"tick: {report.sent} nudges sent in {report.messages} messages, "
          f"{report.deferred} deferred, {report.dropped} dropped, {report.failed} failed",
          file=sys.stderr)
    return 0


def _serve(web: bool, worker: bool) -> int:
    from afterview.runtime import run
    from afterview.settings import Settings

    return run(Settings(), web=web, worker=worker)


def cmd_run(args: argparse.Namespace) -> int:
    return _serve(web=True, worker=True)


def cmd_serve(args: argparse.Namespace) -> int:
    return _serve(web=True, worker=False)


def cmd_worker(args: argparse.Namespace) -> int:
    return _serve(web=False, worker=True)


def cmd_db(args: argparse.Namespace) -> int:
    db = _database(args.db)
    print(f"database is up to date ({db.engine.url.render_as_string(hide_password=True)})")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from bot.messages import UserKey
    from bot.outputs.export import ExportFormatError, ImportRefused, import_export, read_export

    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
        data = read_export(raw)
    except OSError as error:
        print(f"import: can't read {args.file}: {error.strerror or error}", file=sys.stderr)
        return 2
    except ExportFormatError as error:
        print(f"import: {args.file} can't be imported: {error}", file=sys.stderr)
        return 2
    owner = data.get("user") or {}
    key = UserKey(args.platform or str(owner.get("platform") or "console"),
                  args.workspace or str(owner.get("workspace") or "local"),
                  args.user or str(owner.get("user_id") or "me"))
    db = _database(args.db)
    try:
        with db.session() as session:
            report = import_export(session, data, key)
    except (ImportRefused, ExportFormatError) as error:
        print(f"import: nothing imported — {error}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(report.summary())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="afterview", description="Afterview — your coach for everything after a job interview."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", help="talk to the bot in this terminal (no token needed)")
    chat.add_argument("--user", default="me", help="which local user you are (default: me)")
    chat.add_argument("--db", help="SQLAlchemy database URL (default: DATABASE_URL or a file)")
    chat.add_argument("--now", help="fix the clock, e.g. 2026-11-23T11:00+01:00")
    chat.add_argument("--json", action="store_true", help="one JSON object per line in and out")
    chat.set_defaults(func=cmd_chat)

    tick = sub.add_parser("tick", help="one scheduler pass: deliver the nudges due now, then exit")
    tick.add_argument("--db", help="SQLAlchemy database URL")
    tick.add_argument("--now", help="the time of the pass, e.g. 2026-11-23T18:00+00:00")
    tick.add_argument("--json", action="store_true", help="console nudges as JSON lines")
    tick.set_defaults(func=cmd_tick)

    for name, func, text in (
        ("run", cmd_run, "everything configured in one process: Telegram, Slack, HTTP, scheduler"),
        ("serve", cmd_serve, "the HTTP server only: webhooks, Slack, /healthz, /metrics"),
        ("worker", cmd_worker, "the scheduler and Telegram long polling"),
    ):
        sub.add_parser(name, help=text).set_defaults(func=func)

    imp = sub.add_parser("import", help="load a file made by “export” into a database")
    imp.add_argument("file", help="the .json export (or - for standard input)")
    imp.add_argument("--db", help="SQLAlchemy database URL (default: DATABASE_URL or a file)")
    imp.add_argument("--user", help="the user id to import as (default: the one in the file)")
    imp.add_argument("--platform", choices=("console", "telegram", "slack"),
                     help="the platform to import as (default: the one in the file)")
    imp.add_argument("--workspace", help="the workspace to import as (default: the file's)")
    imp.set_defaults(func=cmd_import)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_sub.add_parser("upgrade", help="apply migrations")
    upgrade.add_argument("--db", help="SQLAlchemy database URL")
    upgrade.set_defaults(func=cmd_db)
    return parser


def _configure_logging(command: str) -> None:
    from pydantic import ValidationError

    from afterview.logging import configure_logging
    from afterview.settings import Settings

    try:
        settings = Settings()
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise SystemExit(f"afterview: bad configuration — {problems}") from None
    # the terminal commands keep to warnings unless LOG_LEVEL is set
    configure_logging(settings, quiet=command in ("chat", "tick", "import", "db"))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.command)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
