"""The conversation flows, one module each; `FLOWS` names them for the engine."""

from bot.flows.base import Flow
from bot.flows.debrief import DEBRIEF
from bot.flows.delete import DELETE
from bot.flows.followup import FOLLOWUP, OUTCOME
from bot.flows.offer import OFFER
from bot.flows.prep import PREP, STORY
from bot.flows.profile import ONBOARDING, SETTINGS
from bot.flows.references import REFERENCES
from bot.flows.rejection import REJECTION
from bot.flows.second_round import SECOND_ROUND
from bot.flows.thanks import THANKS

FLOWS: dict[str, Flow] = {flow.name: flow for flow in (ONBOARDING, DEBRIEF, SETTINGS, DELETE)}
FLOWS[OFFER.name] = OFFER
for _flow in (THANKS, FOLLOWUP, OUTCOME, SECOND_ROUND, PREP, STORY, REJECTION, REFERENCES):
    FLOWS[_flow.name] = _flow
