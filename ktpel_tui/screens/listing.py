"""Daftar permohonan: the list of requests, with tabs (with counts), search and sorting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static, Tab, Tabs
from textual.worker import get_current_worker

from ledger import clock
from ledger.policy import Policy
from ledger.request import waits_on
from ledger.summary import RequestSummary

from ..app import LedgerChanged
from ..core_adapter import parked
from ..strings import _
from ..widgets.units import duration

FIRST_CHUNK = 60  # a screenful, painted before the rest is built
CHUNK = 1000
TABS = ("mine", "all", "late", "done")
# Late shows in text (Waktu, Status) before the widest column, so it is on screen at 80 columns.
COLUMNS = ("id", "kabkota", "step", "time", "status", "waiting")
# Fixed widths (cells cropped with an ellipsis); the last column takes what its text needs.
WIDTHS: dict[str, int | None] = {
    "id": 9,
    "kabkota": 8,
    "step": 27,
    "time": 12,
    "status": 9,
    "waiting": None,
}


def tab_title(tab: str) -> str:
    return {
        "mine": _("Tugas saya"),
        "all": _("Semua"),
        "late": _("Terlambat"),
        "done": _("Selesai"),
    }[tab]


def column_title(column: str) -> str:
    return {
        "id": _("ID"),
        "kabkota": _("Kab/Kota"),
        "step": _("Langkah"),
        "waiting": _("Menunggu"),
        "time": _("Waktu"),
        "status": _("Status"),
    }[column]


def waiting_text(s: RequestSummary, policy: Policy) -> str:
    """The role (and person, when exactly one holds it) a request waits on."""
    parts = []
    for w in s.waiting:
        title = policy.sop.role_title(w["role"])
        holders = [
            p
            for p in policy.people.values()
            if waits_on(p, w["role"], w.get("office"), policy.sop)
            and (w.get("office") is not None or policy.sop.roles[w["role"]].office != "kabkota")
        ]
        label = f"{holders[0].id} · {title}" if len(holders) == 1 else title
        if w.get("kabkota") and w.get("action") != "advance":
            label = f"{w['kabkota']} {label}"
        if label not in parts:
            parts.append(label)
    if len(parts) > 2:
        return f"{parts[0]} +{len(parts) - 1}"
    return "; ".join(parts) or "-"


def time_cell(s: RequestSummary, policy: Policy, now: datetime) -> Text:
    waited = s.waited_minutes(now, policy.settings.calendar)
    if waited is None or s.broken:
        return Text("-")
    standard = s.standard  # the request's own SOP revision's standard (summarize)
    text = Text(f"{duration(waited)}/{duration(standard)}")
    if s.overdue(now):
        text.stylize("bold red")
        text.append(" !", style="bold")
    return text


def status_cell(s: RequestSummary, now: datetime) -> Text:
    if s.broken:
        return Text(_("RUSAK"), style="bold reverse red")
    if s.done:
        return Text(_("selesai"), style="green")
    if s.overdue(now):
        # Reverse video: legible as weight alone when NO_COLOR removes the red.
        return Text(_("TERLAMBAT"), style="bold reverse red")
    if s.returned:
        # Waiting for its correction: bold, so it reads without colour too.
        return Text(_("dikembalikan"), style="bold yellow")
    return Text(_("berjalan"))


def row_of(s: RequestSummary, policy: Policy, now: datetime) -> list[Any]:
    if s.broken:
        assert s.error is not None
        return [
            Text(s.id),
            Text("-"),
            Text(_("berkas rusak"), style="red"),
            Text("-"),
            status_cell(s, now),
            Text(s.error.message(), style="red"),
        ]
    # Out of the request's own SOP revision's steps (its summary says), not HEAD's.
    step = Text(f"{s.step}/{s.last_step or policy.sop.last_step} {s.step_title}")
    if s.returns:
        step.append(f" ↩{s.returns}", style="yellow")
    kabkota = (
        s.kabkota[0] + (f" +{len(s.kabkota) - 1}" if len(s.kabkota) > 1 else "")
        if s.kabkota
        else "-"
    )
    return [
        Text(s.id),
        Text(kabkota),
        step,
        time_cell(s, policy, now),
        status_cell(s, now),
        Text(waiting_text(s, policy) if not s.done else "-"),
    ]


def sort_key(column: str, now: datetime) -> Callable[[RequestSummary], Any]:
    far = float("inf")
    keys: dict[str, Callable[[RequestSummary], Any]] = {
        "id": lambda s: s.id,
        "kabkota": lambda s: (", ".join(s.kabkota), s.id),
        "step": lambda s: (s.step, s.id),
        "waiting": lambda s: (tuple(w["role"] for w in s.waiting), s.id),
        # Most overdue first: time left until due.
        "time": lambda s: (s.due.timestamp() if s.due is not None and not s.done else far, s.id),
        "status": lambda s: (
            0 if s.broken else 1 if s.overdue(now) else 2 if s.returned else 4 if s.done else 3,
            s.id,
        ),
    }
    return keys[column]


def matches(s: RequestSummary, query: str, policy: Policy) -> bool:
    q = query.casefold().strip()
    if not q:
        return True
    names = [policy.settings.office_name(c) for c in s.kabkota]
    hay = [s.id, *s.kabkota, *names, *s.letters, *s.kabkota_letters, s.step_title]
    return any(q in str(h).casefold() for h in hay)


class _Cancelled(Exception):
    """The list's loading worker was cancelled (the screen or the app is closing)."""


