"""Layout and git-maintenance bench (issue 17, items 3-4), git plumbing alone.

- tree write of a step: `git mktree` of a flat `requests/<year>/` folder of N entries vs a
  sharded `requests/<year>/<NN>/` (100 shards: one shard tree + the 100-entry year tree);
- `git log -- path` on a ledger without and with a commit-graph with changed-path Bloom filters.

    python -m bench.bench_layout --requests 20000
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def _git(cwd: Path, *args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(
        ["git", *args], cwd=cwd, input=data, capture_output=True, check=True
    ).stdout


def _timed(fn, rounds: int) -> float:
    runs = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def trees(n: int, rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        _git(repo, "init", "-q")
        blob = _git(repo, "hash-object", "-w", "--stdin", data=b"x\n").decode().strip()
        flat = "".join(f"100644 blob {blob}\t2026-{i:06d}.toml\n" for i in range(n)).encode()
        per = n // 100
        shard = "".join(f"100644 blob {blob}\t2026-{i:06d}.toml\n" for i in range(per)).encode()
        sub = _git(repo, "mktree", data=shard).decode().strip()
        year = "".join(f"040000 tree {sub}\t{k:02d}\n" for k in range(100)).encode()
        return {
            "flat": _timed(lambda: _git(repo, "mktree", data=flat), rounds),
            "sharded": _timed(
                lambda: (_git(repo, "mktree", data=shard), _git(repo, "mktree", data=year)), rounds
            ),
            "flat_bytes": len(flat),
        }


def log_path(ledger: Path, rounds: int) -> dict[str, float]:
    path = (
        _git(ledger, "ls-tree", "-r", "--name-only", "HEAD", "--", "requests/")
        .split()[
            len(_git(ledger, "ls-tree", "-r", "--name-only", "HEAD", "--", "requests/").split())
            // 2
        ]
        .decode()
    )
    graph = ledger / ".git" / "objects" / "info" / "commit-graph"
    graph.unlink(missing_ok=True)
    without = _timed(lambda: _git(ledger, "log", "--format=%H", "--", path), rounds)
    t = time.perf_counter()
    _git(ledger, "commit-graph", "write", "--reachable", "--changed-paths")
    write = time.perf_counter() - t
    with_graph = _timed(lambda: _git(ledger, "log", "--format=%H", "--", path), rounds)
    return {"without": without, "with": with_graph, "write": write}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    print(f"load: {os.getloadavg()[0]:.2f}")
    for n in (200, 20000, 200000):
        r = trees(n, args.rounds)
        print(
            f"tree write, {n} requests: flat {r['flat'] * 1000:.1f} ms "
            f"({r['flat_bytes'] / 1e6:.1f} MB mktree input), sharded {r['sharded'] * 1000:.1f} ms"
        )
    ledger = OUT / f"ledger-{args.requests}"
    if ledger.exists():
        r = log_path(ledger, args.rounds)
        print(
            f"git log -- path at {args.requests}: {r['without'] * 1000:.0f} ms without commit-graph, "
            f"{r['with'] * 1000:.0f} ms with --changed-paths (written in {r['write']:.1f} s)"
        )
    print(f"load: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
