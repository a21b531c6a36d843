"""Issue 11: files attached at record, checked by the audit and the hub, carried by sync.

Real files written to tmp folders, the real CLI (`--attach KIND=PATH`), real commits and hubs
(bare repositories with the ktpel hook; a real `git daemon` for the lean clone).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from test_lean import _missing_all
from test_lean import daemon as lean_daemon  # noqa: F401  (the real git daemon fixture)
from test_sync import hub, offices  # noqa: F401  (a hub holding the demo, opened clones)

from ktpel_tui.cli import main
from ledger import clock, evidence, kernel
from ledger.audit import audit_git_dir
from ledger.hub import init_hub
from ledger.request import Event
from ledger.rules import LedgerError
from ledger.sop import parse_sop
from ledger.store import Ledger
from ledger.sync import sync

PDF = evidence.tiny_pdf("Surat 470/12/DP3ACSKB/2026 disetujui (pindaian)")
JPEG = evidence.tiny_jpeg("FOTO KONSEP")
REQUEST = "2026-0005"  # at step 3 (kabid: rudi) in the demo; step 4 is the pelaksana's (dedi)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def files(tmp_path: Path) -> tuple[Path, Path]:
    pdf, jpeg = tmp_path / "surat disetujui.pdf", tmp_path / "foto.jpg"
    pdf.write_bytes(PDF)
    jpeg.write_bytes(JPEG)
    return pdf, jpeg


def path_of(data: bytes, media: str) -> str:
    return evidence.evidence_path(hashlib.sha256(data).hexdigest(), media)


PDF_PATH, JPEG_PATH = path_of(PDF, "application/pdf"), path_of(JPEG, "image/jpeg")


def run(capsys, ledger: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--ledger", str(ledger), *args])
    out, err = capsys.readouterr()
    return code, out, err


def errors(repo: Path, use_cache: bool = False) -> list[str]:
    report = audit_git_dir(repo / ".git" if (repo / ".git").exists() else repo, use_cache=use_cache)
    return [f.code for f in report.findings if f.severity == "error"]


def attach_step3(capsys, ledger: Path, tmp_path: Path) -> None:
    pdf, jpeg = files(tmp_path)
    code, _out, err = run(
        capsys,
        ledger,
        "--as",
        "rudi",
        "advance",
        REQUEST,
        "--attach",
        f"surat-scan={pdf}",
        "--attach",
        f"foto={jpeg}",
    )
    assert code == 0, err


# --- attach at record ----------------------------------------------------------------------------


def test_attached_files_go_into_the_steps_commit_at_their_hash_and_are_stored_once(
    demo_path: Path, tmp_path: Path, capsys
) -> None:
    attach_step3(capsys, demo_path, tmp_path)
    request_file = f"requests/2026/{REQUEST}.toml"
    changed = set(git(demo_path, "show", "--name-only", "--format=", "HEAD").splitlines())
    assert changed == {request_file, PDF_PATH, JPEG_PATH}
    stored = subprocess.run(
        ["git", "-C", str(demo_path), "show", f"HEAD:{PDF_PATH}"], capture_output=True, check=True
    ).stdout
    assert stored == PDF
    text = (demo_path / request_file).read_text()
    assert "format = 2\n" in text and 'name = "surat disetujui.pdf"' in text
    assert "format = 1\n" in (demo_path / "requests/2026/2026-0002.toml").read_text()
    assert git(demo_path, "status", "--porcelain") == ""
    assert errors(demo_path) == []

    # The same scan attached to the next step: named again, stored once (only the request file).
    pdf = tmp_path / "salinan.pdf"
    pdf.write_bytes(PDF)
    code, _out, err = run(
        capsys, demo_path, "--as", "dedi", "advance", REQUEST, "--attach", f"surat-scan={pdf}"
    )
    assert code == 0, err
    assert git(demo_path, "show", "--name-only", "--format=", "HEAD") == request_file
    assert errors(demo_path) == []

    code, out, _err = run(capsys, demo_path, "evidence", REQUEST, "--json")
    rows = json.loads(out)["attachments"]
    assert [(r["step"], r["kind"], r["status"]) for r in rows] == [
        (3, "surat-scan", "present"),
        (3, "foto", "present"),
        (4, "surat-scan", "present"),
    ]
    assert rows[0]["sha256"] == hashlib.sha256(PDF).hexdigest() and rows[0]["size"] == len(PDF)
    code, out, _err = run(capsys, demo_path, "evidence", REQUEST)
    assert code == 0 and "surat disetujui.pdf" in out and "foto.jpg" in out


def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as fh:
        fh.write(b"%PDF-1.4\n")
        fh.truncate(size)
    return path


@pytest.mark.parametrize(
    ("make", "kind", "code", "words"),
    [
        (lambda d: _sparse(d / "besar.pdf", 26 * 1024 * 1024), "surat-scan", "evidence-too-large", "25 MB"),
        (lambda d: (d / "surat.docx").write_bytes(b"PK\x03\x04" + b"x" * 200) and d / "surat.docx", "surat-scan", "evidence-type", "docx"),
        (lambda d: (d / "kosong.pdf").write_bytes(b"") or d / "kosong.pdf", "surat-scan", "evidence-empty", "kosong.pdf"),
        (lambda d: d / "tidak-ada.pdf", "surat-scan", "evidence-unreadable", "tidak-ada.pdf"),
        (lambda d: (d / "a.pdf").write_bytes(PDF) and d / "a.pdf", "ktp-scan", "evidence-kind", "ktp-scan"),
    ],
    ids=["oversize", "wrong-type", "empty", "missing", "unknown-kind"],
)  # fmt: skip
def test_a_file_that_cannot_be_attached_is_refused_in_a_sentence_with_head_unchanged(
    demo_path: Path, tmp_path: Path, capsys, make, kind, code, words
) -> None:
    before = git(demo_path, "rev-parse", "HEAD")
    stored = sorted((demo_path / "evidence").rglob("*"))  # the demo's own two files
    path = make(tmp_path)
    result, out, err = run(
        capsys, demo_path, "--as", "rudi", "advance", REQUEST, "--attach", f"{kind}={path}"
    )
    assert result != 0
    assert f"[{code}]" in err and words in err and "Traceback" not in err + out
    assert git(demo_path, "rev-parse", "HEAD") == before
    assert git(demo_path, "status", "--porcelain") == ""
    assert sorted((demo_path / "evidence").rglob("*")) == stored


def test_attach_without_kind_is_a_usage_sentence(demo_path: Path, tmp_path: Path, capsys) -> None:
    before = git(demo_path, "rev-parse", "HEAD")
    pdf, _ = files(tmp_path)
    result, _out, err = run(
        capsys, demo_path, "--as", "rudi", "advance", REQUEST, "--attach", str(pdf)
    )
    assert result != 0 and "JENIS=BERKAS" in err and "Traceback" not in err
    assert git(demo_path, "rev-parse", "HEAD") == before


# --- what the SOP declares -----------------------------------------------------------------------


def _sop_with_evidence(led: Ledger, extra: str):
    """The demo's SOP with step 3 declaring its evidence (the same id: a test-only policy)."""
    sop_id = led.policy().sop.id  # the revision the demo's requests are on
    text = (Path(__file__).parents[1] / f"ledger/sops/{sop_id}.toml").read_text()
    marker = "no = 3\n"
    assert text.count(marker) == 1
    sop = parse_sop(text.replace(marker, marker + extra))
    policy = led.policy()
    return replace(policy, sop=sop, sops={**policy.sops, sop.id: sop})


