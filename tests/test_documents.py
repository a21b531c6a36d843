"""The SOP's paper: every document of the demo's completed request, read back with python-docx.

What each document must say is worked out here from the request file and people.toml with
tomllib (and num2words for numbers in words), not from ktpel's own document data.
"""

from __future__ import annotations

import io
import shutil
import tomllib
from datetime import date, datetime
from pathlib import Path

import pytest
from docx import Document as Docx
from num2words import num2words

from ktpel_tui.cli import main
from ledger.documents import available, for_request
from ledger.documents.render import Template, default_template, docx_text, render_docx
from ledger.request import Event
from ledger.rules import LedgerError
from ledger.store import Ledger

MONTHS = "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember"
DAYS = "Senin Selasa Rabu Kamis Jumat Sabtu Minggu"
KINDS = (
    "notulen",
    "surat-permohonan",
    "surat-badan-penghubung",
    "disposisi",
    "daftar-porsi",
    "jadwal",
    "surat-pernyataan-hibah",
    "bast",
)


def words(n: int) -> str:
    return num2words(n, lang="id")


def figures(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def day_text(d: date) -> str:
    return f"{d.day} {MONTHS.split()[d.month - 1]} {d.year}"


def day_name(d: date) -> str:
    return DAYS.split()[d.weekday()]


def nip(raw: str) -> str:
    return f"{raw[:8]} {raw[8:14]} {raw[14]} {raw[15:]}"


@pytest.fixture(scope="module")
def ledger_copy(demo_template: Path, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("documents") / "demo"
    shutil.copytree(demo_template, target, symlinks=True)
    return target


@pytest.fixture(scope="module")
def rendered(ledger_copy: Path) -> dict[tuple[str, str], bytes]:
    """Every document the completed request has data for, rendered with the shipped templates."""
    from ledger.documents.render import find_template

    out = {}
    with Ledger.open(ledger_copy) as led:
        state = led.read_request("2026-0001")
        for item in available(state, led.policy()):
            assert item.ready, item
            doc = for_request(led, "2026-0001", item.kind, item.key)
            out[(item.kind, item.key)] = render_docx(doc, find_template(item.kind))
    return out


@pytest.fixture(scope="module")
def raw(ledger_copy: Path) -> tuple[dict, dict]:
    request = tomllib.loads((ledger_copy / "requests/2026/2026-0001.toml").read_text())
    people = tomllib.loads((ledger_copy / "people.toml").read_text())
    return request, {p["id"]: p for p in people["person"]}


def step_event(request: dict, step: int, action: str = "advance") -> dict:
    return [e for e in request["event"] if e["step"] == step and e["action"] == action][-1]


def text_of(data: bytes) -> str:
    return " ".join(docx_text(Docx(io.BytesIO(data))).split())


def expected(kind: str, key: str, request: dict, people: dict) -> list[str]:
    """The strings the paper of this kind must show, from the request file itself."""
    permohonan = [e["data"] for e in request["event"] if e["action"] in ("create", "permohonan")]

    def person(pid: str) -> list[str]:
        return [people[pid]["name"], "NIP. " + nip(people[pid]["nip"])]

    if kind == "notulen":
        ev = step_event(request, 1)
        day = ev["data"]["meeting_date"]
        total = sum(p["blanks_requested"] for p in permohonan)
        return [
            "NOTULEN RAPAT",
            f"{day_name(day)}, {day_text(day)}",
            ev["data"]["minutes_summary"],
            figures(total),
            f"{figures(total)} ({words(total)}) keping",
            "Kasi Fasilitasi Pendaftaran Penduduk",
            *[p["letter_number"] for p in permohonan],
            *person(ev["by"]),
        ]
    if kind == "surat-permohonan":
        asked = step_event(request, 2)["data"]["blanks_asked"]
        numbered = step_event(request, 9)["data"]
        return [
            f"Pangkalpinang, {day_text(numbered['letter_date'])}",
            f"Nomor : {numbered['letter_number']}",
            "Sifat : Penting",
            "Lampiran : 1 (satu) berkas",
            "Hal : " + step_event(request, 2)["data"]["subject"],
            "Yth. Direktur Jenderal Kependudukan dan Pencatatan Sipil",
            f"{figures(asked)} ({words(asked)}) keping",
            "KEPALA DINAS DP3ACSKB",
            *person(step_event(request, 8)["by"]),
        ]
    if kind == "surat-badan-penghubung":
        asked = step_event(request, 2)["data"]["blanks_asked"]
        sent = step_event(request, 12)["data"]
        return [
            f"Pangkalpinang, {day_text(sent['sent_at'].date())}",
            f"Nomor : {sent['cover_letter_number']}",
            "Yth. Kepala Badan Penghubung Provinsi Kepulauan Bangka Belitung",
            step_event(request, 9)["data"]["letter_number"],
            f"{figures(asked)} ({words(asked)}) keping",
            *person(step_event(request, 8)["by"]),
        ]
    if kind in ("disposisi", "daftar-porsi"):
        step, name = (16, "proposed_shares") if kind == "disposisi" else (17, "shares")
        ev = step_event(request, step)
        shares = ev["data"][name]
        total = sum(shares.values())
        return [
            *[figures(n) for n in shares.values()],
            f"{figures(total)} ({words(total)}) keping",
            day_text(ev["at"].date()),
            *person(ev["by"]),
        ]
    if kind == "jadwal":
        ev = step_event(request, 18)
        return [
            *[
                f"{day_name(s['date'])}, {day_text(s['date'])}"
                for s in ev["data"]["schedule"].values()
            ],
            *person(ev["by"]),
        ]
    code, n = key.rsplit("-", 1)
    handover = [
        e for e in request["event"] if e["action"] == "handover" and e["data"]["kabkota"] == code
    ][int(n) - 1]
    receipt = [
        e for e in request["event"] if e["action"] == "receipt" and e["data"]["kabkota"] == code
    ]
    data = handover["data"]
    # The Kab/Kota head signs; a receipt recorded on their behalf names the office's head.
    head = next(p for p in people.values() if "kadis-kabkota" in p["roles"] and p["office"] == code)
    if receipt and "on_behalf" not in receipt[0]:
        assert receipt[0]["by"] == head["id"]
    count = f"{figures(data['blanks'])} ({words(data['blanks'])}) keping"
    d = data["handover_date"]
    if kind == "surat-pernyataan-hibah":
        return [
            "SURAT PERNYATAAN BERSEDIA MENERIMA HIBAH",
            f"Nomor: {data['hibah_statement']}",
            count,
            *person(head["id"])[:1],
            nip(head["nip"]),
            "Kepala Dinas Dukcapil Kab",
        ]
    return [
        "BERITA ACARA SERAH TERIMA",
        f"Nomor: {data['bast_number']}",
        f"Pada hari ini {day_name(d)} tanggal {words(d.day)} bulan {MONTHS.split()[d.month - 1]} "
        f"tahun {words(d.year)}",
        "PIHAK PERTAMA",
        "PIHAK KEDUA",
        count,
        data["hibah_statement"],
        "rangkap 2 (dua)",
        *person(handover["by"]),
        people[handover["by"]]["name"],
        head["name"],
        "NIP. " + nip(head["nip"]),
    ]


def test_the_completed_request_has_every_document_kind(rendered):
    assert {kind for kind, _ in rendered} == set(KINDS)
    # One BAST and one Surat Pernyataan per handover, keyed by the handover.
    assert sorted(key for kind, key in rendered if kind == "bast") == [
        "19.01-1",
        "19.01-2",  # Kab. Bangka got its share in two handovers
        "19.02-1",
        "19.04-1",
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_each_document_reads_back_with_what_the_ledger_says(kind, rendered, raw):
    request, people = raw
    for (k, key), data in rendered.items():
        if k != kind:
            continue
        text = text_of(data)
        missing = [
            s for s in expected(kind, key, request, people) if " ".join(s.split()) not in text
        ]
        assert missing == [], f"{kind} {key}: not on the paper: {missing}"
        assert "{{" not in text and "{%" not in text and "}}" not in text
        # Every document names its request and, in the QR payload and properties, its commit.
        assert "2026-0001" in text
        props = Docx(io.BytesIO(data)).core_properties
        assert props.identifier.startswith("KTPEL;req=2026-0001;doc=" + kind)
        assert "commit=" in props.identifier


@pytest.mark.parametrize("kind", KINDS)
def test_page_size_is_the_templates(kind, rendered):
    template = Docx(io.BytesIO(default_template(kind))).sections[0]
    assert (round(template.page_width.mm), round(template.page_height.mm)) == (210, 297)  # A4
    for (k, _), data in rendered.items():
        if k == kind:
            section = Docx(io.BytesIO(data)).sections[0]
            assert (section.page_width, section.page_height) == (
                template.page_width,
                template.page_height,
            )


@pytest.mark.parametrize("kind", KINDS)
def test_the_shipped_templates_use_only_known_fields(kind):
    from ledger.documents.render import check_template

    check_template(Template(kind, Path(f"{kind}.docx"), default_template(kind)))


def test_every_document_carries_a_qr_image(rendered):
    for (kind, key), data in rendered.items():
        doc = Docx(io.BytesIO(data))
        images = [r for r in doc.sections[0].footer.part.rels.values() if "image" in r.reltype]
        assert images, f"{kind} {key} has no QR image"


def test_an_f4_office_template_prints_on_f4(ledger_copy, tmp_path):
    from ledger.documents.build_templates import template_bytes

    office = Template("bast", tmp_path / "bast.docx", template_bytes("bast", "F4"))
    with Ledger.open(ledger_copy) as led:
        doc = for_request(led, "2026-0001", "bast", "19.02")
    section = Docx(io.BytesIO(render_docx(doc, office))).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (215, 330)


def test_values_with_ampersand_and_angle_brackets_survive(demo_path, fixed_clock):
    summary = 'Stok <50 keping & mendesak; R&D "Dukcapil"'
    with Ledger.open(demo_path) as led:
        led.record(
            "2026-0006",
            Event(
                "advance",
                1,
                datetime(2026, 11, 28, 10, 0),
                "maya",
                "kasi",
                {"meeting_date": date(2026, 11, 27), "minutes_summary": summary},
            ),
        )
        from ledger.documents.render import find_template

        doc = for_request(led, "2026-0006", "notulen")
        data = render_docx(doc, find_template("notulen"))
    assert summary in docx_text(Docx(io.BytesIO(data)))


def test_documents_of_steps_not_reached_are_refused_naming_the_step(ledger_copy, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        ["--ledger", str(ledger_copy), "doc", "2026-0003", "disposisi", "-o", str(out) + "/"]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "langkah 16 (Usulan porsi pembagian) harus dicatat lebih dulu" in err
    assert not out.exists()


def test_an_office_template_with_an_unknown_field_is_refused_with_the_field_named(
    ledger_copy, tmp_path, capsys
):
    from docx import Document as NewDocx

    bad = NewDocx(io.BytesIO(default_template("bast")))
    bad.add_paragraph("Disetujui oleh {{ kepala_gudang }} pada {{ serah.tanggal }}")
    path = tmp_path / "kantor-bast.docx"
    bad.save(path)
    out = tmp_path / "out"
    code = main(
        [
            "--ledger",
            str(ledger_copy),
            "doc",
            "2026-0001",
            "bast",
            "--kabkota",
            "19.01-1",
            "--template",
            str(path),
            "-o",
            str(out) + "/",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "[doc-template-field] (kepala_gudang)" in err and "'kepala_gudang'" in err
    assert not out.exists()


def test_an_unknown_attribute_of_a_known_field_is_named_too(ledger_copy, tmp_path):
    from docx import Document as NewDocx

    bad = NewDocx(io.BytesIO(default_template("bast")))
    bad.add_paragraph("{{ pihak_kedua.pangkat }}")
    buf = io.BytesIO()
    bad.save(buf)
    with Ledger.open(ledger_copy) as led:
        doc = for_request(led, "2026-0001", "bast", "19.01-1")
    with pytest.raises(LedgerError) as err:
        render_docx(doc, Template("bast", tmp_path / "x.docx", buf.getvalue()))
    assert err.value.code == "doc-template-field" and "'pangkat'" in err.value.message()


def test_doc_cli_writes_every_document_and_verify_matches(ledger_copy, tmp_path, capsys):
    out = tmp_path / "all"
    assert main(["--ledger", str(ledger_copy), "doc", "2026-0001", "semua", "-o", str(out)]) == 0
    written = sorted(p.name for p in out.iterdir())
    # Kab. Bangka's two handovers: a BAST and a Surat Pernyataan each.
    assert len(written) == 14 and "2026-0001-bast-19.01-2.docx" in written
    capsys.readouterr()
    bast = out / "2026-0001-bast-19.04-1.docx"
    assert main(["--ledger", str(ledger_copy), "doc", "verify", str(bast)]) == 0
    assert "SESUAI" in capsys.readouterr().out


def test_verify_finds_a_count_changed_in_word(ledger_copy, tmp_path, capsys):
    with Ledger.open(ledger_copy) as led:
        from ledger.documents.render import find_template

        data = render_docx(for_request(led, "2026-0001", "bast", "19.01-1"), find_template("bast"))
    doc = Docx(io.BytesIO(data))
    for p in doc.paragraphs:
        for run in p.runs:
            run.text = run.text.replace("1.798", "1.799")
    edited = tmp_path / "edited.docx"
    doc.save(edited)
    assert main(["--ledger", str(ledger_copy), "doc", "verify", str(edited)]) == 1
    out = capsys.readouterr().out
    assert "Diubah di kertas" in out and "1.798" in out and "TIDAK SESUAI" in out


def test_verify_refuses_a_file_not_made_by_ktpel(ledger_copy, tmp_path, capsys):
    other = tmp_path / "surat.docx"
    Docx().save(other)
    assert main(["--ledger", str(ledger_copy), "doc", "verify", str(other)]) == 1
    assert "[doc-not-ktpel]" in capsys.readouterr().err


def test_pdf_without_libreoffice_says_so_and_keeps_the_docx(
    ledger_copy, tmp_path, capsys, monkeypatch
):
    bin_dir = tmp_path / "bin"  # a machine with git but without LibreOffice
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(shutil.which("git"))
    monkeypatch.setenv("PATH", str(bin_dir))
    target = tmp_path / "n.docx"
    code = main(
        ["--ledger", str(ledger_copy), "doc", "2026-0001", "notulen", "-o", str(target), "--pdf"]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "[doc-no-soffice]" in err and "LibreOffice" in err
    assert target.is_file()


def test_documents_come_from_the_sop_file(ledger_copy):
    with Ledger.open(ledger_copy) as led:
        sop = led.policy().sop
    assert sop.step(1).documents == ("notulen",)
    assert sop.step(19).documents == ("surat-pernyataan-hibah", "bast")
    assert sop.step(3).documents == ()
