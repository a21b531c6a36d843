"""The documents key on the detail screen, driven by Textual's Pilot on a real demo ledger."""

from __future__ import annotations

import io
import time
from pathlib import Path

from docx import Document as Docx
from textual.widgets import OptionList, Static

from ktpel_tui.app import KtpelApp
from ktpel_tui.screens.detail import DetailScreen
from ktpel_tui.screens.documents import DocumentsScreen
from ktpel_tui.screens.listing import ListScreen

SIZE = (100, 30)


async def until(pilot, check, what: str, limit: float = 60.0) -> None:
    """Let the app work until `check()` holds (a bound for a stuck app, not a timing check)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        await pilot.pause(0.02)
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - the screen may not be composed yet
            pass
    raise AssertionError(f"never happened: {what}")


async def open_documents(pilot, app: KtpelApp, request_id: str) -> DocumentsScreen:
    await until(pilot, lambda: isinstance(app.screen, ListScreen) and app.screen.filled, "list")
    app.push_screen(DetailScreen(request_id))
    await until(pilot, lambda: app.screen.state is not None, "detail")
    await pilot.press("d")
    await until(
        pilot,
        lambda: isinstance(app.screen, DocumentsScreen) and app.screen.items,
        "documents listed",
    )
    return app.screen


async def test_the_detail_key_lists_documents_and_writes_the_chosen_one(
    demo_path: Path, tmp_path: Path, fixed_clock, monkeypatch
) -> None:
    monkeypatch.setenv("KTPEL_DOCS_DIR", str(tmp_path / "docs"))
    app = KtpelApp(demo_path, "dedi", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_documents(pilot, app, "2026-0001")
        options = screen.query_one("#document-list", OptionList)
        assert options.option_count == 14  # two handovers to Kab. Bangka: 2 more papers
        bast = next(i for i, it in enumerate(screen.items) if it.kind == "bast")
        options.highlighted = bast
        await pilot.press("enter")
        await until(pilot, lambda: screen.written is not None, "written")
        status = screen.query_one("#document-status", Static).content
        assert str(tmp_path / "docs" / "2026-0001") in str(status)
        text = "\n".join(p.text for p in Docx(io.BytesIO(screen.written.read_bytes())).paragraphs)
        assert "BERITA ACARA SERAH TERIMA" in text
        await pilot.press("escape")
        assert isinstance(app.screen, DetailScreen)


async def test_documents_of_steps_not_reached_are_shown_disabled(
    demo_path: Path, tmp_path: Path, fixed_clock, monkeypatch
) -> None:
    monkeypatch.setenv("KTPEL_DOCS_DIR", str(tmp_path / "docs"))
    app = KtpelApp(demo_path, "maya", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_documents(pilot, app, "2026-0006")
        options = screen.query_one("#document-list", OptionList)
        disabled = [options.get_option_at_index(i).disabled for i in range(options.option_count)]
        assert all(disabled)  # 2026-0006 waits at step 1: nothing to print yet
        assert "langkah 1 belum dicatat" in str(options.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.written is None
        assert not (tmp_path / "docs").exists()
