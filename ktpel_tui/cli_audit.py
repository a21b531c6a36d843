"""Verbs for signing and verifying: `ktpel keys ...`, `ktpel people-add`, `ktpel audit`.

Exit codes as in cli.py; `ktpel audit` exits 0 only when it found no error (warnings, such as
time running backwards, are shown but do not fail it unless --strict), 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys

from ledger import i18n
from ledger.policy import Person
from ledger.rules import LedgerError, fail
from ledger.textsafe import visible

from .cli import acting_person, open_ledger, out_json, say

T = i18n.pick


def cmd_keys_new(args: argparse.Namespace) -> int:
    from ledger import clock
    from ledger.keys import create_key, key_standing, set_aside
    from ledger.store import signing_key_path

    with open_ledger(args) as led:
        policy = led.policy()
        person_id = acting_person(args, led, policy)
    person = policy.person(person_id)
    path = signing_key_path(person_id)
    standing = key_standing(path, person)
    if args.replace and path.exists():
        aside = set_aside(path, clock.now().strftime("%Y%m%dT%H%M%S"))
        say(
            T(
                f"Kunci lama disimpan sebagai {aside} (tidak dihapus).",
                f"The old key was kept as {aside} (not deleted).",
            )
        )
        if standing == "active":
            say(
                T(
                    "Kunci lama masih aktif di people.toml: minta admin memensiunkannya ('ktpel keys retire') "
                    "sesudah kunci baru didaftarkan.",
                    "The old key is still active in people.toml: ask an admin to retire it ('ktpel keys retire') "
                    "once the new one is registered.",
                )
            )
    path, line, created = create_key(person_id)
    if created:
        say(T(f"Kunci baru dibuat: {path}", f"New key created: {path}"))
    elif standing == "active":
        say(
            T(
                f"Kunci sudah ada dan terdaftar aktif, dipakai lagi: {path}",
                f"The key already exists and is registered as active; reused: {path}",
            )
        )
    else:
        say(T(f"Kunci sudah ada, dipakai lagi: {path}", f"Key already exists, reused: {path}"))
        if standing == "retired":
            say(
                T(
                    "Kunci ini sudah dipensiunkan dan tidak dapat menandatangani lagi. Buat kunci baru dengan "
                    "'ktpel keys new --replace' (kunci lama disimpan, tidak dihapus).",
                    "This key is retired and can no longer sign. Make a new one with 'ktpel keys new --replace' "
                    "(the old key is kept, not deleted).",
                )
            )
            return 1
    if standing != "active" or created:
        say(
            T(
                "Kirim baris ini ke admin (kunci publik; kunci rahasia tetap di komputer ini):",
                "Send this line to an admin (the public key; the private key stays on this machine):",
            )
        )
        say(line)
        say(
            T(
                f"Admin mendaftarkannya dengan: ktpel --as ADMIN keys add {person_id} '{line}'",
                f"The admin registers it with: ktpel --as ADMIN keys add {person_id} '{line}'",
            )
        )
    else:
        say(line)
    return 0


def cmd_keys_add(args: argparse.Namespace) -> int:
    from ledger.admin import add_key

    with open_ledger(args) as led:
        admin = acting_person(args, led, led.policy())
        sha = add_key(led, admin, args.person, args.public, propose=True)
    if not isinstance(sha, str):  # it needs a second admin: a proposal (cli_approve)
        from .cli_approve import report_proposed

        report_proposed(sha)
        return 0
    say(
        T(
            f"Kunci {args.person} didaftarkan (commit {sha[:12]}).",
            f"Key of {args.person} registered (commit {sha[:12]}).",
        )
    )
    return 0


def cmd_keys_retire(args: argparse.Namespace) -> int:
    from ledger.admin import retire_key

    with open_ledger(args) as led:
        admin = acting_person(args, led, led.policy())
        sha = retire_key(led, admin, args.person, args.key)
    say(
        T(
            f"Kunci {args.person} dipensiunkan (commit {sha[:12]}).",
            f"Key of {args.person} retired (commit {sha[:12]}).",
        )
    )
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    with open_ledger(args) as led:
        policy = led.policy()
    rows = [
        {"person": p.id, "name": p.name, "public": k.public, "added": k.added, "retired": k.retired}
        for p in policy.people.values()
        for k in p.keys
    ]
    if args.json:
        out_json(rows)
        return 0
    for r in rows:
        status = (
            T(f"dipensiunkan {r['retired']}", f"retired {r['retired']}")
            if r["retired"]
            else T("aktif", "active")
        )
        say(f"{r['person']:<12} {status:<22} {r['public'][:60]}")
    return 0


def cmd_keys_allowed_signers(args: argparse.Namespace) -> int:
    from ledger.keys import allowed_signers

    with open_ledger(args) as led:
        text = allowed_signers(
            led.policy(
                led.git("rev-parse", "--verify", f"{args.rev}^{{commit}}").stdout.decode().strip()
            )
        )
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0


def cmd_people_add(args: argparse.Namespace) -> int:
    from ledger.admin import add_person
    from ledger.policy import Key

    with open_ledger(args) as led:
        admin = acting_person(args, led, led.policy())
        keys = (Key(args.key),) if args.key else ()
        person = Person(
            args.id,
            args.name,
            args.nip.replace(" ", ""),
            args.email,
            args.office,
            tuple(args.role),
            keys,
        )
        if not args.role:
            raise fail(
                "bad-input", reason=T("sebutkan sedikitnya satu --role", "give at least one --role")
            )
        sha = add_person(led, admin, person, propose=True)
    if not isinstance(sha, str):  # it needs a second admin: a proposal (cli_approve)
        from .cli_approve import report_proposed

        report_proposed(sha)
        return 0
    say(
        T(
            f"{args.name} ditambahkan (commit {sha[:12]}).",
            f"{args.name} added (commit {sha[:12]}).",
        )
    )
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from ledger.audit import audit, figures

    numbers_problem = None
    with open_ledger(args) as led:
        from ledger import clonecheck

        if not args.no_cache and not args.since and clonecheck.running(led.git_dir):
            say(
                T(
                    "Menunggu pemeriksaan riwayat salinan baru (berjalan di latar belakang)…",
                    "Waiting for the new clone's check (running in the background)…",
                ),
                file=sys.stderr,
            )
        report = audit(led, since=args.since, pins=args.pin, use_cache=not args.no_cache)
        try:
            numbers = None if args.csv else figures(led)
        except (
            LedgerError
        ) as exc:  # e.g. the policy at HEAD does not parse: the findings still stand
            numbers, numbers_problem = None, exc.message()
    failed = not report.ok or (args.strict and report.findings)
    if args.html:
        _write_html(args, report, numbers)
    if args.csv:
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(["severity", "code", "commit", "request", "message"])
        for f in report.findings:
            writer.writerow(
                [f.severity, f.code, f.commit or "", f.request or "", visible(f.message())]
            )
        return 1 if failed else 0
    if args.json:
        if numbers is None:
            out_json(
                {
                    "ok": not failed,
                    "head": report.tip,
                    "commits": report.commits,
                    "checked": report.checked,
                    "findings": [f.to_dict() for f in report.findings],
                    "figures_error": numbers_problem,
                }
            )
            return 1 if failed else 0
        out_json(
            {
                "ok": not failed,
                "head": report.tip,
                "commits": report.commits,
                "checked": report.checked,
                "findings": [f.to_dict() for f in report.findings],
                "requests": numbers.requests,
                "province_stock": numbers.province_stock,
                "on_behalf": numbers.on_behalf,
                "steps": [_fields(s) for s in numbers.steps],
                "overdue": [_fields(o) for o in numbers.overdue],
                "stock": [_fields(k) for k in numbers.stock],
                "request_steps": [_fields(d) for d in numbers.done],
                "transit_losses": [_fields(t) for t in numbers.losses],
            }
        )
        return 1 if failed else 0
    head = (report.tip or "-")[:12]
    if args.since:
        say(
            T(
                f"Audit ledger {led.root}: hanya {report.checked} commit sesudah {args.since} sampai {head}.",
                f"Audit of {led.root}: only the {report.checked} commits after {args.since} up to {head}.",
            )
        )
    else:
        say(
            T(
                f"Audit ledger {led.root}: {report.commits} commit sampai {head}.",
                f"Audit of {led.root}: {report.commits} commits up to {head}.",
            )
        )
        # How much came from the cache is about this run, not the ledger: the report itself
        # (stdout) reads the same however often the audit runs. With --no-cache nothing did.
        if not args.no_cache:
            print(
                T(
                    f"({report.checked} diperiksa sekarang, sisanya dari cache)",
                    f"({report.checked} checked now, the rest from the cache)",
                ),
                file=sys.stderr,
            )
    if not report.findings:
        say(
            T(
                "Tidak ada temuan: setiap langkah bertanda tangan sah, oleh pemegang perannya, sesuai urutan SOP, dan jumlahnya cocok.",
                "No findings: every step is validly signed, by a holder of its role, in SOP order, and the counts add up.",
            )
        )
    else:
        say(
            T(
                f"{len(report.errors)} temuan galat, {len(report.findings) - len(report.errors)} peringatan:",
                f"{len(report.errors)} errors, {len(report.findings) - len(report.errors)} warnings:",
            )
        )
        for f in report.findings:
            label = T("GALAT", "ERROR") if f.severity == "error" else T("PERINGATAN", "WARNING")
            where = " ".join(x for x in ((f.commit or "")[:12], f.request or "") if x)
            say(f"  {label} [{f.code}] {where}: {f.message()}")
    say()
    if numbers is None:
        say(
            T(
                f"Angka ringkasan tidak dapat dihitung: {numbers_problem}",
                f"The summary figures cannot be computed: {numbers_problem}",
            )
        )
        return 1 if failed else 0
    say(
        T(
            f"Permohonan: {numbers.requests} · dicatat atas nama pihak lain: {numbers.on_behalf} langkah · stok di provinsi: {numbers.province_stock} keping",
            f"Requests: {numbers.requests} · recorded on behalf: {numbers.on_behalf} steps · province stock: {numbers.province_stock} pieces",
        )
    )
    say(
        T(
            "Waktu per langkah (menit nyata rata-rata / maks / standar, terlambat):",
            "Time per step (actual minutes mean / max / standard, late):",
        )
    )
    for s in numbers.steps:
        say(
            f"  {s.step:>2} {s.title[:34]:<34} {s.count:>5}×  {s.mean_minutes:>8.0f} / {s.max_minutes:>6} / {s.standard_minutes:>5}  {s.late}"
        )
    if numbers.overdue:
        say(T("Langkah terlambat sekarang:", "Overdue now:"))
        for o in numbers.overdue:
            say(
                f"  {o.request} {T('langkah', 'step')} {o.step} {o.title[:34]}: {o.waited_minutes} / {o.standard_minutes} {T('menit', 'minutes')}"
            )
    say(
        T(
            "Stok per Kab/Kota (diminta, porsi, diserahkan, dikonfirmasi, sisa stok menurut surat terakhir):",
            "Stock per Kab/Kota (requested, share, handed over, confirmed, stock left per latest letter):",
        )
    )
    for k in numbers.stock:
        left = "-" if k.stock_left is None else k.stock_left
        lost = T(f"  hilang di jalan {k.lost}", f"  lost in transit {k.lost}") if k.lost else ""
        say(
            f"  {k.code} {k.name:<22} {k.requested:>7} {k.share:>7} {k.handed_over:>7} {k.confirmed:>7} {left:>7}{lost}"
        )
    if numbers.losses:  # recorded discrepancies at step 19 (issue 12): shown, never an error
        say(
            T(
                "Selisih tercatat di serah terima (rusak/hilang dalam perjalanan):",
                "Recorded discrepancies at handover (damaged/missing in transit):",
            )
        )
        for t in numbers.losses:
            say(
                f"  {t.request} {t.name} BAST {t.bast}: "
                + T(
                    f"rusak {t.damaged}, hilang {t.missing} keping",
                    f"damaged {t.damaged}, missing {t.missing} pieces",
                )
                + (f" — {t.note}" if t.note else "")
            )
    return 1 if failed else 0


def _write_html(args: argparse.Namespace, report, numbers) -> None:
    """`--html DIR`: the inspector's static site (ledger/documents/site.py), then the usual output."""
    from pathlib import Path

    from ledger.documents.site import write_site

    with open_ledger(args) as led:
        site = write_site(led, report, numbers, Path(args.html).expanduser())
    print(
        T(f"Laporan HTML ditulis: {site.index}", f"HTML report written: {site.index}"),
        file=sys.stderr if (args.json or args.csv) else sys.stdout,
    )


