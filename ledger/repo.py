"""Moving bytes to disk and into git's environment: an atomic file write and the environment a
git process records an operation under."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime
from pathlib import Path

from . import clock


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.ktpel-tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def git_env(
    name: str, email: str, at: datetime, committed: datetime | None = None
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GIT_AUTHOR_NAME=name,
        GIT_AUTHOR_EMAIL=email,
        GIT_AUTHOR_DATE=clock.to_wib(at).isoformat(),
        GIT_COMMITTER_NAME=name,
        GIT_COMMITTER_EMAIL=email,
        GIT_COMMITTER_DATE=clock.to_wib(committed or at).isoformat(),
        LC_ALL="C",
    )
    return env


# git settings of every ledger working copy, set by init and clone (issue 17): a split index
# keeps each step's index write small (ktpel re-splits it itself: `store.Ledger`); each fetch
# (sync) and `gc` extend the commit-graph, whose changed-path Bloom filters (asked for once, by
# `write_commit_graph`) make `git log -- PATH` read only the commits that touched PATH.
LEDGER_GIT_CONFIG = (
    ("core.splitIndex", "true"),
    ("fetch.writeCommitGraph", "true"),
    ("gc.writeCommitGraph", "true"),
)
# Up to this many commits the commit-graph is written while the user waits (well under a
# second); a larger history (a fresh clone of a big hub) gets it from a background git process.
GRAPH_NOW_UP_TO = 5000


def configure_git(root: Path) -> None:
    """Set `LEDGER_GIT_CONFIG` in the repository at `root`."""
    for key, value in LEDGER_GIT_CONFIG:
        subprocess.run(
            ["git", "-C", str(root), "config", key, value], check=True, capture_output=True
        )


def write_commit_graph(root: Path) -> int | None:
    """Write the commit-graph with changed-path Bloom filters (later writes by fetch and gc keep
    them). A large history is done in the background: the command returns at once, and git
    without a commit-graph is only slower, never wrong. Returns the number of commits (None
    when git could not count them)."""
    count = subprocess.run(
        ["git", "-C", str(root), "rev-list", "--count", "--all"], capture_output=True, text=True
    )
    commits = int(count.stdout.strip() or 0) if count.returncode == 0 else None
    cmd = ["git", "-C", str(root), "commit-graph", "write", "--reachable", "--changed-paths"]
    if commits is not None and commits <= GRAPH_NOW_UP_TO:
        subprocess.run(cmd, capture_output=True)
        return commits
    subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return commits


def last_line(proc: subprocess.CompletedProcess[bytes]) -> str:
    """The last line git wrote to stderr, without its 'fatal: ' or 'error: ' (a reason to show)."""
    lines = [
        line.strip() for line in proc.stderr.decode("utf-8", "replace").splitlines() if line.strip()
    ]
    lines = [line.removeprefix("fatal: ").removeprefix("error: ") for line in lines]
    return lines[-1] if lines else f"exit {proc.returncode}"
