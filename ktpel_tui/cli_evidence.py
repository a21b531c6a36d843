"""Verbs for evidence files (issue 11): `ktpel evidence get HASH [-o PATH]`.

Fetches the scan from the hub when this is a lean clone, and checks its SHA-256 against the
name it is stored under before writing it out.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

from ledger import i18n, lean
from ledger.evidence import EVIDENCE_DIR, parse_evidence_path

from .cli import UsageError, open_ledger

T = i18n.pick


def cmd_evidence(args: argparse.Namespace) -> int:
    if args.action != "get":
        raise UsageError(
            T("Pakai: ktpel evidence get HASH [-o PATH]", "Use: ktpel evidence get HASH [-o PATH]")
        )
    wanted = args.hash.strip().lower()
    if len(wanted) < 8 or any(c not in "0123456789abcdef" for c in wanted):
        raise UsageError(
            T(
                "HASH harus SHA-256 (paling sedikit 8 digit heksadesimal).",
                "HASH must be a SHA-256 (at least 8 hexadecimal digits).",
            )
        )
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


def register(sub, common, verb) -> None:
    p = verb(
        "evidence",
        cmd_evidence,
        "berkas bukti (scan): ambil satu, periksa SHA-256-nya",
        "evidence files (scans): fetch one, check its SHA-256",
    )
    p.add_argument("action", choices=["get"], metavar="get")
    p.add_argument("hash", metavar="HASH")
    p.add_argument("-o", "--output", metavar="PATH")
