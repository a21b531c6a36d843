"""After a step is recorded on the screen: the hand-off to the next person (issue 12), as a
wa.me link and a QR code drawn black on white; Esc goes back to where the clerk was."""

from __future__ import annotations

from test_tui import start, until
from test_tui_forms import SIZE, open_on

from ktpel_tui.app import KtpelApp
from ktpel_tui.screens.act import ActScreen, ChoiceScreen, ConfirmScreen
from ktpel_tui.screens.handoff import HandoffScreen
from ktpel_tui.screens.listing import ListScreen
from ledger.handoff import qr_lines


async def test_recording_a_step_offers_the_next_persons_whatsapp_link_and_qr(demo_path):
    app = KtpelApp(demo_path, "hendra", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        choice = await open_on(pilot, app, "2026-0003")  # step 8: the Kepala Dinas signs
        assert isinstance(choice, ChoiceScreen)  # approve or return: approve is first
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ActScreen), "the form")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the check screen")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, HandoffScreen), "the hand-off")
        screen = app.screen
        (agus,) = screen.actors  # step 9 (numbering) is the Kasubag Umum's
        assert agus.person.id == "agus"
        assert agus.link.startswith("https://wa.me/6281271100106?text=Yth.%20Agus%20Salim")
        link = screen.query_one("#handoff-link-0").render()
        assert str(link) == agus.link
        qr = screen.query_one("#handoff-qr-0").render()
        assert str(qr).splitlines() == list(qr_lines(agus.link))
        # Dark modules on a light ground whatever the theme: every drawn cell is black on white.
        widget = screen.query_one("#handoff-qr-0")
        styles = {
            (seg.style.color.name, seg.style.bgcolor.name)
            for y in range(widget.size.height)
            for seg in widget.render_line(y)
            if seg.text.strip() and seg.style is not None
        }
        assert styles == {("#000000", "#ffffff")}, styles
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ListScreen), "back to the list")


async def test_the_numbering_form_shows_the_last_known_number_as_a_placeholder(demo_path):
    from conftest import FIXED_NOW

    from ledger.request import Event
    from ledger.store import Ledger

    with Ledger.open(demo_path) as led:
        led.record("2026-0003", Event("advance", 8, FIXED_NOW, "hendra", "kadis", {}))
    app = KtpelApp(demo_path, "agus", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        form = await open_on(pilot, app, "2026-0003")
        field = form.query_one("#f-letter_number")
        assert field.value == ""  # never filled in
        assert "terakhir yang dikenal ledger: 1224" in field.placeholder
