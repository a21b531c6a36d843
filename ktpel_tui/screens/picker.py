"""The person picker: who is acting, chosen from people.toml with office and roles."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
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
    """Returns the chosen person id (None on Esc).

    Starts on the current person; typing filters by name, id, office or role, so a switch
    is a few letters and Enter instead of a walk down the list.
    """

    BINDINGS = [
        Binding("escape", "cancel", _("Kembali"), id="back"),
        Binding("down", "to_list", show=False, id="picker-down"),
    ]

    def __init__(self, policy: Policy, current: str | None = None) -> None:
        super().__init__()
        self.policy = policy
        self.current = current
        self.shown: list[str] = list(policy.people)

    def compose(self) -> ComposeResult:
        with Vertical(id="picker", classes="dialog"):
            yield Static(_("Siapa yang bertindak?"), classes="dialog-title")
            yield Static(
                _("Ketik untuk mencari, Enter memilih. Pilihan disimpan untuk ledger ini."),
                classes="hint",
            )
            yield Input(placeholder=_("Cari nama, id, kantor atau peran…"), id="people-search")
            yield OptionList(
                *(Option(person_line(self.policy, pid), id=pid) for pid in self.policy.people),
                id="people",
            )

    def on_mount(self) -> None:
        options = self.query_one("#people", OptionList)
        if self.current in self.policy.people:
            options.highlighted = self.shown.index(self.current)
        else:
            options.highlighted = 0
        self.query_one("#people-search", Input).focus()

    def haystack(self, pid: str) -> str:
        person = self.policy.people[pid]
        roles = " ".join(self.policy.sop.role_title(r) + " " + r for r in person.roles)
        office = self.policy.settings.office_name(person.office)
        return f"{person.name} {pid} {person.office} {office} {roles}".casefold()

    @on(Input.Changed, "#people-search")
    def _search(self, event: Input.Changed) -> None:
        words = event.value.casefold().split()
        self.shown = [
            pid for pid in self.policy.people if all(w in self.haystack(pid) for w in words)
        ]
        options = self.query_one("#people", OptionList)
        options.clear_options()
        options.add_options([Option(person_line(self.policy, pid), id=pid) for pid in self.shown])
        if self.shown:
            options.highlighted = (
                self.shown.index(self.current) if self.current in self.shown else 0
            )

    @on(Input.Submitted, "#people-search")
    def _enter(self) -> None:
        options = self.query_one("#people", OptionList)
        if self.shown and options.highlighted is not None:
            self.dismiss(self.shown[options.highlighted])

    def action_to_list(self) -> None:
        self.query_one("#people", OptionList).focus()

    @on(OptionList.OptionSelected, "#people")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
