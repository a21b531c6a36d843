"""Lean clones over a real `git daemon` on 127.0.0.1: no evidence blobs downloaded, listed as not
fetched without fetching them, one fetched on demand, and later fetches stay lean."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

from ledger import evidence, hub, lean
from ledger.audit import audit_git_dir
from ledger.rules import LedgerError
from ledger.store import Ledger

SCANS = {  # what each office attached, by the kind the SOP step produces
    "surat-scan": evidence.tiny_pdf("Surat (Scanner) 470/12/DP3ACSKB/2026") + os.urandom(40_000),
    "airway-bill": evidence.tiny_jpeg("AWB 126-12345675") + os.urandom(30_000),
    "bast-signed": evidence.tiny_pdf("BAST/2026-0001/01/DP3ACSKB") + os.urandom(50_000),
}


def _git(repo: Path, *args: str, env: dict | None = None) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


def _commit_scans(repo: Path, scans: dict[str, bytes], message: str) -> list[evidence.Attachment]:
    """Add scans at their content addresses in one plain-git commit (as the kernel will)."""
    attachments = []
    for kind, data in scans.items():
        a = evidence.attachment_for(data, f"{kind}.bin", kind)
        target = repo / a.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        attachments.append(a)
    _git(repo, "add", "-A", "evidence")
    _git(
        repo,
        "-c",
        "user.name=Kasi",
        "-c",
        "user.email=kasi@example.go.id",
        "commit",
        "-qm",
        message,
    )
    return attachments


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def daemon(tmp_path: Path):
    """A real `git daemon` serving tmp_path/srv on a free 127.0.0.1 port; yields the base URL."""
    base = tmp_path / "srv"
    base.mkdir()
    port = _free_port()
    proc = subprocess.Popen(
        [
            "git",
            "daemon",
            "--reuseaddr",
            f"--base-path={base}",
            "--export-all",
            "--informative-errors",
            "--listen=127.0.0.1",
            f"--port={port}",
            str(base),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("git daemon did not start") from None
            time.sleep(0.05)
    yield base, f"git://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def served(demo_path: Path, daemon):
    """The demo ledger with scans attached, in a hub made by `ktpel hub init` + `prepare_hub`."""
    base, url = daemon
    scans = _commit_scans(demo_path, SCANS, "Lampiran pindaian")
    hub_path = hub.init_hub(base / "hub.git")
    lean.prepare_hub(hub_path)
    # Filled from the hub's side, so its pre-receive hook (which does not know evidence yet)
    # does not run; the hub's upload settings are exactly those a real hub gets.
    _git(hub_path, "fetch", "-q", str(demo_path), "main:main")
    return demo_path, hub_path, f"{url}/hub.git", scans


# The demo itself attaches two files (a signed BAST scan and a photo to 2026-0001's first handover).
DEMO_EVIDENCE = 2


def _demo_blobs(repo: Path) -> set[str]:
    """The demo's own evidence blobs (those before the scans these tests add)."""
    return {
        line.split()[2]
        for line in _git(repo, "ls-tree", "-r", "HEAD~1", "--", "evidence/").splitlines()
    }


def _missing_all(repo: Path) -> set[str]:
    out = _git(repo, "rev-list", "--objects", "--missing=print", "--all")
    return {line[1:] for line in out.splitlines() if line.startswith("?")}


def test_a_lean_clone_has_every_commit_and_request_but_no_evidence(served, tmp_path: Path) -> None:
    source, _hub, url, scans = served
    clone = lean.clone_lean(url, tmp_path / "kantor")
    assert clone.path == (tmp_path / "kantor").resolve() and clone.remote == "origin"
    assert lean.is_lean(clone.path) and not lean.is_lean(source)
    assert _git(clone.path, "rev-parse", "HEAD") == _git(source, "rev-parse", "HEAD")
    # Exactly the scans are missing: every request version, policy file and tree is here.
    assert _missing_all(clone.path) == {
        _git(source, "rev-parse", f"HEAD:{a.path}") for a in scans
    } | _demo_blobs(source)
    assert not (clone.path / "evidence").exists()
    assert (clone.path / "people.toml").is_file()
    assert sorted(p.name for p in (clone.path / "requests").rglob("*.toml")) == sorted(
        p.name for p in (source / "requests").rglob("*.toml")
    )
    # The core opens and lists it without asking the hub for a scan.
    led = Ledger.open(clone.path)
    try:
        assert len(led.list_requests()) == len(Ledger.open(source).list_requests())
    finally:
        led.close()
    # So does the audit: it reads request files only (the scans are foreign files to it today).
    audit_git_dir(clone.path / ".git", "HEAD")
    assert len(_missing_all(clone.path)) == len(scans) + DEMO_EVIDENCE


