"""Verbs for working between offices: `ktpel clone`, `ktpel sync`, `ktpel parked`, `ktpel hub ...`
(init, doctor, upgrade, login, and hook: the body the hub's pre-receive hook runs)."""

from __future__ import annotations

import argparse
import sys

from ledger import i18n

from .cli import UsageError, acting_person, open_ledger, out_json, say

T = i18n.pick


def _parked_json(p) -> dict:
    return {
        "ref": p.ref,
        "name": p.name,
        "request": p.request,
        "summary": p.summary,
        "reason": p.reason,
        "code": p.code,
        "author": p.author,
        "email": p.email,
        "at": p.at,
        "original": p.original,
    }


def _print_parked(items) -> None:
    for p in items:
        say(f"  {p.name}  {p.at:%Y-%m-%d %H:%M} {p.author}")
        say(f"    {p.summary}")
        say(f"    {T('Alasan', 'Reason')}: {p.reason}")


def cmd_clone(args: argparse.Namespace) -> int:
    from ledger import clonecheck
    from ledger.hub import clone
    from ledger.request import REQUEST_FILE_RE

    with clone(args.url, args.path, lean_clone=args.lean) as led:
        count = sum(1 for p in led.request_files(led.head()) if REQUEST_FILE_RE.match(p))
        say(
            T(
                f"Ledger disalin ke {led.root}: {count} permohonan. Sinkron berikutnya: ktpel --ledger {led.root} sync",
                f"Ledger cloned to {led.root}: {count} requests. Next sync: ktpel --ledger {led.root} sync",
            )
        )
        if clonecheck.running(led.git_dir):
            say(
                T(
                    "Riwayatnya sedang diperiksa di latar belakang; ledger sudah bisa dibuka, dan daftar lengkap, audit serta sinkron menunggu hasil pemeriksaan itu.",
                    "Its history is being checked in the background; the ledger can be opened now, and the full list, the audit and sync wait for that check.",
                )
            )
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from ledger.sync import sync

    with open_ledger(args) as led:
        progress = None if args.json else (lambda text: say(text, file=sys.stderr))
        result = sync(led, args.remote, progress=progress, use_cache=not args.no_cache)
    if args.json:
        out_json(
            {
                "pulled": result.pulled,
                "pushed": result.pushed,
                "head": result.head,
                "attempts": result.attempts,
                "renumbered": [{"from": a, "to": b} for a, b in result.renumbered],
                "parked": [_parked_json(p) for p in result.parked],
            }
        )
        return 0
    say(
        T(
            f"Sinkron selesai: diterima {result.pulled}, dikirim {result.pushed}, diparkir {len(result.parked)}.",
            f"Sync complete: pulled {result.pulled}, pushed {result.pushed}, parked {len(result.parked)}.",
        )
    )
    for old, new in result.renumbered:
        say(
            T(
                f"  Permohonan {old} sudah dipakai kantor lain; permohonan Anda kini bernomor {new}.",
                f"  Request {old} was taken by another office; yours is now {new}.",
            )
        )
    if result.parked:
        say(
            T(
                "Operasi yang tidak lagi dapat diterapkan (tidak hilang; ulangi atau buang dengan 'ktpel parked'):",
                "Operations that no longer apply (not lost; redo or discard them with 'ktpel parked'):",
            )
        )
        _print_parked(result.parked)
    return 0


def cmd_parked(args: argparse.Namespace) -> int:
    from ledger.sync import drop_parked, parked, retry_parked

    if args.action != "list" and not args.name:
        raise UsageError(
            T(
                f"'ktpel parked {args.action}' memerlukan REF (lihat 'ktpel parked').",
                f"'ktpel parked {args.action}' needs a REF (see 'ktpel parked').",
            )
        )
    with open_ledger(args) as led:
        if args.action == "drop":
            item = drop_parked(led, args.name)
            say(T(f"Dibuang: {item.summary}", f"Discarded: {item.summary}"))
            return 0
        if args.action == "retry":
            item, sha = retry_parked(led, args.name)
            if sha is None:
                say(
                    T(
                        f"Masih tidak dapat diterapkan: {item.reason}",
                        f"Still does not apply: {item.reason}",
                    )
                )
                return 1
            say(
                T(
                    f"Diterapkan: {item.summary} (commit {sha[:12]}); kirim dengan 'ktpel sync'.",
                    f"Applied: {item.summary} (commit {sha[:12]}); send it with 'ktpel sync'.",
                )
            )
            return 0
        items = parked(led)
        if args.mine:
            person = led.policy().person(acting_person(args, led, led.policy()))
            items = [p for p in items if p.email.lower() == person.email.lower()]
    if args.json:
        out_json([_parked_json(p) for p in items])
        return 0
    if not items:
        say(T("Tidak ada operasi yang diparkir.", "No parked operations."))
        return 0
    _print_parked(items)
    return 0


