"""Amounts of money: "85k", "$90,000", "€4.5k a month"."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Literal

from bot.parsing.base import ParseError, _prepare, _re, _show

# --------------------------------------------------------------------------- money

# fmt: off
_CURRENCY_SIGNS: dict[str, str] = {
    "$": "USD", "us$": "USD", "usd$": "USD", "c$": "CAD", "ca$": "CAD", "cad$": "CAD",
    "a$": "AUD", "au$": "AUD", "nz$": "NZD", "hk$": "HKD", "s$": "SGD", "sg$": "SGD",
    "r$": "BRL", "mx$": "MXN", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW",
    "₪": "ILS", "₽": "RUB", "₺": "TRY", "₴": "UAH", "zł": "PLN", "zl": "PLN", "fr": "CHF",
    "rs": "INR", "dollar": "USD", "dollars": "USD", "bucks": "USD", "us dollars": "USD",
    "canadian dollars": "CAD", "australian dollars": "AUD", "euro": "EUR", "euros": "EUR",
    "pound": "GBP", "pounds": "GBP", "quid": "GBP", "rupee": "INR", "rupees": "INR",
    "yen": "JPY", "franc": "CHF", "francs": "CHF", "swiss francs": "CHF", "zloty": "PLN",
}
# fmt: on
_ISO_CURRENCIES = (
    "usd eur gbp chf cad aud nzd jpy cny rmb inr sek nok dkk pln czk huf ron bgn brl mxn ars "
    "clp cop zar sgd hkd ils aed sar try krw twd thb myr idr php vnd ngn kes egp uah rub isk"
)
_CURRENCY_CODES = frozenset(_ISO_CURRENCIES.split())
_MONEY = _re(
    r"(?P<pre>[^0-9 ]*(?: [a-z]+)?)\s*(?P<num>[0-9][0-9.,' ]*?)\s*"
    r"(?P<mult>k|mm|m|mn|mio|million|thousand|grand)?(?![a-z])\s*(?P<post>[^0-9]*)"
)
_MONEY_TAIL = _re(
    r"(?:\s*(?:/|per|a|an|each)\s*(?:year|yr|annum|month|mo|week|wk|hour|hr|h)"
    r"|\s*p\.?\s?a\.?|\s+(?:annually|yearly|annual|monthly|gross|net|base|salary|total"
    r"|before\s+tax|after\s+tax|pre-tax))$"
)
# fmt: off
_MULTIPLIERS = {
    "k": 1000, "thousand": 1000, "grand": 1000,
    "m": 1_000_000, "mm": 1_000_000, "mn": 1_000_000, "mio": 1_000_000, "million": 1_000_000,
}
# fmt: on


def _read_number(num: str, has_multiplier: bool) -> Decimal | None:
    """A number with thousands separators (, . space ') and a decimal point or comma."""
    n = num.strip()
    if len(re.sub(r"[^0-9]", "", n)) > 15:
        return None
    plain: str | None = None
    if re.fullmatch(r"[0-9]+", n):
        plain = n
    elif has_multiplier and re.fullmatch(r"[0-9]+[.,][0-9]+", n):
        plain = n.replace(",", ".")
    elif re.fullmatch(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?", n):
        plain = n.replace(",", "")
    elif re.fullmatch(r"[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?", n):
        plain = n.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"[0-9]{1,3}(?:[ '][0-9]{3})+(?:[.,][0-9]{1,2})?", n):
        plain = re.sub(r"[ ']", "", n).replace(",", ".")
    elif re.fullmatch(r"[0-9]+[.,][0-9]{1,2}|[0-9]+\.[0-9]+", n):
        plain = n.replace(",", ".")
    if plain is None:
        return None
    try:
        return Decimal(plain)
    except InvalidOperation:
        return None


def _currency(word: str) -> str | None | Literal[False]:
    """ISO code for a sign, code or word; None for nothing; False when unrecognised."""
    w = word.strip()
    if not w:
        return None
    if w in _CURRENCY_SIGNS:
        return _CURRENCY_SIGNS[w]
    if w in _CURRENCY_CODES:
        return "CNY" if w == "rmb" else w.upper()
    return False


def parse_money(text: str) -> tuple[Decimal, str | None]:
    """(amount, ISO currency or None) from "$120,000", "120k", "95 000 EUR", "€85k", "1.2m".

    A single dot followed by exactly three digits and no k/m ("85.000") is a thousands
    separator; with a multiplier ("1.250k") it is a decimal point.
    """
    s = _prepare(text, "an amount", "“$120,000” or “85k EUR”")
    shown = _show(text)
    bad = ParseError(
        f"I couldn't read {shown} as an amount — try “$120,000”, “85k EUR” or “95000”."
    )
    s = s.strip(" .!")
    s = re.sub(r"^(?:about|around|approx(?:imately)?|roughly|~)\s*", "", s)
    for _ in range(3):
        s = _MONEY_TAIL.sub("", s).strip(" .,")
    match = _MONEY.fullmatch(s)
    if not match:
        raise bad
    mult = (match["mult"] or "").lower()
    number = _read_number(match["num"], bool(mult))
    before, after = _currency(match["pre"].lower()), _currency(match["post"].lower())
    if number is None or before is False or after is False:
        raise bad
    if before and after and before != after:
        raise ParseError(f"{shown} names two currencies — please give just one, like “85k EUR”.")
    amount = number * _MULTIPLIERS.get(mult, 1)
    if amount == amount.to_integral_value():
        amount = amount.quantize(Decimal(1))
    return amount, before or after or None