def test_presence_is_listed_without_fetching_and_one_scan_is_fetched(
    served, tmp_path: Path
) -> None:
    _source, _hub, url, scans = served
    path = lean.clone_lean(url, tmp_path / "kantor").path
    listed = lean.evidence_presence(path)
    ours = {a.path for a in scans}
    assert ours <= {b.path for b in listed} and len(listed) == len(scans) + DEMO_EVIDENCE
    assert not any(b.present for b in listed)
    assert len(_missing_all(path)) == len(scans) + DEMO_EVIDENCE  # listing fetched nothing

    bast = next(a for a in scans if a.kind == "bast-signed")
    blob = next(b.blob for b in listed if b.path == bast.path)
    data = lean.fetch_blob(path, blob)
    assert hashlib.sha256(data).hexdigest() == bast.sha256 and data == SCANS["bast-signed"]
    present = {b.path: b.present for b in lean.evidence_presence(path) if b.path in ours}
    assert present == {a.path: a.kind == "bast-signed" for a in scans}
    assert lean.fetch_blob(path, blob) == data  # already here: read, not fetched again


def test_the_evidence_check_of_a_lean_clone_says_what_it_could_not_check(
    served, tmp_path: Path
) -> None:
    _source, _hub, url, scans = served
    path = lean.clone_lean(url, tmp_path / "kantor").path
    bast = next(a for a in scans if a.kind == "bast-signed")
    lean.fetch_blob(path, _git(path, "rev-parse", f"HEAD:{bast.path}"))
    result = evidence.check_commit(
        lean.commit_changes(path, "HEAD"),
        scans,
        lean.stored_entry(path, "HEAD"),
        lean.blob_reader(path),
    )
    assert result.ok
    assert sorted(result.unchecked) == sorted(a.path for a in scans if a is not bast)
    assert sorted(result.allowed) == sorted(a.path for a in scans)
    assert len(_missing_all(path)) == len(scans) - 1 + DEMO_EVIDENCE  # the check fetched nothing


def test_later_fetches_stay_lean(served, tmp_path: Path) -> None:
    source, hub_path, url, _scans = served
    path = lean.clone_lean(url, tmp_path / "kantor").path
    photo = {"foto": evidence.tiny_jpeg("serah terima Kab. Bangka") + os.urandom(20_000)}
    (new,) = _commit_scans(source, photo, "Foto serah terima")
    _git(hub_path, "fetch", "-q", str(source), "main:main")
    _git(path, "fetch", "-q", "origin")
    # Moved forward the way ledger.sync moves a clone: read-tree honours the sparse patterns.
    old = _git(path, "rev-parse", "HEAD")
    _git(path, "update-index", "-q", "--refresh")
    _git(path, "read-tree", "-m", "-u", old, "origin/main")
    _git(path, "update-ref", "HEAD", "origin/main", old)
    assert _git(path, "status", "--porcelain") == ""
    missing = {b.path for b in lean.evidence_presence(path) if not b.present}
    assert new.path in missing and not (path / "evidence").exists()


def test_a_protocol_v0_client_fetches_a_scan_by_its_id(served, tmp_path: Path) -> None:
    """uploadpack.allowAnySHA1InWant: an old client (or proxy) speaking protocol v0 still works."""
    _source, _hub, url, scans = served
    path = lean.clone_lean(url, tmp_path / "kantor").path
    _git(path, "config", "protocol.version", "0")
    blob = _git(path, "rev-parse", f"HEAD:{scans[0].path}")
    assert hashlib.sha256(lean.fetch_blob(path, blob)).hexdigest() == scans[0].sha256


def test_a_hub_without_the_lean_settings_is_refused_and_nothing_is_left(
    demo_path: Path, daemon, tmp_path: Path
) -> None:
    base, url = daemon
    # Hubs made before `ktpel hub init` prepared lean clones: plain bare repositories.
    plain = base / "plain.git"  # no filter allowed
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(plain)], check=True)
    _git(plain, "fetch", "-q", str(demo_path), "main:main")
    half = base / "half.git"  # filters allowed, but no filter ref
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(half)], check=True)
    _git(half, "config", "uploadpack.allowFilter", "true")
    _git(half, "fetch", "-q", str(demo_path), "main:main")
    for name, reason in (("plain.git", "uploadpack.allowFilter"), ("half.git", "sparse blob")):
        target = tmp_path / f"kantor-{name}"
        with pytest.raises(LedgerError) as err:
            lean.clone_lean(f"{url}/{name}", target)
        assert err.value.code == "lean-not-supported"
        assert reason in err.value.message("en")
        assert not target.exists()


def test_a_clone_from_nowhere_or_into_a_full_folder_is_refused(daemon, tmp_path: Path) -> None:
    _base, url = daemon
    with pytest.raises(LedgerError) as err:
        lean.clone_lean(f"{url}/tidak-ada.git", tmp_path / "a")
    assert err.value.code == "clone-failed"
    assert not (tmp_path / "a").exists()
    full = tmp_path / "isi"
    full.mkdir()
    (full / "catatan.txt").write_text("x")
    with pytest.raises(LedgerError) as err:
        lean.clone_lean(f"{url}/hub.git", full)
    assert err.value.code == "ledger-exists"
    assert (full / "catatan.txt").read_text() == "x"


def test_fetching_a_blob_the_hub_does_not_have_is_a_sentence(served, tmp_path: Path) -> None:
    _source, _hub, url, _scans = served
    path = lean.clone_lean(url, tmp_path / "kantor").path
    with pytest.raises(LedgerError) as err:
        lean.fetch_blob(path, "1" * 40)
    assert err.value.code == "evidence-fetch-failed"
    assert err.value.message("id").startswith(f"Berkas bukti {'1' * 40} tidak dapat diunduh")
