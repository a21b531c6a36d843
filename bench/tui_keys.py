"""Count the keys one whole request takes in the ktpel screen, driven in tmux as a user would.

    python bench/tui_keys.py --flavor new                         # this checkout
    python bench/tui_keys.py --flavor old --code /tmp/tui-old \\
        --python /tmp/tui-old/.venv/bin/python                    # the UI before issue 13

The lifecycle (on a fresh demo ledger, at 100x30): a new request by 19.02's head, a second
letter by 19.04's head, steps 1-18 with a return at step 3 (and the redo of step 2), step 13
recorded by the Pelaksana on behalf of the Badan Penghubung, and the deliveries of step 19
(`DELIVERIES`): on the new UI 19.02's share of 800 in two partial handovers (500, then the 300
left), each receipt confirmed by 19.02's head before the next handover, then 19.04's 1200 in
one. The old UI took one handover per Kab/Kota, so it drives `DELIVERIES_OLD` (one handover and
one receipt each: the nearest it could do; a second delivery to 19.02 was impossible there);
`--one-delivery` drives that same lifecycle on the new UI, for a like-for-like figure. Every key
sent to tmux is counted: a typed text counts one key per character. The driver waits for the
screen (never counted) and checks after each record that exactly one commit was written; it
stops with the screen shown when not.

`--flavor` says how a user fills the forms of that UI: `old` (every field an Input, the cursor
on the first one even when prefilled, Tab between fields, shares and schedules as text, the
on-behalf box ticked by hand, the person picker walked with Down, letter numbers suggested) or
`new` (the cursor on the first empty field, Enter moves on, Shift+Tab back to a prefilled value
to change, one row per Kab/Kota, switches and selects, on-behalf pre-ticked when it is the only
way, the picker searched, SOP r2's letter numbers offered in the empty field and taken with
→ (Right): steps 9 and 12 and each BAST the ledger's last sequence + 1, each Surat Pernyataan
its Kab/Kota's template with the sequence typed into it; the hand-off modal after a record
closed by the next key, which does its own job, and not opened when the request now waits only
on the person at the screen).

Measured 2026-12-02 (2 shared cores, 100x30, KTPEL_NOW 2026-11-28 10:00), each run to SELESAI:
old UI (b6138cd) 626 keys, one delivery per Kab/Kota, 107 commits in the ledger.
New UI, branch tui-keys (numbers offered and taken with →, the hand-off costing no key):
510 keys with two partial deliveries to 19.02 and one to 19.04 (508 in an earlier run),
111 commits; with one delivery per Kab/Kota (`--one-delivery`): 486 keys, 109 commits.
Before it (main 12194a4, SOP r2, numbers typed whole, a key closing each hand-off): 766 keys
with the two partial deliveries (26 closing the hand-off; 776 in an earlier run: the picker's
search stops typing once the person is highlighted, so a slower screen costs a character or
two per switch), 111 commits; 674 with one delivery per Kab/Kota, 109 commits. What the
offered numbers save: steps 9 and 12 took 57 characters, now 2 keys; each handover's BAST and
Surat Pernyataan about 65, now 2 keys and the Pernyataan's 3-digit sequence. (Before r2 and the
modal, the new UI took 527 keys for the one-delivery lifecycle.) Ctrl+S runs the core's own
check (`Ledger.check`): a letter number that misses its template, or whose year/month
contradicts its date, is refused on the form, before the check screen, never after the `y`.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

NOW = "2026-11-28T10:00:00+07:00"
SIZE = (100, 30)
REQUEST = "2026-0007"  # the demo holds six requests: the new one is the seventh
FORM = "Langkah ini tanggung jawab"  # on every form, old and new (its buttons may be scrolled off)
# The new form's footer: the form may scroll FORM off at once (focus on a field further down).
FORM_FOOTER = "^s Lanjut"


@dataclass(frozen=True, slots=True)
class F:
    """One form field as the user meets it: `P` prefilled and kept, `T` typed text, `B` a yes,
    `C` the n-th option of a choice (1-based), `R` a row value of a share or schedule table,
    `O` a prefilled value typed over (the new UI's cursor skips it: Shift+Tab back to it),
    `A` a letter number offered by the new UI and taken with → (Right), then `value` (the
    register's sequence) typed into the sequence's slot when the ledger knew none to offer."""

    kind: str
    value: str = ""
    option: int = 1


P = F("P")


def T(value: str) -> F:
    return F("T", value)


def O(value: str) -> F:  # noqa: E743 (the letter, as P and T)
    return F("O", value)


def A(seq: str = "") -> F:
    return F("A", seq)


@dataclass(frozen=True, slots=True)
class Delivery:
    kabkota: str
    blanks: int | None = None  # None: the whole share, as the form prefills it


SHARES = {"19.02": 800, "19.04": 1200}
# The new UI (step 19 partial deliveries, SOP r2): 19.02's share in two handovers, each receipt
# confirmed before the next handover (so one open BAST at a time and the receipt prefilled).
DELIVERIES = [Delivery("19.02", 500), Delivery("19.02", 300), Delivery("19.04")]
# The old UI took one handover per Kab/Kota: the nearest it could do is one delivery each.
DELIVERIES_OLD = [Delivery("19.02"), Delivery("19.04")]
HANDOFF = "Kabari orang berikutnya lewat WhatsApp"  # the new UI's modal after a record


class Driver:
    def __init__(self, flavor: str, code: Path, python: str, workdir: Path) -> None:
        self.flavor, self.code, self.python = flavor, code, python
        self.ledger = workdir / f"ledger-{flavor}"
        self.session = f"tui-keys-{flavor}-{os.getpid()}"
        self.env = dict(
            os.environ,
            KTPEL_NOW=NOW,
            PYTHONPATH=str(code),
            KTPEL_CONFIG=str(workdir / f"cfg-{flavor}.toml"),
            KTPEL_LANG="id",
        )
        self.env.pop("NO_COLOR", None)
        self.env.pop("KTPEL_USER", None)
        self.keys = 0
        self.deliveries = DELIVERIES_OLD if flavor == "old" else DELIVERIES
        # The old UI moves the cursor on Tab only once its queue gets to it: wait longer there.
        self.pace = 0.6 if flavor == "old" else 0.3
        self.current = "kadis-1902"
        self.people: list[tuple[str, str]] = []

    # --- tmux -------------------------------------------------------------------------------

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", *args], capture_output=True, text=True, env=self.env, check=False
        ).stdout

    def pane(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.session)

    def key(self, name: str, settle: float = 0.15) -> None:
        self.keys += 1
        self.tmux("send-keys", "-t", self.session, name)
        # A human pace after a key that moves the cursor: both UIs route the next characters
        # to the field focused when they arrive (on a loaded machine the screen lags).
        time.sleep(max(settle, self.pace) if name in ("Tab", "Enter", "Space", "Right") else settle)
        self.settle()

    def text(self, value: str) -> None:
        self.keys += len(value)
        self.tmux("send-keys", "-t", self.session, "-l", value)
        time.sleep(0.1)
        self.settle()

    def settle(self, limit: float = 5.0) -> None:
        """Wait (uncounted) until the screen stops changing: the keys sent are handled."""
        deadline = time.monotonic() + limit
        last = self.pane()
        while time.monotonic() < deadline:
            time.sleep(0.12)
            now = self.pane()
            if now == last:
                return
            last = now

    def wait_for(self, *needles: str, timeout: float = 30.0) -> str:
        """Wait (uncounted) until the screen shows one of `needles`; the one shown."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.pane()
            for needle in needles:
                if needle in shown:
                    return needle
            time.sleep(0.1)
        self.fail(f"the screen never showed {needles}")
        raise AssertionError  # unreachable

    def fail(self, why: str) -> None:
        print(self.pane(), file=sys.stderr)
        self.stop()
        raise SystemExit(f"{self.flavor}: {why} (after {self.keys} keys)")

    def commits(self) -> int:
        out = subprocess.run(
            ["git", "rev-list", "--count", "HEAD"],
            cwd=self.ledger,
            capture_output=True,
            text=True,
            check=True,
        )
        return int(out.stdout.strip())

    def handoff_expected(self) -> bool:
        """Whether the new UI opens its hand-off modal after the record just made: the core's
        own answer (`next_actors`, uncounted), as the screen asks it."""
        script = (
            "import sys\n"
            "from ledger.nextactor import next_actors\n"
            "from ledger.store import Ledger\n"
            "with Ledger.open(sys.argv[1]) as led:\n"
            "    state = led.read_request(sys.argv[2])\n"
            "    actors = next_actors(state, led.policy(), state.events[-1])\n"
            "    print(sum(a.person.id != sys.argv[3] for a in actors))"
        )
        out = subprocess.run(
            [self.python, "-c", script, str(self.ledger), REQUEST, self.current],
            env=self.env,
            cwd=self.code,
            capture_output=True,
            text=True,
            check=True,
        )
        return int(out.stdout.strip()) > 0

    # --- start and stop ----------------------------------------------------------------------

    def start(self) -> None:
        shutil.rmtree(self.ledger, ignore_errors=True)
        cli = [self.python, "-m", "ktpel_tui.cli"]
        subprocess.run(
            [*cli, "demo", str(self.ledger), "--no-tui"],
            env=self.env,
            cwd=self.code,
            check=True,
            capture_output=True,
        )
        listing = subprocess.run(
            [
                self.python,
                "-c",
                "import sys; from ledger.store import Ledger\n"
                "with Ledger.open(sys.argv[1]) as led:\n"
                "    for pid, p in led.policy().people.items(): print(pid, p.name, sep='\\t')",
                str(self.ledger),
            ],
            env=self.env,
            cwd=self.code,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        self.people = [tuple(line.split("\t", 1)) for line in listing.splitlines()]  # type: ignore[misc]
        # The environment goes on the command line: a tmux server already running (another
        # session on this box) starts the pane with its own environment, not this process's,
        # and the screen would then run on the real clock and the user's own config.
        pinned = [f"{k}={self.env[k]}" for k in ("KTPEL_NOW", "PYTHONPATH", "KTPEL_CONFIG")]
        command = shlex.join(
            [
                "env", "-u", "NO_COLOR", "-u", "KTPEL_USER", "KTPEL_LANG=id", *pinned,
                *cli, "--ledger", str(self.ledger), "--as", self.current, "tui",
            ]
        )  # fmt: skip
        self.tmux(
            "new-session", "-d", "-s", self.session, "-x", str(SIZE[0]), "-y", str(SIZE[1]),
            f"cd {shlex.quote(str(self.code))} && {command}",
        )  # fmt: skip
        self.wait_for("permohonan ·", "Tidak ada permohonan")

    def stop(self) -> None:
        self.tmux("kill-session", "-t", self.session)

    # --- what a user does --------------------------------------------------------------------

    def name_of(self, person: str) -> str:
        return next(name for pid, name in self.people if pid == person)

    def switch(self, person: str) -> None:
        if person == self.current:
            return
        self.key("p")
        self.wait_for("Siapa yang bertindak", "Cari nama")
        if self.flavor == "old":
            ids = [pid for pid, _name in self.people]
            for _ in range(ids.index(person)):  # the list starts on its first person
                self.key("Down", 0.05)
        else:
            # The search: type the id ("1902" for 19.02's head) until the highlighted line is
            # the person (the picker highlights the current person while it still matches).
            for char in person.removeprefix("kadis-"):
                self.text(char)
                shown = re.findall(r"  \(([\w.-]+)\)", self.pane())
                if shown and shown[0] == person and self.current not in shown:
                    break
        self.key("Enter")
        self.wait_for("Sebagai " + self.name_of(person)[:7])
        self.current = person

    def find_request(self) -> None:
        """Once: the Semua tab, search the new request (the search stays for the rest)."""
        self.key("2")
        self.key("/")
        self.wait_for("Cari id")
        self.text(REQUEST[-4:])
        self.key("Enter")
        self.wait_for("1 dari")

    def choose(self, label: str) -> None:
        """On the 'what to record' list: Down to the line with `label`, Enter."""
        lines = self.pane().splitlines()
        top = next(i for i, ln in enumerate(lines) if "Apa yang dicatat?" in ln)
        options = [ln for ln in lines[top + 1 :] if ln.strip("█▀▄ ▊▎▔▁\u2502")]
        index = next((i for i, ln in enumerate(options) if label in ln), None)
        if index is None:
            self.fail(f"no choice '{label}'")
        for _ in range(index or 0):
            self.key("Down", 0.05)
        self.key("Enter")

    def fill(self, fields: list[F], on_behalf: list[str] | None = None) -> None:
        if self.flavor == "old":
            self.fill_old(fields, on_behalf)
        else:
            self.fill_new(fields, on_behalf)

    def fill_old(self, fields: list[F], on_behalf: list[str] | None) -> None:
        # The cursor starts on the first field, prefilled or not; Tab between fields.
        last = max((i for i, f in enumerate(fields) if f.kind != "P"), default=-1)
        for i, f in enumerate(fields[: last + 1]):
            if f.kind == "B":
                self.text("ya")
            elif f.kind == "C":
                self.text(f.value)
            elif f.kind != "P":
                self.text(f.value)
            if i < last:
                self.key("Tab")
        if on_behalf:
            # Past the fields left and the note to the box, tick it, then who / why / evidence.
            for _ in range(len(fields) - last - 1 + 1 + 1):
                self.key("Tab")
            self.key("Space", 1.5)  # the who / why / evidence fields appear a moment later
            for value in on_behalf:
                self.key("Tab", 1.0)
                self.text(value)

    def fill_new(self, fields: list[F], on_behalf: list[str] | None) -> None:
        # The cursor starts on the first empty text field or select; Enter moves on from a
        # text field, Tab from a switch or select. Nothing is pressed after the last value.
        first = next((i for i, f in enumerate(fields) if f.kind in ("T", "R", "C", "A")), None)
        over = next((i for i, f in enumerate(fields) if f.kind == "O"), None)
        if first is None and over is None:
            fields = []
        elif over is not None and (first is None or over < first):
            # A prefilled value to change sits before the cursor: Shift+Tab back to it.
            for _ in range((first if first is not None else len(fields)) - over):
                self.key("BTab")
            fields = fields[over:]
        else:
            assert first is not None
            fields = fields[first:]
        last = max((i for i, f in enumerate(fields) if f.kind != "P"), default=-1)
        for i, f in enumerate(fields[: last + 1]):
            move = "Enter"
            if f.kind in ("T", "R", "O"):
                self.text(f.value)
            elif f.kind == "A":
                self.key("Right")  # the offered number, its sequence selected
                if f.value:
                    self.text(f.value)  # into the empty sequence slot
            elif f.kind == "B":
                self.key("Space")
                move = "Tab"
            elif f.kind == "C":
                self.key("Enter", 1.0)  # open the select (its list opens a moment later)
                for _ in range(f.option):  # past "(pilih)" to the option
                    self.key("Down", 0.05)
                self.key("Enter")
                move = "Tab"
            if i < last or on_behalf:
                self.key(move)
        if on_behalf:
            self.key("Enter")  # past the note; the box is ticked already
            for value in on_behalf:
                self.text(value)
                self.key("Enter")

    def record(
        self,
        fields: list[F],
        *,
        opener: str = "a",
        choice: str | None = None,
        on_behalf: list[str] | None = None,
        note: str = "",
    ) -> None:
        before = self.commits()
        self.key(opener)
        shown = self.wait_for("Apa yang dicatat?", FORM, FORM_FOOTER, "Ditolak", timeout=30)
        if shown == "Ditolak":
            self.fail("refused before the form")
        if shown == "Apa yang dicatat?":
            self.choose(choice or "")
            self.wait_for(FORM, FORM_FOOTER)
        time.sleep(1.0)  # the form's first focus (the old UI sets it late)
        if note:
            self.text(note)  # a return: the note is the form's only field
        self.fill(fields, on_behalf)
        self.key("C-s")
        self.wait_for("Periksa sebelum dicatat")
        self.key("y")
        deadline = time.monotonic() + 30
        while self.commits() != before + 1:
            if time.monotonic() > deadline:
                self.fail("not recorded")
            time.sleep(0.2)
        self.wait_for("Tercatat")
        if self.flavor == "new" and self.handoff_expected():
            # The hand-off modal: after a record, when someone else now waits on the request.
            # No key of its own: the next key the user presses (`p`, `a`) closes it and does
            # its job beneath.
            self.wait_for(HANDOFF)

    # --- the lifecycle -----------------------------------------------------------------------

    def lifecycle(self) -> None:
        old = self.flavor == "old"
        self.record([P, T("470/71/DK-19.02/2026"), T("27-11-2026"), T("800"), T("90")], opener="n")
        self.switch("kadis-1904")
        self.find_request()
        self.record([P, T("470/72/DK-19.04/2026"), T("27-11-2026"), T("1200"), T("60")], opener="k")
        self.switch("maya")
        self.record([T("28-11-2026"), T("Stok menipis di dua Kab/Kota")])  # 1
        self.record([P, P])  # 2
        self.switch("rudi")
        self.record([], choice="Kembalikan", note="Perbaiki jumlah")  # 3: the return
        self.switch("maya")
        self.record([P, P])  # 2 again
        reviews = {"rudi": "Setuju", "maya": "Setuju", "sri": "Setuju", "hendra": "Setuju"}
        for person in ("rudi", "yusuf", "maya", "rudi", "sri", "hendra", "agus", "maya"):
            self.switch(person)  # 3-10: reviews and steps without typing (but step 9's number)
            if person == "agus" and not old:
                # r2: the number offered (the ledger's last + 1) taken with one key.
                self.record([A(), P])  # 9
            else:
                self.record([], choice=reviews.get(person))
        self.switch("fitri")
        self.record([P, P])  # 11
        self.record([P, P] if old else [A(), P])  # 12
        self.record(  # 13, on behalf of the Badan Penghubung
            [T("2000"), T("Garuda Cargo"), T("126-1234"), T("28-11-2026")],
            on_behalf=["Bambang (Badan Penghubung)", "lewat telepon", "Agenda 77/2026"],
        )
        self.record([P, T("2"), F("B")])  # 14
        self.switch("agus")
        self.record([T("2000"), T("0")])  # 15
        self.switch("rudi")
        if old:
            self.record([T(",".join(f"{k}={n}" for k, n in SHARES.items()))])  # 16
        else:
            self.record([F("R", str(n)) for n in SHARES.values()])
        self.switch("hendra")
        self.record([P])  # 17: prefilled from 16
        self.switch("maya")
        if old:
            self.record([T("19.02=28-11-2026/ambil,19.04=28-11-2026/antar")])  # 18
        else:
            self.record([T("28-11-2026"), F("C", option=1), T("28-11-2026"), F("C", option=2)])
        handed: dict[str, int] = {}
        for n, delivery in enumerate(self.deliveries, 1):
            remaining = SHARES[delivery.kabkota] - handed.get(delivery.kabkota, 0)
            self.handover(delivery, n, remaining)
            self.receipt(delivery)
            handed[delivery.kabkota] = handed.get(delivery.kabkota, 0) + (
                delivery.blanks or remaining
            )

    def handover(self, d: Delivery, n: int, remaining: int) -> None:
        """`remaining`: the share not yet handed over, what the new UI prefills."""
        self.switch("fitri")
        if self.flavor == "old":
            mode = "ambil" if d.kabkota == "19.02" else "antar"
            bast, hibah = T(f"BAST/{n}/2026"), T(f"470/H/{d.kabkota}/{n}")
            fields = [P, T(str(d.blanks or remaining)), bast, hibah, P, T(mode)]
        else:
            # r2: both numbers offered from the register's templates: the BAST's sequence is
            # the ledger's last + 1; the Surat Pernyataan is the Kab/Kota's own letter (the
            # ledger keeps no register of it), its template offered with the sequence typed in.
            bast = A()
            hibah = A(str(500 + n))
            blanks = O(str(d.blanks)) if d.blanks not in (None, remaining) else P
            fields = [P, blanks, bast, hibah, P, P]  # share left, date and mode prefilled
        self.record(fields, choice=f"Serah terima ke {d.kabkota}")

    def receipt(self, d: Delivery) -> None:
        self.switch("kadis-" + d.kabkota.replace(".", ""))
        if self.flavor == "old":
            fields = [P, T(str(d.blanks or SHARES[d.kabkota]))]
        else:
            fields = [P, P]  # prefilled from the one open handover
        self.record(fields, choice=f"penerimaan oleh {d.kabkota}")


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flavor", choices=("old", "new"), default="new")
    parser.add_argument("--code", type=Path, default=here, help="the checkout to run")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/tui-keys"))
    parser.add_argument(
        "--one-delivery",
        action="store_true",
        help="one handover per Kab/Kota (what the old UI could do), not 19.02's two",
    )
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    driver = Driver(args.flavor, args.code.resolve(), args.python, args.workdir)
    if args.one_delivery:
        driver.deliveries = DELIVERIES_OLD
    driver.start()
    try:
        driver.lifecycle()
    finally:
        driver.stop()
    state = subprocess.run(
        [args.python, "-m", "ktpel_tui.cli", "--ledger", str(driver.ledger), "show", REQUEST],
        env=driver.env,
        cwd=driver.code,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    print("\n".join(state.splitlines()[:4]))
    print(
        f"{args.flavor}: {driver.keys} keys, "
        f"{driver.commits()} commits in the ledger, deliveries: "
        + ", ".join(f"{d.kabkota} {d.blanks or 'rest'}" for d in driver.deliveries)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
