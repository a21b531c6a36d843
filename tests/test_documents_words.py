"""Numbers and dates in Indonesian words against num2words `id` (the oracle), 0 to 100,000."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from num2words import num2words

from ledger.documents.words import count_text, figures, tanggal, tanggal_words, terbilang


def test_terbilang_agrees_with_num2words_from_0_to_100000():
    disagree = [n for n in range(100_001) if terbilang(n) != num2words(n, lang="id")]
    assert disagree == []


@pytest.mark.parametrize(
    "n",
    [
        10**6,
        10**9,
        10**12,
        10**15,
        2_000_000,
        123_456_789,
        999_999_999_999,
        123_456_789_012_345,
        5 * 10**21,
        2_994_000_000,
    ],
)
def test_terbilang_agrees_with_num2words_on_large_numbers(n):
    assert terbilang(n) == num2words(n, lang="id")


def test_where_ktpel_and_num2words_differ_ktpel_follows_the_official_spelling():
    # One thousand inside a larger number is still "seribu" (num2words: "satu ribu"), and 10^18
    # is "kuintiliun" (KBBI; num2words: "kuantiliun"). Both checked here so the choice is visible.
    assert terbilang(1_001_001) == "satu juta seribu satu"
    assert num2words(1_001_001, lang="id") == "satu juta satu ribu satu"
    assert terbilang(10**18) == "satu kuintiliun"


def test_counts_in_figures_and_words_as_letters_write_them():
    assert figures(2994) == "2.994"
    assert count_text(2994) == "2.994 (dua ribu sembilan ratus sembilan puluh empat) keping"
    assert count_text(1000) == "1.000 (seribu) keping"
    assert count_text(0) == "0 (nol) keping"


def test_bast_opening_date_in_words():
    assert tanggal_words(date(2026, 12, 1)) == (
        "Selasa tanggal satu bulan Desember tahun dua ribu dua puluh enam"
    )
    assert tanggal(date(2026, 12, 1)) == "1 Desember 2026"


def test_every_day_of_two_years_in_words_matches_num2words():
    months = (
        "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember"
    )
    days = "Senin Selasa Rabu Kamis Jumat Sabtu Minggu".split()
    start = date(2026, 1, 1)
    for offset in range(731):
        d = start + timedelta(days=offset)
        want = (
            f"{days[d.weekday()]} tanggal {num2words(d.day, lang='id')} bulan "
            f"{months.split()[d.month - 1]} tahun {num2words(d.year, lang='id')}"
        )
        assert tanggal_words(d) == want


def test_terbilang_refuses_what_is_not_a_whole_number():
    with pytest.raises(TypeError):
        terbilang(2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        terbilang(True)