def test_the_sop_says_which_kinds_a_step_takes_and_which_is_required(demo) -> None:
    policy = _sop_with_evidence(
        demo, 'evidence = ["surat-scan"]\nevidence_required = ["advance:surat-scan"]\n'
    )
    snapshot = replace(demo.snapshot(), policy=policy)
    scan = evidence.attachment_for(PDF, "s.pdf", "surat-scan")
    photo = evidence.attachment_for(JPEG, "f.jpg", "foto")
    event = Event("advance", 3, clock.now(), "rudi", "kabid", {})

    def codes(ev: Event, data: dict[str, bytes]) -> list[str]:
        try:
            kernel.apply(snapshot, kernel.RequestOp(REQUEST, ev, data))
        except LedgerError as exc:
            return [v.code for v in exc.violations]
        return []

    assert codes(event, {}) == ["evidence-required"]
    with_photo = replace(event, attachments=(scan, photo))
    assert codes(with_photo, {scan.sha256: PDF, photo.sha256: JPEG}) == ["evidence-kind-step"]
    outcome = kernel.apply(
        snapshot, kernel.RequestOp(REQUEST, replace(event, attachments=(scan,)), {scan.sha256: PDF})
    )
    assert outcome.files[scan.path] == PDF
    assert kernel.allowed_paths(kernel.RequestOp(REQUEST, with_photo)) == {
        f"requests/2026/{REQUEST}.toml",
        scan.path,
        photo.path,
    }
    # A return never needs the scan.
    back = Event("return", 3, clock.now(), "rudi", "kabid", {}, note="perbaiki")
    assert codes(back, {}) == []
    with pytest.raises(LedgerError) as err:
        _sop_with_evidence(
            demo, 'evidence = ["foto"]\nevidence_required = ["advance:surat-scan"]\n'
        )
    assert err.value.code == "sop-invalid"


