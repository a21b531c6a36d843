"""Writing git objects in-process, so a commit costs the same in a ledger of 200 or 20,000.

`git commit` re-reads and re-writes the whole index and rebuilds trees from it; in a ledger
whose `requests/2026/` holds 14,000 files that is most of the cost of a step. Here a new tree
is the old tree with one entry spliced in, hashed and stored as a loose object; git itself
still makes the commit object (so it can be signed) and moves the branch (compare-and-swap).
"""

from __future__ import annotations

import hashlib
import os
import zlib
from collections.abc import Callable
from pathlib import Path

FILE_MODE = b"100644"
TREE_MODE = b"40000"

LARGE_OBJECT = 256 * 1024

ReadObject = Callable[[str], tuple[bytes, bytes]]  # sha -> (type, data)


def object_id(kind: bytes, data: bytes) -> str:
    return hashlib.sha1(kind + b" " + str(len(data)).encode() + b"\0" + data).hexdigest()


def write_loose(objects_dir: Path, kind: bytes, data: bytes) -> str:
    """Store an object (idempotent); returns its id."""
    sha = object_id(kind, data)
    target = objects_dir / sha[:2] / sha[2:]
    if target.exists():
        return sha
    target.parent.mkdir(exist_ok=True)
    tmp = target.parent / f"tmp_obj_{os.getpid()}_{sha[2:10]}"
    # A large tree (a year's folder of thousands of requests) is mostly SHA-1 ids: zlib saves
    # ~40% for ~9 ms per step; store it plainly and let `git gc` pack it (it recompresses).
    level = 0 if len(data) > LARGE_OBJECT else 1
    with open(tmp, "wb") as fh:
        fh.write(zlib.compress(kind + b" " + str(len(data)).encode() + b"\0" + data, level))
    os.replace(tmp, target)
    return sha


def parse_tree(data: bytes) -> list[tuple[bytes, bytes, bytes]]:
    """Tree entries as (mode, name, 20-byte id), in stored order."""
    out = []
    pos = 0
    while pos < len(data):
        space = data.index(b" ", pos)
        nul = data.index(b"\0", space)
        out.append((data[pos:space], data[space + 1:nul], data[nul + 1:nul + 21]))
        pos = nul + 21
    return out


def _sort_key(entry: tuple[bytes, bytes, bytes]) -> bytes:
    mode, name, _ = entry
    return name + b"/" if mode == TREE_MODE else name


def build_tree(entries: list[tuple[bytes, bytes, bytes]]) -> bytes:
    return b"".join(mode + b" " + name + b"\0" + oid for mode, name, oid in sorted(entries, key=_sort_key))


def tree_with(
    read: ReadObject, objects_dir: Path, tree: str | None, parts: list[str], blob: str | None
) -> str | None:
    """The id of `tree` with the file at `parts` set to `blob` (None removes it).

    Only the trees on the path are rewritten; returns None when a tree becomes empty.
    """
    raw = read(tree)[1] if tree else b""
    name = parts[0].encode()
    if len(parts) == 1 and blob is not None and raw:
        # Fast path for the common case, changing one file in a large folder: splice the id
        # in place instead of parsing 14,000 entries.
        needle = b" " + name + b"\0"
        at = raw.find(needle)
        while at != -1 and raw[at - len(FILE_MODE):at] != FILE_MODE:
            at = raw.find(needle, at + 1)
        if at != -1:
            start = at + len(needle)
            return write_loose(objects_dir, b"tree", raw[:start] + bytes.fromhex(blob) + raw[start + 20:])
    entries = parse_tree(raw)
    existing = next((e for e in entries if e[1] == name), None)
    rest = [e for e in entries if e[1] != name]
    if len(parts) == 1:
        if blob is not None:
            rest.append((FILE_MODE, name, bytes.fromhex(blob)))
    else:
        sub = existing[2].hex() if existing and existing[0] == TREE_MODE else None
        new_sub = tree_with(read, objects_dir, sub, parts[1:], blob)
        if new_sub is not None:
            rest.append((TREE_MODE, name, bytes.fromhex(new_sub)))
    if not rest:
        return None
    return write_loose(objects_dir, b"tree", build_tree(rest))
