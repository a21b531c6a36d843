"""`?`: every key, by screen."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..strings import _


def _keys_table(title: str, bindings: list[Binding], extra: str = "") -> Table:
    table = Table(title=title, title_justify="left", show_header=False, box=None, expand=True)
    from ..app import key_label

    table.add_column(style="bold", width=12)
    table.add_column()
    # Key and what it does, in the screen's language (binding ids are for code, not for staff).
    for b in bindings:
        if b.action == "command_palette" or not b.description:
            continue
        table.add_row(Text(key_label(b)), Text(b.description))
    if extra:
        table.add_row("", Text(extra))
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", _("Kembali"), id="back")]

    def compose(self) -> ComposeResult:
        from ..app import KtpelApp
        from .act import ActScreen
        from .audit import AuditScreen
        from .detail import DetailScreen
        from .history import HistoryScreen
        from .listing import ListScreen
        from .parked import ParkedScreen

        sections = [
            (
                "app",
                _("Di semua layar"),
                KtpelApp.BINDINGS,
                _("Ctrl+P: palet perintah (semua aksi). Tetikus boleh dipakai, tidak wajib."),
            ),
            (
                "list",
                _("Daftar permohonan"),
                ListScreen.BINDINGS,
                _("Enter: buka rincian; klik judul kolom: urutkan")
                + "\n"
                + _("1-4: Tugas saya / Semua / Terlambat / Selesai"),
            ),
            ("detail", _("Rincian permohonan"), DetailScreen.BINDINGS, ""),
            ("parked", _("Operasi ditahan"), ParkedScreen.BINDINGS, ""),
            (
                "form",
                _("Formulir"),
                ActScreen.BINDINGS,
                _("Tab / Shift+Tab / Enter: pindah isian; Ctrl+S: lanjut; Esc: batal"),
            ),
            (
                "history",
                _("Riwayat"),
                HistoryScreen.BINDINGS,
                _("Enter atau ↑↓: lihat perubahan entri"),
            ),
            (
                "audit",
                _("Audit"),
                AuditScreen.BINDINGS,
                _("↑↓: temuan lengkap di bawah tabel; Enter: buka commit temuan"),
            ),
        ]
        with VerticalScroll(id="help", classes="dialog"):
            yield Static(_("Tombol"), classes="dialog-title")
            for key, title, bindings, extra in sections:
                yield Static(_keys_table(title, bindings, extra), id=f"keys-{key}")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
