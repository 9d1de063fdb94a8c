"""The letters: Jinja2 templates in templates/ and the pure functions that fill them.

Every letter function returns a `bot.messages.Draft` (subject, plain-text body
ending with the sender's name and signature line, recipient, mailto link) whose
`problems` come from `proofread`. Nothing here does I/O but loading templates.
"""

from .business_days import add_business_days, business_days_between, last_working_day
from .facts import InterviewFacts, OfferTerms, Person, Sender
from .links import mailto
from .moving_on import note_to_other_interviewer, resignation, withdrawal
from .offers import COUNTER_ARGUMENTS, acceptance, ask_for_time, counter_offer, decline_offer
from .proofreading import SLANG, proofread
from .thanks import thank_you
from .waiting import after_rejection, check_in, follow_up, follow_up_phone_script

__all__ = [
    "COUNTER_ARGUMENTS",
    "SLANG",
    "InterviewFacts",
    "OfferTerms",
    "Person",
    "Sender",
    "acceptance",
    "add_business_days",
    "after_rejection",
    "ask_for_time",
    "business_days_between",
    "check_in",
    "counter_offer",
    "decline_offer",
    "follow_up",
    "follow_up_phone_script",
    "last_working_day",
    "mailto",
    "note_to_other_interviewer",
    "proofread",
    "resignation",
    "thank_you",
    "withdrawal",
]
