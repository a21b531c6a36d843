"""Make ktpel's default Word templates, one per document kind (run: `python -m
ledger.documents.build_templates [--paper F4] [--out DIR]`).

The committed `templates/*.docx` are this script's output on A4; rerun it after a change here.
Each template is a plain Word file an office can open, change (its kop, its paper, its
wording) and use as its own (docs/FORMAT.md, "Documents"). The structure follows Tata Naskah
Dinas (Permendagri 1/2023): kop with a rule, place and date, Nomor / Sifat / Lampiran / Hal,
Yth., body, the signer's jabatan, name and NIP. Jinja tags are docxtpl's: `{{ x }}` for a
value, `{%tr for r in rows %}` for a table row per item.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

PAPERS = {"A4": (210, 297), "F4": (215, 330)}
FONT = "Arial"

PROV_GOV = "PEMERINTAH PROVINSI KEPULAUAN BANGKA BELITUNG"
PROV_DINAS = (
    "DINAS PEMBERDAYAAN PEREMPUAN PERLINDUNGAN ANAK KEPENDUDUKAN\n"
    "PENCATATAN SIPIL DAN PENGENDALIAN PENDUDUK KELUARGA BERENCANA"
)
# The office replaces this line with its own (and adds its emblem) in its own template.
PROV_ADDRESS = (
    "Kompleks Perkantoran Terpadu Pemerintah Provinsi Kepulauan Bangka Belitung, "
    "Jl. Pulau Bangka, Air Itam, Pangkalpinang 33149"
)
LEFT, CENTER, RIGHT, JUSTIFY = (
    WD_ALIGN_PARAGRAPH.LEFT,
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.RIGHT,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
)


# --- building blocks ----------------------------------------------------------------------------


def tag(name: str, attr: str) -> str:
    """A docxtpl value tag: tag("pihak_kedua", "nip") -> '{{ pihak_kedua.nip }}'."""
    return "{{ " + f"{name}.{attr}" + " }}"


def new_document(paper: str):
    doc = Document()
    width, height = PAPERS[paper]
    for section in doc.sections:
        section.page_width, section.page_height = Mm(width), Mm(height)
        section.top_margin, section.bottom_margin = Mm(20), Mm(20)
        section.left_margin, section.right_margin = Mm(25), Mm(20)
        section.footer_distance = Mm(10)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    pf = normal.paragraph_format
    pf.space_before, pf.space_after, pf.line_spacing = Pt(0), Pt(0), 1.15
    return doc


def para(
    container,
    text: str = "",
    *,
    bold: bool = False,
    underline: bool = False,
    size: float | None = None,
    align=LEFT,
    indent_first: float | None = None,
    left: float | None = None,
    after: float = 0,
    before: float = 0,
):
    p = container.add_paragraph()
    p.alignment = align
    fmt = p.paragraph_format
    fmt.space_after, fmt.space_before = Pt(after), Pt(before)
    if indent_first is not None:
        fmt.first_line_indent = Mm(indent_first)
    if left is not None:
        fmt.left_indent = Mm(left)
    for i, line in enumerate(text.split("\n")):
        run = p.add_run(line)
        run.bold, run.underline = bold, underline
        if size:
            run.font.size = Pt(size)
        if i < len(text.split("\n")) - 1:
            run.add_break()
    return p


def rich(container, parts: list[tuple[str, bool]], *, align=JUSTIFY, indent_first=None, after=6):
    """A paragraph of (text, bold) runs."""
    p = para(container, align=align, indent_first=indent_first, after=after)
    for text, bold in parts:
        p.add_run(text).bold = bold
    return p


def bottom_rule(paragraph) -> None:
    """The kop's double rule (thick over thin), as a paragraph border."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "thickThinSmallGap"), ("w:sz", "24"), ("w:space", "1")):
        bottom.set(qn(key), value)
    bottom.set(qn("w:color"), "000000")
    borders.append(bottom)
    ppr.append(borders)


def kop(doc, gov: str, dinas: str, address: str) -> None:
    para(doc, gov, bold=True, size=14, align=CENTER)
    para(doc, dinas, bold=True, size=10.5, align=CENTER)
    rule = para(doc, address, size=8.5, align=CENTER, after=10)
    bottom_rule(rule)


def kop_prov(doc) -> None:
    kop(doc, PROV_GOV, PROV_DINAS, PROV_ADDRESS)


def _widths(table, widths_mm: list[float]) -> None:
    """Column widths both in the grid and in each cell: Word reads one, LibreOffice the other."""
    table.autofit = False
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)


