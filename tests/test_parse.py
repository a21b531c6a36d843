"""Request files are read with rtoml where it is installed, tomllib otherwise (issue 17): both
give the same data, refuse the same files, and a malformed file is one sentence naming the
file and the line, whichever parser read it."""

from __future__ import annotations

import pickle
import tomllib
from datetime import datetime, timezone

import pytest

from ledger import i18n, requestfile
from ledger.requestfile import parse_toml
from ledger.rules import LedgerError

PATH = "requests/2026/2026-0001.toml"
GOOD = (
    'format = 1\nid = "2026-0001"\nsop = "x"\n\n[[event]]\nseq = 1\n'
    "at = 2026-01-05T08:00:00+07:00\n\n[event.data]\nsent_at = 2026-01-05T09:30:00+08:00\n"
)
MALFORMED = {  # what a hand edit breaks, and the line it is on
    "unclosed string": (GOOD.replace('"2026-0001"', '"2026-0001'), 2),
    "duplicate key": (GOOD.replace('sop = "x"\n', 'sop = "x"\nsop = "y"\n'), 4),
    "bad datetime": (GOOD.replace("08:00:00", "25:00:00"), 7),
}


@pytest.fixture(params=["rtoml", "tomllib"])
def parser(request, monkeypatch):
    """Each test runs with rtoml and with tomllib alone (a machine without rtoml's wheel)."""
    if request.param == "tomllib":
        monkeypatch.setattr(requestfile, "_rtoml", None)
    else:
        pytest.importorskip("rtoml")
    return request.param


def refused(text: str) -> LedgerError:
    with pytest.raises(LedgerError) as caught:
        parse_toml(text, PATH)
    return caught.value


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_file_is_a_sentence_with_its_file_and_line(parser, case):
    text, line = MALFORMED[case]
    err = refused(text)
    (violation,) = err.violations
    assert (violation.code, violation.path, violation.line) == ("file-malformed", PATH, line)
    shown = err.message()
    assert shown.startswith(f"Berkas {PATH} bukan TOML yang sah (baris {line}): "), shown
    # The parser's own "(at line 4, column 1)" / "at line 4 column 1" is not repeated.
    assert "at line" not in shown and shown.count(str(line)) >= 1, shown
    i18n.set_language("en")  # conftest's autouse fixture sets it back
    assert err.message().startswith(f"{PATH} is not valid TOML (line {line}): ")


def test_both_parsers_give_the_same_data_as_tomllib_for_the_demo_files(parser, demo_template):
    texts = [p.read_text("utf-8") for p in sorted((demo_template / "requests").rglob("*.toml"))]
    assert len(texts) == 6
    for text in texts + [GOOD]:
        got = parse_toml(text, PATH)[1]
        assert got == tomllib.loads(text)
        # The values kept as read (event data) carry tomllib's own tzinfo: they pickle.
        kept = [e["data"] for e in got["event"] if "data" in e]
        for data in kept:
            for value in data.values():
                if isinstance(value, datetime):
                    assert type(value.tzinfo) is timezone
        assert pickle.loads(pickle.dumps(kept)) == kept
    sent = parse_toml(GOOD, PATH)[1]["event"][0]["data"]["sent_at"]
    assert sent.isoformat() == "2026-01-05T09:30:00+08:00"


@pytest.mark.parametrize(
    "edit",
    [
        ('sop = "x"\n', 'sop = "x"\nextra = { a = 1, }\n'),  # trailing comma, inline table
        ('sop = "x"', 'sop = "x\\e"'),  # the \e escape
        ("08:00:00+07:00", "08:00+07:00"),  # a time without seconds
        ("format = 1", "\ufeffformat = 1"),  # a byte-order mark
    ],
    ids=["inline-comma", "escape-e", "no-seconds", "bom"],
)
def test_toml_1_1_syntax_is_refused_as_tomllib_refuses_it(parser, edit):
    """rtoml reads TOML 1.1; tomllib (the audit's parser, and older ktpel) does not: the list
    must not accept a hand-edited file the audit then finds unreadable."""
    text = GOOD.replace(*edit)
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(text)
    assert refused(text).violations[0].code == "file-malformed"


def test_what_rtoml_alone_refuses_is_read_as_tomllib_reads_it(parser):
    text = GOOD + "blanks = " + "9" * 40 + "\n"  # beyond 64 bits: TOML 1.0 allows it
    assert parse_toml(text, PATH)[1]["event"][0]["data"]["blanks"] == int("9" * 40)
