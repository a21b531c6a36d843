"""Rincian permohonan: data, the 19-step SOP timeline, quantities and the permohonan letters."""

from __future__ import annotations

from datetime import datetime

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from ledger import clock
from ledger.fields import format_value
from ledger.policy import Policy
from ledger.report import Quantities, ReturnRow, TimelineRow, quantities, timeline
from ledger.request import RequestState, current_timing
from ledger.rules import LedgerError
from ledger.sop import Sop, Step
from ledger.summary import summarize

from ..app import LedgerChanged
from ..core_adapter import recorder_role
from ..strings import _
from ..widgets.units import duration, number
from .listing import waiting_text


def _when(at: datetime | None) -> str:
    return clock.to_wib(at).strftime("%d-%m %H:%M") if at else ""


def _n(value: int | None) -> str:
    return number(value)


def header_text(state: RequestState, policy: Policy, now: datetime) -> Text:
    sop = policy.sop
    text = Text(_("Permohonan {id}").format(id=state.id), style="bold")
    names = ", ".join(f"{c} {policy.settings.office_name(c)}" for c in state.kabkota)
    text.append(f"  ·  {names}\n")
    if state.done:
        text.append(_("SELESAI"), style="bold green")
        return text
    step = sop.step(state.step)
    if state.events and state.events[-1].action == "return":
        # A returned request says so first, with the reviewer's note (not below the timeline).
        back = state.events[-1]
        who = policy.people[back.by].name if back.by in policy.people else back.by
        text.append(_("DIKEMBALIKAN"), style="bold reverse")
        text.append(
            " "
            + _("oleh {by} pada langkah {step}: {note}").format(
                by=who, step=back.step, note=back.note
            )
            + "\n",
            style="bold",
        )
    text.append(
        _("langkah {step}/{last}: {title}").format(
            step=state.step, last=sop.last_step, title=step.title
        ),
        style="bold",
    )
    summary = summarize(state, "", policy)
    text.append("  ·  " + _("menunggu {who}").format(who=waiting_text(summary, policy)) + "\n")
    # The same office-time clock as the list and the audit (the step's own clock, the ledger's
    # calendar): a step is not late over a weekend or a holiday.
    timing = current_timing(state, sop, policy.settings.calendar, now)
    waited = timing.elapsed if timing is not None else 0
    text.append(
        _("sudah menunggu {waited} (standar {standard})").format(
            waited=duration(waited), standard=_standard(step)
        )
    )
    if timing is not None:
        text.append("  ·  " + _("batas waktu {due}").format(due=_when(timing.due)))
        if timing.late:
            text.append("  " + _("TERLAMBAT"), style="bold reverse red")
    text.append(f"\n{step.activity}", style="dim")
    return text


def _standard(step: Step) -> str:
    """The standard time, compact ('30m', '1j 0m–3h 0j'), as in the list."""
    if step.minutes_max is not None:
        return f"{duration(step.minutes)}–{duration(step.minutes_max)}"
    return duration(step.minutes)


