"""The demo ledger: a person for every role and requests in every interesting state.

Everything is made through the same operations as real work (`Ledger.record`), with times
spread over days by the SOP's standard minutes, committed in time order across requests.
Every operation happens in office hours on a working day (the ledger's own calendar, with one
local closure inside a request's timeline); letter numbers are typed as the office's register
(buku agenda) would give them, fitting the ledger's templates; one Kab/Kota gets its share in
two handovers and one receipt is short by 10 pieces, with a note.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from . import clock
from .bootstrap import built_in_place, check_tools, create_ledger, default_settings_text
from .policy import Key, Person
from .request import Event, OnBehalf, RequestState
from .rules import fail
from .store import Ledger
from .worktime import WORKING, WorkCalendar, parse_calendar

DEMO_MARKER = "demo"

PEOPLE = [
    Person(
        "yusuf",
        "Yusuf Pratama, S.Kom",
        "198803152014031002",
        "yusuf@dp3acskb.babelprov.go.id",
        "prov",
        ("admin", "pelaksana"),
    ),
    Person(
        "hendra",
        "Drs. Hendra Saputra, M.Si",
        "196905121994031004",
        "hendra@dp3acskb.babelprov.go.id",
        "prov",
        ("kadis",),
    ),
    Person(
        "sri",
        "Ir. Sri Wahyuni, M.M",
        "197102201996032003",
        "sri@dp3acskb.babelprov.go.id",
        "prov",
        ("sekretaris",),
    ),
    Person(
        "rudi",
        "Rudi Hartono, S.Sos, M.Si",
        "197507081999031005",
        "rudi@dp3acskb.babelprov.go.id",
        "prov",
        ("kabid",),
    ),
    Person(
        "maya",
        "Maya Lestari, S.IP",
        "198110252006042008",
        "maya@dp3acskb.babelprov.go.id",
        "prov",
        ("kasi",),
    ),
    Person(
        "agus",
        "Agus Salim, S.E",
        "197903302005011006",
        "agus@dp3acskb.babelprov.go.id",
        "prov",
        ("kasubag-umum",),
    ),
    Person(
        "dedi",
        "Dedi Kurniawan",
        "199001122015031001",
        "dedi@dp3acskb.babelprov.go.id",
        "prov",
        ("pelaksana",),
    ),
    Person(
        "fitri",
        "Fitri Handayani, A.Md",
        "199206172019032012",
        "fitri@dp3acskb.babelprov.go.id",
        "prov",
        ("pelaksana",),
    ),
    Person(
        "bambang",
        "Bambang Sutrisno, S.H",
        "197611142003121003",
        "bambang@bapeng.babelprov.go.id",
        "bapeng",
        ("bapeng",),
    ),
    Person(
        "kadis-1901",
        "Drs. Syahrial, M.Si",
        "196908081995031002",
        "kadis@dukcapil.bangka.go.id",
        "19.01",
        ("kadis-kabkota",),
    ),
    Person(
        "kadis-1902",
        "Hj. Nurhayati, S.H",
        "197004211997032005",
        "kadis@dukcapil.belitung.go.id",
        "19.02",
        ("kadis-kabkota",),
    ),
    Person(
        "kadis-1903",
        "Ahmad Fauzi, S.STP, M.Si",
        "197812032000121002",
        "kadis@dukcapil.bangkaselatankab.go.id",
        "19.03",
        ("kadis-kabkota",),
    ),
    Person(
        "kadis-1904",
        "Eko Prasetyo, S.Sos",
        "197305191998031007",
        "kadis@dukcapil.bangkatengahkab.go.id",
        "19.04",
        ("kadis-kabkota",),
    ),
    Person(
        "kadis-1905",
        "Dra. Rosmala Dewi",
        "196812301993032001",
        "kadis@dukcapil.bangkabaratkab.go.id",
        "19.05",
        ("kadis-kabkota",),
    ),
    Person(
        "kadis-1906",
        "Firmansyah, S.IP, M.AP",
        "198002142002121001",
        "kadis@dukcapil.belitungtimurkab.go.id",
        "19.06",
        ("kadis-kabkota",),
    ),
    Person(
        "kadis-1971",
        "Irwan Gustaf, S.T, M.T",
        "197609091999031009",
        "kadis@dukcapil.pangkalpinangkota.go.id",
        "19.71",
        ("kadis-kabkota",),
    ),
]

# Made-up mobile numbers for the hand-off links (people.toml `whatsapp`).
WHATSAPP = {
    "yusuf": "6281271100101",
    "hendra": "6281271100102",
    "sri": "6281271100103",
    "rudi": "6281271100104",
    "maya": "6281271100105",
    "agus": "6281271100106",
    "dedi": "6281271100107",
    "fitri": "6281271100108",
    "bambang": "6281311100109",
    "kadis-1901": "6281271100111",
    "kadis-1902": "6281271100112",
    "kadis-1903": "6281271100113",
    "kadis-1904": "6281271100114",
    "kadis-1905": "6281271100115",
    "kadis-1906": "6281271100116",
    "kadis-1971": "6281271100117",
}
PEOPLE = [replace(p, whatsapp=WHATSAPP.get(p.id, "")) for p in PEOPLE]

# The ledger's [letters] templates: classification codes as the office might set them.
LETTER_TEMPLATES = {
    "surat_ditjen": "400.12.3.2/{seq}/DP3ACSKB/{year}",
    "surat_bapeng": "000.1.2.3/{seq}/DP3ACSKB/{year}",
    "bast": "400.12.3.2/{seq}/BAST/DP3ACSKB/{month}/{year}",
}
PERNYATAAN = {
    "19.01": "470/{seq}/DUKCAPIL-BANGKA/{year}",
    "19.02": "470/{seq}/DUKCAPIL-BELITUNG/{year}",
    "19.03": "470/{seq}/DUKCAPIL-BASEL/{year}",
    "19.04": "470/{seq}/DUKCAPIL-BATENG/{year}",
    "19.05": "470/{seq}/DUKCAPIL-BABAR/{year}",
    "19.06": "470/{seq}/DUKCAPIL-BELTIM/{year}",
    "19.71": "470/{seq}/DUKCAPIL-PKP/{year}",
}
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


class _Register:
    """The Dinas's outgoing-letter register (buku agenda), simulated: it numbers every letter the
    Dinas sends, so between two letters of this ledger other letters take numbers too."""

    def __init__(self, start: int) -> None:
        self.seq = start

    def take(self, rng: random.Random) -> int:
        self.seq += rng.randint(2, 17)
        return self.seq


_REGISTER = {"dinas": _Register(1180), "bast": _Register(40), "kabkota": _Register(300)}


def _number(kind: str, at: datetime, rng: random.Random, code: str | None = None) -> str:
    register = {"bast": "bast", "pernyataan": "kabkota"}.get(kind, "dinas")
    template = PERNYATAAN[code] if kind == "pernyataan" and code else LETTER_TEMPLATES[kind]
    return template.format(
        seq=_REGISTER[register].take(rng), year=at.year, month=ROMAN[at.month - 1]
    )


def _demo_settings(closed: date) -> str:
    """ledger.toml of the demo: format 2, a local closure day, the letter templates."""
    text = default_settings_text(signatures_required=True).replace("format = 1", "format = 2", 1)
    lines = [
        "",
        "[[calendar.closed]]",
        f"from = {closed.isoformat()}",
        'name = "Libur daerah (contoh demo)"',
        "",
        "[letters]",
        *(f'{kind} = "{template}"' for kind, template in LETTER_TEMPLATES.items()),
        "",
        "[letters.pernyataan]",
        *(f'"{code}" = "{template}"' for code, template in PERNYATAAN.items()),
    ]
    return text.rstrip("\n") + "\n" + "\n".join(lines) + "\n"


# Who does each role in the demo.
ACTOR = {
    "kasi": "maya",
    "kabid": "rudi",
    "sekretaris": "sri",
    "kadis": "hendra",
    "kasubag-umum": "agus",
    "pelaksana": "dedi",
    "bapeng": "bambang",
}

STOCK_LEFT = {
    "19.01": 150,
    "19.02": 90,
    "19.03": 60,
    "19.04": 120,
    "19.05": 75,
    "19.06": 40,
    "19.71": 210,
}
REQUESTED = {
    "19.01": 3000,
    "19.02": 2000,
    "19.03": 1500,
    "19.04": 1800,
    "19.05": 1600,
    "19.06": 1000,
    "19.71": 2500,
}


@dataclass(order=True)
class _Planned:
    at: datetime
    order: int
    scenario: str = field(compare=False)
    make: Callable[[Ledger, RequestState | None, datetime], tuple[str, Event]] = field(
        compare=False
    )


def _kadis_kab(code: str) -> str:
    return "kadis-" + code.replace(".", "")


def _letter_of(code: str, at: datetime, n: int) -> str:
    return f"470/{n:03d}/Dukcapil-{code}/{at.year}"


class _Scenario:
    """One request's planned operations with their times."""

    def __init__(self, name: str, start: datetime, rng: random.Random) -> None:
        self.name = name
        self.t = start
        self.rng = rng
        self.plan: list[
            tuple[datetime, Callable[[Ledger, RequestState | None, datetime], tuple[str, Event]]]
        ] = []

    def wait(self, minutes: float) -> None:
        self.t += timedelta(minutes=minutes)

    def took(self, standard: int, clock_kind: str = WORKING) -> None:
        """Time spent on a step: between 40% and 95% of its standard minutes of office time
        (the plan is later laid out in office hours, see `_OfficeTime`); a calendar-time step
        (air freight) half of that in wall-clock time, so a weekend on the way keeps it on time."""
        share = 1 / _OFFICE_SHARE if clock_kind == WORKING else 0.5
        self.wait(max(1, standard * self.rng.uniform(0.4, 0.95) * share))

    def add(
        self, make: Callable[[Ledger, RequestState | None, datetime], tuple[str, Event]]
    ) -> None:
        self.plan.append((self.t, make))

    def ending_at(self, last: datetime) -> _Scenario:
        """Shift the whole plan so its last operation happens at `last`."""
        shift = last - self.plan[-1][0]
        self.plan = [(at + shift, make) for at, make in self.plan]
        return self