def cmd_hub_init(args: argparse.Namespace) -> int:
    from ledger.hub import init_hub

    root = init_hub(args.path, args.ktpel)
    say(
        T(
            f"Hub dibuat di {root}. Kirim ledger pertama: git -C LEDGER remote add origin {root} && ktpel --ledger LEDGER sync",
            f"Hub created at {root}. Send the first ledger: git -C LEDGER remote add origin {root} && ktpel --ledger LEDGER sync",
        )
    )
    return 0


def cmd_hub_doctor(args: argparse.Namespace) -> int:
    from ledger.hub import doctor

    checks = doctor(args.path)
    if args.json:
        out_json([{"ok": c.ok, "message": c.text} for c in checks])
    else:
        for c in checks:
            say(f"{'ok  ' if c.ok else T('SALAH', 'FAIL')} {c.text}")
    bad = sum(not c.ok for c in checks)
    if not args.json:
        say(
            T(
                f"Hub siap: {args.path}."
                if not bad
                else f"{bad} masalah; perbaiki dengan 'ktpel hub upgrade {args.path}' (docs/HUB.md).",
                f"Hub ready: {args.path}."
                if not bad
                else f"{bad} problem(s); fix with 'ktpel hub upgrade {args.path}' (docs/HUB.md).",
            )
        )
    return 1 if bad else 0


def cmd_hub_upgrade(args: argparse.Namespace) -> int:
    from ledger.hub import doctor, upgrade

    path = upgrade(args.path, args.ktpel)
    say(T(f"Hook ditulis ulang: {path}.", f"Hook rewritten: {path}."))
    bad = [c for c in doctor(args.path) if not c.ok]
    for c in bad:
        say(f"{T('SALAH', 'FAIL')} {c.text}")
    return 1 if bad else 0


def cmd_hub_login(args: argparse.Namespace) -> int:
    from ledger.hub import logins, set_login

    if args.login and (args.allow or args.remove):
        set_login(args.path, args.login, [] if args.remove else args.allow)
    mapping = logins(args.path)
    if args.login and args.allow and not args.json:  # the line just set, not the whole list
        mapping = {args.login: mapping[args.login]}
    if args.json:
        out_json({login: list(allow) for login, allow in mapping.items()})
        return 0
    if args.login and not (args.allow or args.remove):
        if args.login not in mapping:
            say(T(f"Login {args.login} tidak terdaftar.", f"Login {args.login} is not registered."))
            return 1
        mapping = {args.login: mapping[args.login]}
    if not mapping:
        say(
            T(
                "Pemetaan login mati: setiap login boleh mengirim commit yang lolos audit.",
                "Login mapping is off: any login may push commits that pass the audit.",
            )
        )
    for login, allow in sorted(mapping.items()):
        say(f"{login}: {', '.join(allow)}")
    return 0