# --- the audit -----------------------------------------------------------------------------------


def _plain_commit(repo: Path, message: str) -> None:
    git(repo, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "-a", "-m", message)


@pytest.mark.parametrize("tamper", ["edit", "delete", "swap", "add-unnamed"])
def test_a_later_commit_that_edits_deletes_or_swaps_an_evidence_file_is_a_finding(
    demo_path: Path, tmp_path: Path, capsys, tamper
) -> None:
    attach_step3(capsys, demo_path, tmp_path)
    pdf, jpeg = demo_path / PDF_PATH, demo_path / JPEG_PATH
    if tamper == "edit":
        pdf.write_bytes(PDF.replace(b"disetujui", b"DITOLAK!!"))
    elif tamper == "delete":
        git(demo_path, "rm", "-q", PDF_PATH)
    elif tamper == "swap":
        pdf.write_bytes(JPEG)
        jpeg.write_bytes(PDF)
    else:  # a file no event names, slipped in beside the others
        extra = evidence.tiny_pdf("pindaian lain")
        target = demo_path / path_of(extra, "application/pdf")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(extra)
        git(demo_path, "add", str(target))
    _plain_commit(demo_path, "ganti pindaian")
    found = errors(demo_path)
    want = {"delete": "evidence-deleted", "add-unnamed": "evidence-unnamed"}.get(
        tamper, "evidence-changed"
    )
    assert want in found
    assert found.count(want) == (2 if tamper == "swap" else 1)


def test_an_event_naming_a_file_that_is_not_in_its_commit_is_a_finding(demo) -> None:
    scan = evidence.attachment_for(PDF, "s.pdf", "surat-scan")
    event = Event("advance", 3, clock.now(), "rudi", "kabid", {}, attachments=(scan,))
    head = demo.head()
    # Recording without the bytes is refused; HEAD stays.
    with pytest.raises(LedgerError) as err:
        demo.record(REQUEST, event, evidence={})
    assert err.value.code == "evidence-missing" and demo.head() == head
    # A commit made by hand: the event's request file without the scan it names.
    outcome = kernel.apply(demo.snapshot(), kernel.RequestOp(REQUEST, event, {scan.sha256: PDF}))
    written = {p: d for p, d in outcome.files.items() if not evidence.is_evidence_path(p)}
    author = demo.policy().person("rudi")
    sha = demo.write_commit(written, outcome.message, author, event.at, parent=head)
    git(demo.root, "update-ref", "HEAD", sha)
    assert "evidence-missing" in errors(demo.root)


# --- the hub and sync ----------------------------------------------------------------------------


