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


# --- the check in a process of its own (a large hub: ledger.clonecheck) ---------------------------


def _wait_done(led: Ledger, limit: float = 120.0) -> None:
    import time

    from ledger import clonecheck

    deadline = time.monotonic() + limit
    while clonecheck.running(led.git_dir):
        assert time.monotonic() < deadline, "the clone's check did not finish"
        time.sleep(0.1)


def test_a_clone_checked_in_the_background_ends_with_the_same_cache_and_audit(
    demo_path, plain_hub, tmp_path
):
    from ledger import clonecheck
    from ledger.audit import audit

    hub = plain_hub(demo_path)
    now = clone(str(hub), tmp_path / "now", check_in_background=False)
    later = clone(str(hub), tmp_path / "later", check_in_background=True)
    try:
        # The clone returned with its check still to do (or running): the lock says which.
        # A list that needs every file waits for the check instead of parsing beside it.
        listed = later.list_requests(progress=lambda done, total: None)
        assert not clonecheck.running(later.git_dir)
        assert [(r.id, r.step, r.status) for r in listed] == [
            (r.id, r.step, r.status) for r in now.list_requests()
        ]
        assert rows(later) == rows(now) == cold_rows(later)
        # The check left the audit's cache: the audit starts from it and says the same.
        cache = later.git_dir / "ktpel" / "audit.json"
        assert cache.exists()
        ours, theirs = audit(later), audit(now)
        assert ours.checked == 0  # nothing left to walk: the background check did it
        assert [f.code for f in ours.findings] == [f.code for f in theirs.findings]
    finally:
        now.close()
        later.close()


def test_a_killed_background_check_leaves_nothing_waiting(demo_path, plain_hub, tmp_path):
    import fcntl
    import os

    from ledger import clonecheck

    hub = plain_hub(demo_path)
    led = clone(str(hub), tmp_path / "office", check_in_background=False)
    try:
        # A check that holds the lock, then dies (power cut): whoever waits goes on at once.
        path = led.git_dir / "ktpel" / clonecheck.LOCK_FILE
        holder = subprocess.Popen(
            [
                "python3",
                "-c",
                "import fcntl, os, sys, time\n"
                f"fd = os.open({str(path)!r}, os.O_RDWR | os.O_CREAT)\n"
                "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(60)\n",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert holder.stdout.readline().strip() == "held"
        assert clonecheck.running(led.git_dir)
        holder.kill()
        holder.wait()
        assert not clonecheck.running(led.git_dir)
        fd = os.open(path, os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free
        os.close(fd)
        assert led.list_requests()
    finally:
        led.close()


def test_ktpel_clone_of_a_large_history_returns_before_its_check(demo_path, plain_hub, tmp_path):
    """The command: the history's size decides (`clonecheck.CHECK_NOW_UP_TO`), and the user is
    told the check runs behind."""
    import os
    import sys

    hub = plain_hub(demo_path)
    env = {**os.environ, "KTPEL_CLONE_CHECK_NOW_UP_TO": "10"}
    out = subprocess.run(
        [sys.executable, "-m", "ktpel_tui.cli", "clone", str(hub), str(tmp_path / "office")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "permohonan. Sinkron berikutnya" in out.stdout
    with Ledger.open(tmp_path / "office") as led:
        _wait_done(led)
        assert (led.git_dir / "ktpel" / "audit.json").exists()
        assert rows(led)[0]  # the check filled the listing cache
