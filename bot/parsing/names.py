"""Names typed in lower case — a company's ("acme corp", "initech ltd") or a person's ("jane
smith") — are written the way they are written in letters and lists; anything the user
capitalised is kept as typed."""

from __future__ import annotations

from nameparser import HumanName

# legal forms and small words, as companies write them
_FORMS = {"inc": "Inc", "inc.": "Inc.", "ltd": "Ltd", "ltd.": "Ltd.", "llc": "LLC",
          "llp": "LLP", "plc": "PLC", "gmbh": "GmbH", "ag": "AG", "sa": "SA", "bv": "BV",
          "nv": "NV", "co": "Co", "co.": "Co.", "corp": "Corp", "corp.": "Corp.",
          "ab": "AB", "as": "AS", "oy": "Oy", "kg": "KG", "srl": "SRL", "spa": "SpA",
          "pty": "Pty", "ibm": "IBM", "sap": "SAP", "hsbc": "HSBC", "bbc": "BBC", "nhs": "NHS"}
_SMALL = {"and", "of", "the", "for", "de", "la", "du", "van", "von", "der", "&"}


def company_name(text: str) -> str:
    """"acme corp" → "Acme Corp"; "initech ltd" → "Initech Ltd"; "Acme" and "eBay" unchanged;
    words with a dot, an @ or a digit ("acme.io", "3m") are left alone."""
    text = " ".join(text.split())
    if not text or any(ch.isupper() for ch in text):
        return text
    words = []
    for i, word in enumerate(text.split(" ")):
        if word in _FORMS:
            words.append(_FORMS[word])
        elif (word in _SMALL and i > 0) or any(ch in word for ch in ".@/") \
                or any(ch.isdigit() for ch in word):
            words.append(word)
        else:
            words.append("-".join(part[:1].upper() + part[1:] for part in word.split("-")))
    return " ".join(words)


def proper_name(name: str) -> str:
    """"jane smith" as "Jane Smith" (nameparser knows "McDonald", "van der Berg"); a name
    typed with capitals is kept as typed."""
    if name != name.lower():
        return name
    parsed = HumanName(name)
    parsed.capitalize(force=True)
    return str(parsed) or name
