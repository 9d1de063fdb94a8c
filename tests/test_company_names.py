"""A company typed in lower case is written as the company writes itself; a capitalised one is
kept exactly as typed."""

import pytest

from bot.parsing import company_name


@pytest.mark.parametrize(("typed", "stored"), [
    ("acme corp", "Acme Corp"),
    ("initech ltd", "Initech Ltd"),
    ("deloitte llp", "Deloitte LLP"),
    ("bank of america", "Bank of America"),
    ("siemens ag", "Siemens AG"),
    ("  globex   gmbh ", "Globex GmbH"),
    ("Acme", "Acme"),
    ("eBay", "eBay"),
    ("ACME", "ACME"),
    ("acme.io", "acme.io"),
    ("3m", "3m"),
    ("the guardian", "The Guardian"),
])
def test_company_names(typed: str, stored: str) -> None:
    assert company_name(typed) == stored
