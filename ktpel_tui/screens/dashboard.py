"""Dasbor: per Kab/Kota what was asked, shared, handed over and the stock; who the requests wait
on and how late; time per step against the standard. Bars drawn as text, numbers beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

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
from ledger.policy import Policy
from ledger.report import quantities, timeline

from ..app import LedgerChanged
from ..strings import _
from ..widgets.units import duration, number

BAR = 24  # cells of the longest bar
MONTHS = 6  # "the last months": steps finished in this window count


def bar(value: int, top: int, width: int = BAR) -> Text:
    """A horizontal bar; its length is the value's share of `top` (the longest row)."""
    cells = 0 if top <= 0 else round(width * min(value, top) / top)
    return Text("█" * cells + "·" * (width - cells))


@dataclass(slots=True)
class Figures:
    kabkota: dict[str, list[int]] = field(default_factory=dict)  # requested, shared, handed, stock
    waiting: dict[str, list[int]] = field(default_factory=dict)  # role title -> [waiting, late]
    steps: dict[int, list[int]] = field(default_factory=dict)  # step -> [sum actual, n, standard]
    returned: list[str] = field(default_factory=list)  # requests waiting for their correction


def gather(led, policy: Policy, now: datetime) -> Figures:
    """Every request's quantities and timeline (read in a thread: git work)."""
    fig = Figures()
    since = now - timedelta(days=31 * MONTHS)
    for s in led.list_requests():
        if s.broken:
            continue
        if s.returned:
            fig.returned.append(s.id)
        for w in s.waiting:
            title = policy.sop.role_title(w["role"])
            row = fig.waiting.setdefault(title, [0, 0])
            row[0] += 1
            row[1] += int(s.overdue(now))
        state = led.read_request(s.id)
        for k in quantities(state, policy).rows:
            row = fig.kabkota.setdefault(k.code, [0, 0, 0, 0])
            row[0] += k.requested
            row[1] += k.share
            row[2] += k.handed_over
            if k.stock_left is not None:
                row[3] = k.stock_left  # the latest letter's stock (requests come oldest first)
        rows, _returns = timeline(state, policy, now)
        for r in rows:
            if r.status == "selesai" and r.minutes is not None and r.at and r.at >= since:
                acc = fig.steps.setdefault(r.step, [0, 0, r.due_minutes])
                acc[0] += r.minutes
                acc[1] += 1
    return fig


NAME_MIN = 18  # cells the Kab/Kota name keeps at 80 columns ("19.02 Kab. Kepulau…")


def kabkota_bar(width: int) -> int:
    """The bar's cells in a table `width` wide: what the name and the four numbers leave
    (at 80 columns no bar, the percentage only: the name column is never squeezed away)."""
    fixed = 4 * 10 + 6 + 2 * 6  # four numbers, the percentage, the cell padding
    return max(0, min(BAR, width - fixed - NAME_MIN))


def kabkota_table(fig: Figures, policy: Policy, width: int = 100) -> Table:
    cells = kabkota_bar(width)
    table = Table(title=_("Per Kab/Kota (keping)"), title_justify="left", expand=True, box=None)
    table.add_column(_("Kab/Kota"), ratio=2, no_wrap=True, overflow="ellipsis", min_width=NAME_MIN)
    for title in (_("Diminta"), _("Porsi"), _("Diserahkan"), _("Sisa stok")):
        table.add_column(title, justify="right", width=10)
    table.add_column(_("Diserahkan dari diminta"), width=cells + 6, no_wrap=True)
    for code in sorted(fig.kabkota):
        asked, shared, handed, stock = fig.kabkota[code]
        share = bar(handed, asked or 1, cells)
        share.append(f"{' ' if cells else ''}{round(100 * handed / asked) if asked else 0}%")
        table.add_row(
            Text(f"{code} {policy.settings.office_name(code)}"),
            Text(number(asked)),
            Text(number(shared)),
            Text(number(handed)),
            Text(number(stock)),
            share,
        )
    return table


def waiting_table(fig: Figures) -> Table:
    table = Table(title=_("Menunggu per peran"), title_justify="left", expand=True, box=None)
    table.add_column(_("Peran"), ratio=2, no_wrap=True, overflow="ellipsis")
    table.add_column(_("Menunggu"), justify="right", width=9)
    table.add_column(_("Terlambat"), justify="right", width=9)
    table.add_column("", width=BAR + 1)
    top = max((n for n, _late in fig.waiting.values()), default=0)
    for title, (n, late) in sorted(fig.waiting.items(), key=lambda kv: -kv[1][0]):
        late_text = Text(number(late), style="bold reverse" if late else "")
        table.add_row(Text(title), Text(number(n)), late_text, bar(n, top))
    return table


def steps_table(fig: Figures, policy: Policy) -> Table:
    table = Table(
        title=_("Waktu per langkah, {months} bulan terakhir (rata-rata / standar)").format(
            months=MONTHS
        ),
        title_justify="left",
        expand=True,
        box=None,
    )
    table.add_column(_("No"), justify="right", width=3)
    table.add_column(_("Langkah"), ratio=2, no_wrap=True, overflow="ellipsis")
    table.add_column(_("Rata-rata"), justify="right", width=9)
    table.add_column(_("Standar"), justify="right", width=9)
    table.add_column("", width=BAR + 3)
    for no in sorted(fig.steps):
        total, n, standard = fig.steps[no]
        mean = total // max(n, 1)
        over = mean > standard
        chart = bar(mean, max(mean, standard * 2, 1))
        if over:
            chart.append(" !", style="bold")
        table.add_row(
            Text(str(no)),
            Text(policy.sop.step(no).title if policy.sop.has_step(no) else "-"),
            Text(duration(mean), style="bold reverse" if over else ""),
            Text(duration(standard)),
            chart,
        )
    return table


class DashboardScreen(Screen):
    BINDINGS = [Binding("escape", "app.pop_screen", _("Kembali"), id="back")]

    def __init__(self) -> None:
        super().__init__()
        self.figures: Figures | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="dashboard"):
            yield Static(_("Memuat…"), id="dash-body", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#dashboard", VerticalScroll).focus()
        self.load()

    def on_ledger_changed(self, _message: LedgerChanged) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="dashboard", exit_on_error=False)
    def load(self) -> None:
        app = self.app
        policy: Policy = app.policy  # type: ignore[attr-defined]
        now = clock.now()
        try:
            fig = app.with_ledger(lambda led: gather(led, policy, now))  # type: ignore[attr-defined]
        except Exception as err:  # noqa: BLE001
            app.call_from_thread(app.show_error, err)  # type: ignore[attr-defined]
            return
        app.call_from_thread(self.show, fig)

    def on_resize(self) -> None:
        if self.figures is not None:
            self.show(self.figures)

    def show(self, fig: Figures) -> None:
        policy: Policy = self.app.policy  # type: ignore[attr-defined]
        self.figures = fig
        # The body's width less its padding and the scroll bar.
        width = max(self.size.width - 4, 40)
        returned = Text(_("Dikembalikan untuk perbaikan: {n}").format(n=len(fig.returned)))
        returned.stylize("bold")
        if fig.returned:
            returned.append(" (" + ", ".join(fig.returned) + ")")
        body = Group(
            kabkota_table(fig, policy, width),
            Text(""),
            returned,
            waiting_table(fig),
            Text(""),
            steps_table(fig, policy),
        )
        self.query_one("#dash-body", Static).update(body)
