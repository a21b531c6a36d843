"""ledger.treecheck on trees made with real git: symlinks, gitlinks, modes, paths, sizes."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from ledger.rules import RULES
from ledger.treecheck import (
    REQUEST_FILE_MAX,
    REQUEST_ID_MAX,
    TreeEntry,
    check_tree,
    parse_ls_tree,
)


def git(repo: Path, *args: str, input: bytes | None = None) -> bytes:
    return subprocess.run(
        ["git", *args], cwd=repo, input=input, capture_output=True, check=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    git(root, "config", "user.name", "Tester")
    git(root, "config", "user.email", "t@x.go.id")
    for rel, text in {
        "ledger.toml": "format = 1\n",
        "people.toml": "",
        ".gitattributes": "*.toml text eol=lf\n",
        "requests/.gitkeep": "",
        "sop/ktpel-blanko-2020.toml": "id = 'x'\n",
        "requests/2026/2026-0001.toml": "[request]\n",
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def tree_of(repo: Path) -> list[TreeEntry]:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", "x")
    return parse_ls_tree(git(repo, "ls-tree", "-r", "-l", "-z", "HEAD"))


def index_tree(repo: Path) -> list[TreeEntry]:
    """The index as it stands (entries a work tree cannot hold, added with --cacheinfo), committed."""
    tree = git(repo, "write-tree").decode().strip()
    sha = git(repo, "commit-tree", tree, "-m", "index as is").decode().strip()
    return parse_ls_tree(git(repo, "ls-tree", "-r", "-l", "-z", sha))


def add_blob(repo: Path, path: str, data: bytes = b"x", mode: str = "100644") -> None:
    blob = git(repo, "hash-object", "-w", "--stdin", input=data).decode().strip()
    git(repo, "update-index", "--add", "--cacheinfo", f"{mode},{blob},{path}")


def codes_by_path(repo: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for v in check_tree(tree_of(repo)):
        assert v.code in RULES
        out.setdefault(v.path or "", []).append(v.code)
    return out


def test_the_plain_layout_passes(repo):
    assert codes_by_path(repo) == {}


def test_a_request_file_committed_as_a_symlink_is_reported(repo):
    os.symlink("2026-0001.toml", repo / "requests/2026/2026-0002.toml")
    assert codes_by_path(repo) == {"requests/2026/2026-0002.toml": ["tree-symlink"]}


def test_an_executable_bit_is_reported(repo):
    (repo / "people.toml").chmod(0o755)
    assert codes_by_path(repo) == {"people.toml": ["tree-mode"]}


def test_a_gitlink_is_reported(repo):
    tree_of(repo)
    head = git(repo, "rev-parse", "HEAD").decode().strip()
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{head},requests/2026/2026-0009.toml")
    entries = index_tree(repo)
    found = {v.path: v.code for v in check_tree(entries)}
    assert found == {"requests/2026/2026-0009.toml": "tree-gitlink"}


def test_a_request_in_the_wrong_year_folder_is_reported(repo):
    # the shadowing attack: the same id as a real request, filed under another year
    (repo / "requests/2025").mkdir()
    (repo / "requests/2025/2026-0001.toml").write_text("[request]\n")
    assert codes_by_path(repo) == {"requests/2025/2026-0001.toml": ["tree-id-path"]}


def test_a_300_character_request_id_is_reported(repo):
    # git takes the name; no file system does (255 bytes), which is why `git clone` then fails
    long_id = "2026-" + "1" * 295
    tree_of(repo)
    add_blob(repo, f"requests/2026/{long_id}.toml")
    found = check_tree(index_tree(repo))
    assert [(v.path, v.code) for v in found] == [(f"requests/2026/{long_id}.toml", "tree-id-long")]
    assert str(REQUEST_ID_MAX) in found[0].message("en")


def test_unicode_digit_ids_and_years_are_reported(repo):
    (repo / "requests/2026/2026-\u0661\u0662\u0663\u0664.toml").write_text("")
    (repo / "requests/\uff12\uff10\uff12\uff16").mkdir()
    (repo / "requests/\uff12\uff10\uff12\uff16/2026-0002.toml").write_text("")
    found = codes_by_path(repo)
    assert sorted(found.values()) == [["tree-digits"], ["tree-digits"]]


@pytest.mark.parametrize(
    "rel",
    [
        "README.md",
        "requests/2026/2026-0002.TOML",
        "Requests/2026/2026-0002.toml",
        "requests/2026/2026-0002.toml.bak",
        "requests/2026/sub/2026-0002.toml",
        "requests/26/26-0002.toml",
        "sop/Upper.toml",
        "sop/.hidden.toml",
        "ledger.toml.orig",
        ".gitmodules",
        "requests/2026/2026-0002\u200b.toml",
    ],
)
def test_paths_outside_the_layout_are_reported(repo, rel):
    (repo / rel).parent.mkdir(parents=True, exist_ok=True)
    (repo / rel).write_text("x\n")
    found = codes_by_path(repo)
    assert list(found.values()) == [["tree-path"]], found
    assert "\u200b" not in next(iter(found))  # the path is shown visibly in the sentence


def test_a_50_mb_request_file_is_reported_by_size_without_reading_it(repo):
    big = repo / "requests/2026/2026-0002.toml"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: the test does not write 50 MB of disk
    found = check_tree(tree_of(repo))
    assert [(v.code, v.params["limit"]) for v in found] == [("tree-size", REQUEST_FILE_MAX)]


def test_a_file_at_the_cap_passes():
    at_cap = TreeEntry("100644", "blob", "requests/2026/2026-0002.toml", REQUEST_FILE_MAX)
    assert check_tree([at_cap]) == []
    over = TreeEntry("100644", "blob", "requests/2026/2026-0002.toml", REQUEST_FILE_MAX + 1)
    assert [v.code for v in check_tree([over])] == ["tree-size"]


def test_a_non_utf8_path_is_reported_not_raised(repo):
    tree_of(repo)
    name = b"requests/2026/\xff\xfe.toml"
    blob = git(repo, "hash-object", "-w", "--stdin", input=b"x").decode().strip()
    subprocess.run(
        ["git", "update-index", "--add", "--index-info"],
        cwd=repo,
        input=b"100644 " + blob.encode() + b"\t" + name + b"\n",
        check=True,
    )
    entries = index_tree(repo)
    assert any(e.path.startswith("requests/2026/\udcff") for e in entries)
    codes = [v.code for v in check_tree(entries)]
    assert codes == ["tree-path"]
    for v in check_tree(entries):
        v.message("id").encode("utf-8")  # printable: no lone surrogate reaches a terminal


def test_too_many_files_is_reported_only_for_a_whole_tree():
    many = (TreeEntry("100644", "blob", f"requests/2026/2026-{i:06d}.toml", 10) for i in range(3))
    from ledger import treecheck

    entries = list(many)
    assert check_tree(entries) == []
    old = treecheck.TREE_FILES_MAX
    try:
        treecheck.TREE_FILES_MAX = 2
        assert [v.code for v in check_tree(entries)] == ["tree-too-many"]
        assert check_tree(entries, whole=False) == []
    finally:
        treecheck.TREE_FILES_MAX = old
