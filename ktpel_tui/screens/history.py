"""Riwayat: a request's git history (or the whole ledger's), and each commit's diff, coloured.

`CommitScreen(sha)` shows one commit on its own (the audit screen opens its findings with it).
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ledger import clock
from ledger.history import HistoryEntry, diff, history
from ledger.policy import Policy
from ledger.textsafe import visible

from ..app import LedgerChanged
from ..core_adapter import person_of_author, recorder_role
from ..strings import _

LIMIT = 200

SIGNATURES = {
    "good": ("sah", "green"),
    "other-signer": ("ditandatangani orang lain", "bold red"),  # issue 16: signer != author
    "unknown-key": ("kunci tak dikenal", "yellow"),
    "bad": ("TIDAK SAH", "bold red"),
    "unsigned": ("tanpa ttd", "dim"),
}


def action_word(entry: HistoryEntry, policy: Policy) -> str:
    action = entry.action
    if action is None:
        return _("kebijakan")
    if (
        action == "advance"
        and entry.step is not None
        and policy.sop.has_step(entry.step)
        and policy.sop.step(entry.step).kind == "review"
    ):
        return _("Setuju").lower()
    words = {
        "create": _("buat"),
        "permohonan": _("surat"),
        "advance": _("lanjut"),
        "return": _("kembalikan"),
        "handover": _("serah terima"),
        "receipt": _("terima"),
        "migrate": _("pindah SOP"),
        "migrate-format": _("susunan"),
    }
    return words.get(action, action)


def signature_cell(status: str | None) -> Text:
    if status is None:
        return Text("")
    word, style = SIGNATURES.get(status, (status, ""))
    return Text(_(word), style=style)


def diff_text(patch: str) -> Text:
    """A patch as coloured text; never markup."""
    out = Text()
    for line in patch.splitlines():
        if line.startswith(("+++", "---", "diff ", "index ")):
            style = "bold"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        elif line.startswith("@@"):
            style = "cyan"
        else:
            style = ""
        out.append(visible(line) + "\n", style=style)
    return out


def commit_text(
    sha: str, entry: HistoryEntry | None, patch: str, signature: str | None = None
) -> Text:
    """A commit's header (author, time, message) and its coloured patch; never markup."""
    head = Text(f"commit {sha}\n", style="bold yellow")
    if entry is not None:
        head.append(
            f"{visible(entry.author)} <{visible(entry.email)}>"
            f"  {clock.to_wib(entry.at):%Y-%m-%d %H:%M} WIB\n"
        )
        if signature is not None:
            head.append(_("Tanda tangan") + ": ")
            head.append_text(signature_cell(signature))
            head.append("\n")
        head.append(visible(entry.body.rstrip(), keep_newlines=True) + "\n\n")
    return head + diff_text(patch)


