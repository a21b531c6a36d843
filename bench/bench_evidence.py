"""Benchmark of lean clones (issue 11): a ledger with ~200 MB of scans, cloned full and lean.

The ledger is the core bench's small ledger (200 requests, one commit per event, built through
`ledger.request.apply`), plus one commit per scan written with `git fast-import` at its content
address (`evidence/sha256/ab/<rest>.<ext>`): random bytes behind a real PDF or JPEG header, as
incompressible as a real scan. The hub is made by `ktpel hub init` plus `lean.prepare_hub`, and
served by a real `git daemon` on 127.0.0.1. Each round clones it with plain `git clone` (what
`ktpel clone` does today) and with `lean.clone_lean`, and then fetches one scan on demand.

    python -m bench.bench_evidence                 # prints a table
    python -m bench.bench_evidence --write-doc     # also refreshes the section in docs/PERFORMANCE.md
    python -m bench.bench_evidence --scans 400 --scan-kb 512   # other shapes

Nothing here asserts a time. The link on this machine is the loopback, so clone *times* mostly
measure the CPU of packing and indexing; the *bytes* are what a slow link pays, and the table
prints what they cost at 1 Mbit/s (an estimate from the bytes, not a measurement).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from ledger import evidence, hub, lean

OUT = Path(__file__).resolve().parent / "out" / "evidence"
DOC = Path(__file__).resolve().parents[1] / "docs" / "PERFORMANCE.md"
BEGIN, END = "<!-- bench_evidence:begin -->", "<!-- bench_evidence:end -->"
SECTION = "## Evidence: full and lean clones"


def _env() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
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
    ).stdout.strip()


def _scan(rng: random.Random, size: int, i: int) -> bytes:
    head = evidence.tiny_pdf(f"Pindaian {i}") if i % 3 else evidence.tiny_jpeg(f"Foto {i}")
    return head + rng.randbytes(max(0, size - len(head)))


def build(path: Path, n_scans: int, scan_kb: int, requests: int, seed: int = 11) -> int:
    """The small bench ledger plus `n_scans` scan commits; returns the scans' total bytes."""
    from bench.build import build as build_ledger

    build_ledger(path, requests, "events")
    rng = random.Random(seed)
    total = 0
    proc = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=path, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    stamp = 1_764_300_000
    for i in range(n_scans):
        size = int(scan_kb * 1024 * rng.uniform(0.4, 1.6))
        data = _scan(rng, size, i)
        total += len(data)
        a = evidence.attachment_for(data, f"scan-{i}", "surat-scan" if i % 3 else "foto")
        message = f"Lampiran {i}\n".encode()
        proc.stdin.write(
            b"commit refs/heads/main\n"
            + b"committer bench <bench@example.invalid> %d +0700\n" % (stamp + i)
            + b"data %d\n%s" % (len(message), message)
            + (b"from refs/heads/main^0\n" if i == 0 else b"")
            + b"M 100644 inline %s\ndata %d\n" % (a.path.encode(), len(data))
            + data
            + b"\n"
        )
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    git(path, "checkout", "-q", "-f", "main")
    return total


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    def __init__(self, base: Path) -> None:
        self.port = _free_port()
        self.proc = subprocess.Popen(
            [
                "git",
                "daemon",
                "--reuseaddr",
                f"--base-path={base}",
                "--export-all",
                "--listen=127.0.0.1",
                f"--port={self.port}",
                str(base),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("git daemon did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def _pack_bytes(repo: Path) -> int:
    """What came over the wire: the packs git received (loose objects are made by checkout only
    in a full clone, never by a clone's transfer)."""
    return sum(p.stat().st_size for p in (repo / ".git" / "objects" / "pack").glob("*.pack"))


def measure(url: str, rounds: int) -> dict[str, list[float]]:
    work = OUT / "clones"
    out: dict[str, list[float]] = {k: [] for k in ("full_s", "lean_s", "fetch_s")}
    for _ in range(rounds):
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        t = time.perf_counter()
        subprocess.run(["git", "clone", "-q", "--no-tags", url, str(work / "full")], check=True)
        out["full_s"].append(time.perf_counter() - t)
        t = time.perf_counter()
        clone = lean.clone_lean(url, work / "lean")
        out["lean_s"].append(time.perf_counter() - t)
        blob = lean.evidence_presence(clone.path)[0].blob
        t = time.perf_counter()
        lean.fetch_blob(clone.path, blob)
        out["fetch_s"].append(time.perf_counter() - t)
        out.setdefault("full_pack", []).append(_pack_bytes(work / "full"))
        out.setdefault("full_disk", []).append(_du(work / "full"))
    shutil.rmtree(work / "lean")
    clone = lean.clone_lean(url, work / "lean")
    out["lean_pack"] = [_pack_bytes(clone.path)]
    out["lean_disk_before_fetch"] = [_du(clone.path)]
    out["missing"] = [len([b for b in lean.evidence_presence(clone.path) if not b.present])]
    shutil.rmtree(work, ignore_errors=True)
    return out


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


def table(r: dict[str, list[float]], scans: int, total: int, requests: int, rounds: int) -> str:
    full_s, lean_s = statistics.median(r["full_s"]), statistics.median(r["lean_s"])
    full_b, lean_b = r["full_pack"][0], r["lean_pack"][0]
    at_1mbit = lambda b: f"≈ {b * 8 / 1e6 / 60:,.1f} min"  # noqa: E731
    lines = [
        f"Measured {date.today().isoformat()} on this machine (2 cores), git "
        f"{git(OUT, 'version').split()[-1]}, over `git daemon` on 127.0.0.1, median of {rounds} "
        f"rounds. Ledger: {requests} requests plus {scans} scans, {_mb(total)} of scan bytes.",
        "",
        "| | full clone (`git clone`) | lean clone (`lean.clone_lean`) | lean ÷ full |",
        "|---|---:|---:|---:|",
        f"| time | {full_s:.2f} s | {lean_s:.2f} s | {lean_s / full_s:.2f}× |",
        f"| bytes received (pack) | {_mb(full_b)} | {_mb(lean_b)} | {lean_b / full_b:.3f}× |",
        f"| size on disk (`.git` + files) | {_mb(r['full_disk'][0])} | "
        f"{_mb(r['lean_disk_before_fetch'][0])} | "
        f"{r['lean_disk_before_fetch'][0] / r['full_disk'][0]:.3f}× |",
        f"| the same bytes at 1 Mbit/s (estimate, not measured) | {at_1mbit(full_b)} | "
        f"{at_1mbit(lean_b)} | |",
        f"| scans not fetched after the clone | 0 | {r['missing'][0]} of {scans} | |",
        f"| opening one scan (`lean.fetch_blob`, ~{total / scans / 1e6:.1f} MB) | — | "
        f"{statistics.median(r['fetch_s']):.2f} s | |",
    ]
    return "\n".join(lines)


def write_doc(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8")
    block = f"{BEGIN}\n{text}\n{END}"
    if BEGIN in doc and END in doc:
        head, rest = doc.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        doc = f"{head}{block}{tail}"
    else:
        doc = (
            doc.rstrip("\n")
            + f"\n\n{SECTION}\n\n```sh\npython -m bench.bench_evidence --write-doc\n```\n\n{block}\n"
        )
    DOC.write_text(doc, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=200)
    parser.add_argument("--scan-kb", type=int, default=1000, help="mean scan size (0.4x to 1.6x)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fresh", action="store_true", help="rebuild the ledger and hub")
    parser.add_argument("--write-doc", action="store_true")
    args = parser.parse_args(argv)
    _env()
    shape = f"{args.requests}r-{args.scans}x{args.scan_kb}k"
    source, srv = OUT / f"ledger-{shape}", OUT / f"srv-{shape}"
    if args.fresh:
        shutil.rmtree(source, ignore_errors=True)
        shutil.rmtree(srv, ignore_errors=True)
    t = time.perf_counter()
    if not (srv / "hub.git").exists():
        shutil.rmtree(source, ignore_errors=True)
        total = build(source, args.scans, args.scan_kb, args.requests)
        hub_path = hub.init_hub(srv / "hub.git")
        lean.prepare_hub(hub_path)
        git(hub_path, "fetch", "-q", str(source), "main:main")  # from the hub's side: no hook
        (srv / "total").write_text(str(total))
    total = int((srv / "total").read_text())
    print(f"  prepared in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    daemon = Daemon(srv)
    try:
        results = measure(f"git://127.0.0.1:{daemon.port}/hub.git", args.rounds)
    finally:
        daemon.stop()
    text = table(results, args.scans, total, args.requests, args.rounds)
    print(text)
    if args.write_doc:
        write_doc(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
