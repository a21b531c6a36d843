"""Act: the form for the current step (and for new requests and extra letters).

The form is built from the SOP's field list; typed text goes through `ledger.fields.coerce`
(its sentence is shown next to the field), a confirmation shows what will be recorded and
under whose name, and `Ledger.record` decides. A refusal is shown as its sentence(s).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ledger import clock
from ledger.defaults import suggest
from ledger.fields import TYPE_WORDS, InputError, coerce, format_value
from ledger.i18n import language
from ledger.policy import Policy
from ledger.request import Event, OnBehalf, RequestState, waiting_on
from ledger.rules import LedgerError, Violation
from ledger.sop import Field, Step
from ledger.store import Recorded

from ..strings import _


@dataclass(frozen=True, slots=True)
class Choice:
    """One thing the form can record: an action on a step (for one Kab/Kota on step 19)."""

    action: str
    step: int
    label: str
    kabkota: str | None = None


def choices_for(state: RequestState, policy: Policy, person_id: str | None) -> list[Choice]:
    sop = policy.sop
    if state.done:
        return []
    step = sop.step(state.step)
    if step.kind == "review":
        return [
            Choice("advance", step.no, _("Setuju")),
            Choice("return", step.no, _("Kembalikan untuk perbaikan")),
        ]
    if step.kind == "distribution":
        out = []
        for w in waiting_on(state, sop):
            name = f"{w.kabkota} {policy.settings.office_name(w.kabkota or '')}"
            label = (
                _("Serah terima ke {kabkota}")
                if w.action == "handover"
                else _("Konfirmasi penerimaan oleh {kabkota}")
            )
            out.append(Choice(w.action, step.no, label.format(kabkota=name), w.kabkota))
        person = policy.people.get(person_id or "")
        # A Kab/Kota head sees their own confirmation first.
        out.sort(
            key=lambda c: (
                not (person is not None and c.kabkota == person.office and c.action == "receipt")
            )
        )
        return out
    return [
        Choice(
            "advance",
            step.no,
            _("Kerjakan langkah {step}: {title}").format(step=step.no, title=step.title),
        )
    ]


def field_hint(f: Field) -> str:
    words = TYPE_WORDS.get(f.type, (f.type, f.type))
    hint = words[1] if language() == "en" else words[0]
    if f.options:
        hint += ": " + ", ".join(f.options)
    if f.help:
        hint += " · " + f.help
    return hint


# --- starting a form -------------------------------------------------------------------------


def start_act(app: App, request_id: str) -> None:
    _prepare(app, request_id, "step")


def start_add_letter(app: App, request_id: str) -> None:
    _prepare(app, request_id, "permohonan")


def start_new_request(app: App) -> None:
    _prepare(app, None, "create")


@work(thread=True, exit_on_error=False, group="act-prepare")
def _prepare(app: App, request_id: str | None, kind: str) -> None:
    """Read the request and the suggested values (git work), then open the form."""
    policy: Policy = app.policy  # type: ignore[attr-defined]
    person_id: str | None = app.person_id  # type: ignore[attr-defined]
    step0 = policy.sop.step(0)
    try:
        state = app.with_ledger(lambda led: led.read_request(request_id)) if request_id else None  # type: ignore[attr-defined]
        if kind == "step":
            assert state is not None
            choices = choices_for(state, policy, person_id)
        elif kind == "permohonan":
            choices = [
                Choice("permohonan", 0, _("Tambah surat permohonan ke {id}").format(id=request_id))
            ]
        else:
            choices = [Choice("create", 0, _("Surat permohonan Kab/Kota (permohonan baru)"))]
        suggestions = {}
        for choice in choices:
            fields = (
                policy.sop.step(choice.step).fields_for(choice.action)
                if choice.action != "return"
                else ()
            )
            values = app.with_ledger(lambda led, fields=fields: suggest(led, state, fields))  # type: ignore[attr-defined]
            if choice.kabkota:
                values["kabkota"] = choice.kabkota
            elif choice.step == 0 and person_id in policy.people:
                person = policy.people[person_id]
                if person.office in policy.settings.kabkota and step0.fields:
                    values.setdefault("kabkota", person.office)
            suggestions[choice] = values
    except Exception as err:  # noqa: BLE001
        app.call_from_thread(app.show_error, err)  # type: ignore[attr-defined]
        return
    app.call_from_thread(_open_form, app, request_id, state, choices, suggestions)


def _open_form(
    app: App,
    request_id: str | None,
    state: RequestState | None,
    choices: list[Choice],
    suggestions: dict[Choice, dict[str, Any]],
) -> None:
    if not choices:
        app.notify(
            _("Tidak ada langkah yang dapat dicatat: permohonan sudah selesai."), severity="warning"
        )
        return

    def open_one(choice: Choice | None) -> None:
        if choice is not None:
            app.push_screen(
                ActScreen(request_id, state, choice, suggestions[choice]),
                lambda rec: _done(app, rec),
            )

    if len(choices) == 1:
        open_one(choices[0])
    else:
        app.push_screen(ChoiceScreen(choices), open_one)


def _done(app: App, rec: Recorded | None) -> None:
    if rec is None:
        return
    from ledger.trailers import summary_line

    policy: Policy = app.policy  # type: ignore[attr-defined]
    summary = summary_line(rec.request, rec.request.events[-1], policy)
    app.notify(
        _("Tercatat: {summary} (commit {sha})").format(summary=summary, sha=rec.sha[:10]),
        timeout=8,
        markup=False,
    )
    app.ledger_changed(rec.sha)  # type: ignore[attr-defined]


# --- screens ---------------------------------------------------------------------------------


class ChoiceScreen(ModalScreen[Choice | None]):
    BINDINGS = [Binding("escape", "cancel", _("Batal"), id="cancel")]

    def __init__(self, choices: list[Choice]) -> None:
        super().__init__()
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="choice"):
            yield Static(_("Apa yang dicatat?"), classes="dialog-title")
            yield OptionList(
                *(Option(Text(c.label), id=str(i)) for i, c in enumerate(self.choices)),
                id="choices",
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[int(event.option.id or 0)])

    def action_cancel(self) -> None:
        self.dismiss(None)


class ActScreen(ModalScreen[Recorded | None]):
    """The form: fields of the step, a note, on-behalf; returns the Recorded commit."""

    BINDINGS = [
        Binding("ctrl+s", "submit", _("Lanjut"), id="form-submit"),
        Binding("escape", "cancel", _("Batal"), id="form-cancel"),
    ]

    def __init__(
        self,
        request_id: str | None,
        state: RequestState | None,
        choice: Choice,
        values: dict[str, Any],
    ) -> None:
        super().__init__()
        self.request_id = request_id
        self.state = state
        self.choice = choice
        self.values = values
        policy: Policy = self.app.policy  # type: ignore[attr-defined]
        self.policy = policy
        self.step: Step = policy.sop.step(choice.step)
        self.fields: tuple[Field, ...] = (
            () if choice.action == "return" else self.step.fields_for(choice.action)
        )

    def compose(self) -> ComposeResult:
        sop = self.policy.sop
        with VerticalScroll(classes="dialog", id="act"):
            title = Text(self.choice.label, style="bold")
            if self.request_id:
                title.append(f"  ·  {self.request_id}")
            if self.step.no and self.step.title not in self.choice.label:
                title.append(
                    "\n"
                    + _("langkah {step}/{last}: {title}").format(
                        step=self.step.no, last=sop.last_step, title=self.step.title
                    )
                )
            yield Static(title, classes="dialog-title")
            yield Static(
                Text(
                    _("Langkah ini tanggung jawab: {role}").format(
                        role=sop.role_title(self.step.role_for(self.choice.action))
                    )
                ),
                classes="hint",
            )
            for f in self.fields:
                yield Label(Text(f.label + (" *" if f.required else "")), classes="field-label")
                typ = "counts" if f.type == "counts" else f.type
                yield Input(
                    value=format_value(typ, self.values.get(f.name)),
                    id=f"f-{f.name}",
                    classes="field",
                )
                yield Static(Text(field_hint(f)), classes="hint")
                yield Static("", id=f"err-{f.name}", classes="error", markup=False)
            note_label = (
                _("Catatan (wajib untuk pengembalian)")
                if self.choice.action == "return"
                else _("Catatan")
            )
            yield Label(
                Text(note_label + (" *" if self.choice.action == "return" else "")),
                classes="field-label",
            )
            yield Input(id="f-note", classes="field")
            yield Static("", id="err-note", classes="error", markup=False)
            if self.step.on_behalf:
                yield Checkbox(_("Dicatat atas nama pihak lain"), id="on-behalf")
                with Vertical(id="on-behalf-fields"):
                    yield Label(_("Atas nama (siapa)"), classes="field-label")
                    yield Input(id="ob-of", classes="field")
                    yield Label(_("Alasan"), classes="field-label")
                    yield Input(id="ob-reason", classes="field")
                    yield Label(_("Rujukan bukti (mis. nomor agenda surat)"), classes="field-label")
                    yield Input(id="ob-evidence", classes="field")
            yield Static("", id="form-error", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(_("Lanjut"), id="submit", variant="primary")
                yield Button(_("Batal"), id="cancel")

    def on_mount(self) -> None:
        if self.step.on_behalf:
            self.query_one("#on-behalf-fields").display = False
        first = self.query(".field").first()
        first.focus()

    @on(Checkbox.Changed, "#on-behalf")
    def _on_behalf(self, event: Checkbox.Changed) -> None:
        self.query_one("#on-behalf-fields").display = event.value

    @on(Button.Pressed, "#submit")
    def _submit_pressed(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        # Enter moves on like Tab; on the last field it continues to the confirmation.
        inputs = [
            w for w in self.query(Input) if w.display and w.parent is not None and w.parent.display
        ]
        if event.input is inputs[-1]:
            self.action_submit()
        else:
            self.focus_next()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _show_errors(self, violations: list[Violation]) -> None:
        for err in self.query(".error"):
            assert isinstance(err, Static)
            err.update("")
        general = []
        for v in violations:
            target = f"#err-{v.field}" if v.field else None
            if v.field in ("of", "reason", "evidence"):
                target = None
            if target and self.query(target):
                self.query_one(target, Static).update(v.message())
            else:
                general.append(v.message())
        self.query_one("#form-error", Static).update("\n".join(general))
        first_field = next(
            (v.field for v in violations if v.field and self.query(f"#f-{v.field}")), None
        )
        if first_field:
            self.query_one(f"#f-{first_field}", Input).focus()

    def build_event(self) -> Event | None:
        data: dict[str, Any] = {}
        problems: list[Violation] = []
        for f in self.fields:
            try:
                value = coerce(f, self.query_one(f"#f-{f.name}", Input).value)
            except InputError as err:
                problems.append(err.violation)
                continue
            if value is not None:
                data[f.name] = value
        note = " ".join(self.query_one("#f-note", Input).value.split())
        if self.choice.action == "return" and not note:
            problems.append(Violation("note-required", field="note"))
        on_behalf = None
        if self.step.on_behalf and self.query_one("#on-behalf", Checkbox).value:
            on_behalf = OnBehalf(
                *(
                    self.query_one(f"#ob-{k}", Input).value.strip()
                    for k in ("of", "reason", "evidence")
                )
            )
        if problems:
            self._show_errors(problems)
            return None
        person_id: str = self.app.person_id  # type: ignore[attr-defined]
        return Event(
            self.choice.action,
            self.step.no,
            clock.now(),
            person_id,
            self.step.role_for(self.choice.action),
            data,
            note=note,
            on_behalf=on_behalf,
        )

    def action_submit(self) -> None:
        if self.app.person_id is None:  # type: ignore[attr-defined]
            self.app.action_pick_person()  # type: ignore[attr-defined]
            return
        event = self.build_event()
        if event is None:
            return
        self._show_errors([])
        self.app.push_screen(
            ConfirmScreen(self.confirm_text(event)), lambda ok: self.record(event) if ok else None
        )

    def confirm_text(self, event: Event) -> Text:
        policy = self.policy
        person = policy.person(event.by)
        text = Text()

        def line(label: str, value: str) -> None:
            text.append(f"{label}: ", style="bold")
            text.append(value + "\n")

        line(
            _("Permohonan"), self.request_id or _("(permohonan baru; nomor dibagikan saat dicatat)")
        )
        line(_("Langkah"), f"{self.step.no} {self.step.title}")
        line(_("Aksi"), self.choice.label)
        by_type = {f.name: f for f in self.fields}
        for name, value in event.data.items():
            line(by_type[name].label, format_value(by_type[name].type, value))
        if event.note:
            line(_("Catatan"), event.note)
        line(
            _("Dicatat oleh"),
            f"{person.name} ({person.id}), {_('sebagai')} {policy.sop.role_title(event.role)}",
        )
        if event.on_behalf:
            line(_("Atas nama"), event.on_behalf.of)
            line(_("Alasan"), event.on_behalf.reason)
            line(_("Rujukan bukti"), event.on_behalf.evidence)
        return text

    @work(thread=True, exclusive=True, group="act-record", exit_on_error=False)
    def record(self, event: Event) -> None:
        app = self.app
        app.call_from_thread(self.query_one("#form-error", Static).update, _("Menyimpan…"))
        try:
            rec = app.with_ledger(lambda led: led.record(self.request_id, event))  # type: ignore[attr-defined]
        except LedgerError as err:
            app.call_from_thread(self._refused, err)
            return
        except Exception as err:  # noqa: BLE001
            app.call_from_thread(
                self._show_errors,
                [Violation("bad-input", {"reason": f"{type(err).__name__}: {err}"})],
            )
            return
        app.call_from_thread(self.dismiss, rec)

    def _refused(self, err: LedgerError) -> None:
        self._show_errors(list(err.violations))
        self.notify(
            _("Ditolak, tidak ada yang dicatat: {reason}").format(reason=err.message()),
            severity="error",
            timeout=10,
            markup=False,
        )


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "confirm", _("Catat"), id="confirm-record"),
        Binding("escape,n", "cancel", _("Batal"), id="confirm-cancel"),
    ]

    def __init__(self, text: Text) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="confirm"):
            yield Static(_("Periksa sebelum dicatat"), classes="dialog-title")
            yield Static(self.text, id="confirm-text")
            with Horizontal(classes="buttons"):
                yield Button(_("Catat") + " (y)", id="yes", variant="success")
                yield Button(_("Batal") + " (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    @on(Button.Pressed, "#yes")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_cancel(self) -> None:
        self.dismiss(False)
