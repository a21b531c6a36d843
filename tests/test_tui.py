"""The screen, driven by Textual's Pilot on a real demo ledger (real git, real signed commits)."""

from __future__ import annotations

import ast
import io
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXED_NOW, head_of
from rich.console import Console
from rich.text import Text
from textual.widgets import DataTable, Input, Static, Switch

from ktpel_tui.app import KtpelApp
from ktpel_tui.config import saved_user
from ktpel_tui.screens.act import ActScreen, ChoiceScreen, ConfirmScreen
from ktpel_tui.screens.detail import DetailScreen
from ktpel_tui.screens.history import HistoryScreen
from ktpel_tui.screens.listing import ListScreen
from ktpel_tui.screens.picker import PersonPicker
from ktpel_tui.strings import EN
from ledger import i18n
from ledger.request import Event
from ledger.store import Ledger

SIZE = (100, 30)


async def until(pilot, check: Callable[[], object], what: str, limit: float = 60.0) -> None:
    """Let the app work (workers, messages) until `check()` holds (a bound for a stuck app, not a timing check)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        await pilot.pause(0.02)
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - the screen may not be composed yet
            pass
    raise AssertionError(f"never happened: {what}")


async def close_handoff(pilot, app) -> None:
    """After a record the hand-off to the next person opens (issue 12): close it with Esc."""
    from ktpel_tui.screens.handoff import HandoffScreen

    await until(pilot, lambda: isinstance(app.screen, HandoffScreen), "the hand-off")
    await pilot.press("escape")


def rows(app: KtpelApp) -> list[str]:
    table = app.screen.query_one("#requests", DataTable)
    return [str(key.value) for key in table.rows]


async def start(pilot, app: KtpelApp) -> None:
    await until(
        pilot, lambda: isinstance(app.screen, ListScreen) and app.screen.filled, "the list loaded"
    )


def text_of(screen, selector: str) -> str:
    """What a Static shows, as plain text (rich tables rendered at 100 columns)."""
    content = screen.query_one(selector, Static).content
    if isinstance(content, str):
        return content
    if isinstance(content, Text):
        return content.plain
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(content)
    return console.export_text()


def git_log(path: Path, fmt: str, n: int = 1) -> str:
    return subprocess.run(
        ["git", "log", f"-n{n}", f"--format={fmt}"],
        cwd=path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


async def select_row(pilot, app: KtpelApp, request_id: str) -> None:
    table = app.screen.query_one("#requests", DataTable)
    table.move_cursor(row=table.get_row_index(request_id))
    await pilot.pause()


async def fill(pilot, screen: ActScreen, values: dict[str, str]) -> None:
    for name, value in values.items():
        widget = screen.query_one(f"#f-{name}")
        if isinstance(widget, Switch):
            widget.value = value in ("ya", "yes", True)
        else:
            widget.value = value  # an Input's text or a Select's option
    await pilot.pause()


# --- the list -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("hendra", ["2026-0003"]),
        ("rudi", ["2026-0005"]),
        ("bambang", ["2026-0004"]),
        ("kadis-1905", ["2026-0002"]),
    ],
)
async def test_my_tasks_differ_by_person(
    demo_path: Path, fixed_clock, person: str, expected: list[str]
) -> None:
    app = KtpelApp(demo_path, person, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        assert rows(app) == expected
        assert app.screen.tab == "mine"
        label = str(app.screen.query_one("#tab-mine").label)
        assert label.endswith(f"({len(expected)})")


async def test_tabs_with_counts_and_late_shown_in_text(demo_path: Path, fixed_clock) -> None:
    app = KtpelApp(demo_path, "hendra", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await pilot.press("2")
        await until(pilot, lambda: len(rows(app)) == 6, "all six requests")
        assert str(app.screen.query_one("#tab-all").label) == "Semua (6)"
        assert str(app.screen.query_one("#tab-late").label) == "Terlambat (1)"
        assert str(app.screen.query_one("#tab-done").label) == "Selesai (1)"
        await pilot.press("3")
        await until(pilot, lambda: rows(app) == ["2026-0003"], "the late one")
        table = app.screen.query_one("#requests", DataTable)
        assert str(table.get_cell("2026-0003", "status")) == "TERLAMBAT"
        await pilot.press("4")
        await until(pilot, lambda: rows(app) == ["2026-0001"], "the done one")


async def test_search_by_kabkota_name_and_letter_number(
    demo_path: Path, demo: Ledger, fixed_clock
) -> None:
    # The province's letter numbers (steps 9 and 12) find a request...
    letter = demo.read_request("2026-0004").value(9, "letter_number")
    app = KtpelApp(demo_path, "hendra", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await pilot.press("2")
        await until(pilot, lambda: len(rows(app)) == 6, "all")
        await pilot.press("slash")
        assert app.screen.query_one("#search", Input).has_focus
        await pilot.press(*"Bangka Tengah")
        await until(
            pilot, lambda: sorted(rows(app)) == ["2026-0001", "2026-0005"], "19.04 Bangka Tengah"
        )
        app.screen.query_one("#search", Input).value = letter.lower()
        await until(pilot, lambda: rows(app) == ["2026-0004"], "by letter number")
        # ...and so is the Kab/Kota's own letter number (the permohonan's).
        theirs = demo.read_request("2026-0003").permohonan[0]["letter_number"]
        app.screen.query_one("#search", Input).value = theirs
        await until(pilot, lambda: rows(app) == ["2026-0003"], "by the Kab/Kota's letter number")
        await pilot.press("escape")
        await until(pilot, lambda: len(rows(app)) == 6, "search cleared")


async def test_sort_by_column(demo_path: Path, fixed_clock) -> None:
    app = KtpelApp(demo_path, "hendra", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await pilot.press("2")
        await until(pilot, lambda: len(rows(app)) == 6, "all")
        # The default order puts the most overdue first.
        assert rows(app)[0] == "2026-0003"
        app.screen.sort_column = "id"
        app.screen.refilter()
        await until(
            pilot, lambda: rows(app) == sorted(rows(app)) and len(rows(app)) == 6, "sorted by id"
        )
        await pilot.press("o")  # next column: Kab/Kota
        await until(
            pilot, lambda: rows(app)[:2] == ["2026-0006", "2026-0001"], "sorted by Kab/Kota"
        )
        assert "Kab/Kota" in text_of(app.screen, "#list-status")


async def test_broken_request_is_a_row_with_its_reason(demo_path: Path, fixed_clock) -> None:
    target = demo_path / "requests" / "2026" / "2026-0006.toml"
    target.write_text("this is [not toml\n")
    subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "commit", "-qam", "break it"],
        cwd=demo_path,
        check=True,
        env={
            "GIT_AUTHOR_NAME": "x",
            "GIT_AUTHOR_EMAIL": "x@x",
            "GIT_COMMITTER_NAME": "x",
            "GIT_COMMITTER_EMAIL": "x@x",
            "PATH": "/usr/bin:/bin",
            "GIT_CONFIG_NOSYSTEM": "1",
        },
    )
    app = KtpelApp(demo_path, "hendra", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await pilot.press("2")
        await until(pilot, lambda: "2026-0006" in rows(app), "the broken row")
        table = app.screen.query_one("#requests", DataTable)
        assert str(table.get_cell("2026-0006", "status")) == "RUSAK"
        assert "bukan TOML yang sah" in str(table.get_cell("2026-0006", "waiting"))
        await select_row(pilot, app, "2026-0006")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ListScreen)  # not opened, not crashed


# --- start: who is acting ---------------------------------------------------------------------


async def test_person_picker_lists_people_and_saves_the_choice(
    demo_path: Path, fixed_clock
) -> None:
    app = KtpelApp(demo_path, None, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, PersonPicker)
                and app.screen.query_one("#people-search").has_focus
            ),
            "the picker, mounted (it starts on the current person)",
        )
        options = app.screen.query_one("#people")
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any(
            "Maya Lestari" in p and "Kasi Fasilitasi Pendaftaran Penduduk" in p for p in prompts
        )
        options.highlighted = [
            options.get_option_at_index(i).id for i in range(options.option_count)
        ].index("maya")
        await pilot.press("enter")
        await until(
            pilot,
            lambda: isinstance(app.screen, ListScreen) and app.person_id == "maya",
            "maya chosen",
        )
        assert "Maya Lestari" in app.title
        await pilot.press("1")
        await until(pilot, lambda: rows(app) == ["2026-0006"], "maya's tasks")
    assert saved_user(demo_path) == "maya"


# --- detail -----------------------------------------------------------------------------------


async def test_detail_shows_timeline_quantities_and_letters(demo_path: Path, fixed_clock) -> None:
    app = KtpelApp(demo_path, "hendra", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await pilot.press("enter")
        await until(
            pilot,
            lambda: isinstance(app.screen, DetailScreen) and app.screen.state is not None,
            "detail",
        )
        head = text_of(app.screen, "#detail-head")
        assert "Permohonan 2026-0003" in head and "langkah 8/19" in head and "TERLAMBAT" in head
        timeline = text_of(app.screen, "#detail-timeline")
        assert "Paraf Sekretaris" in timeline and "TERLAMBAT" in timeline and "menunggu" in timeline
        assert "Distribusi & serah terima" in timeline
        assert "Diminta Kab/Kota" in text_of(app.screen, "#detail-quantities")
        assert "Perihal surat = Permohonan Fasilitasi" in text_of(app.screen, "#detail-data")
        letters = text_of(app.screen, "#detail-letters")
        assert "Hj. Nurhayati, S.H" in letters and letters.count("/Dukcapil-19.0") == 2
        await pilot.press("escape")
        assert isinstance(app.screen, ListScreen)


# --- act --------------------------------------------------------------------------------------


async def open_form(pilot, app: KtpelApp, request_id: str, tab: str = "2") -> ActScreen:
    await pilot.press(tab)
    await until(pilot, lambda: request_id in rows(app), f"{request_id} listed")
    await select_row(pilot, app, request_id)
    await pilot.press("a")
    await until(pilot, lambda: isinstance(app.screen, (ActScreen, ChoiceScreen)), "the form")
    return app.screen


async def test_advance_a_step_through_the_form(demo_path: Path, fixed_clock) -> None:
    before = head_of(demo_path)
    app = KtpelApp(demo_path, "maya", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        form = await open_form(pilot, app, "2026-0006", tab="1")
        assert isinstance(form, ActScreen)
        await fill(
            pilot,
            form,
            {"meeting_date": "28-11-2026", "minutes_summary": "Stok menipis; ajukan ke Ditjen."},
        )
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        confirm = text_of(app.screen, "#confirm-text")
        assert (
            "Maya Lestari, S.IP (maya)" in confirm and "Stok menipis; ajukan ke Ditjen." in confirm
        )
        assert head_of(demo_path) == before  # nothing written before confirming
        await pilot.press("y")
        await until(
            pilot,
            lambda: isinstance(app.screen, ListScreen) and head_of(demo_path) != before,
            "recorded",
        )
        # Step 2 is the Kasi's too: the row stays in her tasks, one step further.
        await until(
            pilot,
            lambda: str(
                app.screen.query_one("#requests", DataTable).get_cell("2026-0006", "step")
            ).startswith("2/19"),
            "the row moved to step 2",
        )
    assert git_log(demo_path, "%an|%(trailers:key=Ktpel-Step,valueonly)").split("|") == [
        "Maya Lestari, S.IP",
        "1",
    ]
    with Ledger.open(demo_path) as led:
        assert led.read_request("2026-0006").step == 2


async def test_validation_error_shown_next_to_its_field(demo_path: Path, fixed_clock) -> None:
    before = head_of(demo_path)
    app = KtpelApp(demo_path, "maya", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        form = await open_form(pilot, app, "2026-0006", tab="1")
        await fill(pilot, form, {"meeting_date": "31-02-2026", "minutes_summary": ""})
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ActScreen)
        assert "Tanggal rapat" in text_of(
            form, "#err-meeting_date"
        ) or "harus berupa tanggal" in text_of(form, "#err-meeting_date")
        assert "tanggal (TTTT-BB-HH)" in text_of(form, "#err-meeting_date")
        assert "wajib diisi" in text_of(form, "#err-minutes_summary")
        # The cursor waits on the refusal line (a habitual `y` lands in no field) ...
        assert form.query_one("#form-refused").has_focus
        await pilot.press("enter")  # ... and Enter takes it to the first field in error
        await pilot.pause()
        assert form.query_one("#f-meeting_date", Input).has_focus
    assert head_of(demo_path) == before


async def test_core_refusal_shown_before_the_form_and_nothing_written(
    demo_path: Path, fixed_clock
) -> None:
    before = head_of(demo_path)
    app = KtpelApp(demo_path, "hendra", watch=False)  # step 1 belongs to the Kasi
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await pilot.press("2")
        await until(pilot, lambda: "2026-0006" in rows(app), "listed")
        await select_row(pilot, app, "2026-0006")
        await pilot.press("a")
        await until(
            pilot,
            lambda: any("tidak memegang peran" in str(n.message) for n in app._notifications),
            "the refusal, at once",
        )
        assert isinstance(app.screen, ListScreen)  # no form to fill in first
        assert any(
            "Kasi Fasilitasi Pendaftaran Penduduk" in str(n.message) for n in app._notifications
        )
    assert head_of(demo_path) == before


async def test_return_for_revision_with_a_note_that_is_not_markup(
    demo_path: Path, fixed_clock
) -> None:
    before = head_of(demo_path)
    note = "[/b] perbaiki [red]angka[/red]"
    app = KtpelApp(demo_path, "rudi", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        choice = await open_form(pilot, app, "2026-0005", tab="1")
        assert isinstance(choice, ChoiceScreen)
        # The dialog says which request and step the reviewer is deciding on.
        heading = text_of(choice, "#choice-heading")
        assert heading.startswith("2026-0005 · langkah 3: ") and "Koreksi" in heading
        await pilot.press("down", "enter")
        await until(pilot, lambda: isinstance(app.screen, ActScreen), "the return form")
        form = app.screen
        assert form.choice.action == "return"
        await pilot.press("ctrl+s")  # no note yet
        await pilot.pause()
        assert "wajib disertai catatan" in text_of(form, "#err-note")
        await fill(pilot, form, {"note": note})
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await pilot.press("y")
        await close_handoff(pilot, app)
        await until(
            pilot,
            lambda: isinstance(app.screen, ListScreen) and head_of(demo_path) != before,
            "recorded",
        )
        await pilot.press("2")
        await until(pilot, lambda: "2026-0005" in rows(app), "listed")
        await select_row(pilot, app, "2026-0005")
        await pilot.press("enter")
        await until(
            pilot,
            lambda: isinstance(app.screen, DetailScreen) and app.screen.state is not None,
            "detail",
        )
        assert "langkah 2/19" in text_of(app.screen, "#detail-head")
        assert note in text_of(app.screen, "#detail-timeline")
    assert git_log(demo_path, "%(trailers:key=Ktpel-Action,valueonly)") == "return"


async def test_history_shows_the_new_commit_and_its_diff(demo_path: Path, fixed_clock) -> None:
    app = KtpelApp(demo_path, "hendra", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        form = await open_form(pilot, app, "2026-0003", tab="1")
        await pilot.press("enter")  # Setuju
        await until(pilot, lambda: isinstance(app.screen, ActScreen), "form")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
        await pilot.press("y")
        await close_handoff(pilot, app)
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, ListScreen)
                and git_log(demo_path, "%an") == "Drs. Hendra Saputra, M.Si"
            ),
            "recorded",
        )
        assert form is not None
        head = head_of(demo_path)
        await pilot.press("2")
        await until(pilot, lambda: "2026-0003" in rows(app), "listed")
        await select_row(pilot, app, "2026-0003")
        await pilot.press("h")
        await until(
            pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.entries, "history"
        )
        table = app.screen.query_one("#history", DataTable)
        first = next(iter(table.rows))
        assert first.value == head
        assert str(table.get_cell(head, "who")) == "Drs. Hendra Saputra, M.Si"
        assert str(table.get_cell(head, "action")) == "setuju"
        await until(pilot, lambda: f"commit {head}" in text_of(app.screen, "#diff"), "the diff")
        diff = text_of(app.screen, "#diff")
        assert "+step = 9" in diff and "-step = 8" in diff
        # Another entry's diff on moving down.
        await pilot.press("down")
        second = list(table.rows)[1].value
        await until(
            pilot, lambda: f"commit {second}" in text_of(app.screen, "#diff"), "the second diff"
        )
        await pilot.press("escape", "H")
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, HistoryScreen)
                and app.screen.request_id is None
                and app.screen.entries
            ),
            "ledger history",
        )
        assert (
            str(app.screen.query_one("#history", DataTable).get_cell(head, "request"))
            == "2026-0003"
        )


async def test_step_19_handover_then_receipt(demo_path: Path, demo: Ledger, fixed_clock) -> None:
    state = demo.read_request("2026-0002")
    share = state.shares["19.03"]
    before = head_of(demo_path)
    app = KtpelApp(demo_path, "dedi", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        form = await open_form(pilot, app, "2026-0002")
        if isinstance(form, ChoiceScreen):
            labels = [c.label for c in form.choices]
            assert any("Serah terima ke 19.03" in label for label in labels)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ActScreen), "handover form")
            form = app.screen
        assert form.choice.action == "handover"
        assert form.query_one("#f-kabkota", Input).value == "19.03"
        await fill(
            pilot,
            form,
            {
                "blanks": str(share + 1),
                "bast_number": "400.12.3.2/970/BAST/DP3ACSKB/XI/2026",  # the demo's templates
                "hibah_statement": "470/970/DUKCAPIL-BASEL/2026",
                "handover_date": "2026-11-28",
                "mode": "ambil",
            },
        )
        await pilot.press("ctrl+s")  # the core's check runs now: refused on the form, not after y
        await until(
            pilot,
            lambda: "melebihi porsi" in text_of(form, "#err-blanks"),
            "over-share refused next to the field",
        )
        assert app.screen is form  # no check screen was offered
        assert head_of(demo_path) == before
        await fill(pilot, form, {"blanks": str(share)})
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
        await pilot.press("y")
        await close_handoff(pilot, app)
        await until(
            pilot,
            lambda: isinstance(app.screen, ListScreen) and head_of(demo_path) != before,
            "handed over",
        )
    assert git_log(demo_path, "%(trailers:key=Ktpel-Action,valueonly)") == "handover"

    app = KtpelApp(demo_path, "kadis-1903", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        assert rows(app) == ["2026-0002"]
        form = await open_form(pilot, app, "2026-0002", tab="1")
        if isinstance(form, ChoiceScreen):
            assert form.choices[0].action == "receipt" and form.choices[0].kabkota == "19.03"
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ActScreen), "receipt form")
            form = app.screen
        await fill(pilot, form, {"blanks_received": str(share), "received_date": "2026-11-28"})
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
        await pilot.press("y")
        await close_handoff(pilot, app)
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, ListScreen)
                and git_log(demo_path, "%(trailers:key=Ktpel-Action,valueonly)") == "receipt"
            ),
            "received",
        )
    assert git_log(demo_path, "%an") == "Ahmad Fauzi, S.STP, M.Si"


async def test_new_request_on_behalf_needs_reason_and_evidence(
    demo_path: Path, fixed_clock
) -> None:
    before = head_of(demo_path)
    app = KtpelApp(demo_path, "dedi", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, ActScreen), "the new-request form")
        form = app.screen
        assert form.choice.action == "create"
        await fill(
            pilot,
            form,
            {
                "kabkota": "19.06",
                "letter_number": "470/555/Dukcapil-19.06/2026",
                "letter_date": "27-11-2026",
                "blanks_requested": "1.500",
                "stock_left": "40",
            },
        )
        form.query_one("#on-behalf").value = True
        await pilot.pause()
        form.query_one("#ob-of", Input).value = "Kepala Dinas Dukcapil Kab. Belitung Timur"
        await pilot.press("ctrl+s")  # the core's check runs now: refused on the form, not after y
        await until(
            pilot,
            lambda: "alasan" in text_of(form, "#form-error"),
            "on-behalf refused without reason",
        )
        assert app.screen is form  # no check screen was offered
        assert head_of(demo_path) == before
        form.query_one("#ob-reason", Input).value = "Surat diterima dalam bentuk kertas"
        form.query_one("#ob-evidence", Input).value = "Agenda 123/2026"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
        assert "Agenda 123/2026" in text_of(app.screen, "#confirm-text")
        await pilot.press("y")
        await close_handoff(pilot, app)
        await until(
            pilot,
            lambda: isinstance(app.screen, ListScreen) and head_of(demo_path) != before,
            "created",
        )
    assert (
        git_log(demo_path, "%(trailers:key=Ktpel-On-Behalf-Of,valueonly)")
        == "Kepala Dinas Dukcapil Kab. Belitung Timur"
    )
    with Ledger.open(demo_path) as led:
        state = led.read_request("2026-0007")
        assert state.requested == {"19.06": 1500}


# --- around it --------------------------------------------------------------------------------


async def test_view_refreshes_when_the_ledger_changes_on_disk(
    demo_path: Path, fixed_clock, monkeypatch
) -> None:
    monkeypatch.setattr("ktpel_tui.app.WATCH_SECONDS", 0.2)
    app = KtpelApp(demo_path, "agus", watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        assert rows(app) == []
        # Another process (here: the core directly) records step 8; agus numbers letters at step 9.
        with Ledger.open(demo_path) as other:
            other.record("2026-0003", Event("advance", 8, FIXED_NOW, "hendra", "kadis"))
        await until(pilot, lambda: rows(app) == ["2026-0003"], "the list refreshed from disk")


async def test_help_lists_every_key_and_palette_has_every_action(
    demo_path: Path, fixed_clock
) -> None:
    app = KtpelApp(demo_path, "hendra", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in (
            "Catat langkah",
            "Riwayat",
            "Permohonan baru",
            "Tambah surat",
            "Cari",
            "Urutkan",
            "Muat ulang",
            "Ganti orang",
            "Riwayat ledger",
            "Bantuan",
        ):
            assert title in titles
        await pilot.press("question_mark")
        await until(pilot, lambda: app.screen.__class__.__name__ == "HelpScreen", "help")
        shown = " ".join(text_of(app.screen, f"#{s.id}") for s in app.screen.query(Static) if s.id)
        for words in (
            "Catat langkah",
            "Riwayat",
            "Permohonan baru",
            "Cari",
            "Muat ulang",
            "Ctrl+S",
            "Keluar",
            "Operasi ditahan",
        ):
            assert words in shown
        assert "act-step" not in shown  # no English binding ids in the Indonesian help
        await pilot.press("escape")
        assert isinstance(app.screen, ListScreen)


async def test_english(demo_path: Path, fixed_clock) -> None:
    i18n.set_language("en")
    app = KtpelApp(demo_path, "hendra", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        assert str(app.screen.query_one("#tab-mine").label) == "My tasks (1)"
        assert "As Drs. Hendra Saputra" in app.title
        await pilot.press("enter")
        await until(
            pilot,
            lambda: isinstance(app.screen, DetailScreen) and app.screen.state is not None,
            "detail",
        )
        assert "step 8/19" in text_of(app.screen, "#detail-head") and "LATE" in text_of(
            app.screen, "#detail-head"
        )


def test_every_screen_string_has_an_english_translation() -> None:
    root = Path(__file__).resolve().parents[1] / "ktpel_tui"
    files = [
        root / "app.py",
        root / "core_adapter.py",
        *sorted((root / "screens").glob("*.py")),
        *sorted((root / "widgets").glob("*.py")),
    ]
    missing = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "_"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value not in EN
            ):
                missing.append(f"{path.name}: {node.args[0].value!r}")
    from ktpel_tui.screens.history import SIGNATURES

    missing += [word for word, _style in SIGNATURES.values() if word not in EN]
    assert missing == []


@pytest.fixture
def hub_daemon(tmp_path: Path):
    """A hub served by a real `git daemon` on a free port; yields (hub path, git:// base URL)."""
    import socket

    from ledger.hub import init_hub

    base = tmp_path / "served"
    hub = init_hub(base / "hub.git")
    subprocess.run(["git", "-C", str(hub), "config", "daemon.receivepack", "true"], check=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [
            "git",
            "daemon",
            "--reuseaddr",
            "--export-all",
            "--enable=receive-pack",
            "--listen=127.0.0.1",
            f"--port={port}",
            f"--base-path={base}",
            str(base),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.02)
        yield hub, f"git://127.0.0.1:{port}/hub.git"
    finally:
        proc.terminate()
        proc.wait()


async def test_sync_key_pulls_from_the_hub_and_refreshes(
    demo_path: Path, fixed_clock, hub_daemon, tmp_path: Path
) -> None:
    from ledger.hub import clone

    _hub, url = hub_daemon
    subprocess.run(["git", "remote", "add", "origin", url], cwd=demo_path, check=True)
    # The fixture copied the folder, so git's index stat data is stale; sync (rightly) refuses
    # to merge over a tree it cannot trust until git has looked again.
    subprocess.run(["git", "update-index", "-q", "--refresh"], cwd=demo_path, check=False)
    subprocess.run(
        ["git", "push", "-q", "origin", "main"], cwd=demo_path, check=True, capture_output=True
    )
    # Another office advances step 8 and pushes to the hub.
    with clone(url, tmp_path / "other") as other:
        other.record("2026-0003", Event("advance", 8, FIXED_NOW, "hendra", "kadis"))
        subprocess.run(
            ["git", "push", "-q", "origin", "main"], cwd=other.root, check=True, capture_output=True
        )
    app = KtpelApp(demo_path, "agus", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        assert rows(app) == []
        await pilot.press("s")
        await until(
            pilot, lambda: rows(app) == ["2026-0003"], "the pulled step shows in agus's tasks"
        )
        await until(
            pilot, lambda: "sinkron terakhir" in app.sub_title, "the last sync time in the header"
        )


async def test_names_and_notes_are_shown_literally_never_as_markup(
    tmp_path: Path, fixed_clock
) -> None:
    from dataclasses import replace
    from datetime import timedelta

    from ledger.bootstrap import init_ledger
    from ledger.demo import PEOPLE

    admin = replace(next(p for p in PEOPLE if "admin" in p.roles), name="[b]Yusuf[/b")
    head = replace(next(p for p in PEOPLE if p.id == "kadis-1901"), name="[red]X")
    root = tmp_path / "ledger"
    init_ledger(
        root, admin, people=[head], at=FIXED_NOW - timedelta(days=1), signatures_required=False
    ).close()
    app = KtpelApp(root, None, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        # Mounted (its search has the cursor): the picker has set its own start row by then.
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, PersonPicker)
                and app.screen.query_one("#people-search").has_focus
            ),
            "the picker",
        )
        await pilot.pause(0.1)
        options = app.screen.query_one("#people")
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any(p.startswith("[b]Yusuf[/b") for p in prompts) and any(
            p.startswith("[red]X") for p in prompts
        )
        options.highlighted = 1
        await pilot.press("enter")
        await until(
            pilot,
            lambda: isinstance(app.screen, ListScreen) and app.person_id == "kadis-1901",
            "chosen",
        )
        assert "[red]X" in app.title
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, ActScreen), "the new-request form")
        form = app.screen
        assert form.query_one("#f-kabkota", Input).value == "19.01"
        await fill(
            pilot,
            form,
            {
                "letter_number": "470/1/[b]/2026",
                "letter_date": "2026-11-27",
                "blanks_requested": "100",
                "stock_left": "5",
                "note": "[/b] catatan",
            },
        )
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
        assert "[/b] catatan" in text_of(
            app.screen, "#confirm-text"
        ) and "[red]X (kadis-1901)" in text_of(app.screen, "#confirm-text")
        await pilot.press("y")
        await pilot.press("2")
        await until(
            pilot,
            lambda: isinstance(app.screen, ListScreen) and rows(app) == ["2026-0001"],
            "created and listed",
        )
        await pilot.press("h")
        await until(
            pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.entries, "history"
        )
        table = app.screen.query_one("#history", DataTable)
        assert str(table.get_cell(next(iter(table.rows)), "who")) == "[red]X"
        await until(
            pilot, lambda: "[/b] catatan" in text_of(app.screen, "#diff"), "the note in the commit"
        )


