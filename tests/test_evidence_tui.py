"""The attachments key on the detail screen (issue 11), driven by Textual's Pilot on the demo,
whose first handover of 2026-0001 carries a signed BAST scan and a photo."""

from __future__ import annotations

import hashlib
from pathlib import Path

from test_documents_tui import until
from textual.widgets import OptionList, Static

from ktpel_tui.app import KtpelApp
from ktpel_tui.screens import evidence as evidence_screen
from ktpel_tui.screens.detail import DetailScreen
from ktpel_tui.screens.evidence import EvidenceScreen
from ktpel_tui.screens.listing import ListScreen

SIZE = (100, 30)


async def open_evidence(pilot, app: KtpelApp, request_id: str) -> EvidenceScreen:
    await until(pilot, lambda: isinstance(app.screen, ListScreen) and app.screen.filled, "list")
    app.push_screen(DetailScreen(request_id))
    await until(pilot, lambda: app.screen.state is not None, "detail")
    await pilot.press("b")
    await until(pilot, lambda: isinstance(app.screen, EvidenceScreen), "evidence screen")
    return app.screen


async def test_the_detail_key_lists_attachments_and_writes_the_chosen_one(
    demo_path: Path, tmp_path: Path, fixed_clock, monkeypatch
) -> None:
    monkeypatch.setenv("KTPEL_DOCS_DIR", str(tmp_path / "docs"))
    # No desktop here: the screen must say where the file went instead of opening it.
    monkeypatch.setattr(evidence_screen, "viewer", lambda: None)
    app = KtpelApp(demo_path, "dedi", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_evidence(pilot, app, "2026-0001")
        await until(pilot, lambda: screen.items, "attachments listed")
        options = screen.query_one("#evidence-list", OptionList)
        assert options.option_count == 2
        first = str(options.get_option_at_index(0).prompt)
        assert "BAST 19.01 ditandatangani.pdf" in first and "bast-signed" in first
        assert "ada" in first
        await until(pilot, lambda: options.highlighted == 0, "the cursor on the first file")
        await pilot.press("enter")  # at once: no arrow key needed first
        await until(pilot, lambda: screen.written is not None, "written")
        status = str(screen.query_one("#evidence-status", Static).content)
        assert str(tmp_path / "docs" / "2026-0001") in status
        wanted = screen.items[0].attachment
        assert hashlib.sha256(screen.written.read_bytes()).hexdigest() == wanted.sha256
        assert screen.written.read_bytes().startswith(b"%PDF-")
        await pilot.press("escape")
        assert isinstance(app.screen, DetailScreen)


async def test_a_request_without_attachments_says_so(
    demo_path: Path, fixed_clock, monkeypatch
) -> None:
    app = KtpelApp(demo_path, "maya", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_evidence(pilot, app, "2026-0006")
        status = screen.query_one("#evidence-status", Static)
        await until(pilot, lambda: "belum punya lampiran" in str(status.content), "empty")
        assert screen.query_one("#evidence-list", OptionList).option_count == 0