def timeline_table(
    rows: list[TimelineRow],
    returns: list[ReturnRow],
    sop: Sop,
    recorders: dict[int, str] | None = None,
) -> Group:
    """`recorders`: step -> the typist's own role, for steps recorded on behalf of someone."""
    recorders = recorders or {}
    table = Table(
        title=_("Linimasa SOP"), title_justify="left", expand=True, show_edge=False, pad_edge=False
    )
    table.add_column(_("No"), justify="right", width=3, no_wrap=True)
    table.add_column(_("Langkah"), ratio=3, no_wrap=True, overflow="ellipsis")
    # Wraps: "Fitri (Pelaksana), atas nama Badan Penghubung" must not be cut to "Fitri".
    table.add_column(_("Oleh"), ratio=2, overflow="fold")
    table.add_column(_("Pada"), width=13, no_wrap=True, overflow="ellipsis")
    table.add_column(_("Aktual"), justify="right", width=8, no_wrap=True)
    table.add_column(_("Standar"), width=11, no_wrap=True, overflow="ellipsis")
    for row in rows:
        standard = _standard(sop.step(row.step))
        title = Text(row.title)
        if row.returns:
            title.append(" ↩ " + _("dikembalikan {n}×").format(n=row.returns), style="yellow")
        if row.status == "selesai":
            by = Text(row.by)
            if row.on_behalf:
                if row.step in recorders:
                    by.append(f" ({recorders[row.step]})")
                by.append(", " + _("atas nama {of}").format(of=row.on_behalf), style="italic")
            actual = Text(duration(row.minutes) if row.minutes is not None else "-")
            if row.late:
                actual.append(" !", style="bold red")
                actual.stylize("red")
            table.add_row(
                Text(str(row.step)), title, by, Text(_when(row.at)), actual, Text(standard)
            )
        elif row.status == "sekarang":
            marker = Text(_("sekarang"), style="bold reverse")
            due = Text("≤ " + _when(row.due))
            actual = Text(duration(row.minutes) if row.minutes is not None else "-")
            if row.late:
                actual.stylize("bold red")
                marker = Text(_("TERLAMBAT"), style="bold reverse red")
            table.add_row(
                Text(f"▶{row.step}", style="bold"),
                title,
                marker,
                due,
                actual,
                Text(standard),
                style="bold",
            )
        else:
            table.add_row(
                Text(str(row.step)),
                title,
                Text(_("menunggu"), style="dim"),
                Text(""),
                Text(""),
                Text(standard),
                style="dim",
            )
    parts: list = [table]
    if returns:
        lines = Text(_("Pengembalian untuk perbaikan") + "\n", style="bold yellow")
        for r in returns:
            lines.append(
                "  ↩ "
                + _("langkah {step} → {to} oleh {by} {at}: {note}").format(
                    step=r.step, to=r.to, by=r.by, at=_when(r.at), note=r.note
                )
                + "\n"
            )
        parts.append(lines)
    return Group(*parts)


def quantities_table(q: Quantities) -> Group:
    totals = Table(
        title=_("Jumlah blanko"), title_justify="left", show_header=False, box=None, pad_edge=False
    )
    totals.add_column(width=26)
    totals.add_column(justify="right", width=8)
    totals.add_column(width=26)
    totals.add_column(justify="right", width=8)
    pairs = [
        (_("Diminta Kab/Kota"), q.requested),
        (_("Diajukan ke Ditjen"), q.asked),
        (_("Dikirim"), q.shipped),
        (_("Diterima baik"), q.received_good),
        (_("Rusak/kurang"), q.damaged_missing),
        (_("Selisih kiriman"), q.discrepancy),
        (_("Porsi dibagi"), q.shares),
        (_("Belum dibagi"), q.unshared),
        (_("Diserahkan"), q.handed_over),
        (_("Dikonfirmasi"), q.confirmed),
        (_("Di gudang provinsi"), q.in_store),
    ]
    for i in range(0, len(pairs), 2):
        left, right = pairs[i], pairs[i + 1] if i + 1 < len(pairs) else ("", None)
        totals.add_row(
            Text(left[0]), Text(_n(left[1])), Text(right[0]), Text(_n(right[1]) if right[0] else "")
        )
    per = Table(expand=True, show_edge=False, pad_edge=False)
    per.add_column(_("Kab/Kota"), ratio=3)
    for title in (_("Diminta"), _("Sisa stok"), _("Porsi"), _("Diserahkan"), _("Dikonfirmasi")):
        per.add_column(title, justify="right", ratio=1)
    per.add_column(_("BAST"), ratio=2)
    for row in q.rows:
        per.add_row(
            Text(f"{row.code} {row.name}"),
            Text(_n(row.requested)),
            Text(_n(row.stock_left)),
            Text(_n(row.share)),
            Text(_n(row.handed_over)),
            Text(_n(row.confirmed)),
            Text(row.bast),
        )
    return Group(totals, per)


def recorded_data(state: RequestState, policy: Policy) -> Text:
    """What each step recorded (its fields), oldest first."""
    sop = policy.sop
    text = Text(_("Data tercatat") + "\n", style="bold")
    for no in sorted(state.step_data):
        if no == 0 or not sop.has_step(no) or not state.step_data[no]:
            continue
        step = sop.step(no)
        labels = {f.name: f for f in step.fields}
        parts = []
        for name, value in state.step_data[no].items():
            f = labels.get(name)
            parts.append(f"{f.label if f else name} = {format_value(f.type if f else '', value)}")
        text.append(f"{no:>3} {step.title}: ", style="bold")
        text.append("; ".join(parts) + "\n")
    return text