async def test_no_color_keeps_late_in_words(demo_path: Path, fixed_clock, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = KtpelApp(demo_path, "hendra", watch=False)
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot, app)
        table = app.screen.query_one("#requests", DataTable)
        assert str(table.get_cell("2026-0003", "status")) == "TERLAMBAT"


async def test_a_fresh_clone_shows_rows_from_state_tables_then_marks_a_broken_file(
    demo_path: Path, fixed_clock, monkeypatch
) -> None:
    """No listing cache (a fresh clone): the first rows come from each file's [state] table,
    then the full check replaces them and marks the file whose events break a rule (issue 17)."""
    from test_store import break_a_count, commit_by_hand

    rel, *_ = break_a_count(demo_path)  # [state] still reads well; its events break a rule
    commit_by_hand(demo_path, "Diubah dengan tangan", "requests")
    for name in ("cache.sqlite", "cache.sqlite-wal", "cache.sqlite-shm"):
        (demo_path / ".git" / "ktpel" / name).unlink(missing_ok=True)
    broken = Path(rel).stem
    seen: list[tuple[bool, dict[str, bool]]] = []
    real = ListScreen._loaded

    def spy(self, summaries, held=0, provisional=False):
        seen.append((provisional, {s.id: s.broken for s in summaries}))
        real(self, summaries, held, provisional)

    monkeypatch.setattr(ListScreen, "_loaded", spy)
    app = KtpelApp(demo_path, "hendra", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await pilot.press("2")
        await until(pilot, lambda: app.screen.filled and broken in rows(app), "the broken row")
        table = app.screen.query_one("#requests", DataTable)
        assert str(table.get_cell(broken, "status")) == "RUSAK"
        assert "2026-0001" in rows(app) and len(rows(app)) == 6
    assert [p for p, _ in seen] == [True, False]
    assert seen[0][1] == {s: False for s in seen[1][1]}  # the same six, none broken yet
    assert seen[1][1][broken] and sum(seen[1][1].values()) == 1
    with Ledger.open(demo_path) as led:  # the cache is now current: no second head start
        assert led.quick_requests() is None
