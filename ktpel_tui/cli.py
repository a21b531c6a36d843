"""The `ktpel` command line. Text for users is Indonesian (English with --lang en).

Exit codes: 0 ok; 1 the ledger refused (a rule, a missing ledger...); 2 wrong usage.
Verbs of other areas (sync, audit, keys) register themselves through COMMAND_MODULES.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ledger import clock, i18n
from ledger.defaults import suggest
from ledger.fields import InputError, coerce, format_value
from ledger.policy import Policy
from ledger.request import Event, OnBehalf, RequestState, request_path
from ledger.requestfile import as_plain
from ledger.rules import LedgerError, Violation, fail
from ledger.store import Ledger

from .cli_log import print_log, run_light
from .clibase import apply_lang, guarded, ledger_path, say
from .config import saved_user

T = i18n.pick

# Modules that add verbs: each has `register(sub, common)` adding subparsers whose `func` is
# called as func(args) -> int.
COMMAND_MODULES: list[str] = [
    "ktpel_tui.cli_audit",
    "ktpel_tui.cli_sync",
    "ktpel_tui.cli_sop",
    "ktpel_tui.cli_docs",
    "ktpel_tui.cli_completion",
    "ktpel_tui.cli_evidence",  # evidence (issue 11)
    "ktpel_tui.cli_remind",  # WhatsApp reminders (issue 12)
    "ktpel_tui.cli_approve",  # proposals and the second admin's approval (issue 16)
]


class UsageError(Exception):
    pass


# argparse's own error texts, in Indonesian.
_ARGPARSE_ID = (
    (r"^the following arguments are required: ", "argumen ini wajib diisi: "),
    (r"^unrecognized arguments: ", "argumen tidak dikenal: "),
    (
        r"^argument (\S+): invalid choice: (.*) \(choose from (.*)\)$",
        r"argumen \1: pilihan \2 tidak ada (pilih dari \3)",
    ),
    (r"^argument (\S+): expected one argument$", r"argumen \1 perlu satu nilai"),
    (r"^argument (\S+): invalid (\w+) value: (.*)$", r"argumen \1: nilai \3 tidak sah"),
    (
        r"^argument (\S+): not allowed with argument (\S+)$",
        r"argumen \1 tidak boleh dipakai bersama \2",
    ),
)


class Parser(argparse.ArgumentParser):
    """argparse with its own headings and -h line in the user's language."""

    def __init__(
        self,
        *args,
        add_help: bool = True,
        parents: Sequence[argparse.ArgumentParser] = (),
        **kwargs,
    ) -> None:
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = T("argumen", "positional arguments")
        self._optionals.title = T("opsi", "options")
        if add_help:
            self.add_argument(
                "-h",
                "--help",
                action="help",
                default=argparse.SUPPRESS,
                help=T("tampilkan bantuan ini lalu keluar", "show this help message and exit"),
            )
        for parent in parents:  # as argparse does, once the groups carry our titles
            self._add_container_actions(parent)
            self._defaults.update(parent._defaults)

    def _usage_prefix(self) -> str:
        return T("pemakaian: ", "usage: ")

    def format_usage(self) -> str:
        formatter = self._get_formatter()
        formatter.add_usage(
            self.usage, self._actions, self._mutually_exclusive_groups, prefix=self._usage_prefix()
        )
        return formatter.format_help()

    def format_help(self) -> str:
        formatter = self._get_formatter()
        formatter.add_usage(
            self.usage, self._actions, self._mutually_exclusive_groups, prefix=self._usage_prefix()
        )
        formatter.add_text(self.description)
        for group in self._action_groups:
            formatter.start_section(group.title)
            formatter.add_text(group.description)
            formatter.add_arguments(group._group_actions)
            formatter.end_section()
        formatter.add_text(self.epilog)
        return formatter.format_help()

    def error(self, message: str) -> None:  # argparse's own text, with our sentence first
        if i18n.language() == "id":
            for pattern, text in _ARGPARSE_ID:
                message = re.sub(pattern, text, message)
        raise UsageError(
            T("Perintah tidak sesuai: ", "Wrong usage: ")
            + message
            + T(f"\nLihat '{self.prog} --help'.", f"\nSee '{self.prog} --help'.")
        )


# --- shared helpers -----------------------------------------------------------------------------


