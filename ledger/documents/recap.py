"""The Excel recap (`ktpel recap`): per period and Kab/Kota, per step, one row per request.

Made with XlsxWriter. Totals are formulas stored together with their computed values, so any
viewer (Excel, LibreOffice, a phone's preview, openpyxl) shows numbers. Each sheet names the
ledger commit it was made from. A request belongs to the period (month) of its first letter.
"""

from __future__ import annotations

import io
import statistics
from dataclasses import dataclass
from datetime import datetime

from .. import clock
from ..report import quantities, timeline
from ..request import RequestState
from .words import MONTHS


@dataclass(frozen=True, slots=True)
class Recap:
    data: bytes
    commit: str
    requests: int


@dataclass(frozen=True, slots=True)
class _Row:
    state: RequestState
    created: datetime
    kabkota: tuple[str, ...]
    requested: int
    asked: int
    shipped: int
    good: int
    damaged: int
    shares: int
    handed: int
    confirmed: int


def _row(state: RequestState, policy) -> _Row:
    q = quantities(state, policy)
    return _Row(
        state,
        state.events[0].at,
        state.kabkota,
        q.requested,
        q.asked or 0,
        q.shipped or 0,
        q.received_good or 0,
        q.damaged_missing or 0,
        q.shares or 0,
        q.handed_over,
        q.confirmed,
    )


def _col(n: int) -> str:
    name = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        name = chr(65 + rem) + name
    return name


