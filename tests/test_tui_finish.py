"""Issue 13, the rest: keys typed while the core checks are kept, a refusal never lets a
confirming key land in a field, returned requests say so, the form's own footer, the dashboard
at 80x24, and each request on its own SOP revision. Real demo ledgers, no mocks."""

from __future__ import annotations

import io
import tomllib
from pathlib import Path

import tomli_w
from conftest import FIXED_NOW, head_of
from rich.console import Console
from test_tui import rows, select_row, start, text_of, until
from textual.widgets import DataTable, Input, Static

from ktpel_tui.app import KtpelApp
from ktpel_tui.screens.act import ActScreen, ConfirmScreen
from ktpel_tui.screens.detail import DetailScreen
from ledger.request import Event
from ledger.sop import builtin_sop_text
from ledger.store import Ledger

SIZE = (100, 30)


def footer_keys(app: KtpelApp) -> set[str]:
    """The binding ids the footer of the current screen shows."""
    return {
        b.id
        for (_node, b, enabled, _tip) in app.screen.active_bindings.values()
        if b.show and enabled and b.id
    }


async def test_keys_typed_right_after_n_all_land_in_the_form(demo_path: Path, fixed_clock) -> None:
    app = KtpelApp(demo_path, "kadis-1902", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        listing = app.screen
        # The ledger is busy (a sync, the watcher) while `n` asks the core: the keys typed
        # meanwhile ("/" would open the list's search, "2" switch its tab) must wait for the form.
        with app.lock:
            await pilot.press("n", *"470/9/X", "enter", *"28/11/2026")
        await until(pilot, lambda: isinstance(app.screen, ActScreen), "the form")
        form = app.screen
        await until(pilot, lambda: form.raw("letter_date") == "28/11/2026", "every key typed")
        assert form.raw("letter_number") == "470/9/X"
        assert listing.query_one("#search", Input).value == ""  # nothing went to the list
        assert listing.tab == "mine"


async def test_a_y_after_a_refused_ctrl_s_is_never_typed_into_a_field(
    demo_path: Path, fixed_clock
) -> None:
    before = head_of(demo_path)
    app = KtpelApp(demo_path, "maya", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await until(pilot, lambda: "2026-0006" in rows(app), "maya's task")
        await select_row(pilot, app, "2026-0006")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ActScreen), "the form")
        form = app.screen
        await pilot.press(*"28/11/2026", "ctrl+s", "y", "y")  # a required field left empty
        await pilot.pause()
        assert app.screen is form
        assert form.raw("minutes_summary") == "" and form.raw("meeting_date") == "28/11/2026"
        assert "wajib" in text_of(form, "#err-minutes_summary")
        assert "Ditolak" in text_of(form, "#form-refused")
        await pilot.press("enter")  # from the refusal line to the first field in error
        await pilot.pause()
        assert form.query_one("#f-minutes_summary", Input).has_focus
        await pilot.press(*"Rapat", "ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "check screen")
        await pilot.press("n")
        await pilot.pause()
    assert head_of(demo_path) == before


async def test_the_footer_inside_a_form_shows_the_forms_keys(demo_path: Path, fixed_clock) -> None:
    app = KtpelApp(demo_path, "maya", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        assert "act-step" in footer_keys(app)
        await until(pilot, lambda: "2026-0006" in rows(app), "maya's task")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ActScreen), "the form")
        await pilot.pause()
        shown = footer_keys(app)
        assert {"form-submit", "form-cancel"} <= shown
        # Neither the list's keys nor the app's q (quit with a half-filled form) show here.
        assert not shown & {"act-step", "new-request", "search", "quit", "reload"}
        assert app.screen.query("Footer")


# --- returned requests, the dashboard at 80x24, End in the list ----------------------------


def cell(app: KtpelApp, request_id: str, column: str) -> str:
    table = app.screen.query_one("#requests", DataTable)
    return str(table.get_cell(request_id, column))


def dashboard_lines(app: KtpelApp) -> list[str]:
    """The dashboard's body as the screen draws it, at the body's own width."""
    body = app.screen.query_one("#dash-body", Static)
    console = Console(width=body.content_size.width, record=True, file=io.StringIO())
    console.print(body.content)
    return console.export_text().splitlines()


