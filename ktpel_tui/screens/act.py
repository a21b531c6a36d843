"""Act: the form for the current step (and for new requests and extra letters).

The form is built from the SOP's field list; typed text goes through `ledger.fields.coerce`
(its sentence is shown next to the field), a confirmation shows what will be recorded and
under whose name, and `Ledger.record` decides. A refusal is shown as its sentence(s).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Checkbox,
    Footer,
    Input,
    Label,
    OptionList,
    Select,
    Static,
    Switch,
)
from textual.widgets.input import Selection
from textual.widgets.option_list import Option

from ledger import clock
from ledger.defaults import suggest
from ledger.fields import TYPE_WORDS, InputError, coerce, format_value
from ledger.i18n import language
from ledger.letters import Template, draft_number
from ledger.policy import Policy
from ledger.request import Event, OnBehalf, RequestState, waiting_on
from ledger.rules import LedgerError, Violation
from ledger.sop import Field, Step
from ledger.store import Ledger, Recorded

from ..core_adapter import Permission, distribution_prefill, permission, recorder_role
from ..strings import _
from ..widgets.dates import normalize, spoken
from ..widgets.units import number


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


@dataclass(frozen=True, slots=True)
class NumberHelp:
    """What a letter-number field knows of its register: the hint sentence, the template and
    the numbers the ledger holds (for the number it offers, `draft`)."""

    hint: str
    template: Template | None = None
    known: tuple[str, ...] = ()

    def draft(self, on: date) -> tuple[str, int, int] | None:
        """The number offered for the letter dated `on` and its sequence's span
        (`letters.draft_number`); None without a template. Taken only on the user's key."""
        return draft_number(self.known, self.template, on) if self.template else None

    def placeholder(self, on: date) -> str:
        draft = self.draft(on)
        if draft is None:
            return self.hint
        text, start, end = draft
        if end == start:
            text = text[:start] + "…" + text[start:]
            return _("→ {number}  (tekan →, lalu ketik nomor urut)").format(number=text)
        return _("→ {number}  (tekan → untuk memakai)").format(number=text)


def number_hints(
    led: Ledger, fields: tuple[Field, ...], values: dict[str, Any]
) -> dict[str, NumberHelp]:
    """The register hint (`letters.field_hint`) of each number field, by field name."""
    from ledger.letters import field_hint as register_hint

    wanted = [f for f in fields if f.type == "letter_number" or f.number_kind]
    if not wanted:
        return {}
    letters, numbers = led.policy().settings.letters, tuple(led.letter_numbers())
    office = values.get("kabkota") if isinstance(values.get("kabkota"), str) else "prov"
    year = clock.now().year
    return {
        f.name: NumberHelp(
            register_hint(letters, f.number_kind, numbers, office, year),
            letters.template(f.number_kind, office) if f.number_kind else None,
            numbers,
        )
        for f in wanted
    }


class NumberInput(Input):
    """A letter-number field. Empty, it shows the number it offers (the placeholder: the
    template with the next sequence the ledger knows of); → (Right), Textual's own key for
    taking an Input's suggestion, puts it in with its sequence selected, for the clerk to keep
    (Enter) or type the register's own over. Never filled in unasked; → in a field that holds
    text only moves the cursor."""

    def action_cursor_right(self, select: bool = False) -> None:
        screen = self.screen
        if not self.value and not select and isinstance(screen, ActScreen):
            if draft := screen.draft_number((self.id or "").removeprefix("f-")):
                # The sequence selected (or the cursor in its empty slot): typing the
                # register's own sequence replaces it, Enter keeps the offer.
                text, start, end = draft
                self.value = text
                self.selection = Selection(start, end)
                return
        super().action_cursor_right(select)


def field_hint(f: Field) -> str:
    words = TYPE_WORDS.get(f.type, (f.type, f.type))
    hint = words[1] if language() == "en" else words[0]
    if f.options:
        hint += ": " + ", ".join(f.options)
    if f.help:
        hint += " · " + f.help
    return hint


# --- starting a form -------------------------------------------------------------------------


class Holding(ModalScreen[None]):
    """Shown while the core checks whether this person may act (git work in a thread).

    The keys typed meanwhile are held by the app (`KtpelApp.hold_keys`), never seen by the
    list (where "/" opens the search and a digit switches tabs), and typed into the form once
    it is open and focused: a user who types at once loses no character.
    """

    def __init__(self) -> None:
        super().__init__(id="holding")

    def compose(self) -> ComposeResult:
        yield Static(_("Memeriksa…"), id="holding-text", markup=False)


