"""Letter numbers against the templates of ledger.toml's [letters] table."""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from pathlib import Path

import pytest

from ledger import i18n
from ledger.clock import WIB
from ledger.letters import (
    check_number,
    draft_number,
    last_known,
    next_number,
    parse_letters,
    parse_template,
    read_number,
    sequence_hint,
)
from ledger.rules import LedgerError
from ledger.worktime import WORKING, parse_calendar

DITJEN = "400.12.3.2/{seq}/DP3ACSKB/{year}"

LEDGER_TOML = """
[letters]
surat_ditjen = "400.12.3.2/{seq}/DP3ACSKB/{year}"
surat_bapeng = "000.1.2.3/{seq}/DP3ACSKB/{year}"
bast = "400.12.3.2/{seq}/BAST/DP3ACSKB/{month}/{year}"

[letters.pernyataan]
"19.01" = "400.12/{seq}/Dukcapil/{year}"
"19.02" = "470/{seq}/DKPS-BLT/{year}"
"""


@pytest.fixture
def letters():
    table = tomllib.loads(LEDGER_TOML)["letters"]
    return parse_letters(table, offices=("prov", "19.01", "19.02"))


def test_a_number_from_the_register_fits_and_says_its_sequence_and_year(letters):
    template = letters.template("surat_ditjen")
    found = read_number("400.12.3.2/117/DP3ACSKB/2026", template)
    assert (found.seq, found.year, found.month) == (117, 2026, None)
    assert check_number("400.12.3.2/117/DP3ACSKB/2026", template, date(2026, 12, 1)) is None
    # Compared as uniqueness compares: spaces and case do not matter, leading zeros do not either.
    assert read_number(" 400.12.3.2 / 0117 / dp3acskb / 2026 ", template).seq == 117


@pytest.mark.parametrize(
    "typed",
    [
        "/2026",
        "400.12.3.2//DP3ACSKB/2026",
        "400.12.3.2/0/DP3ACSKB/2026",
        "400.12.3.2/12a/DP3ACSKB/2026",
        "470/117/DP3ACSKB/2026",
        "400.12.3.2/117/DP3ACSKB/26",
        "400.12.3.2/117/DP3ACSKB/2026/extra",
        "400.12.3.2/117/DP3ACSKB",
    ],
)
def test_a_number_off_its_template_is_refused_with_the_template_in_the_sentence(letters, typed):
    violation = check_number(typed, letters.template("surat_ditjen"), field="letter_number")
    assert violation is not None
    assert violation.code == "letter-off-template"
    assert violation.field == "letter_number"
    assert violation.message() == (
        f"Nomor surat permohonan ke Ditjen '{typed}' tidak sesuai templat "
        "400.12.3.2/{seq}/DP3ACSKB/{year} ({seq} = nomor urut dari buku agenda, "
        "{year} = tahun, mis. 2026)."
    )


def test_refusal_in_english(letters):
    i18n.set_language("en")
    violation = check_number("BAST/1/2026", letters.template("bast"))
    assert violation.message() == (
        "The BAST (handover record) number 'BAST/1/2026' does not fit the template "
        "400.12.3.2/{seq}/BAST/DP3ACSKB/{month}/{year} ({seq} = the sequence from the letter "
        "register, {year} = the year, e.g. 2026, {month} = the Roman month, e.g. XII)."
    )


def test_roman_month_and_the_letter_date(letters):
    bast = letters.template("bast")
    found = read_number("400.12.3.2/8/BAST/DP3ACSKB/XII/2026", bast)
    assert (found.seq, found.month, found.year) == (8, 12, 2026)
    assert read_number("400.12.3.2/8/BAST/DP3ACSKB/xi/2026", bast).month == 11
    assert read_number("400.12.3.2/8/BAST/DP3ACSKB/IIII/2026", bast) is None
    assert read_number("400.12.3.2/8/BAST/DP3ACSKB/12/2026", bast) is None
    month = check_number("400.12.3.2/8/BAST/DP3ACSKB/XI/2026", bast, date(2026, 12, 3))
    assert month.code == "letter-date-mismatch"
    assert month.message() == (
        "Nomor BAST '400.12.3.2/8/BAST/DP3ACSKB/XI/2026' memuat bulan XI, "
        "padahal tanggalnya 2026-12-03."
    )
    year = check_number("400.12.3.2/8/BAST/DP3ACSKB/XII/2025", bast, date(2026, 12, 3))
    assert year.code == "letter-date-mismatch"
    assert "memuat tahun 2025" in year.message()


def test_templates_per_office_for_numbers_from_the_kabkota_register(letters):
    bangka = letters.template("pernyataan", "19.01")
    belitung = letters.template("pernyataan", "19.02")
    assert check_number("400.12/55/Dukcapil/2026", bangka) is None
    assert check_number("400.12/55/Dukcapil/2026", belitung).code == "letter-off-template"
    assert letters.template("pernyataan", "19.03") is None
    assert letters.template("pernyataan") is None
    assert letters.template("bast", "19.01") is letters.template("bast")


def test_a_ledger_without_letters_table_sets_no_template():
    letters = parse_letters(None)
    assert letters.template("surat_ditjen") is None
    assert letters.template("bast", "19.01") is None


