"""Issue 16, wired in: each class of attack at the levels tests/test_attacks.py does not reach.

test_attacks.py makes each attack and checks the audit and the hub; here the same rules are
checked where else they apply: refused at record time by the kernel (`kernel.apply`, the
record and admin verbs), parked by a syncing clone (never signed again), and the readers and
caches that must not be believed. Real git, real keys, a real hub, as there.
"""

from __future__ import annotations

import pytest
import test_sync as ts
from test_attacks import (
    NEW_REQUEST,
    audit_findings,
    lying_step,
    offices,  # noqa: F401 - a fixture
    people_toml,
    policy_commit,
    run_cli,
)
from test_audit import STEP1, _at, forge

from ledger import kernel
from ledger.admin import add_person
from ledger.history import _person, history
from ledger.policy import Person
from ledger.request import Event
from ledger.rules import LedgerError
from ledger.store import Ledger
from ledger.sync import sync


def codes(exc: pytest.ExceptionInfo[LedgerError]) -> list[str]:
    return [v.code for v in exc.value.violations]


# --- record time: the kernel refuses before anything is written ------------------------------


def test_the_kernel_refuses_a_request_id_too_long_for_a_clone(demo_path):
    with Ledger.open(demo_path) as led:
        event = ts.create_event("19.05")
        with pytest.raises(LedgerError) as exc:
            kernel.apply(led.snapshot(led.head()), kernel.RequestOp("2026-" + "7" * 295, event))
    # Refused as an id before it is ever a path (REQUEST_ID_RE stops at REQUEST_ID_MAX); a file
    # with such a name arriving in a tree is `tree-id-long` (tests/test_treecheck.py).
    assert codes(exc) == ["bad-request-id"]


def test_the_kernel_refuses_an_escape_in_a_note_and_a_look_alike_letter_number(demo_path):
    with Ledger.open(demo_path) as led:
        head = led.head()
        with pytest.raises(LedgerError) as exc:
            led.record(
                "2026-0003",
                Event("return", 8, _at(), "hendra", "kadis", {}, note="Revisi\x1b]0;x\x07"),
            )
        assert "text-control" in codes(exc)
        event = ts.create_event("19.05")
        cyrillic = {**event.data, "letter_number": "470/9/Duk\u0441apil/2026"}  # Cyrillic 'с'
        with pytest.raises(LedgerError) as exc:
            led.record(None, Event("create", 0, event.at, event.by, event.role, cyrillic))
        assert "text-mixed-script" in codes(exc)
        assert led.head() == head


def test_one_admin_is_refused_at_record_what_needs_a_second(demo_path):
    with Ledger.open(demo_path) as led:
        head = led.head()
        settings = (demo_path / "ledger.toml").read_bytes()
        off = settings.replace(b"signatures_required = true", b"signatures_required = false")
        with pytest.raises(LedgerError) as exc:
            led.change_policy("yusuf", {"ledger.toml": off}, "tanda tangan tidak wajib", at=_at())
        assert codes(exc) == ["second-admin-needed"]
        person = Person(
            "eve", "Eve\x1b[2J", "199001012015031001", "eve@x.go.id", "prov", ("pelaksana",)
        )
        with pytest.raises(LedgerError) as exc:
            add_person(led, "yusuf", person, at=_at())
        assert "text-control" in codes(exc)
        assert led.head() == head


def test_a_role_for_another_is_granted_by_one_admin(demo_path):
    """The second-admin rule is about one's own power: granting a clerk a role stays one step."""
    text = people_toml(demo_path)
    start = text.index('id = "dedi"')
    roles_at = text.index("roles = [", start)
    granted = text[:roles_at] + 'roles = [\n    "kasi",' + text[roles_at + len("roles = [") :]
    sha = policy_commit(demo_path, granted)
    assert [f.code for f in audit_findings(demo_path) if f.commit == sha] == []


# --- sync: a planted commit is parked with its reason, never signed -------------------------


