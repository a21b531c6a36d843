"""The documents of one request (key `d` on the detail screen): pick one, it is written.

Lists every document kind the request's SOP produces; those whose step is not yet recorded are
shown, greyed, with the step they wait for. Writing runs in a thread worker; the screen then says
where the file went (folder: $KTPEL_DOCS_DIR, else the user's documents folder, ktpel/<id>).
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ledger.documents import Available

from ..strings import _


def option_text(item: Available) -> Text:
    line = Text(item.label, style="bold" if item.ready else "dim")
    line.append(f"\n  {item.kind}" + (f" {item.key}" if item.key else ""), style="dim")
    if not item.ready:
        line.append("  " + _("langkah {step} belum dicatat").format(step=item.step), style="italic")
    return line


class DocumentsScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    #document-list { height: auto; max-height: 16; }
    #document-status { margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "close", _("Kembali"), id="back")]

    def __init__(self, request_id: str) -> None:
        super().__init__()
        self.request_id = request_id
        self.items: list[Available] = []
        self.written: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="documents", classes="dialog"):
            yield Static(
                _("Dokumen permohonan {id}").format(id=self.request_id),
                classes="dialog-title",
                markup=False,
            )
            yield Static(
                _("Enter menulis dokumen (DOCX) dari data ledger; Esc kembali."),
                classes="hint",
                markup=False,
            )
            yield OptionList(id="document-list")
            yield Static("", id="document-status", markup=False)

    def on_mount(self) -> None:
        self.query_one("#document-list", OptionList).focus()
        self.load()

    @work(thread=True, exclusive=True, group="documents", exit_on_error=False)
    def load(self) -> None:
        from ledger.documents import available

        app = self.app
        try:
            items = app.with_ledger(  # type: ignore[attr-defined]
                lambda led: available(led.read_request(self.request_id), led.policy())
            )
        except Exception as err:  # noqa: BLE001 - shown as a sentence, never a traceback
            app.call_from_thread(self._status, err)
            return
        app.call_from_thread(self._show, items)

    def _show(self, items: list[Available]) -> None:
        self.items = items
        options = self.query_one("#document-list", OptionList)
        options.clear_options()
        options.add_options(
            Option(option_text(item), id=f"{i}", disabled=not item.ready)
            for i, item in enumerate(items)
        )
        if any(item.ready for item in items):
            options.highlighted = next(i for i, item in enumerate(items) if item.ready)

    @on(OptionList.OptionSelected, "#document-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        item = self.items[int(event.option.id or 0)]
        self._status(_("Menulis {label}…").format(label=item.label))
        self.write(item)

    @work(thread=True, exclusive=True, group="documents-write", exit_on_error=False)
    def write(self, item: Available) -> None:
        from ledger.documents import write_document
        from ledger.documents.render import output_dir

        app = self.app
        folder = output_dir(self.request_id)
        try:
            _doc, path, _pdf = app.with_ledger(  # type: ignore[attr-defined]
                lambda led: write_document(
                    led, self.request_id, item.kind, item.key, lambda name: folder / name
                )
            )
        except Exception as err:  # noqa: BLE001
            app.call_from_thread(self._status, err)
            return
        app.call_from_thread(self._written, path)

    def _written(self, path: Path) -> None:
        self.written = path
        self._status(_("Ditulis: {path}").format(path=path))

    def _status(self, message: object) -> None:
        from ledger.rules import LedgerError

        if isinstance(message, LedgerError):
            text = Text(_("Galat") + f" [{message.code}]: {message.message()}", style="bold red")
        elif isinstance(message, BaseException):
            text = Text(_("Terjadi kesalahan: {reason}").format(reason=message), style="bold red")
        else:
            text = Text(str(message))
        self.query_one("#document-status", Static).update(text)

    def action_close(self) -> None:
        self.dismiss(None)
