"""What the documents (`d`) and attachments (`b`) screens share: a request's files in a list,
loaded in a thread, one written out on Enter, the outcome in a status line.

A subclass names its ids (`PREFIX`), its heading and hint, what it lists (`fetch`), how a row
reads (`option`), and what Enter writes (`produce`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ledger.store import Ledger

from ..strings import _


class RequestFilesScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    RequestFilesScreen .files-list { height: auto; max-height: 16; }
    RequestFilesScreen .files-status { margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "close", _("Kembali"), id="back")]
    CONTAINER: ClassVar[str]  # the dialog's id
    PREFIX: ClassVar[str]  # ids: #<PREFIX>-list, #<PREFIX>-status

    def __init__(self, request_id: str) -> None:
        super().__init__()
        self.request_id = request_id
        self.items: list[Any] = []
        self.written: Path | None = None

    # --- what a subclass says ------------------------------------------------------------------

    def heading(self) -> str:
        raise NotImplementedError

    def hint_text(self) -> str:
        raise NotImplementedError

    def fetch(self, led: Ledger) -> list[Any]:
        """The rows (runs in a worker thread, with the ledger)."""
        raise NotImplementedError

    def option(self, index: int, item: Any) -> Option:
        raise NotImplementedError

    def label(self, item: Any) -> str:
        raise NotImplementedError

    def produce(self, item: Any) -> tuple[Path, str]:
        """Write the chosen row out (runs in a worker thread): its path and the sentence to show
        (with `{path}` in it)."""
        raise NotImplementedError

    def shown(self, items: list[Any]) -> None:
        """After the rows are in the list (e.g. a sentence when there are none)."""

    # --- the shared screen ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id=self.CONTAINER, classes="dialog"):
            yield Static(self.heading(), classes="dialog-title", markup=False)
            yield Static(self.hint_text(), classes="hint", markup=False)
            yield OptionList(id=f"{self.PREFIX}-list", classes="files-list")
            yield Static("", id=f"{self.PREFIX}-status", classes="files-status", markup=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.load()

    @work(thread=True, exclusive=True, group="request-files", exit_on_error=False)
    def load(self) -> None:
        app = self.app
        try:
            items = app.with_ledger(self.fetch)  # type: ignore[attr-defined]
        except Exception as err:  # noqa: BLE001 - shown as a sentence, never a traceback
            app.call_from_thread(self._status, err)
            return
        app.call_from_thread(self._show, items)

    def _show(self, items: list[Any]) -> None:
        self.items = items
        options = self.query_one(OptionList)
        options.clear_options()
        rows = [self.option(i, item) for i, item in enumerate(items)]
        options.add_options(rows)
        # Enter works at once: the cursor on the first row that can be written.
        first = next((i for i, row in enumerate(rows) if not row.disabled), None)
        if first is not None:
            options.highlighted = first
        self.shown(items)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        item = self.items[int(event.option.id or 0)]
        self._status(_("Menulis {label}…").format(label=self.label(item)))
        self.write(item)

    @work(thread=True, exclusive=True, group="request-files-write", exit_on_error=False)
    def write(self, item: Any) -> None:
        try:
            path, sentence = self.produce(item)
        except Exception as err:  # noqa: BLE001
            self.app.call_from_thread(self._status, err)
            return
        self.app.call_from_thread(self._written, path, sentence)

    def _written(self, path: Path, sentence: str) -> None:
        self.written = path
        self._status(sentence.format(path=path))

    def _status(self, message: object) -> None:
        from ledger.rules import LedgerError

        if isinstance(message, LedgerError):
            text = Text(_("Galat") + f" [{message.code}]: {message.message()}", style="bold red")
        elif isinstance(message, BaseException):
            text = Text(_("Terjadi kesalahan: {reason}").format(reason=message), style="bold red")
        else:
            text = Text(str(message))
        self.query_one(f"#{self.PREFIX}-status", Static).update(text)

    def action_close(self) -> None:
        self.dismiss(None)
