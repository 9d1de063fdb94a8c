"""Thank-you letters: one per interviewer, never the same text twice."""

from __future__ import annotations

from bot.messages import Draft

from .facts import InterviewFacts, Person, Sender
from .render import environment, meeting_name, render_draft, shaper, variant_seed
from .shaping import Shaped

NOTES = {"point": True, "strengths": False, "went_well": True, "missed": True}
"""The user's notes that enter a thank-you letter, and whether each speaks of the addressee
(her/his/their → your) when it is shaped."""


def thank_you(sender: Sender, interview: InterviewFacts, interviewer: Person) -> Draft:
    """A thank-you letter to one interviewer, to send the same day or the next.

    Greets them by the name exactly as recorded, thanks them for their time on
    the day, weaves in the point noted for them (or, without notes, their
    perspective as their title), re-emphasises `strengths` (else `went_well`),
    adds what was `missed`, and reiterates interest. The interviewer's position
    in `interview.interviewers` picks the phrasing of every paragraph, so two
    interviewers of one interview get different letters even with no notes.
    """
    names = [sender.name, interviewer.name, *(p.name for p in interview.interviewers)]
    shaped = shaper(sender, *names, interview.company, interview.role)
    return render_draft(
        "thank_you.j2",
        names=names,
        company=interview.company,
        role=interview.role,
        to=interviewer.email,
        sender=sender,
        interview=interview,
        person=interviewer,
        seed=variant_seed(interviewer, interview.interviewers),
        meeting=meeting_name(interview.round),
        point=shaped(interviewer.notes, addressee=NOTES["point"]),
        strengths=shaped(interview.strengths, addressee=NOTES["strengths"]),
        went_well=shaped(interview.went_well, addressee=NOTES["went_well"]),
        missed=shaped(interview.missed, addressee=NOTES["missed"]),
    )


def note_sentence(note: str, shaped: Shaped, company: str = "") -> str:
    """The sentence(s) a shaped note (`note`: a key of NOTES) makes in the first interviewer's
    thank-you letter — the template's own wording, for the user to approve."""
    macro = getattr(environment().get_template("_notes.j2").module, note)
    args = (shaped, 0, company) if note == "went_well" else (shaped, 0)
    return " ".join(str(macro(*args)).split())
