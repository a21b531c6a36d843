"""After a step is recorded on the screen: the hand-off to the next person (issue 12), as a
wa.me link and a QR code drawn black on white; Esc goes back to where the clerk was."""

from __future__ import annotations

from test_tui import fill, start, until
from test_tui_forms import SIZE, open_on

from ktpel_tui.app import KtpelApp
from ktpel_tui.screens.act import ActScreen, ChoiceScreen, ConfirmScreen
from ktpel_tui.screens.handoff import HandoffScreen
from ktpel_tui.screens.listing import ListScreen
from ledger.handoff import qr_lines


async def sign_2026_0003(pilot, app: KtpelApp) -> None:
    """As hendra: step 8 of 2026-0003 (the Kepala Dinas signs), up to the hand-off."""
    choice = await open_on(pilot, app, "2026-0003")
    assert isinstance(choice, ChoiceScreen)  # approve or return: approve is first
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ActScreen), "the form")
    await pilot.press("ctrl+s")
    await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the check screen")
    await pilot.press("y")
    await until(pilot, lambda: isinstance(app.screen, HandoffScreen), "the hand-off")


async def test_recording_a_step_offers_the_next_persons_whatsapp_link_and_qr(demo_path):
    app = KtpelApp(demo_path, "hendra", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await sign_2026_0003(pilot, app)
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


async def test_the_numbering_form_suggests_the_next_number_taken_only_with_right(
    demo_path, fixed_clock
):
    """The last number the ledger knows is said under the field; the next one is shown in the
    empty field and typed in only on → (Right), its sequence selected for the register's own to
    be typed over; the core's check at Ctrl+S accepts it."""
    from conftest import FIXED_NOW, head_of
    from test_tui import text_of

    from ledger.request import Event
    from ledger.store import Ledger

    with Ledger.open(demo_path) as led:
        led.record("2026-0003", Event("advance", 8, FIXED_NOW, "hendra", "kadis", {}))
    before = head_of(demo_path)
    app = KtpelApp(demo_path, "agus", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        form = await open_on(pilot, app, "2026-0003")
        field = form.query_one("#f-letter_number")
        assert field.value == "" and field.has_focus  # never filled in unasked
        assert "terakhir yang dikenal ledger: 1224" in text_of(form, "#hint-letter_number")
        assert field.placeholder.startswith("→ 400.12.3.2/1225/DP3ACSKB/2026")
        await pilot.press("right")
        assert field.value == "400.12.3.2/1225/DP3ACSKB/2026"
        # Its sequence is selected: the register's own, typed, replaces it.
        await pilot.press(*"2001")
        assert field.value == "400.12.3.2/2001/DP3ACSKB/2026"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the check screen")
    assert head_of(demo_path) == before


async def test_any_key_closes_the_hand_off_and_does_its_job_and_none_to_oneself(
    demo_path, fixed_clock
):
    """After a record the hand-off never costs a key: `p` closes it and opens the picker. A
    record after which the request waits only on the same person opens no hand-off."""
    from ktpel_tui.screens.picker import PersonPicker

    app = KtpelApp(demo_path, "hendra", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await sign_2026_0003(pilot, app)  # then agus's step 9
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PersonPicker), "the picker, at once")
        assert not any(isinstance(s, HandoffScreen) for s in app.screen_stack)
    app = KtpelApp(demo_path, "maya", watch=False)  # 2026-0006 at step 1; 2 is hers (Kasi) too
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        form = await open_on(pilot, app, "2026-0006")
        await fill(pilot, form, {"meeting_date": "28-11-2026", "minutes_summary": "Stok cukup"})
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the check screen")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ListScreen), "back to the list")
        await pilot.pause()
        assert not isinstance(app.screen, HandoffScreen)