def test_sync_parks_a_planted_self_granted_role_and_a_lying_subject(offices):  # noqa: F811
    hub_path, make = offices
    a, b = make("a"), make("b")
    text = people_toml(b.root)
    start = text.index('id = "yusuf"')
    roles_at = text.index('"admin",', start)
    bent = text[:roles_at] + '"admin",\n    "kabid",' + text[roles_at + len('"admin",') :]
    granted = policy_commit(b.root, bent)
    ts.advance(a, "2026-0005")
    sync(a)
    result = sync(b)
    parked = {p.name: p for p in result.parked}
    assert any(granted[:12] in name for name in parked), parked
    assert "kabid" not in Ledger.open(b.root).policy().person("yusuf").roles
    lied = lying_step(b.root, lambda m: b"[2026-0006] DITOLAK oleh Kasi" + m[m.index(b"\n") :])
    ts.advance(a, "2026-0005")
    sync(a)
    result = sync(b)
    assert any(lied[:12] in p.name for p in result.parked)
    assert b.read_request("2026-0006").step == 1


def test_sync_no_cache_checks_the_hub_from_scratch(offices):  # noqa: F811
    hub_path, make = offices
    a, b = make("a"), make("b")
    ts.advance(a, "2026-0005")
    sync(a)
    code, out, err = run_cli(b.root, "--lang", "en", "sync", "--no-cache")
    assert code == 0 and "Traceback" not in err
    assert b.read_request("2026-0005").step == a.read_request("2026-0005").step


# --- readers and caches ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        b"Maya <m@x> 1795834560 +9959",
        b"Maya <m@x> 299000000000 +0700",
        b"Maya <m@x> 99999999999999999 -0000",
        b"Maya \x1e\x1f <m@x>",
        b"",
    ],
)
def test_history_reads_any_author_header_without_raising(header):
    name, _, when = _person(header)
    assert when.year >= 1970 and isinstance(name, str)


def test_history_keeps_a_subject_with_record_separators_whole(demo_path):
    sha = lying_step(demo_path, lambda m: m.replace(b"]", b"]\x1e\x1fx", 1))
    with Ledger.open(demo_path) as led:
        entries = history(led, "2026-0006", limit=3)
    assert entries[0].sha == sha and "\x1e\x1fx" in entries[0].subject
    assert all(len(e.sha) == 40 for e in entries)


def test_a_cache_made_by_other_code_is_set_aside(demo_path):
    import json

    bad = forge(demo_path, "2026-0006", Event("advance", 1, _at(), "maya", "kasi", STEP1), key=None)
    assert "unsigned" in [f.code for f in audit_findings(demo_path, use_cache=True)]
    state_file = demo_path / ".git" / "ktpel" / "audit.json"
    state = json.loads(state_file.read_text())
    state["code"] = "0" * 64  # the verdicts of another ktpel
    state_file.write_text(json.dumps(state))
    with Ledger.open(demo_path) as led:
        from ledger.audit import audit

        report = audit(led)
    assert report.checked == report.commits and bad in [f.commit for f in report.findings]


def test_the_request_id_pattern_takes_ascii_digits_only():
    from ledger.request import REQUEST_FILE_RE, REQUEST_ID_RE

    assert REQUEST_ID_RE.match("2026-0007")
    assert not REQUEST_ID_RE.match("2026-\u0660\u0660\u0660\u0667")
    assert not REQUEST_FILE_RE.match("requests/2026/2026-\u0660\u0660\u0660\u0667.toml")


def test_a_request_file_that_is_not_utf8_is_a_sentence_in_the_list(demo_path):
    from test_attacks import commit_new_request

    text = NEW_REQUEST.format(letter="470/9/X/2026", blanks=100).encode()
    commit_new_request(demo_path, text.replace(b"470/9/X", b"470/\xff/X"))
    code, out, err = run_cli(demo_path, "list")
    assert code in (0, 1) and "Traceback" not in err
    with Ledger.open(demo_path) as led, pytest.raises(LedgerError) as exc:
        led.read_request("2026-0007")
    assert codes(exc) == ["file-malformed"]
