"""The person picker: who is acting, chosen from people.toml with office and roles."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ledger.policy import Policy

from ..strings import _


def person_line(policy: Policy, person_id: str) -> Text:
    person = policy.people[person_id]
    roles = ", ".join(policy.sop.role_title(r) for r in person.roles)
    line = Text(person.name, style="bold")
    line.append(f"  ({person.id})", style="dim")
    line.append(f"\n  {policy.settings.office_name(person.office)} · {roles}")
    return line


class PersonPicker(ModalScreen[str | None]):
    """Returns the chosen person id (None on Esc)."""

    BINDINGS = [Binding("escape", "cancel", _("Kembali"), id="back")]

    def __init__(self, policy: Policy) -> None:
        super().__init__()
        self.policy = policy

    def compose(self) -> ComposeResult:
        with Vertical(id="picker", classes="dialog"):
            yield Static(_("Siapa yang bertindak?"), classes="dialog-title")
            yield Static(
                _("Pilih nama Anda (Enter). Pilihan disimpan untuk ledger ini."), classes="hint"
            )
            yield OptionList(
                *(Option(person_line(self.policy, pid), id=pid) for pid in self.policy.people),
                id="people",
            )

    def on_mount(self) -> None:
        self.query_one("#people", OptionList).focus()

    @on(OptionList.OptionSelected, "#people")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
