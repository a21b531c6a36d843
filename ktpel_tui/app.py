"""The ktpel screen: a Textual app over the ledger core.

The app adds no rules: it reads through `Ledger` and records every action with
`Ledger.record`. All git and disk work runs in thread workers under one lock (the ledger's
git handles are not shared between threads safely).
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from rich.text import Text
from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.markup import escape
from textual.message import Message
from textual.screen import Screen

from ledger import clock
from ledger.policy import Person, Policy
from ledger.rules import LedgerError
from ledger.store import Ledger

from .config import save_user, saved_user
from .strings import _

T = TypeVar("T")

WATCH_SECONDS = 2.0


class LedgerChanged(Message):
    """The ledger's HEAD moved (a record here, a `git pull`, another process)."""


class KtpelApp(App[int]):
    """The staff's terminal: list, detail, act, history."""

    CSS_PATH = "ktpel.tcss"
    TITLE = "ktpel"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("q", "quit", _("Keluar"), id="quit"),
        Binding("question_mark", "help", _("Bantuan"), id="help", key_display="?"),
        Binding("r", "reload", _("Muat ulang"), id="reload"),
        Binding("p", "pick_person", _("Ganti orang"), id="pick-person", show=False),
        Binding("H", "ledger_history", _("Riwayat ledger"), id="ledger-history", show=False),
        Binding("A", "audit", _("Audit"), id="audit", show=False),
        Binding("P", "parked", _("Operasi ditahan"), id="parked", show=False),
        Binding("D", "dashboard", _("Dasbor"), id="dashboard", show=False),
        # Declared here so its footer text is ours (Textual adds an English "palette" otherwise).
        Binding(
            "ctrl+p",
            "command_palette",
            _("Palet"),
            id="palette",
            show=False,
            priority=True,
            key_display="^p",
        ),
    ]

    def __init__(self, root: Path, as_person: str | None = None, *, watch: bool = True) -> None:
        super().__init__()
        self.root = Path(root)
        self.ledger: Ledger | None = None
        self.policy: Policy | None = None
        self.person_id: str | None = as_person
        self.lock = threading.RLock()
        self.loaded_head: str | None = None
        self.watch = watch
        self.last_sync: str = ""
        # Keys typed while a form is being opened (the core's check runs in a thread): held
        # here, before any screen or binding sees them, and typed into the form once it is open.
        self.held_keys: list[events.Key] | None = None

    # --- keys typed ahead of a form ---------------------------------------------------------

    def hold_keys(self, keys: list[events.Key] | None = None) -> None:
        self.held_keys = list(keys or [])

    def take_held_keys(self) -> list[events.Key]:
        keys, self.held_keys = self.held_keys or [], None
        return keys

    async def on_event(self, event: events.Event) -> None:
        if (
            isinstance(event, events.Key)
            and self.held_keys is not None
            and not event.is_forwarded
            and event.key not in ("ctrl+c", "ctrl+q")
        ):
            self.held_keys.append(events.Key(event.key, event.character))
            return
        if isinstance(event, events.Key) and not event.is_forwarded:
            from .screens.act import ActScreen

            # Enter/Tab between a form's fields move the cursor here, at once: forwarded, the
            # field handles them later, and under load the next characters were already sent
            # to the old field ("abc" Enter "def" became "abcdef").
            if isinstance(self.screen, ActScreen) and self.screen.move_now(event.key):
                return
        await super().on_event(event)

    # --- ledger access ---------------------------------------------------------------------

    def with_ledger(self, fn: Callable[[Ledger], T]) -> T:
        """Run `fn(ledger)` under the ledger lock (call from a thread worker)."""
        with self.lock:
            assert self.ledger is not None
            return fn(self.ledger)

    @property
    def person(self) -> Person | None:
        if self.policy is None or self.person_id is None:
            return None
        return self.policy.people.get(self.person_id)

    def person_name(self, person_id: str) -> str:
        person = self.policy.people.get(person_id) if self.policy else None
        return person.name if person else person_id

    def show_error(self, err: BaseException) -> None:
        """A notification with the core's sentence (never markup)."""
        if isinstance(err, LedgerError):
            message = err.message()
        else:
            message = _("Terjadi kesalahan: {reason}").format(reason=f"{type(err).__name__}: {err}")
        self.notify(message, title=_("Galat"), severity="error", timeout=10, markup=False)

    # --- start -------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.open_ledger()

    @work(thread=True, exclusive=True, group="open", exit_on_error=False)
    def open_ledger(self) -> None:
        try:
            ledger = Ledger.open(self.root)
            with self.lock:
                policy = ledger.policy()
                head = ledger.head()
        except Exception as err:  # noqa: BLE001 - shown, never a traceback
            self.call_from_thread(self._cannot_open, err)
            return
        self.ledger, self.policy, self.loaded_head = ledger, policy, head
        self.call_from_thread(self._opened)

    def _cannot_open(self, err: BaseException) -> None:
        message = err.message() if isinstance(err, LedgerError) else str(err)
        self.notify(
            message,
            title=_("Ledger tidak dapat dibuka"),
            severity="error",
            timeout=30,
            markup=False,
        )

    def _opened(self) -> None:
        from .screens.listing import ListScreen
        from .screens.picker import PersonPicker

        assert self.policy is not None
        chosen = self.person_id or os.environ.get("KTPEL_USER") or saved_user(self.root)
        # The person is settled before the list is composed (it picks its first tab from it).
        known = bool(chosen and chosen in self.policy.people)
        self.person_id = chosen if known else None
        self.push_screen(ListScreen())
        if known:
            self._person_changed()
        else:
            if chosen:
                self.notify(
                    _("Orang '{person}' tidak terdaftar di people.toml.").format(person=chosen),
                    severity="warning",
                    markup=False,
                )
            self.person_id = None
            self.push_screen(PersonPicker(self.policy, self.person_id), self._picked)
        if self.watch:
            self.set_interval(WATCH_SECONDS, self.check_head)
        self.refresh_last_sync()

    def _picked(self, person_id: str | None) -> None:
        if person_id is None:  # Esc: look around without acting; 'p' picks later
            self._person_changed()
            return
        self.person_id = person_id
        try:
            save_user(self.root, person_id)
        except OSError as err:
            self.show_error(err)
        self._person_changed()

    def identity(self) -> str:
        """Who acts, and as what: first in the header, so it survives 80 columns."""
        person = self.person
        if person is None or self.policy is None:
            return _("belum memilih orang")
        roles = ", ".join(self.policy.sop.role_title(r) for r in person.roles)
        return _("Sebagai {name}").format(name=person.name) + (f" ({roles})" if roles else "")

    def _person_changed(self) -> None:
        # The header shows "title — sub_title" and crops from the right: the person comes first.
        self.title = self.identity()
        name = self.policy.settings.name if self.policy else ""
        self.sub_title = " · ".join(x for x in ("ktpel", name, self.last_sync) if x)
        for screen in self.screen_stack:
            handler = getattr(screen, "person_changed", None)
            if handler:
                handler()

    # --- watching the ledger ---------------------------------------------------------------

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def check_head(self) -> None:
        if self.ledger is None:
            return
        try:
            head = self.with_ledger(lambda led: led.head())
        except Exception:  # noqa: BLE001 - a half-written ref during a pull; try again next tick
            return
        if head != self.loaded_head:
            self.call_from_thread(self.ledger_changed, head, True)

    def ledger_changed(self, head: str | None = None, from_disk: bool = False) -> None:
        """Reload the policy and every open view after the ledger moved."""
        if head is not None:
            self.loaded_head = head
        self.reload_policy()
        if from_disk:
            self.notify(_("Ledger berubah di disk; tampilan dimuat ulang."), timeout=3)

    @work(thread=True, exclusive=True, group="policy", exit_on_error=False)
    def reload_policy(self) -> None:
        try:
            policy, head = self.with_ledger(lambda led: (led.policy(), led.head()))
        except Exception as err:  # noqa: BLE001
            self.call_from_thread(self.show_error, err)
            return
        self.policy, self.loaded_head = policy, head
        self.call_from_thread(self._broadcast_change)

    def _broadcast_change(self) -> None:
        self._person_changed()
        for screen in self.screen_stack:
            screen.post_message(LedgerChanged())

    # --- actions -----------------------------------------------------------------------------

    def action_reload(self) -> None:
        if self.ledger is not None:
            self.ledger_changed()

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_pick_person(self) -> None:
        from .screens.picker import PersonPicker

        if self.policy is not None:
            self.push_screen(PersonPicker(self.policy, self.person_id), self._picked)

    def action_ledger_history(self) -> None:
        from .screens.history import HistoryScreen

        if self.ledger is not None:
            self.push_screen(HistoryScreen(None))

    def action_audit(self) -> None:
        from .screens.audit import AuditScreen

        if self.ledger is None:
            return
        if isinstance(self.screen, AuditScreen):
            self.screen.rerun()
        else:
            self.push_screen(AuditScreen())

    # The app's keys that would leave or reset a form (q quits, r reloads, p switches the
    # person...): inside a form or while a form is being opened they are off and not shown.
    FORM_OFF = frozenset(
        {"quit", "help", "reload", "pick_person", "ledger_history", "audit", "parked", "dashboard"}
    )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        from .screens.act import ActScreen, ChoiceScreen, ConfirmScreen, Holding

        form = (ActScreen, ChoiceScreen, ConfirmScreen, Holding)
        if action in self.FORM_OFF and isinstance(self.screen, form):
            return False
        return True

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        from .screens.act import Holding

        if isinstance(self.screen, Holding):
            return  # keys are being held for the form about to open
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(
                CommandPalette(placeholder=_("Cari perintah…"), id="--command-palette")
            )

    def action_dashboard(self) -> None:
        from .screens.dashboard import DashboardScreen

        if self.ledger is not None and not isinstance(self.screen, DashboardScreen):
            self.push_screen(DashboardScreen())

    def action_parked(self) -> None:
        from .screens.parked import ParkedScreen

        if self.ledger is None:
            return
        if not isinstance(self.screen, ParkedScreen):
            self.push_screen(ParkedScreen())

    def action_sync(self) -> None:
        if self.ledger is None:
            return
        self.notify(_("Sinkron berjalan…"), timeout=3)
        self.run_sync()

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False)
    def run_sync(self) -> None:
        sync = importlib.import_module("ledger.sync")

        def progress(line: str) -> None:
            self.call_from_thread(self.notify, str(line), timeout=2, markup=False)

        try:
            result = self.with_ledger(
                lambda led: sync.sync(led, remote="origin", progress=progress)
            )
        except Exception as err:  # noqa: BLE001
            self.call_from_thread(self.show_error, err)
            return
        self.call_from_thread(self._synced, result)

    def _synced(self, result: Any) -> None:
        self.notify(
            _("Sinkron selesai: {pulled} diambil, {pushed} dikirim.").format(
                pulled=result.pulled, pushed=result.pushed
            )
        )
        if result.parked:
            self.notify(
                _("{n} operasi ditahan; tekan P untuk melihat, mencoba lagi atau membuang.").format(
                    n=len(result.parked)
                ),
                severity="warning",
                timeout=10,
                markup=False,
            )
        self.refresh_last_sync()
        self.ledger_changed()

    @work(thread=True, exclusive=True, group="last-sync", exit_on_error=False)
    def refresh_last_sync(self) -> None:
        sync = importlib.import_module("ledger.sync")
        try:
            when = self.with_ledger(lambda led: sync.last_sync(led))
        except Exception:  # noqa: BLE001 - the header simply shows no time
            return
        text = (
            _("sinkron terakhir {when}").format(when=clock.to_wib(when).strftime("%d-%m %H:%M"))
            if when
            else _("belum pernah sinkron")
        )

        def show() -> None:
            self.last_sync = text
            self._person_changed()

        self.call_from_thread(show)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every key action of the screen and the app, in the current language.

        Textual's own English entries (Theme, Keys, Screenshot ...) are replaced: Quit and Help
        are ours; the rest are not part of the staff's work. The help line names the key, and
        is escaped: a key hint such as "[/]" is text, never markup.
        """
        seen: set[str] = set()
        for node in (screen, self):
            for binding in getattr(node, "BINDINGS", []):
                if not isinstance(binding, Binding):
                    continue
                name = binding.action.removeprefix("app.")
                if not name or name in seen or name == "command_palette":
                    continue
                seen.add(name)
                action = binding.action
                target = node

                def run(action: str = action, target: Any = target) -> None:
                    self.call_later(self.run_action, action, target)

                yield SystemCommand(
                    binding.description,
                    escape(_("Tombol {key}").format(key=key_label(binding))),
                    run,
                )
        if "sync" not in seen:
            yield SystemCommand(
                _("Sinkron"), escape(_("Tombol {key}").format(key="s")), self.action_sync
            )
        if "parked" not in seen:
            yield SystemCommand(
                _("Operasi ditahan"), escape(_("Tombol {key}").format(key="P")), self.action_parked
            )

    def on_unmount(self) -> None:
        if self.ledger is not None:
            with self.lock:
                self.ledger.close()


def key_label(binding: Binding) -> str:
    """The key as the footer shows it ("?", "/", "Ctrl+S")."""
    if binding.key_display:
        return binding.key_display
    key = binding.key.split(",")[0]
    return "+".join(part.capitalize() if len(part) > 1 else part for part in key.split("+"))


def safe(text: object) -> Text:
    """User data as literal text (a name `[red]X` shows as typed)."""
    return Text(str(text))


def run(root: Path | None, as_person: str | None) -> int:
    """Open the screen on the ledger at `root` (default: the demo ledger) as `as_person`."""
    if root is None:
        from ledger.demo import build_demo, demo_path

        root = demo_path()
        if not (root / "ledger.toml").exists():
            build_demo(root).close()
    app = KtpelApp(Path(root), as_person)
    app.run()
    return int(app.return_code or 0)