def _permohonan(sc: _Scenario, code: str, *, first: bool, proxy: bool = False) -> None:
    def make(led: Ledger, st: RequestState | None, at: datetime) -> tuple[str, Event]:
        data = {
            "kabkota": code,
            "letter_number": _letter_of(code, at, sc.rng.randint(10, 400)),
            "letter_date": (at - timedelta(days=2)).date(),
            "blanks_requested": REQUESTED[code],
            "stock_left": STOCK_LEFT[code],
        }
        by, ob = _kadis_kab(code), None
        if proxy:
            by = ACTOR["pelaksana"]
            ob = OnBehalf(
                f"Kepala Dinas Dukcapil {code}",
                "Surat diterima dalam bentuk kertas",
                f"Agenda surat masuk No. {sc.rng.randint(100, 999)}/{at.year}",
            )
        return (
            "create" if first else "permohonan",
            Event(
                "create" if first else "permohonan", 0, at, by, "kadis-kabkota", data, on_behalf=ob
            ),
        )

    sc.add(make)


def _step_data(
    led: Ledger, st: RequestState, no: int, at: datetime, rng: random.Random
) -> dict[str, Any]:
    """Plausible values for the fields of step `no`, chosen by field name (what the field
    records), so a revised SOP that renumbers its steps gets the same data."""
    out: dict[str, Any] = {}
    for f in led.policy().for_sop(st.sop_id).sop.step(no).fields:
        make = _FIELD_VALUES.get(f.name)
        if make is not None:
            out[f.name] = make(led, st, at, rng, out)
    return out


