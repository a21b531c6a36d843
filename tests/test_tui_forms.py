"""Issue 13: refusals before the form, forms that protect what was typed, structured inputs,
returns, parked operations, identity, NO_COLOR and the two languages, on a real demo ledger."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from conftest import FIXED_NOW, head_of
from rich.style import Style
from test_tui import rows, select_row, start, text_of, until
from textual.widgets import Checkbox, Input, Select, Static, Switch

from ktpel_tui.app import KtpelApp
from ktpel_tui.screens.act import ActScreen, ChoiceScreen, ConfirmScreen
from ktpel_tui.screens.detail import DetailScreen
from ktpel_tui.screens.handoff import HandoffScreen
from ktpel_tui.screens.listing import ListScreen, status_cell
from ktpel_tui.screens.parked import ParkedScreen
from ktpel_tui.screens.picker import PersonPicker
from ktpel_tui.widgets.dates import normalize
from ledger import i18n
from ledger.request import Event, OnBehalf
from ledger.store import Ledger

SIZE = (100, 30)


def to_step_16(path: Path, upto: int = 16) -> None:
    """2026-0004 (at step 13, 19.03 and 19.05) through steps 13..upto-1 with the core directly."""
    ob = OnBehalf("Badan Penghubung", "telepon", "Agenda 9/2026")
    with Ledger.open(path) as led:
        data13 = {"blanks_shipped": 3000, "carrier": "Pos", "airway_bill": "AWB1"}
        data13["ship_date"] = date(2026, 11, 27)
        led.record(
            "2026-0004", Event("advance", 13, FIXED_NOW, "fitri", "bapeng", data13, on_behalf=ob)
        )
        if upto == 14:
            return
        data14 = {"pickup_date": date(2026, 11, 28), "parcels": 3, "airway_bill_matches": True}
        led.record("2026-0004", Event("advance", 14, FIXED_NOW, "fitri", "pelaksana", data14))
        data15 = {"received_good": 3000, "damaged_missing": 0}
        led.record("2026-0004", Event("advance", 15, FIXED_NOW, "agus", "kasubag-umum", data15))


async def open_on(pilot, app: KtpelApp, request_id: str, key: str = "a"):
    await pilot.press("2")
    await until(pilot, lambda: request_id in rows(app), f"{request_id} listed")
    await select_row(pilot, app, request_id)
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, (ActScreen, ChoiceScreen)), "the form")
    return app.screen


def notes(app: KtpelApp) -> str:
    return " ".join(str(n.message) for n in app._notifications)


# --- refuse before the form ---------------------------------------------------------------


async def test_kabkota_head_sees_only_own_receipt_and_other_is_refused_at_once(
    demo_path: Path, fixed_clock
) -> None:
    # 2026-0002: 19.71 and 19.05 handed over; 19.05's head may confirm only 19.05.
    app = KtpelApp(demo_path, "kadis-1905", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        form = await open_on(pilot, app, "2026-0002")
        assert isinstance(form, ActScreen)  # one choice left: straight to the form
        assert form.choice.action == "receipt" and form.choice.kabkota == "19.05"
        # Prefilled from the handover: what was handed over.
        assert form.query_one("#f-blanks_received", Input).value != ""


async def test_adding_a_letter_to_a_closed_request_is_refused_before_the_form(
    demo_path: Path, fixed_clock
) -> None:
    app = KtpelApp(demo_path, "dedi", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await pilot.press("2")
        await until(pilot, lambda: "2026-0003" in rows(app), "listed")
        await select_row(pilot, app, "2026-0003")
        await pilot.press("k")
        await until(pilot, lambda: "2026-0003" in notes(app), "the refusal")
        assert isinstance(app.screen, ListScreen)


async def test_on_behalf_shows_the_typists_own_role(demo_path: Path, fixed_clock) -> None:
    app = KtpelApp(demo_path, "fitri", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        form = await open_on(pilot, app, "2026-0004")  # step 13: Badan Penghubung's
        assert isinstance(form, ActScreen)
        box = form.query_one("#on-behalf", Checkbox)
        assert box.value and box.disabled  # fitri may record it only on behalf
        assert "sebagai Pelaksana" in text_of(form, "#form-who")
        values = {"blanks_shipped": "3.000", "carrier": "Pos", "airway_bill": "AWB1"}
        for name, value in values.items():
            form.query_one(f"#f-{name}", Input).value = value
        form.query_one("#f-ship_date", Input).value = "27 November 2026"
        form.query_one("#ob-of", Input).value = "Bambang (Badan Penghubung)"
        form.query_one("#ob-reason", Input).value = "lewat telepon"
        form.query_one("#ob-evidence", Input).value = "Agenda 9"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the check screen")
        check = text_of(app.screen, "#confirm-text")
        assert "sebagai Pelaksana" in check and "sebagai Badan Penghubung" not in check
        assert "Atas nama: Bambang (Badan Penghubung) (Badan Penghubung Provinsi)" in check
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, HandoffScreen), "the hand-off")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ListScreen), "recorded")
        await pilot.press("enter")
        await until(
            pilot,
            lambda: isinstance(app.screen, DetailScreen) and app.screen.state is not None,
            "detail",
        )
        timeline = text_of(app.screen, "#detail-timeline")
        assert "Pelaksana" in timeline and "atas nama" in timeline


# --- forms that protect what was typed ------------------------------------------------------


async def test_new_request_focuses_the_first_empty_field_and_enter_never_records(
    demo_path: Path, fixed_clock
) -> None:
    before = head_of(demo_path)
    app = KtpelApp(demo_path, "kadis-1902", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, ActScreen), "the form")
        form = app.screen
        assert form.query_one("#f-kabkota", Input).value == "19.02"
        assert form.query_one("#f-letter_number", Input).has_focus  # not the prefilled code
        await pilot.press(*"470/9/X", "enter")
        assert form.query_one("#f-letter_date", Input).has_focus
        await pilot.press(*"2 Des 2026")
        await pilot.pause()
        assert "PERHATIAN" in text_of(form, "#hint-letter_date")  # a future date is flagged
        for _ in range(6):
            await pilot.press("enter")  # to the end of the form: still no check screen
        assert app.screen is form and head_of(demo_path) == before
        await pilot.press("ctrl+s")  # two required numbers missing: both errors at once
        await pilot.pause()
        assert "wajib" in text_of(form, "#err-blanks_requested")
        assert "wajib" in text_of(form, "#err-stock_left")
        form.query_one("#f-stock_left", Input).value = "40"
        await pilot.pause()
        assert text_of(form, "#err-stock_left") == ""  # cleared once fixed
        assert "wajib" in text_of(form, "#err-blanks_requested")
        await pilot.press("escape")  # changed: asks first
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "asks")
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is form and form.query_one("#f-stock_left", Input).value == "40"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "asks")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ListScreen), "thrown away")
    assert head_of(demo_path) == before


def test_indonesian_dates_and_times() -> None:
    assert normalize("date", "28 November 2026") == "2026-11-28"
    assert normalize("date", "2 Des 2026") == "2026-12-02"
    assert normalize("date", "28/11/2026") == "2026-11-28"
    assert normalize("date", "02.12.2026") == "2026-12-02"
    assert normalize("datetime", "28 November 2026 09.30") == "2026-11-28 09:30"
    assert normalize("date", "31 Februari 2026") == "31 Februari 2026"  # the core refuses it


# --- structured inputs ----------------------------------------------------------------------


async def test_shares_one_row_per_kabkota_with_totals_and_unlettered_needs_a_tick(
    demo_path: Path, fixed_clock
) -> None:
    to_step_16(demo_path)
    app = KtpelApp(demo_path, "rudi", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        form = await open_on(pilot, app, "2026-0004")
        assert isinstance(form, ActScreen) and form.step.no == 16
        rows_text = " ".join(
            text_of(form, f"#{s.id}") for s in form.query(Static) if s.id
        ) + " ".join(str(s.content) for s in form.query(".row-label"))
        assert "19.03" in rows_text and "19.05" in rows_text and "diminta" in rows_text
        first = form.query_one("#f-proposed_shares--19_03", Input)
        assert first.has_focus
        await pilot.press(*"1.000")
        form.query_one("#f-proposed_shares--19_05", Input).value = "1500"
        await pilot.pause()
        total = text_of(form, "#total-proposed_shares")
        assert "dibagi 2.500" in total and "sisa 500" in total
        form.query_one("#f-proposed_shares--extra", Input).value = "19.01=500"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "19.01 tidak mengirim surat" in text_of(form, "#err-proposed_shares")
        form.query_one("#f-proposed_shares--extra-ok", Checkbox).value = True
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "check screen")
        assert "TANPA SURAT PERMOHONAN: 19.01" in text_of(app.screen, "#confirm-text")


async def test_yes_no_is_a_switch_and_choice_a_select(demo_path: Path, fixed_clock) -> None:
    app = KtpelApp(demo_path, "dedi", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        form = await open_on(pilot, app, "2026-0002")
        if isinstance(form, ChoiceScreen):
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ActScreen), "handover form")
            form = app.screen
        assert isinstance(form.query_one("#f-mode"), Select)
        # Prefilled from the share and the schedule.
        assert form.query_one("#f-blanks", Input).value == "1496"
        assert form.query_one("#f-mode", Select).value == "ambil"
    to_step_16(demo_path, upto=14)
    app = KtpelApp(demo_path, "fitri", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        form = await open_on(pilot, app, "2026-0004")
        assert isinstance(form, ActScreen) and form.step.no == 14
        switch = form.query_one("#f-airway_bill_matches", Switch)
        assert form.raw("airway_bill_matches") == "tidak"
        switch.value = True
        assert form.raw("airway_bill_matches") == "ya"


# --- status, identity, parked, NO_COLOR, languages ------------------------------------------


async def test_returned_request_says_so_with_the_note_at_the_top(
    demo_path: Path, fixed_clock
) -> None:
    with Ledger.open(demo_path) as led:
        led.record("2026-0005", Event("return", 3, FIXED_NOW, "rudi", "kabid", note="angka salah"))
    app = KtpelApp(demo_path, "maya", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await until(pilot, lambda: "2026-0005" in rows(app), "back in maya's tasks")
        await select_row(pilot, app, "2026-0005")
        await pilot.press("enter")
        await until(
            pilot,
            lambda: isinstance(app.screen, DetailScreen) and app.screen.state is not None,
            "detail",
        )
        head = text_of(app.screen, "#detail-head")
        assert "DIKEMBALIKAN" in head and "angka salah" in head
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ActScreen), "the redo form")
        assert "angka salah" in text_of(app.screen, "#return-note")


async def test_identity_visible_at_80x24(demo_path: Path, fixed_clock) -> None:
    app = KtpelApp(demo_path, "kadis-1904", watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot, app)
        header = app.screen.query_one("HeaderTitle")
        shown = str(header.render())
        assert "Eko Prasetyo" in shown and "Kepala Dinas" in shown[:80]


async def test_parked_screen_lists_nothing_and_the_list_counts(
    demo_path: Path, fixed_clock
) -> None:
    app = KtpelApp(demo_path, "maya", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await pilot.press("P")
        await until(pilot, lambda: isinstance(app.screen, ParkedScreen) and app.screen.loaded, "P")
        assert "Tidak ada operasi yang ditahan" in text_of(app.screen, "#parked-reason")


def test_no_color_states_read_as_weight() -> None:
    from types import SimpleNamespace

    from ledger.clock import WIB  # noqa: F401 - the clock the summaries use

    late = SimpleNamespace(broken=False, done=False, overdue=lambda now: True)
    style = status_cell(late, FIXED_NOW).style  # type: ignore[arg-type]
    parsed = Style.parse(style) if isinstance(style, str) else style
    assert parsed.bold and parsed.reverse  # not colour alone
    css = (Path(__file__).resolve().parents[1] / "ktpel_tui" / "ktpel.tcss").read_text()
    assert ".error:nocolor { text-style: bold reverse; }" in css


async def test_english_durations_and_numbers(demo_path: Path, fixed_clock) -> None:
    from ktpel_tui.widgets.units import duration, number

    i18n.set_language("en")
    assert duration(3 * 24 * 60 + 120) == "3d 2h" and number(3100) == "3,100"
    i18n.set_language("id")
    assert duration(3 * 24 * 60 + 120) == "3h 2j" and number(3100) == "3.100"


async def test_person_picker_searches_and_starts_on_the_current_person(
    demo_path: Path, fixed_clock
) -> None:
    app = KtpelApp(demo_path, "maya", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PersonPicker), "picker")
        options = app.screen.query_one("#people")
        assert options.get_option_at_index(options.highlighted).id == "maya"
        await pilot.press(*"eko", "enter")
        await until(pilot, lambda: app.person_id == "kadis-1904", "eko chosen in 4 keys")


async def test_dashboard_numbers_beside_the_bars(demo_path: Path, fixed_clock) -> None:
    from ktpel_tui.screens.dashboard import DashboardScreen

    app = KtpelApp(demo_path, "hendra", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await pilot.press("D")
        await until(
            pilot,
            lambda: isinstance(app.screen, DashboardScreen) and app.screen.figures is not None,
            "the dashboard",
        )
        body = text_of(app.screen, "#dash-body")
        assert "19.71 Kota" in body and "2.494" in body and "100%" in body
        assert "Menunggu per peran" in body and "Kepala Bidang Dukcapil" in body
        assert "Distribusi & serah terima" in body
        fig = app.screen.figures
        assert fig.kabkota["19.03"][1] == 1496 and fig.kabkota["19.03"][2] == 0
