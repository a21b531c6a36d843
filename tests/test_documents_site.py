"""`ktpel audit --html DIR`: the inspector's static site, parsed back with the standard library."""

from __future__ import annotations

import subprocess
from html.parser import HTMLParser
from pathlib import Path

from conftest import head_of

from ktpel_tui.cli import main


class Page(HTMLParser):
    """The text of a page, its tags, and the rows of its tables."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


def site(ledger: Path, out: Path) -> tuple[int, Page]:
    code = main(["--ledger", str(ledger), "audit", "--no-cache", "--html", str(out)])
    return code, Page((out / "index.html").read_text(encoding="utf-8"))


def test_the_demo_report_states_the_verdict_and_the_audited_commit(demo_path, tmp_path, capsys):
    code, page = site(demo_path, tmp_path / "site")
    assert code == 0
    assert "LULUS: tidak ada galat" in page.plain
    assert head_of(demo_path) in page.plain
    assert "script" not in page.tags  # readable without JavaScript
    assert page.tags.count("svg") == 2  # stock over time, time per step
    assert "Laporan HTML ditulis" in capsys.readouterr().out
    # The quantity flow per Kab/Kota, as the audit computes it.
    kab = {r[0]: r for r in page.rows if r and r[0].startswith("19.")}
    assert kab["19.01"][1] == "Kab. Bangka" and kab["19.01"][3] == "2.997"
    # Each request has its page with the 19-step timeline.
    request = Page((tmp_path / "site/permohonan/2026-0001.html").read_text(encoding="utf-8"))
    steps = [r for r in request.rows if r and r[0].isdigit()]
    assert [int(r[0]) for r in steps][:19] == list(range(1, 20))
    assert steps[0][3] == "Maya Lestari, S.IP"
    assert "Kasi Fasilitasi Pendaftaran Penduduk" in steps[0][2]


def test_a_forged_commit_fails_the_report_and_is_named(demo_path, tmp_path):
    path = demo_path / "requests/2026/2026-0001.toml"
    path.write_text(path.read_text().replace("blanks = 1798", "blanks = 1799", 1))
    subprocess.run(
        [
            "git",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "user.name=Orang Lain",
            "-c",
            "user.email=lain@example.org",
            "commit",
            "-qam",
            "koreksi",
            "--no-verify",
        ],
        cwd=demo_path,
        check=True,
    )
    forged = head_of(demo_path)
    code, page = site(demo_path, tmp_path / "site")
    assert code == 1
    assert "TIDAK LULUS" in page.plain
    findings = [r for r in page.rows if r and r[0] in ("GALAT", "PERINGATAN")]
    assert any(r[2] == forged and r[0] == "GALAT" for r in findings), findings
    assert forged in page.plain  # also as the audited commit


def test_html_into_a_file_is_refused(demo_path, tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("x")
    assert main(["--ledger", str(demo_path), "audit", "--html", str(target)]) == 1
    assert "[doc-output-exists]" in capsys.readouterr().err
    assert target.read_text() == "x"


def test_user_text_is_shown_as_text_never_as_markup(demo_path, tmp_path, fixed_clock):
    from datetime import datetime

    from ledger.request import Event
    from ledger.store import Ledger

    note = "<script>alert(1)</script> & <b>ulang</b>"
    with Ledger.open(demo_path) as led:
        led.record(
            "2026-0005",
            Event("return", 3, datetime(2026, 11, 28, 10, 0), "rudi", "kabid", {}, note=note),
        )
    site(demo_path, tmp_path / "site")
    html = (tmp_path / "site/permohonan/2026-0005.html").read_text(encoding="utf-8")
    page = Page(html)
    assert note in page.plain
    assert "script" not in page.tags
    assert "&lt;b&gt;ulang&lt;/b&gt;" in html and "<b>ulang" not in html
