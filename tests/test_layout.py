"""The sharded layout (ledger.toml `layout = "sharded"`, format 3; docs/FORMAT.md "Layouts"):
request files at `requests/<year>/<NN>/<id>.toml`, judged by the layout of each commit's parent."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import FIXED_NOW

from ledger.audit import audit
from ledger.demo import build_demo
from ledger.history import history
from ledger.kernel import migrated_settings
from ledger.policy import parse_settings
from ledger.request import REQUEST_FILE_RE, request_id_of, request_path
from ledger.rules import LedgerError
from ledger.treecheck import TreeEntry, check_entry


def test_one_function_gives_the_path_and_one_matcher_reads_both():
    assert request_path("2026-0007") == "requests/2026/2026-0007.toml"
    assert request_path("2026-0007", "sharded") == "requests/2026/07/2026-0007.toml"
    assert request_path("2026-12345", "sharded") == "requests/2026/45/2026-12345.toml"
    for path in ("requests/2026/2026-0007.toml", "requests/2026/07/2026-0007.toml"):
        assert REQUEST_FILE_RE.match(path) and request_id_of(path) == "2026-0007"
    assert request_id_of("requests/2026/7/2026-0007.toml") is None
    # A shard folder that does not agree with the id is not the request's file.
    codes = [
        v.code
        for v in check_entry(TreeEntry("100644", "blob", "requests/2026/08/2026-0007.toml", 10))
    ]
    assert codes == ["tree-id-path"]
    assert check_entry(TreeEntry("100644", "blob", "requests/2026/07/2026-0007.toml", 10)) == []


def test_layout_is_format_3_and_older_files_stay_flat():
    flat = Path(__file__).resolve().parent.parent / "ledger" / "templates" / "ledger.toml"
    text = flat.read_text(encoding="utf-8")
    assert parse_settings(text).layout == "flat"
    sharded = migrated_settings(text, "sharded")
    settings = parse_settings(sharded)
    assert (settings.layout, settings.format) == ("sharded", 3)
    assert sharded.replace('format = 3\nlayout = "sharded"', "format = 1") == text
    with pytest.raises(LedgerError) as exc:  # `layout` under format 1: an old reader would misread
        parse_settings(text.replace("format = 1", 'format = 1\nlayout = "sharded"'))
    assert exc.value.code == "settings-invalid" and "format = 3" in exc.value.message("en")
    with pytest.raises(LedgerError) as exc:
        parse_settings(sharded.replace('"sharded"', '"tree"'))
    assert "'layout' must be one of" in exc.value.message("en")


@pytest.fixture(scope="module")
def sharded(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("layout") / "ledger"
    build_demo(root, now=FIXED_NOW, layout="sharded").close()
    return root


def test_a_sharded_ledger_walks_lists_and_audits_clean(sharded: Path):
    from ledger.store import Ledger

    with Ledger.open(sharded) as led:
        rows = led.list_requests()
        assert rows and not [r for r in rows if r.broken]
        files = led.git("ls-tree", "-r", "--name-only", "HEAD", "requests/").stdout.decode()
        paths = [p for p in files.split("\n") if p.endswith(".toml")]
        assert paths and all(p == request_path(request_id_of(p), "sharded") for p in paths)
        report = audit(led, use_cache=False)
        assert report.ok, [f.code for f in report.errors]
        # A request read, its next id and its story, all at the sharded path.
        first = rows[0].id
        assert led.read_request(first).id == first
        assert led.request_path(first) == request_path(first, "sharded")
        assert led.next_request_id(2026) == f"2026-{len(paths) + 1:04d}"
        assert history(led, first)


def test_a_file_at_the_flat_path_of_a_sharded_ledger_is_a_finding(sharded: Path, tmp_path: Path):
    from ledger.store import Ledger

    copy = tmp_path / "copy"
    subprocess.run(["git", "clone", "-q", str(sharded), str(copy)], check=True)
    with Ledger.open(copy) as led:
        rid = led.list_requests()[0].id
        flat = request_path(rid)
        data = led.blob("HEAD", request_path(rid, "sharded"))
        (copy / flat).write_bytes(data)
        led.git("add", flat)
        led.git(
            "-c",
            "commit.gpgsign=false",
            "-c",
            "user.name=X",
            "-c",
            "user.email=x@x.test",
            "commit",
            "-q",
            "-m",
            "hand copy",
        )
        codes = {f.code for f in audit(led, use_cache=False).errors}
        assert "file-invalid" in codes


def test_the_layout_does_not_change_by_a_policy_commit(sharded: Path, tmp_path: Path):
    from ledger.store import Ledger

    copy = tmp_path / "copy"
    subprocess.run(["git", "clone", "-q", str(sharded), str(copy)], check=True)
    with Ledger.open(copy) as led:
        admin = next(p.id for p in led.policy().people.values() if p.holds("admin"))
        text = led.blob("HEAD", "ledger.toml").decode()
        flat = text.replace('layout = "sharded"', 'layout = "flat"')
        with pytest.raises(LedgerError) as exc:
            led.change_policy(admin, {"ledger.toml": flat.encode()}, "balik ke flat")
        assert exc.value.code == "layout-changed"
