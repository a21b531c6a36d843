"""ledger.textsafe: text reaches a terminal visibly, identifiers cannot look alike, notes are seen."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.rules import RULES
from ledger.textsafe import (
    free_text_problems,
    has_visible_content,
    identifier,
    identity_key,
    visible,
)

# --- (a) visible -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),  # clear screen, cursor home
        ("\x1b]0;owned\x07", "\\x1b]0;owned\\x07"),  # set the window title
        ("a\rTidak ada temuan", "a\\x0dTidak ada temuan"),  # carriage return overprints
        ("x\x7fy", "x\\x7fy"),  # DEL
        ("\x9b31m", "\\x9b31m"),  # C1 CSI: an escape sequence in one character
        ("abc\u202edcba", "abc<U+202E>dcba"),  # right-to-left override
        ("470\u200b/1", "470<U+200B>/1"),  # zero-width space
        ("\ufeffx", "<U+FEFF>x"),  # byte order mark
        ("a\u2028b", "a<U+2028>b"),  # line separator
        ("\udc80", "<U+DC80>"),  # an undecodable byte kept by surrogateescape
        ("\u3164", "<U+3164>"),  # Hangul filler: a "letter" that draws nothing
        ("Maya\nLestari", "Maya\\x0aLestari"),  # a newline cannot start a fake line
    ],
)
def test_control_and_invisible_characters_are_shown_not_obeyed(raw, shown):
    assert visible(raw) == shown


def test_ordinary_text_of_any_script_is_left_alone():
    for text in ("Maya Lestari, S.IP", "470/12/DP3ACSKB/2026", "Ёлка", "日本語", "café", ""):
        assert visible(text) == text


def test_newlines_can_be_kept_for_multi_line_notes():
    assert visible("baris 1\nbaris\x1b 2", keep_newlines=True) == "baris 1\nbaris\\x1b 2"


def test_visible_accepts_any_value():
    assert visible(12) == "12"
    assert visible(None) == "None"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_nothing_a_terminal_obeys_survives_visible(text):
    shown = visible(text)
    # spaces (Zs) are harmless; controls, format characters, separators, surrogates, unassigned
    # and private-use code points are all written out
    hidden = [
        ch for ch in shown if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Cn", "Co", "Zl", "Zp")
    ]
    assert hidden == [], repr(shown)


# --- (b) identifiers ---------------------------------------------------------------------------


def codes(problems):
    return sorted(v.code for v in problems)


def test_full_width_digits_fold_to_the_same_identifier():
    value, problems = identifier("２０２６-０００３", "id")
    assert value == "2026-0003" and problems == []


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("470/1\u200b2/DP3ACSKB/2026", "text-invisible"),  # a letter number reused with a ZWSP
        ("2026-000\u202e3", "text-bidi"),
        ("2026-\u0663\u0663\u0663\u0663", "text-digits"),  # Arabic-Indic digits
        ("\u0967\u096f\u096e\u096e", "text-digits"),  # Devanagari digits in a NIP
        ("470/12/DP3\u0410CSKB/2026", "text-mixed-script"),  # a Cyrillic A among Latin
        ("maya@dp3acskb.babelpr\u043ev.go.id", "text-mixed-script"),  # Cyrillic o in an email
        ("19.0\x001", "text-control"),
    ],
)
def test_look_alike_and_hidden_identifiers_are_refused(raw, code):
    _, problems = identifier(raw, "nomor surat")
    assert code in codes(problems)
    for v in problems:
        assert v.code in RULES
        assert "nomor surat" in v.message("id")
        assert "\u200b" not in v.message("id") and "\u202e" not in v.message("id")


def test_plain_identifiers_pass():
    for raw in ("470/12/DP3ACSKB/2026", "198803152014031002", "19.71", "maya@x.go.id", "maya"):
        assert identifier(raw, "x") == (raw, [])


def test_names_and_emails_compare_after_normalisation():
    assert identity_key("Maya  Lestari") == identity_key("maya lestari")
    assert identity_key("Maya\u200b Lestari") == identity_key("MAYA LESTARI")
    assert identity_key("Ｍａｙａ") == identity_key("maya")
    assert identity_key("Maya") != identity_key("M\u0430ya")  # a look-alike stays different;
    # identifier() refuses it as mixed-script before it could be listed


# --- (c) free text -----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", "   ", "\u200b\u200b", "\u3164", "\n\t", "\u2800 \ufeff"])
def test_a_note_that_looks_empty_is_refused(raw):
    assert not has_visible_content(raw)
    assert codes(free_text_problems(raw, "catatan")) == ["text-empty"]


def test_a_note_with_escape_sequences_is_refused():
    assert codes(free_text_problems("ok\x1b[2J", "catatan")) == ["text-control"]
    assert codes(free_text_problems("ok \u202egnp.exe", "catatan")) == ["text-bidi"]


def test_a_real_note_passes_with_paragraphs():
    assert free_text_problems("Jumlah kurang 10 keping.\n\nDiperiksa ulang.", "catatan") == []


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_checks_never_raise(text):
    identifier(text, "x")
    free_text_problems(text, "x")
    identity_key(text)
    for v in identifier(text, "x")[1] + free_text_problems(text, "x"):
        assert v.code in RULES
        v.message("en")