def fields_table(container, rows: list[tuple[str, str]], widths=(35, 4, 116), left: float = 0):
    """'Nomor : ...' lines, aligned on the colon (a borderless table, as letters do)."""
    table = container.add_table(rows=0, cols=3)
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = label, ":", value
    _widths(table, list(widths))
    if left:
        tbl_pr = table._tbl.tblPr
        ind = OxmlElement("w:tblInd")
        ind.set(qn("w:w"), str(int(left * 56.7)))
        ind.set(qn("w:type"), "dxa")
        tbl_pr.append(ind)
    return table


def loop_table(doc, headings: list[str], cells: list[str], widths: list[float], total=None):
    """A bordered table: a heading row, one row per item (docxtpl `{%tr %}`), optional total."""
    table = doc.add_table(rows=1, cols=len(headings))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headings, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        cell.paragraphs[0].alignment = CENTER
    table.add_row().cells[0].text = "{%tr for r in " + cells[0] + " %}"
    item = table.add_row().cells
    for cell, text in zip(item, cells[1:], strict=True):
        cell.text = text
    table.add_row().cells[0].text = "{%tr endfor %}"
    if total is not None:
        row = table.add_row().cells
        for cell, text in zip(row, total, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(text).bold = True
    _widths(table, widths)
    para(doc, after=6)
    return table


def signature(doc, lines_above: list[str], who: str, *, side: str = "right", seal: str = ""):
    """A signature block: jabatan lines, room to sign, name (bold, underlined), NIP."""
    table = doc.add_table(rows=1, cols=2)
    _widths(table, [80, 85])
    cell = table.rows[0].cells[1 if side == "right" else 0]
    cell.text = ""
    first = cell.paragraphs[0]
    first.alignment = CENTER
    for i, line in enumerate(lines_above):
        p = first if i == 0 else cell.add_paragraph()
        p.alignment = CENTER
        p.add_run(line)
    if seal:
        para(cell, seal, size=8, align=CENTER, before=12, after=12)
    else:
        for _ in range(3):
            cell.add_paragraph()
    p = cell.add_paragraph()
    p.alignment = CENTER
    run = p.add_run(tag(who, "nama"))
    run.bold = run.underline = True
    p = cell.add_paragraph("NIP. " + tag(who, "nip"))
    p.alignment = CENTER
    return table


def two_signatures(doc, left: tuple[list[str], str], right: tuple[list[str], str]) -> None:
    """Two signers side by side; names and NIPs on shared rows so they line up."""
    table = doc.add_table(rows=3, cols=2)
    for col, (lines, who) in enumerate((left, right)):
        top, name, nip = (table.rows[r].cells[col] for r in range(3))
        top.text = ""
        for i, line in enumerate(lines):
            p = top.paragraphs[0] if i == 0 else top.add_paragraph()
            p.alignment = CENTER
            p.add_run(line).bold = i == 0
        for _ in range(3):
            top.add_paragraph()
        name.text = ""
        name.paragraphs[0].alignment = CENTER
        run = name.paragraphs[0].add_run(tag(who, "nama"))
        run.bold = run.underline = True
        nip.text = "NIP. " + tag(who, "nip")
        nip.paragraphs[0].alignment = CENTER
    _widths(table, [82, 83])


def ledger_mark(doc) -> None:
    """The footer that ties the paper to the ledger: the QR code and the same facts in words.

    In the footer, so it is on every page and never pushes the body onto another page.
    """
    footer = doc.sections[0].footer
    table = footer.add_table(rows=1, cols=2, width=Mm(165))
    qr_cell, text_cell = table.rows[0].cells
    qr_cell.text = "{{ qr }}"
    text_cell.text = ""
    p = text_cell.paragraphs[0]
    run = p.add_run(
        "Dibuat oleh ktpel dari ledger: permohonan {{ req.id }}, {{ doc.judul }}, "
        "{{ doc.langkah }} ({{ doc.tentang }}); commit {{ doc.commit }}. "
        "Periksa kecocokan dengan ledger: pindai kode QR, atau jalankan ktpel doc verify BERKAS."
    )
    run.font.size = Pt(7)
    _widths(table, [27, 138])


def title(doc, text: str, number: str | None = None) -> None:
    para(doc, text, bold=True, underline=True, size=12, align=CENTER)
    if number is not None:
        para(doc, f"Nomor: {number}", align=CENTER)
    para(doc, after=6)


def letter_head(doc, hal: str = "{{ surat.hal }}") -> None:
    """Place and date, then Nomor / Sifat / Lampiran / Hal, then Yth. (Tata Naskah Dinas)."""
    para(doc, "{{ doc.tempat }}, {{ surat.tanggal }}", align=RIGHT, after=8)
    fields_table(
        doc,
        [
            ("Nomor", "{{ surat.nomor }}"),
            ("Sifat", "{{ surat.sifat }}"),
            ("Lampiran", "{{ surat.lampiran }}"),
            ("Hal", hal),
        ],
        widths=(22, 4, 139),
    )
    para(doc, after=8)
    para(doc, "Yth. {{ yth }}", left=0)
    para(doc, "di", left=8)
    para(doc, "{{ di }}", left=16, after=12)


# --- the eight kinds ---------------------------------------------------------------------------


def notulen(paper: str):
    doc = new_document(paper)
    kop_prov(doc)
    title(doc, "NOTULEN RAPAT")
    fields_table(
        doc,
        [
            ("Hari/Tanggal", "{{ rapat.hari_tanggal }}"),
            ("Tempat", "{{ rapat.tempat }}"),
            ("Acara", "{{ rapat.acara }}"),
            ("Pimpinan Rapat", "{{ pimpinan.nama }} ({{ pimpinan.jabatan }})"),
            ("Notulis", "{{ notulis.nama }} ({{ notulis.jabatan }})"),
        ],
    )
    para(doc, after=6)
    para(doc, "A. Surat permohonan Dinas Dukcapil Kabupaten/Kota yang dibahas:", after=4)
    loop_table(
        doc,
        ["No", "Kabupaten/Kota", "Nomor Surat", "Tanggal", "Diminta (keping)", "Sisa Stok"],
        [
            "permohonan",
            "{{ r.no }}",
            "{{ r.kabkota }}",
            "{{ r.nomor }}",
            "{{ r.tanggal }}",
            "{{ r.diminta }}",
            "{{ r.stok }}",
        ],
        [10, 35, 45, 28, 25, 22],
        total=["", "Jumlah", "", "", "{{ jumlah.angka }}", ""],
    )
    para(doc, "B. Hasil rapat:", after=4)
    para(doc, "{{ rapat.ringkasan }}", align=JUSTIFY, left=5, after=6)
    rich(
        doc,
        [
            ("Kebutuhan blanko KTP-el yang dibahas seluruhnya ", False),
            ("{{ jumlah.teks }}", True),
            (".", False),
        ],
    )
    signature(
        doc,
        ["{{ doc.tempat }}, {{ rapat.tanggal }}", "Notulis,", "{{ notulis.jabatan }}"],
        "notulis",
    )
    ledger_mark(doc)
    return doc


def surat_permohonan(paper: str):
    doc = new_document(paper)
    kop_prov(doc)
    para(doc, "{{ surat.konsep }}", bold=True, align=RIGHT)
    letter_head(doc)
    para(
        doc,
        "Berdasarkan surat permohonan fasilitasi pengambilan blanko KTP-el dari Dinas "
        "Kependudukan dan Pencatatan Sipil Kabupaten/Kota se-Provinsi Kepulauan Bangka Belitung "
        "sebagai berikut:",
        align=JUSTIFY,
        indent_first=12,
        after=6,
    )
    loop_table(
        doc,
        ["No", "Kabupaten/Kota", "Nomor dan Tanggal Surat", "Diminta (keping)"],
        [
            "permohonan",
            "{{ r.no }}",
            "{{ r.kabkota }}",
            "{{ r.nomor }}, {{ r.tanggal }}",
            "{{ r.diminta }}",
        ],
        [10, 45, 75, 35],
    )
    rich(
        doc,
        [
            (
                "dengan ini kami mengajukan permohonan fasilitasi pengambilan blanko KTP-el untuk "
                "kebutuhan Dinas Dukcapil Kabupaten/Kota sebanyak ",
                False,
            ),
            ("{{ jumlah.teks }}", True),
            (
                ". Pengambilan blanko KTP-el di Direktorat Jenderal Kependudukan dan Pencatatan Sipil "
                "akan dibantu oleh Badan Penghubung Provinsi Kepulauan Bangka Belitung di Jakarta.",
                False,
            ),
        ],
        indent_first=12,
    )
    para(
        doc,
        "Demikian disampaikan, atas perhatian dan kerja samanya diucapkan terima kasih.",
        align=JUSTIFY,
        indent_first=12,
        after=12,
    )
    signature(doc, ["{{ penandatangan.jabatan|upper }},"], "penandatangan")
    para(doc, "Tembusan:", size=9, before=6)
    para(doc, "Yth. Kepala Badan Penghubung Provinsi Kepulauan Bangka Belitung di Jakarta", size=9)
    ledger_mark(doc)
    return doc


def surat_badan_penghubung(paper: str):
    doc = new_document(paper)
    kop_prov(doc)
    letter_head(doc)
    rich(
        doc,
        [
            (
                "Sehubungan dengan surat kami kepada Direktur Jenderal Kependudukan dan Pencatatan "
                "Sipil Kementerian Dalam Negeri Nomor ",
                False,
            ),
            ("{{ surat_ditjen.nomor }}", True),
            (
                " tanggal {{ surat_ditjen.tanggal }} hal Permohonan Fasilitasi Pengambilan Blanko "
                "KTP-el sebanyak ",
                False,
            ),
            ("{{ jumlah.teks }}", True),
            (
                " (terlampir), dengan ini kami mohon bantuan Saudara untuk mengambil blanko KTP-el "
                "tersebut di Direktorat Jenderal Kependudukan dan Pencatatan Sipil dan mengirimkannya "
                "ke {{ dinas }} melalui ekspedisi udara.",
                False,
            ),
        ],
        indent_first=12,
    )
    para(
        doc,
        "Demikian disampaikan, atas bantuan dan kerja samanya diucapkan terima kasih.",
        align=JUSTIFY,
        indent_first=12,
        after=12,
    )
    signature(doc, ["{{ penandatangan.jabatan|upper }},"], "penandatangan")
    ledger_mark(doc)
    return doc


def disposisi(paper: str):
    doc = new_document(paper)
    kop_prov(doc)
    title(doc, "LEMBAR DISPOSISI")
    table = fields_table(
        doc,
        [
            ("Surat dari", "{{ pengaju.jabatan }}"),
            ("Tanggal", "{{ disposisi.tanggal }}"),
            ("Perihal", "{{ disposisi.perihal }}"),
            ("Diteruskan kepada", "{{ kepada.jabatan }}"),
            ("Blanko diterima baik", "{{ disposisi.diterima_baik.teks }}"),
        ],
        widths=(40, 4, 121),
    )
    table.style = "Table Grid"
    para(doc, after=6)
    para(doc, "Usulan porsi pembagian Blanko KTP-el per Kabupaten/Kota:", after=4)
    loop_table(
        doc,
        ["No", "Kabupaten/Kota", "Diminta (keping)", "Usulan Porsi (keping)"],
        ["rows", "{{ r.no }}", "{{ r.kabkota }}", "{{ r.diminta }}", "{{ r.porsi }}"],
        [10, 65, 45, 45],
        total=["", "Jumlah", "", "{{ jumlah.angka }}"],
    )
    rich(doc, [("Jumlah usulan: ", False), ("{{ jumlah.teks }}", True), (".", False)])
    box = doc.add_table(rows=1, cols=1)
    box.style = "Table Grid"
    cell = box.rows[0].cells[0]
    cell.text = "Isi disposisi Kepala Dinas:"
    for _ in range(4):
        cell.add_paragraph()
    para(doc, after=6)
    signature(
        doc, ["{{ doc.tempat }}, {{ disposisi.tanggal }}", "{{ pengaju.jabatan }},"], "pengaju"
    )
    ledger_mark(doc)
    return doc


def daftar_porsi(paper: str):
    doc = new_document(paper)
    kop_prov(doc)
    title(doc, "DAFTAR PORSI PEMBAGIAN BLANKO KTP-el")
    para(doc, "Permohonan {{ req.id }}", align=CENTER, after=8)
    loop_table(
        doc,
        ["No", "Kabupaten/Kota", "Diminta (keping)", "Porsi (keping)"],
        ["rows", "{{ r.no }}", "{{ r.kabkota }}", "{{ r.diminta }}", "{{ r.porsi }}"],
        [10, 65, 45, 45],
        total=["", "Jumlah", "", "{{ jumlah.angka }}"],
    )
    rich(
        doc,
        [
            ("Jumlah porsi pembagian ", False),
            ("{{ jumlah.teks }}", True),
            (
                " dari {{ diterima_baik.teks }} blanko KTP-el yang diterima dalam keadaan baik.",
                False,
            ),
        ],
        after=12,
    )
    signature(
        doc,
        [
            "Ditetapkan di {{ doc.tempat }}",
            "pada tanggal {{ penetapan.tanggal }}",
            "{{ penandatangan.jabatan|upper }},",
        ],
        "penandatangan",
    )
    ledger_mark(doc)
    return doc


def jadwal(paper: str):
    doc = new_document(paper)
    kop_prov(doc)
    title(doc, "JADWAL PENGAMBILAN/PENGANTARAN BLANKO KTP-el")
    para(doc, "Permohonan {{ req.id }}", align=CENTER, after=8)
    loop_table(
        doc,
        ["No", "Kabupaten/Kota", "Porsi (keping)", "Hari/Tanggal", "Cara"],
        [
            "rows",
            "{{ r.no }}",
            "{{ r.kabkota }}",
            "{{ r.porsi }}",
            "{{ r.tanggal }}",
            "{{ r.cara }}",
        ],
        [10, 40, 25, 45, 45],
        total=["", "Jumlah", "{{ jumlah.angka }}", "", ""],
    )
    signature(
        doc,
        ["{{ doc.tempat }}, {{ jadwal.tanggal }}", "{{ penandatangan.jabatan }},"],
        "penandatangan",
    )
    ledger_mark(doc)
    return doc


def surat_pernyataan_hibah(paper: str):
    doc = new_document(paper)
    kop(doc, "{{ kabkota.pemerintah }}", "{{ kabkota.dinas }}", "{{ kabkota.nama_lengkap }}")
    title(doc, "SURAT PERNYATAAN BERSEDIA MENERIMA HIBAH", "{{ serah.pernyataan }}")
    para(doc, "Yang bertanda tangan di bawah ini:", after=4)
    fields_table(
        doc,
        [
            ("Nama", "{{ pihak_kedua.nama }}"),
            ("NIP", "{{ pihak_kedua.nip }}"),
            ("Jabatan", "{{ pihak_kedua.jabatan }}"),
        ],
        widths=(30, 4, 126),
        left=5,
    )
    para(doc, after=6)
    rich(
        doc,
        [
            (
                "dengan ini menyatakan bersedia menerima hibah dari {{ pemberi }} berupa Blanko KTP-el "
                "sebanyak ",
                False,
            ),
            ("{{ jumlah.teks }}", True),
            (
                " untuk kebutuhan pelayanan administrasi kependudukan pada Dinas Kependudukan dan "
                "Pencatatan Sipil {{ kabkota.nama_lengkap }}, serta bertanggung jawab atas "
                "penyimpanan, penggunaan dan pelaporannya sesuai ketentuan peraturan "
                "perundang-undangan.",
                False,
            ),
        ],
    )
    para(
        doc,
        "Demikian surat pernyataan ini dibuat dengan sebenarnya untuk dipergunakan sebagaimana "
        "mestinya.",
        align=JUSTIFY,
        after=12,
    )
    signature(
        doc,
        ["{{ doc.tempat }}, {{ serah.tanggal }}", "Yang menyatakan,", "{{ pihak_kedua.jabatan }}"],
        "pihak_kedua",
        seal="Meterai Rp10.000",
    )
    ledger_mark(doc)
    return doc


def bast(paper: str):
    doc = new_document(paper)
    kop_prov(doc)
    title(doc, "BERITA ACARA SERAH TERIMA BLANKO KTP-el", "{{ serah.bast }}")
    para(
        doc,
        "Pada hari ini {{ serah.hari_kata }}, kami yang bertanda tangan di bawah ini:",
        align=JUSTIFY,
        after=6,
    )
    for no, who, name in (
        ("1.", "pihak_pertama", "PIHAK PERTAMA"),
        ("2.", "pihak_kedua", "PIHAK KEDUA"),
    ):
        fields_table(
            doc,
            [
                (f"{no} Nama", tag(who, "nama")),
                ("    NIP", tag(who, "nip")),
                ("    Jabatan", tag(who, "jabatan")),
            ],
            widths=(30, 4, 131),
        )
        rich(
            doc, [("Selanjutnya disebut ", False), (name, True), (".", False)], align=LEFT, after=6
        )
    rich(
        doc,
        [
            ("PIHAK PERTAMA", True),
            (" menyerahkan kepada ", False),
            ("PIHAK KEDUA", True),
            (", dan ", False),
            ("PIHAK KEDUA", True),
            (" menerima dari ", False),
            ("PIHAK PERTAMA", True),
            (", barang sebagai berikut:", False),
        ],
    )
    loop_table(
        doc,
        ["No", "Nama Barang", "Jumlah", "Satuan", "Keterangan"],
        [
            "barang",
            "{{ r.no }}",
            "{{ r.nama }}",
            "{{ r.jumlah }}",
            "{{ r.satuan }}",
            "{{ r.keterangan }}",
        ],
        [10, 50, 30, 25, 50],
    )
    rich(
        doc,
        [
            ("dengan jumlah seluruhnya ", False),
            ("{{ jumlah.teks }}", True),
            (
                " untuk Dinas Kependudukan dan Pencatatan Sipil {{ kabkota.nama_lengkap }} "
                "({{ serah.cara }}), berdasarkan Surat Pernyataan Bersedia Menerima Hibah Nomor "
                "{{ serah.pernyataan }}. Sejak Berita Acara ini ditandatangani, tanggung jawab atas "
                "barang tersebut beralih dari ",
                False,
            ),
            ("PIHAK PERTAMA", True),
            (" kepada ", False),
            ("PIHAK KEDUA", True),
            (".", False),
        ],
    )
    para(
        doc,
        "Demikian Berita Acara Serah Terima ini dibuat dengan sebenarnya dalam rangkap 2 (dua) "
        "untuk dipergunakan sebagaimana mestinya.",
        align=JUSTIFY,
        after=12,
    )
    two_signatures(
        doc,
        (["PIHAK KEDUA,", "{{ pihak_kedua.jabatan }}"], "pihak_kedua"),
        (["PIHAK PERTAMA,", "{{ pihak_pertama.jabatan }}"], "pihak_pertama"),
    )
    ledger_mark(doc)
    return doc


BUILDERS = {
    "notulen": notulen,
    "surat-permohonan": surat_permohonan,
    "surat-badan-penghubung": surat_badan_penghubung,
    "disposisi": disposisi,
    "daftar-porsi": daftar_porsi,
    "jadwal": jadwal,
    "surat-pernyataan-hibah": surat_pernyataan_hibah,
    "bast": bast,
}


def template_bytes(kind: str, paper: str = "A4") -> bytes:
    """One template as .docx bytes, with fixed core properties (so reruns give the same file)."""
    from datetime import datetime

    doc = BUILDERS[kind](paper)
    _slim(doc)
    props = doc.core_properties
    props.author = props.last_modified_by = "ktpel"
    props.title = kind
    props.created = props.modified = datetime(2026, 1, 1)
    props.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    return _fixed_zip(buf.getvalue())


def _slim(doc) -> None:
    """Keep only the styles the template uses; drop python-docx's 440 KB stylesWithEffects part
    and the thumbnail. The default template carries ~800 KB of XML every render would parse and
    every saved document would carry; what is left renders the same in Word and LibreOffice."""
    import re

    xml = doc.element.xml + "".join(s.footer._element.xml for s in doc.sections)
    used = set(re.findall(r'w:(?:pStyle|rStyle|tblStyle) w:val="([^"]+)"', xml))
    styles = doc.styles.element
    by_id = {el.get(qn("w:styleId")): el for el in styles.findall(qn("w:style"))}
    keep = {sid for sid, el in by_id.items() if el.get(qn("w:default")) == "1"} | used
    todo = list(keep)
    while todo:  # what the kept styles are based on, link to or continue with
        el = by_id.get(todo.pop())
        if el is None:
            continue
        for tag in ("w:basedOn", "w:link", "w:next"):
            ref = el.find(qn(tag))
            if ref is not None and ref.get(qn("w:val")) not in keep:
                keep.add(ref.get(qn("w:val")))
                todo.append(ref.get(qn("w:val")))
    for sid, el in by_id.items():
        if sid not in keep:
            styles.remove(el)
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)
    for rel in list(doc.part.rels.values()):
        if rel.reltype.endswith("/stylesWithEffects"):
            doc.part.drop_rel(rel.rId)
    package_rels = doc.part.package.rels
    for rid, rel in list(package_rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            package_rels.pop(rid)


def _fixed_zip(data: bytes) -> bytes:
    """The same archive with fixed entry times, so a rerun gives byte-identical templates."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, src.read(item.filename))
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build ktpel's default document templates.")
    parser.add_argument("--paper", choices=sorted(PAPERS), default="A4")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "templates")
    parser.add_argument("kinds", nargs="*", default=list(BUILDERS))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for kind in args.kinds:
        (args.out / f"{kind}.docx").write_bytes(template_bytes(kind, args.paper))
        print(args.out / f"{kind}.docx")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
