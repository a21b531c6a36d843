"""Reasons inside a refusal or a finding stay typed until shown (issue 9): switching the language
between two renders of the same value gives each render wholly in the current language."""

from __future__ import annotations

import re
import subprocess

import pytest

from ledger import i18n
from ledger.audit import audit
from ledger.policy import parse_policy
from ledger.rules import LedgerError

# Words that only occur in one language's sentences for these rules and reasons.
INDONESIAN = re.compile(r"\b(tidak|harus|nomor urut|peran|dikenal|kunci|sah|milik)\b")
ENGLISH = re.compile(r"\b(not|must|serial|role|known|valid|of|the)\b")


def _texts(demo) -> tuple[str, str, str]:
    head = demo.head()
    sop_file = f"sop/{demo.policy().settings.sop}.toml"
    return (
        demo.blob(head, "ledger.toml").decode(),
        demo.blob(head, "people.toml").decode(),
        demo.blob(head, sop_file).decode(),
    )


def _bad_people(people: str) -> str:
    """people.toml with one NIP ending in 000 and one unknown role."""
    nips = re.findall(r'nip = "(\d{18})"', people)
    assert nips
    broken = people.replace(nips[0], nips[0][:15] + "000", 1)
    return broken.replace("roles = [", 'roles = ["juru-sulap", ', 1)


def _assert_wholly(text: str, lang: str) -> None:
    other = ENGLISH if lang == "id" else INDONESIAN
    assert not other.search(text), f"{lang} text has words of the other language: {text}"


def test_a_policy_refusal_renders_wholly_in_the_language_current_when_shown(demo):
    settings, people, sop = _texts(demo)
    with pytest.raises(LedgerError) as err:
        parse_policy(settings, _bad_people(people), sop)
    codes = [v.code for v in err.value.violations]
    assert "bad-nip" in codes and "people-invalid" in codes

    i18n.set_language("id")
    first = err.value.message()
    i18n.set_language("en")
    second = err.value.message()
    i18n.set_language("id")
    third = err.value.message()

    assert "nomor urut (3 angka terakhir) tidak boleh 000" in first and "juru-sulap" in first
    assert "the serial number (last 3 digits) may not be 000" in second
    assert "the role 'juru-sulap' is not known" in second
    _assert_wholly(first, "id")
    _assert_wholly(second, "en")
    assert third == first


def test_a_quoted_boolean_setting_is_explained_in_either_language(demo):
    settings, people, sop = _texts(demo)
    bad = settings.replace("signatures_required = true", 'signatures_required = "yes"')
    with pytest.raises(LedgerError) as err:
        parse_policy(bad, people, sop)
    i18n.set_language("en")
    assert "'signatures_required' must be true or false (without quotes), not 'yes'" in (
        err.value.message()
    )
    i18n.set_language("id")
    assert "harus true atau false (tanpa tanda kutip), bukan 'yes'" in err.value.message()


def test_a_cached_finding_with_a_reason_renders_wholly_in_the_current_language(demo, demo_path):
    """The people.toml commit made with plain git is found by the audit; the second audit reads
    its findings from the cache, and each language's rendering is the same from both runs."""
    _, people, _ = _texts(demo)
    (demo_path / "people.toml").write_text(_bad_people(people), encoding="utf-8")
    for args in (
        ["add", "people.toml"],
        [
            "-c",
            "user.name=Yusuf",
            "-c",
            "user.email=yusuf@example.org",
            "-c",
            "commit.gpgsign=false",
            "commit",
            "-qm",
            "ubah orang",
        ],
    ):
        subprocess.run(["git", *args], cwd=demo_path, check=True, capture_output=True)

    first = audit(demo, use_cache=True)
    second = audit(demo, use_cache=True)
    assert second.checked == 0  # every finding came back from the cache
    wanted = [f for f in second.findings if f.code in ("bad-nip", "people-invalid")]
    assert {f.code for f in wanted} == {"bad-nip", "people-invalid"}

    renders: dict[str, list[str]] = {}
    for lang in ("en", "id", "en"):
        i18n.set_language(lang)
        now = [f.message() for f in first.findings if f.code in ("bad-nip", "people-invalid")]
        cached = [f.message() for f in wanted]
        assert cached == now
        for text in cached:
            _assert_wholly(text, lang)
        assert renders.setdefault(lang, cached) == cached
    assert any("may not be 000" in t for t in renders["en"])
    assert any("tidak boleh 000" in t for t in renders["id"])