def open_ledger(args: argparse.Namespace) -> Ledger:
    """The ledger the command names; a folder that is no ledger, or a half-made one, is refused
    with one sentence (never a traceback from deeper down)."""
    root = ledger_path(args)
    led = Ledger.open(root)
    if not led.repo.head.is_valid():  # `git init` and ledger.toml, but no first commit
        led.close()
        raise fail("ledger-incomplete", path=str(led.root))
    return led


def acting_choice(args: argparse.Namespace, root: Path) -> tuple[str | None, str]:
    """(person, where the choice came from: "as", "env", "saved" or "")."""
    if person := getattr(args, "as_person", None):
        return person, "as"
    if person := os.environ.get("KTPEL_USER"):
        return person, "env"
    if person := saved_user(root):
        return person, "saved"
    return None, ""


def acting_person(args: argparse.Namespace, ledger: Ledger, policy: Policy) -> str:
    person, source = acting_choice(args, ledger.root)
    if not person:
        raise fail("no-user")
    policy.person(person)
    if source == "saved":  # the screen's choice must never act silently on the command line
        print(
            T(
                f"Catatan: bertindak sebagai {person} (pilihan tersimpan); pakai --as untuk orang lain.",
                f"Note: acting as {person} (saved choice); use --as for someone else.",
            ),
            file=sys.stderr,
        )
    return person


def cmd_whoami(args: argparse.Namespace) -> int:
    with open_ledger(args) as led:
        person, source = acting_choice(args, led.root)
        if not person:
            raise fail("no-user")
        policy = led.policy()
        who = policy.person(person)
        roles = ", ".join(policy.sop.role_title(r) for r in who.roles)
        why = {
            "as": T("dari --as", "from --as"),
            "env": T("dari KTPEL_USER", "from KTPEL_USER"),
            "saved": T("pilihan tersimpan dari layar", "saved choice from the screen"),
        }[source]
        say(f"{who.id} · {who.name} · {policy.settings.office_name(who.office)} · {roles} ({why})")
    return 0


def out_json(data: Any) -> None:
    print(json.dumps(as_plain(data), ensure_ascii=False, indent=2))


def out_json_rows(rows: Iterable[Any]) -> None:
    """Exactly what `out_json(list(rows))` prints, written row by row: no list of them all."""
    write = sys.stdout.write
    opening = "[\n"
    for row in rows:
        write(
            opening
            + "  "
            + json.dumps(as_plain(row), ensure_ascii=False, indent=2).replace("\n", "\n  ")
        )
        opening = ",\n"
    write("[]\n" if opening == "[\n" else "\n]\n")


def parse_sets(fields: tuple, sets: Sequence[str]) -> dict[str, Any]:
    """`--set name=value` pairs, typed by the step's fields; all problems reported together."""
    by_name = {f.name: f for f in fields}
    values: dict[str, Any] = {}
    problems: list[Violation] = []
    for item in sets:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep:
            problems.append(
                Violation(
                    "bad-input",
                    {
                        "reason": T(
                            f"'{item}' harus berbentuk NAMA=NILAI", f"'{item}' must be NAME=VALUE"
                        )
                    },
                )
            )
            continue
        if name not in by_name:
            known = ", ".join(by_name) or "-"
            problems.append(
                Violation(
                    "bad-input",
                    {
                        "reason": T(
                            f"isian '{name}' tidak ada pada langkah ini (yang ada: {known})",
                            f"field '{name}' is not part of this step (known: {known})",
                        )
                    },
                    field=name,
                )
            )
            continue
        try:
            values[name] = coerce(by_name[name], raw)
        except InputError as exc:
            problems.append(exc.violation)
    if problems:
        raise LedgerError(*problems)
    return values


def on_behalf_of(args: argparse.Namespace) -> OnBehalf | None:
    if not getattr(args, "on_behalf", None):
        if getattr(args, "reason", None) or getattr(args, "evidence", None):
            raise fail("on-behalf-incomplete")
        return None
    return OnBehalf(args.on_behalf, args.reason or "", args.evidence or "")


def fill(
    ledger: Ledger, state: RequestState | None, fields: tuple, given: dict[str, Any]
) -> dict[str, Any]:
    """What the clerk typed, plus the SOP's suggestions for fields left out (a date, a sum of
    earlier counts). A letter number is never suggested: one not typed is refused, with the
    last number the ledger knows as a hint (`_number_hints`)."""
    data = {k: v for k, v in suggest(ledger, state, fields).items() if k not in given}
    data.update(given)
    return data


