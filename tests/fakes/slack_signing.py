"""Inbound Slack requests for a Bolt app's ``/slack/events``, signed with the real algorithm.

Bodies are built as Slack sends them (slash commands and interactivity form-encoded, the
interactivity JSON inside ``payload=``; events as JSON), signed by slack_sdk's own
``SignatureVerifier.generate_signature`` and posted with urllib to 127.0.0.1 only.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import date
from typing import Any

from slack_sdk.signature import SignatureVerifier

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

#: A response_url that is not the fake: if an app answers through it the network guard fails loudly.
DEFAULT_RESPONSE_URL = "https://hooks.slack.com/commands/T1/1/not-faked"

_sequence = itertools.count(1)


def content_type_of(body: str | bytes) -> str:
    """JSON for an event body, form encoding for commands and interactivity."""
    text = body.decode() if isinstance(body, bytes) else body
    return JSON if text.lstrip().startswith("{") else FORM


def signed_headers(
    secret: str,
    body: str | bytes,
    timestamp: int | None = None,
    *,
    content_type: str | None = None,
) -> dict[str, str]:
    """``X-Slack-Request-Timestamp``, ``X-Slack-Signature`` (v0=HMAC-SHA256) and Content-Type."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
        "Content-Type": content_type or content_type_of(body),
    }


def post_signed(
    url: str,
    body: str | bytes,
    secret: str,
    content_type: str | None = None,
    retry_num: int | None = None,
    timestamp: int | None = None,
    *,
    retry_reason: str = "http_timeout",
    extra_headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, str]:
    """POST ``body`` signed with ``secret`` to a loopback ``url``; returns (status, response text).

    ``retry_num`` adds ``X-Slack-Retry-Num`` and ``X-Slack-Retry-Reason`` as Slack does when it
    redelivers an event. Error statuses (401, 404…) are returned, not raised.
    """
    host = urllib.parse.urlsplit(url).hostname or ""
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"post_signed only talks to this machine, not {host!r}")
    data = body.encode() if isinstance(body, str) else body
    headers = signed_headers(secret, data, timestamp, content_type=content_type)
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason
    headers.update(extra_headers or {})
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


# --------------------------------------------------------------------------- slash commands


def slash_command_body(
    command: str = "/afterview",
    text: str = "help",
    user_id: str = "U1",
    team_id: str = "T1",
    channel_id: str | None = None,
    trigger_id: str | None = None,
    response_url: str = DEFAULT_RESPONSE_URL,
    *,
    user_name: str | None = None,
    api_app_id: str = "A1",
) -> str:
    """A slash command as Slack posts it (form-encoded); channel defaults to the user's DM."""
    return urllib.parse.urlencode(
        {
            "token": "verification-token-unused",
            "team_id": team_id,
            "team_domain": team_id.lower(),
            "channel_id": channel_id or f"D{user_id}",
            "channel_name": "directmessage",
            "user_id": user_id,
            "user_name": user_name or user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or new_trigger_id(),
        }
    )


# --------------------------------------------------------------------------- events


def event_body(
    event: dict[str, Any],
    team_id: str = "T1",
    event_id: str | None = None,
    api_app_id: str = "A1",
    *,
    bot_user_id: str = "UBOT",
    event_time: int | None = None,
) -> str:
    """An ``event_callback`` envelope (JSON) with a fresh ``event_id`` unless one is given."""
    return json.dumps(
        {
            "token": "verification-token-unused",
            "team_id": team_id,
            "api_app_id": api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or new_event_id(),
            "event_time": int(time.time()) if event_time is None else event_time,
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{uuid.uuid4().hex}",
        }
    )


def dm_message_event(
    user: str,
    text: str,
    channel: str | None = None,
    ts: str | None = None,
    *,
    team: str = "T1",
) -> dict[str, Any]:
    """A ``message.im`` event: the user wrote ``text`` in their DM with the bot (``D`` + user)."""
    ts = ts or new_ts()
    return {
        "type": "message",
        "client_msg_id": str(uuid.uuid4()),
        "text": text,
        "user": user,
        "ts": ts,
        "team": team,
        "blocks": [
            {
                "type": "rich_text",
                "block_id": "rt1",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
                ],
            }
        ],
        "channel": channel or f"D{user}",
        "event_ts": ts,
        "channel_type": "im",
    }


def bot_message_event(
    text: str, channel: str, *, bot_id: str = "BBOT", user: str = "UBOT", ts: str | None = None
) -> dict[str, Any]:
    """The echo of the bot's own DM message, which the app must ignore."""
    ts = ts or new_ts()
    return {
        "type": "message",
        "subtype": "bot_message",
        "text": text,
        "user": user,
        "bot_id": bot_id,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "channel_type": "im",
    }


