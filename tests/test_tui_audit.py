"""The audit screen (A): the demo audits clean; a hand-made bad commit is listed and opens to its diff.

Real git and real signed demo commits; the bad commit is made with plain git, as an intruder would.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import head_of
from test_tui import SIZE, start, text_of, until
from textual.widgets import DataTable

from ktpel_tui.app import KtpelApp
from ktpel_tui.screens.audit import AuditScreen
from ktpel_tui.screens.detail import DetailScreen
from ktpel_tui.screens.history import CommitScreen
from ktpel_tui.screens.listing import ListScreen
from ledger import i18n


def findings(app: KtpelApp) -> dict[str, tuple[str, str, str, str]]:
    """Row key -> (severity, code, request, commit) as the table shows them."""
    table = app.screen.query_one("#findings", DataTable)
    return {str(key.value): tuple(str(c) for c in table.get_row(key)[:4]) for key in table.rows}  # type: ignore[misc]


async def open_audit(pilot, app: KtpelApp) -> AuditScreen:
    await pilot.press("A")
    await until(
        pilot, lambda: isinstance(app.screen, AuditScreen) and app.screen.done, "the audit ran"
    )
    assert isinstance(app.screen, AuditScreen)
    return app.screen


def _wib_now() -> str:
    from datetime import datetime, timedelta, timezone

    return datetime.now(timezone(timedelta(hours=7))).isoformat()


def tamper(path: Path) -> str:
    """An unsigned commit that edits a count in a request file by hand; its id."""
    file = path / "requests" / "2026" / "2026-0003.toml"
    text = file.read_text()
    assert "blanks_requested = 1000\n" in text
    file.write_text(text.replace("blanks_requested = 1000\n", "blanks_requested = 9000\n", 1))
    subprocess.run(
        [
            "git",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "user.name=Penyusup",
            "-c",
            "user.email=x@example.invalid",
            "commit",
            "-q",
            "-am",
            "ubah jumlah",
        ],
        cwd=path,
        check=True,
        # dated in WIB, as the ledger's commits are: another offset is its own finding
        # (time-invalid, issue 16), not what this test is about
        env={**os.environ, "GIT_AUTHOR_DATE": _wib_now(), "GIT_COMMITTER_DATE": _wib_now()},
    )
    return head_of(path)


async def test_demo_ledger_audits_clean(demo_path: Path, fixed_clock) -> None:
    app = KtpelApp(demo_path, "maya", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        screen = await open_audit(pilot, app)
        assert screen.report is not None and screen.report.findings == []
        assert text_of(screen, "#audit-result") == "Audit bersih: tidak ada temuan."
        assert not screen.query_one("#findings", DataTable).display
        status = text_of(screen, "#audit-status")
        assert f"{screen.report.commits} commit sampai {head_of(demo_path)[:12]}" in status
        assert "0 galat, 0 peringatan" in status
        await until(
            pilot,
            lambda: "langkah terlambat sekarang" in text_of(screen, "#audit-status"),
            "the figures",
        )
        assert "6 permohonan · 1 langkah terlambat sekarang" in text_of(screen, "#audit-status")
        # The ledger moves under the open screen: r (reload) audits again, only the new commit.
        bad = tamper(demo_path)
        await pilot.press("r")
        await until(
            pilot,
            lambda: screen.done and f"file-mismatch:{bad}:2026-0003" in findings(app),
            "the new finding",
        )
        assert screen.report is not None and screen.report.checked == 1
        table = screen.query_one("#findings", DataTable)
        assert table.display and table.has_focus
        await pilot.press("escape")
        assert isinstance(app.screen, ListScreen)


async def test_bad_commit_is_listed_and_opens_to_its_diff(demo_path: Path, fixed_clock) -> None:
    bad = tamper(demo_path)
    app = KtpelApp(demo_path, "maya", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        # From the detail screen too (its footer shows the key).
        await pilot.press("2")
        await until(
            pilot,
            lambda: app.screen.query_one("#requests", DataTable).row_count == 6,
            "all requests",
        )
        await pilot.press("enter")
        await until(
            pilot,
            lambda: isinstance(app.screen, DetailScreen) and app.screen.state is not None,
            "detail",
        )
        screen = await open_audit(pilot, app)
        assert screen.report is not None and not screen.report.ok
        rows = findings(app)
        assert rows[f"unsigned:{bad}:-"] == ("GALAT", "unsigned", "-", bad[:10])
        assert rows[f"file-mismatch:{bad}:2026-0003"] == (
            "GALAT",
            "file-mismatch",
            "2026-0003",
            bad[:10],
        )
        assert "Audit menemukan 2 galat" in text_of(screen, "#audit-result")
        # The highlighted finding in full below the table; the sentence is the core's.
        table = screen.query_one("#findings", DataTable)
        table.move_cursor(row=table.get_row_index(f"file-mismatch:{bad}:2026-0003"))
        await pilot.pause()
        detail = text_of(screen, "#audit-detail")
        assert "[file-mismatch]" in detail and "permohonan 2026-0003" in detail
        assert (
            "Isi requests/2026/2026-0003.toml bukan hasil langkah ini persis: berkas diubah di luar aturan "
            "(riwayat atau [state] disunting)."
        ) in detail
        await pilot.press("enter")
        await until(
            pilot, lambda: isinstance(app.screen, CommitScreen) and app.screen.loaded, "the commit"
        )
        shown = text_of(app.screen, "#diff")
        assert f"commit {bad}" in shown
        assert "Penyusup <x@example.invalid>" in shown and "Tanda tangan: tanpa ttd" in shown
        assert "-blanks_requested = 1000" in shown and "+blanks_requested = 9000" in shown
        assert text_of(app.screen, "#commit-title").startswith(
            "[file-mismatch] 2026-0003 · Isi requests/2026/2026-0003.toml"
        )
        await pilot.press("escape")
        assert isinstance(app.screen, AuditScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, DetailScreen)


async def test_names_in_findings_are_never_markup(demo_path: Path, fixed_clock) -> None:
    # A commit whose author is typed as markup: the finding quotes it literally.
    (demo_path / "requests" / "2026" / "2026-0003.toml").write_text(
        (demo_path / "requests" / "2026" / "2026-0003.toml").read_text() + "\n"
    )
    subprocess.run(
        [
            "git",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "user.name=[red]X[/red]",
            "-c",
            "user.email=x@example.invalid",
            "commit",
            "-q",
            "-am",
            "[bold]bukan markup[/bold]",
        ],
        cwd=demo_path,
        check=True,
    )
    bad = head_of(demo_path)
    app = KtpelApp(demo_path, "maya", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await open_audit(pilot, app)
        key = next(k for k in findings(app) if k.startswith("unsigned:"))
        table = app.screen.query_one("#findings", DataTable)
        table.move_cursor(row=table.get_row_index(key))
        await pilot.press("enter")
        await until(
            pilot, lambda: isinstance(app.screen, CommitScreen) and app.screen.loaded, "the commit"
        )
        shown = text_of(app.screen, "#diff")
        assert (
            f"commit {bad}" in shown
            and "[red]X[/red] <x@example.invalid>" in shown
            and "[bold]bukan markup[/bold]" in shown
        )


async def test_key_in_help_and_palette_and_english(demo_path: Path, fixed_clock) -> None:
    app = KtpelApp(demo_path, "maya", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        commands = [(c.title, c.help) for c in app.get_system_commands(app.screen)]
        assert commands.count(("Audit", "Tombol A")) == 1
        await pilot.press("question_mark")
        await until(pilot, lambda: app.screen.__class__.__name__ == "HelpScreen", "help")
        # A is the app's key (it works on every screen): listed once, under "on every screen".
        assert "Audit" in text_of(app.screen, "#keys-app") and "Buka commit" in text_of(
            app.screen, "#keys-audit"
        )
        assert "Audit" not in text_of(app.screen, "#keys-list") and "Ganti orang" not in text_of(
            app.screen, "#keys-list"
        )
        await pilot.press("escape")
    i18n.set_language("en")
    app = KtpelApp(demo_path, "maya", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        screen = await open_audit(pilot, app)
        assert text_of(screen, "#audit-result") == "The audit is clean: no findings."
        labels = [str(c.label) for c in screen.query_one("#findings", DataTable).columns.values()]
        assert labels == ["Severity", "Code", "Request", "Commit", "Finding"]
        assert "commits up to" in text_of(screen, "#audit-status")
