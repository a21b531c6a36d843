"""The tree is plain: what a commit's tree may hold, as a pure function over its entries.

git can store more than a ledger needs: symbolic links, submodules (gitlinks), executable bits,
paths that clash on some file systems, names no file system takes, files of any size. Each of
those has been used to get past the rules (a request file that is a symlink to another, a
request in the wrong year folder shadowing a real one, a 300-character id that breaks
`git clone` for every office, an id of Unicode digits that the readers' `\\d` accepts). This
module says, from `git ls-tree -r -l -z` entries alone, what the format (docs/FORMAT.md) forbids;
it reads nothing and runs no git, so the record path, sync replay, the hub hook and the audit
can all call it on the same entries and agree.

Caps, and why:
- a request file at most 512 KiB: the largest request in the demo ledger, with all 19 steps and
  seven Kab/Kota letters, is about 6 KB; 512 KiB is some 80 times that, and keeps a single
  hostile file (the 50 MB one) from reaching the TOML reader at all;
- `ledger.toml`, `people.toml` and each `sop/*.toml` at most 1 MiB: the demo's people.toml
  lists 14 people with keys in 5 KB and the SOP is 14 KB, so 1 MiB holds thousands of people;
- `.gitattributes` and `requests/.gitkeep` at most 4 KiB (one line, or nothing);
- a request id at most 20 characters: `YYYY-` and a sequence of up to 15 digits, far beyond any
  real year's count and well inside every file system's 255-byte name and Windows' 260-character
  path limit for a clone;
- a SOP id at most 64 characters of `a-z 0-9 . _ -` (lower case, so no two SOP files clash on
  a case-insensitive file system);
- at most 200,000 files in a tree: ten times the 20,000-request ledger `bench/` measures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .rules import Violation

REQUEST_FILE_MAX = 512 * 1024
POLICY_FILE_MAX = 1024 * 1024
SMALL_FILE_MAX = 4 * 1024
REQUEST_ID_MAX = 20
SOP_ID_MAX = 64
# A bound against a tree built to exhaust the hook or a replay, not a size a ledger reaches: issue 17
# plans for 200,000 requests, each with its file and a few evidence files beside it.
TREE_FILES_MAX = 1_000_000

REGULAR = "100644"
EXECUTABLE = "100755"
SYMLINK = "120000"
GITLINK = "160000"

FIXED_FILES = {
    "ledger.toml": POLICY_FILE_MAX,
    "people.toml": POLICY_FILE_MAX,
    ".gitattributes": SMALL_FILE_MAX,
    "requests/.gitkeep": SMALL_FILE_MAX,
}

# ASCII only: `\d` in Python's re takes any Unicode digit, which is how a Unicode-digit id got in.
# Either layout (docs/FORMAT.md "Layouts"): `requests/<year>/<id>.toml`, or sharded
# `requests/<year>/<NN>/<id>.toml`; which one a ledger uses is its `layout` setting.
_REQUEST = re.compile(r"requests/([0-9]{4})/(?:([0-9]{2})/)?(([0-9]{4})-([0-9]+))\.toml", re.ASCII)
_SOP = re.compile(r"sop/([a-z0-9][a-z0-9._-]*)\.toml", re.ASCII)
_PROPOSAL = re.compile(r"proposals/[0-9a-f]{10}\.toml", re.ASCII)  # ledger/proposals.py


@dataclass(frozen=True, slots=True)
class TreeEntry:
    """One line of `git ls-tree -r -l`: mode, object type, size (None for a gitlink), path."""

    mode: str
    type: str
    path: str
    size: int | None = None


def parse_ls_tree(output: bytes) -> list[TreeEntry]:
    """Entries from the output of `git ls-tree -r -l -z` (a path that is not UTF-8 is kept with
    `surrogateescape`, so it reaches the checks instead of an exception)."""
    entries: list[TreeEntry] = []
    for record in output.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        parts = meta.split()
        if len(parts) < 3:
            continue
        size = int(parts[3]) if len(parts) > 3 and parts[3].isdigit() else None
        entries.append(
            TreeEntry(
                parts[0].decode("ascii", "replace"),
                parts[1].decode("ascii", "replace"),
                path.decode("utf-8", "surrogateescape"),
                size,
            )
        )
    return entries


def _v(code: str, path: str, **params: object) -> Violation:
    return Violation(code, {"path": path, **params}, path=path)


def _shown(path: str) -> str:
    """The path as it may appear in a sentence: no control or invisible character raw."""
    from .textsafe import visible

    return visible(path)


def size_limit(path: str) -> int | None:
    """The size cap of an allowed path, or None when the path is not allowed at all."""
    if path in FIXED_FILES:
        return FIXED_FILES[path]
    if _REQUEST.fullmatch(path):
        return REQUEST_FILE_MAX
    match = _SOP.fullmatch(path)
    if match and len(match.group(1)) <= SOP_ID_MAX:
        return POLICY_FILE_MAX
    if _PROPOSAL.fullmatch(path):  # the new bytes of ledger.toml and people.toml, escaped
        return 4 * POLICY_FILE_MAX
    return None


def check_entry(entry: TreeEntry) -> list[Violation]:
    """What the format forbids in one tree entry; [] when it is a plain, allowed file."""
    path = _shown(entry.path)
    problems: list[Violation] = []
    if entry.mode == SYMLINK:
        problems.append(_v("tree-symlink", path))
    elif entry.mode == GITLINK or entry.type == "commit":
        problems.append(_v("tree-gitlink", path))
    elif entry.mode != REGULAR or entry.type != "blob":
        problems.append(_v("tree-mode", path, mode=entry.mode))
    if any(ch.isdigit() and not ch.isascii() for ch in entry.path):
        problems.append(_v("tree-digits", path))
        return problems  # a path of foreign digits is not a request path; say that once
    match = _REQUEST.fullmatch(entry.path)
    if match:
        folder_year, shard, request_id, id_year = match.group(1, 2, 3, 4)
        if folder_year != id_year or (shard is not None and shard != match.group(5)[-2:]):
            problems.append(_v("tree-id-path", path))
        if len(request_id) > REQUEST_ID_MAX:
            problems.append(_v("tree-id-long", path, length=len(request_id), limit=REQUEST_ID_MAX))
    limit = size_limit(entry.path)
    if limit is None:
        problems.append(_v("tree-path", path))
    if limit is not None and entry.size is not None and entry.size > limit:
        problems.append(_v("tree-size", path, size=entry.size, limit=limit))
    return problems


def check_tree(entries: Iterable[TreeEntry], *, whole: bool = True) -> list[Violation]:
    """What the format forbids in a commit's tree (or, with `whole=False`, in the entries a
    commit adds or changes: the per-entry rules only, no count cap).

    Codes: `tree-symlink`, `tree-gitlink`, `tree-mode`, `tree-path`, `tree-id-path`,
    `tree-digits`, `tree-id-long`, `tree-size`, `tree-too-many`. Never raises on any entry.
    """
    problems: list[Violation] = []
    count = 0
    for entry in entries:
        count += 1
        problems.extend(check_entry(entry))
    if whole and count > TREE_FILES_MAX:
        problems.append(Violation("tree-too-many", {"count": count, "limit": TREE_FILES_MAX}))
    return problems
