"""The fake Slack Web API speaks slack_sdk's wire format; our signed requests pass Bolt's checks."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_signing import (
    app_home_opened_event,
    block_action_body,
    date_value,
    dm_message_event,
    event_body,
    post_signed,
    signed_headers,
    slash_command_body,
    text_value,
    view_submission_body,
)

TOKEN = "xoxb-test-token"
SECRET = "signing-secret-for-tests"
BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Thank-you note* due today"}},
    {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": "open_draft",
                "value": "i1",
                "text": {"type": "plain_text", "text": "Open draft"},
            }
        ],
    },
]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(TOKEN, base_url=fake.api_url)


# --------------------------------------------------------------------------- sync WebClient


def test_the_api_url_is_a_slack_sdk_base_url_on_loopback(fake: FakeSlack) -> None:
    assert fake.api_url.startswith("http://127.0.0.1:")
    assert fake.api_url.endswith("/api/")


def test_auth_test_names_the_bot(fake: FakeSlack, client: WebClient) -> None:
    answer = client.auth_test()
    assert answer["user_id"] == "UBOT"
    assert answer["bot_id"] == "BBOT"
    assert answer["team_id"] == "T1"
    assert fake.calls("auth.test")[0].token == TOKEN


def test_conversations_open_gives_each_user_a_stable_dm(client: WebClient) -> None:
    first = client.conversations_open(users="U1")["channel"]["id"]
    again = client.conversations_open(users=["U1"])["channel"]["id"]
    other = client.conversations_open(users="U2")["channel"]["id"]
    assert first == again == "DU1"
    assert other == "DU2"


def test_a_posted_message_is_recorded_with_its_blocks(fake: FakeSlack, client: WebClient) -> None:
    first = client.chat_postMessage(channel="DU1", text="Thank-you note due", blocks=BLOCKS)
    second = client.chat_postMessage(channel="DU1", text="second")

    assert first["channel"] == "DU1"
    assert first["message"]["blocks"] == BLOCKS
    assert first["message"]["bot_id"] == "BBOT"
    assert float(second["ts"]) > float(first["ts"])
    posted = fake.posted_messages("DU1")
    assert [m["text"] for m in posted] == ["Thank-you note due", "second"]
    assert posted[0]["blocks"] == BLOCKS


def test_blocks_sent_as_json_text_in_a_form_are_recorded_decoded(
    fake: FakeSlack, client: WebClient
) -> None:
    client.api_call(
        "chat.postMessage", data={"channel": "C1", "text": "x", "blocks": json.dumps(BLOCKS)}
    )
    assert fake.posted_messages("C1")[0]["blocks"] == BLOCKS


def test_posting_to_a_user_id_lands_in_their_dm(fake: FakeSlack, client: WebClient) -> None:
    assert client.chat_postMessage(channel="U7", text="hi")["channel"] == "DU7"
    assert len(fake.posted_messages("DU7")) == len(fake.posted_messages("U7")) == 1


def test_chat_update_and_ephemeral_answer_like_slack(fake: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="DU1", text="draft")["ts"]
    updated = client.chat_update(channel="DU1", ts=ts, text="sent", blocks=[])
    assert updated["ts"] == ts
    assert updated["message"]["text"] == "sent"
    assert client.chat_postEphemeral(channel="C1", user="U1", text="psst")["message_ts"]
    assert fake.calls("chat.update")[0].params["text"] == "sent"


def test_views_publish_keeps_the_latest_home_view_per_user(
    fake: FakeSlack, client: WebClient
) -> None:
    first = {"type": "home", "blocks": [{"type": "divider"}]}
    latest = {"type": "home", "blocks": BLOCKS}
    id_one = client.views_publish(user_id="U1", view=first)["view"]["id"]
    id_two = client.views_publish(user_id="U1", view=latest)["view"]["id"]

    assert fake.home_views("U1") == latest
    assert fake.home_views("U2") is None
    assert id_one == id_two and id_one.startswith("V")


def test_views_open_needs_a_trigger_id(fake: FakeSlack, client: WebClient) -> None:
    modal = {
        "type": "modal",
        "callback_id": "debrief",
        "title": {"type": "plain_text", "text": "D"},
    }
    with pytest.raises(SlackApiError) as refused:
        client.views_open(trigger_id="", view=modal)
    assert refused.value.response["error"] == "invalid_arguments"

    view = client.views_open(trigger_id="1.2.abc", view=modal)["view"]
    assert view["id"].startswith("V")
    assert fake.opened_views() == [modal]
    pushed = client.views_push(trigger_id="1.2.abc", view=modal)["view"]
    changed = client.views_update(view_id=view["id"], view={**modal, "blocks": BLOCKS})
    assert changed["view"]["blocks"] == BLOCKS
    assert fake.current_view(pushed["id"]) is not None


def test_users_info_describes_a_berlin_user(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U9", real_name="Ada Lovelace", display_name="ada")
    ada = client.users_info(user="U9")["user"]
    assert ada["real_name"] == ada["profile"]["real_name"] == "Ada Lovelace"
    assert ada["profile"]["display_name"] == "ada"
    assert client.users_info(user="U2")["user"]["tz"] == "Europe/Berlin"


def test_files_upload_v2_runs_its_three_steps_against_the_fake(
    fake: FakeSlack, client: WebClient
) -> None:
    answer = client.files_upload_v2(
        channel="DU1", content="Dear Ms Weber,\nthank you", filename="thanks.txt", title="Thanks"
    )
    assert answer["file"]["name"] == "thanks.txt"
    assert [c.method for c in fake.calls()] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    (shared,) = fake.uploaded_files()
    assert shared.content == b"Dear Ms Weber,\nthank you"
    assert (shared.filename, shared.title, shared.channels) == ("thanks.txt", "Thanks", ("DU1",))


def test_a_token_that_is_not_a_bot_token_is_refused(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as refused:
        WebClient("xoxp-user-token", base_url=fake.api_url).auth_test()
    assert refused.value.response["error"] == "invalid_auth"
    fake.valid_tokens = {"xoxb-only-this"}
    with pytest.raises(SlackApiError):
        WebClient(TOKEN, base_url=fake.api_url).auth_test()
    assert WebClient("xoxb-only-this", base_url=fake.api_url).auth_test()["ok"]


def test_an_unknown_method_is_answered_and_recorded(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.api_call("reactions.add", params={"name": "tada"})
    assert refused.value.response["error"] == "unknown_method"
    assert fake.calls("reactions.add")[0].params == {"name": "tada"}
    with pytest.raises(SlackApiError):
        client.apps_connections_open(app_token="xapp-1")


# --------------------------------------------------------------------------- AsyncWebClient


def test_the_async_client_works_against_the_fake(fake: FakeSlack) -> None:
    async def talk() -> tuple[str, str, str]:
        client = AsyncWebClient(TOKEN, base_url=fake.api_url)
        who = await client.auth_test()
        sent = await client.chat_postMessage(channel="DU1", text="hello", blocks=BLOCKS)
        user = await client.users_info(user="U1")  # a GET with the query string
        await client.files_upload_v2(channel="DU1", content=b"\x00pdf", filename="a.pdf")
        return who["user_id"], sent["ts"], user["user"]["id"]

    bot, ts, user = asyncio.run(talk())
    assert (bot, user) == ("UBOT", "U1")
    assert fake.posted_messages("DU1")[0]["blocks"] == BLOCKS
    assert fake.uploaded_files()[0].content == b"\x00pdf"
    assert ts


# --------------------------------------------------------------------------- rate limits, faults


def test_a_second_post_within_a_second_gets_429_with_retry_after(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.per_channel_per_second = 1
    client.chat_postMessage(channel="DU1", text="one")
    client.chat_postMessage(channel="DU2", text="another channel is not limited")
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel="DU1", text="two")

    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "1"
    assert limited.value.response["error"] == "ratelimited"
    assert fake.rate_limited == 1
    assert [m["text"] for m in fake.posted_messages("DU1")] == ["one"]
    assert len(fake.accepted_post_times("DU1")) == 1


def test_slack_sdks_rate_limit_handler_waits_and_succeeds(fake: FakeSlack) -> None:
    fake.per_channel_per_second = 1
    client = WebClient(
        TOKEN, base_url=fake.api_url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)]
    )
    client.chat_postMessage(channel="DU1", text="one")
    client.chat_postMessage(channel="DU1", text="two")

    assert fake.rate_limited == 1
    assert [m["text"] for m in fake.posted_messages("DU1")] == ["one", "two"]
    first, second = fake.accepted_post_times("DU1")
    assert second - first >= 1.0
    assert fake.failed_calls[0].status == 429


def test_injected_faults_fail_the_next_calls_and_are_kept_apart(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.fail_next("chat.postMessage", status=500)
    fake.fail_next("chat.postMessage", status=429)
    with pytest.raises(SlackApiError) as first:
        client.chat_postMessage(channel="DU1", text="lost")
    with pytest.raises(SlackApiError) as second:
        client.chat_postMessage(channel="DU1", text="limited")
    client.chat_postMessage(channel="DU1", text="delivered")

    assert first.value.response.status_code == 500
    assert second.value.response.headers["Retry-After"] == "1"
    assert [c.params["text"] for c in fake.failed_calls] == ["lost", "limited"]
    assert [m["text"] for m in fake.posted_messages()] == ["delivered"]


def test_a_timeout_fault_outlasts_the_clients_timeout(fake: FakeSlack) -> None:
    fake.hang_seconds = 2
    fake.fail_next(None, status="timeout")
    client = WebClient(TOKEN, base_url=fake.api_url, timeout=0.3)  # type: ignore[arg-type]
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        client.chat_postMessage(channel="DU1", text="slow")
    assert time.monotonic() - started < 1.5
    assert fake.posted_messages() == []


def test_flaky_failures_repeat_with_the_same_seed(fake: FakeSlack, client: WebClient) -> None:
    def outcomes() -> list[bool]:
        fake.flaky(0.5, seed=7)
        results = []
        for i in range(12):
            try:
                client.chat_postMessage(channel="C1", text=str(i))
                results.append(True)
            except SlackApiError:
                results.append(False)
        return results

    first = outcomes()
    again = outcomes()
    fake.flaky(0)
    assert first == again
    assert True in first and False in first
    assert len(fake.failed_calls) == 2 * first.count(False)


def test_wait_for_calls_sees_calls_from_other_threads(fake: FakeSlack, client: WebClient) -> None:
    worker = threading.Timer(0.1, lambda: client.chat_postMessage(channel="DU1", text="later"))
    worker.start()
    calls = fake.wait_for_calls("chat.postMessage", 1, timeout=3)
    worker.join()
    assert calls[0].params["text"] == "later"


def test_wait_for_explains_what_it_saw_when_it_times_out(
    fake: FakeSlack, client: WebClient
) -> None:
    client.auth_test()
    with pytest.raises(AssertionError, match="auth.test"):
        fake.wait_for(lambda: fake.home_views("U1"), timeout=0.2)


# --------------------------------------------------------------------------- signing


def test_signed_headers_verify_with_slacks_own_verifier() -> None:
    body = slash_command_body(text="debrief")
    headers = signed_headers(SECRET, body)
    verifier = SignatureVerifier(SECRET)
    timestamp, signature = headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]

    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert verifier.is_valid(body, timestamp, signature)
    assert not verifier.is_valid(body.replace("debrief", "delete"), timestamp, signature)
    assert not SignatureVerifier("another-secret").is_valid(body, timestamp, signature)
    old = signed_headers(SECRET, body, timestamp=int(time.time()) - 6 * 60)
    assert not verifier.is_valid(body, old["X-Slack-Request-Timestamp"], old["X-Slack-Signature"])


def _bolt_app(fake: FakeSlack, seen: list[tuple[str, Any]]) -> App:
    app = App(
        client=WebClient(TOKEN, base_url=fake.api_url),
        signing_secret=SECRET,
        process_before_response=True,  # listeners finish before dispatch returns
    )

    @app.command("/afterview")
    def command(ack: Any, command: dict[str, Any]) -> None:
        ack()
        seen.append(("command", (command["user_id"], command["text"])))

    @app.event("message")
    def message(event: dict[str, Any]) -> None:
        seen.append(("message", (event["user"], event["text"], event["channel_type"])))

    @app.event("app_home_opened")
    def home(event: dict[str, Any]) -> None:
        seen.append(("home", event["user"]))

    @app.action("open_draft")
    def action(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        seen.append(("action", (body["user"]["id"], action["value"])))

    @app.view("debrief")
    def view(ack: Any, view: dict[str, Any], context: Any) -> None:
        ack()
        values = view["state"]["values"]
        seen.append(("view", (context.team_id, values["date"]["pick"]["selected_date"])))

    return app


def test_bolt_accepts_every_kind_of_signed_body(fake: FakeSlack) -> None:
    seen: list[tuple[str, Any]] = []
    app = _bolt_app(fake, seen)
    bodies = [
        slash_command_body(text="debrief", user_id="U1", team_id="T1"),
        event_body(dm_message_event("U1", "It went well")),
        event_body(app_home_opened_event("U1")),
        block_action_body("U1", "T1", "open_draft", "i1", channel="DU1", message_ts="1.000100"),
        view_submission_body(
            "U1",
            "T2",
            "debrief",
            {"date": {"pick": date_value("2025-03-04")}, "who": {"name": text_value("Weber")}},
        ),
    ]
    for body in bodies:
        headers: dict[str, str | Sequence[str]] = {**signed_headers(SECRET, body)}
        response = app.dispatch(BoltRequest(body=body, headers=headers))
        assert response.status == 200, (body, response.body)

    assert sorted(seen) == sorted(
        [
            ("command", ("U1", "debrief")),
            ("message", ("U1", "It went well", "im")),
            ("home", "U1"),
            ("action", ("U1", "i1")),
            ("view", ("T2", "2025-03-04")),
        ]
    )


class _BoltHandler(BaseHTTPRequestHandler):
    app: App

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        headers: dict[str, str | Sequence[str]] = dict(self.headers.items())
        answer = self.app.dispatch(BoltRequest(body=body, headers=headers))
        self.send_response(answer.status)
        self.end_headers()
        self.wfile.write(answer.body.encode())

    def log_message(self, *args: Any) -> None:
        pass


def test_post_signed_passes_bolt_and_a_forgery_gets_401(fake: FakeSlack) -> None:
    seen: list[tuple[str, Any]] = []
    handler = type("Handler", (_BoltHandler,), {"app": _bolt_app(fake, seen)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    try:
        body = event_body(dm_message_event("U1", "hi"))
        assert post_signed(url, body, SECRET)[0] == 200
        assert post_signed(url, body, SECRET, retry_num=1)[0] == 200
        assert post_signed(url, body, "forged-secret")[0] == 401
        assert post_signed(url, body, SECRET, timestamp=int(time.time()) - 301)[0] == 401
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert seen == [("message", ("U1", "hi", "im"))] * 2
