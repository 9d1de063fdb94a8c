"""Which application a sentence is about: a company found by any reasonable reference — case,
the name without its legal suffix ("Acme" for "Acme Corp"), its first word, typos (rapidfuzz),
or the role ("the data engineer job") — closed applications too, active ones first."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.understanding.meaning import CompanyRef, KnownApplication

PLACEHOLDER = "zzco"
_WORD = re.compile(r"[a-z0-9][a-z0-9&'.+-]*")


@dataclass(frozen=True)
class Found:
    """A company reference in a message: the token span it covers and what it means."""

    start: int  # token index
    end: int
    ref: CompanyRef


def fold(text: str) -> str:
    """Lower case, "&" as "and", apostrophes and dots dropped, spaces squeezed."""
    text = text.casefold().replace("&", " and ")
    text = re.sub(r"['’`.,]", "", text)
    return " ".join(re.sub(r"[^a-z0-9+ -]", " ", text).split())


def variants(company: str, suffixes: frozenset[str]) -> list[tuple[tuple[str, ...], float]]:
    """Token sequences that refer to this company, each with how sure a match makes us."""
    tokens = tuple(fold(company).split())
    found = [(tokens, 100.0)] if tokens else []
    core = list(tokens)
    while len(core) > 1 and (core[-1] in suffixes or " ".join(core[-2:]) in suffixes):
        core = core[:-2] if " ".join(core[-2:]) in suffixes else core[:-1]
        found.append((tuple(core), 99.0))
    if core and core[0] == "the" and len(core) > 1:
        core = core[1:]
        found.append((tuple(core), 98.0))
    if len(core) > 1 and len(core[0]) >= 4:
        found.append(((core[0],), 90.0))  # "Wayne" for "Wayne Enterprises"
    return found


def _fuzzy_cutoff(word: str) -> float:
    return 101.0 if len(word) < 4 else 80.0 if len(word) < 6 else 75.0


def find_company(tokens: list[str], apps: Iterable[KnownApplication], suffixes: frozenset[str],
                 common: frozenset[str]) -> Found | None:
    """The best company reference among `tokens` (folded words), or None."""
    best: list[tuple[float, int, int, KnownApplication]] = []
    top = 0.0
    for app in apps:
        for variant, sureness in variants(app.company, suffixes):
            size = len(variant)
            wanted = " ".join(variant)
            for start in range(0, len(tokens) - size + 1):
                window = tokens[start:start + size]
                said = " ".join(window)
                if said == wanted:
                    score = sureness
                elif size == 1 and window[0] in common:
                    continue
                else:
                    ratio = fuzz.ratio(said, wanted)
                    if ratio < _fuzzy_cutoff(wanted):
                        continue
                    score = sureness * ratio / 100 - 5
                if score > top + 0.5:
                    top, best = score, [(score, start, start + size, app)]
                elif score >= top - 0.5:
                    best.append((score, start, start + size, app))
    if not best:
        return None
    _, start, end, _ = best[0]
    ids: list[int] = []
    for _, _, _, app in sorted(best, key=lambda hit: (not hit[3].active, -hit[0])):
        if app.id not in ids:
            ids.append(app.id)
    ids = _prefer_active(ids, apps)
    return Found(start, end, CompanyRef(" ".join(tokens[start:end]), tuple(ids)))


def _prefer_active(ids: list[int], apps: Iterable[KnownApplication]) -> list[int]:
    """Of several applications at one name, an active one is meant, not an old closed one."""
    by_id = {a.id: a for a in apps}
    active = [i for i in ids if by_id[i].active]
    names = {fold(by_id[i].company) for i in ids}
    if active and len(names) == 1:
        return active[:1] if len(active) == 1 else active
    return ids


def find_role(folded: str, apps: Iterable[KnownApplication]) -> CompanyRef | None:
    """Applications named by their role: "the data engineer job" for Acme's Data Engineer."""
    hits: list[KnownApplication] = []
    for app in apps:
        role = fold(app.role)
        if len(role) < 4:
            continue
        if re.search(rf"\b{re.escape(role)}\b", folded) or (
                len(role) >= 8 and fuzz.partial_ratio(role, folded) >= 92):
            hits.append(app)
    if not hits:
        return None
    active = [a for a in hits if a.active] or hits
    return CompanyRef(active[0].role, tuple(a.id for a in active), by_role=True)
