"""Crash safety of a write: the lock's patience and the test hook that kills the process at a
named point (`KTPEL_TEST_CRASH_AT`), as a power cut would. `store.Ledger` keeps the journal."""

from __future__ import annotations

import os

LOCK_TIMEOUT = float(os.environ.get("KTPEL_LOCK_TIMEOUT", "10"))
CRASH_POINTS = ("after-journal", "after-write", "after-add", "after-commit")


def crash_point(name: str) -> None:
    """Test hook: `KTPEL_TEST_CRASH_AT=<name>` kills the process here, as a power cut would.

    Points, in order, inside `Ledger.commit_files`: after-journal (journal written, nothing
    else), after-write (file written), after-add (staged), after-commit (HEAD moved, journal
    still there). Unset in normal use; tests run a child process with it set.
    """
    if os.environ.get("KTPEL_TEST_CRASH_AT") == name:
        os._exit(137)