def report_recorded(rec, policy: Policy, as_json: bool) -> None:
    from ledger.nextactor import next_actors

    ev = rec.request.events[-1]
    actors = next_actors(rec.request, policy, ev)
    if as_json:
        out_json(
            {
                "commit": rec.sha,
                "request": rec.request.id,
                "path": rec.path,
                "seq": ev.seq,
                "action": ev.action,
                "step": ev.step,
                "data": dict(ev.data),
                "handoff": [a.as_json() for a in actors],
            }
        )
        return
    from ledger.trailers import summary_line

    say(T("Tercatat", "Recorded") + f": {summary_line(rec.request, ev, policy)}")
    say(f"  commit {rec.sha[:12]} · {policy.person(ev.by).name} · {ev.at:%Y-%m-%d %H:%M} WIB")
    for key, value in ev.data.items():
        say(
            f"  {key} = {format_value('counts' if isinstance(value, dict) and key != 'schedule' else ('schedule' if key == 'schedule' else ''), value)}"
        )
    for actor in actors:  # the hand-off to whoever the request now waits on (issue 12)
        detail = f" ({actor.handoff.detail})" if actor.handoff.detail else ""
        say(T("Kabari", "Hand off to") + f" {actor.person.name}{detail}:")
        say(
            "  "
            + (
                actor.link
                or T(
                    "belum ada nomor WhatsApp di people.toml",
                    "no WhatsApp number in people.toml",
                )
            )
        )


