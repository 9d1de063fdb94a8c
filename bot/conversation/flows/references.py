"""References (`references`): the people who will vouch for the user — list them, add one.
Line them up before final rounds; references at the current employer only once an offer is
coming, so the user's search stays private until then."""

from __future__ import annotations

from typing import Any

from bot.conversation.drafts import more_or_done
from bot.conversation.flows.base import Flow, Jump, Step, text_answer
from bot.formatting import possessive
from bot.messages import Button
from bot.parsing import ParseError, parse_email, parse_phone, parse_yes_no
from bot.turn import Turn
from storage.models import Reference

ADVICE = ("Line up two or three references before a final round: ask each person first, tell "
          "them about the role, and send them your résumé so they know what to stress.")
CURRENT_EMPLOYER = ("Don't alert references at your current employer until an offer is coming — "
                    "then they're the last people you ask.")


def describe(slots: dict[str, Any]) -> str:
    return "updating your references"


def _offer_coming(turn: Turn) -> list[str]:
    return [a.company for a in turn.repo.applications(active_only=True) if a.status == "offer"]


def reference_line(reference: Reference, offer_coming: bool) -> str:
    parts = [reference.name]
    if reference.relation:
        parts.append(reference.relation)
    contact = " · ".join(x for x in (reference.email, reference.phone) if x)
    line = "• " + " — ".join(parts) + (f" ({contact})" if contact else "")
    if reference.current_employer:
        line += " — current employer: " + ("you can ask them now" if offer_coming
                                           else "wait until an offer is coming")
    return line


def references_text(turn: Turn) -> str:
    references = turn.repo.references()
    offers = _offer_coming(turn)
    if not references:
        lines = ["You haven't listed any references yet.", ADVICE, CURRENT_EMPLOYER]
    else:
        lines = [f"Your references ({len(references)}):"]
        lines += [reference_line(r, bool(offers)) for r in references]
        lines += ["", ADVICE]
        if offers:
            lines.append(f"You have an offer coming from {', '.join(offers)} — now is the time to "
                         "let your current-employer references know.")
        else:
            lines.append(CURRENT_EMPLOYER)
    return "\n".join(lines)


def _prepare(turn: Turn, slots: dict[str, Any], args: str) -> bool:
    """`references` lists them (no questions); `references add` adds one."""
    if args.strip().casefold() in ("add", "new", "add one", "add a reference"):
        return True
    turn.say(references_text(turn), [Button("Add a reference", "/references add")])
    return False


def _name(text: str, turn: Turn) -> str:
    name = text_answer(text, turn)
    if len(name) > 200:
        raise ParseError("That's long for a name — please keep it under 200 characters.")
    return name


def _relation(text: str, turn: Turn) -> str:
    value = text_answer(text, turn)
    if len(value) > 200:
        raise ParseError("Keep it short — e.g. “former manager at Initech”.")
    return value


def _contact(text: str, turn: Turn) -> dict[str, str]:
    value = text_answer(text, turn)
    if "@" in value:
        return {"email": parse_email(value)}
    try:
        return {"phone": parse_phone(value)}
    except ParseError:
        raise ParseError("I need an email (jane@example.com) or a phone number "
                         "(+44 7700 900123) — or skip.") from None


def _on_current(turn: Turn, current: bool) -> None:
    new = dict(turn.slots.get("new") or {})
    contact = new.get("contact") or {}
    fields = {"name": new.get("name", ""), "relation": new.get("relation", ""),
              "email": contact.get("email", ""), "phone": contact.get("phone", ""),
              "current_employer": current}
    same = [r for r in turn.repo.references() if r.name.casefold() == fields["name"].casefold()]
    if same:  # answered again after "back": update, never a duplicate
        for key, value in fields.items():
            setattr(same[0], key, value)
    else:
        turn.repo.add_reference(turn.now, **fields)
    note = (f" They're at your current employer, so I'll keep them for later: {CURRENT_EMPLOYER}"
            if current else "")
    turn.say(f"Added {new.get('name', 'them')} to your references.{note}")
    turn.slots.pop("new", None)
    raise Jump("another")


def _who(turn: Turn) -> str:
    return str((turn.slots.get("new") or {}).get("name", "they"))


def _on_another(turn: Turn, another: bool) -> None:
    if another:
        raise Jump("name")


REFERENCES = Flow(
    "references",
    (
        Step("name", "Who will vouch for you? Their full name:", _name, slot="new.name",
             help="Someone who knows your work, e.g. “Mary Major”."),
        Step("relation", lambda turn: f"How do you know {_who(turn)}? (e.g. “former manager at "
                                      "Initech”)", _relation, optional=True, slot="new.relation"),
        Step("contact", lambda turn: f"{possessive(_who(turn))} email or phone?", _contact,
             optional=True, skip_value={}, slot="new.contact",
             help="An email like mary@example.com or a phone number."),
        Step("current", lambda turn: f"Does {_who(turn)} work at your current employer?",
             lambda text, turn: parse_yes_no(text),
             choices=(Button("Yes", "yes"), Button("No", "no")), on_answer=_on_current,
             help="Yes or no — references at your current employer are asked only once an "
                  "offer is coming."),
        Step("another", "Add another reference?", more_or_done,
             choices=(Button("Add another", "yes"), Button("Done", "no")),
             on_answer=_on_another),
    ),
    lambda turn, slots: turn.say(references_text(turn)),
    describe=describe,
    on_cancel="Okay — references you added before stay saved.",
    prepare=_prepare,
)
