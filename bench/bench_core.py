"""Benchmark of the ledger core (issue 2): advancing a step and listing, at 200 and 20,000 requests.

Baseline in the same run: a plain `git add` + `git commit` of the very same one-file change
(the same new request file that ktpel would write), in the same repository.

    python -m bench.bench_core                 # builds ledgers under bench/out/, prints a table
    python -m bench.bench_core --write-doc     # also refreshes the table in docs/PERFORMANCE.md

Nothing here asserts a time; the targets are printed next to the figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.build import build
from ledger import clock
from ledger.demo import ACTOR
from ledger.request import Event, apply
from ledger.requestfile import dumps
from ledger.store import Ledger

OUT = Path(__file__).resolve().parent / "out"
DOC = Path(__file__).resolve().parents[1] / "docs" / "PERFORMANCE.md"
BEGIN, END = "<!-- bench_core:begin -->", "<!-- bench_core:end -->"
SIMPLE_STEPS = (3, 4, 5, 6, 7, 8, 10)  # steps with no fields: the same kind of change everywhere


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def ledger_at(size: int, history: str, fresh: bool) -> Path:
    path = OUT / f"ledger-{size}"
    if fresh and path.exists():
        shutil.rmtree(path)
    if not path.exists():
        t = time.perf_counter()
        build(path, size, history)
        print(
            f"  built {size} requests ({history}) in {time.perf_counter() - t:.1f} s",
            file=sys.stderr,
        )
    Ledger.open(path).close()  # split index etc., as a user's first open would
    return path


def _event(policy, summary) -> Event:
    step = policy.sop.step(summary.step)
    return Event("advance", step.no, clock.now(), ACTOR[step.role], step.role, {})


def measure(path: Path, rounds: int) -> dict[str, float]:
    led = Ledger.open(path)
    rows = led.list_requests()
    policy = led.policy()
    candidates = [r for r in rows if not r.broken and r.step in SIMPLE_STEPS]
    if len(candidates) < 2 * rounds + 1:
        raise SystemExit(f"not enough requests at a simple step in {path}")
    ours, base = [], []
    for i in range(rounds):
        # ktpel: apply + commit through the core (warm process, as in the TUI).
        mine = candidates[2 * i]
        t = time.perf_counter()
        led.record(mine.id, _event(policy, mine))
        ours.append(time.perf_counter() - t)
        # baseline: the same kind of one-file change, committed with plain git.
        other = candidates[2 * i + 1]
        state = led.read_request(other.id)
        new = apply(state, _event(policy, other), policy)
        target = path / other.path
        target.write_text(dumps(new), encoding="utf-8")
        t = time.perf_counter()
        subprocess.run(["git", "add", other.path], cwd=path, check=True)
        subprocess.run(
            ["git", "commit", "-q", "--no-verify", "-m", f"[{other.id}] baseline"],
            cwd=path,
            check=True,
        )
        base.append(time.perf_counter() - t)
    led.close()
    # Listing: cold (no cache), warm (HEAD unchanged), after one new commit (incremental).
    cache = path / ".git" / "ktpel" / "cache.sqlite"
    for extra in ("", "-wal", "-shm"):
        Path(str(cache) + extra).unlink(missing_ok=True)
    led = Ledger.open(path)
    t = time.perf_counter()
    led.list_requests()
    cold = time.perf_counter() - t
    warm_runs = []
    for _ in range(5):
        t = time.perf_counter()
        led.list_requests()
        warm_runs.append(time.perf_counter() - t)
    led.close()
    # A warm listing in a new process (what `ktpel list` does): open + read the cache.
    return {
        "advance": statistics.median(ours),
        "baseline": statistics.median(base),
        "cold": cold,
        "warm": statistics.median(warm_runs),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--large", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--fresh", action="store_true", help="rebuild the ledgers")
    parser.add_argument("--write-doc", action="store_true")
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    os.environ.setdefault("KTPEL_KEYS_DIR", str(OUT / "no-keys"))  # benchmark ledgers are unsigned
    small = measure(ledger_at(args.small, "events", args.fresh), args.rounds)
    large = measure(ledger_at(args.large, "requests", args.fresh), args.rounds)
    flat = large["advance"] / small["advance"]
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on this machine ({os.cpu_count()} cores), median of {args.rounds} steps, warm process.",
        "",
        f"| | {args.small} requests | {args.large} requests | target |",
        "|---|---:|---:|---|",
        f"| ktpel: advance one step (apply + commit) | {_ms(small['advance'])} | {_ms(large['advance'])} | at {args.large}: ≤ 1.3× at {args.small} (now {flat:.2f}×) |",
        f"| baseline: `git add` + `git commit` of the same one-file change | {_ms(small['baseline'])} | {_ms(large['baseline'])} | |",
        f"| ktpel ÷ baseline | {small['advance'] / small['baseline']:.2f}× | {large['advance'] / large['baseline']:.2f}× | ≤ 2× |",
        f"| list all, cold (no cache: every file parsed and checked) | {_ms(small['cold'])} | {_ms(large['cold'])} | |",
        f"| list all, warm (HEAD unchanged: read from the cache) | {_ms(small['warm'])} | {_ms(large['warm'])} | ≤ cold ÷ 10 (now ÷ {large['cold'] / large['warm']:.0f}) |",
    ]
    table = "\n".join(lines)
    print(table)
    if args.write_doc:
        text = DOC.read_text(encoding="utf-8")
        if BEGIN in text and END in text:
            head, rest = text.split(BEGIN, 1)
            _, tail = rest.split(END, 1)
            DOC.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}", encoding="utf-8")
        else:
            print(f"markers {BEGIN} / {END} not found in {DOC}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