def build_recap(ledger, year: int | None = None, month: int | None = None) -> Recap:
    """The recap workbook as bytes, from the ledger at HEAD (optionally one year or month)."""
    import xlsxwriter

    head = ledger.head()
    policy = ledger.policy(head)
    sop = policy.sop
    now = clock.now()
    rows: list[_Row] = []
    opening = 0  # province stock from requests before the chosen period
    for summary in ledger.list_requests():
        if summary.broken:
            continue
        state = ledger.read_request(summary.id, head)
        if not state.events:
            continue
        row = _row(state, policy)
        key = (row.created.year, row.created.month)
        if year is not None and not (key[0] == year and month in (None, key[1])):
            if key < (year, month or 1):
                opening += row.good - row.handed
            continue
        rows.append(row)
    rows.sort(key=lambda r: (r.created, r.state.id))

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    bold = book.add_format({"bold": True})
    head_fmt = book.add_format(
        {"bold": True, "bg_color": "#DDE7F0", "border": 1, "text_wrap": True, "valign": "top"}
    )
    num = book.add_format({"num_format": "#,##0"})
    total_fmt = book.add_format({"bold": True, "num_format": "#,##0", "top": 1})
    date_fmt = book.add_format({"num_format": "dd-mm-yyyy"})
    title = f"Rekap Blanko KTP-el · {policy.settings.name}"
    scope = "semua periode"
    if year is not None:
        scope = f"{MONTHS[month - 1]} {year}" if month else f"tahun {year}"
    made = f"Dibuat dari ledger commit {head} pada {now:%Y-%m-%d %H:%M} WIB · {scope}"

    def sheet(name: str, headings: list[str], widths: list[int]):
        ws = book.add_worksheet(name)
        ws.write(0, 0, title, bold)
        ws.write(1, 0, made)
        for i, (h, w) in enumerate(zip(headings, widths, strict=True)):
            ws.write(3, i, h, head_fmt)
            ws.set_column(i, i, w)
        ws.freeze_panes(4, 0)
        return ws

    def totals(ws, row: int, first: int, last: int, cols: range, values: list[int]) -> None:
        ws.write(row, 0, "Jumlah", total_fmt)
        for c, value in zip(cols, values, strict=True):
            letter = _col(c)
            ws.write_formula(
                row, c, f"=SUM({letter}{first + 1}:{letter}{last + 1})", total_fmt, value
            )

    # --- per period ------------------------------------------------------------------------
    figures = [
        "Permohonan",
        "Diminta (keping)",
        "Dimohonkan ke Ditjen",
        "Dikirim Badan Penghubung",
        "Diterima baik",
        "Rusak/kurang",
        "Porsi",
        "Diserahkan",
        "Dikonfirmasi",
    ]
    ws = sheet(
        "Per periode",
        ["Tahun", "Bulan", *figures, "Stok provinsi akhir periode"],
        [8, 12] + [13] * len(figures) + [16],
    )
    periods: dict[tuple[int, int], list[int]] = {}
    for r in rows:
        acc = periods.setdefault((r.created.year, r.created.month), [0] * 9)
        for i, v in enumerate(
            (1, r.requested, r.asked, r.shipped, r.good, r.damaged, r.shares, r.handed, r.confirmed)
        ):
            acc[i] += v
    line = 4
    ws.write(line, 0, "Saldo awal")
    ws.write_number(line, 11, opening, num)
    stock = opening
    for (y, m), acc in sorted(periods.items()):
        line += 1
        ws.write_number(line, 0, y)
        ws.write(line, 1, MONTHS[m - 1])
        for i, v in enumerate(acc):
            ws.write_number(line, 2 + i, v, num)
        stock += acc[4] - acc[7]
        # Stock at the period's end: the previous line's stock + received good - handed over.
        ws.write_formula(line, 11, f"=L{line}+G{line + 1}-J{line + 1}", num, stock)
    sums = [sum(acc[i] for acc in periods.values()) for i in range(9)]
    totals(ws, line + 1, 5, line, range(2, 11), sums)

    # --- per Kab/Kota ------------------------------------------------------------------------
    ws = sheet(
        "Per Kab-Kota",
        [
            "Tahun",
            "Bulan",
            "Kode",
            "Kab/Kota",
            "Diminta",
            "Porsi",
            "Diserahkan",
            "Dikonfirmasi",
            "Sisa stok menurut surat",
        ],
        [8, 12, 8, 22, 12, 12, 12, 12, 14],
    )
    per_kab: dict[tuple[int, int, str], list[int]] = {}
    stock_left: dict[tuple[int, int, str], int] = {}
    for r in rows:
        q = quantities(r.state, policy)
        for k in q.rows:
            key = (r.created.year, r.created.month, k.code)
            acc = per_kab.setdefault(key, [0, 0, 0, 0])
            for i, v in enumerate((k.requested, k.share, k.handed_over, k.confirmed)):
                acc[i] += v
            if k.stock_left is not None:
                stock_left[key] = int(k.stock_left)
    line = 3
    for (y, m, code), acc in sorted(per_kab.items()):
        line += 1
        ws.write_number(line, 0, y)
        ws.write(line, 1, MONTHS[m - 1])
        ws.write(line, 2, code)
        ws.write(line, 3, policy.settings.office_name(code))
        for i, v in enumerate(acc):
            ws.write_number(line, 4 + i, v, num)
        if (y, m, code) in stock_left:
            ws.write_number(line, 8, stock_left[(y, m, code)], num)
    totals(
        ws, line + 1, 4, line, range(4, 8), [sum(a[i] for a in per_kab.values()) for i in range(4)]
    )

    # --- per step ------------------------------------------------------------------------------
    ws = sheet(
        "Per langkah",
        [
            "No",
            "Langkah",
            "Standar (menit)",
            "Selesai",
            "Median (menit)",
            "Terlama (menit)",
            "Selesai terlambat",
            "Terlambat sekarang",
        ],
        [5, 36, 12, 10, 12, 12, 12, 12],
    )
    done: dict[int, list[int]] = {}
    late: dict[int, int] = {}
    overdue: dict[int, int] = {}
    for r in rows:
        timeline_rows, _ = timeline(r.state, policy, now)
        for t in timeline_rows:
            if t.status == "selesai" and t.minutes is not None:
                done.setdefault(t.step, []).append(t.minutes)
                late[t.step] = late.get(t.step, 0) + int(t.late)
            elif t.status == "sekarang" and t.late:
                overdue[t.step] = overdue.get(t.step, 0) + 1
    line = 3
    for step in sop.steps[1:]:
        line += 1
        minutes = done.get(step.no, [])
        ws.write_number(line, 0, step.no)
        ws.write(line, 1, step.title)
        ws.write_number(line, 2, step.due_minutes, num)
        ws.write_number(line, 3, len(minutes), num)
        if minutes:
            ws.write_number(line, 4, statistics.median(minutes), num)
            ws.write_number(line, 5, max(minutes), num)
        ws.write_number(line, 6, late.get(step.no, 0), num)
        ws.write_number(line, 7, overdue.get(step.no, 0), num)

    # --- one row per request -----------------------------------------------------------------
    ws = sheet(
        "Permohonan",
        ["ID", "Kab/Kota", "Status", "Langkah", "Dibuat", "Selesai", *figures[1:]],
        [11, 26, 10, 8, 11, 11] + [12] * 8,
    )
    line = 3
    for r in rows:
        line += 1
        st = r.state
        ws.write(line, 0, st.id)
        ws.write(line, 1, ", ".join(r.kabkota))
        ws.write(line, 2, st.status)
        ws.write_number(line, 3, st.step)
        ws.write_datetime(line, 4, r.created.replace(tzinfo=None), date_fmt)
        end = st.completed_at.get(sop.last_step) if st.done else None
        if end is not None:
            ws.write_datetime(line, 5, clock.to_wib(end).replace(tzinfo=None), date_fmt)
        values = (
            r.requested,
            r.asked,
            r.shipped,
            r.good,
            r.damaged,
            r.shares,
            r.handed,
            r.confirmed,
        )
        for i, v in enumerate(values):
            ws.write_number(line, 6 + i, v, num)
    sums = [
        sum(getattr(r, f) for r in rows)
        for f in (
            "requested",
            "asked",
            "shipped",
            "good",
            "damaged",
            "shares",
            "handed",
            "confirmed",
        )
    ]
    totals(ws, line + 1, 4, line, range(6, 14), sums)
    book.close()
    return Recap(buf.getvalue(), head, len(rows))
