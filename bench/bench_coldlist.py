"""A cold list (no listing cache: every request file parsed and replayed), before and after a
change, interleaved in one run (issue 17, docs/PERFORMANCE.md "the cold list, profiled again").

Each round lists a fresh copy of the ledger with the code of `--before` (a commit, unpacked with
`git archive`), with today's code in one process (KTPEL_LIST_WORKERS=0) and with today's code
and its worker processes; it prints wall time, the listing process's CPU time and its children's
(the workers, git), and checks that every variant gave the same rows and listing cache.

    python -m bench.bench_coldlist --before 0bb84ef --rounds 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
# Run in a fresh interpreter: the rows, the cache's tables and the times, as one line of text.
CHILD = """
import hashlib, resource, sqlite3, sys, time
from ledger.store import Ledger
def kids():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
k, t, c = kids(), time.perf_counter(), time.process_time()
rows = Ledger.open(sys.argv[1]).list_requests()
wall, cpu, kcpu = time.perf_counter() - t, time.process_time() - c, kids() - k
db = sqlite3.connect(sys.argv[1] + "/.git/ktpel/cache.sqlite")
tables = [db.execute(q).fetchall() for q in (
    "SELECT * FROM req ORDER BY rowid", "SELECT * FROM letters ORDER BY rowid",
    "SELECT * FROM meta ORDER BY key")]
digest = hashlib.sha256(repr((rows, tables)).encode()).hexdigest()
print(f"{wall:.3f} {cpu:.3f} {kcpu:.3f} {len(rows)} {digest}")
"""


def run(code: Path, ledger: Path, work: Path, workers: str | None) -> list[str]:
    copy = work / "copy"
    shutil.rmtree(copy, ignore_errors=True)
    subprocess.run(["cp", "-a", str(ledger), str(copy)], check=True)
    env = {**os.environ, "PYTHONPATH": str(code), "KTPEL_NOW": "2026-12-02T12:00:00"}
    env.pop("KTPEL_LIST_WORKERS", None)
    if workers is not None:
        env["KTPEL_LIST_WORKERS"] = workers
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(copy)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.split()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ledger", type=Path, default=HERE / "bench/out/fast-sharded-20000")
    ap.add_argument("--before", required=True, help="the commit of the code before")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ktpel-coldlist-") as tmp:
        work = Path(tmp)
        before = work / "before"
        before.mkdir()
        archive = subprocess.run(
            ["git", "archive", args.before, "ledger"], cwd=HERE, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(before)], input=archive.stdout, check=True)
        variants = {
            f"before ({args.before})": (before, None),
            "now, one process": (HERE, "0"),
            "now, with workers": (HERE, None),
        }
        figures: dict[str, list[list[str]]] = {name: [] for name in variants}
        for number in range(1, args.rounds + 1):
            load = os.getloadavg()[0]
            for name, (code, workers) in variants.items():
                wall, cpu, kcpu, count, digest = run(code, args.ledger, work, workers)
                figures[name].append([wall, cpu, kcpu, count, digest])
                print(
                    f"round {number} (load {load:.1f}) {name}: {wall} s wall, "
                    f"{cpu} s cpu, {kcpu} s children's cpu, {count} rows",
                    flush=True,
                )
        digests = {row[4] for rows in figures.values() for row in rows}
        print("rows and cache identical:", "yes" if len(digests) == 1 else f"NO {digests}")
        for name, rows in figures.items():
            print(f"{name}: median {statistics.median(float(r[0]) for r in rows):.2f} s")
    return 0 if len(digests) == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
