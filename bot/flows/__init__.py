"""The conversation flows, one module each; `FLOWS` names them for the engine."""

from bot.flows.base import Flow
from bot.flows.debrief import DEBRIEF
from bot.flows.profile import ONBOARDING, SETTINGS

FLOWS: dict[str, Flow] = {flow.name: flow for flow in (ONBOARDING, DEBRIEF, SETTINGS)}
