"""Benchmark of the screen (issue 3): time until the first rows are on screen.

Compared in the same run with an empty Textual app that shows a one-row DataTable on mount,
both driven headless by Textual's own test harness at 100x30.

    python -m bench.bench_tui                  # uses bench/out/ledger-20000 (built if absent)
    python -m bench.bench_tui --write-doc      # also refreshes the table in docs/PERFORMANCE.md
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from bench.bench_core import DOC, ledger_at

BEGIN, END = "<!-- bench_tui:begin -->", "<!-- bench_tui:end -->"


class EmptyApp(App[None]):
    """The baseline: Textual's own start with a table and one row."""

    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("id")
        table.add_row("x")


async def _until_rows(app: App, tables) -> float:
    start = time.perf_counter()
    async with app.run_test(size=(100, 30)) as pilot:
        while True:
            if any(t.row_count > 0 for t in tables(app)):
                elapsed = time.perf_counter() - start
                break
            if time.perf_counter() - start > 600:
                raise SystemExit("no rows after 10 minutes")
            await pilot.pause(0.005)
    return elapsed


def _ktpel_tables(app: App):
    try:
        return list(app.screen.query(DataTable))
    except Exception:  # noqa: BLE001 - the screen may be switching
        return []


async def first_rows(root: Path, person: str) -> float:
    from ktpel_tui.app import KtpelApp

    return await _until_rows(KtpelApp(root, person, watch=False), _ktpel_tables)


async def empty_app() -> float:
    return await _until_rows(EmptyApp(), lambda app: list(app.query(DataTable)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--write-doc", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault(
        "KTPEL_CONFIG", str(Path(__file__).resolve().parent / "out" / "config.toml")
    )
    root = ledger_at(args.size, "requests", False)
    person = "rudi"  # the Kabid: many requests wait on him in the bench ledger
    cache = root / ".git" / "ktpel" / "cache.sqlite"
    for extra in ("", "-wal", "-shm"):
        Path(str(cache) + extra).unlink(missing_ok=True)
    cold = asyncio.run(first_rows(root, person))
    warm = [asyncio.run(first_rows(root, person)) for _ in range(args.rounds)]
    base = [asyncio.run(empty_app()) for _ in range(args.rounds)]
    w, b = statistics.median(warm), statistics.median(base)
    table = "\n".join(
        [
            f"Measured {time.strftime('%Y-%m-%d')}, headless at 100x30, median of {args.rounds} starts; person `{person}`.",
            "",
            "| | time to first rows | ÷ empty app |",
            "|---|---:|---:|",
            f"| empty Textual app (one-row DataTable on mount) | {b * 1000:.0f} ms | 1.0× |",
            f"| ktpel, {args.size} requests, cache warm (HEAD unchanged since last run) | {w * 1000:.0f} ms | {w / b:.1f}× |",
            f"| ktpel, {args.size} requests, first open (no cache: every file parsed) | {cold * 1000:.0f} ms | {cold / b:.1f}× |",
        ]
    )
    print(table)
    if args.write_doc:
        text = DOC.read_text(encoding="utf-8")
        if BEGIN not in text:
            print(f"markers {BEGIN} / {END} not found in {DOC}", file=sys.stderr)
            return 1
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        DOC.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
