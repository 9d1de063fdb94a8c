"""Mail links that open on a phone (issue 12): with PUBLIC_URL set, a letter carries
`PUBLIC_URL/mail/<opaque token>`, served by the product's own HTTP server as a redirect to the
whole `mailto:` — a 6,000-character letter included; valid 30 days; bound to its owner (gone with
their data). Without PUBLIC_URL, Telegram shows the address and subject to copy and no link."""

from __future__ import annotations

import http.client
import os
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import unquote

os.environ.setdefault("PTB_TIMEDELTA", "1")  # before telegram is imported

import pytest  # noqa: E402

from afterview.http import HttpServer  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.conversation.engine import Engine  # noqa: E402
from bot.letters import mailto  # noqa: E402
from bot.outputs import mail_links  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.repository import Repository  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.story import ONBOARDING_ANSWERS, Seeker, debrief  # noqa: E402
from tests.telegram_harness import (  # noqa: E402
    MONDAY_1130,
    on_a_loop,
    running,
    settings_for,
)
from tests.telegram_harness import Seeker as TelegramSeeker  # noqa: E402

PUBLIC = "https://afterview.example"
pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def served(sqlite_url: str) -> Iterator[tuple[Database, FixedClock, int]]:
    db = Database(sqlite_url)
    clock = FixedClock(MONDAY_1130)
    server = HttpServer(db, 0, host="127.0.0.1", clock=clock)
    with on_a_loop(server.start, server.stop):
        assert server.bound_port
        yield db, clock, server.bound_port
    db.dispose()