# --- verbs ------------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from ledger.bootstrap import init_ledger
    from ledger.policy import Person

    admin = Person(args.admin, args.name, args.nip, args.email, "prov", ("admin", *args.role))
    led = init_ledger(args.path, admin, layout=args.layout)
    say(
        T(
            f"Ledger dibuat di {led.root}. Admin: {admin.name}.",
            f"Ledger created at {led.root}. Admin: {admin.name}.",
        )
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from ledger.demo import build_demo

    # `ktpel demo PATH` or `ktpel --ledger PATH demo`: the folder named either way (KTPEL_LEDGER
    # and the current folder are where people work, never where a demo is built unasked).
    led = build_demo(args.path or getattr(args, "ledger", None))
    count = len(led.list_requests())
    say(
        T(
            f"Ledger demo dibangun di {led.root}: {count} permohonan, satu orang untuk setiap peran.",
            f"Demo ledger built at {led.root}: {count} requests, a person for every role.",
        )
    )
    say(
        T(
            f"Coba: ktpel --ledger {led.root} --as maya list --mine",
            f"Try: ktpel --ledger {led.root} --as maya list --mine",
        )
    )
    if args.no_tui:
        return 0
    return run_tui(led.root, args)


def cmd_people(args: argparse.Namespace) -> int:
    with open_ledger(args) as led:
        policy = led.policy()
        people = list(policy.people.values())
        if args.json:
            out_json(
                [
                    {
                        "id": p.id,
                        "name": p.name,
                        "nip": p.nip,
                        "email": p.email,
                        "office": p.office,
                        "roles": list(p.roles),
                        "keys": [k.public for k in p.keys if k.active],
                    }
                    for p in people
                ]
            )
            return 0
        for p in people:
            roles = ", ".join(policy.sop.role_title(r) for r in p.roles)
            say(f"{p.id:<12} {p.name:<32} {policy.settings.office_name(p.office):<28} {roles}")
    return 0


def cmd_sop(args: argparse.Namespace) -> int:
    from ledger.sop import load_builtin

    try:
        with open_ledger(args) as led:
            sop = led.policy().sop
    except LedgerError:
        sop = load_builtin()
    if args.json:
        out_json(
            {
                "id": sop.id,
                "meta": sop.meta,
                "steps": [
                    {
                        "no": s.no,
                        "title": s.title,
                        "activity": s.activity,
                        "role": s.role,
                        "input": s.input,
                        "minutes": s.minutes,
                        "minutes_max": s.minutes_max,
                        "output": s.output,
                        "kind": s.kind,
                        "return_to": s.return_to,
                        "on_behalf": list(s.on_behalf),
                        "fields": [f.name for f in s.fields],
                    }
                    for s in sop.steps
                ],
            }
        )
        return 0
    say(sop.name)
    for s in sop.steps:
        extra = (
            T(f" (kembali ke {s.return_to})", f" (returns to {s.return_to})") if s.return_to else ""
        )
        say(
            f"{s.no:>2}. {s.title:<36} {sop.role_title(s.role):<38} {s.standard_text:>16}  → {s.output}{extra}"
        )
    return 0


def _record(
    args: argparse.Namespace, make: Callable[[Ledger, Policy, str], tuple[str | None, Event]]
) -> int:
    with open_ledger(args) as led:
        policy = led.policy()
        person = acting_person(args, led, policy)
        request_id, event = make(led, policy, person)
        from .cli_evidence import read_attachments  # --attach KIND=PATH (issue 11)

        event, evidence = read_attachments(led, policy, request_id, event, args)
        try:
            rec = led.record(request_id, event, evidence=evidence)
        except LedgerError as exc:
            raise _number_hints(led, policy, request_id, event, exc) from None
        report_recorded(rec, policy, getattr(args, "json", False))
    return 0


def _number_hints(
    led: Ledger, policy: Policy, request_id: str | None, event: Event, exc: LedgerError
) -> LedgerError:
    """A letter number left out is refused as `letter-number-needed`, with the last number of
    its kind the ledger knows: the register gives the number, ktpel never fills one in."""
    from ledger.letters import field_hint

    sop = policy.sop
    if request_id is not None:
        sop = policy.for_sop(led.read_request(request_id).sop_id).sop
    if not sop.has_step(event.step):
        return exc
    fields = {f.name: f for f in sop.step(event.step).fields_for(event.action)}
    office = event.data.get("kabkota") if isinstance(event.data.get("kabkota"), str) else "prov"
    out: list[Violation] = []
    for v in exc.violations:
        f = fields.get(v.field or "")
        if (
            v.code == "field-missing"
            and f is not None
            and (f.number_kind or f.type == "letter_number")
        ):
            hint = field_hint(
                policy.settings.letters, f.number_kind, led.letter_numbers(), office, event.at.year
            )
            v = Violation(
                "letter-number-needed",
                {"label": f.label, "field": f.name, "hint": hint},
                field=f.name,
            )
        out.append(v)
    return LedgerError(*out)


def cmd_new(args: argparse.Namespace) -> int:
    def make(led: Ledger, policy: Policy, person: str):
        step = policy.sop.step(0)
        data = fill(led, None, step.fields, parse_sets(step.fields, args.set))
        return None, Event(
            "create", 0, clock.now(), person, step.role, data, on_behalf=on_behalf_of(args)
        )

    return _record(args, make)


def cmd_permohonan(args: argparse.Namespace) -> int:
    def make(led: Ledger, policy: Policy, person: str):
        step = policy.sop.step(0)
        data = fill(led, None, step.fields, parse_sets(step.fields, args.set))
        return args.request, Event(
            "permohonan", 0, clock.now(), person, step.role, data, on_behalf=on_behalf_of(args)
        )

    return _record(args, make)


def _current(led: Ledger, request_id: str, expect: int | None) -> RequestState:
    state = led.read_request(request_id)
    if state.done:
        raise fail("request-done", request=request_id)
    if expect is not None and expect != state.step:
        raise fail("wrong-step", request=request_id, current=state.step, step=expect)
    return state


def cmd_advance(args: argparse.Namespace) -> int:
    def make(led: Ledger, policy: Policy, person: str):
        state = _current(led, args.request, args.step)
        step = policy.sop.step(state.step)
        if step.kind == "distribution":
            raise fail("use-distribution")
        data = fill(led, state, step.fields, parse_sets(step.fields, args.set))
        return args.request, Event(
            "advance",
            step.no,
            clock.now(),
            person,
            step.role,
            data,
            note=args.note or "",
            on_behalf=on_behalf_of(args),
        )

    return _record(args, make)


def _distribution(action: str) -> Callable[[argparse.Namespace], int]:
    def cmd(args: argparse.Namespace) -> int:
        def make(led: Ledger, policy: Policy, person: str):
            state = _current(led, args.request, None)
            step = policy.sop.step(state.step)
            if step.kind != "distribution":
                raise fail(
                    "wrong-step",
                    request=args.request,
                    current=state.step,
                    step=policy.sop.last_step,
                )
            fields = step.fields_for(action)
            given = parse_sets(fields, args.set)
            data = fill(led, state, fields, given)
            open_ = state.open_deliveries(str(data.get("kabkota")))
            if action == "receipt" and "blanks_received" not in given and len(open_) == 1:
                data["blanks_received"] = open_[0].blanks
            return args.request, Event(
                action,
                step.no,
                clock.now(),
                person,
                step.role_for(action),
                data,
                note=args.note or "",
                on_behalf=on_behalf_of(args),
            )

        return _record(args, make)

    return cmd


def cmd_return(args: argparse.Namespace) -> int:
    def make(led: Ledger, policy: Policy, person: str):
        state = _current(led, args.request, args.step)
        step = policy.sop.step(state.step)
        return args.request, Event(
            "return", step.no, clock.now(), person, step.role, {}, note=args.note or ""
        )

    return _record(args, make)


def cmd_show(args: argparse.Namespace) -> int:
    from ledger.report import quantities, timeline
    from ledger.worktime import format_due

    with open_ledger(args) as led:
        policy = led.policy()
        state = led.read_request(args.request)
        rows, returns = timeline(state, policy)
        qty = quantities(state, policy)
        if args.json:
            out_json(
                {
                    "id": state.id,
                    "status": state.status,
                    "step": state.step,
                    "path": request_path(state.id, policy.settings.layout),
                    "permohonan": [dict(p) for p in state.permohonan],
                    "timeline": [
                        {
                            "step": r.step,
                            "title": r.title,
                            "status": r.status,
                            "by": r.by,
                            "at": r.at,
                            "minutes": r.minutes,
                            "standard_minutes": r.due_minutes,
                            "clock": r.clock,
                            "due": r.due,
                            "late": r.late,
                            "on_behalf": r.on_behalf,
                        }
                        for r in rows
                    ],
                    "returns": [
                        {"step": r.step, "to": r.to, "by": r.by, "at": r.at, "note": r.note}
                        for r in returns
                    ],
                    "quantities": {
                        "requested": qty.requested,
                        "asked": qty.asked,
                        "shipped": qty.shipped,
                        "received_good": qty.received_good,
                        "damaged_missing": qty.damaged_missing,
                        "shares": qty.shares,
                        "handed_over": qty.handed_over,
                        "confirmed": qty.confirmed,
                        "lost_in_transit": qty.lost_in_transit,
                        "in_store": qty.in_store,
                        "per_kabkota": [
                            {
                                "code": r.code,
                                "requested": r.requested,
                                "share": r.share,
                                "handed_over": r.handed_over,
                                "confirmed": r.confirmed,
                                "lost": r.lost,
                                "bast": [d.bast for d in state.deliveries_to(r.code)],
                            }
                            for r in qty.rows
                        ],
                    },
                    "events": [
                        {
                            "seq": e.seq,
                            "action": e.action,
                            "step": e.step,
                            "at": e.at,
                            "by": e.by,
                            "role": e.role,
                            "note": e.note,
                            "data": dict(e.data),
                            "on_behalf": None
                            if e.on_behalf is None
                            else {
                                "of": e.on_behalf.of,
                                "reason": e.on_behalf.reason,
                                "evidence": e.on_behalf.evidence,
                            },
                        }
                        for e in state.events
                    ],
                }
            )
            return 0
        settings = policy.settings
        own = policy.for_sop(state.sop_id).sop  # the request's own revision, not HEAD's
        status = (
            T("SELESAI", "COMPLETE")
            if state.done
            else T(
                f"langkah {state.step}/{own.last_step}",
                f"step {state.step}/{own.last_step}",
            )
        )
        path = request_path(state.id, policy.settings.layout)
        say(f"{T('Permohonan', 'Request')} {state.id} · {status} · {path}")
        say(T("Surat permohonan Kab/Kota:", "Kab/Kota letters:"))
        for p in state.permohonan:
            say(
                f"  {settings.office_name(p['kabkota']):<22} {p['letter_number']:<28} {p['letter_date']}  "
                f"{T('diminta', 'requested')} {p['blanks_requested']:>6}  {T('sisa stok', 'stock left')} {p['stock_left']}"
            )
        say(T("Linimasa SOP:", "SOP timeline:"))
        for r in rows:
            mark = {"selesai": "✓", "sekarang": "▶", "menunggu": "·"}[r.status]
            took = ""
            if r.minutes is not None:
                took = f"{clock.format_minutes(r.minutes)} / {r.standard}"
                if r.late:
                    took += T("  TERLAMBAT", "  LATE")
            who = (
                f"{r.by} {r.at:%d-%m %H:%M}"
                if r.at
                else (T("menunggu: ", "waiting: ") + r.role if r.status == "sekarang" else "")
            )
            if r.on_behalf:
                who += T(f" (atas nama {r.on_behalf})", f" (on behalf of {r.on_behalf})")
            ret = T(f" ↩×{r.returns}", f" ↩×{r.returns}") if r.returns else ""
            if r.due is not None:
                took += T(" · tenggat ", " · due ") + format_due(r.due)
            say(f"  {mark} {r.step:>2} {r.title:<34} {who:<48} {took}{ret}")
        for ret_row in returns:
            say(
                "  ↩ "
                + T(
                    f"langkah {ret_row.step} dikembalikan ke {ret_row.to} oleh {ret_row.by} {ret_row.at:%d-%m %H:%M}: {ret_row.note}",
                    f"step {ret_row.step} returned to {ret_row.to} by {ret_row.by} {ret_row.at:%d-%m %H:%M}: {ret_row.note}",
                )
            )
        say(T("Jumlah blanko (keping):", "Blank counts (pieces):"))

        def n(v):
            return "-" if v is None else str(v)

        say(
            f"  {T('diminta', 'requested')} {qty.requested} · {T('dimohon ke Ditjen', 'asked of Ditjen')} {n(qty.asked)} · "
            f"{T('dikirim', 'shipped')} {n(qty.shipped)} · {T('diterima baik', 'received good')} {n(qty.received_good)} · "
            f"{T('rusak/kurang', 'damaged/missing')} {n(qty.damaged_missing)}"
        )
        say(
            f"  {T('porsi', 'shares')} {n(qty.shares)} · {T('diserahkan', 'handed over')} {qty.handed_over} · "
            f"{T('dikonfirmasi', 'confirmed')} {qty.confirmed} · {T('sisa di gudang', 'left in store')} {n(qty.in_store)}"
        )
        for r in qty.rows:
            say(
                f"    {r.name:<22} {T('diminta', 'req.')} {r.requested:>6}  {T('porsi', 'share')} {r.share:>6}  "
                f"{T('diserahkan', 'handed')} {r.handed_over:>6}  {T('dikonfirmasi', 'confirmed')} {r.confirmed:>6}"
                + (
                    T(f"  hilang di jalan {r.lost}", f"  lost in transit {r.lost}")
                    if r.lost
                    else ""
                )
                + (f"  BAST {r.bast}" if "," in r.bast else "")
            )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with open_ledger(args) as led:
        policy = led.policy()
        now = clock.now()
        person = policy.person(acting_person(args, led, policy)) if args.mine else None
        stream = (
            s
            for s in led.iter_requests()
            if (person is None or s.is_for(person, policy.sop))
            and (not args.overdue or s.overdue(now))
        )
        if args.json:
            out_json_rows(s.to_json() for s in stream)
            return 0
        rows = list(stream)
        if not rows:
            say(T("Tidak ada permohonan.", "No requests."))
            return 0
        say(
            f"{'ID':<10} {T('Kab/Kota', 'Kab/Kota'):<22} {T('Langkah', 'Step'):<36} {T('Menunggu', 'Waiting on'):<28} {T('Waktu', 'Time'):<18} Status"
        )
        for s in rows:
            if s.broken:
                say(f"{s.id:<10} {T('RUSAK', 'BROKEN')}: {s.error.message()}")
                continue
            kab = ", ".join(c for c in s.kabkota)
            step = f"{s.step}/{s.last_step or policy.sop.last_step} {s.step_title}"
            waits = sorted(
                {
                    policy.sop.role_title(w["role"]) + (f" {w['office']}" if w["office"] else "")
                    for w in s.waiting
                }
            )
            wait = "; ".join(waits) if waits else "-"
            if s.done:
                timing, status = "-", T("selesai", "complete")
            else:
                waited = s.waited_minutes(now, policy.settings.calendar) or 0
                timing = f"{clock.format_minutes(waited)}/{clock.format_minutes(s.standard)}"
                if s.overdue(now):
                    status = T("TERLAMBAT", "LATE")
                elif s.returned:  # waiting for its correction, as the TUI's list says it
                    status = T("dikembalikan", "returned")
                else:
                    status = T("berjalan", "in progress")
            say(f"{s.id:<10} {kab[:22]:<22} {step[:36]:<36} {wait[:28]:<28} {timing:<18} {status}")
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    """`ktpel log` through a `Ledger`: what `cli_log.run_light` does not take (see there)."""
    from ledger.history import history

    with open_ledger(args) as led:
        led.read_request(args.request)  # a clear error for an unknown request
        entries = list(reversed(history(led, args.request)))
        print_log(entries, led.policy().sop.role_title, as_json=args.json)
    return 0


def run_tui(root: Path | None, args: argparse.Namespace) -> int:
    try:
        app_module = importlib.import_module("ktpel_tui.app")
    except ModuleNotFoundError:
        say(
            T(
                "Tampilan layar (TUI) belum tersedia; gunakan perintah seperti 'ktpel list'.",
                "The screen (TUI) is not available yet; use verbs such as 'ktpel list'.",
            ),
            file=sys.stderr,
        )
        return 1
    return int(app_module.run(root, getattr(args, "as_person", None)) or 0)


def cmd_tui(args: argparse.Namespace) -> int:
    root = ledger_path(args)
    if not getattr(args, "ledger", None) and not os.environ.get("KTPEL_LEDGER"):
        from ledger.demo import build_demo, is_demo

        if not (root / "ledger.toml").exists() and (
            not root.exists() or is_demo(root) or not any(root.iterdir())
        ):
            say(
                T(f"Membangun ledger demo di {root} ...", f"Building the demo ledger at {root} ...")
            )
            build_demo(root)
    args.ledger = str(root)
    open_ledger(args).close()  # a clear sentence now rather than inside the screen
    return run_tui(root, args)


# --- the parser ---------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = Parser(add_help=False)
    common.add_argument(
        "--ledger",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help=T(
            "folder ledger (atau KTPEL_LEDGER; bawaan: ledger di folder ini, lalu ledger demo)",
            "ledger folder (or KTPEL_LEDGER; default: the ledger this folder is in, else the demo)",
        ),
    )
    common.add_argument(
        "--as",
        dest="as_person",
        metavar="ORANG",
        default=argparse.SUPPRESS,
        help=T(
            "id orang yang bertindak (atau KTPEL_USER)", "id of the acting person (or KTPEL_USER)"
        ),
    )
    common.add_argument(
        "--lang",
        choices=i18n.SUPPORTED,
        default=argparse.SUPPRESS,
        help=T("bahasa: id atau en", "language: id or en"),
    )

    parser = Parser(
        prog="ktpel",
        parents=[common],
        description=T(
            "Ledger blanko KTP-el: setiap permohonan satu berkas TOML, setiap langkah SOP satu commit git.",
            "KTP-el blank ledger: each request a TOML file, each SOP step a git commit.",
        ),
    )
    sub = parser.add_subparsers(dest="verb", metavar=T("PERINTAH", "VERB"), parser_class=Parser)

    def verb(
        name: str, func: Callable[[argparse.Namespace], int], help_id: str, help_en: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name, parents=[common], help=T(help_id, help_en), description=T(help_id, help_en)
        )
        p.set_defaults(func=func)
        return p

    def as_json(p: argparse.ArgumentParser) -> None:
        p.add_argument("--json", action="store_true", help=T("keluaran JSON", "JSON output"))

    def sets(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="ISIAN=NILAI",
            help=T("nilai isian langkah (boleh berulang)", "a field value (repeatable)"),
        )

    def behalf(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--on-behalf",
            "--atas-nama",
            dest="on_behalf",
            metavar="PIHAK",
            help=T(
                "catat atas nama pihak tanpa akun (hanya bila SOP mengizinkan)",
                "record on behalf of an actor without an account",
            ),
        )
        p.add_argument("--reason", "--alasan", dest="reason", metavar="ALASAN")
        p.add_argument("--evidence", "--bukti", dest="evidence", metavar="BUKTI")
        attach(p)

    def attach(p: argparse.ArgumentParser) -> None:
        # Scans and photos stored with the event (issue 11; ktpel_tui/cli_evidence.py).
        p.add_argument(
            "--attach",
            "--lampir",
            dest="attach",
            action="append",
            default=[],
            metavar="JENIS=BERKAS",
            help=T(
                "lampirkan berkas bukti, mis. bast-signed=scan.pdf (boleh berulang)",
                "attach an evidence file, e.g. bast-signed=scan.pdf (repeatable)",
            ),
        )

    p = verb("init", cmd_init, "buat ledger baru", "create a new ledger")
    p.add_argument("path", metavar="PATH")
    p.add_argument("--admin", required=True, metavar="ID")
    p.add_argument("--name", required=True)
    p.add_argument("--nip", required=True)
    p.add_argument("--email", required=True)
    p.add_argument(
        "--role",
        action="append",
        default=[],
        help=T("peran tambahan admin", "extra roles of the admin"),
    )
    p.add_argument(
        "--layout",
        choices=("flat", "sharded"),
        default="flat",
        help=T(
            "susunan berkas permohonan: flat (bawaan) atau sharded (requests/<tahun>/<NN>/, "
            "untuk ledger besar; docs/FORMAT.md)",
            "layout of the request files: flat (default) or sharded (requests/<year>/<NN>/, "
            "for large ledgers; docs/FORMAT.md)",
        ),
    )

    p = verb(
        "demo",
        cmd_demo,
        "bangun (ulang) ledger demo lalu buka layar",
        "(re)build the demo ledger, then open the screen",
    )
    p.add_argument("path", nargs="?", metavar="PATH")
    p.add_argument(
        "--no-tui", action="store_true", help=T("jangan buka layar", "do not open the screen")
    )

    as_json(
        verb("people", cmd_people, "daftar orang, kantor dan peran", "people, offices and roles")
    )
    as_json(verb("sop", cmd_sop, "langkah-langkah SOP yang berlaku", "the SOP's steps"))

    p = verb(
        "new",
        cmd_new,
        "permohonan baru dari surat Kab/Kota",
        "a new request from a Kab/Kota letter",
    )
    sets(p), behalf(p), as_json(p)
    p = verb(
        "permohonan",
        cmd_permohonan,
        "tambah surat permohonan Kab/Kota ke permohonan",
        "add a Kab/Kota letter to a request",
    )
    p.add_argument("request", metavar="PERMOHONAN")
    sets(p), behalf(p), as_json(p)

    p = verb(
        "advance",
        cmd_advance,
        "catat langkah sekarang (setuju pada langkah pemeriksaan)",
        "record the current step (approve on review steps)",
    )
    p.add_argument("request", metavar="PERMOHONAN")
    p.add_argument(
        "--step",
        type=int,
        help=T("pastikan permohonan ada di langkah ini", "make sure the request is at this step"),
    )
    p.add_argument("--note", help=T("catatan", "note"))
    sets(p), behalf(p), as_json(p)

    for name, action, hid, hen in (
        (
            "handover",
            "handover",
            "langkah 19: serah terima blanko ke satu Kab/Kota",
            "step 19: hand blanks over to one Kab/Kota",
        ),
        (
            "receipt",
            "receipt",
            "langkah 19: konfirmasi penerimaan oleh Kab/Kota",
            "step 19: a Kab/Kota confirms receipt",
        ),
    ):
        p = verb(name, _distribution(action), hid, hen)
        p.add_argument("request", metavar="PERMOHONAN")
        p.add_argument("--note", help=T("catatan", "note"))
        sets(p), behalf(p), as_json(p)

    p = verb(
        "return",
        cmd_return,
        "kembalikan untuk perbaikan dari langkah pemeriksaan",
        "return for revision from a review step",
    )
    p.add_argument("request", metavar="PERMOHONAN")
    p.add_argument("--note", required=True, help=T("alasan pengembalian", "why it is returned"))
    p.add_argument("--step", type=int)
    attach(p), as_json(p)

    p = verb("show", cmd_show, "rincian satu permohonan", "one request in detail")
    p.add_argument("request", metavar="PERMOHONAN")
    as_json(p)

    p = verb("list", cmd_list, "daftar permohonan", "list requests")
    p.add_argument(
        "--mine", action="store_true", help=T("hanya tugas saya", "only what waits on me")
    )
    p.add_argument("--overdue", action="store_true", help=T("hanya yang terlambat", "only overdue"))
    as_json(p)

    p = verb("log", cmd_log, "riwayat git satu permohonan", "git history of one request")
    p.add_argument("request", metavar="PERMOHONAN")
    as_json(p)

    verb("tui", cmd_tui, "buka layar", "open the screen")
    verb(
        "whoami",
        cmd_whoami,
        "siapa yang bertindak, dan dari mana pilihannya",
        "who is acting, and where that choice comes from",
    )

    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub, common, verb)
    return parser


def main(argv: Sequence[str] | None = None, *, light: bool = True) -> int:
    """`light=False`: the caller (`ktpel_tui.entry`) has tried `run_light` already."""
    argv = list(sys.argv[1:] if argv is None else argv)
    apply_lang(argv)
    if light and (code := run_light(argv)) is not None:
        return code

    def run() -> int:
        try:
            args = build_parser().parse_args(argv)
            if getattr(args, "func", None) is None:
                return cmd_tui(args)
            return int(args.func(args) or 0)
        except UsageError as exc:
            say(str(exc), file=sys.stderr, keep_newlines=True)
            return 2

    return guarded(run)


if __name__ == "__main__":
    sys.exit(main())
