"""Verbs for the SOP's paper: `ktpel doc`, `ktpel doc verify`, `ktpel recap`.

`ktpel doc REQ KIND [--kabkota CODE] [-o PATH] [--pdf]` writes one document (KIND `semua`/`all`:
every document the request has data for, into a folder); `ktpel doc REQ --list` lists them;
`ktpel doc verify FILE` says whether a document still matches the ledger. Exit codes as in cli.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ledger import i18n
from ledger.rules import fail

from .cli import UsageError, open_ledger, out_json

T = i18n.pick
ALL = ("semua", "all")


def _target(output: str | None, filename: str) -> Path:
    """-o: a file name, or a folder (existing, or written with a trailing slash)."""
    if not output:
        return Path.cwd() / filename
    path = Path(output).expanduser()
    if path.is_dir() or output.endswith(("/", "\\")):
        return path / filename
    return path


def _print_written(doc, path: Path, pdf: Path | None, policy) -> None:
    print(T("Ditulis", "Written") + f": {path}")
    print(f"  {doc.about} · {T('permohonan', 'request')} {doc.request} · commit {doc.commit[:12]}")
    if pdf is not None:
        print(f"  PDF: {pdf}")


def cmd_doc(args: argparse.Namespace) -> int:
    if args.request == "verify":
        return cmd_doc_verify(args)
    from ledger.documents import available, write_document  # on use, as every doc verb

    template = Path(args.template).expanduser() if args.template else None
    with open_ledger(args) as led:
        policy = led.policy()
        state = led.read_request(args.request)
        docs = available(state, policy)
        if args.list or not args.kind:
            return _list(docs, policy, state, args.json)
        if args.kind in ALL:
            if template is not None:
                raise UsageError(
                    T(
                        "--template hanya untuk satu jenis dokumen.",
                        "--template is for one kind only.",
                    )
                )
            return _write_all(led, args, docs, policy)
        doc, path, pdf = write_document(
            led,
            args.request,
            args.kind,
            args.kabkota or "",
            lambda name: _target(args.output, name),
            pdf=args.pdf,
            template=template,
        )
        if args.json:
            out_json(_as_json(doc, path, pdf))
        else:
            _print_written(doc, path, pdf, policy)
    return 0


def _as_json(doc, path, pdf) -> dict:
    return {
        "request": doc.request,
        "kind": doc.kind,
        "key": doc.key,
        "step": doc.step,
        "number": doc.number,
        "commit": doc.commit,
        "path": str(path),
        "pdf": str(pdf) if pdf else None,
        "qr": doc.qr_payload,
    }


def _list(docs, policy, state, as_json: bool) -> int:
    if as_json:
        out_json(
            [
                {"kind": d.kind, "key": d.key, "step": d.step, "ready": d.ready, "title": d.label}
                for d in docs
            ]
        )
        return 0
    print(T(f"Dokumen permohonan {state.id}:", f"Documents of request {state.id}:"))
    for d in docs:
        mark = T("siap", "ready") if d.ready else T("belum", "not yet")
        where = f" --kabkota {d.key}" if d.key else ""
        wait = (
            ""
            if d.ready
            else T(
                f" (langkah {d.step} belum dicatat)",
                f" (step {d.step} not recorded yet)",
            )
        )
        name = f"{d.kind}{where}"
        print(f"  {mark:<8} {name:<40} {T('langkah', 'step')} {d.step:>2}  {d.label}{wait}")
    return 0


def _write_all(led, args, docs, policy) -> int:
    folder = Path(args.output or ".").expanduser()
    if folder.exists() and not folder.is_dir():
        raise fail("doc-output-exists", path=str(folder))
    from ledger.documents import write_documents

    results = write_documents(
        led,
        args.request,
        [(d.kind, d.key) for d in docs if d.ready],
        lambda name: folder / name,
        pdf=args.pdf,
    )
    if args.json:
        out_json([_as_json(*r) for r in results])
    else:
        for r in results:
            _print_written(*r, policy)
        skipped = [d for d in docs if not d.ready]
        for d in skipped:
            print(
                T(
                    f"Belum dapat dibuat: {d.label} (langkah {d.step} belum dicatat)",
                    f"Not yet possible: {d.label} (step {d.step} not recorded yet)",
                )
            )
    return 0


def cmd_doc_verify(args: argparse.Namespace) -> int:
    from ledger.documents.verify import verify

    if not args.kind:
        raise UsageError(
            T("Pemakaian: ktpel doc verify BERKAS.docx", "Usage: ktpel doc verify FILE.docx")
        )
    path = Path(args.kind).expanduser()
    try:
        data = path.read_bytes()
    except OSError:
        raise fail("doc-not-ktpel", path=str(path)) from None
    with open_ledger(args) as led:
        verdict = verify(led, data, str(path))
    if args.json:
        out_json(
            {
                "ok": verdict.ok,
                "request": verdict.request,
                "kind": verdict.kind,
                "key": verdict.key,
                "commit": verdict.commit,
                "in_history": verdict.in_history,
                "head": verdict.head,
                "differences": [
                    {"kind": d.kind, "label": d.label, "paper": d.paper, "ledger": d.ledger}
                    for d in verdict.differences
                ],
            }
        )
        return 0 if verdict.ok else 1
    what = f"{verdict.kind}{' ' + verdict.key if verdict.key else ''}"
    print(
        T(
            f"Dokumen {what} permohonan {verdict.request}, dibuat dari commit {verdict.commit[:12]}.",
            f"Document {what} of request {verdict.request}, made from commit {verdict.commit[:12]}.",
        )
    )
    if not verdict.in_history:
        print(
            T(
                f"TIDAK SESUAI: commit {verdict.commit[:12]} tidak ada dalam riwayat ledger ini.",
                f"DOES NOT MATCH: commit {verdict.commit[:12]} is not in this ledger's history.",
            )
        )
    for d in verdict.differences:
        if d.kind == "edited":
            print(
                T(
                    f"  Diubah di kertas: {d.label} seharusnya '{d.ledger}', tidak tertulis di dokumen.",
                    f"  Changed on paper: {d.label} should read '{d.ledger}', not found in the document.",
                )
            )
        else:
            print(
                T(
                    f"  Berubah di ledger sejak dicetak: {d.label}: di kertas '{d.paper}', sekarang '{d.ledger}'.",
                    f"  Changed in the ledger since printing: {d.label}: on paper '{d.paper}', now '{d.ledger}'.",
                )
            )
    if verdict.ok:
        print(
            T(
                f"SESUAI: isi dokumen sama dengan ledger sekarang (HEAD {verdict.head[:12]}).",
                f"MATCHES: the document's data equals the ledger now (HEAD {verdict.head[:12]}).",
            )
        )
        return 0
    if verdict.in_history:
        print(T("TIDAK SESUAI dengan ledger.", "DOES NOT MATCH the ledger."))
    return 1


def cmd_recap(args: argparse.Namespace) -> int:
    from ledger.documents.recap import build_recap
    from ledger.documents.render import write_atomic

    if args.month is not None and not 1 <= args.month <= 12:
        raise UsageError(T("--month harus 1 sampai 12.", "--month must be 1 to 12."))
    with open_ledger(args) as led:
        recap = build_recap(led, year=args.year, month=args.month)
    name = "rekap-ktpel"
    if args.year:
        name += f"-{args.year}"
        if args.month:
            name += f"-{args.month:02d}"
    target = _target(args.output, name + ".xlsx")
    if target.exists() and target.is_dir():
        raise fail("doc-output-exists", path=str(target))
    write_atomic(target, recap.data)
    print(T("Ditulis", "Written") + f": {target}")
    print(
        T(
            f"  {recap.requests} permohonan · commit {recap.commit[:12]}",
            f"  {recap.requests} requests · commit {recap.commit[:12]}",
        )
    )
    return 0


def register(sub, common, verb) -> None:
    p = verb(
        "doc",
        cmd_doc,
        "buat dokumen SOP (DOCX, PDF) dari data ledger; 'doc verify BERKAS' memeriksa dokumen",
        "make an SOP document (DOCX, PDF) from ledger data; 'doc verify FILE' checks one",
    )
    p.add_argument("request", metavar=T("PERMOHONAN", "REQUEST"))
    p.add_argument(
        "kind",
        nargs="?",
        metavar=T("JENIS", "KIND"),
        help=T(
            "jenis dokumen (lihat --list), atau 'semua'",
            "document kind (see --list), or 'all'",
        ),
    )
    p.add_argument("--list", action="store_true", help=T("daftar dokumen", "list the documents"))
    p.add_argument(
        "--kabkota",
        metavar=T("KODE", "CODE"),
        help=T(
            "langkah 19: serah terima yang mana (kode Kab/Kota, atau 19.01-2 untuk yang kedua)",
            "step 19: which handover (Kab/Kota code, or 19.01-2 for the second)",
        ),
    )
    p.add_argument("-o", "--output", metavar="PATH", help=T("berkas atau folder", "file or folder"))
    p.add_argument(
        "--pdf",
        action="store_true",
        help=T("juga PDF (perlu LibreOffice)", "also a PDF (needs LibreOffice)"),
    )
    p.add_argument(
        "--template",
        metavar=T("BERKAS", "FILE"),
        help=T("templat Word kantor untuk jenis ini", "the office's Word template for this kind"),
    )
    p.add_argument("--json", action="store_true", help=T("keluaran JSON", "JSON output"))

    p = verb(
        "recap",
        cmd_recap,
        "rekap Excel: per periode dan Kab/Kota, per langkah, per permohonan",
        "Excel recap: per period and Kab/Kota, per step, per request",
    )
    p.add_argument("--year", type=int, metavar=T("TAHUN", "YEAR"))
    p.add_argument("--month", type=int, metavar=T("BULAN", "MONTH"))
    p.add_argument("-o", "--output", metavar="PATH", help=T("berkas atau folder", "file or folder"))