def _shares_of_received(st: RequestState) -> dict[str, int]:
    good, req = st.received_good or 0, st.requested
    total = sum(req.values())
    return {code: good * n // total for code, n in req.items()}


def _schedule(st: RequestState, at: datetime) -> dict[str, dict[str, Any]]:
    owed = sorted(c for c, n in st.shares.items() if n > 0)
    return {
        code: {
            "date": (at + timedelta(days=1 + i)).date(),
            "mode": "antar" if code in ("19.02", "19.06") else "ambil",
        }
        for i, code in enumerate(owed)
    }


_MINUTES_SUMMARY = "Stok blanko di Kab/Kota menipis; disepakati mengajukan fasilitasi pengambilan ke Ditjen Dukcapil."
_FieldValue = Callable[[Ledger, RequestState, datetime, random.Random, dict[str, Any]], Any]
# Field name -> its demo value. A step's fields are filled in the SOP's order, so the random
# draws (airway bill, damaged pieces) come in the same order as the steps.
_FIELD_VALUES: dict[str, _FieldValue] = {
    "meeting_date": lambda led, st, at, rng, out: at.date(),
    "minutes_summary": lambda led, st, at, rng, out: _MINUTES_SUMMARY,
    "subject": lambda led, st, at, rng, out: "Permohonan Fasilitasi Pengambilan Blanko KTP-el",
    "blanks_asked": lambda led, st, at, rng, out: sum(st.requested.values()),
    "letter_number": lambda led, st, at, rng, out: _number("surat_ditjen", at, rng),
    "letter_date": lambda led, st, at, rng, out: at.date(),
    "recipient": lambda led, st, at, rng, out: "PJ Korwil Babel, Ditjen Dukcapil Kemendagri",
    "sent_at": lambda led, st, at, rng, out: at,
    "cover_letter_number": lambda led, st, at, rng, out: _number("surat_bapeng", at, rng),
    "blanks_shipped": lambda led, st, at, rng, out: st.quantity("blanks_asked"),
    "carrier": lambda led, st, at, rng, out: "Garuda Indonesia Cargo",
    "airway_bill": lambda led, st, at, rng, out: f"126-{rng.randint(10000000, 99999999)}",
    "ship_date": lambda led, st, at, rng, out: (at - timedelta(days=1)).date(),
    "pickup_date": lambda led, st, at, rng, out: at.date(),
    "parcels": lambda led, st, at, rng, out: max(1, st.quantity("blanks_shipped") // 500),
    "airway_bill_matches": lambda led, st, at, rng, out: True,
    "received_good": lambda led, st, at, rng, out: (
        st.quantity("blanks_shipped") - rng.choice([0, 0, 5, 12])
    ),
    "damaged_missing": lambda led, st, at, rng, out: (
        st.quantity("blanks_shipped") - out["received_good"]
    ),
    "proposed_shares": lambda led, st, at, rng, out: _shares_of_received(st),
    "shares": lambda led, st, at, rng, out: dict(st.quantity("proposed_shares")),
    "schedule": lambda led, st, at, rng, out: _schedule(st, at),
}


def _steps(sc: _Scenario, first: int, last: int, *, returns: dict[int, str] | None = None) -> None:
    from .sop import load_builtin

    sop = load_builtin()
    returns = dict(returns or {})
    no = first
    while no <= last:
        step = sop.step(no)
        sc.took(step.due_minutes if step.minutes_max is None else step.minutes * 4, step.clock)
        role = step.role
        if no in returns:
            note = returns.pop(no)

            def make_return(led, st, at, no=no, role=role, note=note):
                return "return", Event("return", no, at, ACTOR[role], role, {}, note=note)

            sc.add(make_return)
            no = step.return_to
            continue

        def make(led, st, at, no=no, role=role):
            return "advance", Event(
                "advance", no, at, ACTOR[role], role, _step_data(led, st, no, at, sc.rng)
            )

        sc.add(make)
        no += 1


def _distribution(
    sc: _Scenario,
    codes: list[str],
    *,
    confirm: set[str],
    proxy_receipt: frozenset[str] = frozenset(),
    split: frozenset[str] = frozenset(),
    short: dict[str, int] | None = None,
) -> None:
    """Handovers per Kab/Kota (two for a code in `split`: 60% of the share, then the rest), each
    confirmed by its receipt for codes in `confirm`; `short[code]` pieces missing on arrival."""
    short = dict(short or {})
    for code in codes:
        parts = 2 if code in split else 1
        for part in range(parts):
            sc.wait(sc.rng.uniform(120, 900))

            def handover(led, st, at, code=code, part=part, parts=parts):
                share = st.shares[code]
                first = share * 3 // 5 if parts == 2 else share
                data = {
                    "kabkota": code,
                    "blanks": first if part == 0 else share - first,
                    "bast_number": _number("bast", at, sc.rng),
                    "hibah_statement": _number("pernyataan", at, sc.rng, code),
                    "handover_date": at.date(),
                    "mode": st.quantity("schedule")[code]["mode"],
                }
                return "handover", Event("handover", 19, at, ACTOR["pelaksana"], "pelaksana", data)

            sc.add(handover)
            if code not in confirm:
                continue
            sc.wait(sc.rng.uniform(30, 180))
            lost = short.pop(code, 0) if part == parts - 1 else 0

            def receipt(led, st, at, code=code, lost=lost):
                delivery = st.open_deliveries(code)[-1]
                data: dict[str, Any] = {
                    "kabkota": code,
                    "bast_number": delivery.bast,
                    "blanks_received": delivery.blanks - lost,
                    "received_date": at.date(),
                }
                if lost:
                    data["blanks_missing"] = lost
                    data["receipt_note"] = (
                        f"Dihitung saat tiba: kurang {lost} keping dari BAST; satu bungkus "
                        "tidak ada di kardus. Dilaporkan ke Kasubag Umum."
                    )
                if code in proxy_receipt:
                    ob = OnBehalf(
                        f"Kepala Dinas Dukcapil {code}",
                        "Kab/Kota belum memiliki akun; BAST ditandatangani di kertas",
                        f"BAST {delivery.bast} (pindaian)",
                    )
                    return "receipt", Event(
                        "receipt", 19, at, ACTOR["pelaksana"], "kadis-kabkota", data, on_behalf=ob
                    )
                return "receipt", Event("receipt", 19, at, _kadis_kab(code), "kadis-kabkota", data)

            sc.add(receipt)


def _scenarios(now: datetime, rng: random.Random) -> list[_Scenario]:
    day = timedelta(days=1)
    out = []

    # 1. Complete through step 19, every Kab/Kota receipt confirmed (one on behalf, on paper);
    #    Kab. Bangka gets its share in two handovers, Kab. Belitung counts 10 pieces short.
    sc = _Scenario("selesai", now - 24 * day, rng)
    _permohonan(sc, "19.01", first=True)
    sc.wait(40)  # the meeting's clock runs from the first letter (office time, see _OfficeTime)
    _permohonan(sc, "19.02", first=False)
    sc.wait(20)
    _permohonan(sc, "19.04", first=False, proxy=True)
    _steps(sc, 1, 18)
    _distribution(
        sc,
        ["19.01", "19.02", "19.04"],
        confirm={"19.01", "19.02", "19.04"},
        proxy_receipt=frozenset({"19.04"}),
        split=frozenset({"19.01"}),
        short={"19.02": 10},
    )
    out.append(sc.ending_at(now - 6 * day))

    # 2. Returned once for revision at step 5, then redone; now at step 13 (air shipment), on time.
    sc = _Scenario("dikembalikan", now - 2 * day + timedelta(hours=1), rng)
    _permohonan(sc, "19.03", first=True)
    sc.wait(45)
    _permohonan(sc, "19.05", first=False)
    _steps(
        sc,
        1,
        12,
        returns={5: "Jumlah blanko pada surat belum sesuai notulen rapat; mohon diketik ulang."},
    )
    out.append(sc.ending_at(now - timedelta(hours=20)))

    # 3. Overdue: the letter has waited on the Kepala Dinas's signature for over a day.
    sc = _Scenario("terlambat", now - 2 * day - timedelta(hours=6), rng)
    _permohonan(sc, "19.06", first=True)
    sc.wait(30)
    _permohonan(sc, "19.02", first=False)
    _steps(sc, 1, 7)
    out.append(sc.ending_at(now - timedelta(hours=26)))

    # 4. In distribution: one Kab/Kota confirmed, one handed over awaiting confirmation, one to go.
    sc = _Scenario("distribusi", now - 9 * day, rng)
    _permohonan(sc, "19.71", first=True)
    sc.wait(60)
    _permohonan(sc, "19.05", first=False)
    sc.wait(60)
    _permohonan(sc, "19.03", first=False)
    _steps(sc, 1, 18)
    _distribution(sc, ["19.71", "19.05"], confirm={"19.71"})
    out.append(sc.ending_at(now - timedelta(hours=5)))

    # 5. At the Kabid's review of the draft, just now.
    sc = _Scenario("konsep", now - timedelta(minutes=200), rng)
    _permohonan(sc, "19.04", first=True)
    _steps(sc, 1, 2)
    out.append(sc.ending_at(now - timedelta(minutes=4)))

    # 6. Just received from a Kab/Kota: waiting for the monitoring meeting.
    sc = _Scenario("baru", now - timedelta(minutes=12), rng)
    _permohonan(sc, "19.01", first=True)
    out.append(sc.ending_at(now - timedelta(minutes=12)))
    return out


# Office minutes in a Monday-Thursday working day (07:30-16:00 less the break, Perpres 21/2023).
_OFFICE_DAY = 450
# The scenarios are written in wall-clock minutes before `now`; the demo lays them out in office
# time instead, so a day of the scenario becomes this share of a day of office hours.
_OFFICE_SHARE = _OFFICE_DAY / 1440


class _OfficeTime:
    """Moments counted back from `now` in office minutes on one calendar."""

    def __init__(self, calendar: WorkCalendar, now: datetime) -> None:
        self.calendar = calendar
        self.base = now - timedelta(days=400)
        self.total = calendar.elapsed(self.base, now, WORKING)  # office minutes up to now

    def back(self, minutes: float) -> datetime:
        """The office moment `minutes` of office time before now (the last office minute)."""
        return self.calendar.due(self.base, max(1, round(self.total - minutes)), WORKING)

    def minutes_before(self, at: datetime) -> int:
        return self.total - self.calendar.elapsed(self.base, at, WORKING)

    def plan(self, plan: list, now: datetime) -> list:
        """A scenario's plan moved into office hours, order kept (one minute apart at least)."""
        out: list = []
        for at, make in plan:
            moved = self.back((now - at).total_seconds() / 60 * _OFFICE_SHARE)
            if out and moved <= out[-1][0]:
                moved = self.calendar.due(out[-1][0], 1, WORKING)
            out.append((moved, make))
        return out


def _closure_day(office: _OfficeTime, sc: _Scenario, now: datetime) -> date:
    """The first working day after the scenario's first letter: the demo's local closure, so
    one request's timeline crosses a day the office was shut."""
    day = office.plan(sc.plan, now)[0][0].date() + timedelta(days=1)
    while not office.calendar.day(day).hours:
        day += timedelta(days=1)
    return day


def demo_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("ktpel")) / "demo"


def is_demo(path: Path) -> bool:
    return (path / ".git" / "ktpel" / DEMO_MARKER).exists()


def with_demo_keys(people: list[Person], added: date) -> list[Person]:
    """The people with their ed25519 keys on this machine (made once, then reused) registered."""
    from .keys import create_key

    out = []
    for person in people:
        _, line, _ = create_key(person.id)
        out.append(replace(person, keys=(Key(line, added=added.isoformat()),)))
    return out


def build_demo(
    path: str | Path | None = None,
    *,
    now: datetime | None = None,
    seed: int = 2020,
    on_ledger: Callable[[Ledger], None] | None = None,
    layout: str = "flat",
) -> Ledger:
    """(Re)build the demo ledger at `path`. Refuses to touch a folder that is not a demo.

    The demo is built beside `path` and moved into place only when complete: a failure leaves
    no folder behind (or the previous demo untouched).
    """
    root = Path(path).expanduser().resolve() if path else demo_path()
    if root.exists() and (not root.is_dir() or (any(root.iterdir()) and not is_demo(root))):
        raise fail("ledger-exists", path=str(root))
    check_tools(signing=True)
    with built_in_place(root, replace_existing=True) as tmp:
        _build_demo_into(tmp, now=now, seed=seed, on_ledger=on_ledger, layout=layout).close()
    return Ledger(root)


def _build_demo_into(
    root: Path,
    *,
    now: datetime | None,
    seed: int,
    on_ledger: Callable[[Ledger], None] | None,
    layout: str = "flat",
) -> Ledger:
    now = clock.to_wib(now or clock.now())
    rng = random.Random(seed)
    for name, start in (("dinas", 1180), ("bast", 40), ("kabkota", 300)):
        _REGISTER[name] = _Register(start)  # the same numbers on every build
    scenarios = _scenarios(now, rng)
    closed = _closure_day(_OfficeTime(parse_calendar(None), now), scenarios[0], now)
    settings_text = _demo_settings(closed)
    if layout != "flat":  # the same demo, its request files sharded (docs/FORMAT.md "Layouts")
        from .kernel import migrated_settings

        settings_text = migrated_settings(settings_text, layout)
    office = _OfficeTime(parse_calendar({"closed": [{"from": closed, "name": "demo"}]}), now)
    for sc in scenarios:
        sc.plan = office.plan(sc.plan, now)
    earliest = min(sc.plan[0][0] for sc in scenarios)
    created = office.back(office.minutes_before(earliest) + 3 * _OFFICE_DAY)
    people = with_demo_keys(PEOPLE, created.date())
    ledger = create_ledger(
        root,
        people[0],
        people=people[1:],
        settings_text=settings_text,
        at=created,
    )
    (ledger.state_dir / DEMO_MARKER).write_text("ledger demo ktpel; boleh dibangun ulang\n")
    if on_ledger is not None:
        on_ledger(ledger)
    queue: list[_Planned] = []
    order = 0
    for sc in scenarios:
        for at, make in sc.plan:
            order += 1
            heapq.heappush(queue, _Planned(at, order, sc.name, make))
    ids: dict[str, str] = {}
    states: dict[str, RequestState] = {}
    while queue:
        item = heapq.heappop(queue)
        state = states.get(item.scenario)
        _, event = item.make(ledger, state, item.at)
        recorded = _record_with_evidence(ledger, ids.get(item.scenario), event)
        ids[item.scenario] = recorded.request.id
        states[item.scenario] = recorded.request
    return ledger


# --- evidence (issue 11): small generated scans attached where the SOP produces them ----------

DEMO_EVIDENCE_REQUEST = "2026-0001"  # the first handover of the first (finished) request


def _record_with_evidence(ledger: Ledger, request_id: str | None, event: Event):
    """Record `event`; the first handover of 2026-0001 carries the signed BAST's scan (a PDF)
    and a photo of the handover (a JPEG), as an office would attach them."""
    evidence: dict[str, bytes] = {}
    first_handover = (
        event.action == "handover"
        and request_id == DEMO_EVIDENCE_REQUEST
        and not any(e.action == "handover" for e in ledger.read_request(request_id).events)
    )
    if first_handover:
        from dataclasses import replace

        from .evidence import attachment_for, tiny_jpeg, tiny_pdf

        files = (
            ("bast-signed", f"BAST {event.data['kabkota']} ditandatangani.pdf", tiny_pdf(
                f"{event.data['bast_number']} - serah terima {event.data['blanks']} keping blanko KTP-el,"
                " ditandatangani kedua pihak"
            )),
            ("foto", "foto serah terima.jpg", tiny_jpeg(f"SERAH TERIMA {event.data['kabkota']}")),
        )  # fmt: skip
        attachments = tuple(attachment_for(data, name, kind) for kind, name, data in files)
        evidence = {a.sha256: data for a, (_, _, data) in zip(attachments, files, strict=True)}
        event = replace(event, attachments=attachments)
    return ledger.record(request_id, event, evidence=evidence)
