"""Parser bench (issue 17, item 2): tomllib vs tomli vs rtoml on the project's own request files.

Reads every request blob at HEAD of a ledger through one `git cat-file --batch` (the floor of
the read), then parses the same texts with each parser, checks each gives the same data as
tomllib, and shows the message each gives for malformed files (the line must stay visible).

    python -m bench.bench_parse --requests 20000      # builds bench/out/ledger-20000 if needed
    python -m bench.bench_parse --ledger /tmp/demo    # any ledger (e.g. `ktpel demo`)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"

# Malformed request files a user could produce by hand-editing (each on a known line).
GOOD = 'format = 1\nid = "2026-0001"\nsop = "x"\n\n[[event]]\nseq = 1\nat = 2026-01-05T08:00:00+07:00\n'
MALFORMED = {
    "unclosed string (line 2)": GOOD.replace('"2026-0001"', '"2026-0001'),
    "duplicate key (line 3)": GOOD.replace('sop = "x"\n', 'sop = "x"\nsop = "y"\n'),
    "bad datetime (line 7)": GOOD.replace("08:00:00", "25:00:00"),
    "missing value (line 6)": GOOD.replace("seq = 1", "seq ="),
    "stray text (line 4)": GOOD.replace("\n\n[[event]]", "\nfoo bar\n[[event]]"),
}


def parsers() -> dict[str, tuple[Callable[[str], dict], type[Exception]]]:
    found: dict[str, tuple[Callable[[str], dict], type[Exception]]] = {
        "tomllib": (tomllib.loads, tomllib.TOMLDecodeError)
    }
    try:
        import tomli

        found[f"tomli {tomli.__version__ if hasattr(tomli, '__version__') else ''}".strip()] = (
            tomli.loads,
            tomli.TOMLDecodeError,
        )
    except ImportError:
        print("tomli not installed", file=sys.stderr)
    try:
        import rtoml

        found[f"rtoml {rtoml.__version__}"] = (rtoml.loads, rtoml.TomlParsingError)
    except ImportError:
        print("rtoml not installed", file=sys.stderr)
    return found


def request_blobs(ledger: Path) -> tuple[list[str], float]:
    """Every requests/ blob at HEAD, read in one cat-file --batch; returns (texts, seconds)."""
    t = time.perf_counter()
    listing = subprocess.run(
        ["git", "ls-tree", "-r", "--format=%(objectname)", "HEAD", "--", "requests/"],
        cwd=ledger,
        capture_output=True,
        check=True,
    ).stdout
    proc = subprocess.run(
        ["git", "cat-file", "--batch"], cwd=ledger, input=listing, capture_output=True, check=True
    )
    data, texts, pos = proc.stdout, [], 0
    while pos < len(data):
        nl = data.index(b"\n", pos)
        size = int(data[pos:nl].split()[2])
        texts.append(data[nl + 1 : nl + 1 + size].decode("utf-8"))
        pos = nl + 1 + size + 1
    return texts, time.perf_counter() - t


def _plain(value):
    """Compare parsed data across parsers (rtoml's datetimes may differ in tz class only)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "utcoffset") and hasattr(value, "hour") and value.tzinfo is not None:
        return (value.replace(tzinfo=None), value.utcoffset())
    return value


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--ledger", type=Path, help="an existing ledger instead of bench/out/")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    ledger = args.ledger or OUT / f"ledger-{args.requests}"
    if not ledger.exists():
        from bench.build import build

        build(ledger, args.requests, "requests" if args.requests > 1000 else "events")
    print(f"load: {os.getloadavg()[0]:.2f}  ledger: {ledger}")
    texts, read_s = request_blobs(ledger)
    total = sum(len(t) for t in texts)
    print(
        f"read {len(texts)} request blobs ({total / 1e6:.1f} MB) with one cat-file --batch: {read_s:.3f} s"
    )
    ps = parsers()
    reference = [_plain(tomllib.loads(t)) for t in texts[:2000]]
    print(f"| parser | parse all (median of {args.rounds}) | per file | same data as tomllib |")
    print("|---|---:|---:|---|")
    for name, (loads, _) in ps.items():
        runs = []
        for _ in range(args.rounds):
            t = time.perf_counter()
            for text in texts:
                loads(text)
            runs.append(time.perf_counter() - t)
        same = all(_plain(loads(t)) == r for t, r in zip(texts, reference, strict=False))
        med = statistics.median(runs)
        print(f"| {name} | {med:.3f} s | {med / len(texts) * 1e6:.0f} µs | {same} |")
    print()
    print("| malformed file | parser | message |")
    print("|---|---|---|")
    for case, text in MALFORMED.items():
        for name, (loads, error) in ps.items():
            try:
                loads(text)
                msg = "(accepted: no error)"
            except error as exc:
                msg = " ".join(str(exc).split())
            except Exception as exc:  # noqa: BLE001 - report what a parser really raises
                msg = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
            print(f"| {case} | {name} | {msg.replace('|', '/')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
