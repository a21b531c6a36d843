"""The SOP as data: roles, steps, and the fields each step records.

The SOP file (TOML) is shipped in `ledger/sops/` and copied into every ledger under `sop/`,
so the history records the rules that applied. Nothing about the procedure is hard-coded
elsewhere: step numbers, roles, minutes, fields, review returns and proxy rights come from here.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .evidence import KINDS
from .rules import fail

FIELD_TYPES = frozenset(
    {
        "text",
        "int",
        "date",
        "datetime",
        "bool",
        "choice",
        "office",
        "letter_number",
        "counts",
        "schedule",
    }
)
STEP_KINDS = frozenset({"permohonan", "task", "review", "distribution"})
# Named quantities a field may carry (`quantity = "..."`; by default a field whose name is one of
# these carries that quantity). The kernel reads counts by these names, never by step number.
QUANTITIES = frozenset(
    {
        "blanks_asked",
        "blanks_shipped",
        "received_good",
        "damaged_missing",
        "discrepancy_note",
        "proposed_shares",
        "shares",
        "schedule",
    }
)
# Named checks a step may declare (`checks = [...]`); implemented in `request.CHECKS`.
CHECKS = frozenset({"received-matches-shipped", "shares-within-received", "schedule-covers-shares"})
CLOCKS = frozenset({"working", "calendar"})
# Named computations a distribution step may declare (`computation = "..."`; implemented in
# `request.COMPUTATIONS`). A file written before computations were declared gets
# "single-delivery": one handover per Kab/Kota and a receipt equal to it, as it was judged then.
COMPUTATIONS = frozenset({"single-delivery", "partial-deliveries"})


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: str
    label: str
    required: bool = True
    default: Any = None
    options: tuple[str, ...] = ()
    help: str = ""
    quantity: str = ""  # the named quantity this field records (see QUANTITIES), or ""
    # A number from a register: its kind in ledger.toml's [letters] table ("bast"), and the
    # field of the same step holding the letter's date (its {year}/{month} must agree).
    number_kind: str = ""
    date_field: str = ""


@dataclass(frozen=True, slots=True)
class Role:
    id: str
    title: str
    office: str  # an office code, or "kabkota" for any Kab/Kota
    seed_column: str = ""


@dataclass(frozen=True, slots=True)
class Step:
    no: int
    kind: str
    title: str
    activity: str
    role: str
    input: str
    minutes: int
    output: str
    note: str = ""
    minutes_max: int | None = None
    return_to: int | None = None
    on_behalf: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()
    handover_fields: tuple[Field, ...] = ()
    receipt_fields: tuple[Field, ...] = ()
    receipt_role: str | None = None
    checks: tuple[str, ...] = ()  # named checks (see CHECKS) run when the step is recorded
    documents: tuple[str, ...] = ()
    clock: str = "working"  # "working" or "calendar": how its standard time is counted
    # Evidence (docs/FORMAT.md "Evidence files"): the kinds of file the step takes (an SOP that
    # declares none takes every kind), and the required ones as "kind" (any recording action but
    # a return) or "action:kind" (e.g. "receipt:bast-signed").
    evidence: tuple[str, ...] = ()
    evidence_required: tuple[str, ...] = ()

    @property
    def evidence_kinds(self) -> tuple[str, ...]:
        return self.evidence or KINDS

    def evidence_required_for(self, action: str) -> tuple[str, ...]:
        """The kinds an event of `action` on this step must attach."""
        out = []
        for item in self.evidence_required:
            on, sep, kind = item.rpartition(":")
            if not sep or on == action:
                out.append(kind)
        return tuple(out)

    computation: str = ""  # for a distribution step: how handovers and receipts add up

    def field_for(self, quantity: str) -> Field | None:
        """The step's field that records a named quantity, if any."""
        return next((f for f in self.fields if f.quantity == quantity), None)

    @property
    def due_minutes(self) -> int:
        """The standard time a step may take before it is late (the upper bound if a range)."""
        return self.minutes_max if self.minutes_max is not None else self.minutes

    @property
    def standard_text(self) -> str:
        if self.minutes_max is not None:
            return f"{self.minutes}–{self.minutes_max} menit"
        return f"{self.minutes} menit"

    def fields_for(self, action: str) -> tuple[Field, ...]:
        if action == "handover":
            return self.handover_fields
        if action == "receipt":
            return self.receipt_fields
        return self.fields

    def role_for(self, action: str) -> str:
        if action == "receipt" and self.receipt_role:
            return self.receipt_role
        return self.role


@dataclass(frozen=True, slots=True)
class Sop:
    id: str
    meta: dict[str, Any]
    roles: dict[str, Role]
    steps: tuple[Step, ...]

    @property
    def name(self) -> str:
        return str(self.meta.get("name", self.id))

    @property
    def last_step(self) -> int:
        return self.steps[-1].no

    def step(self, no: int) -> Step:
        # Steps are numbered 0..N without gaps (checked when parsed): the number is the index.
        if isinstance(no, int) and 0 <= no < len(self.steps):
            return self.steps[no]
        raise KeyError(no)

    def has_step(self, no: int) -> bool:
        return isinstance(no, int) and 0 <= no < len(self.steps)

    def role_title(self, role_id: str) -> str:
        role = self.roles.get(role_id)
        return role.title if role else role_id


BUILTIN_SOP = "ktpel-blanko-2020-r2"


def builtin_sop_text(sop_id: str = BUILTIN_SOP) -> str:
    return resources.files("ledger").joinpath("sops", f"{sop_id}.toml").read_text(encoding="utf-8")


