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
from textual.widgets.option_list import Option

from ledger.evidence import human_size
from ledger.lean import Listed
from ledger.store import Ledger

from ..strings import _
from .files import RequestFilesScreen

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


class EvidenceScreen(RequestFilesScreen):
    CONTAINER = "evidence"
    PREFIX = "evidence"

    def heading(self) -> str:
        return _("Lampiran permohonan {id}").format(id=self.request_id)

    def hint_text(self) -> str:
        return _("Enter menulis berkas (diunduh dulu bila belum ada) lalu membukanya; Esc kembali.")

    def fetch(self, led: Ledger) -> list[Listed]:
        from ledger.lean import request_attachments

        return request_attachments(led.root, led.read_request(self.request_id).events)

    def option(self, index: int, item: Listed) -> Option:
        return Option(option_text(item), id=f"{index}", disabled=item.status == "missing")

    def shown(self, items: list[Listed]) -> None:
        if not items:
            self._status(_("Permohonan ini belum punya lampiran."))

    def label(self, item: Listed) -> str:
        return item.attachment.name

    def produce(self, item: Listed) -> tuple[Path, str]:
        from ledger.documents.render import output_dir
        from ledger.lean import attachment_bytes

        a = item.attachment
        data = self.app.with_ledger(lambda led: attachment_bytes(led.root, a))  # type: ignore[attr-defined]
        folder = output_dir(self.request_id)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{a.sha256[:12]}-{Path(a.name).name}"
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)  # never a half-written scan under the final name
        command = viewer()
        if command is None:
            return path, _("Ditulis: {path}")
        subprocess.Popen(
            [*command, str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        return path, _("Ditulis dan dibuka: {path}")
