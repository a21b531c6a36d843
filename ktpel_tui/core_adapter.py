"""The one place the screen asks the ledger core questions the core has no single function for.

Every function here is a thin wrapper over the core's public functions (`authorize`,
`apply_event`, `waiting_on`, `ledger.sync.parked` ...), so that when the kernel's API changes
only this file changes. No rule is restated here: a "may this person act now?" question is
answered by running the very functions `Ledger.record` runs on a probe event.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from ledger import clock
from ledger.policy import Policy
from ledger.request import Event, OnBehalf, RequestState, apply_event, authorize
from ledger.rules import LedgerError, fail
from ledger.sop import Step

# Refusals about the request's order (not about what was typed): these end the try before a
# form opens. Field problems of the empty probe event are expected and ignored.
ORDER_CODES = frozenset(
    {
        "request-done",
        "wrong-step",
        "permohonan-closed",
        "request-exists",
        "unknown-request",
        "use-distribution",
        "not-review-step",
    }
)


@dataclass(frozen=True, slots=True)
class Permission:
    """Whether a person may record an action now; `on_behalf` means only on behalf of the actor."""

    error: LedgerError | None = None
    on_behalf: bool = False

    @property
    def allowed(self) -> bool:
        return self.error is None


def _probe(action: str, step: Step, person_id: str, kabkota: str | None, ob: bool = False) -> Event:
    return Event(
        action,
        step.no,
        clock.now(),
        person_id,
        step.role_for(action),
        {"kabkota": kabkota} if kabkota else {},
        on_behalf=OnBehalf("-", "-", "-") if ob else None,
    )


def permission(
    state: RequestState | None,
    policy: Policy,
    person_id: str | None,
    action: str,
    step_no: int,
    kabkota: str | None = None,
) -> Permission:
    """Ask the core, before any form, whether `person_id` may record `action` on `step_no` now.

    Runs `authorize` (who) and `apply_event` (order) on an empty probe event; only refusals
    that no typed value could change are returned.
    """
    if person_id is None:
        return Permission()  # the form asks who is acting
    try:
        person = policy.person(person_id)
    except LedgerError as err:
        return Permission(err)
    if state is not None and action not in ("create", "permohonan"):
        if state.done:
            return Permission(fail("request-done", request=state.id))
        if state.step != step_no:
            return Permission(
                fail("wrong-step", request=state.id, current=state.step, step=step_no)
            )
    if not policy.sop.has_step(step_no):
        return Permission(fail("wrong-step", request="-", current="-", step=step_no))
    step = policy.sop.step(step_no)
    if kabkota is None and action in ("create", "permohonan"):
        # A Kab/Kota's own staff writes for their own office: probe with it.
        kabkota = person.office if person.office in policy.settings.kabkota else None
    on_behalf = False
    try:
        authorize(_probe(action, step, person_id, kabkota), policy, step)
    except LedgerError as err:
        if not step.on_behalf:
            return Permission(err)
        try:
            authorize(_probe(action, step, person_id, kabkota, ob=True), policy, step)
        except LedgerError:
            return Permission(err)  # the plain refusal says what role the step needs
        on_behalf = True
    if state is not None:
        try:
            apply_event(state, _probe(action, step, person_id, kabkota, on_behalf), policy)
        except LedgerError as err:
            if err.code in ORDER_CODES:
                return Permission(err)
    return Permission(on_behalf=on_behalf)


def recorder_role(policy: Policy, person_id: str, step_no: int, on_behalf: bool) -> str:
    """The role title of the person who typed it: their own role when recording on behalf."""
    person = policy.people.get(person_id)
    if person is None or not policy.sop.has_step(step_no):
        return "-"
    step = policy.sop.step(step_no)
    if on_behalf:
        own = [r for r in step.on_behalf if person.holds(r)] or list(person.roles)
        return policy.sop.role_title(own[0]) if own else "-"
    return policy.sop.role_title(step.role)


def distribution_prefill(state: RequestState, action: str, kabkota: str) -> dict[str, Any]:
    """What a step-19 form starts with for one Kab/Kota: its share, its schedule, its handover.

    Written as "the open handover of this Kab/Kota", so that several partial handovers per
    Kab/Kota (issue 12) only change what "open" means here.
    """
    out: dict[str, Any] = {}
    if action == "handover":
        remaining = state.shares.get(kabkota, 0) - state.handed_over(kabkota)
        if remaining > 0:
            out["blanks"] = remaining
        planned = (state.value(18, "schedule", {}) or {}).get(kabkota) or {}
        if planned.get("mode"):
            out["mode"] = planned["mode"]
    elif action == "receipt":
        open_ = state.open_deliveries(kabkota)
        if len(open_) == 1:  # several open: the clerk names the BAST and counts
            out["blanks_received"] = open_[0].blanks
    return out


def person_of_author(policy: Policy, name: str, email: str) -> str | None:
    """The people.toml id behind a commit's author (by email, else by name)."""
    if (person := policy.person_by_email(email)) is not None:
        return person.id
    return next((pid for pid, p in policy.people.items() if p.name == name), None)


def step_role_title(policy: Policy, step_no: int | None, action: str | None) -> str:
    if step_no is None or not policy.sop.has_step(step_no):
        return "-"
    return policy.sop.role_title(policy.sop.step(step_no).role_for(action or "advance"))


# --- parked operations (ledger.sync) ---------------------------------------------------------


def sync_module() -> Any:
    return importlib.import_module("ledger.sync")


def parked(ledger: Any) -> list[Any]:
    return list(sync_module().parked(ledger))


def retry_parked(ledger: Any, name: str) -> tuple[Any, str | None]:
    return sync_module().retry_parked(ledger, name)


def drop_parked(ledger: Any, name: str) -> Any:
    return sync_module().drop_parked(ledger, name)