def load_builtin(sop_id: str = BUILTIN_SOP) -> Sop:
    return parse_sop(builtin_sop_text(sop_id), f"ledger/sops/{sop_id}.toml")


def parse_sop(text: str, path: str = "sop") -> Sop:
    try:
        raw = tomllib.loads(text)
        return _build(raw)
    except tomllib.TOMLDecodeError as exc:
        raise fail("sop-invalid", path=path, reason=str(exc)) from None
    except (KeyError, TypeError, ValueError, RecursionError) as exc:
        raise fail("sop-invalid", path=path, reason=f"{type(exc).__name__}: {exc}") from None


def _fields(raw: list[dict[str, Any]]) -> tuple[Field, ...]:
    out = []
    for item in raw:
        if item["type"] not in FIELD_TYPES:
            raise ValueError(f"field {item['name']}: unknown type {item['type']}")
        out.append(
            Field(
                name=item["name"],
                type=item["type"],
                label=item["label"],
                required=bool(item.get("required", True)),
                default=item.get("default"),
                options=tuple(item.get("options", ())),
                help=item.get("help", ""),
                quantity=_quantity(item),
                number_kind=str(item.get("number_kind", "")),
                date_field=str(item.get("date_field", "")),
            )
        )
    return tuple(out)


def _quantity(item: dict[str, Any]) -> str:
    name = item.get("quantity", item["name"] if item["name"] in QUANTITIES else "")
    if name and name not in QUANTITIES:
        raise ValueError(f"field {item['name']}: unknown quantity {name}")
    return str(name)


def _checks(raw: dict[str, Any], fields: tuple[Field, ...]) -> tuple[str, ...]:
    """The step's named checks: as declared, or (an SOP file written before checks were
    declared) the ones its fields call for, so history under such a file is judged as before."""
    if "checks" in raw:
        checks = tuple(str(c) for c in raw["checks"])
        unknown = [c for c in checks if c not in CHECKS]
        if unknown:
            raise ValueError(f"step {raw['no']}: unknown check {unknown[0]}")
        return checks
    quantities = {f.quantity for f in fields}
    derived = []
    if "received_good" in quantities:
        derived.append("received-matches-shipped")
    if quantities & {"proposed_shares", "shares"}:
        derived.append("shares-within-received")
    if any(f.type == "schedule" for f in fields):
        derived.append("schedule-covers-shares")
    return tuple(derived)


def _clock(raw: dict[str, Any]) -> str:
    value = str(raw.get("clock", "working"))
    if value not in CLOCKS:
        raise ValueError(f"step {raw['no']}: clock must be one of {sorted(CLOCKS)}")
    return value


def _evidence_required(raw: dict[str, Any]) -> tuple[str, ...]:
    items = tuple(str(k) for k in raw.get("evidence_required", ()))
    kinds = raw.get("evidence")
    for item in items:
        on, sep, kind = item.rpartition(":")
        if sep and on not in ("create", "permohonan", "advance", "handover", "receipt"):
            raise ValueError(f"step {raw['no']}: evidence_required '{item}': unknown action {on}")
        if kinds is not None and kind not in kinds:
            raise ValueError(f"step {raw['no']}: evidence_required '{item}' not in its evidence")
    return items


def _computation(raw: dict[str, Any]) -> str:
    default = "single-delivery" if raw["kind"] == "distribution" else ""
    value = str(raw.get("computation", default))
    if value and (value not in COMPUTATIONS or raw["kind"] != "distribution"):
        raise ValueError(f"step {raw['no']}: unknown computation {value}")
    return value


def _check_dates(no: int, fields: tuple[Field, ...]) -> None:
    names = {f.name for f in fields}
    for f in fields:
        if f.date_field and f.date_field not in names:
            raise ValueError(f"step {no}: field {f.name}: no date field {f.date_field}")


def _build(raw: dict[str, Any]) -> Sop:
    meta = dict(raw["sop"])
    roles = {
        r["id"]: Role(r["id"], r["title"], r["office"], r.get("seed_column", ""))
        for r in raw["role"]
    }
    steps = []
    for s in raw["step"]:
        if s["kind"] not in STEP_KINDS:
            raise ValueError(f"step {s['no']}: unknown kind {s['kind']}")
        if s["role"] not in roles:
            raise ValueError(f"step {s['no']}: unknown role {s['role']}")
        steps.append(
            Step(
                no=int(s["no"]),
                kind=s["kind"],
                title=s["title"],
                activity=s["activity"],
                role=s["role"],
                input=s.get("input", ""),
                minutes=int(s["minutes"]),
                minutes_max=s.get("minutes_max"),
                output=s["output"],
                note=s.get("note", ""),
                return_to=s.get("return_to"),
                on_behalf=tuple(s.get("on_behalf", ())),
                fields=_fields(s.get("field", [])),
                handover_fields=_fields(s.get("handover_field", [])),
                receipt_fields=_fields(s.get("receipt_field", [])),
                receipt_role=s.get("receipt_role"),
                checks=_checks(s, _fields(s.get("field", []))),
                documents=tuple(str(d) for d in s.get("documents", ())),
                clock=_clock(s),
                evidence=tuple(str(k) for k in s.get("evidence", ())),
                evidence_required=_evidence_required(s),
                computation=_computation(s),
            )
        )
    for st in steps:
        for group in (st.fields, st.handover_fields, st.receipt_fields):
            _check_dates(st.no, group)
    steps.sort(key=lambda st: st.no)
    if [st.no for st in steps] != list(range(len(steps))):
        raise ValueError("steps must be numbered 0..N without gaps")
    return Sop(id=meta["id"], meta=meta, roles=roles, steps=tuple(steps))