def _fields(record) -> dict:
    return {name: getattr(record, name) for name in record.__slots__}


def register(sub, common, verb) -> None:
    p = verb(
        "keys", cmd_keys_list, "kunci tanda tangan SSH orang-orang", "people's SSH signing keys"
    )
    p.add_argument("--json", action="store_true", help=T("keluaran JSON", "JSON output"))
    keys = p.add_subparsers(dest="keys_verb", metavar=T("PERINTAH", "VERB"), parser_class=type(p))

    def kverb(name, func, hid, hen):
        q = keys.add_parser(name, parents=[common], help=T(hid, hen), description=T(hid, hen))
        q.set_defaults(func=func)
        return q

    q = kverb(
        "new",
        cmd_keys_new,
        "buat kunci saya (di folder konfigurasi saya, bukan di ledger)",
        "create my key (in my config folder, never in the ledger)",
    )
    q.add_argument(
        "--replace",
        action="store_true",
        help=T(
            "buat kunci baru walau sudah ada (yang lama disimpan, tidak dihapus)",
            "make a new key even if one exists (the old one is kept, not deleted)",
        ),
    )
    q = kverb(
        "add",
        cmd_keys_add,
        "admin: daftarkan kunci publik seseorang",
        "admin: register someone's public key",
    )
    q.add_argument("person", metavar="ORANG")
    q.add_argument("public", metavar="KUNCI_PUBLIK")
    q = kverb(
        "retire",
        cmd_keys_retire,
        "admin: pensiunkan kunci seseorang",
        "admin: retire someone's key",
    )
    q.add_argument("person", metavar="ORANG")
    q.add_argument("key", metavar="KUNCI")
    q = kverb(
        "allowed-signers",
        cmd_keys_allowed_signers,
        "berkas allowed-signers untuk 'git log --show-signature'",
        "an allowed-signers file for 'git log --show-signature'",
    )
    q.add_argument(
        "--rev",
        default="HEAD",
        help=T("daftar kunci pada commit ini", "the key list at this commit"),
    )
    q.add_argument("-o", "--output", metavar="BERKAS")

    p = verb(
        "people-add",
        cmd_people_add,
        "admin: tambah orang ke people.toml",
        "admin: add a person to people.toml",
    )
    p.add_argument("id", metavar="ID")
    p.add_argument("--name", required=True)
    p.add_argument("--nip", required=True)
    p.add_argument("--email", required=True)
    p.add_argument("--office", required=True)
    p.add_argument("--role", action="append", default=[])
    p.add_argument(
        "--key",
        help=T(
            "kunci publik (dibuat orang itu dengan 'ktpel keys new')",
            "public key (made by that person with 'ktpel keys new')",
        ),
    )

    p = verb(
        "audit",
        cmd_audit,
        "periksa seluruh riwayat ledger (tanda tangan, peran, urutan, jumlah)",
        "verify the whole ledger history (signatures, roles, order, counts)",
    )
    p.add_argument("--json", action="store_true", help=T("keluaran JSON", "JSON output"))
    p.add_argument("--csv", action="store_true", help=T("temuan sebagai CSV", "findings as CSV"))
    p.add_argument(
        "--html",
        metavar="DIR",
        help=T(
            "juga tulis laporan untuk peramban ke folder DIR (index.html)",
            "also write a report for a browser into the folder DIR (index.html)",
        ),
    )
    p.add_argument(
        "--since",
        metavar="REV",
        help=T("periksa hanya commit sesudah REV", "check only commits after REV"),
    )
    p.add_argument(
        "--pin",
        action="append",
        default=[],
        metavar="SHA",
        help=T(
            "titik periksa sebelumnya yang harus masih ada dalam riwayat (boleh berulang)",
            "an earlier checkpoint that must still be in history (repeatable)",
        ),
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help=T(
            "periksa ulang semua commit, abaikan cache", "recheck every commit, ignore the cache"
        ),
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help=T("peringatan juga membuat gagal", "warnings fail too"),
    )
