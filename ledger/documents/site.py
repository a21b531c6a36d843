"""The inspector's report as a static site (`ktpel audit --html DIR`): no server, no JavaScript.

`index.html`: the verdict, every finding with its commit, the quantity flow per Kab/Kota, the
requests, and two SVG charts drawn here (province stock over time; time per step against the
standard). `permohonan/<id>.html`: one request's 19-step timeline (who, when, actual against
standard), returns, quantities and its findings. Every page names the audited commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path

from .. import clock
from ..report import quantities, timeline
from ..rules import fail
from .findings import FindingRow, read_findings
from .render import write_atomic
from .words import figures, tanggal

CSS = """
body{font-family:Arial,Helvetica,sans-serif;margin:2em auto;max-width:68em;color:#111;
line-height:1.4;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.8em;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #bbb;padding:.25em .45em;text-align:left;vertical-align:top}
th{background:#e8eef4}td.n{text-align:right;font-variant-numeric:tabular-nums}
.verdict{padding:.8em 1em;font-size:1.2em;font-weight:bold;border:2px solid}
.ok{border-color:#1a7f37;background:#e9f7ee}.bad{border-color:#b42318;background:#fdecea}
.error{color:#b42318;font-weight:bold}.warning{color:#8a5a00;font-weight:bold}
.late{color:#b42318;font-weight:bold}code{font-size:.95em}.meta{color:#444}
svg text{font-family:Arial,Helvetica,sans-serif;font-size:11px}
@media print{a{color:inherit;text-decoration:none}}
"""


@dataclass(frozen=True, slots=True)
class Site:
    index: Path
    pages: int


def _page(title: str, body: str, commit: str, back: str = "") -> str:
    nav = f'<p><a href="{back}">← kembali ke ringkasan</a></p>' if back else ""
    return (
        '<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>{nav}"
        f"{body}<hr><p class=meta>Dibuat oleh ktpel dari commit <code>{escape(commit)}</code>."
        "</p></body></html>\n"
    )


def _minutes(m: int | float | None) -> str:
    return "-" if m is None else clock.format_minutes(int(m))


def _when(at: datetime | None) -> str:
    return clock.to_wib(at).strftime("%Y-%m-%d %H:%M") if at else ""


def _findings_table(rows: list[FindingRow], link: bool) -> str:
    if not rows:
        return "<p>Tidak ada temuan.</p>"
    out = [
        "<table><tr><th>Tingkat</th><th>Kode</th><th>Commit</th><th>Permohonan</th>"
        "<th>Temuan</th></tr>"
    ]
    for f in rows:
        label = "GALAT" if f.severity == "error" else "PERINGATAN"
        request = escape(f.request)
        if link and f.request:
            request = f'<a href="permohonan/{escape(f.request)}.html">{request}</a>'
        out.append(
            f'<tr><td class="{escape(f.severity)}">{label}</td><td><code>{escape(f.code)}</code></td>'
            f"<td><code>{escape(f.commit)}</code></td><td>{request}</td>"
            f"<td>{escape(f.message)}</td></tr>"
        )
    out.append("</table>")
    return "".join(out)


def stock_points(states, policy) -> list[tuple[datetime, int]]:
    """The province's stock after each change: + received good, - each handover.

    The step that records the received count is the one whose field declares the quantity
    `received_good` in the request's own SOP revision, so a renumbered SOP still counts right.
    """
    changes: list[tuple[datetime, int]] = []
    for state in states:
        sop = policy.for_sop(state.sop_id).sop
        for ev in state.events:
            received = (
                sop.step(ev.step).field_for("received_good")
                if ev.action == "advance" and sop.has_step(ev.step)
                else None
            )
            if received is not None:
                changes.append((ev.at, int(ev.data.get(received.name, 0))))
            elif ev.action == "handover":
                changes.append((ev.at, -int(ev.data.get("blanks", 0))))
    changes.sort(key=lambda c: c[0])
    points, stock = [], 0
    for at, delta in changes:
        stock += delta
        points.append((at, stock))
    return points


def stock_chart(points: list[tuple[datetime, int]], width: int = 720, height: int = 240) -> str:
    """A step line of the province's stock over time, as inline SVG."""
    if not points:
        return "<p>Belum ada blanko yang diterima.</p>"
    left, right, top, bottom = 70, 20, 15, 35
    t0, t1 = points[0][0].timestamp(), points[-1][0].timestamp()
    span = max(t1 - t0, 1.0)
    peak = max(max(p[1] for p in points), 1)

    def x(at: datetime) -> float:
        return left + (at.timestamp() - t0) / span * (width - left - right)

    def y(v: int) -> float:
        return top + (1 - v / peak) * (height - top - bottom)

    path = [f"M{x(points[0][0]):.1f},{y(0):.1f}"]
    for at, v in points:
        path.append(f"H{x(at):.1f}V{y(v):.1f}")
    path.append(f"H{width - right}")
    grid = "".join(
        f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>'
        f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{figures(v)}</text>'
        for v in (0, peak // 2, peak)
    )
    labels = (
        f'<text x="{left}" y="{height - 12}">{escape(_when(points[0][0]))}</text>'
        f'<text x="{width - right}" y="{height - 12}" text-anchor="end">'
        f"{escape(_when(points[-1][0]))}</text>"
    )
    return (
        f'<svg role="img" aria-label="Stok blanko di provinsi menurut waktu" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>Stok blanko di provinsi menurut waktu</title>{grid}"
        f'<path d="{"".join(path)}" fill="none" stroke="#1f5f99" stroke-width="2"/>{labels}</svg>'
    )


def step_chart(steps, width: int = 720) -> str:
    """Mean and worst actual time per step as a share of the standard (100% = on time)."""
    if not steps:
        return "<p>Belum ada langkah selesai.</p>"
    left, right, bar, gap = 230, 70, 14, 8
    cap = 3.0  # bars stop at 300% of the standard, the figure says the rest
    height = 30 + len(steps) * (bar + gap)
    scale = (width - left - right) / cap

    def w(ratio: float) -> float:
        return min(ratio, cap) * scale

    rows = []
    for i, s in enumerate(steps):
        top = 20 + i * (bar + gap)
        mean = s.mean_minutes / max(s.standard_minutes, 1)
        worst = s.max_minutes / max(s.standard_minutes, 1)
        color = "#b42318" if mean > 1 else "#1f5f99"
        rows.append(
            f'<text x="{left - 6}" y="{top + 11}" text-anchor="end">{s.step}. '
            f"{escape(s.title[:34])}</text>"
            f'<rect x="{left}" y="{top}" width="{w(worst):.1f}" height="{bar}" fill="#d9e2ec"/>'
            f'<rect x="{left}" y="{top + 3}" width="{w(mean):.1f}" height="{bar - 6}" '
            f'fill="{color}"/>'
            f'<text x="{left + w(max(mean, worst)) + 4:.1f}" y="{top + 11}">{mean:.0%}</text>'
        )
    on_time = left + scale
    return (
        f'<svg role="img" aria-label="Waktu per langkah terhadap standar" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>Waktu nyata per langkah terhadap standar</title>"
        f'<text x="{left}" y="12">rata-rata (batang gelap) dan terlama (batang muda), '
        f"100% = tepat standar</text>{''.join(rows)}"
        f'<line x1="{on_time:.1f}" x2="{on_time:.1f}" y1="16" y2="{height}" stroke="#111" '
        f'stroke-dasharray="3,3"/></svg>'
    )


def write_site(ledger, report, numbers, out: Path) -> Site:
    """Write the report into `out` (made if missing); returns where its front page is."""
    if out.exists() and not out.is_dir():
        raise fail("doc-output-exists", path=str(out))
    head = report.tip or ledger.head()
    policy = ledger.policy(head)
    sop = policy.sop
    now = clock.now()
    findings = read_findings(report)
    errors = [f for f in findings if f.severity == "error"]
    states = []
    for summary in ledger.list_requests():
        if not summary.broken:
            states.append(ledger.read_request(summary.id, head))
    by_request: dict[str, list[FindingRow]] = {}
    for f in findings:
        if f.request:
            by_request.setdefault(f.request, []).append(f)

    verdict = (
        '<div class="verdict ok">LULUS: tidak ada galat dalam riwayat '
        f"({report.commits} commit diperiksa)"
        + (f", {len(findings)} peringatan" if findings else "")
        + ".</div>"
        if not errors
        else f'<div class="verdict bad">TIDAK LULUS: {len(errors)} galat, '
        f"{len(findings) - len(errors)} peringatan dalam {report.commits} commit.</div>"
    )
    body = [
        "<h1>Laporan audit ledger blanko KTP-el</h1>",
        f"<p class=meta>{escape(policy.settings.name)}<br>Commit yang diaudit: "
        f"<code>{escape(head)}</code><br>Dibuat {escape(_when(now))} WIB</p>",
        verdict,
        f"<h2>Temuan ({len(findings)})</h2>",
        _findings_table(findings, link=True),
    ]
    if numbers is not None:
        body += [
            "<h2>Ringkasan</h2>",
            f"<p>Permohonan: {numbers.requests} · dicatat atas nama pihak lain: "
            f"{numbers.on_behalf} langkah · stok di provinsi: {figures(numbers.province_stock)} "
            "keping</p>",
            "<h2>Arus jumlah per Kab/Kota (keping)</h2>",
            "<table><tr><th>Kode</th><th>Kab/Kota</th><th>Diminta</th><th>Porsi</th>"
            "<th>Diserahkan</th><th>Dikonfirmasi</th><th>Sisa stok menurut surat terakhir</th></tr>",
        ]
        for k in numbers.stock:
            left = "-" if k.stock_left is None else figures(k.stock_left)
            body.append(
                f"<tr><td>{escape(k.code)}</td><td>{escape(k.name)}</td>"
                f"<td class=n>{figures(k.requested)}</td><td class=n>{figures(k.share)}</td>"
                f"<td class=n>{figures(k.handed_over)}</td><td class=n>{figures(k.confirmed)}</td>"
                f"<td class=n>{left}</td></tr>"
            )
        body.append("</table>")
        body += [
            "<h2>Stok blanko di provinsi menurut waktu</h2>",
            stock_chart(stock_points(states, policy)),
            "<h2>Waktu per langkah terhadap standar</h2>",
            step_chart(numbers.steps),
            "<table><tr><th>Langkah</th><th>Selesai</th><th>Rata-rata</th><th>Terlama</th>"
            "<th>Standar</th><th>Terlambat</th></tr>",
        ]
        for s in numbers.steps:
            body.append(
                f"<tr><td>{s.step}. {escape(s.title)}</td><td class=n>{s.count}</td>"
                f"<td class=n>{_minutes(s.mean_minutes)}</td><td class=n>{_minutes(s.max_minutes)}"
                f"</td><td class=n>{_minutes(s.standard_minutes)}</td><td class=n>{s.late}</td></tr>"
            )
        body.append("</table>")
    body += [
        f"<h2>Permohonan ({len(states)})</h2>",
        "<table><tr><th>ID</th><th>Kab/Kota</th><th>Status</th><th>Langkah</th>"
        "<th>Temuan</th></tr>",
    ]
    for st in states:
        names = ", ".join(policy.settings.office_name(c) for c in st.kabkota)
        step = "selesai" if st.done else f"{st.step}/{sop.last_step} {sop.step(st.step).title}"
        count = len(by_request.get(st.id, []))
        body.append(
            f'<tr><td><a href="permohonan/{escape(st.id)}.html">{escape(st.id)}</a></td>'
            f"<td>{escape(names)}</td><td>{escape(st.status)}</td><td>{escape(step)}</td>"
            f'<td class="{"error" if count else ""}">{count or ""}</td></tr>'
        )
    body.append("</table>")
    out.mkdir(parents=True, exist_ok=True)
    pages = out / "permohonan"
    pages.mkdir(exist_ok=True)
    for st in states:
        write_atomic(
            pages / f"{st.id}.html",
            _request_page(st, policy, now, head, by_request.get(st.id, [])).encode("utf-8"),
        )
    index = out / "index.html"
    write_atomic(index, _page("Laporan audit ktpel", "".join(body), head).encode("utf-8"))
    return Site(index, len(states) + 1)


def _request_page(state, policy, now, head: str, findings: list[FindingRow]) -> str:
    rows, returns = timeline(state, policy, now)
    names = ", ".join(f"{c} {policy.settings.office_name(c)}" for c in state.kabkota)
    body = [
        f"<h1>Permohonan {escape(state.id)}</h1>",
        f"<p>{escape(names)} · status <b>{escape(state.status)}</b></p>",
        f"<h2>Temuan ({len(findings)})</h2>",
        _findings_table(findings, link=False),
        "<h2>Linimasa 19 langkah SOP</h2>",
        "<table><tr><th>No</th><th>Langkah</th><th>Penanggung jawab</th><th>Oleh</th>"
        "<th>Waktu</th><th>Lama nyata</th><th>Standar</th><th>Keadaan</th></tr>",
    ]
    for r in rows:
        state_text = {"selesai": "selesai", "sekarang": "sedang berjalan", "menunggu": "menunggu"}[
            r.status
        ]
        if r.late:
            state_text += " · TERLAMBAT"
        who = r.by + (f" (atas nama {r.on_behalf})" if r.on_behalf else "")
        if r.returns:
            state_text += f" · dikembalikan {r.returns}×"
        body.append(
            f"<tr><td>{r.step}</td><td>{escape(r.title)}</td><td>{escape(r.role)}</td>"
            f"<td>{escape(who)}</td><td>{escape(_when(r.at))}</td>"
            f"<td class=n>{_minutes(r.minutes)}</td><td class=n>{escape(r.standard)}</td>"
            f'<td class="{"late" if r.late else ""}">{escape(state_text)}</td></tr>'
        )
    body.append("</table>")
    if returns:
        body.append(
            "<h2>Pengembalian untuk perbaikan</h2><table><tr><th>Dari</th><th>Ke</th>"
            "<th>Oleh</th><th>Waktu</th><th>Catatan</th></tr>"
        )
        for ret in returns:
            body.append(
                f"<tr><td>{ret.step}</td><td>{ret.to}</td><td>{escape(ret.by)}</td>"
                f"<td>{escape(_when(ret.at))}</td><td>{escape(ret.note)}</td></tr>"
            )
        body.append("</table>")
    q = quantities(state, policy)
    body += [
        "<h2>Jumlah (keping)</h2>",
        "<p>Diminta {} · dimohonkan ke Ditjen {} · dikirim {} · diterima baik {} · "
        "rusak/kurang {} · porsi {} · diserahkan {} · dikonfirmasi {}</p>".format(
            *(
                "-" if v is None else figures(v)
                for v in (
                    q.requested,
                    q.asked,
                    q.shipped,
                    q.received_good,
                    q.damaged_missing,
                    q.shares,
                    q.handed_over,
                    q.confirmed,
                )
            )
        ),
        "<table><tr><th>Kab/Kota</th><th>Diminta</th><th>Porsi</th><th>Diserahkan</th>"
        "<th>Dikonfirmasi</th><th>Nomor BAST</th></tr>",
    ]
    for k in q.rows:
        body.append(
            f"<tr><td>{escape(k.code)} {escape(k.name)}</td><td class=n>{figures(k.requested)}</td>"
            f"<td class=n>{figures(k.share)}</td><td class=n>{figures(k.handed_over)}</td>"
            f"<td class=n>{figures(k.confirmed)}</td><td>{escape(k.bast)}</td></tr>"
        )
    body.append("</table>")
    letters = [p for p in state.permohonan]
    if letters:
        body.append("<h2>Surat permohonan Kab/Kota</h2><ul>")
        for p in letters:
            when = p.get("letter_date")
            body.append(
                f"<li>{escape(policy.settings.office_name(p['kabkota']))}: "
                f"{escape(str(p.get('letter_number', '')))}"
                f"{', ' + escape(tanggal(when)) if hasattr(when, 'month') else ''}</li>"
            )
        body.append("</ul>")
    return _page(f"Permohonan {state.id}", "".join(body), head, back="../index.html")