class HistoryScreen(Screen):
    BINDINGS = [Binding("escape", "app.pop_screen", _("Kembali"), id="back")]

    def __init__(self, request_id: str | None) -> None:
        super().__init__()
        self.request_id = request_id
        self.entries: dict[str, HistoryEntry] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        title = (
            _("Riwayat {id}").format(id=self.request_id)
            if self.request_id
            else _("Riwayat seluruh ledger (terbaru dahulu)")
        )
        yield Static(title, id="history-title", markup=False)
        table: DataTable = DataTable(id="history", cursor_type="row", zebra_stripes=True)
        # Role last: it takes the room left, so the rest fits at 80 columns.
        wide = self.request_id is not None
        table.add_column(_("Waktu"), key="at", width=11)
        table.add_column(_("Orang"), key="who", width=20 if wide else 17)
        table.add_column(_("Aksi"), key="action", width=10)
        table.add_column(_("Langkah"), key="step", width=18 if wide else 12)
        if not wide:
            table.add_column(_("Permohonan"), key="request", width=10)
        table.add_column(_("TTD"), key="sig", width=9)
        table.add_column(_("Peran"), key="role")
        yield table
        with VerticalScroll(id="diff-pane"):
            yield Static(_("Pilih entri untuk melihat perubahannya."), id="diff", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#history", DataTable).focus()
        self.load()

    def on_ledger_changed(self, _message: LedgerChanged) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="history-load", exit_on_error=False)
    def load(self) -> None:
        app = self.app
        try:
            entries = app.with_ledger(lambda led: history(led, self.request_id, limit=LIMIT))  # type: ignore[attr-defined]
            # A request's steps are named by its own SOP revision, not HEAD's.
            sop_id = (
                app.with_ledger(lambda led: led.read_request(self.request_id).sop_id)  # type: ignore[attr-defined]
                if self.request_id
                else None
            )
        except Exception as err:  # noqa: BLE001
            app.call_from_thread(app.show_error, err)  # type: ignore[attr-defined]
            return
        app.call_from_thread(self.show, entries, sop_id)
        from ledger.audit import signature_status

        try:
            sigs = app.with_ledger(lambda led: signature_status(led, [e.sha for e in entries]))  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - the column stays empty; the audit verb reports problems
            return
        app.call_from_thread(self.show_signatures, sigs)

    def show(self, entries: list[HistoryEntry], sop_id: str | None = None) -> None:
        policy: Policy = self.app.policy  # type: ignore[attr-defined]
        if sop_id is not None:
            policy = policy.for_sop(sop_id)
        table = self.query_one("#history", DataTable)
        table.clear()
        self.entries = {e.sha: e for e in entries}
        for e in entries:
            who = Text(visible(e.author))
            if e.on_behalf_of:
                who.append(
                    " (" + _("atas nama {of}").format(of=e.on_behalf_of) + ")", style="italic"
                )
            step = Text(str(e.step) if e.step is not None else "-")
            if e.step is not None and policy.sop.has_step(e.step):
                step.append(f" {policy.sop.step(e.step).title}")
            row = [
                Text(clock.to_wib(e.at).strftime("%d-%m %H:%M")),
                who,
                Text(action_word(e, policy)),
                step,
            ]
            if self.request_id is None:
                row.append(Text(e.request or "-"))
            role = Text(policy.sop.role_title(e.role) if e.role else "-")
            typist = person_of_author(policy, e.author, e.email)
            if e.on_behalf_of and typist and e.step is not None:
                # The typist's own role, not the absent actor's.
                role = Text(recorder_role(policy, typist, e.step, True))
                role.append(" (" + _("atas nama") + ")", style="italic")
            row += [Text(""), role]
            table.add_row(*row, key=e.sha)
        if entries:
            self.show_diff(entries[0].sha)

    def show_signatures(self, sigs: dict[str, str]) -> None:
        table = self.query_one("#history", DataTable)
        for sha, status in sigs.items():
            if sha in table.rows:
                table.update_cell(sha, "sig", signature_cell(status))

    @on(DataTable.RowHighlighted, "#history")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value:
            self.show_diff(str(event.row_key.value))

    @on(DataTable.RowSelected, "#history")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.query_one("#diff-pane", VerticalScroll).focus()

    @work(thread=True, exclusive=True, group="history-diff", exit_on_error=False)
    def show_diff(self, sha: str) -> None:
        app = self.app
        try:
            patch = app.with_ledger(lambda led: diff(led, sha))  # type: ignore[attr-defined]
        except Exception as err:  # noqa: BLE001
            app.call_from_thread(app.show_error, err)  # type: ignore[attr-defined]
            return
        app.call_from_thread(
            self.query_one("#diff", Static).update, commit_text(sha, self.entries.get(sha), patch)
        )


class CommitScreen(Screen):
    """One commit: who, when, its message, its signature and its diff (given its id)."""

    DEFAULT_CSS = """
    CommitScreen #commit-title { height: 1; padding: 0 1; text-style: bold; }
    CommitScreen #commit-pane { height: 1fr; padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "app.pop_screen", _("Kembali"), id="back")]

    def __init__(self, sha: str, title: str | None = None) -> None:
        super().__init__()
        self.sha = sha
        self.title_text = title or _("Commit {sha}").format(sha=sha[:12])
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self.title_text, id="commit-title", markup=False)
        with VerticalScroll(id="commit-pane"):
            yield Static(_("Memuat…"), id="diff", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#commit-pane", VerticalScroll).focus()
        self.load()

    @work(thread=True, exclusive=True, group="commit-load", exit_on_error=False)
    def load(self) -> None:
        app = self.app
        sha = self.sha

        def read(led) -> tuple[HistoryEntry | None, str]:
            entries = history(led, limit=1, rev=sha)
            return (entries[0] if entries else None), diff(led, sha)

        try:
            entry, patch = app.with_ledger(read)  # type: ignore[attr-defined]
        except Exception as err:  # noqa: BLE001
            app.call_from_thread(app.show_error, err)  # type: ignore[attr-defined]
            return
        signature = None
        if entry is not None:
            from ledger.audit import signature_status

            try:
                signature = app.with_ledger(lambda led: signature_status(led, [entry.sha])).get(
                    entry.sha
                )  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001 - shown without the signature line; the audit reports problems
                signature = None
        app.call_from_thread(
            self.show, commit_text(entry.sha if entry else sha, entry, patch, signature)
        )

    def show(self, text: Text) -> None:
        self.query_one("#diff", Static).update(text)
        self.loaded = True


def open_commit(app, sha: str, title: str | None = None) -> None:
    """Show one commit's diff on its own screen (Esc returns)."""
    app.push_screen(CommitScreen(sha, title))