def message_changed_event(
    user: str, text: str, original_ts: str, channel: str | None = None
) -> dict[str, Any]:
    """The user edited an earlier DM message (``message_changed``), which the app must ignore."""
    ts = new_ts()
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "message": {"type": "message", "user": user, "text": text, "ts": original_ts},
        "previous_message": {"type": "message", "user": user, "text": "", "ts": original_ts},
        "channel": channel or f"D{user}",
        "ts": ts,
        "event_ts": ts,
        "channel_type": "im",
    }


def app_home_opened_event(user: str, tab: str = "home") -> dict[str, Any]:
    """The user opened the app's Home tab."""
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": f"D{user}",
        "tab": tab,
        "event_ts": new_ts(),
    }


# --------------------------------------------------------------------------- interactivity


def block_action_body(
    user_id: str = "U1",
    team_id: str = "T1",
    action_id: str = "action",
    value: str = "",
    channel: str | None = None,
    message_ts: str | None = None,
    trigger_id: str | None = None,
    *,
    block_id: str = "actions",
    response_url: str = DEFAULT_RESPONSE_URL,
    view: dict[str, Any] | None = None,
    api_app_id: str = "A1",
) -> str:
    """A button press (``block_actions``, form-encoded ``payload=``).

    With ``channel``/``message_ts`` the button sat in a message; otherwise in a view (App Home by
    default, or the given ``view`` dict).
    """
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {
            "id": user_id,
            "username": user_id.lower(),
            "name": user_id.lower(),
            "team_id": team_id,
        },
        "api_app_id": api_app_id,
        "token": "verification-token-unused",
        "trigger_id": trigger_id or new_trigger_id(),
        "team": {"id": team_id, "domain": team_id.lower()},
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "text": {"type": "plain_text", "text": action_id, "emoji": True},
                "value": value,
                "action_ts": new_ts(),
            }
        ],
    }
    if channel is not None or message_ts is not None:
        channel = channel or f"D{user_id}"
        message_ts = message_ts or new_ts()
        payload["container"] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel, "name": "directmessage"}
        payload["message"] = {"type": "message", "user": "UBOT", "ts": message_ts, "text": ""}
        payload["response_url"] = response_url
    else:
        shown = view or {"id": f"VH{user_id}", "type": "home", "blocks": []}
        payload["container"] = {"type": "view", "view_id": shown.get("id", f"VH{user_id}")}
        payload["view"] = {
            "team_id": team_id,
            "state": {"values": {}},
            "hash": "1.hash",
            "private_metadata": "",
            "callback_id": "",
            **shown,
        }
    return _payload_form(payload)


def view_submission_body(
    user_id: str = "U1",
    team_id: str = "T1",
    callback_id: str = "debrief",
    state_values: dict[str, dict[str, dict[str, Any]]] | None = None,
    private_metadata: str = "",
    *,
    view_id: str = "V00000001",
    trigger_id: str | None = None,
    api_app_id: str = "A1",
) -> str:
    """A modal submitted (``view_submission``, form-encoded ``payload=``).

    ``state_values`` is ``{block_id: {action_id: element_state}}``; build element states with
    :func:`text_value`, :func:`date_value`, :func:`select_value`.
    """
    payload: dict[str, Any] = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": team_id.lower()},
        "user": {
            "id": user_id,
            "username": user_id.lower(),
            "name": user_id.lower(),
            "team_id": team_id,
        },
        "api_app_id": api_app_id,
        "token": "verification-token-unused",
        "trigger_id": trigger_id or new_trigger_id(),
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "title": {"type": "plain_text", "text": "Afterview"},
            "blocks": [],
            "state": {"values": state_values or {}},
            "hash": "1.hash",
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": api_app_id,
            "bot_id": "BBOT",
        },
        "response_urls": [],
        "enterprise": None,
        "is_enterprise_install": False,
    }
    return _payload_form(payload)


def text_value(value: str | None) -> dict[str, Any]:
    """The state of a ``plain_text_input`` (None: left empty)."""
    return {"type": "plain_text_input", "value": value}


def date_value(value: date | str | None) -> dict[str, Any]:
    """The state of a ``datepicker`` (``YYYY-MM-DD`` as Slack sends it)."""
    picked = value.isoformat() if isinstance(value, date) else value
    return {"type": "datepicker", "selected_date": picked}


def select_value(value: str | None, text: str | None = None) -> dict[str, Any]:
    """The state of a ``static_select``."""
    option = None
    if value is not None:
        option = {"text": {"type": "plain_text", "text": text or value}, "value": value}
    return {"type": "static_select", "selected_option": option}


# --------------------------------------------------------------------------- ids


def new_ts() -> str:
    """A fresh, increasing Slack message timestamp (``seconds.micro``)."""
    return f"{int(time.time())}.{next(_sequence) % 1_000_000:06d}"


def new_event_id() -> str:
    return f"Ev{uuid.uuid4().hex[:10].upper()}"


def new_trigger_id() -> str:
    return f"{next(_sequence)}.{int(time.time())}.{uuid.uuid4().hex}"


def _payload_form(payload: dict[str, Any]) -> str:
    return urllib.parse.urlencode({"payload": json.dumps(payload)})
