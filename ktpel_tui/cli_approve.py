"""Verbs for the second admin's approval (issue 16): `ktpel approve ID`, `ktpel approve --list`,
`ktpel approve --withdraw ID`.

A policy change one admin may not make alone (a new admin account, their own key or role, no
admin left, signatures off) is committed by `people-add`/`keys add` as a proposal; another admin,
or the Kepala Dinas when the ledger has a single admin, approves it here (ledger/admin.py).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ledger import i18n
from ledger.textsafe import visible

from .cli import UsageError, acting_person, open_ledger, out_json, say

if TYPE_CHECKING:
    from ledger.admin import Proposed

T = i18n.pick


def report_proposed(result: Proposed) -> None:
    """What `people-add`/`keys add` say when the change became a proposal."""
    say(
        T(
            f"Perubahan ini memerlukan admin kedua: dicatat sebagai usulan {result.proposal_id}"
            f" (commit {result.sha[:12]}); belum berlaku. Admin lain (atau Kepala Dinas bila"
            f" admin hanya satu) menyetujuinya dengan: ktpel --as ORANG approve {result.proposal_id}",
            f"This change needs a second admin: recorded as proposal {result.proposal_id}"
            f" (commit {result.sha[:12]}); not in force yet. Another admin (or the Kepala Dinas"
            f" when there is a single admin) approves it with: ktpel --as PERSON approve"
            f" {result.proposal_id}",
        )
    )


def cmd_approve(args: argparse.Namespace) -> int:
    from ledger.admin import approve, pending, withdraw  # imported on use (and bootstrap)

    with open_ledger(args) as led:
        if args.list:
            waiting = pending(led)
            if args.json:
                out_json(
                    [
                        {"id": p.id, "by": p.by, "summary": p.summary, "files": sorted(p.files)}
                        for p in waiting
                    ]
                )
                return 0
            if not waiting:
                say(T("Tidak ada usulan yang menunggu.", "No pending proposals."))
            for p in waiting:
                files = ", ".join(sorted(p.files))
                say(f"{p.id}  {visible(p.by):<12} {visible(p.summary)}  [{files}]")
            return 0
        wanted = args.withdraw or args.proposal
        if not wanted:
            raise UsageError(
                T(
                    "Pakai: ktpel approve ID | --list | --withdraw ID",
                    "Use: ktpel approve ID | --list | --withdraw ID",
                )
            )
        person = acting_person(args, led, led.policy())
        if args.withdraw:
            sha = withdraw(led, person, args.withdraw)
            say(
                T(
                    f"Usulan ditarik (commit {sha[:12]}).",
                    f"Proposal withdrawn (commit {sha[:12]}).",
                )
            )
            return 0
        sha = approve(led, person, args.proposal)
    say(
        T(
            f"Usulan {args.proposal} disetujui dan berlaku (commit {sha[:12]}).",
            f"Proposal {args.proposal} approved and in force (commit {sha[:12]}).",
        )
    )
    return 0


def register(sub, common, verb) -> None:
    p = verb(
        "approve",
        cmd_approve,
        "setujui usulan kebijakan yang memerlukan admin kedua (atau lihat/tarik usulan)",
        "approve a policy proposal that needs a second admin (or list/withdraw proposals)",
    )
    p.add_argument("proposal", nargs="?", metavar="ID")
    p.add_argument(
        "--list", action="store_true", help=T("usulan yang menunggu", "pending proposals")
    )
    p.add_argument("--withdraw", metavar="ID", help=T("tarik usulan", "withdraw a proposal"))
    p.add_argument("--json", action="store_true", help=T("keluaran JSON", "JSON output"))