def release(app: App, holding: Holding | None) -> None:
    """Close the holding screen (the keys stay held until a form takes them)."""
    if holding is not None and app.screen is holding:
        app.pop_screen()


def held(app: App) -> list[events.Key]:
    """The keys typed since `a`/`k`/`n`, and typing goes to the screen again."""
    take = getattr(app, "take_held_keys", None)
    return take() if take else []


def deliver(app: App, keys: list[events.Key]) -> None:
    """Type held keys into the open form, in order, as if typed now.

    Text and the keys that move between fields are applied here and now, one after the other:
    posted as events, a character would reach the old field before a queued focus change
    ("470/9/X" Enter "28/11/2026" all landed in the first field). Any other key, and every key
    after it, goes through the app's queue as an ordinary key press (ahead of what is typed
    from now on).
    """
    screen = app.screen
    for i, key in enumerate(keys):
        focused = app.focused
        if isinstance(screen, ActScreen) and key.key in ("enter", "tab"):
            screen.focus_next()
        elif isinstance(screen, ActScreen) and key.key == "shift+tab":
            screen.focus_previous()
        elif isinstance(focused, Input) and key.key == "backspace":
            focused.action_delete_left()
        elif isinstance(focused, Input) and key.is_printable and key.character:
            focused.insert_text_at_cursor(key.character)
        else:
            for rest in keys[i:]:
                app.post_message(events.Key(rest.key, rest.character))
            return


def start_act(app: App, request_id: str) -> None:
    _prepare(app, request_id, "step", _hold(app))


def start_add_letter(app: App, request_id: str) -> None:
    _prepare(app, request_id, "permohonan", _hold(app))


def start_new_request(app: App) -> None:
    _prepare(app, None, "create", _hold(app))


def _hold(app: App) -> Holding:
    hold = getattr(app, "hold_keys", None)
    if hold:
        hold()
    holding = Holding()
    app.push_screen(holding)
    return holding


def _refuse(app: App, holding: Holding | None, err: BaseException) -> None:
    release(app, holding)
    held(app)  # what was typed for a form that does not open is dropped
    app.show_error(err)  # type: ignore[attr-defined]


@work(thread=True, exit_on_error=False, group="act-prepare")
def _prepare(app: App, request_id: str | None, kind: str, holding: Holding | None = None) -> None:
    """Read the request and the suggested values (git work), then open the form."""
    policy: Policy = app.policy  # type: ignore[attr-defined]
    person_id: str | None = app.person_id  # type: ignore[attr-defined]
    step0 = policy.sop.step(0)
    try:
        state = app.with_ledger(lambda led: led.read_request(request_id)) if request_id else None  # type: ignore[attr-defined]
        if state is not None:
            # The request's own SOP revision (a newer one may rename steps or add fields).
            policy = policy.for_sop(state.sop_id)
        if kind == "step":
            assert state is not None
            choices = choices_for(state, policy, person_id)
        elif kind == "permohonan":
            choices = [
                Choice("permohonan", 0, _("Tambah surat permohonan ke {id}").format(id=request_id))
            ]
        else:
            choices = [Choice("create", 0, _("Surat permohonan Kab/Kota (permohonan baru)"))]
        # Ask the core before any form opens (the same authorise and order checks as the record).
        if not choices and state is not None:
            refusal = permission(state, policy, person_id, "advance", state.step).error
            if refusal is not None:
                app.call_from_thread(_refuse, app, holding, refusal)
                return
        perms = {
            c: permission(state, policy, person_id, c.action, c.step, c.kabkota) for c in choices
        }
        allowed = [c for c in choices if perms[c].allowed]
        if choices and not allowed:
            refusal = perms[choices[0]].error
            assert refusal is not None
            app.call_from_thread(_refuse, app, holding, refusal)
            return
        choices = allowed
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
                assert state is not None
                # Step 19 starts from what was decided: the share, the schedule, the handover.
                values.update(distribution_prefill(state, choice.action, choice.kabkota))
            elif choice.step == 0 and person_id in policy.people:
                person = policy.people[person_id]
                if person.office in policy.settings.kabkota and step0.fields:
                    values.setdefault("kabkota", person.office)
            # A letter number is typed from the register: its field shows the last number the
            # ledger knows as a placeholder, never as a value (issue 12).
            values["_hints"] = app.with_ledger(  # type: ignore[attr-defined]
                lambda led, fields=fields, values=values: number_hints(led, fields, values)
            )
            suggestions[choice] = values
    except Exception as err:  # noqa: BLE001
        app.call_from_thread(_refuse, app, holding, err)
        return
    app.call_from_thread(_open_form, app, request_id, state, choices, suggestions, perms, holding)


