"""Benchmark of sync (issue 4): a day's work of one office (100 operations) against plain git.

Every scenario is prepared once, copied (hub and clone, byte for byte), then moved once by
`ledger.sync.sync` and once by plain git, in the same run:

- push: the office has 100 new operations, the hub has not moved.
  ktpel `sync` vs `git pull --ff-only` + `git push`.
- pull: another office takes those 100 operations.
  ktpel `sync` (fast-forward) vs `git pull --ff-only` + `git push` (nothing to push).
- both moved: the hub took 100 operations from another office meanwhile; ours are re-applied on
  top (each checked again, re-signed with its author's key, ids renumbered where taken).
  Plain git cannot fast-forward here, and `git pull --rebase` stops on an add/add conflict (both
  offices numbered their new requests 2026-0007, ...), so the baseline is the ff-only pair moving
  as many commits: pulling a day (100) plus pushing a day (100).

The hub is made by `ktpel hub init` (with its pre-receive audit hook) unless --no-hook; both sides
push to identical copies of it. The ledger is the signed demo ledger; keys live in bench/out.

    python -m bench.bench_sync                 # prints a table
    python -m bench.bench_sync --write-doc     # also refreshes the Sync section of docs/PERFORMANCE.md
    python -m bench.bench_sync --requests 20000 --write-doc   # the same day on a large ledger

Nothing here asserts a time; the target (≤ 3× plain git) is printed next to the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out" / "sync"
DOC = Path(__file__).resolve().parents[1] / "docs" / "PERFORMANCE.md"
BEGIN, END = "<!-- bench_sync:begin -->", "<!-- bench_sync:end -->"
LARGE = ("<!-- bench_sync_large:begin -->", "<!-- bench_sync_large:end -->")
SECTION = "## Sync"


def _env() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ["KTPEL_KEYS_DIR"] = str(OUT / "keys")
    gitconfig = OUT / "gitconfig"
    gitconfig.write_text(
        "[init]\n\tdefaultBranch = main\n[user]\n\tname = bench\n\temail = bench@example.invalid\n"
    )
    os.environ["GIT_CONFIG_GLOBAL"] = str(gitconfig)
    os.environ["GIT_CONFIG_NOSYSTEM"] = "1"
    os.environ["LC_ALL"] = "C"


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout


def day_of_work(led, n: int, start, rng: random.Random, last_step: int = 9) -> int:
    """`n` province operations: new requests (letters recorded on behalf) taken through steps 1-`last_step`."""
    from ledger.demo import ACTOR, _step_data
    from ledger.request import Event, OnBehalf

    t = start
    made = 0
    codes = ["19.01", "19.02", "19.03", "19.04", "19.05", "19.06", "19.71"]
    while made < n:
        t += timedelta(minutes=3)
        code = rng.choice(codes)
        data = {
            "kabkota": code,
            "letter_number": f"470/{rng.randint(1000, 999999)}/Dukcapil-{code}/{t.year}",
            "letter_date": t.date(),
            "blanks_requested": rng.randint(100, 3000),
            "stock_left": rng.randint(0, 200),
        }
        ob = OnBehalf(
            f"Kepala Dinas Dukcapil {code}",
            "Surat diterima dalam bentuk kertas",
            f"Agenda {rng.randint(100, 999)}",
        )
        rid = led.record(
            None, Event("create", 0, t, ACTOR["pelaksana"], "kadis-kabkota", data, on_behalf=ob)
        ).request.id
        made += 1
        while made < n and (state := led.read_request(rid)).step <= last_step:
            t += timedelta(minutes=3)
            step = led.policy().sop.step(state.step)
            led.record(
                rid,
                Event(
                    "advance",
                    step.no,
                    t,
                    ACTOR[step.role],
                    step.role,
                    _step_data(led, state, step.no, t, rng),
                ),
            )
            made += 1
    return made


def _copy_pair(src_hub: Path, src_clone: Path, dest: Path) -> tuple[Path, Path]:
    if dest.exists():
        shutil.rmtree(dest)
    hub = dest / "hub.git"
    work = dest / "clone"
    shutil.copytree(src_hub, hub, symlinks=True)
    shutil.copytree(src_clone, work, symlinks=True)
    git(work, "remote", "set-url", "origin", str(hub))
    # A copied folder has new inodes and times: refresh the index's stat data, as the office's own
    # clone would have it, so neither side pays for the copy.
    git(work, "update-index", "-q", "--refresh")
    return hub, work


def _ktpel(hub: Path, work: Path) -> tuple[float, object]:
    from ledger.store import Ledger
    from ledger.sync import sync

    with Ledger.open(work) as led:
        led.list_requests()  # a warm clone, as in the TUI
        t = time.perf_counter()
        result = sync(led)
        return time.perf_counter() - t, result


def _plain(work: Path) -> float:
    t = time.perf_counter()
    subprocess.run(
        ["git", "pull", "-q", "--ff-only", "origin", "main"],
        cwd=work,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["git", "push", "-q", "origin", "HEAD:refs/heads/main"],
        cwd=work,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - t


def prepare(n: int, hook: bool, requests: int | None = None) -> dict[str, tuple[Path, Path]]:
    """Three (hub, clone) pairs, before the move: push, pull, both moved.

    The ledger is the signed demo, or with `requests` the core bench's large ledger (unsigned,
    signatures not required; see bench_core).
    """
    from ledger import clock
    from ledger.demo import build_demo
    from ledger.hub import clone, init_hub
    from ledger.store import Ledger
    from ledger.sync import sync

    base = OUT / (("hook" if hook else "nohook") + (f"-{requests}" if requests else ""))
    if base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True)
    now = clock.now()
    if requests:
        from bench.bench_core import ledger_at

        shutil.copytree(ledger_at(requests, "requests", fresh=False), base / "seed", symlinks=True)
        seed = Ledger.open(base / "seed")
    else:
        seed = build_demo(base / "seed", now=now)
    hub = init_hub(base / "hub.git")
    if not hook:
        (hub / "hooks" / "pre-receive").unlink(missing_ok=True)
    git(seed.root, "remote", "add", "origin", str(hub))
    sync(seed)
    seed.close()
    hub_at_base = base / "hub-base.git"
    shutil.copytree(hub, hub_at_base, symlinks=True)
    office = clone(str(hub), base / "office")
    other = clone(str(hub), base / "other")
    reader = clone(str(hub), base / "reader")
    reader.close()
    rng = random.Random(4)
    day_of_work(office, n, now + timedelta(hours=1), rng)
    day_of_work(
        other, n, now + timedelta(hours=1, minutes=1), random.Random(5), last_step=8
    )  # one numbering clerk
    pairs = {"push": (hub, office.root)}
    # pull: the reader takes the office's operations from a hub that holds them.
    pushed_hub = base / "hub-pushed.git"
    hub2, work2 = _copy_pair(hub, office.root, base / "tmp-push")
    _ktpel(hub2, work2)
    shutil.copytree(hub2, pushed_hub, symlinks=True)
    pairs["pull"] = (pushed_hub, reader.root)
    # both moved: the other office's day is on the hub; the office's own day is re-applied on top.
    other_hub = base / "hub-other.git"
    hub3, work3 = _copy_pair(hub_at_base, other.root, base / "tmp-other")
    _ktpel(hub3, work3)
    shutil.copytree(hub3, other_hub, symlinks=True)
    pairs["both"] = (other_hub, office.root)
    office.close()
    other.close()
    return pairs


def measure(
    pairs: dict[str, tuple[Path, Path]], rounds: int, n: int
) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    scratch = OUT / "run"
    for name, (hub, work) in pairs.items():
        ours, plain = [], []
        for _ in range(rounds):
            seconds, result = _ktpel(*_copy_pair(hub, work, scratch / "a"))
            ours.append(seconds)
            moved = (result.pulled, result.pushed, len(result.parked))
            _, w = _copy_pair(hub, work, scratch / "b")
            if name == "both":
                # The ff-only pair moving as many commits: pull a day (100), push a day (100).
                _, w_pull = _copy_pair(*pairs["pull"], scratch / "c")
                _, w_push = _copy_pair(*pairs["push"], scratch / "d")
                plain.append(_plain(w_pull) + _plain(w_push))
            else:
                plain.append(_plain(w))
        out[name] = {
            "ktpel": statistics.median(ours),
            "plain": statistics.median(plain),
            "moved": moved,
        }
    shutil.rmtree(scratch, ignore_errors=True)
    return out


def _s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def table(
    results: dict[bool, dict[str, dict[str, float]]],
    n: int,
    rounds: int,
    requests: int | None = None,
) -> str:
    ledger = (
        f"the core bench's ledger of {requests:,} requests"
        if requests
        else "the signed demo ledger"
    )
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on this machine ({os.cpu_count()} cores, shared), {n} operations from one office "
        f"on {ledger}, median of {rounds} runs on fresh copies of the same hub and clone, warm process.",
        "",
        "| scenario | hub | ktpel sync | plain git | ktpel ÷ git | target | moved (pulled, pushed, parked) |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    labels = {
        "push": "push: our day, hub unchanged",
        "pull": "pull: another office's day",
        "both": "both moved: our day re-applied on the other's",
    }
    for hook, res in results.items():
        hub = "with audit hook" if hook else "plain bare repo"
        for name in ("push", "pull", "both"):
            r = res[name]
            base = "`pull --ff-only` + `push`" + (
                " (pull 100 + push 100)" if name == "both" else ""
            )
            lines.append(
                f"| {labels[name]} | {hub} | {_s(r['ktpel'])} | {_s(r['plain'])} ({base}) | "
                f"{r['ktpel'] / r['plain']:.1f}× | ≤ 3× | {r['moved']} |"
            )
    return "\n".join(lines)


def write_doc(text: str, markers: tuple[str, str]) -> None:
    begin, end = markers
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Performance\n"
    block = f"{begin}\n{text}\n{end}"
    if begin in doc and end in doc:
        head, rest = doc.split(begin, 1)
        _, tail = rest.split(end, 1)
        doc = f"{head}{block}{tail}"
    else:
        doc = (
            doc.rstrip("\n")
            + f"\n\n{SECTION}\n\n```sh\npython -m bench.bench_sync --write-doc\n```\n\n{block}\n"
        )
    DOC.write_text(doc, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--no-hook", action="store_true", help="only the hub without its audit hook"
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=None,
        help="use the core bench's large ledger of this many requests (plain bare hub only)",
    )
    parser.add_argument("--write-doc", action="store_true")
    args = parser.parse_args(argv)
    _env()
    results = {}
    for hook in (False,) if args.no_hook or args.requests else (True, False):
        t = time.perf_counter()
        pairs = prepare(args.ops, hook, args.requests)
        print(
            f"  prepared ({'hook' if hook else 'no hook'}) in {time.perf_counter() - t:.1f} s",
            file=sys.stderr,
        )
        results[hook] = measure(pairs, args.rounds, args.ops)
    text = table(results, args.ops, args.rounds, args.requests)
    print(text)
    if args.write_doc:
        write_doc(text, LARGE if args.requests else (BEGIN, END))
    return 0


if __name__ == "__main__":
    sys.exit(main())
