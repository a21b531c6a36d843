"""The rows of a listing's request files: one file's (`summary_of`), and many files' spread over
worker processes (`parsed_batches`) when a cold list parses thousands of them.

Run as `python -m ledger.listparse`, the module is such a worker: on stdin, pickled, the policy
once and then (a time, a list of (path, committed bytes)); on stdout, for each list, ("rows", the
`cache_row` of each file in order, judged at that time), or ("error", why) when one raised, and the parent then
computes that list itself (raising what the worker met, if it was a bug). A worker writes
nothing else to stdout: what is printed by accident goes to stderr.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from . import clock
from .fields import normalize_letter_number
from .policy import Policy
from .requestfile import loads
from .rules import LedgerError, Violation
from .summary import RequestSummary, broken_summary, summarize

# From this many files to parse on, a refresh spreads them over worker processes: one a core,
# at most WORKERS_MAX (KTPEL_LIST_WORKERS sets the number; 0 or 1: none).
WORKERS_MIN_FILES = 2000
WORKERS_MAX = 4

Texts = dict[str, bytes | OSError]


def summary_of(rel: str, data: bytes | OSError, policy: Policy) -> RequestSummary:
    """The row of one committed request file: parsed and replayed, or broken with its reason."""
    try:
        if isinstance(data, OSError):
            raise data
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return broken_summary(
            rel, Violation("file-malformed", {"path": rel, "line": "?", "reason": str(exc)}, rel)
        )
    try:
        state = loads(text, rel, policy)
    except LedgerError as exc:
        return broken_summary(rel, exc.violations[0])
    return summarize(state, rel, policy)


# What the listing cache stores of a file: (path, id, the row as JSON, its letter numbers
# normalised).
CacheRow = tuple[str, str, str, tuple[str, ...]]


def cache_row(rel: str, summary: RequestSummary, now: datetime | None = None) -> CacheRow:
    """The listing cache's row of a file (`now`: when its `overdue` is judged, default now)."""
    return (
        rel,
        summary.id,
        json.dumps(summary.cache_json(now), ensure_ascii=False),
        tuple(normalize_letter_number(n) for n in summary.letters),
    )


def workers_for(count: int) -> int:
    """How many worker processes parse `count` files (0: this process parses them)."""
    if count < WORKERS_MIN_FILES:
        return 0
    wanted = os.environ.get("KTPEL_LIST_WORKERS", "")
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    workers = int(wanted) if wanted.isdigit() else min(cores, WORKERS_MAX)
    return workers if workers > 1 else 0


class WorkerFailed(Exception):
    """A worker answered with an error or not at all."""


class Workers:
    """`python -m ledger.listparse` processes, each parsing a contiguous part of every batch."""

    def __init__(self, count: int, policy: Policy) -> None:
        env = dict(os.environ)
        # The workers import this very `ledger` package, wherever it was imported from.
        here = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
        self.procs: list[subprocess.Popen[bytes]] = []
        self.sizes: list[int] = []  # of the parts sent and not yet received
        try:
            for _ in range(count):
                proc = subprocess.Popen(
                    [sys.executable, "-m", "ledger.listparse"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    env=env,
                )
                self.procs.append(proc)
                self._write(proc, policy)
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _write(proc: subprocess.Popen[bytes], value: object) -> None:
        assert proc.stdin is not None
        pickle.dump(value, proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        proc.stdin.flush()

    def send(self, items: list[tuple[str, bytes | OSError]]) -> None:
        """Give each worker its part of `items`, in order (OSError: a worker is gone); their
        rows judge `overdue` at this moment, as `cache_row` would when they are stored."""
        part = -(-len(items) // len(self.procs))
        now = clock.now()
        self.sizes = []
        for number, proc in enumerate(self.procs):
            chunk = items[number * part : (number + 1) * part]
            self.sizes.append(len(chunk))
            self._write(proc, (now, chunk))

    def receive(self) -> list[CacheRow]:
        """The rows of the items last sent, in their order."""
        rows: list[CacheRow] = []
        for proc, size in zip(self.procs, self.sizes, strict=True):
            assert proc.stdout is not None
            try:
                kind, value = pickle.load(proc.stdout)
            except (EOFError, pickle.UnpicklingError, ValueError, TypeError) as exc:
                raise WorkerFailed(str(exc)) from None
            if kind != "rows" or not isinstance(value, list) or len(value) != size:
                raise WorkerFailed(str(value)[:200])
            rows.extend(value)
        self.sizes = []
        return rows

    def close(self) -> None:
        for proc in self.procs:
            try:
                if self.sizes:  # parsing rows nobody will read (the caller stopped or failed)
                    proc.kill()
                if proc.stdin is not None:
                    proc.stdin.close()
                proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
            finally:
                if proc.stdout is not None:
                    proc.stdout.close()
        self.procs = []


def parsed_batches(
    batches: Iterable[tuple[list[str], Texts]], policy: Policy, workers: int
) -> Iterator[tuple[list[str], dict[str, CacheRow]]]:
    """(batch, the `cache_row` of `summary_of` of each file read for it) for each (batch, texts),
    in order.

    With `workers`, worker processes parse a batch while this process reads the next one and
    its caller stores the rows of the one before. A worker that cannot start, dies or errs
    leaves the rest to this process: the rows are the same either way."""
    pool: Workers | None = None
    if workers:
        try:
            pool = Workers(workers, policy)
        except (OSError, ValueError, pickle.PicklingError, TypeError, AttributeError):
            pool = None

    def here(texts: Texts) -> dict[str, CacheRow]:
        return {rel: cache_row(rel, summary_of(rel, data, policy)) for rel, data in texts.items()}

    def stop() -> None:
        nonlocal pool
        if pool is not None:
            pool.close()
            pool = None

    def send(texts: Texts) -> bool:
        if pool is None:
            return False
        try:
            pool.send(list(texts.items()))
            return True
        except (OSError, ValueError, pickle.PicklingError):
            stop()
            return False

    def receive(texts: Texts) -> dict[str, CacheRow]:
        assert pool is not None
        try:
            return dict(zip(texts, pool.receive(), strict=True))
        except (OSError, WorkerFailed):
            stop()
            return here(texts)

    try:
        stream = iter(batches)
        current = next(stream, None)
        sent = current is not None and send(current[1])
        while current is not None:
            following = next(stream, None)  # read while the workers parse `current`
            rows = receive(current[1]) if sent else here(current[1])
            sent = following is not None and send(following[1])
            yield current[0], rows  # stored while the workers parse `following`
            current = following
    finally:
        stop()


def main() -> None:
    """A worker: see the module's docstring."""
    stdin = sys.stdin.buffer
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    policy = pickle.load(stdin)
    while True:
        try:
            now, items = pickle.load(stdin)
        except EOFError:
            return
        try:
            answer: tuple[str, object] = (
                "rows",
                [cache_row(rel, summary_of(rel, data, policy), now) for rel, data in items],
            )
        except Exception as exc:  # the parent parses the list again and meets it itself
            answer = ("error", repr(exc))
        pickle.dump(answer, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()


if __name__ == "__main__":
    main()
