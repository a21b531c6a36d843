"""Numbers and dates in Indonesian words, as letters write them (terbilang, hari, bulan).

The project's own small functions, so a document never depends on a third party's spelling;
tests hold them against num2words `id` from 0 to 100,000 and on large numbers.
"""

from __future__ import annotations

from datetime import date

_UNITS = (
    "nol",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
    "sepuluh",
    "sebelas",
)
# Short scale, each a thousand times the one before (Indonesian official spelling: "miliar").
_SCALES = (
    "",
    "ribu",
    "juta",
    "miliar",
    "triliun",
    "kuadriliun",
    "kuintiliun",
    "sekstiliun",
    "septiliun",
    "oktiliun",
    "noniliun",
    "desiliun",
)

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def _below_thousand(n: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds == 1:
        words.append("seratus")
    elif hundreds:
        words += [_UNITS[hundreds], "ratus"]
    if rest < 12:
        if rest:
            words.append(_UNITS[rest])
    elif rest < 20:
        words += [_UNITS[rest - 10], "belas"]
    else:
        tens, ones = divmod(rest, 10)
        words += [_UNITS[tens], "puluh"]
        if ones:
            words.append(_UNITS[ones])
    return words


def terbilang(n: int) -> str:
    """A whole number in Indonesian words: 2994 -> 'dua ribu sembilan ratus sembilan puluh empat'."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"terbilang needs an int, not {type(n).__name__}")
    if n < 0:
        return "minus " + terbilang(-n)
    if n == 0:
        return _UNITS[0]
    groups: list[int] = []
    while n:
        n, group = divmod(n, 1000)
        groups.append(group)
    if len(groups) > len(_SCALES):
        raise ValueError("number too large to spell")
    words: list[str] = []
    for power in range(len(groups) - 1, -1, -1):
        group = groups[power]
        if not group:
            continue
        if power == 1 and group == 1:
            words.append("seribu")  # "seribu", but "satu juta", "satu miliar"
            continue
        words += _below_thousand(group)
        if _SCALES[power]:
            words.append(_SCALES[power])
    return " ".join(words)


def figures(n: int) -> str:
    """A count as letters write it in figures, with dots between thousands: 2994 -> '2.994'."""
    return f"{n:,}".replace(",", ".")


def count_text(n: int, unit: str = "keping") -> str:
    """'2.994 (dua ribu sembilan ratus sembilan puluh empat) keping'."""
    return f"{figures(n)} ({terbilang(n)}) {unit}".rstrip()


def day_name(day: date) -> str:
    return DAYS[day.weekday()]


def month_name(month: int) -> str:
    return MONTHS[month - 1]


def tanggal(day: date) -> str:
    """A date as a letter's place-and-date line writes it: '1 Desember 2026'."""
    return f"{day.day} {month_name(day.month)} {day.year}"


def tanggal_hari(day: date) -> str:
    """'Selasa, 1 Desember 2026'."""
    return f"{day_name(day)}, {tanggal(day)}"


def tanggal_words(day: date) -> str:
    """A BAST's opening date in words: 'Selasa tanggal satu bulan Desember tahun dua ribu dua
    puluh enam'."""
    return (
        f"{day_name(day)} tanggal {terbilang(day.day)} bulan {month_name(day.month)} "
        f"tahun {terbilang(day.year)}"
    )
