"""A step stages its files in a split index in-process (ledger/gitindex.py), and git agrees.

Real git only: after ktpel's in-process updates, git's own view of the index (`ls-files -s
--debug`: blob, stat data, flags) is what `git update-index` gives for the same files; status,
`diff-index --cached`, `fsck`, `write-tree` and a re-split read it; a lock held by another process
and an index this module does not fully understand leave the work to `git update-index`.
"""

from __future__ import annotations

import hashlib
import os
import random
import struct
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import FIXED_NOW, head_of
from test_store import OPERATIONS, ktpel

from ledger import gitindex
from ledger.gitindex import ewah_decode, ewah_encode
from ledger.request import Event
from ledger.rules import LedgerError
from ledger.store import Ledger


def git(root: Path, *args: str, input: bytes | None = None, env: dict | None = None) -> str:
    return subprocess.run(
        ["git", *args],
        cwd=root,
        capture_output=True,
        check=True,
        input=input,
        env={**os.environ, **(env or {})},
    ).stdout.decode()


def debug(root: Path) -> str:
    return git(root, "ls-files", "-s", "--debug")


def _age(root: Path, seconds: int = 3600) -> None:
    """Every tracked file an hour old and the index refreshed: no racily clean entries."""
    past = time.time() - seconds
    for rel in git(root, "ls-files", "-z").split("\0"):
        if rel:
            os.utime(root / rel, (past, past))
    git(root, "update-index", "-q", "--refresh")


def _split(root: Path) -> None:
    git(root, "config", "core.splitIndex", "true")
    git(root, "update-index", "--split-index")
    assert list((root / ".git").glob("sharedindex.*"))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A plain git repository of 300 request-like files, committed, its index split."""
    root = tmp_path / "repo"
    (root / "requests" / "2026").mkdir(parents=True)
    git(root, "init", "-q")
    for i in range(1, 301):
        (root / "requests" / "2026" / f"2026-{i:04d}.toml").write_text(f"id = {i}\n")
    (root / "ledger.toml").write_text("name = 'x'\n")
    git(root, "add", ".")
    git(root, "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-qm", "start")
    _age(root)
    _split(root)
    return root


def _stage(root: Path, files: dict[str, bytes | None]) -> bool:
    for rel, data in files.items():
        if data is None:
            (root / rel).unlink()
        else:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
            git(root, "hash-object", "-w", "--", rel)  # the blob, as a step's commit stores it
    return gitindex.update(root / ".git", root, files, table_dir=root / ".git")


def _true_tree(root: Path) -> str:
    """The tree of the index's entries, computed by git from scratch (no cache tree)."""
    scratch = root / ".git" / "scratch-index"
    scratch.unlink(missing_ok=True)
    env = {"GIT_INDEX_FILE": str(scratch)}
    git(root, "update-index", "--index-info", input=git(root, "ls-files", "-s").encode(), env=env)
    tree = git(root, "write-tree", env=env).strip()
    scratch.unlink()
    return tree


CHANGES = [
    {"requests/2026/2026-0005.toml": b"id = 5\nstep = 2\n"},  # a shared entry: replaced
    {"requests/2026/2026-0005.toml": b"id = 5\nstep = 3\n"},  # replaced again
    {"requests/2026/2026-0301.toml": b"id = 301\n"},  # a new path: added
    {"requests/2026/2026-0301.toml": b"id = 301\nstep = 2\n"},  # the added entry again
    {"requests/2026/2026-0100.toml": None},  # a shared entry removed
    {"requests/2026/2026-0100.toml": b"id = 100\nback = true\n"},  # and back (added)
    {"requests/2026/2026-0301.toml": None},  # an added entry removed
    {"ledger.toml": b"name = 'y'\n", "requests/2026/2026-0300.toml": b"last\n"},  # both ends
    {"requests/2027/2027-0001.toml": b"id = 1\n"},  # a new folder
    {"requests/2026/2026-0005.toml": None},  # a replaced entry removed
    {"aaa.toml": b"first\n"},  # before every shared entry
]


def test_in_process_updates_give_what_git_update_index_gives(repo):
    tree_before = git(repo, "write-tree").strip()
    assert b"TREE" in (repo / ".git" / "index").read_bytes()  # a valid cache tree to invalidate
    for files in CHANGES:
        assert _stage(repo, files), files
        mine = debug(repo)
        # The cache tree was invalidated where it had to be: git's write-tree (which trusts it)
        # gives the tree of the entries.
        assert git(repo, "write-tree").strip() == _true_tree(repo)
        git(repo, "update-index", "--add", "--remove", "--", *files)
        assert debug(repo) == mine, files
    assert git(repo, "write-tree").strip() != tree_before
    assert "sharedindex" not in git(repo, "status", "--porcelain")
    git(repo, "fsck", "--no-progress")
    entries = git(repo, "ls-files", "-s")
    git(repo, "update-index", "--split-index")  # git re-splits what ktpel wrote
    assert git(repo, "ls-files", "-s") == entries
    assert git(repo, "diff-files", "--name-only") == ""