def test_sync_carries_attachments_to_another_clone_and_the_hub_refuses_a_swap(
    hub: Path,  # noqa: F811
    offices,  # noqa: F811
    tmp_path: Path,
    capsys,
) -> None:
    a, b = offices(str(hub), "a"), offices(str(hub), "b")
    attach_step3(capsys, a.root, tmp_path)
    assert sync(a).pushed == 1
    assert sync(b).pulled == 1
    assert (b.root / PDF_PATH).read_bytes() == PDF
    assert (b.root / JPEG_PATH).read_bytes() == JPEG

    # Both move; b's step (with its own photo) is re-applied on top of a's and pushed.
    other = tmp_path / "foto-b.jpg"
    other.write_bytes(evidence.tiny_jpeg("FOTO KANTOR B"))
    code, _out, err = run(
        capsys,
        a.root,
        "--as",
        "dedi",
        "advance",
        REQUEST,
        "--attach",
        f"surat-scan={tmp_path / 'surat disetujui.pdf'}",
    )
    assert code == 0, err
    sync(a)
    code, _out, err = run(
        capsys, b.root, "--as", "hendra", "advance", "2026-0003", "--attach", f"foto={other}"
    )
    assert code == 0, err
    result = sync(b)
    assert (result.pulled, result.pushed, result.parked) == (1, 1, [])
    photo_path = path_of(other.read_bytes(), "image/jpeg")
    assert photo_path in git(hub, "show", "--name-only", "--format=", "main")
    assert errors(hub) == []
    sync(a)
    assert (a.root / photo_path).read_bytes() == other.read_bytes()
    assert errors(a.root) == []

    # A swapped scan pushed with plain git: the hub's hook refuses it, main stays.
    before = git(hub, "rev-parse", "main")
    (a.root / PDF_PATH).write_bytes(PDF + b"%% diganti\n")
    _plain_commit(a.root, "ganti pindaian")
    proc = subprocess.run(
        ["git", "-C", str(a.root), "push", "origin", "HEAD:main"], capture_output=True, text=True
    )
    assert proc.returncode != 0 and "evidence-changed" in proc.stderr
    assert git(hub, "rev-parse", "main") == before


def test_a_lean_clone_lists_attachments_as_not_fetched_and_its_audit_fetches_nothing(
    demo_path: Path,
    lean_daemon,  # noqa: F811
    tmp_path: Path,
    capsys,
) -> None:
    base, url = lean_daemon
    attach_step3(capsys, demo_path, tmp_path)
    hub_path = init_hub(base / "hub.git")
    git(hub_path, "fetch", "-q", str(demo_path), "main:main")
    target = tmp_path / "kantor"
    assert main(["clone", "--lean", f"{url}/hub.git", str(target)]) == 0
    missing = _missing_all(target)
    assert len(missing) == 2 + 2 and not (target / "evidence").exists()  # ours and the demo's

    code, out, _err = run(capsys, target, "evidence", REQUEST, "--json")
    assert [r["status"] for r in json.loads(out)["attachments"]] == ["not-fetched"] * 2

    report = audit_git_dir(target / ".git", use_cache=False)
    assert [f.code for f in report.findings if f.severity == "error"] == []
    unchecked = {f.params["path"] for f in report.findings if f.code == "evidence-not-fetched"}
    assert len(unchecked) == 4 and {PDF_PATH, JPEG_PATH} <= unchecked
    assert _missing_all(target) == missing  # the audit fetched nothing

    out_file = tmp_path / "bast.pdf"
    sha = hashlib.sha256(PDF).hexdigest()
    code, _out, err = run(capsys, target, "evidence", "get", sha[:12], "-o", str(out_file))
    assert code == 0, err
    assert out_file.read_bytes() == PDF
    code, out, _err = run(capsys, target, "evidence", REQUEST, "--json")
    statuses = {r["kind"]: r["status"] for r in json.loads(out)["attachments"]}
    assert statuses == {"surat-scan": "present", "foto": "not-fetched"}
    # Once fetched, the file is checked: only the photo is left unchecked.
    report = audit_git_dir(target / ".git", use_cache=False)
    unchecked = {f.params["path"] for f in report.findings if f.code == "evidence-not-fetched"}
    assert len(unchecked) == 3 and PDF_PATH not in unchecked and JPEG_PATH in unchecked
    assert os.listdir(target / "requests")  # the requests themselves were all there


def test_the_request_files_format_says_whether_it_has_attachments(demo) -> None:
    from ledger.requestfile import loads

    path = "requests/2026/2026-0001.toml"
    text = (demo.root / path).read_text()
    assert text.count("format = 2\n") == 1  # the demo's first handover attaches two files
    assert len(loads(text, path, demo.policy()).events[21].attachments) == 2
    with pytest.raises(LedgerError) as err:
        loads(text.replace("format = 2\n", "format = 1\n", 1), path, demo.policy())
    assert err.value.code == "file-state-mismatch"
    plain = "requests/2026/2026-0002.toml"
    with pytest.raises(LedgerError) as err:
        loads(
            (demo.root / plain).read_text().replace("format = 1\n", "format = 2\n", 1),
            plain,
            demo.policy(),
        )
    assert err.value.code == "file-state-mismatch"
