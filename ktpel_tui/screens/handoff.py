"""After a step is recorded: the WhatsApp hand-off to whoever the request now waits on (issue 12).

One block per person: the name, what waits on them, the wa.me link as text, and its QR code,
black on white, for the clerk to scan with the office phone. ktpel sends nothing itself.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ledger.handoff import qr_lines
from ledger.nextactor import NextActor

from ..strings import _


class HandoffScreen(ModalScreen[None]):
    """The hand-off links (and QR codes) after a record; Esc or Enter closes it."""

    BINDINGS = [Binding("escape,enter,q", "dismiss", _("Tutup"), id="handoff-close")]

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
            yield Static(Text(_("Esc atau Enter: tutup")), classes="hint")
