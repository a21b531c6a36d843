"""Benchmark generating every document of a request, against loading the ledger.

    python -m bench.bench_documents [--rounds N]

On the demo ledger (built fresh in a temporary folder at a fixed clock), the completed request
2026-0001 has 12 documents (6 per request, a BAST and a Surat Pernyataan per handover, 3
handovers). Measured in the same run, median of N rounds (default 5):

- load: `Ledger.open` + `policy()` + `read_request` (what any command does first);
- build: the 12 documents' data (`ledger.documents.build`, no files);
- all documents: build, template check, render and write all 12 .docx files;
- cold: the first "all documents" in the process (imports docxtpl, reads templates);
- also the recap (`ktpel recap`) and the HTML report (`ktpel audit --html`) of the demo.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from ledger import clock
from ledger.demo import build_demo
from ledger.store import Ledger

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=clock.WIB)
REQUEST = "2026-0001"


def write_all(root: Path, out: Path) -> int:
    from ledger.documents import available, write_documents

    with Ledger.open(root) as led:
        state = led.read_request(REQUEST)
        items = [(a.kind, a.key) for a in available(state, led.policy()) if a.ready]
        write_documents(led, REQUEST, items, lambda name: out / name)
    return len(items)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    clock.set_clock(lambda: NOW)
    with tempfile.TemporaryDirectory(prefix="ktpel-bench-docs-") as tmp:
        root = Path(tmp) / "demo"
        build_demo(root, now=NOW).close()
        out = Path(tmp) / "out"
        cold = timed(lambda: write_all(root, out / "cold"))

        def load() -> None:
            with Ledger.open(root) as led:
                led.policy()
                led.read_request(REQUEST)

        def build_only() -> None:
            from ledger.documents import available, build

            with Ledger.open(root) as led:
                head, state, policy = led.head(), led.read_request(REQUEST), led.policy()
                for a in available(state, policy):
                    build(state, policy, a.kind, head, a.key)

        loads = [timed(load) for _ in range(args.rounds)]
        builds = [timed(build_only) for _ in range(args.rounds)]
        alls = [timed(lambda i=i: write_all(root, out / f"r{i}")) for i in range(args.rounds)]
        count = len(list((out / "r0").iterdir()))

        from ledger.audit import audit, figures
        from ledger.documents.recap import build_recap
        from ledger.documents.site import write_site

        def recap() -> None:
            with Ledger.open(root) as led:
                build_recap(led)

        def site() -> None:
            with Ledger.open(root) as led:
                write_site(led, audit(led), figures(led), out / "site")

        recaps = [timed(recap) for _ in range(args.rounds)]
        sites = [timed(site) for _ in range(args.rounds)]

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.0f} ms"

    print(f"documents of {REQUEST}: {count} files, median of {args.rounds} rounds")
    print(f"  load the ledger (open + policy + read_request): {ms(loads)}")
    print(f"  build the {count} documents' data:                {ms(builds)}")
    print(f"  all {count} documents (build, check, render, write): {ms(alls)}")
    print(f"  all {count} documents, first in the process (cold): {cold * 1000:.0f} ms")
    print(f"  per document: {statistics.median(alls) / count * 1000:.0f} ms")
    print(f"  recap (xlsx) of the demo ledger: {ms(recaps)}")
    print(f"  HTML report of the demo ledger (audit cached): {ms(sites)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
