"""A walk over every screen pressing every key it advertises (footer, help, palette).

Nothing here is mocked: a real demo ledger, real workers, real commits when a key records.
A crash ends the app, so after every key the app must still run and its screen stack must be
back where the walk put it.
"""

from __future__ import annotations

from pathlib import Path

from test_tui import rows, start, until
from textual.binding import Binding
from textual.command import CommandPalette
from textual.screen import Screen

from ktpel_tui.app import KtpelApp
from ktpel_tui.screens.act import ActScreen, ConfirmScreen
from ktpel_tui.screens.audit import AuditScreen
from ktpel_tui.screens.detail import DetailScreen
from ktpel_tui.screens.help import HelpScreen
from ktpel_tui.screens.history import HistoryScreen
from ktpel_tui.screens.listing import ListScreen
from ktpel_tui.screens.parked import ParkedScreen
from ktpel_tui.screens.picker import PersonPicker

SIZE = (100, 30)


def keys_of(bindings: list) -> list[str]:
    out = []
    for b in bindings:
        if isinstance(b, Binding):
            out.append(b.key.split(",")[0])
    return out


async def settle(pilot, app: KtpelApp) -> None:
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


def problems(app: KtpelApp) -> list[str]:
    """Notifications that say the screen itself failed (not a rule's refusal)."""
    return [
        str(n.message)
        for n in app._notifications
        if "Terjadi kesalahan" in str(n.message) or "Traceback" in str(n.message)
    ]


async def back_to(pilot, app: KtpelApp, base: Screen) -> None:
    while app.screen is not base and len(app.screen_stack) > 1:
        app.pop_screen()
        await pilot.pause()
    await settle(pilot, app)


async def press_each(pilot, app: KtpelApp, keys: list[str], skip: tuple[str, ...] = ()) -> None:
    base = app.screen
    focused = base.focused
    tab = getattr(base, "tab", None)
    for key in keys:
        if key in skip or key == "q":
            continue
        await pilot.press(key)
        await settle(pilot, app)
        assert app.is_running, f"{key} on {type(base).__name__} ended the app"
        assert not problems(app), (key, type(base).__name__, problems(app))
        await back_to(pilot, app, base)
        assert app.screen is base, f"{key}: could not return to {type(base).__name__}"
        # Put the screen back as it was (a search box left open would swallow the next keys).
        if isinstance(base, ListScreen):
            base.key_escape()
            base.action_tab(tab)
        if focused is not None and base.focused is not focused:
            focused.focus()
        await settle(pilot, app)


async def palette_each(pilot, app: KtpelApp) -> None:
    """Ctrl+P opens the palette; every entry in it runs without an exception."""
    base = app.screen
    titles = [c.title for c in app.get_system_commands(base)]
    assert "Keluar" in titles
    titles = [t for t in titles if t != "Keluar"] + ["Keluar"]  # quit last
    for title in titles:
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*title)
        await settle(pilot, app)
        await pilot.press("enter")
        if title == "Keluar":
            return
        await settle(pilot, app)
        assert app.is_running, f"palette '{title}' on {type(base).__name__} ended the app"
        assert not problems(app), (title, problems(app))
        await back_to(pilot, app, base)


APP_KEYS = keys_of(KtpelApp.BINDINGS)


async def test_every_key_on_every_screen(demo_path: Path, fixed_clock) -> None:
    app = KtpelApp(demo_path, "maya", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await until(pilot, lambda: "2026-0006" in rows(app), "maya's task")
        listing = app.screen
        await press_each(pilot, app, keys_of(ListScreen.BINDINGS) + APP_KEYS, skip=("escape",))
        assert isinstance(app.screen, ListScreen)

        await pilot.press("enter")
        await until(
            pilot,
            lambda: isinstance(app.screen, DetailScreen) and app.screen.state is not None,
            "detail",
        )
        await press_each(pilot, app, keys_of(DetailScreen.BINDINGS) + APP_KEYS, skip=("escape",))
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen), "history")
        await press_each(pilot, app, keys_of(HistoryScreen.BINDINGS) + APP_KEYS, skip=("escape",))
        await back_to(pilot, app, listing)

        for opener, kind in (("A", AuditScreen), ("P", ParkedScreen)):
            await pilot.press(opener)
            await until(pilot, lambda kind=kind: isinstance(app.screen, kind), kind.__name__)
            await settle(pilot, app)
            await press_each(pilot, app, keys_of(kind.BINDINGS) + APP_KEYS, skip=("escape",))
            await back_to(pilot, app, listing)

        # The modal screens: each key of theirs (Esc last, it closes them).
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ActScreen), "the form")
        form = app.screen
        await pilot.press("ctrl+s")  # empty required fields: errors, no confirmation
        await settle(pilot, app)
        assert app.screen is form
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, ListScreen)  # unchanged form: closed without asking

        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        await pilot.press("escape")
        await settle(pilot, app)
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PersonPicker), "picker")
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.screen is listing and app.person_id == "maya"


async def test_ctrl_p_and_every_palette_entry(demo_path: Path, fixed_clock) -> None:
    app = KtpelApp(demo_path, "maya", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        # The key hints are text: "[/]" and "[A]" never vanish as markup.
        helps = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert helps["Cari"] == r"Tombol \/" or "/" in helps["Cari"]
        await palette_each(pilot, app)
    assert app.return_code == 0


async def test_palette_on_the_detail_shows_key_hints(demo_path: Path, fixed_clock) -> None:
    app = KtpelApp(demo_path, "maya", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), "detail")
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"Audit")
        await settle(pilot, app)
        shown = " ".join(
            str(getattr(w, "render", lambda: "")()) for w in app.screen.query("OptionList")
        )
        options = app.screen.query_one("CommandList")
        texts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("Tombol A" in t for t in texts), (texts, shown)
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, DetailScreen)


async def test_confirm_keys(demo_path: Path, fixed_clock) -> None:
    """n on the check screen goes back to the form with what was typed."""
    app = KtpelApp(demo_path, "maya", watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        await until(pilot, lambda: "2026-0006" in rows(app), "maya's task")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ActScreen), "the form")
        await pilot.press(*"28/11/2026", "enter", *"Rapat", "ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "check screen")
        await pilot.press("n")
        await settle(pilot, app)
        assert isinstance(app.screen, ActScreen)
        assert app.screen.raw("minutes_summary") == "Rapat"
