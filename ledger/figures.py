"""What the inspector also reads: actual time per step against the standard, overdue work,
stock per Kab/Kota (`ktpel audit` prints them after the findings)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .request import REQUEST_FILE_RE
from .requestfile import loads
from .rules import LedgerError


@dataclass(frozen=True, slots=True)
class StepTime:
    step: int
    title: str
    standard_minutes: int
    count: int
    mean_minutes: float
    max_minutes: int
    late: int


@dataclass(frozen=True, slots=True)
class Overdue:
    request: str
    step: int
    title: str
    waited_minutes: int
    standard_minutes: int


@dataclass(frozen=True, slots=True)
class KabkotaStock:
    code: str
    name: str
    requested: int
    share: int
    handed_over: int
    confirmed: int
    stock_left: int | None  # as reported in the Kab/Kota's latest letter
    # Lost in transit (damaged or missing on the receipts) and handed over but not yet
    # confirmed: handed_over = confirmed + lost + unconfirmed (DOMAIN.md).
    lost: int = 0
    unconfirmed: int = 0


@dataclass(frozen=True, slots=True)
class TransitLoss:
    """A recorded discrepancy at step 19: pieces a receipt counted damaged or missing."""

    request: str
    kabkota: str
    name: str
    bast: str
    damaged: int
    missing: int
    note: str

    @property
    def lost(self) -> int:
        return self.damaged + self.missing


@dataclass(frozen=True, slots=True)
class StepDone:
    """One request's completed step: actual minutes against the standard."""

    request: str
    step: int
    minutes: int
    standard_minutes: int
    late: bool
    on_behalf: str


@dataclass(frozen=True, slots=True)
class LedgerFigures:
    requests: int
    steps: tuple[StepTime, ...]
    overdue: tuple[Overdue, ...]
    stock: tuple[KabkotaStock, ...]
    province_stock: int  # received good minus handed over, across the ledger
    on_behalf: int  # steps recorded on behalf of an actor without an account
    done: tuple[StepDone, ...] = ()  # every request's completed steps
    losses: tuple[TransitLoss, ...] = ()  # recorded transit losses: discrepancies, not errors


def figures(ledger, now=None) -> LedgerFigures:
    """Actual minutes per step against the standard, overdue steps, and stock per Kab/Kota at HEAD."""
    from .report import quantities, timeline

    policy = ledger.policy()
    sop = policy.sop
    head = ledger.head()
    per_step: dict[int, list[tuple[int, bool]]] = {}
    overdue: list[Overdue] = []
    done: list[StepDone] = []
    losses: list[TransitLoss] = []
    stock: dict[str, list[int]] = {}
    latest_letter: dict[str, tuple[Any, int | None]] = {}
    province = 0
    on_behalf = 0
    count = 0
    listing = (
        ledger.git("ls-tree", "-r", "--name-only", head, "requests/").stdout.decode().split("\n")
    )
    for path in listing:
        if not REQUEST_FILE_RE.match(path):
            continue
        try:
            state = loads(ledger.blob(head, path) or b"", path, policy)
        except LedgerError:
            continue
        count += 1
        on_behalf += sum(1 for ev in state.events if ev.on_behalf is not None)
        rows, _ = timeline(state, policy, now)
        for row in rows:
            if row.status == "selesai" and row.minutes is not None:
                per_step.setdefault(row.step, []).append((row.minutes, row.late))
                done.append(
                    StepDone(
                        state.id, row.step, row.minutes, row.due_minutes, row.late, row.on_behalf
                    )
                )
            elif row.status == "sekarang" and row.late:
                overdue.append(
                    Overdue(state.id, row.step, row.title, row.minutes or 0, row.due_minutes)
                )
        for d in state.deliveries:
            if d.lost:
                note = str((d.receipt or {}).get("receipt_note") or "")
                name = policy.settings.office_name(d.kabkota)
                losses.append(
                    TransitLoss(state.id, d.kabkota, name, d.bast, d.damaged, d.missing, note)
                )
        qty = quantities(state, policy)
        if qty.in_store is not None:
            province += qty.in_store
        for r in qty.rows:
            acc = stock.setdefault(r.code, [0, 0, 0, 0, 0, 0])
            acc[0] += r.requested
            acc[1] += r.share
            acc[2] += r.handed_over
            acc[3] += r.confirmed
            acc[4] += r.lost
            acc[5] += r.unconfirmed
        for p in state.permohonan:
            when = p.get("letter_date")
            code = p["kabkota"]
            if code not in latest_letter or (
                when is not None and str(when) >= str(latest_letter[code][0])
            ):
                latest_letter[code] = (when, p.get("stock_left"))
    steps = tuple(
        StepTime(
            no,
            sop.step(no).title,
            sop.step(no).due_minutes,
            len(vals),
            sum(m for m, _ in vals) / len(vals),
            max(m for m, _ in vals),
            sum(1 for _, late in vals if late),
        )
        for no, vals in sorted(per_step.items())
    )
    kab = tuple(
        KabkotaStock(
            code,
            policy.settings.office_name(code),
            *stock.get(code, [0, 0, 0, 0, 0, 0])[:4],
            latest_letter.get(code, (None, None))[1],
            *stock.get(code, [0, 0, 0, 0, 0, 0])[4:],
        )
        for code in sorted(policy.settings.kabkota)
    )
    return LedgerFigures(
        count,
        steps,
        tuple(sorted(overdue, key=lambda o: -o.waited_minutes)),
        kab,
        province,
        on_behalf,
        tuple(done),
        tuple(losses),
    )
