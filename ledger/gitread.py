"""Reading a repository's history in batch: one `git log --raw` for the commits and their
changes, one pipelined `git cat-file --batch` for the objects (the audit and the hub's hook)."""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ZERO = "0" * 40
# Every read of a ledger's objects ignores `git replace` refs and grafts: they are local (never
# pushed), so a replace ref in a clone would show a local audit an object other than the one the
# hub and every other office hold (issue 16). `--no-replace-objects` is GIT_NO_REPLACE_OBJECTS=1.
# Paths are read unquoted, so a non-ASCII name reaches the tree checks as it is.
GIT = ("git", "--no-replace-objects", "-c", "core.quotePath=false")


def git_bytes(git_dir: Path, *args: str, input: bytes | None = None) -> bytes:
    proc = subprocess.run(
        [*GIT, "--git-dir", str(git_dir), *args], capture_output=True, input=input
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode("utf-8", "replace").strip())
    return proc.stdout


class ObjectReader:
    """One `git cat-file --batch` process for random reads (`rev:path` works too)."""

    def __init__(self, git_dir: Path) -> None:
        self.proc = subprocess.Popen(
            [*GIT, "--git-dir", str(git_dir), "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def read(self, name: str) -> bytes | None:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(name.encode() + b"\n")
        self.proc.stdin.flush()
        return _read_answer(self.proc.stdout)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()


def _read_answer(out: IO[bytes]) -> bytes | None:
    header = out.readline()
    if header.endswith(b" missing\n") or header.endswith(b" ambiguous\n") or not header:
        return None
    size = int(header.split()[2])
    data = out.read(size)
    out.read(1)
    return data


@dataclass(frozen=True, slots=True)
class Change:
    path: str
    old: str
    new: str  # ZERO when deleted
    old_mode: str = "100644"  # the evidence check refuses anything but a plain file
    new_mode: str = "100644"  # git's mode (120000 symlink, 160000 gitlink, 100755 ...)

    @property
    def mode(self) -> str:
        """The new entry's git mode, as the plain-tree check reads it."""
        return self.new_mode


@dataclass(frozen=True, slots=True)
class LogEntry:
    sha: str
    parents: tuple[str, ...]
    changes: tuple[Change, ...]


def request_files(git_dir: Path, rev: str) -> list[str]:
    """Every path under requests/ in `rev`'s tree (either layout; names as git stores them)."""
    out = git_bytes(
        git_dir, "ls-tree", "-r", "-z", "--name-only", "--full-tree", rev, "--", "requests"
    )
    return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]


def log_entries(git_dir: Path, tip: str, base: str | None) -> list[LogEntry]:
    """Commits of base..tip (all from the root when base is None), oldest first, with changes."""
    rev = f"{base}..{tip}" if base else tip
    out = git_bytes(
        git_dir,
        "log",
        "--raw",
        "--no-renames",
        "--no-abbrev",
        "--root",
        "-r",
        "--reverse",
        "--topo-order",
        "--format=%x00%H %P",
        rev,
    )
    entries: list[LogEntry] = []
    for chunk in out.split(b"\x00")[1:]:
        lines = chunk.split(b"\n")
        ids = lines[0].decode().split()
        changes = []
        for line in lines[1:]:
            if not line.startswith(b":"):
                continue
            meta, _, path = line.partition(b"\t")
            parts = meta.split()
            changes.append(
                Change(
                    path.decode("utf-8", "surrogateescape"),
                    parts[2].decode(),
                    parts[3].decode(),
                    parts[0].decode("ascii", "replace").lstrip(":"),
                    parts[1].decode("ascii", "replace"),
                )
            )
        entries.append(LogEntry(ids[0], tuple(ids[1:]), tuple(changes)))
    return entries


def stream_objects(git_dir: Path, names: list[str]) -> Iterator[bytes | None]:
    """Object contents for `names`, in order, from one pipelined `git cat-file --batch`."""
    proc = subprocess.Popen(
        [*GIT, "--git-dir", str(git_dir), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        bufsize=1 << 20,
    )
    assert proc.stdin and proc.stdout

    def feed() -> None:
        try:
            proc.stdin.write(b"".join(n.encode() + b"\n" for n in names))
        finally:
            proc.stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for _ in names:
            yield _read_answer(proc.stdout)
    finally:
        writer.join()
        proc.stdout.close()
        proc.wait()


def is_ancestor(git_dir: Path, old: str, new: str) -> bool:
    proc = subprocess.run(
        [*GIT, "--git-dir", str(git_dir), "merge-base", "--is-ancestor", old, new],
        capture_output=True,
    )
    return proc.returncode == 0


def resolve(git_dir: Path, rev: str) -> str | None:
    proc = subprocess.run(
        [*GIT, "--git-dir", str(git_dir), "rev-parse", "-q", "--verify", f"{rev}^{{commit}}"],
        capture_output=True,
    )
    return proc.stdout.decode().strip() or None


def person_line(value: bytes) -> tuple[str, str, int]:
    """(name, email, unix time) of an author/committer header."""
    text = value.decode("utf-8", "replace")
    match = re.match(r"^(.*) <([^>]*)> (-?\d+) [+-]\d{4}$", text)
    if not match:
        return text, "", 0
    return match.group(1), match.group(2), int(match.group(3))
