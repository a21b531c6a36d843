"""WhatsApp hand-off: numbers, the wa.me link, the message and its QR code."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import zxingcpp

from ledger import i18n
from ledger.clock import WIB
from ledger.handoff import (
    Handoff,
    display_number,
    handoff_link,
    handoff_message,
    normalize_whatsapp,
    qr_lines,
    reminder_message,
    wa_link,
    whatsapp_problem,
)
from ledger.rules import LedgerError

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=WIB)  # a Wednesday


@pytest.mark.parametrize(
    "typed",
    [
        "081234567890",
        "0812-3456-7890",
        "0812 3456 7890",
        "(0812) 3456.7890",
        "+62 812-3456-7890",
        "+6281234567890",
        "6281234567890",
        "62 812 3456 7890",
        "+62 0812 3456 7890",
        "  0812-3456-7890  ",
    ],
)
def test_accepted_forms_become_62(typed):
    assert normalize_whatsapp(typed) == "6281234567890"
    assert whatsapp_problem(typed) is None


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "nomornya kosong"),
        (" - ", "nomornya kosong"),
        ("812-3456-7890", "harus diawali 08, 62 atau +62"),
        ("+1 415 555 0100", "bukan nomor Indonesia (+62)"),
        ("0717-422-111", "bukan nomor seluler"),  # a Pangkalpinang landline
        ("0812-345", "nomor seluler punya 10 sampai 13 angka (mulai 08), bukan 7"),
        ("0812-3456-7890-1234", "bukan 16"),
        ("0812 3456 789O", "hanya boleh angka"),
        ("+62+812345678", "hanya boleh angka"),
        ("０８１２３４５６７８９０", "hanya boleh angka"),  # full-width digits
    ],
)
def test_other_numbers_are_refused_with_a_clear_sentence(typed, reason):
    with pytest.raises(LedgerError) as caught:
        normalize_whatsapp(typed)
    assert caught.value.code == "whatsapp-invalid"
    assert caught.value.violations[0].field == "whatsapp"
    message = caught.value.message()
    assert message.startswith(f"Nomor WhatsApp '{typed.strip()}' tidak sah: ")
    assert reason in message
    assert message.endswith(
        "Tulis nomor seluler Indonesia, mis. 0812-3456-7890 atau +62 812-3456-7890."
    )
    assert whatsapp_problem(typed).code == "whatsapp-invalid"


def test_refusal_in_english_and_without_control_characters():
    i18n.set_language("en")
    with pytest.raises(LedgerError) as caught:
        normalize_whatsapp("0812\x1b[2J")
    assert caught.value.message() == (
        "WhatsApp number '0812?[2J' is not valid: only digits, spaces, dashes and a leading + "
        "are allowed. Write an Indonesian mobile number, e.g. 0812-3456-7890 or +62 812-3456-7890."
    )


def test_display_form():
    assert display_number("6281234567890") == "+62 812-3456-7890"
    assert display_number("628123456789") == "+62 812-3456-789"


def test_link_is_url_encoded_for_spaces_ampersand_and_non_ascii():
    text = "Yth. Ibu Siti Nur'aini & Bpk. Andi Ré, 50% blanko #19 + 1 = ok?\nTerima kasih"
    link = wa_link("0812-3456-7890", text)
    assert link == (
        "https://wa.me/6281234567890?text="
        "Yth.%20Ibu%20Siti%20Nur%27aini%20%26%20Bpk.%20Andi%20R%C3%A9%2C%2050%25%20blanko"
        "%20%2319%20%2B%201%20%3D%20ok%3F%0ATerima%20kasih"
    )
    # Read back as a browser would: one parameter, the text exactly.
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wa.me", "/6281234567890")
    assert parse_qs(parts.query) == {"text": [text]}
    assert " " not in link and "&" not in parts.query and "é" not in link


def test_link_refuses_a_bad_number():
    with pytest.raises(LedgerError):
        wa_link("12345", "halo")


def handoff(**changes) -> Handoff:
    base = dict(
        request="2026-0005",
        to_name="Hj. Siti Nur'aini & Andi Ré",
        to_number="+62 812-3456-7890",
        next_step=9,
        next_title="Penomoran surat",
        due=datetime(2026, 11, 27, 8, 15, tzinfo=WIB),
        done_step=8,
        done_title="Tanda tangan Kepala Dinas",
        done_by="Drs. Rudi Hartono, M.Si",
    )
    base.update(changes)
    return Handoff(**base)


def test_handoff_message_says_request_step_done_what_waits_and_due():
    assert handoff_message(handoff(), NOW) == (
        "Yth. Hj. Siti Nur'aini & Andi Ré,\n"
        "Permohonan blanko KTP-el 2026-0005: langkah 8 (Tanda tangan Kepala Dinas) sudah "
        "dicatat oleh Drs. Rudi Hartono, M.Si.\n"
        "Sekarang menunggu Anda: langkah 9 (Penomoran surat), batas waktu Jumat 08:15."
    )
    assert handoff_message(handoff(), NOW, "en") == (
        "Dear Hj. Siti Nur'aini & Andi Ré,\n"
        "KTP-el blanks request 2026-0005: step 8 (Tanda tangan Kepala Dinas) was recorded by "
        "Drs. Rudi Hartono, M.Si.\n"
        "Now waiting on you: step 9 (Penomoran surat), due Friday 08:15."
    )


def test_handoff_link_carries_the_message_to_the_next_person():
    link = handoff_link(handoff(), NOW)
    assert link.startswith("https://wa.me/6281234567890?text=Yth.%20Hj.%20Siti%20Nur%27aini%20%26")
    assert unquote(link.split("?text=", 1)[1]) == handoff_message(handoff(), NOW)


def test_step_19_detail_and_no_due_time():
    h = handoff(
        next_step=19,
        next_title="Distribusi & serah terima",
        detail="konfirmasi penerimaan Kab. Bangka",
        due=None,
        done_step=19,
        done_title="Distribusi & serah terima",
    )
    assert handoff_message(h, NOW).splitlines()[-1] == (
        "Sekarang menunggu Anda: langkah 19 (Distribusi & serah terima): "
        "konfirmasi penerimaan Kab. Bangka."
    )


def test_names_from_files_cannot_break_the_message_into_extra_lines():
    h = handoff(to_name="Maya\n\x1b[31mLestari\t S.IP", done_by="Rudi\r\nHartono")
    lines = handoff_message(h, NOW).splitlines()
    assert len(lines) == 3
    assert lines[0] == "Yth. Maya [31mLestari S.IP,"
    assert "dicatat oleh Rudi Hartono." in lines[1]


def test_reminder_message():
    h = handoff(
        done_step=None, done_title="", done_by="", due=datetime(2026, 11, 20, 8, 15, tzinfo=WIB)
    )
    assert reminder_message(h, "2h 3j", NOW) == (
        "Yth. Hj. Siti Nur'aini & Andi Ré,\n"
        "Pengingat: permohonan blanko KTP-el 2026-0005 menunggu Anda di langkah 9 "
        "(Penomoran surat).\n"
        "Batas waktunya Jumat 20 Nov 08:15 (terlambat 2h 3j)."
    )
    assert reminder_message(h, "2h 3j", NOW, "en").splitlines()[-1] == (
        "It was due Friday 20 Nov 08:15 (2h 3j late)."
    )


# --- the QR code, read back as a phone would ----------------------------------------------------


def raster(lines: tuple[str, ...], ink: int, paper: int, scale: int = 4) -> zxingcpp.ImageView:
    """Paint the text as a terminal does: each cell is a column of two modules; a glyph inks
    its upper half (▀), lower half (▄), both (█) or none (space)."""
    halves = {"█": (True, True), "▀": (True, False), "▄": (False, True), " ": (False, False)}
    rows: list[list[bool]] = []
    for line in lines:
        cells = [halves[ch] for ch in line]
        rows.append([top for top, _ in cells])
        rows.append([bottom for _, bottom in cells])
    # Some paper around the code, as the screen around the TUI's QR box.
    width = len(rows[0]) + 8
    rows = (
        [[False] * width] * 4
        + [[False] * 4 + r + [False] * 4 for r in rows]
        + [[False] * width] * 4
    )
    pixels = bytearray()
    for row in rows:
        line = bytearray()
        for inked in row:
            line += bytes([ink if inked else paper]) * scale
        pixels += bytes(line) * scale
    height, width = len(rows) * scale, width * scale
    return memoryview(bytes(pixels)).cast("B", (height, width))


def read_back(image) -> list[str]:
    return [
        b.text
        for b in zxingcpp.read_barcodes(
            image, formats=zxingcpp.BarcodeFormat.QRCode, try_invert=False
        )
    ]


def test_qr_code_of_the_handoff_link_scans_back_to_the_link():
    link = handoff_link(handoff(), NOW)
    lines = qr_lines(link)
    assert len({len(line) for line in lines}) == 1
    assert set("".join(lines)) <= set("█▀▄ ")
    # Dark glyphs shown dark on light (the TUI's black on white).
    assert read_back(raster(lines, ink=0, paper=255)) == [link]


def test_inverted_qr_code_scans_on_a_light_on_dark_terminal():
    link = handoff_link(handoff(), NOW)
    lines = qr_lines(link, invert=True)
    assert read_back(raster(lines, ink=255, paper=0)) == [link]
    # And the plain form shown light on dark would be a negative, which we do not rely on.
    assert qr_lines(link) != lines


def test_qr_size_of_a_typical_handoff_fits_a_wide_terminal():
    lines = qr_lines(handoff_link(handoff(), NOW))
    # Two modules per line: a version 13 code (69 modules with the border) is 69 x 35.
    assert len(lines[0]) <= 81 and len(lines) <= 41
