"""Clone fills the listing cache from the audit's replay (issue 17): the rows it leaves are the
ones a cold list builds, broken (RUSAK) requests included, on a real hub over a path remote."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest
from test_audit import STEP1, _at, commit_raw, forge

from ledger.audit import audit_git_dir
from ledger.hub import clone
from ledger.request import Event, request_path
from ledger.store import Ledger


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout


def rows(led: Ledger) -> tuple[list, list]:
    db = sqlite3.connect(led.cache.path)
    try:
        req = db.execute("SELECT path, id, summary FROM req ORDER BY path").fetchall()
        letters = db.execute(
            "SELECT number, request, path FROM letters ORDER BY number, request, path"
        ).fetchall()
    finally:
        db.close()
    return req, letters


def cold_rows(led: Ledger) -> tuple[list, list]:
    led.cache.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{led.cache.path}{suffix}").unlink(missing_ok=True)
    led.list_requests()
    return rows(led)


@pytest.fixture
def plain_hub(tmp_path: Path):
    """A bare hub without the hook (it keeps what is pushed), and a push into it."""
    path = tmp_path / "hub.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(path)], check=True)

    def push(root: Path) -> Path:
        git(root, "push", "-q", str(path), "HEAD:refs/heads/main")
        return path

    return push


def test_clone_fills_the_listing_cache_as_a_cold_list_would(demo_path, plain_hub, tmp_path):
    hub = plain_hub(demo_path)
    led = clone(str(hub), tmp_path / "office")
    try:
        filled = rows(led)
        assert len(filled[0]) > 5 and filled[1]
        assert filled == cold_rows(led)
    finally:
        led.close()


def test_a_forged_or_broken_request_shows_broken_after_clone_as_in_a_cold_list(
    demo_path, plain_hub, tmp_path
):
    # An event the rules refuse (a step out of turn), then a file edited by hand.
    forge(demo_path, "2026-0006", Event("advance", 1, _at(), "maya", "kasi", STEP1), key=None)
    with Ledger.open(demo_path) as led:
        victim = led.list_requests()[0]
        person = led.policy().person("maya")
    rel = victim.path
    text = (demo_path / rel).read_text(encoding="utf-8")
    commit_raw(
        demo_path,
        {rel: text.replace('status = "', 'status = "x', 1)},
        "hand edit",
        person,
        None,
        _at(),
    )
    hub = plain_hub(demo_path)
    led = clone(str(hub), tmp_path / "office")
    try:
        filled = rows(led)
        broken = {path for path, _, summary in filled[0] if '"error"' in summary}
        assert rel in broken
        assert filled == cold_rows(led)
        shown = {s.path: s for s in led.list_requests()}
        assert shown[rel].broken
        assert shown[request_path("2026-0006")].broken == (request_path("2026-0006") in broken)
    finally:
        led.close()


def test_the_audit_vouches_only_for_states_a_cold_list_would_compute(demo_path, plain_hub):
    with Ledger.open(demo_path) as led:
        rel = led.list_requests()[0].path
        person = led.policy().person("maya")
    text = (demo_path / rel).read_text(encoding="utf-8")
    commit_raw(
        demo_path, {rel: text.replace('status = "', 'status = "x', 1)}, "x", person, None, _at()
    )
    states: dict = {}
    report = audit_git_dir(demo_path / ".git", "HEAD", use_cache=False, states=states)
    assert report.tip
    assert rel not in states  # the broken one is left to the reader
    head_blobs = dict(
        (line.split()[3], line.split()[2])
        for line in git(demo_path, "ls-tree", "-r", "HEAD", "requests").splitlines()
    )
    assert states and all(head_blobs[path] == blob for path, (blob, _) in states.items())