async def test_a_returned_request_says_dikembalikan_in_the_list_and_the_dashboard(
    demo_path: Path, fixed_clock
) -> None:
    with Ledger.open(demo_path) as led:
        led.record("2026-0005", Event("return", 3, FIXED_NOW, "rudi", "kabid", note="angka salah"))
        summary = next(s for s in led.list_requests() if s.id == "2026-0005")
        assert summary.returned
    app = KtpelApp(demo_path, "maya", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await pilot.press("2")
        await until(pilot, lambda: "2026-0005" in rows(app), "listed")
        assert cell(app, "2026-0005", "status") == "dikembalikan"
        assert cell(app, "2026-0004", "status") == "berjalan"  # returned once, since redone
        await pilot.press("D")
        await until(pilot, lambda: app.screen.figures is not None, "the dashboard")
        await pilot.pause()
        assert any(
            "Dikembalikan untuk perbaikan: 1 (2026-0005)" in ln for ln in dashboard_lines(app)
        )


async def test_dashboard_at_80x24_keeps_the_kabkota_names(demo_path: Path, fixed_clock) -> None:
    app = KtpelApp(demo_path, "maya", watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot, app)
        await pilot.press("D")
        await until(pilot, lambda: app.screen.figures is not None, "the dashboard")
        await pilot.pause()
        lines = dashboard_lines(app)
        codes = sorted(app.screen.figures.kabkota)
        assert codes
        for code in codes:
            row = next(ln for ln in lines if ln.lstrip().startswith(code))
            name = app.policy.settings.office_name(code)
            assert name[:10] in row, (code, row)  # the name, not squeezed to nothing
            assert row.rstrip().endswith("%")  # and the share of what was asked


async def test_end_goes_to_the_last_request_and_keeps_the_id_column(
    demo_path: Path, fixed_clock
) -> None:
    app = KtpelApp(demo_path, "maya", watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot, app)
        await pilot.press("2")
        await until(pilot, lambda: len(rows(app)) == 6, "all requests")
        table = app.screen.query_one("#requests", DataTable)
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == table.row_count - 1
        assert table.scroll_x == 0 and table.fixed_columns == 1
        await pilot.press("home")
        await pilot.pause()
        assert table.cursor_row == 0


# --- the request's own SOP revision --------------------------------------------------------

RENAMED = "Rapat monev (revisi 2027)"


def revision_renaming_step_1() -> str:
    raw = tomllib.loads(builtin_sop_text())
    raw["sop"]["id"] = "ktpel-blanko-2027"
    step1 = next(s for s in raw["step"] if s["no"] == 1)
    step1["title"] = RENAMED
    step1["field"].append(
        {"name": "agenda_no", "type": "text", "label": "Nomor agenda", "required": True}
    )
    return tomli_w.dumps(raw)


async def test_a_request_on_an_older_sop_revision_shows_its_own_steps(
    demo_path: Path, fixed_clock, tmp_path: Path
) -> None:
    from ktpel_tui.cli import main

    with Ledger.open(demo_path) as led:
        own_sop = led.read_request("2026-0006").sop_id  # the revision it was made under
    sop_file = tmp_path / "revisi.toml"
    sop_file.write_text(revision_renaming_step_1(), encoding="utf-8")
    for verb in (["add", str(sop_file)], ["use", "ktpel-blanko-2027"]):
        assert main(["--ledger", str(demo_path), "--as", "yusuf", "sop", *verb]) == 0
    app = KtpelApp(demo_path, "maya", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        assert app.policy.sop.step(1).title == RENAMED  # HEAD's revision
        await until(pilot, lambda: "2026-0006" in rows(app), "maya's task")
        assert "Rapat monev stok" in cell(app, "2026-0006", "step")
        await select_row(pilot, app, "2026-0006")
        await pilot.press("enter")
        await until(
            pilot,
            lambda: isinstance(app.screen, DetailScreen) and app.screen.state is not None,
            "detail",
        )
        assert "Rapat monev stok" in text_of(app.screen, "#detail-timeline")
        assert RENAMED not in text_of(app.screen, "#detail-timeline")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ActScreen), "the form")
        form = app.screen
        assert form.step.title != RENAMED and not form.query("#f-agenda_no")
        await pilot.press(*"28/11/2026", "enter", *"Rapat", "ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "check screen")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), "recorded")
        await pilot.press("h")  # its history names the steps by its own revision too
        await until(
            pilot, lambda: app.screen.query_one("#history", DataTable).row_count > 0, "history"
        )
        table = app.screen.query_one("#history", DataTable)
        steps = [str(table.get_row_at(i)[3]) for i in range(table.row_count)]
        assert "1 Rapat monev stok & kebutuhan" in steps and RENAMED not in " ".join(steps)
    with Ledger.open(demo_path) as led:
        state = led.read_request("2026-0006")
        assert state.step == 2 and state.sop_id == own_sop != "ktpel-blanko-2027"


def test_the_history_and_audit_screens_show_escapes_in_ledger_text_visibly() -> None:
    """A forged author, message or file line cannot drive the terminal from the TUI either
    (issue 16: text hygiene everywhere): ESC and zero-width characters are written out."""
    from datetime import datetime

    from ktpel_tui.screens.audit import detail_text
    from ktpel_tui.screens.history import commit_text
    from ledger.clock import WIB
    from ledger.findings import Finding
    from ledger.history import HistoryEntry

    at = datetime(2026, 11, 28, 10, 0, tzinfo=WIB)
    entry = HistoryEntry(
        "a" * 40, (), at, "Eve\x1b[2J", "eve@x\u200b.id", at, "N",
        "clear\x1b]0;judul\x07", "clear\x1b]0;judul\x07\n\nbaris dua", {},
    )  # fmt: skip
    shown = commit_text("a" * 40, entry, '+nama = "\x1b[31mmerah"\n').plain
    assert "\x1b" not in shown and "\x07" not in shown and "\u200b" not in shown
    assert "Eve\\x1b[2J" in shown and "<U+200B>" in shown and "\\x1b[31mmerah" in shown
    assert "baris dua" in shown  # the message keeps its own lines
    finding = Finding("foreign-file", "b" * 40, params={"path": "x\x1b[2J"})
    assert "x\\x1b[2J" in detail_text(finding).plain


async def test_a_letter_number_off_its_template_is_refused_at_ctrl_s_not_after_y(
    demo_path: Path, fixed_clock
) -> None:
    """The core's whole check (`Ledger.check`, record without the write) runs at Ctrl+S: a
    number the register's template does not fit is refused on the form, with the template,
    before the check screen; once it fits, the check screen opens."""
    from test_sync import advance

    with Ledger.open(demo_path) as led:
        advance(led, "2026-0003", "hendra")  # step 8, the Kepala Dinas signs
        assert led.read_request("2026-0003").step == 9
    before = head_of(demo_path)
    app = KtpelApp(demo_path, "agus", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await until(pilot, lambda: "2026-0003" in rows(app), "agus's task")
        await select_row(pilot, app, "2026-0003")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ActScreen), "the form")
        form = app.screen
        form.query_one("#f-letter_number", Input).value = "99/XYZ/2026"
        form.query_one("#f-letter_date", Input).value = "28/11/2026"
        await pilot.press("ctrl+s", "y")  # the habitual y while the core checks
        await until(pilot, lambda: form.query_one("#form-refused").has_focus, "the refusal")
        assert app.screen is form  # no check screen was offered
        refusal = text_of(form, "#form-refused") + text_of(form, "#form-error")
        assert "400.12.3.2/{seq}/DP3ACSKB/{year}" in refusal
        assert form.raw("letter_number") == "99/XYZ/2026"  # the y went into no field
        assert head_of(demo_path) == before
        form.query_one("#f-letter_number", Input).value = "400.12.3.2/2001/DP3ACSKB/2026"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the check screen")
    assert head_of(demo_path) == before


def test_the_lists_step_count_is_the_requests_own_revisions(demo: Ledger) -> None:
    """The list's "N/19" counts the steps of the request's own SOP revision (kept in its
    summary, through the listing cache), not HEAD's."""
    from dataclasses import replace

    from ktpel_tui.screens.listing import row_of
    from ledger.summary import RequestSummary

    policy = demo.policy()
    summary = next(s for s in demo.list_requests() if s.id == "2026-0006")
    assert summary.last_step == policy.sop.last_step == 19
    assert RequestSummary.from_json(summary.cache_json()).last_step == 19
    shorter = replace(summary, last_step=12)  # as a revision with 12 steps would say
    assert str(row_of(shorter, policy, FIXED_NOW)[2]).startswith("1/12 ")