def test_many_steps_in_a_row_without_git_between(repo):
    """Steps back to back, each reading the index the previous one wrote (racily clean entries
    of the same second included); git reads the result as it would have written it."""
    rng = random.Random(17)
    expected: dict[str, bytes | None] = {}
    for k in range(60):
        rel = f"requests/2026/2026-{rng.randint(1, 330):04d}.toml"
        if rng.random() < 0.15 and (repo / rel).exists():
            files: dict[str, bytes | None] = {rel: None}
        else:
            files = {rel: f"step {k}\n".encode()}
        assert _stage(repo, files)
        expected.update(files)
    mine = debug(repo)
    present = [rel for rel, data in expected.items() if data is not None]
    for rel, data in expected.items():
        line = git(repo, "ls-files", "-s", "--", rel)
        if data is None:
            assert line == ""
        else:
            blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
            assert line.split()[1] == blob
    assert git(repo, "diff-files", "--name-only") == ""  # every stat matches its file
    git(repo, "update-index", "--add", "--remove", "--", *expected)
    assert debug(repo) == mine
    assert present


def test_a_racily_clean_entry_is_smudged_as_git_does(repo):
    """A file changed in the second its entry and the index were written, same size and mtime:
    once ktpel writes the index later, the entry must not look clean (git smudges its size)."""
    rel = "requests/2026/2026-0007.toml"
    (repo / rel).write_bytes(b"aaaa\n")
    then = time.time_ns() - 5_000_000_000
    os.utime(repo / rel, ns=(then, then))
    git(repo, "update-index", "--", rel)
    (repo / rel).write_bytes(b"bbbb\n")
    os.utime(repo / rel, ns=(then, then))
    os.utime(repo / ".git" / "index", ns=(then, then))  # the index written in the same instant
    assert _stage(repo, {"requests/2026/2026-0008.toml": b"other\n"})
    assert git(repo, "diff-files", "--name-only").split() == [rel]  # git sees the change


def test_a_step_in_a_split_ledger_stages_in_process(demo_path, monkeypatch):
    _age(demo_path)
    _split(demo_path)
    calls = []
    real = gitindex.update
    monkeypatch.setattr(
        gitindex, "update", lambda *a, **k: calls.append(real(*a, **k)) or calls[-1]
    )
    with Ledger.open(demo_path) as led:
        led.record("2026-0003", Event("advance", 8, FIXED_NOW, "hendra", "kadis", {}))
        at = FIXED_NOW + timedelta(minutes=1)
        letter = {"letter_number": "400.12.3.2/1300/DP3ACSKB/2026", "letter_date": at.date()}
        led.record("2026-0003", Event("advance", 9, at, "agus", "kasubag-umum", letter))
    assert calls == [True, True]
    assert list((demo_path / ".git" / "ktpel").glob("sharedindex.*.pos"))
    assert git(demo_path, "status", "--porcelain", "--untracked-files=all") == ""
    assert git(demo_path, "diff-index", "--cached", "HEAD") == ""
    git(demo_path, "fsck", "--no-progress")
    mine = debug(demo_path)
    git(demo_path, "update-index", "--add", "--", "requests/2026/2026-0003.toml")
    assert debug(demo_path) == mine
    git(demo_path, "update-index", "--split-index")
    assert git(demo_path, "status", "--porcelain", "--untracked-files=all") == ""


def test_an_index_lock_held_by_git_refuses_the_step_as_before(demo_path):
    """git holds `.git/index.lock` while it writes the index: the step fails as it did with
    `git update-index` (a clear sentence), HEAD does not move and the index is not corrupted."""
    _age(demo_path)
    _split(demo_path)
    head = head_of(demo_path)
    before = git(demo_path, "ls-files", "-s")
    (demo_path / ".git" / "index.lock").write_bytes(b"")
    with Ledger.open(demo_path) as led, pytest.raises(LedgerError) as refused:
        led.record("2026-0003", Event("advance", 8, FIXED_NOW, "hendra", "kadis", {}))
    assert refused.value.code == "git-failed"  # git's own refusal, as before
    assert head_of(demo_path) == head
    assert git(demo_path, "ls-files", "-s") == before  # the file put back, and its entry
    assert git(demo_path, "status", "--porcelain", "--untracked-files=all") == ""


