"""National scale, the read side (issue 17): each figure against its floor, in the same run.

On a copy of bench/out/ledger-<size> (built by bench.build if absent; 20,000 takes minutes):
- list all requests, cold (no cache) and warm, against one `git cat-file --batch` read of every
  request blob; cold also with tomllib alone (the parser before issue 17);
- first rows on the screen (headless Textual `run_test`, no listing cache, as after a clone)
  against an empty Textual app; also without the [state] head start (as before issue 17);
- `ktpel log REQ` against `git log -- path`, both with a commit-graph with changed-path Bloom
  filters (written here, as init and clone are to do);
- peak memory (RSS) of `ktpel list --json`, cold and warm, against a process that reads every
  request blob through one `git cat-file --batch`.

    python -m bench.bench_scale_read                  # 200 and 20000
    python -m bench.bench_scale_read --sizes 200      # the small one alone (~1 min)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.bench_core import ledger_at
from bench.bench_parse import request_blobs

KTPEL = [sys.executable, "-m", "ktpel_tui.cli"]
TIME = "/usr/bin/time"


def _drop_cache(root: Path) -> None:
    for extra in ("", "-wal", "-shm"):
        (root / ".git" / "ktpel" / f"cache.sqlite{extra}").unlink(missing_ok=True)


def _timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _median(fn: Callable[[], object], rounds: int) -> float:
    return statistics.median(_timed(fn) for _ in range(rounds))


def list_figures(root: Path, rounds: int, big: bool) -> dict[str, float]:
    from ledger import requestfile
    from ledger.store import Ledger

    out: dict[str, float] = {}
    out["floor"] = statistics.median(request_blobs(root)[1] for _ in range(rounds))

    def cold() -> None:
        _drop_cache(root)
        with Ledger.open(root) as led:
            led.list_requests()

    def quick() -> None:
        _drop_cache(root)
        with Ledger.open(root) as led:
            led.quick_requests()

    cold_rounds = 1 if big else rounds
    out["quick"] = _median(quick, rounds)
    saved = requestfile._rtoml
    try:
        requestfile._rtoml = None
        out["cold tomllib"] = _median(cold, cold_rounds)
    finally:
        requestfile._rtoml = saved
    out["cold"] = _median(cold, cold_rounds)
    with Ledger.open(root) as led:
        led.list_requests()
        out["warm"] = _median(led.list_requests, rounds)
    return out


async def _first_rows(root: Path, head_start: bool) -> float:
    from bench.bench_tui import _ktpel_tables, _until_rows
    from ktpel_tui.app import KtpelApp
    from ledger.store import Ledger

    _drop_cache(root)
    saved = Ledger.quick_requests
    if not head_start:
        Ledger.quick_requests = lambda self: None  # type: ignore[method-assign]
    try:
        return await _until_rows(KtpelApp(root, "rudi", watch=False), _ktpel_tables)
    finally:
        Ledger.quick_requests = saved  # type: ignore[method-assign]


def screen_figures(root: Path, rounds: int, big: bool) -> dict[str, float]:
    from bench.bench_tui import empty_app

    os.environ.setdefault("KTPEL_CONFIG", str(root.parent / "config.toml"))
    out = {"empty app": statistics.median(asyncio.run(empty_app()) for _ in range(rounds))}
    out["first rows"] = statistics.median(
        asyncio.run(_first_rows(root, True)) for _ in range(1 if big else rounds)
    )
    out["first rows, no head start"] = asyncio.run(_first_rows(root, False))
    return out


def log_figures(root: Path, rounds: int) -> dict[str, float]:
    from ledger.history import history
    from ledger.request import request_path
    from ledger.store import Ledger

    request = "2026-0100" if (root / request_path("2026-0100")).exists() else "2026-0001"
    path = request_path(request)
    t = time.perf_counter()
    subprocess.run(
        ["git", "commit-graph", "write", "--reachable", "--changed-paths"], cwd=root, check=True
    )
    out = {"commit-graph write": time.perf_counter() - t}

    def git_log() -> None:
        subprocess.run(
            ["git", "log", "--format=%H", "HEAD", "--", path],
            cwd=root,
            check=True,
            capture_output=True,
        )

    def ktpel_log() -> None:
        subprocess.run(
            [*KTPEL, "--ledger", str(root), "log", request], check=True, capture_output=True
        )

    out["git log -- path"] = _median(git_log, rounds)
    out["ktpel log (process)"] = _median(ktpel_log, rounds)
    out["python start (import cli)"] = _median(
        lambda: subprocess.run([sys.executable, "-c", "import ktpel_tui.cli"], check=True), rounds
    )
    with Ledger.open(root) as led:
        out["history() in process"] = _median(lambda: history(led, request), rounds)
    # ktpel's own `git log` uses the Bloom filters: git's count of the commits they ruled out
    # without reading a tree (trace2 of every git process `ktpel log` starts).
    env = {**os.environ, "GIT_TRACE2_PERF": str(root.parent / "trace2.txt")}
    subprocess.run(
        [*KTPEL, "--ledger", str(root), "log", request], env=env, check=True, capture_output=True
    )
    trace = (root.parent / "trace2.txt").read_text(errors="replace")
    match = re.search(r'"definitely_not":(\d+)', trace)
    out["bloom definitely_not"] = float(match.group(1)) if match else 0.0
    return out


def _peak_kib(args: list[str]) -> tuple[float, float]:
    proc = subprocess.run(
        [TIME, "-f", "%e %M", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True
    )
    seconds, kib = proc.stderr.decode().strip().splitlines()[-1].split()
    return float(seconds), float(kib)


def memory_figures(root: Path) -> dict[str, float]:
    if not Path(TIME).exists():
        return {}
    out: dict[str, float] = {}
    code = (
        "import sys; from pathlib import Path; from bench.bench_parse import request_blobs; "
        "request_blobs(Path(sys.argv[1]))"
    )
    out["floor MiB"] = _peak_kib([sys.executable, "-c", code, str(root)])[1] / 1024
    _drop_cache(root)
    out["cold s"], kib = _peak_kib([*KTPEL, "--ledger", str(root), "list", "--json"])
    out["cold MiB"] = kib / 1024
    out["warm s"], kib = _peak_kib([*KTPEL, "--ledger", str(root), "list", "--json"])
    out["warm MiB"] = kib / 1024
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[200, 20000])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    for size in args.sizes:
        source = ledger_at(size, "events" if size <= 1000 else "requests", False)
        with tempfile.TemporaryDirectory(prefix=f"scale-read-{size}-") as tmp:
            root = Path(tmp) / "ledger"
            shutil.copytree(source, root, symlinks=True)
            big = size > 1000
            print(f"## {size} requests (load {os.getloadavg()[0]:.1f})", flush=True)
            groups = {
                "list": (list_figures, (root, args.rounds, big)),
                "screen": (screen_figures, (root, args.rounds, big)),
                "log": (log_figures, (root, args.rounds)),
                "memory": (memory_figures, (root,)),
            }
            for name, (figures, fargs) in groups.items():
                for key, value in figures(*fargs).items():
                    unit = "" if key.endswith("MiB") or key.startswith("bloom") else " s"
                    print(f"{name}: {key}: {value:.3f}{unit}", flush=True)
            print(f"(load {os.getloadavg()[0]:.1f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
