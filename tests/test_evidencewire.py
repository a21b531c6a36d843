"""Issue 11 wired in: `ktpel hub init` serves lean clones, `ktpel clone --lean` makes one.

Real git daemon on 127.0.0.1 (the fixtures of test_lean), real commits, the real CLI.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import test_lean
from test_lean import DEMO_EVIDENCE, SCANS, _commit_scans, _git, _missing_all

from ktpel_tui.cli import main
from ledger import hub, lean

daemon = test_lean.daemon  # the real git daemon fixture, shared


def _served_by_hub_init(demo_path: Path, base: Path) -> Path:
    """The demo with scans, pushed into a hub made only by `ktpel hub init` (no prepare_hub)."""
    _commit_scans(demo_path, SCANS, "Lampiran pindaian")
    assert main(["hub", "init", str(base / "hub.git")]) == 0
    hub_path = base / "hub.git"
    _git(hub_path, "fetch", "-q", str(demo_path), "main:main")
    return hub_path


def test_hub_init_makes_a_hub_that_serves_lean_clones(demo_path: Path, daemon, capsys) -> None:
    base, url = daemon
    hub_path = _served_by_hub_init(demo_path, base)
    assert _git(hub_path, "config", "uploadpack.allowFilter") == "true"
    assert _git(hub_path, "rev-parse", "--verify", "refs/ktpel/lean-filter")
    target = Path(base.parent / "kantor")
    assert main(["clone", "--lean", f"{url}/hub.git", str(target)]) == 0
    assert str(target.resolve()) in capsys.readouterr().out
    # Every commit is here, the scans are not; the ledger opens and lists its requests.
    assert _git(target, "rev-parse", "HEAD") == _git(demo_path, "rev-parse", "HEAD")
    assert lean.is_lean(target)
    assert len(_missing_all(target)) == len(SCANS) + DEMO_EVIDENCE
    assert not (target / "evidence").exists()
    assert _git(target, "config", "remote.origin.fetch") == (
        "refs/heads/main:refs/remotes/origin/main"
    )


def test_a_plain_clone_of_the_same_hub_holds_every_scan(demo_path: Path, daemon) -> None:
    base, url = daemon
    _served_by_hub_init(demo_path, base)
    led = hub.clone(f"{url}/hub.git", base.parent / "full")
    try:
        assert not lean.is_lean(led.root)
        assert _missing_all(led.root) == set()
        assert len(list((led.root / "evidence").rglob("*.*"))) == len(SCANS) + DEMO_EVIDENCE
    finally:
        led.close()


def test_clone_lean_from_a_hub_without_the_settings_is_a_sentence(
    demo_path: Path, daemon, capsys
) -> None:
    base, url = daemon
    bare = base / "old.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    _git(bare, "fetch", "-q", str(demo_path), "main:main")
    target = base.parent / "kantor2"
    code = main(["clone", "--lean", f"{url}/old.git", str(target)])
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err and err.strip()
    assert not target.exists() or not any(target.iterdir())


def test_evidence_get_fetches_a_scan_into_a_lean_clone_and_checks_it(
    demo_path: Path, daemon, tmp_path: Path, capsys
) -> None:
    base, url = daemon
    _served_by_hub_init(demo_path, base)
    target = base.parent / "kantor3"
    assert main(["clone", "--lean", f"{url}/hub.git", str(target)]) == 0
    wanted = evidence_for("bast-signed")
    out = tmp_path / "bast.pdf"
    capsys.readouterr()
    code = main(["--ledger", str(target), "evidence", "get", wanted.sha256[:12], "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    assert hashlib.sha256(out.read_bytes()).hexdigest() == wanted.sha256
    assert len(_missing_all(target)) == len(SCANS) - 1 + DEMO_EVIDENCE  # exactly that one
    code = main(["--ledger", str(target), "evidence", "get", "deadbeef00", "-o", str(out)])
    err = capsys.readouterr().err
    assert code != 0 and "deadbeef00" in err and "Traceback" not in err


def evidence_for(kind: str):
    from ledger import evidence

    return evidence.attachment_for(SCANS[kind], f"{kind}.bin", kind)
