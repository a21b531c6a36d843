"""Suggested values for a step's fields (what a form is prefilled with).

The SOP names them (`default = "=sum_requested"`); the core never fills a value on its own:
the clerk sees the suggestion and records it, so the commit shows exactly what was recorded.
"""

from __future__ import annotations

from typing import Any

from . import clock
from .request import RequestState
from .sop import QUANTITIES, Field
from .store import Ledger


def suggest(
    ledger: Ledger | None, state: RequestState | None, fields: tuple[Field, ...]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields:
        value = _one(ledger, state, f, out)
        if value is not None:
            out[f.name] = value
    return out


def _one(
    ledger: Ledger | None, state: RequestState | None, f: Field, so_far: dict[str, Any]
) -> Any:
    default = f.default
    if not isinstance(default, str) or not default.startswith("="):
        return default
    name = default[1:]
    if name == "today":
        return clock.today()
    if name == "now":
        return clock.now()
    # "=next_letter_number" (SOP ktpel-blanko-2020) is no longer a suggestion: the number
    # comes from the office register, typed by the clerk (ledger/letters.py shows a hint).
    if state is None:
        return None
    if name == "sum_requested":
        return sum(state.requested.values())
    if name in QUANTITIES:  # "=proposed_shares": what an earlier step recorded under that name
        return state.quantity(name)
    return None
