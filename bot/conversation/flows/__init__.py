"""The conversation flows, one module each; `FLOWS` names them for the engine."""

from bot.conversation.flows.base import Flow
from bot.conversation.flows.confirm import CONFIRM
from bot.conversation.flows.debrief import DEBRIEF
from bot.conversation.flows.delete import DELETE
from bot.conversation.flows.details import DETAILS
from bot.conversation.flows.edit import EDIT
from bot.conversation.flows.followup import FOLLOWUP, OUTCOME
from bot.conversation.flows.offer import OFFER
from bot.conversation.flows.prep import PREP, STORY
from bot.conversation.flows.profile import ONBOARDING, SETTINGS
from bot.conversation.flows.references import REFERENCES
from bot.conversation.flows.registry import FLOWS
from bot.conversation.flows.rejection import REJECTION
from bot.conversation.flows.second_round import SECOND_ROUND
from bot.conversation.flows.thanks import THANKS

ALL: tuple[Flow, ...] = (ONBOARDING, DEBRIEF, SETTINGS, DELETE, OFFER, THANKS, FOLLOWUP, OUTCOME,
                         SECOND_ROUND, PREP, STORY, REJECTION, REFERENCES, EDIT, DETAILS,
                         CONFIRM)
FLOWS.update((flow.name, flow) for flow in ALL)

__all__ = ["FLOWS"]