def _open_form(
    app: App,
    request_id: str | None,
    state: RequestState | None,
    choices: list[Choice],
    suggestions: dict[Choice, dict[str, Any]],
    perms: dict[Choice, Permission],
    holding: Holding | None = None,
) -> None:
    release(app, holding)
    if not choices:
        held(app)
        app.notify(
            _("Tidak ada langkah yang dapat dicatat: permohonan sudah selesai."), severity="warning"
        )
        return

    def open_one(choice: Choice | None) -> None:
        if choice is None:
            held(app)  # the choice was cancelled: nothing waits for these keys
        else:
            app.push_screen(
                ActScreen(
                    request_id,
                    state,
                    choice,
                    suggestions[choice],
                    on_behalf_only=perms[choice].on_behalf,
                ),
                lambda rec: _done(app, rec),
            )

    if len(choices) == 1:
        open_one(choices[0])
    else:
        policy: Policy = app.policy  # type: ignore[attr-defined]
        step = policy.sop.step(choices[0].step)
        heading = _("{request} · langkah {step}: {title}").format(
            request=request_id or "", step=step.no, title=step.title
        )
        app.push_screen(ChoiceScreen(choices, heading), open_one)


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
    from ledger.nextactor import next_actors

    from .handoff import HandoffScreen

    actors = next_actors(rec.request, policy, rec.request.events[-1])
    # No hand-off to oneself: when the request now waits only on the person at this screen.
    if any(actor.person.id != app.person_id for actor in actors):  # type: ignore[attr-defined]
        app.push_screen(HandoffScreen(actors))


# --- screens ---------------------------------------------------------------------------------


class ChoiceScreen(ModalScreen[Choice | None]):
    BINDINGS = [Binding("escape", "cancel", _("Batal"), id="cancel")]

    def __init__(self, choices: list[Choice], heading: str = "") -> None:
        super().__init__()
        self.choices = choices
        self.heading = heading  # which request and step: a reviewer may have several open

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="choice"):
            yield Static(_("Apa yang dicatat?"), classes="dialog-title")
            if self.heading:
                yield Static(self.heading, id="choice-heading", markup=False)
            yield OptionList(
                *(Option(Text(c.label), id=str(i)) for i, c in enumerate(self.choices)),
                id="choices",
            )
        yield Footer()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        self.set_focus(options)
        # Keys typed ahead choose here (arrows, Enter, Esc), applied at once; what follows the
        # Enter stays held for the form it opens.
        keys = held(self.app)
        enter = next((i for i, k in enumerate(keys) if k.key in ("enter", "escape")), None)
        if enter is not None and keys[enter].key == "enter":
            self.app.hold_keys(keys[enter + 1 :])  # type: ignore[attr-defined]
        for key in keys[: None if enter is None else enter + 1]:
            if key.key == "down":
                options.action_cursor_down()
            elif key.key == "up":
                options.action_cursor_up()
            elif key.key == "enter":
                options.action_select()
            elif key.key == "escape":
                self.action_cancel()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[int(event.option.id or 0)])

    def action_cancel(self) -> None:
        self.dismiss(None)


def last_return(state: RequestState | None) -> Event | None:
    """The reviewer's return the request now sits on (its last event), if any."""
    if state is None or not state.events or state.events[-1].action != "return":
        return None
    return state.events[-1]


