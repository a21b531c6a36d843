"""Commit messages: an Indonesian summary line plus git trailers tools can parse.

[2026-0003] Langkah 9/19 Penomoran surat: 470/112/DP3ACSKB/2026

Ktpel-Request: 2026-0003
Ktpel-Step: 9
Ktpel-Action: advance
Ktpel-Role: kasubag-umum
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: `history` parses trailers without the policy modules
    from .policy import Policy
    from .request import Event, RequestState

TRAILER_KEYS = (
    "Ktpel-Request",
    "Ktpel-Step",
    "Ktpel-Action",
    "Ktpel-Role",
    "Ktpel-On-Behalf-Of",
    "Ktpel-Layout",
)
POLICY_ACTION = "policy"
# A format migration: ledger.toml's format and layout and every request file moved with them,
# nothing else (kernel.FormatOp; docs/FORMAT.md "Moving a ledger to another layout").
FORMAT_ACTION = "migrate-format"


def _clean(text: str) -> str:
    return " ".join(str(text).split())


def summary_line(state: RequestState, event: Event, policy: Policy) -> str:
    sop = policy.sop
    settings = policy.settings
    last = sop.last_step
    step = sop.step(event.step)
    data = event.data
    head = f"[{state.id}] "
    if event.action == "migrate":
        return head + f"Pindah ke SOP {data['sop']}"
    if event.action == "create":
        return (
            head
            + f"Permohonan baru: {settings.office_name(data['kabkota'])}, {data['blanks_requested']} keping"
        )
    if event.action == "permohonan":
        return (
            head
            + f"Surat permohonan {settings.office_name(data['kabkota'])}: {data['blanks_requested']} keping"
        )
    base = head + f"Langkah {step.no}/{last} {step.title}"
    if event.action == "return":
        return base + f": dikembalikan ke langkah {step.return_to}"
    if event.action == "handover":
        return (
            base
            + f": serah terima {settings.office_name(data['kabkota'])} {data['blanks']} keping (BAST {data['bast_number']})"
        )
    if event.action == "receipt":
        lost = int(data.get("blanks_damaged") or 0) + int(data.get("blanks_missing") or 0)
        return (
            base
            + f": diterima {settings.office_name(data['kabkota'])} {data['blanks_received']} keping"
            + (f", {lost} keping rusak/hilang" if lost else "")
        )
    if step.kind == "review":
        return base + ": disetujui"
    for f in step.fields:
        value = data.get(f.name)
        if f.type in ("text", "letter_number", "int") and value not in (None, ""):
            return base + f": {_clean(value)}"[:120]
    return base


def commit_message(state: RequestState, event: Event, policy: Policy) -> str:
    lines = [summary_line(state, event, policy), ""]
    if event.note:
        lines += [_clean(event.note), ""]
    if event.on_behalf is not None:
        lines += [
            f"Dicatat atas nama {_clean(event.on_behalf.of)}: {_clean(event.on_behalf.reason)} (bukti: {_clean(event.on_behalf.evidence)})",
            "",
        ]
    lines += [
        f"Ktpel-Request: {state.id}",
        f"Ktpel-Step: {event.step}",
        f"Ktpel-Action: {event.action}",
        f"Ktpel-Role: {event.role}",
    ]
    if event.on_behalf is not None:
        lines.append(f"Ktpel-On-Behalf-Of: {_clean(event.on_behalf.of)}")
    return "\n".join(lines) + "\n"


def parse_trailers(message: str) -> dict[str, str]:
    """The Ktpel-* trailers of a commit message (last paragraph), as a dict."""
    out: dict[str, str] = {}
    paragraphs = [p for p in message.strip().split("\n\n") if p.strip()]
    if not paragraphs:
        return out
    for line in paragraphs[-1].splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in TRAILER_KEYS:
            out[key.strip()] = value.strip()
    return out