def _rewrite_index(root: Path, edit) -> bytes:
    index = root / ".git" / "index"
    body = edit(index.read_bytes()[:-20])
    data = body + hashlib.sha1(body).digest()
    index.write_bytes(data)
    return data


@pytest.mark.parametrize(
    "oddity",
    [
        "bad checksum",
        "unknown required extension",
        "version 4",
        "not split",
        "GIT_INDEX_FILE",
        "filter attribute",
        "carriage return",
        "unmerged entry",
    ],
)
def test_an_odd_index_is_left_to_git(repo, oddity, monkeypatch):
    index = repo / ".git" / "index"
    rel, data = "requests/2026/2026-0009.toml", b"changed\n"
    if oddity == "bad checksum":
        raw = bytearray(index.read_bytes())
        raw[-1] ^= 0xFF
        index.write_bytes(bytes(raw))
    elif oddity == "unknown required extension":
        _rewrite_index(repo, lambda body: body + b"zzzz" + struct.pack(">I", 3) + b"abc")
    elif oddity == "version 4":
        git(repo, "update-index", "--index-version", "4")
    elif oddity == "not split":
        git(repo, "update-index", "--no-split-index")
    elif oddity == "GIT_INDEX_FILE":
        monkeypatch.setenv("GIT_INDEX_FILE", str(index))
    elif oddity == "filter attribute":
        (repo / ".gitattributes").write_text("*.toml filter=lfs\n")
    elif oddity == "carriage return":
        data = b"changed\r\n"
    elif oddity == "unmerged entry":
        blob = git(repo, "hash-object", "-w", "--stdin", input=b"x\n").strip()
        git(
            repo, "update-index", "--index-info", input=f"100644 {blob} 1\tconflict.toml\n".encode()
        )
    before = index.read_bytes()
    (repo / rel).write_bytes(data)
    assert gitindex.update(repo / ".git", repo, {rel: data}, table_dir=repo / ".git") is False
    assert index.read_bytes() == before
    assert not (repo / ".git" / "index.lock").exists()


def test_a_version_4_split_ledger_still_steps(demo_path):
    _split(demo_path)
    git(demo_path, "update-index", "--index-version", "4")
    with Ledger.open(demo_path) as led:
        led.record("2026-0003", Event("advance", 8, FIXED_NOW, "hendra", "kadis", {}))
    assert git(demo_path, "status", "--porcelain", "--untracked-files=all") == ""


def test_removing_a_run_of_shared_entries(repo):
    """130 neighbours deleted: the delete bitmap holds whole words of ones (EWAH runs)."""
    files: dict[str, bytes | None] = {
        f"requests/2026/2026-{i:04d}.toml": None for i in range(20, 150)
    }
    assert _stage(repo, files)
    mine = debug(repo)
    assert "2026-0020.toml" not in mine and "2026-0019.toml" in mine and "2026-0150" in mine
    git(repo, "update-index", "--add", "--remove", "--", *files)
    assert debug(repo) == mine


def test_ewah_round_trip():
    rng = random.Random(3)
    cases = [set(), {0}, {63}, {64}, set(range(0, 64)), set(range(5, 400)), {10**6}]
    cases += [{rng.randrange(5000) for _ in range(rng.randrange(1, 300))} for _ in range(50)]
    for bits in cases:
        data = ewah_encode(bits)
        got, size, end = ewah_decode(data, 0)
        assert got == bits and end == len(data)
        assert size == (max(bits) + 1 if bits else 0)


def test_a_killed_step_in_a_split_ledger_opens_cleanly(demo_path):
    """The journal's contract holds with the in-process index: killed after staging, the next
    command puts the index back (`git reset`) and the ledger is clean."""
    _age(demo_path)
    _split(demo_path)
    request_id, args = OPERATIONS["advance"]
    base = head_of(demo_path)
    out = ktpel(demo_path, *args, env={"KTPEL_TEST_CRASH_AT": "after-add"})
    assert out.returncode == 137, out.stderr
    assert git(demo_path, "diff-index", "--cached", "--name-only", "HEAD").strip()  # staged
    shown = ktpel(demo_path, "show", request_id)
    assert shown.returncode == 0 and "Traceback" not in shown.stderr
    assert head_of(demo_path) == base
    assert git(demo_path, "status", "--porcelain", "--untracked-files=all") == ""
    git(demo_path, "fsck", "--no-progress")