class ActScreen(ModalScreen[Recorded | None]):
    """The form: fields of the step, a note, on-behalf; returns the Recorded commit.

    It protects what was typed: focus starts on the first empty field, Enter moves to the next
    field (never records), Esc on a changed form asks first, and errors clear once fixed.
    """

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
        *,
        on_behalf_only: bool = False,
    ) -> None:
        super().__init__()
        self.request_id = request_id
        self.state = state
        self.choice = choice
        self.values = values
        self.on_behalf_only = on_behalf_only
        policy: Policy = self.app.policy  # type: ignore[attr-defined]
        if state is not None:
            policy = policy.for_sop(state.sop_id)  # its own revision, not HEAD's
        self.policy = policy
        self.step: Step = policy.sop.step(choice.step)
        self.fields: tuple[Field, ...] = (
            () if choice.action == "return" else self.step.fields_for(choice.action)
        )
        self.initial: dict[str, str] = {}
        self.error_field: str | None = None
        self.tried = False  # errors show while typing only after the first Ctrl+S

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
            yield RefusalLine("", id="form-refused", classes="error", markup=False)
            returned = last_return(self.state)
            if returned is not None and self.choice.action != "return":
                note = Text(_("DIKEMBALIKAN untuk perbaikan") + ": ", style="bold reverse")
                note.append(" " + returned.note, style="bold")
                note.append(
                    "  — " + self.app.person_name(returned.by),  # type: ignore[attr-defined]
                    style="italic",
                )
                yield Static(note, id="return-note", classes="return-note")
            yield Static(self.who_text(), id="form-who", classes="hint")
            for f in self.fields:
                yield Label(Text(f.label + (" *" if f.required else "")), classes="field-label")
                yield from self.field_widget(f)
                yield Static(Text(self.hint_of(f)), id=f"hint-{f.name}", classes="hint")
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
                yield Checkbox(
                    _("Dicatat atas nama pihak lain"),
                    value=self.on_behalf_only,
                    id="on-behalf",
                    disabled=self.on_behalf_only,
                )
                with Vertical(id="on-behalf-fields"):
                    yield Label(_("Atas nama (siapa)"), classes="field-label")
                    yield Input(id="ob-of", classes="field")
                    yield Label(_("Alasan"), classes="field-label")
                    yield Input(id="ob-reason", classes="field")
                    yield Label(_("Rujukan bukti (mis. nomor agenda surat)"), classes="field-label")
                    yield Input(id="ob-evidence", classes="field")
            yield Static("", id="form-error", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(_("Lanjut") + " (Ctrl+S)", id="submit", variant="primary")
                yield Button(_("Batal") + " (Esc)", id="cancel")
        yield Footer()  # the form's own keys (the list's footer showed beneath it)

    def hint_of(self, f: Field) -> str:
        """The line under a field: what it takes; for a letter number, its register's hint."""
        known = self.values.get("_hints", {}).get(f.name)
        if known is None:
            return field_hint(f)
        return known.hint + (" · " + f.help if f.help else "")

    def draft_number(self, name: str) -> tuple[str, int, int] | None:
        """The number offered for this number field (`NumberHelp.draft`), dated as the form's
        letter date says (today while that is empty or unreadable)."""
        known = self.values.get("_hints", {}).get(name)
        field = next((f for f in self.fields if f.name == name), None)
        if known is None or field is None:
            return None
        on = clock.today()
        if field.date_field and self.query(f"#f-{field.date_field}"):
            dated = next(f for f in self.fields if f.name == field.date_field)
            try:
                value = coerce(dated, normalize(dated.type, self.raw(dated.name)))
            except InputError:
                value = None
            if isinstance(value, datetime):
                on = clock.to_wib(value).date()
            elif isinstance(value, date):
                on = value
        return known.draft(on)

    def field_widget(self, f: Field) -> ComposeResult:
        value = self.values.get(f.name)
        if f.type == "bool":
            yield Switch(value=bool(value) if value is not None else False, id=f"f-{f.name}")
        elif f.type == "choice" and f.options:
            yield Select(
                [(option, option) for option in f.options],
                value=value if value in f.options else Select.NULL,
                allow_blank=True,
                prompt=_("(pilih)"),
                id=f"f-{f.name}",
                classes="field",
            )
        elif f.type == "counts" and self.state is not None and self.state.permohonan:
            yield from self.count_rows(f, value or {})
        elif f.type == "schedule" and self.state is not None and self.state.shares:
            yield from self.schedule_rows(f, value or {})
        elif (known := self.values.get("_hints", {}).get(f.name)) is not None:
            yield NumberInput(
                value=format_value(f.type, value),
                placeholder=known.placeholder(clock.today()),
                id=f"f-{f.name}",
                classes="field",
            )
        else:
            yield Input(value=format_value(f.type, value), id=f"f-{f.name}", classes="field")

    # --- one row per Kab/Kota (shares and schedules) -----------------------------------------

    def count_rows(self, f: Field, value: dict[str, int]) -> ComposeResult:
        """One row per Kab/Kota that sent a letter: what it asked for, its stock, its share."""
        assert self.state is not None
        settings = self.policy.settings
        lettered = [p["kabkota"] for p in self.state.permohonan]
        stock = {p["kabkota"]: p.get("stock_left") for p in self.state.permohonan}
        with Vertical(id=f"f-{f.name}", classes="rows"):
            for code in lettered:
                with Horizontal(classes="row"):
                    label = Text(f"{code} {settings.office_name(code)}", style="bold")
                    label.append(
                        "  "
                        + _("diminta {asked} · stok {stock}").format(
                            asked=number(self.state.requested.get(code)),
                            stock=number(stock.get(code)),
                        )
                    )
                    yield Static(label, classes="row-label")
                    yield Input(
                        value=str(value[code]) if code in value else "",
                        id=f"f-{f.name}--{code.replace('.', '_')}",
                        classes="field row-input",
                    )
            extra = {k: v for k, v in value.items() if k not in lettered}
            yield Label(
                Text(_("Kab/Kota tanpa surat permohonan (KODE=JUMLAH), bila memang dibagi")),
                classes="hint",
            )
            yield Input(
                value=",".join(f"{k}={v}" for k, v in extra.items()),
                id=f"f-{f.name}--extra",
                classes="extra",
            )
            yield Checkbox(
                _("Ya, bagi juga ke Kab/Kota yang tidak mengirim surat"),
                id=f"f-{f.name}--extra-ok",
            )
            yield Static("", id=f"total-{f.name}", classes="total")

    def schedule_rows(self, f: Field, value: dict[str, dict[str, Any]]) -> ComposeResult:
        """One row per Kab/Kota with a share: a date and how the blanks travel."""
        assert self.state is not None
        settings = self.policy.settings
        options = [(_("diambil sendiri"), "ambil"), (_("diantar"), "antar")]
        with Vertical(id=f"f-{f.name}", classes="rows"):
            for code, share in sorted(self.state.shares.items()):
                if share <= 0:
                    continue
                key = code.replace(".", "_")
                planned = value.get(code, {})
                with Horizontal(classes="row"):
                    label = Text(f"{code} {settings.office_name(code)}", style="bold")
                    label.append("  " + _("porsi {share}").format(share=number(share)))
                    yield Static(label, classes="row-label")
                    yield Input(
                        value=format_value("date", planned.get("date")),
                        placeholder=_("tanggal"),
                        id=f"f-{f.name}--{key}",
                        classes="field row-input",
                    )
                    yield Select(
                        options,
                        value=planned.get("mode", Select.NULL),
                        prompt=_("(pilih)"),
                        id=f"f-{f.name}--{key}--mode",
                        classes="field row-mode",
                    )

    def row_codes(self, name: str) -> list[str]:
        assert self.state is not None
        if self.query(f"#f-{name}--extra"):
            return [p["kabkota"] for p in self.state.permohonan]
        return [c for c, n in sorted(self.state.shares.items()) if n > 0]

    def rows_raw(self, f: Field) -> str:
        """The rows as the text `coerce` reads ("19.02=800,19.04=2600")."""
        parts = []
        for code in self.row_codes(f.name):
            key = code.replace(".", "_")
            typed = self.query_one(f"#f-{f.name}--{key}", Input).value.strip()
            if f.type == "schedule":
                mode = self.query_one(f"#f-{f.name}--{key}--mode", Select).value
                if typed or mode is not Select.NULL:
                    day = normalize("date", typed)
                    parts.append(f"{code}={day}/{'' if mode is Select.NULL else mode}")
            elif typed:
                parts.append(f"{code}={typed}")
        if f.type == "counts":
            extra = self.query_one(f"#f-{f.name}--extra", Input).value.strip()
            if extra:
                parts.append(extra)
        return ",".join(parts)

    def extra_codes(self, f: Field) -> list[str]:
        """Kab/Kota typed in the 'without a letter' line (the ones needing the tick)."""
        if f.type != "counts" or not self.query(f"#f-{f.name}--extra"):
            return []
        text = self.query_one(f"#f-{f.name}--extra", Input).value
        return [part.split("=")[0].strip() for part in re.split(r"[,;]", text) if "=" in part]

    def show_total(self, f: Field) -> None:
        if f.type != "counts" or not self.query(f"#total-{f.name}") or self.state is None:
            return
        try:
            value = coerce(f, self.rows_raw(f)) or {}
        except InputError:
            value = None
        good = self.state.received_good
        text = Text()
        if value is None:
            text.append(_("jumlah belum terbaca"), style="bold")
        else:
            total = sum(value.values())
            text.append(_("dibagi {total}").format(total=number(total)), style="bold")
            if good is not None:
                rest = good - total
                text.append(
                    "  ·  "
                    + _("diterima baik {good} · sisa {rest}").format(
                        good=number(good), rest=number(rest)
                    )
                )
                if rest < 0:
                    text.append("  " + _("MELEBIHI yang diterima"), style="bold reverse")
        self.query_one(f"#total-{f.name}", Static).update(text)

    def who_text(self) -> Text:
        """Who records and as what: the step's role, and the typist's own role when on behalf."""
        sop = self.policy.sop
        text = Text(
            _("Langkah ini tanggung jawab: {role}").format(
                role=sop.role_title(self.step.role_for(self.choice.action))
            )
        )
        person_id = self.app.person_id  # type: ignore[attr-defined]
        if person_id and self.on_behalf:
            text.append(
                "\n"
                + _("Anda mencatat atas nama pihak lain, sebagai {role}").format(
                    role=recorder_role(self.policy, person_id, self.step.no, True)
                ),
                style="bold",
            )
        return text

    @property
    def on_behalf(self) -> bool:
        boxes = self.query("#on-behalf")
        return bool(boxes and self.query_one("#on-behalf", Checkbox).value)

    def raw(self, name: str) -> str:
        """What the field holds, as the text `coerce` reads."""
        widget = self.query_one(f"#f-{name}")
        if widget.has_class("rows"):
            return self.rows_raw(next(f for f in self.fields if f.name == name))
        if isinstance(widget, Switch):
            return "ya" if widget.value else "tidak"
        if isinstance(widget, Select):
            return "" if widget.value is Select.NULL else str(widget.value)
        assert isinstance(widget, Input)
        return widget.value

    def snapshot(self) -> dict[str, str]:
        out = {f.name: self.raw(f.name) for f in self.fields}
        out["note"] = self.raw("note")
        for k in ("of", "reason", "evidence"):
            for w in self.query(f"#ob-{k}"):
                out[k] = w.value  # type: ignore[attr-defined]
        return out

    def on_mount(self) -> None:
        self.query_one("#form-refused").display = False
        if self.step.on_behalf:
            self.query_one("#on-behalf-fields").display = self.on_behalf_only
        self.initial = self.snapshot()
        self.query_one("#form-who", Static).update(self.who_text())
        for f in self.fields:
            self.show_parsed(f)
            self.show_total(f)
        self.focus_first_empty()
        # The keys typed while the core checked, into the field just focused (no gap in which
        # a newer key could overtake them: both happen here).
        deliver(self.app, held(self.app))

    def focus_first_empty(self) -> None:
        """The first empty field gets the cursor: a prefilled value is never typed over."""
        for widget in self.query(".field"):
            if not widget.display or (widget.parent is not None and not widget.parent.display):
                continue
            # set_focus, not focus(): at once, so held keys are typed into this field.
            if isinstance(widget, Input) and not widget.value:
                self.set_focus(widget)
                return
            if isinstance(widget, Select) and widget.value is Select.NULL:
                self.set_focus(widget)
                return
        self.set_focus(self.query_one("#submit", Button))

    @on(Checkbox.Changed, "#on-behalf")
    def _on_behalf(self, event: Checkbox.Changed) -> None:
        self.query_one("#on-behalf-fields").display = event.value
        self.query_one("#form-who", Static).update(self.who_text())

    @on(Button.Pressed, "#submit")
    def _submit_pressed(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def move_now(self, key: str) -> bool:
        """Enter in a text field, Tab anywhere in the form: the next field now (see
        `KtpelApp.on_event`). Enter elsewhere keeps its meaning (open a select, press a
        button)."""
        focused = self.app.focused
        if focused is None or focused.screen is not self:
            return False
        if key == "tab" or (key == "enter" and isinstance(focused, Input)):
            self.focus_next()
        elif key == "shift+tab":
            self.focus_previous()
        else:
            return False
        return True

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        # Enter moves on like Tab and never records: Ctrl+S continues to the check screen.
        event.stop()
        self.focus_next()

    @on(Input.Changed)
    @on(Switch.Changed)
    @on(Select.Changed)
    def _changed(self, event: Input.Changed | Switch.Changed | Select.Changed) -> None:
        name = (event.control.id or "").removeprefix("f-").split("--")[0]
        field = next((f for f in self.fields if f.name == name), None)
        if field is not None:
            self.show_parsed(field)
            self.show_total(field)
        if not self.tried or not name:
            return
        # An error clears as soon as its field is fixed (and is refreshed while still wrong).
        problem = self.check_one(name)
        for err in self.query(f"#err-{name}"):
            assert isinstance(err, Static)
            err.update(problem or "")

    def check_one(self, name: str) -> str | None:
        if name == "note":
            if self.choice.action == "return" and not self.raw("note").strip():
                return Violation("note-required", field="note").message()
            return None
        field = next((f for f in self.fields if f.name == name), None)
        if field is None:
            return None
        try:
            coerce(field, normalize(field.type, self.raw(name)))
        except InputError as err:
            return err.violation.message()
        return None

    def show_parsed(self, f: Field) -> None:
        """Under a date field: the date as read, and a warning when it lies in the future."""
        if f.type not in ("date", "datetime"):
            return
        hint = Text(field_hint(f))
        text = self.raw(f.name).strip()
        if text:
            try:
                value = coerce(f, normalize(f.type, text))
            except InputError:
                value = None
            if value is not None:
                hint = Text("= " + spoken(value, language()), style="bold")
                day = value.date() if isinstance(value, datetime) else value
                if day > clock.today():
                    hint.append("  " + _("PERHATIAN: tanggal ini di masa depan"), style="bold")
        self.query_one(f"#hint-{f.name}", Static).update(hint)

    def action_cancel(self) -> None:
        if self.snapshot() == self.initial:
            self.dismiss(None)
            return
        self.app.push_screen(
            ConfirmScreen(
                Text(_("Isian yang sudah diketik akan dibuang.")),
                title=_("Tutup formulir?"),
                yes=_("Buang"),
                no=_("Kembali ke formulir"),
            ),
            lambda ok: self.dismiss(None) if ok else None,
        )

    def _show_errors(self, violations: list[Violation], *, refused: str | None = None) -> None:
        """Each sentence by its field (the rest at the bottom); after a refusal, the cursor goes
        to the refusal line at the top, never into a field: the `y` typed by habit after
        Ctrl+S or on the check screen lands in no field. Enter there moves to the field."""
        for err in self.query(".error"):
            assert isinstance(err, Static)
            err.update("")
        line = self.query_one("#form-refused", RefusalLine)
        line.display = refused is not None
        general = []
        shown: dict[str, list[str]] = {}
        for v in violations:
            target = f"#err-{v.field}" if v.field else None
            if v.field in ("of", "reason", "evidence"):
                target = None
            if target and self.query(target):
                shown.setdefault(target, []).append(v.message())
            else:
                general.append(v.message())
        for target, lines in shown.items():
            self.query_one(target, Static).update("\n".join(lines))
        self.query_one("#form-error", Static).update("\n".join(general))
        self.error_field = next(
            (v.field for v in violations if v.field and self.query(f"#f-{v.field}")), None
        )
        if refused is not None:
            hint = (
                _("Enter: ke isian yang perlu diperbaiki.")
                if self.error_field
                else _("Tab: kembali ke isian.")
            )
            line.update(refused + "\n" + hint)
            line.focus(scroll_visible=False)
            # The refusal is read first: the form back to its top at once (no animation).
            form = self.query_one("#act", VerticalScroll)
            self.call_after_refresh(form.scroll_home, animate=False)

    def focus_error(self) -> None:
        """The cursor to the first field in error (Enter on the refusal line)."""
        if not self.error_field or not self.query(f"#f-{self.error_field}"):
            self.focus_next()
            return
        target = self.query_one(f"#f-{self.error_field}")
        if target.has_class("rows"):
            target = target.query(".field").first()
        target.focus()

    def build_event(self) -> Event | None:
        data: dict[str, Any] = {}
        problems: list[Violation] = []
        for f in self.fields:
            try:
                value = coerce(f, normalize(f.type, self.raw(f.name)))
            except InputError as err:
                problems.append(err.violation)
                continue
            if value is not None:
                data[f.name] = value
        for f in self.fields:
            unlettered = self.extra_codes(f)
            if unlettered and not self.query_one(f"#f-{f.name}--extra-ok", Checkbox).value:
                problems.append(
                    Violation(
                        "bad-input",
                        {
                            "reason": _(
                                "{codes} tidak mengirim surat permohonan; centang konfirmasi bila memang dibagi"
                            ).format(codes=", ".join(unlettered))
                        },
                        field=f.name,
                    )
                )
        note = " ".join(self.query_one("#f-note", Input).value.split())
        if self.choice.action == "return" and not note:
            problems.append(Violation("note-required", field="note"))
        on_behalf = None
        if self.on_behalf:
            on_behalf = OnBehalf(
                *(
                    self.query_one(f"#ob-{k}", Input).value.strip()
                    for k in ("of", "reason", "evidence")
                )
            )
        if problems:
            self._show_errors(
                problems,
                refused=_("Ditolak, tidak ada yang dicatat: {n} isian perlu diperbaiki.").format(
                    n=len(problems)
                ),
            )
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
        self.tried = True
        event = self.build_event()
        if event is None:
            return
        self.precheck(event, _hold(self.app))

    @work(thread=True, exclusive=True, group="act-precheck", exit_on_error=False)
    def precheck(self, event: Event, holding: Holding) -> None:
        """Everything the core would refuse (a letter number off its register's template, a
        count above what was handed over, an on-behalf without its reason ...) is said now, on
        the form, before the check screen: never after the `y`. `Ledger.check` is `record`
        without the write. The keys typed meanwhile are held: they reach the check screen, or
        are dropped with a refusal (a habitual `y` lands in no field)."""
        app = self.app
        try:
            app.with_ledger(lambda led: led.check(self.request_id, event))  # type: ignore[attr-defined]
        except LedgerError as err:
            app.call_from_thread(self._prechecked, holding, event, err)
            return
        except Exception:  # noqa: BLE001 - the record itself will say it in a sentence
            pass
        app.call_from_thread(self._prechecked, holding, event, None)

    def _prechecked(self, holding: Holding, event: Event, err: LedgerError | None) -> None:
        release(self.app, holding)
        if err is not None:
            held(self.app)
            self._refused(err)
            return
        self._show_errors([])
        self.app.push_screen(
            ConfirmScreen(self.confirm_text(event)), lambda ok: self.record(event) if ok else None
        )
        deliver(self.app, held(self.app))

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
        for f in self.fields:
            if unlettered := self.extra_codes(f):
                line(_("TANPA SURAT PERMOHONAN"), ", ".join(unlettered))
        if event.note:
            line(_("Catatan"), event.note)
        own = recorder_role(policy, person.id, self.step.no, event.on_behalf is not None)
        line(_("Dicatat oleh"), f"{person.name} ({person.id}), {_('sebagai')} {own}")
        if event.on_behalf:
            line(
                _("Atas nama"),
                f"{event.on_behalf.of} ({policy.sop.role_title(event.role)})",
            )
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
            problem = Violation("bad-input", {"reason": f"{type(err).__name__}: {err}"})
            app.call_from_thread(self._refused, LedgerError(problem))
            return
        app.call_from_thread(self.dismiss, rec)

    def _refused(self, err: LedgerError) -> None:
        said = _("Ditolak, tidak ada yang dicatat: {reason}").format(reason=err.message())
        self._show_errors(list(err.violations), refused=said)
        self.query_one("#form-error", Static).update(said)


class RefusalLine(Static, can_focus=True):
    """The refusal at the top of the form. It takes the cursor after a refusal, so the next key
    (often a habitual `y`) is typed into no field; Enter goes on to the field in error."""

    BINDINGS = [Binding("enter", "jump", _("Ke isian yang salah"), id="form-jump")]

    def action_jump(self) -> None:
        screen = self.screen
        if isinstance(screen, ActScreen):
            screen.focus_error()


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "confirm", _("Catat"), id="confirm-record"),
        Binding("escape,n", "cancel", _("Batal"), id="confirm-cancel"),
    ]

    def __init__(
        self, text: Text, *, title: str | None = None, yes: str | None = None, no: str | None = None
    ) -> None:
        super().__init__()
        self.text = text
        self.title_text = title or _("Periksa sebelum dicatat")
        self.yes = yes or _("Catat")
        self.no = no or _("Batal")

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="confirm"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.text, id="confirm-text")
            with Horizontal(classes="buttons"):
                yield Button(self.yes + " (y)", id="yes", variant="success")
                yield Button(self.no + " (n)", id="no")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    @on(Button.Pressed, "#yes")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_cancel(self) -> None:
        self.dismiss(False)
