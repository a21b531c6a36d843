"""A request (permohonan bundle) as a list of events, and the one function that applies an event.

The request file holds the events in order; the state is always computed by applying them one
by one with `apply_event`. `apply` = who may act (`authorize`) + what the event does
(`apply_event`) + ledger-wide letter-number uniqueness. The CLI, the TUI, sync replay, the
audit and the hub hook all go through `apply`; reading a file goes through `apply_event`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import clock
from .evidence import Attachment
from .fields import check_value, normalize_letter_number
from .letters import check_number
from .paths import FLAT, REQUEST_ID_RE, SHARDED, bad_request_id, request_path  # noqa: F401 (re-exported)
from .policy import Person, Policy
from .rules import LedgerError, Violation, fail
from .sop import Sop, Step
from .worktime import Timing, WorkCalendar, default_calendar

ACTIONS = ("create", "permohonan", "advance", "return", "handover", "receipt", "migrate")
# Who may move a request onto another SOP revision (`migrate`).
MIGRATE_ROLES = ("admin", "kasi")
RUNNING, DONE = "berjalan", "selesai"
# A request file of either layout (docs/FORMAT.md "Layouts"): `requests/<year>/<id>.toml` (flat)
# or `requests/<year>/<NN>/<id>.toml` (sharded). Group 1 is the year, group 2 the id; whether the
# path is the one the layout in force gives is `request_path`'s to say.
REQUEST_FILE_RE = re.compile(r"^requests/([0-9]{4})/(?:[0-9]{2}/)?([0-9]{4}-[0-9]{4,})\.toml$")


@dataclass(frozen=True, slots=True)
class OnBehalf:
    """Recorded by a province staff member for an actor without an account."""

    of: str
    reason: str
    evidence: str


@dataclass(frozen=True, slots=True)
class Event:
    """One operation on one request: exactly one commit."""

    action: str
    step: int
    at: datetime
    by: str
    role: str
    data: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""
    on_behalf: OnBehalf | None = None
    seq: int = 0
    # Scans and photos the event names (`[[event.attachment]]`, docs/FORMAT.md "Evidence files").
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class Delivery:
    """One handover at the distribution step (one BAST) and the receipt that confirms it."""

    kabkota: str
    handover: Mapping[str, Any]
    receipt: Mapping[str, Any] | None = None

    @property
    def blanks(self) -> int:
        return int(self.handover.get("blanks") or 0)

    @property
    def bast(self) -> str:
        return str(self.handover.get("bast_number") or "")

    @property
    def confirmed(self) -> bool:
        return self.receipt is not None

    @property
    def good(self) -> int:
        """Received in good condition (0 until confirmed)."""
        return int((self.receipt or {}).get("blanks_received") or 0)

    @property
    def damaged(self) -> int:
        return int((self.receipt or {}).get("blanks_damaged") or 0)

    @property
    def missing(self) -> int:
        return int((self.receipt or {}).get("blanks_missing") or 0)

    @property
    def lost(self) -> int:
        """Lost in transit: damaged or missing on arrival, as the receipt counted them."""
        return self.damaged + self.missing


@dataclass(frozen=True, slots=True)
class RequestState:
    id: str
    sop_id: str
    events: tuple[Event, ...] = ()
    step: int = 0
    status: str = RUNNING
    since: datetime | None = None
    permohonan: tuple[Mapping[str, Any], ...] = ()
    step_data: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)
    completed_at: Mapping[int, datetime] = field(default_factory=dict)
    # Every handover at the distribution step in the order recorded, each with its receipt.
    deliveries: tuple[Delivery, ...] = ()
    # The named quantities (sop.QUANTITIES) recorded so far, by name: whichever step records them.
    quantities: Mapping[str, Any] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.status == DONE

    @property
    def year(self) -> int:
        return int(self.id[:4])

    @property
    def kabkota(self) -> tuple[str, ...]:
        return tuple(p["kabkota"] for p in self.permohonan)

    @property
    def requested(self) -> dict[str, int]:
        return {p["kabkota"]: int(p["blanks_requested"]) for p in self.permohonan}

    def value(self, step: int, name: str, default: Any = None) -> Any:
        return self.step_data.get(step, {}).get(name, default)

    def quantity(self, name: str, default: Any = None) -> Any:
        """A named quantity (e.g. "shares", "received_good"), whichever step recorded it."""
        return self.quantities.get(name, default)

    @property
    def shares(self) -> dict[str, int]:
        return dict(self.quantity("shares") or {})

    @property
    def received_good(self) -> int | None:
        return self.quantity("received_good")

    def deliveries_to(self, code: str) -> tuple[Delivery, ...]:
        return tuple(d for d in self.deliveries if d.kabkota == code)

    def handed_over(self, code: str) -> int:
        """Blanks handed over to one Kab/Kota so far, over all its handovers."""
        return sum(d.blanks for d in self.deliveries_to(code))

    def received_by(self, code: str) -> int:
        """Blanks the Kab/Kota confirmed it received in good condition."""
        return sum(d.good for d in self.deliveries_to(code))

    def lost_by(self, code: str) -> int:
        """Blanks lost in transit to one Kab/Kota (damaged or missing on its receipts)."""
        return sum(d.lost for d in self.deliveries_to(code))

    def open_deliveries(self, code: str) -> tuple[Delivery, ...]:
        """Handovers to one Kab/Kota not yet confirmed."""
        return tuple(d for d in self.deliveries_to(code) if not d.confirmed)


def request_id_of(path: str) -> str | None:
    """The id of a request file at `path` (either layout), or None when it is not one."""
    match = REQUEST_FILE_RE.match(path)
    return match.group(2) if match else None


def check_request_id(request_id: str) -> None:
    if not REQUEST_ID_RE.match(request_id):
        raise bad_request_id(request_id)


# --- who may act ---------------------------------------------------------------------------


def event_kabkota(event: Event) -> str | None:
    value = event.data.get("kabkota")
    return value if isinstance(value, str) else None


def authorize(event: Event, policy: Policy, step: Step) -> Person:
    """Check the recorder may record this event under the SOP in force. Returns the person."""
    person = policy.person(event.by)
    if event.action == "migrate":
        if event.role not in MIGRATE_ROLES or not person.holds(event.role):
            titles = [policy.sop.role_title(r) for r in MIGRATE_ROLES]
            raise fail("migrate-role", name=person.name, roles=titles)
        return person
    responsible = step.role_for(event.action)
    if event.role != responsible:
        raise fail(
            "role-mismatch",
            claimed=policy.sop.role_title(event.role),
            role=policy.sop.role_title(responsible),
            step=step.no,
            title=step.title,
        )
    if event.on_behalf is not None:
        if not step.on_behalf:
            raise fail("on-behalf-not-allowed", step=step.no, title=step.title)
        ob = event.on_behalf
        if not (ob.of.strip() and ob.reason.strip() and ob.evidence.strip()):
            raise fail("on-behalf-incomplete")
        if not any(person.holds(r) for r in step.on_behalf):
            titles = [policy.sop.role_title(r) for r in step.on_behalf]
            raise fail("on-behalf-role", name=person.name, step=step.no, roles=titles)
        return person
    if not person.holds(responsible):
        raise fail(
            "wrong-role",
            name=person.name,
            role=policy.sop.role_title(responsible),
            step=step.no,
            title=step.title,
        )
    role = policy.sop.roles[responsible]
    if role.office == "kabkota":
        expected = event_kabkota(event)
        # An unknown code is the field's problem ('unknown-office'), not a question of office.
        if expected in policy.settings.kabkota and person.office != expected:
            raise fail(
                "wrong-office",
                name=person.name,
                office=policy.settings.office_name(person.office),
                expected=policy.settings.office_name(expected),
            )
    elif person.office != role.office:
        raise fail(
            "wrong-office",
            name=person.name,
            office=policy.settings.office_name(person.office),
            expected=policy.settings.office_name(role.office),
        )
    return person


def _evolve(record: Any, **changes: Any) -> Any:
    """`dataclasses.replace` for this module's frozen, slotted records (none has `__post_init__`),
    without its per-call field introspection: the replay makes two per event."""
    cls = type(record)
    new = object.__new__(cls)
    for name in cls.__slots__:
        if name not in changes:
            object.__setattr__(new, name, getattr(record, name))
    for name, value in changes.items():
        object.__setattr__(new, name, value)  # AttributeError for a name the record does not have
    return new


# --- what an event does ----------------------------------------------------------------------


def _check_fields(
    fields: tuple,
    data: Mapping[str, Any],
    policy: Policy,
    step_no: int,
    optional: frozenset[str] = frozenset(),
) -> None:
    problems: list[Violation] = []
    known = {f.name for f in fields}
    for name in data:
        if name not in known:
            problems.append(Violation("field-unknown", {"name": name, "step": step_no}, field=name))
    kabkota = policy.settings.kabkota
    for f in fields:
        if f.name in optional and data.get(f.name) in (None, {}, ""):
            continue
        if problem := check_value(f, data.get(f.name), kabkota):
            problems.append(problem)
    if problems:
        raise LedgerError(*problems)


def _owed(state: RequestState) -> set[str]:
    """The Kab/Kota codes with a share above zero: who must confirm receipt."""
    return {code for code, n in state.shares.items() if n > 0}


def apply_event(state: RequestState | None, event: Event, policy: Policy) -> RequestState:
    """Apply one event to a request state, checking order, fields and quantities.

    Does not check who acted (see `authorize`) nor ledger-wide letter numbers (see `apply`).
    The request is judged under its own SOP revision (`state.sop_id`).
    Raises LedgerError; returns a new state (states are never changed in place).
    """
    if event.action not in ACTIONS:
        raise fail("bad-input", reason=f"aksi '{event.action}' tidak dikenal")
    if state is None:
        raise fail("bad-input", reason="permohonan belum dibuat")
    policy = policy.for_sop(state.sop_id)
    sop = policy.sop
    seq = len(state.events) + 1
    at = clock.to_wib(event.at)
    if event.seq != seq or at is not event.at:  # a file's events already carry both (replay)
        event = _evolve(event, seq=seq, at=at)
    if event.action in ("create", "permohonan"):
        return _apply_permohonan(state, event, policy)
    if state.done:
        raise fail("request-done", request=state.id)
    if not sop.has_step(event.step) or event.step != state.step:
        raise fail("wrong-step", request=state.id, current=state.step, step=event.step)
    step = sop.step(event.step)
    if event.action == "return":
        if step.kind != "review" or step.return_to is None:
            raise fail("not-review-step", step=step.no, title=step.title)
        if not event.note.strip():
            raise fail("note-required", field="note")
        if event.data:
            raise fail("field-unknown", name=next(iter(event.data)), step=step.no)
        return _evolve(state, events=state.events + (event,), step=step.return_to, since=event.at)
    if event.action == "migrate":
        return _apply_migration(state, event, policy)
    if event.action in ("handover", "receipt"):
        if step.kind != "distribution":
            raise fail("wrong-step", request=state.id, current=state.step, step=event.step)
        return _apply_distribution(state, event, policy, step)
    # advance
    if step.kind == "distribution":
        raise fail("use-distribution")
    # With no share above zero (e.g. every blank arrived damaged) there is nobody to schedule.
    no_shares = not _owed(state)
    schedules = (
        frozenset(f.name for f in step.fields if f.type == "schedule") if no_shares else frozenset()
    )
    _check_fields(step.fields, event.data, policy, step.no, optional=schedules)
    _check_quantities(state, step, event.data, policy)
    data = {k: v for k, v in event.data.items() if v not in (None, {})}
    step_data = dict(state.step_data)
    step_data[step.no] = data
    completed = dict(state.completed_at)
    completed[step.no] = event.at
    quantities = dict(state.quantities)
    for f in step.fields:
        if f.quantity and f.name in data:
            quantities[f.quantity] = data[f.name]
    new = _evolve(
        state,
        events=state.events + (event,),
        step=step.no + 1,
        since=event.at,
        step_data=step_data,
        completed_at=completed,
        quantities=quantities,
    )
    following = sop.step(step.no + 1) if sop.has_step(step.no + 1) else None
    if following is not None and following.kind == "distribution" and no_shares:
        # Done when every Kab/Kota with a share has confirmed: here, none has a share.
        new = _evolve(new, status=DONE, completed_at={**completed, following.no: event.at})
    return new


def _apply_permohonan(state: RequestState, event: Event, policy: Policy) -> RequestState:
    step0 = policy.sop.step(0)
    if event.step != 0:
        raise fail("wrong-step", request=state.id, current=state.step, step=event.step)
    if event.action == "create" and state.events:
        raise fail("request-exists", request=state.id)
    if event.action == "permohonan" and not state.events:
        raise fail("unknown-request", request=state.id)
    if state.step > 1 or state.done:
        raise fail("permohonan-closed", request=state.id)
    _check_fields(step0.fields, event.data, policy, 0)
    code = event.data["kabkota"]
    if code in state.kabkota:
        raise fail(
            "permohonan-duplicate",
            kabkota=policy.settings.office_name(code),
            request=state.id,
            field="kabkota",
        )
    record = dict(event.data)
    first = not state.events
    return _evolve(
        state,
        events=state.events + (event,),
        permohonan=state.permohonan + (record,),
        step=1 if first else state.step,
        since=event.at if first else state.since,
        completed_at={**state.completed_at, 0: event.at},
    )


def _check_quantities(
    state: RequestState, step: Step, data: Mapping[str, Any], policy: Policy
) -> None:
    for name in step.checks:
        CHECKS[name](state, step, data, policy)


def _received_matches_shipped(
    state: RequestState, step: Step, data: Mapping[str, Any], policy: Policy
) -> None:
    """Received good + damaged/missing equals what was shipped, or a discrepancy note says why."""
    good_f, damaged_f = step.field_for("received_good"), step.field_for("damaged_missing")
    if good_f is None or damaged_f is None:
        return
    note_f = step.field_for("discrepancy_note")
    shipped = state.quantity("blanks_shipped", 0)
    good, damaged = data[good_f.name], data[damaged_f.name]
    note = str(data.get(note_f.name) or "") if note_f else ""
    if good + damaged != shipped and not note.strip():
        raise fail(
            "received-mismatch",
            field=note_f.name if note_f else good_f.name,
            good=good,
            damaged=damaged,
            total=good + damaged,
            shipped=shipped,
        )


def _shares_within_received(
    state: RequestState, step: Step, data: Mapping[str, Any], policy: Policy
) -> None:
    """Shares (proposed or fixed) never add up to more than what arrived in good condition."""
    for quantity in ("proposed_shares", "shares"):
        f = step.field_for(quantity)
        if f is None:
            continue
        total = sum(data[f.name].values())
        good = state.received_good or 0
        if total > good:
            raise fail("share-over", field=f.name, total=total, good=good)


def _schedule_covers_shares(
    state: RequestState, step: Step, data: Mapping[str, Any], policy: Policy
) -> None:
    """The schedule lists exactly the Kab/Kota with a share above zero."""
    expected = sorted(_owed(state))
    for f in step.fields:
        if f.type == "schedule" and sorted(data.get(f.name) or {}) != expected:
            names = [policy.settings.office_name(c) for c in expected] or ["-"]
            raise fail("schedule-mismatch", field=f.name, expected=names)


Check = Callable[[RequestState, Step, Mapping[str, Any], Policy], None]
# The named checks an SOP step may declare (`checks = [...]`, names in sop.CHECKS).
CHECKS: dict[str, Check] = {
    "received-matches-shipped": _received_matches_shipped,
    "shares-within-received": _shares_within_received,
    "schedule-covers-shares": _schedule_covers_shares,
}


def migration_problems(
    state: RequestState, source: Sop, target: Sop, steps: Mapping[int, int]
) -> list[Violation]:
    """What moving the request onto `target` with this step mapping would lose (empty: nothing).

    Every recorded step must map onto a step of the target that has each field it recorded, and
    the current step onto a step of the same kind (a distribution keeps its handovers)."""
    problems: list[Violation] = []
    recorded = sorted({*state.step_data, *state.completed_at, state.step})
    for no in recorded:
        to = steps.get(no)
        if to is None or not target.has_step(to):
            problems.append(Violation("migrate-loses-data", {"step": no, "what": "-"}))
            continue
        have = {f.name for f in target.step(to).fields}
        for name in state.step_data.get(no, {}):
            if name not in have:
                problems.append(Violation("migrate-loses-data", {"step": no, "what": name}))
    to = steps.get(state.step)
    if to is not None and target.has_step(to) and source.has_step(state.step):
        if target.step(to).kind != source.step(state.step).kind:
            problems.append(Violation("migrate-loses-data", {"step": state.step, "what": "kind"}))
    return problems


def _apply_migration(state: RequestState, event: Event, policy: Policy) -> RequestState:
    to_id, from_id = event.data.get("sop"), event.data.get("from")
    raw_steps = event.data.get("steps")
    if not isinstance(to_id, str) or not isinstance(raw_steps, Mapping):
        raise fail("bad-input", reason="migrasi memerlukan 'sop' dan 'steps'")
    if from_id != state.sop_id:
        raise fail("bad-input", reason=f"migrasi dari SOP '{from_id}', padahal {state.sop_id}")
    if to_id == state.sop_id:
        raise fail("bad-input", reason=f"permohonan sudah memakai SOP {to_id}")
    target = policy.for_sop(to_id).sop
    try:
        steps = {int(k): int(v) for k, v in raw_steps.items()}
    except (TypeError, ValueError):
        raise fail("bad-input", reason="pemetaan langkah harus angka ke angka") from None
    if problems := migration_problems(state, policy.sop, target, steps):
        raise LedgerError(*problems)
    return _evolve(
        state,
        sop_id=to_id,
        events=state.events + (event,),
        step=steps[state.step],
        step_data={steps[no]: data for no, data in state.step_data.items()},
        completed_at={steps[no]: at for no, at in state.completed_at.items()},
    )


def _apply_distribution(
    state: RequestState, event: Event, policy: Policy, step: Step
) -> RequestState:
    """A handover or receipt, by the computation the step declares (`sop.COMPUTATIONS`)."""
    fields = step.fields_for(event.action)
    _check_fields(fields, event.data, policy, step.no)
    compute = COMPUTATIONS[step.computation]
    deliveries, done = compute(state, event, policy)
    new = _evolve(state, events=state.events + (event,), deliveries=deliveries)
    if done:
        new = _evolve(new, status=DONE, completed_at={**new.completed_at, step.no: event.at})
    return new


def _single_delivery(
    state: RequestState, event: Event, policy: Policy
) -> tuple[tuple[Delivery, ...], bool]:
    """ktpel-blanko-2020 as first written: one handover per Kab/Kota, a receipt equal to it;
    done when every Kab/Kota with a share has confirmed. History under it is judged so."""
    code = event.data["kabkota"]
    name = policy.settings.office_name(code)
    mine = state.deliveries_to(code)
    deliveries = list(state.deliveries)
    if event.action == "handover":
        share = state.shares.get(code, 0)
        if share <= 0:
            raise fail("no-share", field="kabkota", kabkota=name, request=state.id)
        if mine:
            raise fail("handover-duplicate", field="kabkota", kabkota=name)
        if event.data["blanks"] > share:
            raise fail(
                "handover-over",
                field="blanks",
                blanks=event.data["blanks"],
                kabkota=name,
                share=share,
            )
        deliveries.append(Delivery(code, dict(event.data)))
    else:
        if not mine:
            raise fail("receipt-no-handover", field="kabkota", kabkota=name)
        if mine[0].confirmed:
            raise fail("receipt-duplicate", field="kabkota", kabkota=name)
        handed = mine[0].blanks
        if event.data["blanks_received"] != handed:
            raise fail(
                "receipt-mismatch",
                field="blanks_received",
                received=event.data["blanks_received"],
                handed=handed,
            )
        deliveries[deliveries.index(mine[0])] = _evolve(mine[0], receipt=dict(event.data))
    confirmed = {d.kabkota for d in deliveries if d.confirmed}
    owed = _owed(state)
    return tuple(deliveries), bool(owed) and owed <= confirmed


def _partial_deliveries(
    state: RequestState, event: Event, policy: Policy
) -> tuple[tuple[Delivery, ...], bool]:
    """Any number of handovers per Kab/Kota up to its share, each with its own BAST; each
    receipt confirms one handover, counting good + damaged + missing = handed over (what was
    lost in transit is recorded, with a note). Done when every share is handed over in full and
    every handover is confirmed."""
    code = event.data["kabkota"]
    name = policy.settings.office_name(code)
    deliveries = list(state.deliveries)
    if event.action == "handover":
        share = state.shares.get(code, 0)
        if share <= 0:
            raise fail("no-share", field="kabkota", kabkota=name, request=state.id)
        blanks, handed = int(event.data["blanks"]), state.handed_over(code)
        if blanks <= 0:
            raise fail("handover-empty", field="blanks", kabkota=name)
        if handed + blanks > share:
            raise fail(
                "handover-over-share",
                field="blanks",
                blanks=blanks,
                kabkota=name,
                total=handed + blanks,
                share=share,
                handed=handed,
            )
        deliveries.append(Delivery(code, dict(event.data)))
    else:
        target = _receipt_target(state, event, name)
        good = int(event.data["blanks_received"])
        damaged = int(event.data.get("blanks_damaged") or 0)
        missing = int(event.data.get("blanks_missing") or 0)
        if good + damaged + missing != target.blanks:
            raise fail(
                "receipt-counts",
                field="blanks_received",
                good=good,
                damaged=damaged,
                missing=missing,
                total=good + damaged + missing,
                bast=target.bast,
                handed=target.blanks,
            )
        if damaged + missing and not str(event.data.get("receipt_note") or "").strip():
            raise fail(
                "receipt-note-missing",
                field="receipt_note",
                lost=damaged + missing,
                bast=target.bast,
            )
        deliveries[deliveries.index(target)] = _evolve(target, receipt=dict(event.data))
    owed = _owed(state)
    done = (
        bool(owed)
        and all(
            sum(d.blanks for d in deliveries if d.kabkota == c) >= state.shares[c] for c in owed
        )
        and all(d.confirmed for d in deliveries)
    )
    return tuple(deliveries), done


def _receipt_target(state: RequestState, event: Event, name: str) -> Delivery:
    """The handover a receipt confirms: the one with its BAST number, or the only open one."""
    code = event.data["kabkota"]
    mine = state.deliveries_to(code)
    if not mine:
        raise fail("receipt-no-handover", field="kabkota", kabkota=name)
    open_ = state.open_deliveries(code)
    bast = str(event.data.get("bast_number") or "").strip()
    if bast:
        key = normalize_letter_number(bast)
        found = [d for d in open_ if normalize_letter_number(d.bast) == key]
        if not found:
            if any(normalize_letter_number(d.bast) == key for d in mine):
                raise fail("receipt-duplicate", field="bast_number", kabkota=name)
            raise fail("receipt-unknown-bast", field="bast_number", kabkota=name, bast=bast)
        return found[0]
    if not open_:
        raise fail("receipt-duplicate", field="kabkota", kabkota=name)
    if len(open_) > 1:
        raise fail(
            "receipt-which-bast",
            field="bast_number",
            kabkota=name,
            basts=", ".join(d.bast for d in open_),
        )
    return open_[0]


Computation = Callable[[RequestState, Event, Policy], tuple[tuple[Delivery, ...], bool]]
# The named computations a distribution step may declare (names in sop.COMPUTATIONS).
COMPUTATIONS: dict[str, Computation] = {
    "single-delivery": _single_delivery,
    "partial-deliveries": _partial_deliveries,
}


# --- the one entry point ---------------------------------------------------------------------

LetterLookup = Callable[[str], str | None]


def letters_of_events(
    events: tuple[Event, ...] | list[Event], sop: Sop, sops: Mapping[str, Sop] | None = None
) -> list[tuple[str, str]]:
    """(field name, number) for every letter-number value the events carry.

    `sop` is the revision the last events were recorded under (the request's own); with `sops`
    (every revision, `Policy.sops`) each earlier event's step is looked up in the revision it
    was recorded under: a `migrate` event and those before it belong to its `from` revision.
    """
    out: list[tuple[str, str]] = []
    current = sop
    for ev in reversed(events):
        if ev.action == "migrate" and sops is not None:
            current = sops.get(str(ev.data.get("from")), current)
        if not current.has_step(ev.step):
            continue
        for f in reversed(current.step(ev.step).fields_for(ev.action)):
            if f.type == "letter_number" and isinstance(ev.data.get(f.name), str):
                out.append((f.name, ev.data[f.name]))
    out.reverse()
    return out


def apply(
    state: RequestState | None, event: Event, policy: Policy, letters: LetterLookup | None = None
) -> RequestState:
    """Authorise and apply one event, including ledger-wide letter-number uniqueness.

    `letters(number)` returns the id of the request already using a normalised letter
    number, or None. Raises LedgerError; nothing is changed.
    """
    if state is None:
        raise fail("bad-input", reason="permohonan belum dibuat")
    policy = policy.for_sop(state.sop_id)
    if not policy.sop.has_step(event.step):
        raise fail("wrong-step", request=state.id, current=state.step, step=event.step)
    authorize(event, policy, policy.sop.step(event.step))
    new = apply_event(state, event, policy)
    _check_register_numbers(event, policy)
    mine = {
        normalize_letter_number(n)
        for _, n in letters_of_events(state.events, policy.sop, policy.sops)
    }
    for name, number in letters_of_events([event], policy.sop):
        key = normalize_letter_number(number)
        if key in mine:
            raise fail("letter-reused", field=name, number=number, other=state.id)
        if letters is not None and (other := letters(key)) is not None and other != state.id:
            raise fail("letter-reused", field=name, number=number, other=other)
    return new


def _check_register_numbers(event: Event, policy: Policy) -> None:
    """Each number field that declares its kind (`number_kind`) fits the ledger's template for
    that kind (`[letters]`; for a per-office kind, the office of the event's Kab/Kota, else the
    step role's office), and its {year}/{month} agree with the letter's date field."""
    if event.action in ("return", "migrate"):
        return
    step = policy.sop.step(event.step)
    letters = policy.settings.letters
    role = policy.sop.roles.get(step.role_for(event.action))
    office = event_kabkota(event) or (role.office if role else None)
    problems: list[Violation] = []
    for f in step.fields_for(event.action):
        value = event.data.get(f.name)
        if not f.number_kind or not isinstance(value, str) or not value.strip():
            continue
        template = letters.template(f.number_kind, office)
        if template is None:
            continue
        dated = event.data.get(f.date_field) if f.date_field else None
        if isinstance(dated, datetime):
            dated = clock.to_wib(dated).date()
        if problem := check_number(value, template, dated, field=f.name):
            problems.append(problem)
    if problems:
        raise LedgerError(*problems)


def empty(request_id: str, sop_id: str) -> RequestState:
    check_request_id(request_id)
    return RequestState(id=request_id, sop_id=sop_id)


# --- what waits ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Waiting:
    """Who the request waits on now: a role, optionally only in one office."""

    role: str
    office: str | None
    action: str
    kabkota: str | None = None


def waiting_on(state: RequestState, sop: Sop) -> list[Waiting]:
    if state.done:
        return []
    step = sop.step(state.step)
    if step.kind != "distribution":
        return [Waiting(step.role, None, "advance")]
    out: list[Waiting] = []
    partial = step.computation == "partial-deliveries"
    for code, share in sorted(state.shares.items()):
        if share <= 0:
            continue
        mine = state.deliveries_to(code)
        if not mine or (partial and state.handed_over(code) < share):
            out.append(Waiting(step.role, None, "handover", code))
        if mine and state.open_deliveries(code):
            out.append(Waiting(step.role_for("receipt"), code, "receipt", code))
    return out


def waits_on(person: Person, role: str, office: str | None, sop: Sop) -> bool:
    """Whether a wait for `role` (in `office`, if given) is this person's to act on."""
    if not person.holds(role):
        return False
    if office is not None:
        return person.office == office
    return sop.roles[role].office in (person.office, "kabkota")


def due_at(state: RequestState, sop: Sop, calendar: WorkCalendar | None = None) -> datetime | None:
    """When the current step is due, by its clock on the ledger's calendar (the settings'
    `calendar`; the default calendar when none is given): the one place due dates come from."""
    if state.done or state.since is None:
        return None
    step = sop.step(state.step)
    return (calendar or default_calendar()).due(state.since, step.due_minutes, step.clock)


def current_timing(
    state: RequestState, sop: Sop, calendar: WorkCalendar | None = None, now: datetime | None = None
) -> Timing | None:
    """The current step's due time, minutes used and lateness as of `now` (None when done)."""
    if state.done or state.since is None:
        return None
    step = sop.step(state.step)
    return (calendar or default_calendar()).timing(
        state.since, step.due_minutes, step.clock, now or clock.now()
    )
