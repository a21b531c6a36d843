"""National scale, the write side (issue 17): a step, the index, the incremental audit, clone.

Ledgers come from `bench.build_fast` (templated `git fast-import`, cached under bench/out/):
200 requests with one commit per event, 20,000 with one commit per request, 200,000 in
commits of 1,000 requests (all in one year's folder: the worst case for a flat layout).

    python -m bench.bench_scale_write                  # every part, every size
    python -m bench.bench_scale_write --parts step --sizes 200 20000
    python -m bench.bench_scale_write --parts index audit clone
    python -m bench.bench_scale_write --parts migrate --sizes 200 20000

Parts, each against its floor in the same run:
- `step`: `Ledger.record` of one step (warm process, as in the TUI) against `git commit-tree`
  + `git update-ref` of the same kind of change (tree made beforehand, untimed), with ktpel's
  time split into its git processes, the staging of the file in the index, and the rest
  (kernel, blob and tree splice, cache); twice in the same run: "before" stages with
  `git update-index` and reads every REV:PATH from git, as ktpel did before ledger/gitindex.py,
  "now" as ktpel does;
- `index`: the `git update-index --add -- PATH` ktpel ran per step, with a full index, a
  fresh split index, a split index after every entry was stepped once (git alone keeps every
  replaced entry in the split part), and after ktpel's re-split (`Ledger._keep_index_split`);
  then the in-process update (`gitindex.update`) in that same index against `git update-index`;
- `audit`: an incremental audit of 100 new steps at 20,000 requests (cache of the rest);
- `migrate`: `ktpel migrate-format` of a flat ledger against git moving the same files, the
  audit of that one commit, and the first list after it;
- `clone`: `ktpel clone` against `git clone` of the same hub over `git daemon`; the first rows
  right after it, the time until its background check (audit, listing cache) is done, a list
  then, and the commit-graph ktpel writes after a clone (in the background: measured alone).

Nothing here asserts a time; the targets are printed next to the figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench.bench_core import SIMPLE_STEPS, _event
from bench.build_fast import build_fast
from ledger import gitindex
from ledger.gitobjects import tree_with
from ledger.request import apply
from ledger.requestfile import dumps
from ledger.store import Ledger

OUT = Path(__file__).resolve().parent / "out"
HISTORY = {200: "events", 20000: "requests", 200000: "batch"}


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _git(cwd: Path, *args: str, data: bytes | None = None) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, input=data, capture_output=True, check=True
    ).stdout.decode()


def ledger_at(size: int, layout: str = "flat") -> Path:
    path = OUT / (f"fast-{size}" if layout == "flat" else f"fast-{layout}-{size}")
    if not path.exists():
        t = time.perf_counter()
        build_fast(path, size, HISTORY.get(size, "requests"), layout=layout)
        print(f"  built {size} requests in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return path


def step(path: Path, rounds: int) -> dict[str, float]:
    led = Ledger.open(path)
    t = time.perf_counter()
    rows = led.list_requests()  # cold the first time (the listing cache is kept after)
    listed = time.perf_counter() - t
    policy = led.policy()
    candidates = [r for r in rows if not r.broken and r.step in SIMPLE_STEPS]
    real_git, real_stage = led.git, led._update_index
    spent: dict[str, list[float]] = defaultdict(list)
    staging = False

    def timed_git(*args, **kw):
        t = time.perf_counter()
        try:
            return real_git(*args, **kw)
        finally:
            if not staging:
                spent[args[0] if not args[0].startswith("-") else args[4]].append(
                    time.perf_counter() - t
                )

    def stage_with_git(files):  # what a step did before gitindex: always `git update-index`
        real_git("update-index", "--add", "--remove", "--", *sorted(files))

    def blob_uncached(rev, path):  # before: every read of REV:PATH went to git
        try:
            kind, data = led.read_object(f"{rev}:{path}")
        except ValueError:
            return None
        return data if kind == b"blob" else None

    led.git = timed_git  # type: ignore[method-assign]
    out: dict[str, float] = {"list": listed}
    used = iter(range(len(candidates)))
    # ktpel's steps back to back (as in the TUI: the listing cache follows its own commits),
    # first staging with `git update-index` (before), then in-process (now); then the floor's,
    # so that none pays for catching up with another's commits.
    real_blob = led.blob
    for label, stage, blob in (
        ("before", stage_with_git, blob_uncached),
        ("now", real_stage, real_blob),
    ):
        ours: list[float] = []
        spent.clear()
        led.blob = blob  # type: ignore[method-assign]

        def timed_stage(files, stage=stage):
            nonlocal staging
            staging = True
            t = time.perf_counter()
            try:
                return stage(files)
            finally:
                staging = False
                spent["stage"].append(time.perf_counter() - t)

        led._update_index = timed_stage  # type: ignore[method-assign]
        for _ in range(rounds + 1):
            mine = candidates[next(used)]
            t = time.perf_counter()
            led.record(mine.id, _event(policy, mine))
            ours.append(time.perf_counter() - t)
        ours = ours[1:]  # the first round warms the caches (policy, listing)
        parts = {k: statistics.median(v[1:] or v) for k, v in spent.items()}  # once: as it came
        out[f"step {label}"] = statistics.median(ours)
        out.update({f"{label}: {k}": v for k, v in parts.items()})
        out[f"{label}: in-process rest"] = statistics.median(ours) - sum(parts.values())
    floor = []
    for _ in range(rounds + 1):
        # Floor: the same kind of change, tree made beforehand; only the commit and the ref move.
        other = candidates[next(used)]
        head = led.head()
        new = apply(led.read_request(other.id, head), _event(policy, other), policy)
        blob = led._write_object(b"blob", dumps(new).encode())
        tree = led.read_object(head)[1].split(b"\n", 1)[0].split(b" ", 1)[1].decode()
        tree = tree_with(led.read_object, led._write_object, tree, other.path.split("/"), blob)
        t = time.perf_counter()
        sha = _git(path, "commit-tree", tree, "-p", head, "-m", f"[{other.id}] floor").strip()
        _git(path, "update-ref", "HEAD", sha, head)
        floor.append(time.perf_counter() - t)
        (path / other.path).write_bytes(dumps(new).encode())
        _git(path, "update-index", "--", other.path)
    led.close()
    out["floor"] = statistics.median(floor[1:])
    return out


def _update_index(repo: Path, paths: list[str], rounds: int) -> float:
    runs = []
    for rel in paths[:rounds]:
        (repo / rel).write_text((repo / rel).read_text() + "\n")
        t = time.perf_counter()
        _git(repo, "update-index", "--add", "--remove", "--", rel)
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def index(path: Path, rounds: int) -> dict[str, float]:
    """`git update-index` of one path in a copy of the ledger, per index layout."""
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        repo = Path(tmp) / "copy"
        _git(OUT, "clone", "-q", "--no-checkout", "--shared", str(path), str(repo))
        _git(repo, "config", "core.splitIndex", "false")
        _git(repo, "checkout", "-q", "main")
        paths = _git(repo, "ls-files", "requests/").split()
        out["entries"] = len(paths)
        out["index bytes"] = (repo / ".git" / "index").stat().st_size
        out["full"] = _update_index(repo, paths, rounds)
        _git(repo, "config", "core.splitIndex", "true")
        _git(repo, "update-index", "--split-index")
        out["split, fresh"] = _update_index(repo, paths[rounds:], rounds)
        # A year of steps: every entry replaced once. git leaves them all in the split part.
        bulk = paths[2 * rounds :]
        for rel in bulk:
            with open(repo / rel, "a") as fh:
                fh.write("\n")
        for k in range(0, len(bulk), 2000):
            _git(repo, "update-index", "--", *bulk[k : k + 2000])
        out["split part bytes, every entry stepped once"] = (repo / ".git" / "index").stat().st_size
        out["split, every entry stepped once (git alone)"] = _update_index(repo, bulk, rounds)
        t = time.perf_counter()
        _git(repo, "update-index", "--split-index")
        out["re-split (once)"] = time.perf_counter() - t
        out["split, after ktpel's re-split"] = _update_index(repo, bulk[rounds:], rounds)
        # The same, staged in-process (ledger/gitindex.py) in the same index: the first call
        # on a new shared index walks it once to keep its table of offsets.
        # git's own write a second later: the shared index's entries are then older than the
        # index (else they are "racily clean" to git and the in-process update declines).
        time.sleep(1.1)
        _update_index(repo, bulk[-1:], 1)
        runs, first = [], None
        for rel in bulk[2 * rounds : 3 * rounds + 1]:
            data = (repo / rel).read_bytes() + b"\n"
            (repo / rel).write_bytes(data)
            t = time.perf_counter()
            done = gitindex.update(repo / ".git", repo, {rel: data}, table_dir=repo / ".git")
            took = time.perf_counter() - t
            assert done, "the in-process update declined"
            if first is None:
                first = took
            else:
                runs.append(took)
        out["in-process, first (walks the shared index once)"] = first or 0.0
        out["in-process"] = statistics.median(runs)
        out["git update-index, same index"] = _update_index(repo, bulk[4 * rounds :], rounds)
    return out


def incremental_audit(path: Path, commits: int) -> dict[str, float]:
    from ledger.audit import audit_git_dir

    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        base = Path(tmp)
        repo = base / "copy"
        _git(OUT, "clone", "-q", "--shared", "-b", "main", str(path), str(repo))
        t = time.perf_counter()
        full = audit_git_dir(repo / ".git", "HEAD")
        first = time.perf_counter() - t
        led = Ledger.open(repo)
        policy = led.policy()
        rows = [r for r in led.list_requests() if not r.broken and r.step in SIMPLE_STEPS]
        done = 0
        for row in rows:
            state = led.read_request(row.id)
            while done < commits and state.step in SIMPLE_STEPS:
                state = led.record(row.id, _event(policy, state)).request
                done += 1
            if done >= commits:
                break
        led.close()
        kept = repo / ".git" / "ktpel"
        shutil.copytree(kept, base / "state")
        t = time.perf_counter()
        report = audit_git_dir(repo / ".git", "HEAD")
        ok = report.ok
        incremental = time.perf_counter() - t
        t = time.perf_counter()
        shown = len(report.findings)  # what `ktpel audit` then prints: every finding
        read_all = time.perf_counter() - t
        shutil.rmtree(kept)
        shutil.copytree(base / "state", kept)
        t = time.perf_counter()
        audit_git_dir(repo / ".git", "HEAD", old_findings=False)  # sync and the hub's hook
        only_new = time.perf_counter() - t
    return {
        "full": first,
        "incremental": incremental,
        "then reading every finding": read_all,
        "incremental, new findings only": only_new,
        "checked": report.checked,
        "ok": ok,
        "findings shown": shown,
        "findings": len(full.findings),
    }


def migrate(path: Path) -> dict[str, float]:
    """`ktpel migrate-format` of a flat ledger to sharded, in a copy, against git moving the
    same files (the migrated tree made beforehand, untimed: `commit-tree`, then
    `read-tree -m -u` moving index and working tree, then `update-ref`, in a second copy);
    then the audit of the migration commit alone, as the hub's hook walks a push with no cache
    (`Walker` from an incomplete context at the parent), and the first list after it."""
    from ledger.audit import Context, Walker
    from ledger.gitread import log_entries

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        ours, theirs = Path(tmp) / "ktpel", Path(tmp) / "git"
        for repo in (ours, theirs):
            _git(OUT, "clone", "-q", "-b", "main", str(path), str(repo))
        led = Ledger.open(ours)
        admin = next(p.id for p in led.policy().people.values() if p.holds("admin"))
        base = led.head()
        t = time.perf_counter()
        new, moved = led.migrate_format(admin, "sharded")
        out["ktpel migrate-format"] = time.perf_counter() - t
        out["files moved"] = moved
        tree = _git(ours, "rev-parse", f"{new}^{{tree}}").strip()
        _git(theirs, "fetch", "-q", str(ours), new)  # the objects, not the ref
        t = time.perf_counter()
        sha = _git(theirs, "commit-tree", tree, "-p", base, "-m", "floor").strip()
        _git(theirs, "read-tree", "-m", "-u", base, sha)
        _git(theirs, "update-ref", "HEAD", sha, base)
        out["floor: commit-tree, read-tree -m -u, update-ref"] = time.perf_counter() - t
        walker = Walker(ours / ".git", Context(complete=False, tip=base))
        t = time.perf_counter()
        walker.run(log_entries(ours / ".git", new, base))
        out["audit of the migration commit"] = time.perf_counter() - t
        walker.close()
        out["its error findings"] = sum(f.severity == "error" for f in walker.ctx.findings)
        t = time.perf_counter()
        led.list_requests()
        out["first list after it (every file read again)"] = time.perf_counter() - t
        led.close()
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clone(path: Path) -> dict[str, float]:
    from ledger.hub import clone as ktpel_clone

    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        base = Path(tmp)
        _git(OUT, "clone", "-q", "--bare", str(path), str(base / "hub.git"))
        port = _free_port()
        daemon = subprocess.Popen(
            ["git", "daemon", "--export-all", "--reuseaddr", f"--port={port}"]
            + ["--listen=127.0.0.1", f"--base-path={base}", str(base)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"git://127.0.0.1:{port}/hub.git"
            for _ in range(50):
                if subprocess.run(["git", "ls-remote", url], capture_output=True).returncode == 0:
                    break
                time.sleep(0.1)
            t = time.perf_counter()
            _git(base, "clone", "-q", url, str(base / "plain"))
            plain = time.perf_counter() - t
            from ledger import clonecheck

            t = time.perf_counter()
            led = ktpel_clone(url, base / "ktpel")
            ours = time.perf_counter() - t
            # Usable at once: rows from the [state] tables while the check runs behind.
            quick = led.quick_requests()
            first_rows = time.perf_counter() - t
            clonecheck.wait(led.git_dir)
            checked = time.perf_counter() - t
            warm = time.perf_counter()
            rows = led.list_requests()
            warm = time.perf_counter() - warm
            led.close()
            t = time.perf_counter()  # again after ktpel's: the order must not decide
            _git(base, "clone", "-q", url, str(base / "plain-2"))
            plain = min(plain, time.perf_counter() - t)
            graph = base / "plain" / ".git" / "objects" / "info"
            for stale in graph.glob("commit-graph*"):
                if stale.is_file():
                    stale.unlink()
            t = time.perf_counter()
            _git(base / "plain", "commit-graph", "write", "--reachable", "--changed-paths")
            graph_write = time.perf_counter() - t
        finally:
            os.kill(daemon.pid, signal.SIGTERM)
            daemon.wait()
    return {
        "git clone": plain,
        "ktpel clone": ours,
        "clone and first rows ([state] tables)": first_rows if quick else float("nan"),
        "clone until its check is done (audit, listing cache)": checked,
        "then a list (warm)": warm,
        "rows": len(rows),  # an int: printed as a count
        "commit-graph write": graph_write,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", nargs="*", default=["step", "index", "audit", "clone"])
    ap.add_argument("--sizes", nargs="*", type=int, default=[200, 20000, 200000])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--layout", choices=["flat", "sharded"], default="flat")
    args = ap.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    os.environ.setdefault("KTPEL_KEYS_DIR", str(OUT / "no-keys"))  # benchmark ledgers are unsigned
    print(f"load {os.getloadavg()[0]:.1f}")
    if "step" in args.parts:
        base = None
        for size in args.sizes:
            r = step(ledger_at(size, args.layout), args.rounds)
            base = base or r
            print(f"step at {size}: " + ", ".join(f"{k} {_ms(v)}" for k, v in r.items()))
            for label in ("before", "now"):
                print(
                    f"  {label}: ÷ floor {r[f'step {label}'] / r['floor']:.2f}×, ÷ step at "
                    f"{args.sizes[0]} {r[f'step {label}'] / base[f'step {label}']:.2f}× "
                    "(target ≤ 1.3×)"
                )
    if "index" in args.parts:
        for size in args.sizes:
            r = index(ledger_at(size, args.layout), args.rounds)
            print(
                f"update-index at {size}: "
                + ", ".join(f"{k} {_ms(v) if v < 100 else int(v)}" for k, v in r.items())
            )
    if "audit" in args.parts:
        r = incremental_audit(ledger_at(20000, args.layout), 100)
        print(
            "audit at 20000: "
            + ", ".join(f"{k} {v:.3f}" for k, v in r.items())
            + " (target: incremental ≤ 0.2 s)"
        )
    if "migrate" in args.parts:
        for size in args.sizes:
            r = migrate(ledger_at(size, "flat"))
            print(
                f"migrate-format at {size}: "
                + ", ".join(
                    f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in r.items()
                )
            )
    if "clone" in args.parts:
        r = clone(ledger_at(20000, args.layout))
        print(
            "clone at 20000: "
            + ", ".join(
                f"{k} {v}" if isinstance(v, int) else f"{k} {v:.1f} s" for k, v in r.items()
            )
            + f"; ktpel ÷ git {r['ktpel clone'] / r['git clone']:.2f}× (target ≤ 1.3×)"
        )
    print(f"load {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
