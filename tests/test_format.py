"""The file format outlives its libraries: a golden ledger made by an earlier ktpel audits clean
and reads the same forever; the audit judges a request file by its data, so the same data in
another TOML layout (the inline form, a hand comment) is a warning, never an honest error."""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import head_of
from test_audit import STEP1, _at, commit_raw

from ledger.audit import audit
from ledger.request import Event, request_path
from ledger.store import Ledger, signing_key_path
from ledger.trailers import commit_message

DATA = Path(__file__).parent / "data"


@pytest.fixture
def golden(tmp_path: Path) -> Path:
    """A fresh clone of the golden ledger (tests/data/golden-ledger.bundle: the demo ledger,
    81 signed commits, written by ktpel before the kernel and SOP revisions existed)."""
    root = tmp_path / "golden"
    subprocess.run(
        ["git", "clone", "-q", "-b", "main", str(DATA / "golden-ledger.bundle"), str(root)],
        check=True,
        capture_output=True,
    )
    return root


def test_the_golden_ledger_audits_clean_and_reads_the_same(golden):
    expected = json.loads((DATA / "golden-ledger.json").read_text(encoding="utf-8"))
    assert head_of(golden) == expected["head"]
    with Ledger.open(golden) as led:
        report = audit(led, use_cache=False)
        assert report.findings == [] and report.commits == 81
        assert (
            json.loads(json.dumps([s.to_json() for s in led.list_requests()]))
            == (expected["requests"])
        )


def _inline(value) -> str:
    """A TOML value written inline (a small writer for this test: the layout another TOML
    library could legally choose)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_inline(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _as_inline_events(text: str) -> str:
    doc = tomllib.loads(text)
    events = doc.pop("event")
    state = doc.pop("state")
    head = "".join(f"{k} = {_inline(v)}\n" for k, v in doc.items())
    body = f"state = {_inline(state)}\n" + "event = [\n"
    body += "".join(f"  {_inline(e)},\n" for e in events) + "]\n"
    out = head + body
    assert tomllib.loads(out) == tomllib.loads(text)  # the same data, another layout
    return out


def _step_by_hand(root: Path, request_id: str, event: Event, rewrite) -> str:
    """Record `event` through the kernel in a copy, then commit its file rewritten by hand."""
    copy = root.parent / "scratch"
    shutil.copytree(root, copy, symlinks=True)
    with Ledger.open(copy) as led:
        recorded = led.record(request_id, event)
        policy = led.policy()
        person = policy.person(event.by)
        message = commit_message(recorded.request, recorded.request.events[-1], policy)
    text = (copy / request_path(request_id)).read_text(encoding="utf-8")
    shutil.rmtree(copy)
    return commit_raw(
        root,
        {request_path(request_id): rewrite(text)},
        message,
        person,
        signing_key_path(event.by),
        recorded.request.events[-1].at,
    )


@pytest.mark.parametrize(
    "rewrite",
    [_as_inline_events, lambda text: text + "# catatan tangan\n"],
    ids=["inline-events", "hand-comment"],
)
def test_the_same_data_written_another_way_is_a_warning_and_the_next_step_goes_on(
    demo_path, rewrite
):
    sha = _step_by_hand(
        demo_path, "2026-0006", Event("advance", 1, _at(), "maya", "kasi", STEP1), rewrite
    )
    with Ledger.open(demo_path) as led:
        found = audit(led, use_cache=False).findings
        assert [(f.code, f.commit, f.severity) for f in found] == [
            ("file-not-canonical", sha, "warning")
        ]
        assert led.read_request("2026-0006").step == 2
        # The next step writes the canonical form again and audits clean.
        step = led.policy().sop.step(2)
        led.record(
            "2026-0006",
            Event("advance", 2, _at(), "maya", step.role, {"subject": "Surat", "blanks_asked": 10}),
        )
        assert [f.code for f in audit(led, use_cache=False).findings] == ["file-not-canonical"]


def test_other_data_in_the_same_layout_is_still_a_file_mismatch(demo_path):
    sha = _step_by_hand(
        demo_path,
        "2026-0006",
        Event("advance", 1, _at(), "maya", "kasi", STEP1),
        # an earlier event (the letter) rewritten along the way
        lambda text: _as_inline_events(text).replace(
            '"blanks_requested" = ', '"blanks_requested" = 9', 1
        ),
    )
    with Ledger.open(demo_path) as led:
        found = audit(led, use_cache=False).findings
    assert ("file-mismatch", sha) in [(f.code, f.commit) for f in found]