def cmd_hub_hook(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    if args.probe:  # the hook asks: can this ktpel check pushes at all?
        import ledger.audit  # noqa: F401
        import ledger.hook  # noqa: F401

        return 0
    from ledger.hub import pre_receive

    git_dir = Path(os.environ.get("GIT_DIR", ".")).resolve()
    return pre_receive(git_dir, sys.stdin.read().splitlines(), dict(os.environ))


def register(sub, common, verb) -> None:
    p = verb(
        "clone",
        cmd_clone,
        "salin ledger dari hub, siap dipakai",
        "clone the ledger from the hub, ready to use",
    )
    p.add_argument("url", metavar="URL")
    p.add_argument("path", nargs="?", metavar="PATH")
    p.add_argument(
        "--lean",
        action="store_true",
        help=T(
            "tanpa berkas bukti (scan); diambil saat dibuka",
            "without evidence files; fetched when opened",
        ),
    )

    p = verb(
        "sync",
        cmd_sync,
        "sinkron dengan hub: terima, terapkan ulang, kirim",
        "sync with the hub: pull, re-apply, push",
    )
    p.add_argument(
        "--remote",
        default="origin",
        metavar="NAMA",
        help=T("nama remote git (bawaan: origin)", "git remote name (default: origin)"),
    )
    p.add_argument("--json", action="store_true", help=T("keluaran JSON", "JSON output"))
    p.add_argument(
        "--no-cache",
        action="store_true",
        help=T(
            "periksa riwayat hub dari awal, tanpa ingatan audit di .git/ktpel/",
            "check the hub's history from scratch, without the audit's memory in .git/ktpel/",
        ),
    )

    p = verb(
        "parked",
        cmd_parked,
        "operasi yang diparkir saat sinkron: lihat, ulangi (retry), buang (drop)",
        "operations parked at sync: list, retry, drop",
    )
    p.add_argument("action", nargs="?", choices=("list", "drop", "retry"), default="list")
    p.add_argument("name", nargs="?", metavar="REF")
    p.add_argument(
        "--mine",
        action="store_true",
        help=T("hanya operasi saya (--as)", "only my operations (--as)"),
    )
    p.add_argument("--json", action="store_true", help=T("keluaran JSON", "JSON output"))

    p = verb(
        "hub",
        lambda a: _usage(p),
        "hub bersama (repositori bare)",
        "the shared hub (a bare repository)",
    )
    hub_sub = p.add_subparsers(dest="hub_verb", metavar=T("PERINTAH", "VERB"), parser_class=type(p))
    ktpel_help = T(
        "program ktpel yang dijalankan hook (bawaan: ktpel ini); lihat docs/HUB.md",
        "the ktpel program the hook runs (default: this ktpel); see docs/HUB.md",
    )
    h = hub_sub.add_parser("init", parents=[common], help=T("buat hub baru", "create a new hub"))
    h.add_argument("path", metavar="PATH")
    h.add_argument("--ktpel", metavar="PROGRAM", help=ktpel_help)
    h.set_defaults(func=cmd_hub_init)
    h = hub_sub.add_parser(
        "doctor",
        parents=[common],
        help=T("periksa hub dan hook-nya", "check the hub and its hook"),
    )
    h.add_argument("path", metavar="PATH")
    h.add_argument("--json", action="store_true", help=T("keluaran JSON", "JSON output"))
    h.set_defaults(func=cmd_hub_doctor)
    h = hub_sub.add_parser(
        "upgrade",
        parents=[common],
        help=T("tulis ulang hook hub untuk ktpel ini", "rewrite the hub's hook for this ktpel"),
    )
    h.add_argument("path", metavar="PATH")
    h.add_argument("--ktpel", metavar="PROGRAM", help=ktpel_help)
    h.set_defaults(func=cmd_hub_upgrade)
    h = hub_sub.add_parser(
        "login",
        parents=[common],
        help=T(
            "login pengirim -> kantor/orang yang boleh dikirimnya",
            "pushing login -> the offices/people it may push for",
        ),
    )
    h.add_argument("path", metavar="PATH")
    h.add_argument("login", nargs="?", metavar="LOGIN")
    h.add_argument(
        "allow",
        nargs="*",
        metavar=T("KANTOR/ORANG", "OFFICE/PERSON"),
        help=T(
            "kode kantor (ledger.toml) atau id orang (people.toml); * untuk semua",
            "office code (ledger.toml) or person id (people.toml); * for all",
        ),
    )
    h.add_argument("--remove", action="store_true", help=T("hapus login ini", "remove this login"))
    h.add_argument("--json", action="store_true", help=T("keluaran JSON", "JSON output"))
    h.set_defaults(func=cmd_hub_login)
    h = hub_sub.add_parser(
        "hook",
        parents=[common],
        help=T(
            "pemeriksaan pre-receive (dijalankan oleh hook hub)",
            "the pre-receive check (run by the hub's hook)",
        ),
    )
    h.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    h.set_defaults(func=cmd_hub_hook)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2
