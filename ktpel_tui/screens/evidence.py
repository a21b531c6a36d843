"""The attachments of one request (key `b` on the detail screen): scans and photos by step.

Lists every file the request's events attach, with its kind, size, hash and whether it is on
this machine (a lean clone keeps them on the hub). Enter writes the chosen file out (fetching it
first if needed, its SHA-256 checked) and opens it with the system's viewer when there is one
(`xdg-open`, `open`); the screen always says where the file was written.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ledger.evidence import human_size
from ledger.lean import Listed

from ..strings import _

STATUS = {
    "present": ("ada", "green"),
    "not-fetched": ("belum diunduh", "yellow"),
    "missing": ("HILANG", "bold red"),
}


def option_text(item: Listed) -> Text:
    a = item.attachment
    word, style = STATUS.get(item.status, (item.status, ""))
    line = Text(a.name, style="bold")  # a stored name has no control characters (clean_name)
    line.append(f"\n  {_('langkah')} {item.step} · {a.kind} · {human_size(a.size)} · ")
    line.append(a.sha256[:16], style="dim")
    line.append("  ")
    line.append(_(word), style=style)
    return line


def viewer() -> list[str] | None:
    """The system's 'open this file' command, or None (a server, a bare terminal)."""
    if sys.platform == "darwin":
        return ["open"]
    program = shutil.which("xdg-open")
    return [program] if program else None


class EvidenceScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    #evidence-list { height: auto; max-height: 16; }
    #evidence-status { margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "close", _("Kembali"), id="back")]

    def __init__(self, request_id: str) -> None:
        super().__init__()
        self.request_id = request_id
        self.items: list[Listed] = []
        self.written: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="evidence", classes="dialog"):
            yield Static(
                _("Lampiran permohonan {id}").format(id=self.request_id),
                classes="dialog-title",
                markup=False,
            )
            yield Static(
                _(
                    "Enter menulis berkas (diunduh dulu bila belum ada) lalu membukanya; Esc kembali."
                ),
                classes="hint",
                markup=False,
            )
            yield OptionList(id="evidence-list")
            yield Static("", id="evidence-status", markup=False)

    def on_mount(self) -> None:
        self.query_one("#evidence-list", OptionList).focus()
        self.load()

    @work(thread=True, exclusive=True, group="evidence", exit_on_error=False)
    def load(self) -> None:
        from ledger.lean import request_attachments

        app = self.app
        try:
            items = app.with_ledger(  # type: ignore[attr-defined]
                lambda led: request_attachments(led.root, led.read_request(self.request_id).events)
            )
        except Exception as err:  # noqa: BLE001 - shown as a sentence, never a traceback
            app.call_from_thread(self._status, err)
            return
        app.call_from_thread(self._show, items)

    def _show(self, items: list[Listed]) -> None:
        self.items = items
        options = self.query_one("#evidence-list", OptionList)
        options.clear_options()
        options.add_options(
            Option(option_text(item), id=f"{i}", disabled=item.status == "missing")
            for i, item in enumerate(items)
        )
        if not items:
            self._status(_("Permohonan ini belum punya lampiran."))

    @on(OptionList.OptionSelected, "#evidence-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        item = self.items[int(event.option.id or 0)]
        self._status(_("Menulis {label}…").format(label=item.attachment.name))
        self.write(item)

    @work(thread=True, exclusive=True, group="evidence-write", exit_on_error=False)
    def write(self, item: Listed) -> None:
        from ledger.documents.render import output_dir
        from ledger.lean import attachment_bytes

        app = self.app
        a = item.attachment
        try:
            data = app.with_ledger(lambda led: attachment_bytes(led.root, a))  # type: ignore[attr-defined]
            folder = output_dir(self.request_id)
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{a.sha256[:12]}-{Path(a.name).name}"
            tmp = path.with_name(path.name + ".part")
            tmp.write_bytes(data)
            tmp.replace(path)  # never a half-written scan under the final name
        except Exception as err:  # noqa: BLE001
            app.call_from_thread(self._status, err)
            return
        command = viewer()
        if command is not None:
            subprocess.Popen(
                [*command, str(path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        app.call_from_thread(self._written, path, command is not None)

    def _written(self, path: Path, opened: bool) -> None:
        self.written = path
        message = _("Ditulis dan dibuka: {path}") if opened else _("Ditulis: {path}")
        self._status(message.format(path=path))

    def _status(self, message: object) -> None:
        from ledger.rules import LedgerError

        if isinstance(message, LedgerError):
            text = Text(_("Galat") + f" [{message.code}]: {message.message()}", style="bold red")
        elif isinstance(message, BaseException):
            text = Text(_("Terjadi kesalahan: {reason}").format(reason=message), style="bold red")
        else:
            text = Text(str(message))
        self.query_one("#evidence-status", Static).update(text)

    def action_close(self) -> None:
        self.dismiss(None)
