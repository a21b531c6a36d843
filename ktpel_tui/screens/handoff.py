"""After a step is recorded: the WhatsApp hand-off to whoever the request now waits on (issue 12).

One block per person: the name, what waits on them, the wa.me link as text, and its QR code,
black on white, for the clerk to scan with the office phone. ktpel sends nothing itself.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ledger.handoff import qr_lines
from ledger.nextactor import NextActor

from ..strings import _

# Keys that stay on the hand-off: closing it, and scrolling through several people's codes.
OWN_KEYS = frozenset(
    {"escape", "enter", "q", "up", "down", "pageup", "pagedown", "home", "end", "ctrl+c"}
)


class HandoffScreen(ModalScreen[None]):
    """The hand-off links (and QR codes) after a record; Esc or Enter closes it, and so does
    any other key, which then does its own job on the screen beneath (`p` switches person, `a`
    records): the hand-off never costs a key of its own."""

    BINDINGS = [Binding("escape,enter,q", "dismiss", _("Tutup"), id="handoff-close")]

    def on_key(self, event: events.Key) -> None:
        if event.key in OWN_KEYS or self.app.screen is not self:
            return
        event.stop()
        event.prevent_default()
        self.dismiss()
        # Popped at once: the key reaches the screen beneath as if typed there.
        self.app.post_message(events.Key(event.key, event.character))

    def __init__(self, actors: list[NextActor]) -> None:
        super().__init__()
        self.actors = actors

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="handoff"):
            yield Static(Text(_("Kabari orang berikutnya lewat WhatsApp")), classes="dialog-title")
            for index, actor in enumerate(self.actors):
                who = Text(actor.person.name, style="bold")
                if actor.handoff.detail:
                    who.append(f" ({actor.handoff.detail})")
                yield Static(who, id=f"handoff-who-{index}")
                if not actor.link:
                    yield Static(Text(_("belum ada nomor WhatsApp di people.toml")), classes="hint")
                    continue
                yield Static(Text(actor.link), id=f"handoff-link-{index}", classes="hint")
                # Dark modules on a light ground, whatever the terminal's theme: phones scan it.
                code = Text("\n".join(qr_lines(actor.link)), style="black on white", no_wrap=True)
                yield Static(code, id=f"handoff-qr-{index}", classes="qr")
            yield Static(
                Text(_("Esc atau Enter: tutup; tombol lain menutup dan langsung dijalankan")),
                classes="hint",
            )