def letters_table(state: RequestState, policy: Policy) -> Table:
    table = Table(
        title=_("Surat permohonan"),
        title_justify="left",
        expand=True,
        show_edge=False,
        pad_edge=False,
    )
    table.add_column(_("Kab/Kota"), ratio=2)
    table.add_column(_("Nomor surat"), ratio=3)
    table.add_column(_("Tanggal"), width=10)
    table.add_column(_("Diminta"), justify="right", width=8)
    table.add_column(_("Pencatat"), ratio=2)
    letters = [ev for ev in state.events if ev.action in ("create", "permohonan")]
    for ev, p in zip(letters, state.permohonan, strict=False):
        who = Text(policy.people[ev.by].name if ev.by in policy.people else ev.by)
        if ev.on_behalf:
            who.append(" (" + _("atas nama {of}").format(of=ev.on_behalf.of) + ")", style="italic")
        table.add_row(
            Text(f"{p['kabkota']} {policy.settings.office_name(p['kabkota'])}"),
            Text(str(p["letter_number"])),
            Text(format_value("date", p.get("letter_date"))),
            Text(_n(p.get("blanks_requested"))),
            who,
        )
    return table


class DetailScreen(Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", _("Kembali"), id="back"),
        Binding("a", "act", _("Catat langkah"), id="act-step"),
        Binding("h", "history", _("Riwayat"), id="request-history"),
        Binding("k", "add_letter", _("Tambah surat"), id="add-letter"),
        Binding("d", "documents", _("Dokumen"), id="request-documents"),
        Binding("b", "evidence", _("Lampiran"), id="request-evidence"),  # issue 11
        Binding("A", "app.audit", _("Audit"), id="audit"),
    ]

    def __init__(self, request_id: str) -> None:
        super().__init__()
        self.request_id = request_id
        self.state: RequestState | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="detail"):
            yield Static(_("Memuat…"), id="detail-head", markup=False)
            yield Static(id="detail-timeline")
            yield Static(id="detail-data")
            yield Static(id="detail-quantities")
            yield Static(id="detail-letters")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#detail", VerticalScroll).focus()
        self.load()

    def on_ledger_changed(self, _message: LedgerChanged) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="detail-load", exit_on_error=False)
    def load(self) -> None:
        app = self.app
        try:
            state = app.with_ledger(lambda led: led.read_request(self.request_id))  # type: ignore[attr-defined]
        except Exception as err:  # noqa: BLE001
            app.call_from_thread(app.show_error, err)  # type: ignore[attr-defined]
            return
        app.call_from_thread(self.show, state)

    def show(self, state: RequestState) -> None:
        policy: Policy = self.app.policy  # type: ignore[attr-defined]
        try:
            policy = policy.for_sop(state.sop_id)  # step names and fields of its own revision
        except LedgerError as err:
            self.app.show_error(err)  # type: ignore[attr-defined]
        now = clock.now()
        self.state = state
        self.query_one("#detail-head", Static).update(header_text(state, policy, now))
        rows, returns = timeline(state, policy, now)
        recorders = {
            ev.step: recorder_role(policy, ev.by, ev.step, True)
            for ev in state.events
            if ev.on_behalf is not None
        }
        self.query_one("#detail-timeline", Static).update(
            timeline_table(rows, returns, policy.sop, recorders)
        )
        self.query_one("#detail-data", Static).update(recorded_data(state, policy))
        self.query_one("#detail-quantities", Static).update(
            quantities_table(quantities(state, policy))
        )
        self.query_one("#detail-letters", Static).update(letters_table(state, policy))

    def action_act(self) -> None:
        from .act import start_act

        start_act(self.app, self.request_id)

    def action_history(self) -> None:
        from .history import HistoryScreen

        self.app.push_screen(HistoryScreen(self.request_id))

    def action_add_letter(self) -> None:
        from .act import start_add_letter

        start_add_letter(self.app, self.request_id)

    def action_documents(self) -> None:
        from .documents import DocumentsScreen

        self.app.push_screen(DocumentsScreen(self.request_id))

    def action_evidence(self) -> None:
        from .evidence import EvidenceScreen

        self.app.push_screen(EvidenceScreen(self.request_id))