def test_last_known_sequence_is_a_hint_never_a_number_to_accept(letters):
    template = letters.template("surat_ditjen")
    numbers = [
        "400.12.3.2/117/DP3ACSKB/2026",
        "400.12.3.2/9/DP3ACSKB/2026",
        "400.12.3.2/300/DP3ACSKB/2025",
        "470/500/DP3ACSKB/2026",  # another template: not this kind's
        "BAST/2026-0001/01/DP3ACSKB",
    ]
    last = last_known(numbers, template, 2026)
    assert (last.seq, last.number) == (117, "400.12.3.2/117/DP3ACSKB/2026")
    assert last_known(numbers, template, 2025).seq == 300
    assert last_known(numbers, template).seq == 300
    assert last_known(numbers, template, 2027) is None
    hint = sequence_hint(numbers, template, 2026)
    assert hint == (
        "Nomor urut surat permohonan ke Ditjen 2026 terakhir yang dikenal ledger: 117 "
        "(400.12.3.2/117/DP3ACSKB/2026); ambil nomor dari buku agenda/SRIKANDI."
    )
    # The hint names the last one known; it offers no "next" number to accept.
    assert "118" not in hint
    assert sequence_hint([], template, 2026, "en") == (
        "The ledger knows no letter to Ditjen number 2026 yet; take the number from the "
        "letter register (buku agenda/SRIKANDI)."
    )


def test_the_next_number_is_the_last_known_plus_one_dated_as_the_letter(letters):
    """What the form offers for → (taken only on that key): the last known sequence + 1, with
    the letter date's year and Roman month; nothing when the ledger knows none of the year."""
    bast = letters.template("bast")
    numbers = ["400.12.3.2/41/BAST/DP3ACSKB/X/2026", "400.12.3.2/7/BAST/DP3ACSKB/XI/2026"]
    assert next_number(numbers, bast, date(2026, 12, 1)) == "400.12.3.2/42/BAST/DP3ACSKB/XII/2026"
    assert (
        check_number(next_number(numbers, bast, date(2026, 12, 1)), bast, date(2026, 12, 1)) is None
    )
    assert next_number(numbers, bast, date(2027, 1, 5)) is None
    # None known that year: the template with an empty sequence slot, where the cursor goes.
    draft = "400.12.3.2//BAST/DP3ACSKB/I/2027"
    assert draft_number(numbers, bast, date(2027, 1, 5)) == (draft, 11, 11)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "harus teks yang tidak kosong"),
        (17, "harus teks yang tidak kosong"),
        ("400/DP3ACSKB/{year}", "{seq} harus ada tepat sekali"),
        ("400/{seq}/{seq}/{year}", "{seq} harus ada tepat sekali"),
        ("400/{seq}/{year}/{year}", "{year} dan {month} paling banyak sekali"),
        ("400/{nomor}/{year}", "{nomor} tidak dikenal"),
        ("400/{seq}{year}", "dua isian berdampingan"),
        ("400/{seq} {year}", "dua isian berdampingan"),
        ("400/{seq}/DP3ACSKB/{year", "kurung kurawal tanpa pasangan"),
        ("400/{seq}}/DP3ACSKB/{year}", "kurung kurawal tanpa pasangan"),
    ],
)
def test_a_template_that_cannot_tell_numbers_apart_is_refused(text, reason):
    with pytest.raises(LedgerError) as caught:
        parse_template("bast", text)
    assert caught.value.code == "letter-template-invalid"
    assert caught.value.message().startswith(
        f"Templat nomor BAST '{text}' di ledger.toml tidak sah"
    )
    assert reason in caught.value.message()


def test_a_letters_table_with_unknown_office_or_bad_kind_name_is_refused():
    with pytest.raises(LedgerError) as caught:
        parse_letters({"pernyataan": {"19.99": DITJEN}}, offices=("19.01",))
    assert "kantor '19.99' tidak ada di ledger.toml" in caught.value.message()
    with pytest.raises(LedgerError) as caught:
        parse_letters({"Surat Ditjen": DITJEN})
    assert caught.value.code == "letter-template-invalid"
    with pytest.raises(LedgerError):
        parse_letters({"bast": DITJEN, "surat_ditjen": "/{year}"})


def test_typed_control_characters_are_not_echoed():
    violation = check_number("400/\x1b[31m1\x07/2026", parse_template("surat_ditjen", DITJEN))
    message = violation.message()
    assert "\x1b" not in message and "\x07" not in message
    assert "'400/?[31m1?/2026'" in message


def test_a_new_kind_of_number_can_be_added_by_the_ledger():
    letters = parse_letters({"nota_dinas": "ND/{seq}/{year}"})
    template = letters.template("nota_dinas")
    assert read_number("ND/4/2026", template).seq == 4
    assert "Nomor nota_dinas 'ND/2026'" in check_number("ND/2026", template).message()


def test_the_example_in_format_md_reads_as_documented():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "FORMAT.md").read_text("utf-8")
    section = doc.split("## Office time, letter numbers and hand-offs (format 2)", 1)[1]
    example = tomllib.loads(section.split("```toml", 1)[1].split("```", 1)[0])
    assert example["format"] == 2
    cal = parse_calendar(example["calendar"])
    assert cal.day(date(2026, 11, 30)).closed == "HUT Provinsi Kepulauan Bangka Belitung"
    assert cal.day(date(2026, 5, 15)).working_minutes == 450
    assert cal.day(date(2026, 3, 2)).ramadan
    letters = parse_letters(example["letters"], offices=("prov", "19.01"))
    assert check_number("400.12.3.2/9/BAST/DP3ACSKB/XII/2026", letters.template("bast")) is None
    assert check_number("/2026", letters.template("surat_ditjen")).code == "letter-off-template"
    assert letters.template("pernyataan", "19.01").text == "400.12/{seq}/Dukcapil/{year}"
    # The section's worked case: 30 office minutes from Thursday 24 December 2026, 15:45.
    start = datetime(2026, 12, 24, 15, 45, tzinfo=WIB)
    assert cal.due(start, 30, WORKING) == datetime(2026, 12, 28, 8, 0, tzinfo=WIB)
