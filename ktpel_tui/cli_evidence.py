"""Verbs for evidence files (issue 11): `ktpel evidence REQ`, `ktpel evidence get HASH [-o PATH]`,
and the `--attach KIND=PATH` option of the recording verbs (`read_attachments`).

`get` fetches the scan from the hub when this is a lean clone, and checks its SHA-256 against
the name it is stored under before writing it out. The listing never fetches anything.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import replace
from pathlib import Path

from ledger import i18n
from ledger.evidence import (
    EVIDENCE_DIR,
    Attachment,
    human_size,
    parse_evidence_path,
    read_attachment,
)
from ledger.policy import Policy
from ledger.request import REQUEST_ID_RE, Event
from ledger.rules import fail
from ledger.store import Ledger

from .cli import UsageError, open_ledger

T = i18n.pick


def _usage() -> str:
    return T(
        "Pakai: ktpel evidence PERMOHONAN [--json] atau ktpel evidence get HASH [-o PATH]",
        "Use: ktpel evidence REQUEST [--json] or ktpel evidence get HASH [-o PATH]",
    )


def read_attachments(
    led: Ledger, policy: Policy, request_id: str | None, event: Event, args: argparse.Namespace
) -> tuple[Event, dict[str, bytes]]:
    """The event with the `--attach KIND=PATH` files of `args`, and their bytes by SHA-256.

    Every file is read and checked (size, type, the kinds the step's SOP takes) before anything
    is written; the first refusal stops the command with the ledger unchanged.
    """
    specs = getattr(args, "attach", None) or []
    if not specs:
        return event, {}
    sop_id = led.read_request(request_id).sop_id if request_id else policy.sop.id
    step = policy.for_sop(sop_id).sop.step(event.step)
    attachments: list[Attachment] = []
    data: dict[str, bytes] = {}
    for spec in specs:
        kind, sep, path = spec.partition("=")
        if not sep or not kind.strip() or not path.strip():
            raise UsageError(
                T(
                    f"--attach '{spec}': tulis JENIS=BERKAS, mis. --attach bast-signed=scan.pdf "
                    f"(jenis langkah ini: {', '.join(step.evidence_kinds)}).",
                    f"--attach '{spec}': write KIND=FILE, e.g. --attach bast-signed=scan.pdf "
                    f"(this step's kinds: {', '.join(step.evidence_kinds)}).",
                )
            )
        attachment, content = read_attachment(path.strip(), kind.strip(), kinds=step.evidence_kinds)
        if attachment.sha256 in data:
            raise fail("evidence-duplicate", name=attachment.name)
        attachments.append(attachment)
        data[attachment.sha256] = content
    return replace(event, attachments=tuple(attachments)), data


def cmd_evidence(args: argparse.Namespace) -> int:
    if args.action != "get":
        if args.hash is not None or not REQUEST_ID_RE.match(args.action):
            raise UsageError(_usage())
        return _list(args)
    if args.hash is None:
        raise UsageError(_usage())
    wanted = args.hash.strip().lower()
    if len(wanted) < 8 or any(c not in "0123456789abcdef" for c in wanted):
        raise UsageError(
            T(
                "HASH harus SHA-256 (paling sedikit 8 digit heksadesimal).",
                "HASH must be a SHA-256 (at least 8 hexadecimal digits).",
            )
        )
    from ledger import lean  # with ledger.sync: only for the verbs that read evidence

    with open_ledger(args) as led:
        matches = []
        for item in lean.evidence_presence(led.root, "HEAD"):
            try:
                sha, _media = parse_evidence_path(item.path)
            except ValueError:
                continue
            if sha.startswith(wanted):
                matches.append((sha, item))
        if not matches:
            raise UsageError(
                T(
                    f"Tidak ada berkas bukti {wanted} di {EVIDENCE_DIR}.",
                    f"No evidence file {wanted} in {EVIDENCE_DIR}.",
                )
            )
        if len({sha for sha, _ in matches}) > 1:
            raise UsageError(
                T(
                    f"{wanted} cocok dengan lebih dari satu berkas; tulis lebih banyak digit.",
                    f"{wanted} matches more than one file; give more digits.",
                )
            )
        sha, item = matches[0]
        data = lean.fetch_blob(led.root, item.blob) if not item.present else None
        if data is None:
            data = lean.blob_reader(led.root)(item.blob) or b""
        if hashlib.sha256(data).hexdigest() != sha:
            raise UsageError(
                T(
                    f"Isi {item.path} tidak cocok dengan SHA-256-nya; tidak ditulis.",
                    f"The content of {item.path} does not match its SHA-256; not written.",
                )
            )
        out = Path(args.output) if args.output else Path.cwd() / Path(item.path).name
        tmp = out.with_name(out.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(out)  # never a half-written scan under the final name
    print(
        T(
            f"Ditulis: {out} ({len(data)} bita, SHA-256 cocok)",
            f"Written: {out} ({len(data)} bytes, SHA-256 matches)",
        )
    )
    return 0


def _list(args: argparse.Namespace) -> int:
    """`ktpel evidence REQ`: every file the request's events attach, and whether it is here."""
    from ledger import lean

    with open_ledger(args) as led:
        state = led.read_request(args.action)
        sop = led.policy().for_sop(state.sop_id).sop
        listed = lean.request_attachments(led.root, state.events)
    rows = [(item, item.attachment, item.status) for item in listed]
    if getattr(args, "json", False):
        out = [
            {
                "seq": item.seq,
                "step": item.step,
                "action": item.action,
                "kind": a.kind,
                "name": a.name,
                "media_type": a.media_type,
                "size": a.size,
                "sha256": a.sha256,
                "path": a.path,
                "status": status,
            }
            for item, a, status in rows
        ]
        print(json.dumps({"request": state.id, "attachments": out}, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(
            T(
                f"Permohonan {state.id} belum punya lampiran.",
                f"Request {state.id} has no attachments.",
            )
        )
        return 0
    shown = {
        "present": T("ada", "present"),
        "not-fetched": T("belum diunduh", "not fetched"),
        "missing": T("HILANG", "MISSING"),
    }
    print(T(f"Lampiran permohonan {state.id}:", f"Attachments of request {state.id}:"))
    for item, a, status in rows:
        title = sop.step(item.step).title if sop.has_step(item.step) else ""
        print(
            f"  {item.step:>2} {title[:28]:<28} {a.kind:<17} {human_size(a.size):>10}  "
            f"{a.sha256[:16]}  {shown[status]}"
        )
        print(f"     {a.name}")
    if any(status == "not-fetched" for _, _, status in rows):
        print(T("Ambil satu: ktpel evidence get HASH", "Fetch one: ktpel evidence get HASH"))
    return 0


def register(sub, common, verb) -> None:
    p = verb(
        "evidence",
        cmd_evidence,
        "berkas bukti (scan): daftar per permohonan, ambil satu dan periksa SHA-256-nya",
        "evidence files (scans): list a request's, fetch one and check its SHA-256",
    )
    p.add_argument("action", metavar="PERMOHONAN|get")
    p.add_argument("hash", nargs="?", metavar="HASH")
    p.add_argument("-o", "--output", metavar="PATH")
    p.add_argument("--json", action="store_true", help=T("keluaran JSON", "JSON output"))
