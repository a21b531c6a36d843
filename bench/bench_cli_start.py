"""What a plain `ktpel` command costs to start (issue 17): medians of N runs against `python -c pass`.

Runs `ktpel --help`, `ktpel list` and `ktpel log REQ` on a fresh demo ledger and, with --ledger,
`ktpel log REQ` on that ledger against `git log -- path` (give it a commit-graph first: `git
commit-graph write --reachable --changed-paths`). With --before DIR (a folder holding an older
`ledger/` and `ktpel_tui/`, e.g. from `git archive OLD ledger ktpel_tui | tar -x -C DIR`), every
command also runs on that code, interleaved with the current one so both see the same load.
Figures are wall time and CPU time (user + sys, git's children included).

    python -m bench.bench_cli_start
    python -m bench.bench_cli_start --ledger bench/out/ledger-20000 --request 2026-0042 --before /tmp/old
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Runs the installed command's module (ktpel_tui.entry; ktpel_tui.cli in a checkout older than
# it) from the folder given first, not from the installed (editable) package.
RUN_FROM = (
    "import os, runpy, sys\n"
    "root = sys.argv.pop(1)\n"
    "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f)]\n"
    "sys.path.insert(0, root)\n"
    "entry = os.path.exists(os.path.join(root, 'ktpel_tui', 'entry.py'))\n"
    "module = 'ktpel_tui.entry' if entry else 'ktpel_tui.cli'\n"
    "runpy.run_module(module, run_name='__main__', alter_sys=True)\n"
)


def run(cmd: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=5)
    ap.add_argument("--ledger", type=Path, help="a large ledger for `ktpel log REQ`")
    ap.add_argument("--request", default="2026-0042")
    ap.add_argument("--before", type=Path, help="a folder with older ledger/ and ktpel_tui/")
    opts = ap.parse_args()

    from ledger.demo import build_demo

    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        build_demo(demo)
        verbs: dict[str, list[str]] = {
            "ktpel --help": ["--help"],
            "ktpel list (demo)": ["list", "--ledger", str(demo)],
            "ktpel log REQ (demo)": ["log", "2026-0001", "--ledger", str(demo)],
        }
        floors: dict[str, list[str]] = {"python -c pass": [sys.executable, "-c", "pass"]}
        if opts.ledger:
            big = str(opts.ledger.resolve())
            verbs[f"ktpel log {opts.request} (large)"] = ["log", opts.request, "--ledger", big]
            path = f"requests/{opts.request[:4]}/{opts.request}.toml"
            floors["git log -- path (large)"] = ["git", "-C", big, "log", "--format=%H", "HEAD"]
            floors["git log -- path (large)"] += ["--", path]
        cmds = dict(floors)
        for name, args in verbs.items():
            if opts.before:
                cmds[f"{name}, before"] = [sys.executable, "-c", RUN_FROM, str(opts.before), *args]
            cmds[name] = [sys.executable, "-c", RUN_FROM, str(ROOT), *args]
        for cmd in cmds.values():  # warm the .pyc files and the page cache
            run(cmd)
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cmds}
        for _ in range(opts.n):
            for name, cmd in cmds.items():
                samples[name].append(run(cmd))
    for name, got in samples.items():
        wall = statistics.median(w for w, _ in got)
        cpu = statistics.median(c for _, c in got)
        print(f"{name:<40} wall {wall:6.3f} s   cpu {cpu:6.3f} s")


if __name__ == "__main__":
    main()
