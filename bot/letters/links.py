"""`mailto:` links that open a drafted letter in the phone's or computer's mail app."""

from __future__ import annotations

from urllib.parse import quote


def mailto(to: str, subject: str, body: str) -> str:
    """``mailto:ADDRESS?subject=…&body=…`` with every reserved character percent-encoded.

    Spaces become %20 (never "+", which mail apps would show literally), newlines
    %0A, "&", "=", "?" and "+" are encoded too, so `urllib.parse.parse_qs` of the
    query gives back exactly `subject` and `body`. The "@" of the address stays
    readable. (RFC 6068 prefers %0D%0A for line breaks; %0A is what mail apps
    accept in practice and what round-trips exactly.)
    """
    address = quote(to.strip(), safe="@")
    return f"mailto:{address}?subject={quote(subject, safe='')}&body={quote(body, safe='')}"
