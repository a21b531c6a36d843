"""The check a fresh clone runs once: the audit of its whole history (whose cache lets each
sync check only what is new) and the listing cache filled from that audit's replay.

At 20,000 requests the check takes many times what `git clone` does, so for a large history it
runs in a process of its own and `ktpel clone` returns as soon as git has: the ledger can be read
at once (the screen's first rows come from each file's `[state]` table) and nothing is trusted
that the check has not seen: a list that needs every file checked, an audit and a sync wait for
it (`wait`), then start from its results instead of doing the same work a second time.

The process holds an exclusive `flock` on `.git/ktpel/clone-check.lock` for as long as it runs;
the lock is taken by `start` before the process exists and handed to it, so there is no moment
when a reader could miss it, and it goes when the process ends, however it ends.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

LOCK_FILE = "clone-check.lock"
# Histories up to this many commits are checked before `clone` returns (a second or two);
# `KTPEL_CLONE_CHECK_NOW_UP_TO` in the environment sets another bound (0: always behind).
CHECK_NOW_UP_TO = 5000


def check_now_up_to() -> int:
    try:
        return max(0, int(os.environ.get("KTPEL_CLONE_CHECK_NOW_UP_TO", CHECK_NOW_UP_TO)))
    except ValueError:
        return CHECK_NOW_UP_TO


def _lock_path(git_dir: Path) -> Path:
    return Path(git_dir) / "ktpel" / LOCK_FILE


def check(root: Path) -> None:
    """Audit the whole history of the ledger at `root` (cached) and fill the listing cache
    from the audit's replay (only the files it could not vouch for are parsed again)."""
    from .audit import audit_git_dir
    from .store import Ledger

    with Ledger.open(root) as ledger:
        states: dict = {}
        report = audit_git_dir(ledger.git_dir, "HEAD", states=states, wait_for_clone=False)
        if report.tip is not None:
            ledger.fill_listing(report.tip, states)


def start(root: Path, git_dir: Path) -> None:
    """Run `check` in a process of its own that outlives this one; returns at once."""
    path = _lock_path(git_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        subprocess.Popen(
            [sys.executable, "-m", "ledger.clonecheck", str(root)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            pass_fds=(fd,),
        )
    finally:
        os.close(fd)  # the child's copy keeps the lock


def running(git_dir: Path) -> bool:
    """Whether a clone's check is running on this ledger now."""
    try:
        fd = os.open(_lock_path(git_dir), os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def wait(git_dir: Path, tick: Callable[[], None] | None = None) -> bool:
    """Wait until no clone check runs here; `tick` is called while waiting (it may raise to
    stop waiting: the screen quitting). Returns whether there was one to wait for."""
    waited = False
    while running(git_dir):
        waited = True
        if tick is not None:
            tick()
        time.sleep(0.2)
    return waited


def main(argv: list[str]) -> int:
    root = Path(argv[0])
    try:
        check(root)
    except Exception:  # noqa: BLE001 - nobody reads this process's output: the next audit or
        return 1  # list that needs the results does the work itself and says what is wrong
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