def get(port: int, path: str) -> tuple[int, str, str]:
    """(status, Location, body) — redirects not followed: a phone's mail app takes it."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.getheader("Location") or "", response.read().decode()
    finally:
        connection.close()


def _jane_with_letter(db: Database, clock: FixedClock) -> tuple[Engine, Seeker]:
    engine = Engine(db, clock, public_url=PUBLIC)
    jane = Seeker(engine)
    jane.says("hello")
    jane.answers(*ONBOARDING_ANSWERS)
    debrief(jane, "Acme", ("Mia Wong",))
    return engine, jane


def _path(link: str) -> str:
    assert link.startswith(PUBLIC + "/mail/")
    return link[len(PUBLIC):]


def test_a_letter_carries_an_https_link_that_redirects_to_its_whole_mailto(
        served: tuple[Database, FixedClock, int]) -> None:
    db, clock, port = served
    _, jane = _jane_with_letter(db, clock)
    jane.runs("thanks")
    jane.presses("Add their email")
    jane.says("mia.wong@acme.example")
    [draft] = [r.draft for r in jane.replies if r.draft is not None]
    assert draft.mailto and draft.link
    token = draft.link.rsplit("/", 1)[1]
    assert len(token) >= 32 and "mia" not in token.casefold()  # opaque

    status, location, _ = get(port, _path(draft.link))
    assert status == 302 and location == draft.mailto
    assert "Mia Wong" in unquote(location)


def test_a_6000_character_letter_arrives_whole(served: tuple[Database, FixedClock, int]) -> None:
    db, clock, port = served
    _jane_with_letter(db, clock)
    body = "Dear Mia,\n\n" + ("I enjoyed our talk about streaming pipelines. " * 140)[:6000]
    link = mailto("mia.wong@acme.example", "Thank you", body)
    with db.session() as session:
        repo = Repository.for_key(session, "console", "local", "jane")
        assert repo is not None
        token = mail_links.issue(repo, link, clock.now())
    status, location, _ = get(port, mail_links.PATH + token)
    assert status == 302 and location == link and len(location) > 6000
    assert unquote(location.split("&body=", 1)[1]) == body


def test_a_link_expires_after_30_days(served: tuple[Database, FixedClock, int]) -> None:
    db, clock, port = served
    _jane_with_letter(db, clock)
    with db.session() as session:
        repo = Repository.for_key(session, "console", "local", "jane")
        assert repo is not None
        token = mail_links.issue(repo, "mailto:mia%40acme.example?subject=Hi", clock.now())
    clock.advance(timedelta(days=29, hours=23))
    assert get(port, mail_links.PATH + token)[0] == 302
    clock.advance(timedelta(hours=2))
    status, location, body = get(port, mail_links.PATH + token)
    assert status == 404 and not location and "expired" in body


def test_a_link_is_bound_to_its_owner_and_goes_with_their_data(
        served: tuple[Database, FixedClock, int]) -> None:
    db, clock, port = served
    _, jane = _jane_with_letter(db, clock)
    bob = Seeker(jane.engine, "bob")
    bob.says("hello")
    bob.answers(*ONBOARDING_ANSWERS)
    tokens = {}
    with db.session() as session:
        for who in ("jane", "bob"):
            repo = Repository.for_key(session, "console", "local", who)
            assert repo is not None
            tokens[who] = mail_links.issue(repo, f"mailto:{who}%40example.com?subject=Hi",
                                           clock.now())
    assert get(port, mail_links.PATH + tokens["jane"])[1] == "mailto:jane%40example.com?subject=Hi"
    jane.runs("delete")
    jane.says("delete")
    assert get(port, mail_links.PATH + tokens["jane"])[0] == 404  # erased with her data
    assert get(port, mail_links.PATH + tokens["bob"])[0] == 302  # bob's is his
    assert get(port, mail_links.PATH + "not-a-token")[0] == 404


# ---- Telegram ------------------------------------------------------------------------------------

@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def _letter_on_telegram(telegram: FakeTelegram, url: str, **extra: str) -> str:
    with running(settings_for(telegram, url, **extra), FixedClock(MONDAY_1130)) as runtime:
        jane = TelegramSeeker(telegram, runtime)
        jane.says("hello")
        jane.answers(*ONBOARDING_ANSWERS)
        jane.says("/debrief")
        jane.answers("Acme", "Data Analyst", "today 11am", "first", "video", "Mia Wong",
                     "Head of Data", "mia.wong@acme.example", "skip", "streaming pipelines",
                     "done", "4", "SQL", "ten years", "skip", "skip", "skip", "next Friday", "2",
                     "skip")
        sent = jane.says("/thanks")
        return "\n".join(m.text or "" for m in sent)


def test_telegram_letters_link_to_public_url_when_it_is_set(telegram: FakeTelegram,
                                                           sqlite_url: str) -> None:
    shown = _letter_on_telegram(telegram, sqlite_url, PUBLIC_URL=PUBLIC + "/")
    assert f'<a href="{PUBLIC}/mail/' in shown and "Open it in your mail app" in shown
    assert "mailto:" not in shown


def test_telegram_without_public_url_shows_the_address_to_copy_and_promises_no_link(
        telegram: FakeTelegram, sqlite_url: str) -> None:
    shown = _letter_on_telegram(telegram, sqlite_url)
    assert "<code>mia.wong@acme.example</code>" in shown and "<b>Subject:</b> <code>" in shown
    assert "href=" not in shown and "mail link" not in shown and "mail app" not in shown


def test_slack_keeps_its_mailto_link_while_it_fits_then_uses_the_https_one() -> None:
    from adapters.slack_blocks import draft_blocks
    from bot.messages import Draft

    short = Draft("Thank you", "Dear Mia,\n\nThanks.", "mia@acme.example",
                  mailto("mia@acme.example", "Thank you", "Dear Mia,\n\nThanks."),
                  link=PUBLIC + "/mail/abc")
    assert "<mailto:mia@acme.example?subject=Thank%20you" in str(draft_blocks(short))
    body = "Dear Mia,\n\n" + "A long and heartfelt letter. " * 220
    long = Draft("Thank you", body, "mia@acme.example", mailto("mia@acme.example", "Thank you",
                                                               body), link=PUBLIC + "/mail/abc")
    shown = str(draft_blocks(long))
    assert f"<{PUBLIC}/mail/abc|Open in mail app>" in shown and "<mailto:" not in shown