class RequestTable(DataTable):
    """The request list: Home and End go to the first and the last request.

    DataTable's own Home/End scroll sideways in row mode, which hid the ID column; the ID
    column is also fixed, so it stays whatever scrolls.
    """

    BINDINGS = [
        Binding("home", "first_row", _("Permohonan pertama"), id="first-row", show=False),
        Binding("end", "last_row", _("Permohonan terakhir"), id="last-row", show=False),
    ]

    def action_first_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=0)

    def action_last_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)


class ListScreen(Screen):
    """The first screen: what waits on me, what is late, everything."""

    BINDINGS = [
        Binding("a", "act", _("Catat langkah"), id="act-step"),
        Binding("h", "history", _("Riwayat"), id="request-history"),
        Binding("n", "new_request", _("Permohonan baru"), id="new-request"),
        Binding("k", "add_letter", _("Tambah surat"), id="add-letter"),
        Binding("slash", "search", _("Cari"), id="search", key_display="/"),
        Binding("o", "sort", _("Urutkan"), id="sort", show=False),
        Binding("t", "next_tab", _("Tab berikut"), id="next-tab", show=False),
        Binding("1", "tab('mine')", _("Tugas saya"), id="tab-mine", show=False),
        Binding("2", "tab('all')", _("Semua"), id="tab-all", show=False),
        Binding("3", "tab('late')", _("Terlambat"), id="tab-late", show=False),
        Binding("4", "tab('done')", _("Selesai"), id="tab-done", show=False),
        # p (person), H (ledger history) and A (audit) are the app's: in the help and the palette.
        Binding("s", "app.sync", _("Sinkron"), id="sync"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.summaries: list[RequestSummary] = []
        self.loaded = False
        self.tab = "mine"
        self.query_text = ""
        self.sort_column = "time"
        self.shown: list[RequestSummary] = []
        self.filled = False  # all rows of the current filter are in the table, checked
        self.provisional = False  # the rows are read from [state] tables, not yet checked
        self.parked = 0  # operations sync could not apply (the P screen)
        # Each refilter gets a number; what a superseded worker still sends is ignored.
        self.generation = 0

    def compose(self) -> ComposeResult:
        yield Header()
        if self.app.person_id is None:  # type: ignore[attr-defined]
            self.tab = "all"  # nobody to have tasks: everything
        yield Tabs(*(Tab(tab_title(t), id=f"tab-{t}") for t in TABS), id="tabs")
        yield Input(
            placeholder=_("Cari id, Kab/Kota, nomor surat… (Enter: selesai, Esc: hapus)"),
            id="search",
        )
        table: DataTable = RequestTable(
            id="requests", cursor_type="row", zebra_stripes=True, fixed_columns=1
        )
        for column in COLUMNS:
            table.add_column(column_title(column), key=column, width=WIDTHS[column])
        yield table
        yield Static(_("Memuat permohonan…"), id="list-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#search", Input).display = False
        self.query_one("#requests", DataTable).focus()
        self._show_first_tab()
        self.load()

    def _show_first_tab(self) -> None:
        """Activate the first tab once its Tab widget is mounted.

        Tabs mounts its Tab children after the screen's on_mount may run (seen under load:
        "No Tab with id 'tab-all'"), so wait for the widget instead of assuming it.
        """
        tabs = self.query_one(Tabs)
        if not tabs.query(f"#tab-{self.tab}"):
            self.set_timer(0.02, self._show_first_tab)
            return
        if tabs.active != f"tab-{self.tab}":
            tabs.active = f"tab-{self.tab}"

    # --- loading ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="list-load", exit_on_error=False)
    def load(self) -> None:
        app = self.app
        worker = get_current_worker()

        def progress(done: int, total: int) -> None:
            # Quitting while every file is checked: stop at once (the cache stays as it was).
            # A thread still calling into an app that is shutting down would hang its exit.
            if worker.is_cancelled:
                raise _Cancelled
            if total == 0:  # waiting for a fresh clone's check (ledger.clonecheck)
                app.call_from_thread(
                    self._status, _("Riwayat salinan baru sedang diperiksa di latar belakang…")
                )
            elif done % 1000 == 0 or done == total:
                app.call_from_thread(
                    self._status, _("Memuat {done}/{total}…").format(done=done, total=total)
                )

        # No listing cache for HEAD (a fresh clone): rows from each file's [state] table at once
        # (about a second at 20,000 requests), while every file is checked below; the check's
        # rows then replace them, a broken file among them marked RUSAK.
        try:
            quick = app.with_ledger(lambda led: led.quick_requests())  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - only a head start: the full check below says why
            quick = None
        if worker.is_cancelled:
            return
        if quick:
            app.call_from_thread(self._loaded, quick, 0, True)
        try:
            summaries = app.with_ledger(lambda led: led.list_requests(progress=progress))  # type: ignore[attr-defined]
        except _Cancelled:
            return
        except Exception as err:  # noqa: BLE001
            app.call_from_thread(app.show_error, err)  # type: ignore[attr-defined]
            return
        try:
            held = len(app.with_ledger(parked))  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - the count is a hint; the P screen says why
            held = 0
        if not worker.is_cancelled:
            app.call_from_thread(self._loaded, summaries, held)

    def _status(self, text: str) -> None:
        self.query_one("#list-status", Static).update(text)

    def _loaded(
        self, summaries: list[RequestSummary], held: int = 0, provisional: bool = False
    ) -> None:
        self.summaries = summaries
        self.parked = held
        self.loaded = True
        self.provisional = provisional
        self.refilter()

    def person_changed(self) -> None:
        if self.loaded:
            self.refilter()

    def on_ledger_changed(self, _message: LedgerChanged) -> None:
        self.load()

    # --- filtering and showing -------------------------------------------------------------

    def visible(self, tab: str, now: datetime) -> list[RequestSummary]:
        policy: Policy = self.app.policy  # type: ignore[attr-defined]
        person = self.app.person  # type: ignore[attr-defined]
        if tab == "mine":
            return [
                s for s in self.summaries if person is not None and s.is_for(person, policy.sop)
            ]
        if tab == "late":
            return [s for s in self.summaries if s.overdue(now) or s.broken]
        if tab == "done":
            return [s for s in self.summaries if s.done]
        return list(self.summaries)

    def refilter(self) -> None:
        """Show the current tab, search and order again (the work runs in a thread)."""
        table = self.query_one("#requests", DataTable)
        keep = (
            table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            if table.row_count
            else None
        )
        self.filled = False
        self.generation += 1
        self.fill(self.generation, self.tab, self.query_text, self.sort_column, keep)

    @work(thread=True, exclusive=True, group="list-fill", exit_on_error=False)
    def fill(self, generation: int, tab: str, query: str, column: str, keep: str | None) -> None:
        """Filter, sort and add rows in chunks: the first rows show at once even with 20,000 requests.

        The tab counts come last, so they never delay the first rows.
        """
        app = self.app
        policy: Policy = app.policy  # type: ignore[attr-defined]
        worker = get_current_worker()
        now = clock.now()
        rows = [s for s in self.visible(tab, now) if matches(s, query, policy)]
        rows.sort(key=sort_key(column, now))
        app.call_from_thread(self._begin, generation, rows)
        start, size = 0, FIRST_CHUNK
        while start < len(rows):
            if worker.is_cancelled:
                return
            chunk = [(s.id, row_of(s, policy, now)) for s in rows[start : start + size]]
            app.call_from_thread(self._add_rows, generation, chunk, keep)
            start, size = start + size, CHUNK
        counts = {t: len(self.visible(t, now)) for t in TABS}
        if not worker.is_cancelled:
            app.call_from_thread(self._filled, generation, len(rows), counts)

    def _begin(self, generation: int, rows: list[RequestSummary]) -> None:
        if generation != self.generation:
            return
        self.shown = rows
        self.query_one("#requests", DataTable).clear()

    def _add_rows(
        self, generation: int, chunk: list[tuple[str, list[Any]]], keep: str | None
    ) -> None:
        if generation != self.generation:
            return
        table = self.query_one("#requests", DataTable)
        for key, cells in chunk:
            if key in table.rows:
                continue
            table.add_row(*cells, key=key)
            if key == keep:
                table.move_cursor(row=table.get_row_index(key))

    def _filled(self, generation: int, count: int, counts: dict[str, int]) -> None:
        if generation != self.generation:
            return
        tabs = self.query_one(Tabs)
        for tab, n in counts.items():
            tabs.query_one(f"#tab-{tab}", Tab).label = f"{tab_title(tab)} ({n})"
        if self.provisional:  # the check's progress takes the status line until it is done
            self._status(_("Memeriksa semua berkas…"))
            return
        self.filled = True
        parts = [
            _("{shown} dari {total} permohonan").format(shown=count, total=len(self.summaries))
        ]
        if self.query_text:
            parts.append(_("cari: '{query}'").format(query=self.query_text))
        parts.append(_("urut: {column}").format(column=column_title(self.sort_column)))
        if count == 0:
            parts.insert(0, _("Tidak ada permohonan di sini."))
        if self.parked:
            parts.insert(0, _("DITAHAN: {n} operasi (P)").format(n=self.parked))
        self._status(" · ".join(parts))

    # --- events and actions ----------------------------------------------------------------

    @on(Tabs.TabActivated, "#tabs")
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        tab = str(event.tab.id).removeprefix("tab-")
        if tab != self.tab:
            self.tab = tab
            if self.loaded:
                self.refilter()

    def action_tab(self, tab: str) -> None:
        self.query_one(Tabs).active = f"tab-{tab}"

    def action_next_tab(self) -> None:
        self.query_one(Tabs).action_next_tab()

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.display = True
        search.focus()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        if self.loaded:
            self.refilter()

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.query_one("#requests", DataTable).focus()

    def key_escape(self) -> None:
        search = self.query_one("#search", Input)
        if search.display:
            search.value = ""
            search.display = False
            self.query_one("#requests", DataTable).focus()

    def action_sort(self) -> None:
        self.sort_column = COLUMNS[(COLUMNS.index(self.sort_column) + 1) % len(COLUMNS)]
        if self.loaded:
            self.refilter()

    @on(DataTable.HeaderSelected, "#requests")
    def _header(self, event: DataTable.HeaderSelected) -> None:
        self.sort_column = str(event.column_key.value)
        if self.loaded:
            self.refilter()

    def current(self) -> RequestSummary | None:
        table = self.query_one("#requests", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((s for s in self.shown if s.id == key), None)

    def _need_current(self) -> RequestSummary | None:
        s = self.current()
        if s is None:
            self.notify(_("Pilih permohonan dahulu."), severity="warning")
            return None
        if s.broken:
            assert s.error is not None
            self.notify(
                _("Permohonan ini rusak: {reason}").format(reason=s.error.message()),
                severity="error",
                markup=False,
            )
            return None
        return s

    @on(DataTable.RowSelected, "#requests")
    def _open(self, event: DataTable.RowSelected) -> None:
        from .detail import DetailScreen

        if (s := self._need_current()) is not None:
            self.app.push_screen(DetailScreen(s.id))

    def action_act(self) -> None:
        from .act import start_act

        if (s := self._need_current()) is not None:
            start_act(self.app, s.id)

    def action_history(self) -> None:
        from .history import HistoryScreen

        if (s := self.current()) is not None:
            self.app.push_screen(HistoryScreen(s.id))
        else:
            self.notify(_("Pilih permohonan dahulu."), severity="warning")

    def action_new_request(self) -> None:
        from .act import start_new_request

        start_new_request(self.app)

    def action_add_letter(self) -> None:
        from .act import start_add_letter

        if (s := self._need_current()) is not None:
            start_add_letter(self.app, s.id)
