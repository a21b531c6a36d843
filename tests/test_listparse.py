"""A cold list spread over worker processes (`ledger.listparse`, issue 17): the rows, broken ones
included, and the listing cache's tables are those of a list parsed in one process, and a
worker that cannot start or dies leaves the work to the parent without a trace in the rows."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest
from test_audit import STEP1, _at, commit_raw, forge

from ledger import cache, listparse
from ledger.request import Event
from ledger.store import Ledger


def tables(led: Ledger) -> tuple[list, list]:
    """The cache's rows in the order they were written."""
    db = sqlite3.connect(led.cache.path)
    try:
        req = db.execute("SELECT path, id, summary FROM req ORDER BY rowid").fetchall()
        letters = db.execute("SELECT number, request, path FROM letters ORDER BY rowid").fetchall()
    finally:
        db.close()
    return req, letters


def cold(root: Path) -> tuple[list[str], tuple[list, list]]:
    """A cold list (no listing cache): its rows and the cache's tables."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{root}/.git/ktpel/cache.sqlite{suffix}").unlink(missing_ok=True)
    with Ledger.open(root) as led:
        shown = [repr(s) for s in led.list_requests()]
        return shown, tables(led)


@pytest.fixture
def broken_demo(demo_path: Path) -> Path:
    """The demo with a forged event and a file edited by hand (a broken row)."""
    forge(demo_path, "2026-0006", Event("advance", 1, _at(), "maya", "kasi", STEP1), key=None)
    with Ledger.open(demo_path) as led:
        victim = led.list_requests()[0]
        person = led.policy().person("maya")
    text = (demo_path / victim.path).read_text(encoding="utf-8")
    changed = {victim.path: text.replace('status = "', 'status = "x', 1)}
    commit_raw(demo_path, changed, "hand edit", person, None, _at())
    return demo_path


def test_workers_give_the_rows_and_cache_of_one_process(broken_demo, fixed_clock, monkeypatch):
    monkeypatch.setenv("KTPEL_LIST_WORKERS", "0")
    alone = cold(broken_demo)
    assert any("error=Violation" in row for row in alone[0])
    counts: list[int] = []

    class Counted(listparse.Workers):
        def __init__(self, count, policy):
            super().__init__(count, policy)
            counts.append(count)

    monkeypatch.setattr(listparse, "Workers", Counted)
    monkeypatch.setattr(listparse, "WORKERS_MIN_FILES", 1)
    monkeypatch.setattr(cache, "READ_BATCH", 2)
    for workers in ("2", "3"):
        monkeypatch.setenv("KTPEL_LIST_WORKERS", workers)
        assert cold(broken_demo) == alone
    assert counts == [2, 3]


@pytest.mark.parametrize("executable", ["/nonexistent/python", "/bin/true", "/bin/cat"])
def test_workers_that_fail_leave_the_rows_to_the_parent(
    broken_demo, fixed_clock, monkeypatch, executable
):
    # No such program (it never starts), one that exits at once, one that echoes its input.
    monkeypatch.setenv("KTPEL_LIST_WORKERS", "0")
    alone = cold(broken_demo)
    monkeypatch.setattr(listparse, "WORKERS_MIN_FILES", 1)
    monkeypatch.setattr(cache, "READ_BATCH", 2)
    monkeypatch.setenv("KTPEL_LIST_WORKERS", "2")
    monkeypatch.setattr(sys, "executable", executable)
    assert cold(broken_demo) == alone


def test_a_small_list_starts_no_worker(demo_path, monkeypatch):
    monkeypatch.setenv("KTPEL_LIST_WORKERS", "2")
    assert listparse.workers_for(listparse.WORKERS_MIN_FILES - 1) == 0
    assert listparse.workers_for(listparse.WORKERS_MIN_FILES) == 2
    monkeypatch.setenv("KTPEL_LIST_WORKERS", "1")
    assert listparse.workers_for(10**6) == 0
