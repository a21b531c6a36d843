"""Views of one request that the CLI and the TUI both show: timeline and quantities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import clock
from .policy import Policy
from .request import Event, RequestState, due_at, waiting_on


@dataclass(frozen=True, slots=True)
class TimelineRow:
    step: int
    title: str
    role: str
    standard: str
    due_minutes: int
    status: str  # "selesai", "sekarang", "menunggu"
    by: str = ""
    at: datetime | None = None
    minutes: int | None = None  # actual minutes (done) or waited so far (current)
    due: datetime | None = None
    on_behalf: str = ""
    returns: int = 0
    clock: str = "working"  # the step's clock: how `minutes` are counted
    overdue: bool = False  # worktime's judgement: more of the clock has passed than the standard

    @property
    def late(self) -> bool:
        return self.overdue


@dataclass(frozen=True, slots=True)
class ReturnRow:
    step: int
    to: int
    by: str
    at: datetime
    note: str


def _who(event: Event, policy: Policy) -> str:
    person = policy.people.get(event.by)
    return person.name if person else event.by


def timeline(
    state: RequestState, policy: Policy, now: datetime | None = None
) -> tuple[list[TimelineRow], list[ReturnRow]]:
    policy = policy.for_sop(state.sop_id)
    sop = policy.sop
    now = now or clock.now()
    calendar = policy.settings.calendar

    def timed(no: int, start: datetime | None, end: datetime) -> tuple[int | None, bool]:
        # Minutes used and lateness, by the step's clock: the one function every figure uses.
        if start is None:
            return None, False
        step = sop.step(no)
        t = calendar.timing(start, step.due_minutes, step.clock, end)
        return t.elapsed, t.late

    done: dict[int, tuple[Event, tuple[int | None, bool]]] = {}
    returns: list[ReturnRow] = []
    return_counts: dict[int, int] = {}
    since: datetime | None = None
    for ev in state.events:
        if ev.action == "create":
            since = ev.at
            continue
        if ev.action == "permohonan":
            continue
        if ev.action == "return":
            returns.append(
                ReturnRow(
                    ev.step,
                    sop.step(ev.step).return_to or ev.step,
                    _who(ev, policy),
                    ev.at,
                    ev.note,
                )
            )
            return_counts[ev.step] = return_counts.get(ev.step, 0) + 1
            for redo in range(sop.step(ev.step).return_to or ev.step, ev.step + 1):
                done.pop(redo, None)
            since = ev.at
            continue
        if ev.action in ("handover", "receipt"):
            continue
        done[ev.step] = (ev, timed(ev.step, since, ev.at) if since else (0, False))
        since = ev.at
    rows = []
    for step in sop.steps[1:]:
        base = dict(
            step=step.no,
            title=step.title,
            role=sop.role_title(step.role),
            standard=step.standard_text,
            due_minutes=step.due_minutes,
            returns=return_counts.get(step.no, 0),
            clock=step.clock,
        )
        if step.no in done:
            ev, (minutes, late) = done[step.no]
            rows.append(
                TimelineRow(
                    status="selesai",
                    by=_who(ev, policy),
                    at=ev.at,
                    minutes=minutes,
                    overdue=late,
                    on_behalf=ev.on_behalf.of if ev.on_behalf else "",
                    **base,
                )
            )
        elif step.kind == "distribution" and state.done:
            last = state.events[-1]
            minutes, late = timed(step.no, state.since, last.at)
            rows.append(
                TimelineRow(
                    status="selesai",
                    by=_who(last, policy),
                    at=last.at,
                    minutes=minutes,
                    overdue=late,
                    on_behalf=last.on_behalf.of if last.on_behalf else "",
                    **base,
                )
            )
        elif state.step == step.no and not state.done:
            if step.kind == "distribution":
                # Who it waits on now: the Pelaksana for handovers, each Kab/Kota head for receipts.
                waits = [
                    sop.role_title(w.role) + (f" {w.kabkota}" if w.office else "")
                    for w in waiting_on(state, sop)
                ]
                base["role"] = "; ".join(dict.fromkeys(waits)) or base["role"]
            minutes, late = timed(step.no, state.since, now)
            rows.append(
                TimelineRow(
                    status="sekarang",
                    minutes=minutes,
                    overdue=late,
                    due=due_at(state, sop, calendar),
                    **base,
                )
            )
        else:
            rows.append(TimelineRow(status="menunggu", **base))
    return rows, returns


@dataclass(frozen=True, slots=True)
class KabkotaRow:
    code: str
    name: str
    requested: int
    stock_left: int | None
    share: int
    handed_over: int
    confirmed: int  # confirmed received in good condition
    bast: str = ""  # the BAST numbers of its handovers, comma-separated
    lost: int = 0  # lost in transit: damaged or missing on the receipts
    unconfirmed: int = 0  # handed over, receipt not yet recorded

    @property
    def balanced(self) -> bool:
        """Handed over = received good + lost in transit + not yet confirmed (DOMAIN.md)."""
        return self.handed_over == self.confirmed + self.lost + self.unconfirmed


@dataclass(frozen=True, slots=True)
class Quantities:
    requested: int
    asked: int | None
    shipped: int | None
    received_good: int | None
    damaged_missing: int | None
    shares: int | None
    handed_over: int
    confirmed: int
    rows: tuple[KabkotaRow, ...]
    lost_in_transit: int = 0

    @property
    def unshared(self) -> int | None:
        if self.received_good is None or self.shares is None:
            return None
        return self.received_good - self.shares

    @property
    def in_store(self) -> int | None:
        """Blanks still in the province's store for this request (received good - handed over)."""
        if self.received_good is None:
            return None
        return self.received_good - self.handed_over

    @property
    def discrepancy(self) -> int | None:
        if self.shipped is None or self.received_good is None or self.damaged_missing is None:
            return None
        return self.shipped - self.received_good - self.damaged_missing


def quantities(state: RequestState, policy: Policy) -> Quantities:
    settings = policy.settings
    shares = state.shares
    codes = list(dict.fromkeys([*state.kabkota, *sorted(shares)]))
    stock = {p["kabkota"]: p.get("stock_left") for p in state.permohonan}
    rows = tuple(
        KabkotaRow(
            code=code,
            name=settings.office_name(code),
            requested=state.requested.get(code, 0),
            stock_left=stock.get(code),
            share=shares.get(code, 0),
            handed_over=state.handed_over(code),
            confirmed=state.received_by(code),
            bast=", ".join(d.bast for d in state.deliveries_to(code)),
            lost=state.lost_by(code),
            unconfirmed=sum(d.blanks for d in state.open_deliveries(code)),
        )
        for code in codes
    )
    share_data = state.quantity("shares")
    return Quantities(
        requested=sum(state.requested.values()),
        asked=state.quantity("blanks_asked"),
        shipped=state.quantity("blanks_shipped"),
        received_good=state.received_good,
        damaged_missing=state.quantity("damaged_missing"),
        shares=sum(share_data.values()) if share_data else None,
        handed_over=sum(r.handed_over for r in rows),
        confirmed=sum(r.confirmed for r in rows),
        rows=rows,
        lost_in_transit=sum(r.lost for r in rows),
    )
