"""Verbs for SOP revisions: `ktpel sop add FILE`, `ktpel sop use ID`, `ktpel migrate REQ --to ID`;
and for the ledger's format: `ktpel migrate-format --layout sharded`."""

from __future__ import annotations

import argparse
from pathlib import Path

from ledger import i18n
from ledger.paths import LAYOUTS, SHARDED
from ledger.rules import fail

from .cli import acting_person, open_ledger

T = i18n.pick


def cmd_sop_add(args: argparse.Namespace) -> int:
    from ledger.revisions import add_sop

    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise fail(
            "bad-input",
            reason=T(
                f"berkas {args.file} tidak dapat dibaca (tidak ada, atau bukan teks UTF-8)",
                f"the file {args.file} cannot be read (missing, or not UTF-8 text)",
            ),
        ) from None
    with open_ledger(args) as led:
        admin = acting_person(args, led, led.policy())
        sha = add_sop(led, admin, text)
        new = led.policy().settings.sops[-1]
    print(
        T(
            f"SOP {new} dicatat (commit {sha[:12]}). Permohonan baru memakainya sesudah 'ktpel sop use {new}'.",
            f"SOP {new} recorded (commit {sha[:12]}). New requests get it after 'ktpel sop use {new}'.",
        )
    )
    return 0


def cmd_sop_use(args: argparse.Namespace) -> int:
    from ledger.revisions import use_sop

    with open_ledger(args) as led:
        admin = acting_person(args, led, led.policy())
        sha = use_sop(led, admin, args.id)
    print(
        T(
            f"Permohonan baru memakai SOP {args.id} (commit {sha[:12]}); permohonan berjalan tetap pada SOP-nya sampai dipindahkan ('ktpel migrate').",
            f"New requests get SOP {args.id} (commit {sha[:12]}); requests in progress keep theirs until moved ('ktpel migrate').",
        )
    )
    return 0


def cmd_sop_list(args: argparse.Namespace) -> int:
    with open_ledger(args) as led:
        policy = led.policy()
    for sop_id in policy.settings.sops:
        mark = "*" if sop_id == policy.settings.sop else " "
        print(f"{mark} {sop_id}  {policy.sops[sop_id].name}")
    return 0


def _mapping(pairs: list[str]) -> dict[int, int] | None:
    if not pairs:
        return None
    out: dict[int, int] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip().isdigit() or not new.strip().isdigit():
            raise fail(
                "bad-input",
                reason=T(
                    f"--map harus LAMA=BARU (angka langkah), bukan '{pair}'",
                    f"--map must be OLD=NEW (step numbers), not '{pair}'",
                ),
            )
        out[int(old)] = int(new)
    return out


def cmd_migrate(args: argparse.Namespace) -> int:
    from ledger.revisions import migrate

    with open_ledger(args) as led:
        policy = led.policy()
        person = acting_person(args, led, policy)
        role = args.role or next(
            (r for r in ("admin", "kasi") if policy.person(person).holds(r)), "admin"
        )
        recorded = migrate(led, args.request, person, role, args.to, _mapping(args.map))
    print(
        T(
            f"Permohonan {args.request} kini memakai SOP {args.to}, di langkah {recorded.request.step} (commit {recorded.sha[:12]}).",
            f"Request {args.request} now follows SOP {args.to}, at step {recorded.request.step} (commit {recorded.sha[:12]}).",
        )
    )
    return 0


def cmd_migrate_format(args: argparse.Namespace) -> int:
    with open_ledger(args) as led:
        policy = led.policy()
        before = policy.settings.layout
        admin = acting_person(args, led, policy)
        sha, count = led.migrate_format(admin, args.layout)
    print(
        T(
            f"Ledger dipindah dari susunan {before} ke {args.layout}: {count} berkas permohonan, satu commit ({sha[:12]}). Kirim ke hub dengan 'ktpel sync'; tempat lain ikut pindah saat sinkron.",
            f"The ledger moved from the {before} to the {args.layout} layout: {count} request files, one commit ({sha[:12]}). Send it to the hub with 'ktpel sync'; other places follow when they sync.",
        )
    )
    return 0


def register(sub, common: argparse.ArgumentParser, verb) -> None:
    # `ktpel sop` (cli.py) shows the steps of the SOP in force; its verbs are added here.
    p = sub.choices["sop"]
    sop_sub = p.add_subparsers(dest="sop_verb", metavar=T("PERINTAH", "VERB"), parser_class=type(p))
    a = sop_sub.add_parser(
        "add",
        parents=[common],
        help=T("catat revisi SOP baru (admin)", "record a new SOP revision (admin)"),
    )
    a.add_argument("file", metavar="BERKAS")
    a.set_defaults(func=cmd_sop_add)
    u = sop_sub.add_parser(
        "use",
        parents=[common],
        help=T("SOP untuk permohonan baru (admin)", "the SOP new requests get (admin)"),
    )
    u.add_argument("id", metavar="ID")
    u.set_defaults(func=cmd_sop_use)
    ls = sop_sub.add_parser("list", parents=[common], help=T("daftar revisi", "list revisions"))
    ls.set_defaults(func=cmd_sop_list)

    m = verb(
        "migrate",
        cmd_migrate,
        "pindahkan permohonan ke revisi SOP lain (admin atau kasi)",
        "move a request onto another SOP revision (admin or kasi)",
    )
    m.add_argument("request", metavar="PERMOHONAN")
    m.add_argument("--to", required=True, metavar="ID")
    m.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="LAMA=BARU",
        help=T(
            "pemetaan langkah (bawaan: menurut judul langkah)",
            "step mapping (default: by step title)",
        ),
    )
    m.add_argument("--role", choices=("admin", "kasi"), default=None)

    f = verb(
        "migrate-format",
        cmd_migrate_format,
        "pindahkan semua berkas permohonan ke susunan lain dalam satu commit (admin)",
        "move every request file to another layout in one commit (admin)",
    )
    f.add_argument(
        "--layout",
        choices=LAYOUTS,
        default=SHARDED,
        help=T(
            "susunan tujuan (bawaan: sharded, requests/<tahun>/<NN>/)",
            "the layout to move to (default: sharded, requests/<year>/<NN>/)",
        ),
    )
