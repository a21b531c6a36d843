"""Audit: `ledger.audit.audit` on the open ledger, its findings in a table, each openable to its commit."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import get_current_worker

from ledger import clock
from ledger.audit import ERROR, AuditReport, Finding
from ledger.textsafe import visible

from ..app import LedgerChanged
from ..strings import _

# Fixed widths; the sentence takes what is left of the terminal (cropped: its full text shows
# below the table), so the table never scrolls sideways.
WIDTHS: dict[str, int | None] = {
    "severity": 10,
    "code": 17,
    "request": 10,
    "commit": 10,
    "message": None,
}
CELL_PADDING, SCROLLBAR = 2, 2


def message_width(terminal_width: int) -> int:
    fixed = sum(w for w in WIDTHS.values() if w) + CELL_PADDING * len(WIDTHS) + SCROLLBAR
    return max(20, terminal_width - fixed)


def column_title(column: str) -> str:
    return {
        "severity": _("Tingkat"),
        "code": _("Kode"),
        "request": _("Permohonan"),
        "commit": _("Commit"),
        "message": _("Temuan"),
    }[column]


def severity_cell(finding: Finding) -> Text:
    if finding.severity == ERROR:
        return Text(_("GALAT"), style="bold red")
    return Text(_("PERINGATAN"), style="yellow")


def finding_keys(findings: list[Finding]) -> list[str]:
    """A stable row key per finding: code, commit and request (numbered when they repeat)."""
    keys: list[str] = []
    seen: dict[str, int] = {}
    for f in findings:
        base = f"{f.code}:{f.commit or '-'}:{f.request or '-'}"
        n = seen[base] = seen.get(base, 0) + 1
        keys.append(base if n == 1 else f"{base}#{n}")
    return keys


def summary_text(report: AuditReport) -> str:
    head = (report.tip or "-")[:12]
    warnings = len(report.findings) - len(report.errors)
    return " · ".join(
        [
            _(
                "{commits} commit sampai {head} ({checked} diperiksa sekarang, sisanya dari cache)"
            ).format(commits=report.commits, head=head, checked=report.checked),
            _("{errors} galat, {warnings} peringatan").format(
                errors=len(report.errors), warnings=warnings
            ),
        ]
    )


def detail_text(finding: Finding) -> Text:
    """The highlighted finding in full: rule, where, and the sentence (never markup)."""
    text = Text()
    text.append_text(severity_cell(finding))
    text.append(f" [{finding.code}]", style="bold")
    if finding.request:
        text.append("  " + _("permohonan {id}").format(id=finding.request))
    if finding.commit:
        text.append("  " + _("commit {sha}").format(sha=finding.commit[:12]))
    text.append("\n" + visible(finding.message(), keep_newlines=True))
    if finding.commit:
        text.append("\n" + _("Enter: buka commit ini"), style="dim")
    return text


class AuditScreen(Screen):
    """Every finding of `ktpel audit` on this ledger; Enter opens the finding's commit."""

    DEFAULT_CSS = """
    AuditScreen #audit-title { height: 1; padding: 0 1; text-style: bold; }
    AuditScreen #audit-status { height: auto; padding: 0 1; color: $text-muted; }
    AuditScreen #audit-result { height: auto; padding: 0 1; }
    AuditScreen #findings { height: 1fr; min-height: 5; }
    AuditScreen #audit-detail { height: auto; max-height: 6; padding: 0 1; border-top: solid $primary; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", _("Kembali"), id="back"),
        Binding("enter", "open_commit", _("Buka commit"), id="open-commit", show=False),
    ]  # r (the app's reload) and A audit again

    def __init__(self) -> None:
        super().__init__()
        self.report: AuditReport | None = None
        self.findings: dict[str, Finding] = {}
        self.done = False  # the findings are shown (the figures may still be on their way)
        self.generation = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            _("Audit ledger: tanda tangan, peran, urutan SOP dan jumlah pada setiap commit"),
            id="audit-title",
            markup=False,
        )
        yield Static(_("Memeriksa riwayat ledger…"), id="audit-status", markup=False)
        yield Static("", id="audit-result", markup=False)
        table: DataTable = DataTable(id="findings", cursor_type="row", zebra_stripes=True)
        for column, width in WIDTHS.items():
            table.add_column(
                column_title(column), key=column, width=width or message_width(self.app.size.width)
            )
        yield table
        yield Static("", id="audit-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#findings", DataTable).focus()
        self.query_one("#audit-detail", Static).display = False
        self.rerun()

    def on_ledger_changed(self, _message: LedgerChanged) -> None:
        self.rerun()

    def rerun(self) -> None:
        self.generation += 1
        self.done = False
        self.query_one("#audit-status", Static).update(_("Memeriksa riwayat ledger…"))
        self.run_audit(self.generation)

    # --- the work ------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="audit-run", exit_on_error=False)
    def run_audit(self, generation: int) -> None:
        from ledger.audit import audit, figures

        app = self.app
        worker = get_current_worker()
        try:
            report = app.with_ledger(lambda led: audit(led))  # type: ignore[attr-defined]
        except Exception as err:  # noqa: BLE001
            if not worker.is_cancelled:
                app.call_from_thread(self._failed, generation, err)
            return
        if worker.is_cancelled:
            return
        app.call_from_thread(self._show, generation, report)
        # The inspector's other numbers (cheap next to the walk: one read of each request at HEAD).
        try:
            numbers = app.with_ledger(lambda led: figures(led, clock.now()))  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - the findings stand on their own; `ktpel audit` shows the figures
            return
        if not worker.is_cancelled:
            extra = _(
                "{requests} permohonan · {overdue} langkah terlambat sekarang · {behalf} langkah atas nama pihak lain"
            ).format(
                requests=numbers.requests, overdue=len(numbers.overdue), behalf=numbers.on_behalf
            )
            app.call_from_thread(self._figures, generation, extra)

    def _failed(self, generation: int, err: BaseException) -> None:
        if generation != self.generation:
            return
        self.query_one("#audit-status", Static).update(_("Audit tidak dapat dijalankan."))
        self.app.show_error(err)  # type: ignore[attr-defined]

    def _show(self, generation: int, report: AuditReport) -> None:
        if generation != self.generation:
            return
        self.report = report
        table = self.query_one("#findings", DataTable)
        keep = (
            table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            if table.row_count
            else None
        )
        table.clear()
        self.findings = dict(zip(finding_keys(report.findings), report.findings, strict=True))
        for key, f in self.findings.items():
            table.add_row(
                severity_cell(f),
                Text(f.code),
                Text(f.request or "-"),
                Text((f.commit or "-")[:10]),
                Text(visible(f.message(), keep_newlines=True)),
                key=key,
            )
        if keep in self.findings:
            table.move_cursor(row=table.get_row_index(keep))
        result = self.query_one("#audit-result", Static)
        if not report.findings:
            result.update(Text(_("Audit bersih: tidak ada temuan."), style="bold green"))
        elif report.ok:
            result.update(
                Text(
                    _("Tidak ada galat; {n} peringatan perlu dilihat.").format(
                        n=len(report.findings)
                    ),
                    style="bold yellow",
                )
            )
        else:
            result.update(
                Text(
                    _("Audit menemukan {n} galat. Enter membuka commit temuan.").format(
                        n=len(report.errors)
                    ),
                    style="bold red",
                )
            )
        table.display = bool(report.findings)
        if table.display:  # a hidden table lost the focus (the ledger audited clean before)
            table.focus()
        self.query_one("#audit-status", Static).update(summary_text(report))
        self.done = True
        self._describe()

    def _figures(self, generation: int, extra: str) -> None:
        if generation != self.generation or self.report is None:
            return
        self.query_one("#audit-status", Static).update(summary_text(self.report) + "\n" + extra)

    # --- events and actions ------------------------------------------------------------------

    def current(self) -> Finding | None:
        table = self.query_one("#findings", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.findings.get(str(key))

    def _describe(self) -> None:
        detail = self.query_one("#audit-detail", Static)
        finding = self.current()
        detail.display = finding is not None
        if finding is not None:
            detail.update(detail_text(finding))

    @on(DataTable.RowHighlighted, "#findings")
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._describe()

    @on(DataTable.RowSelected, "#findings")
    def _selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open_commit()

    def action_open_commit(self) -> None:
        from .history import open_commit

        finding = self.current()
        if finding is None:
            return
        if not finding.commit:
            self.notify(_("Temuan ini tidak menunjuk satu commit."), severity="warning")
            return
        where = f" {finding.request}" if finding.request else ""
        title = f"[{finding.code}]{where} · {finding.message()}"
        open_commit(self.app, finding.commit, title)
