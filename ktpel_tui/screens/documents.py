"""The documents of one request (key `d` on the detail screen): pick one, it is written.

Lists every document kind the request's SOP produces; those whose step is not yet recorded are
shown, greyed, with the step they wait for. Writing runs in a thread worker; the screen then says
where the file went (folder: $KTPEL_DOCS_DIR, else the user's documents folder, ktpel/<id>).
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.widgets.option_list import Option

from ledger.documents import Available
from ledger.store import Ledger

from ..strings import _
from .files import RequestFilesScreen


def option_text(item: Available) -> Text:
    line = Text(item.label, style="bold" if item.ready else "dim")
    line.append(f"\n  {item.kind}" + (f" {item.key}" if item.key else ""), style="dim")
    if not item.ready:
        line.append("  " + _("langkah {step} belum dicatat").format(step=item.step), style="italic")
    return line


class DocumentsScreen(RequestFilesScreen):
    CONTAINER = "documents"
    PREFIX = "document"

    def heading(self) -> str:
        return _("Dokumen permohonan {id}").format(id=self.request_id)

    def hint_text(self) -> str:
        return _("Enter menulis dokumen (DOCX) dari data ledger; Esc kembali.")

    def fetch(self, led: Ledger) -> list[Available]:
        from ledger.documents import available

        return available(led.read_request(self.request_id), led.policy())

    def option(self, index: int, item: Available) -> Option:
        return Option(option_text(item), id=f"{index}", disabled=not item.ready)

    def label(self, item: Available) -> str:
        return item.label

    def produce(self, item: Available) -> tuple[Path, str]:
        from ledger.documents import write_document
        from ledger.documents.render import output_dir

        folder = output_dir(self.request_id)
        _doc, path, _pdf = self.app.with_ledger(  # type: ignore[attr-defined]
            lambda led: write_document(
                led, self.request_id, item.kind, item.key, lambda name: folder / name
            )
        )
        return path, _("Ditulis: {path}")
