"""Every flow by name. `bot.conversation.flows` fills it when it loads; a flow that hands the
user over to another one looks that one up here instead of importing the package."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.conversation.flows.base import Flow

FLOWS: dict[str, Flow] = {}
