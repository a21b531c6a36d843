"""Operasi ditahan: what sync could not apply, with its reason; retry it or drop it."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ledger import clock

from ..app import LedgerChanged
from ..core_adapter import drop_parked, parked, retry_parked
from ..strings import _


class ParkedScreen(Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", _("Kembali"), id="back"),
        Binding("c", "retry", _("Coba lagi"), id="parked-retry"),
        Binding("d", "drop", _("Buang"), id="parked-drop"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[Any] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Operasi ditahan saat sinkron"), id="parked-title", markup=False)
        table: DataTable = DataTable(id="parked", cursor_type="row")
        table.add_column(_("Permohonan"), key="request", width=10)
        table.add_column(_("Pada"), key="at", width=11)
        table.add_column(_("Oleh"), key="by", width=16)
        table.add_column(_("Operasi"), key="summary")
        yield table
        yield Static("", id="parked-reason", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#parked", DataTable).focus()
        self.load()

    def on_ledger_changed(self, _message: LedgerChanged) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="parked-load", exit_on_error=False)
    def load(self) -> None:
        app = self.app
        try:
            items = app.with_ledger(parked)  # type: ignore[attr-defined]
        except Exception as err:  # noqa: BLE001
            app.call_from_thread(app.show_error, err)  # type: ignore[attr-defined]
            return
        app.call_from_thread(self.show, items)

    def show(self, items: list[Any]) -> None:
        self.items = items
        self.loaded = True
        table = self.query_one("#parked", DataTable)
        table.clear()
        for item in items:
            table.add_row(
                Text(item.request or "-"),
                Text(clock.to_wib(item.at).strftime("%d-%m %H:%M")),
                Text(item.author),
                Text(item.summary),
                key=item.name,
            )
        self.show_reason()

    def current(self) -> Any | None:
        table = self.query_one("#parked", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((i for i in self.items if i.name == key), None)

    @on(DataTable.RowHighlighted, "#parked")
    def show_reason(self) -> None:
        item = self.current()
        reason = self.query_one("#parked-reason", Static)
        if item is None:
            reason.update(_("Tidak ada operasi yang ditahan."))
            return
        text = Text(_("Alasan") + ": ", style="bold")
        text.append(item.reason)
        text.append("\n" + _("c: coba lagi di atas ledger sekarang · d: buang operasi ini"))
        reason.update(text)

    def action_retry(self) -> None:
        if (item := self.current()) is not None:
            self.run_retry(item.name)

    def action_drop(self) -> None:
        from .act import ConfirmScreen

        item = self.current()
        if item is None:
            return
        self.app.push_screen(
            ConfirmScreen(
                Text(f"{item.summary}\n{item.reason}"),
                title=_("Buang operasi yang ditahan?"),
                yes=_("Buang"),
            ),
            lambda ok: self.run_drop(item.name) if ok else None,
        )

    @work(thread=True, exclusive=True, group="parked-op", exit_on_error=False)
    def run_retry(self, name: str) -> None:
        app = self.app
        try:
            _item, sha = app.with_ledger(lambda led: retry_parked(led, name))  # type: ignore[attr-defined]
        except Exception as err:  # noqa: BLE001
            app.call_from_thread(app.show_error, err)  # type: ignore[attr-defined]
            return
        message = (
            _("Diterapkan ulang (commit {sha}).").format(sha=sha[:10])
            if sha
            else _("Masih tidak dapat diterapkan; tetap ditahan.")
        )
        app.call_from_thread(app.notify, message, markup=False)
        app.call_from_thread(app.ledger_changed)  # type: ignore[attr-defined]
        self.load()

    @work(thread=True, exclusive=True, group="parked-op", exit_on_error=False)
    def run_drop(self, name: str) -> None:
        app = self.app
        try:
            app.with_ledger(lambda led: drop_parked(led, name))  # type: ignore[attr-defined]
        except Exception as err:  # noqa: BLE001
            app.call_from_thread(app.show_error, err)  # type: ignore[attr-defined]
            return
        app.call_from_thread(app.notify, _("Operasi dibuang."), markup=False)
        self.load()
