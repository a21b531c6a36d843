"""git's index updated in-process when it is split, instead of one `git update-index` per step.

A large ledger keeps a split index (`core.splitIndex`, `Ledger._split_large_index`): the bulk of
the entries sit in `.git/sharedindex.<id>` and `.git/index` holds only what changed since, plus a
`link` extension naming the shared file and two EWAH bitmaps (shared entries deleted, shared
entries replaced by the first entries of this file). `git update-index` reads both files whole
(20 MB at 200,000 requests) to change one entry; `update` here rewrites only the small part:

- the entries it changes get the blob id ktpel committed and the file's own `lstat` (what git
  records); a path in the shared index becomes a replacement (its bit set in the replace bitmap,
  an entry with an empty name, as git writes it), a new path an added entry, a removal a bit in
  the delete bitmap;
- the cache tree (`TREE`) is invalidated along the changed paths, as git does; optional caches
  whose offsets or contents a change may stale (`UNTR`, `FSMN`, `EOIE`, `IEOT` and unknown
  optional ones) are dropped, which the format allows; `REUC` is kept;
- "racily clean" entries are handled as git does when it writes an index: an entry of the split
  part whose mtime is not older than the index it was read from is checked against its file and
  smudged (size 0) if the content differs;
- written under git's own lock: `index.lock` created with O_EXCL, written, renamed over
  `index`; the shared index is never written (only its mtime refreshed, as git does, so that
  `splitIndex.sharedIndexExpire` never removes it).

Finding a path's position in the shared index means walking its entries once; the offsets of
every `STRIDE`-th entry are kept in `.git/ktpel/sharedindex.<id>.pos` (the shared file never
changes under its name), so a step reads a few pages of it.

Whatever this module does not fully handle returns False and the caller runs `git update-index`
as before: no split index, index version 4, a bad checksum, a required extension it does not know
(`sdir`: a sparse index, ...), an unmerged or flagged entry (assume-valid, skip-worktree,
intent-to-add), `GIT_INDEX_FILE` set, gitattributes that could filter the file, a lock held by
another process (git then says so, as before), or anything unexpected while reading.
Format: git's Documentation/gitformat-index.txt; EWAH: Documentation/technical/bitmap-format.txt.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import stat
import struct
from array import array
from collections.abc import Mapping
from pathlib import Path

STRIDE = 64
_HEAD = struct.Struct(">4sII")
_STAT = struct.Struct(">10I")
_M32 = 0xFFFFFFFF
_DROP = {b"UNTR", b"FSMN", b"EOIE", b"IEOT"}  # caches a changed entry can make stale
_KEEP = {b"REUC"}


class Unsupported(Exception):
    """Something this module leaves to `git update-index`."""


# --- EWAH bitmaps (as the JavaEWAH / git serialise them) -------------------------------------


def ewah_decode(data: bytes, pos: int) -> tuple[set[int], int, int]:
    """(set bit positions, bit size, offset after the bitmap) of the bitmap at `pos`."""
    if pos + 8 > len(data):
        raise Unsupported("ewah header")
    bit_size, words = struct.unpack_from(">II", data, pos)
    pos += 8
    end = pos + 8 * words
    if end + 4 > len(data):
        raise Unsupported("ewah words")
    bits: set[int] = set()
    at = 0  # bit position of the next word
    i = pos
    while i < end:
        rlw = int.from_bytes(data[i : i + 8], "big")
        i += 8
        running, run_len, literals = rlw & 1, (rlw >> 1) & _M32, rlw >> 33
        if running:
            bits.update(range(at, at + 64 * run_len))
        at += 64 * run_len
        if i + 8 * literals > end:
            raise Unsupported("ewah literals")
        for _ in range(literals):
            word = int.from_bytes(data[i : i + 8], "big")
            i += 8
            while word:
                low = word & -word
                bits.add(at + low.bit_length() - 1)
                word ^= low
            at += 64
    (rlw_pos,) = struct.unpack_from(">I", data, end)
    if words and rlw_pos >= words:
        raise Unsupported("ewah rlw")
    if bits and max(bits) >= bit_size:
        raise Unsupported("ewah size")
    return bits, bit_size, end + 4


def ewah_encode(bits: set[int]) -> bytes:
    """The EWAH serialisation of a set of bit positions (bit size: the highest one + 1)."""
    bit_size = max(bits) + 1 if bits else 0
    words = [0] * ((bit_size + 63) // 64)
    for b in bits:
        words[b >> 6] |= 1 << (b & 63)
    ones = (1 << 64) - 1
    out: list[int] = []
    last_rlw = 0
    i = 0
    while True:
        running = 1 if i < len(words) and words[i] == ones else 0
        clean = ones if running else 0
        run = 0
        while i < len(words) and words[i] == clean and run < _M32:
            run += 1
            i += 1
        lit_start = i
        while i < len(words) and words[i] not in (0, ones) and i - lit_start < 0x7FFFFFFF:
            i += 1
        last_rlw = len(out)
        out.append(running | (run << 1) | ((i - lit_start) << 33))
        out.extend(words[lit_start:i])
        if i >= len(words):
            break
    return (
        struct.pack(">II", bit_size, len(out))
        + b"".join(w.to_bytes(8, "big") for w in out)
        + struct.pack(">I", last_rlw)
    )


# --- entries -----------------------------------------------------------------------------


def _entry_at(data: bytes | mmap.mmap, o: int) -> tuple[bytes, int, int]:
    """(name, flags, size on disk) of the version 2/3 entry at offset `o`."""
    flags = (data[o + 60] << 8) | data[o + 61]
    name_at = o + 62
    if flags & 0x4000:  # extended flags (version 3)
        name_at += 2
    length = flags & 0xFFF
    if length == 0xFFF:
        length = data.find(b"\0", name_at) - name_at
        if length < 0:
            raise Unsupported("entry name")
    if data[name_at + length] != 0:
        raise Unsupported("entry name")
    size = (name_at - o + length + 8) & ~7
    return bytes(data[name_at : name_at + length]), flags, size


def _mtime(entry: bytes) -> int:
    return struct.unpack_from(">I", entry, 8)[0]


def new_entry(path: Path, rel: bytes, oid: bytes, *, strip_name: bool) -> bytes:
    """The entry git records for the file at `path` (regular, as `lstat` sees it now)."""
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        raise Unsupported("not a regular file")
    mode = 0o100755 if st.st_mode & 0o100 else 0o100644
    name = b"" if strip_name else rel
    fixed = _STAT.pack(
        (st.st_ctime_ns // 1_000_000_000) & _M32,
        st.st_ctime_ns % 1_000_000_000,
        (st.st_mtime_ns // 1_000_000_000) & _M32,
        st.st_mtime_ns % 1_000_000_000,
        st.st_dev & _M32,
        st.st_ino & _M32,
        mode,
        st.st_uid & _M32,
        st.st_gid & _M32,
        st.st_size & _M32,
    )
    flags = min(len(name), 0xFFF)
    body = fixed + oid + struct.pack(">H", flags) + name
    return body + b"\0" * (8 - len(body) % 8)


# --- the shared index --------------------------------------------------------------------


class Shared:
    """A shared index file, read through mmap, with a table of every `STRIDE`-th entry's
    offset (built once per file and kept next to ktpel's other state)."""

    def __init__(self, path: Path, oid: bytes, table_dir: Path | None) -> None:
        self.path = path
        with open(path, "rb") as fh:
            self.data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        data = self.data
        if len(data) < 32 or data[-20:] != oid:
            raise Unsupported("shared index id")
        sig, version, count = _HEAD.unpack_from(data, 0)
        if sig != b"DIRC" or version not in (2, 3):
            raise Unsupported("shared index version")
        self.count = count
        self.offsets, self.newest = self._table(table_dir, oid.hex())

    def close(self) -> None:
        self.data.close()

    def _table(self, table_dir: Path | None, hex_id: str) -> tuple[array, int]:
        file = table_dir / f"sharedindex.{hex_id}.pos" if table_dir else None
        if file is not None:
            try:
                raw = file.read_bytes()
                table = array("I")
                table.frombytes(raw)
                newest, count, offsets = table[0], table[1], table[2:]
                if count == self.count and len(offsets) == (count + STRIDE - 1) // STRIDE:
                    # An offset that is not an entry's start fails `_entry_at`'s checks.
                    if not offsets or (offsets[0] == 12 and offsets[-1] < len(self.data) - 20):
                        return offsets, newest
            except (OSError, ValueError, IndexError):
                pass
        data = self.data
        offsets = array("I")
        newest = 0
        o = 12
        for i in range(self.count):
            if i % STRIDE == 0:
                offsets.append(o)
            mtime = (data[o + 8] << 24) | (data[o + 9] << 16) | (data[o + 10] << 8) | data[o + 11]
            if mtime > newest:
                newest = mtime
            o += _entry_at(data, o)[2]
            if o > len(data) - 20:
                raise Unsupported("shared index entries")
        if file is not None:
            with_header = array("I", [newest, self.count])
            with_header.extend(offsets)
            try:
                from .repo import atomic_write

                atomic_write(file, with_header.tobytes())
                for stale in table_dir.glob("sharedindex.*.pos"):  # type: ignore[union-attr]
                    if stale != file:
                        stale.unlink(missing_ok=True)
            except OSError:
                pass
        return offsets, newest

    def find(self, name: bytes) -> tuple[int, int, int] | None:
        """(position, offset, flags) of the stage-0 entry named `name`, or None."""
        offsets, data = self.offsets, self.data
        lo, hi = 0, len(offsets)
        while lo < hi:  # the last table entry whose name is <= name (names read on demand)
            mid = (lo + hi) // 2
            if _entry_at(data, offsets[mid])[0] <= name:
                lo = mid + 1
            else:
                hi = mid
        block = lo - 1
        if block < 0:
            return None
        pos, o = block * STRIDE, self.offsets[block]
        end = min(self.count, pos + STRIDE)
        while pos < end:
            got, flags, size = _entry_at(self.data, o)
            if got == name:
                if flags & 0x3000:
                    raise Unsupported("unmerged entry")
                return pos, o, flags
            if got > name:
                return None
            pos += 1
            o += size
        return None

    def name_at(self, pos: int) -> bytes:
        if not 0 <= pos < self.count:
            raise Unsupported("position")
        o = self.offsets[pos // STRIDE]
        for _ in range(pos % STRIDE):
            o += _entry_at(self.data, o)[2]
        return _entry_at(self.data, o)[0]


# --- the cache tree ----------------------------------------------------------------------


def _tree_parse(data: bytes) -> list:
    """TREE extension -> nested [name, count, oid, children]."""
    pos = 0

    def node() -> list:
        nonlocal pos
        nul = data.index(b"\0", pos)
        name = data[pos:nul]
        space = data.index(b" ", nul)
        newline = data.index(b"\n", space)
        count = int(data[nul + 1 : space])
        subtrees = int(data[space + 1 : newline])
        pos = newline + 1
        oid = b""
        if count >= 0:
            oid = data[pos : pos + 20]
            pos += 20
        return [name, count, oid, [node() for _ in range(subtrees)]]

    try:
        root = node()
    except (ValueError, IndexError, RecursionError):
        raise Unsupported("cache tree") from None
    if pos != len(data):
        raise Unsupported("cache tree")
    return root


def _tree_dump(node: list, out: list[bytes]) -> None:
    name, count, oid, children = node
    out.append(b"%s\0%d %d\n" % (name, count, len(children)))
    if count >= 0:
        out.append(oid)
    for child in children:
        _tree_dump(child, out)


def _tree_invalidate(root: list, rel: bytes) -> None:
    """Mark the root and every directory on the way to `rel` invalid, as git does."""
    node = root
    parts = rel.split(b"/")
    for i, part in enumerate(parts):
        node[1], node[2] = -1, b""
        children = node[3]
        match = next((c for c in children if c[0] == part), None)
        if match is None:
            return
        if i == len(parts) - 1:  # a file where a directory was: that subtree goes
            children.remove(match)
            return
        node = match


# --- the update ------------------------------------------------------------------------


_UNSAFE_ATTRIBUTES = (b"filter", b"ident", b"working-tree-encoding")


def _attributes_may_filter(root: Path, git_dir: Path, rels: list[str], extra: list[Path]) -> bool:
    """Whether a gitattributes file could make git store other bytes than the file's own.

    ktpel's `*.toml text eol=lf` only turns CRLF into LF on the way in (the caller makes sure
    the bytes have no CR); a clean filter, `ident`, `working-tree-encoding` or a macro could do
    more, and then git does the staging."""
    dirs = {""}
    for rel in rels:
        parts = rel.split("/")[:-1]
        for i in range(len(parts)):
            dirs.add("/".join(parts[: i + 1]))
    files = [git_dir / "info" / "attributes", *extra]
    files += [root / d / ".gitattributes" for d in sorted(dirs)]
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    files.append(Path(xdg) / "git" / "attributes")
    for file in files:
        try:
            text = file.read_bytes()
        except FileNotFoundError:
            continue
        except OSError:
            return True
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith(b"#"):
                continue
            if line.startswith(b"[attr]") or line.startswith(b'"'):
                return True
            for token in line.split()[1:]:
                if token.lstrip(b"-!").startswith(_UNSAFE_ATTRIBUTES):
                    return True
    return False


def _blob_id(data: bytes) -> bytes:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).digest()


def update(
    git_dir: Path,
    root: Path,
    files: Mapping[str, bytes | None],
    *,
    table_dir: Path | None = None,
    attributes_files: tuple[Path, ...] = (),
) -> bool:
    """Stage `files` (path -> the bytes just written there; None: the file was removed) in a
    split index. True when done; False when nothing was written and
    `git update-index --add --remove -- PATHS` must do it."""
    if os.environ.get("GIT_INDEX_FILE") or not files:
        return False
    if any(data is not None and b"\r" in data for data in files.values()):
        return False  # git's text conversion would change them
    if _attributes_may_filter(root, git_dir, list(files), list(attributes_files)):
        return False
    changes = {rel: None if data is None else _blob_id(data) for rel, data in files.items()}
    index = git_dir / "index"
    lock = git_dir / "index.lock"
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError:
        return False  # held by another process (git says so, as before) or not writable
    shared: Shared | None = None
    try:
        try:
            data, shared = _rewrite(index, root, changes, table_dir)
        except (Unsupported, OSError, ValueError, IndexError, struct.error):
            os.close(fd)
            fd = -1
            lock.unlink(missing_ok=True)
            return False
        with os.fdopen(fd, "wb") as fh:
            fd = -1
            fh.write(data)
        os.replace(lock, index)
        try:
            os.utime(shared.path)  # git's freshen_shared_index: keep it from expiring
        except OSError:
            pass
        return True
    except BaseException:
        if fd >= 0:
            os.close(fd)
        lock.unlink(missing_ok=True)
        raise
    finally:
        if shared is not None:
            shared.close()


def _rewrite(
    index: Path, root: Path, changes: Mapping[str, bytes | None], table_dir: Path | None
) -> tuple[bytes, Shared]:
    st = os.stat(index)
    with open(index, "rb") as fh:
        data = fh.read()
    read_mtime = st.st_mtime_ns // 1_000_000_000  # git's racy check, to the second (safe side)
    if len(data) < 32 or hashlib.sha1(data[:-20]).digest() != data[-20:]:
        raise Unsupported("checksum")
    sig, version, count = _HEAD.unpack_from(data, 0)
    if sig != b"DIRC" or version not in (2, 3):
        raise Unsupported("version")
    entries: list[bytes] = []
    names: list[bytes] = []
    o = 12
    for _ in range(count):
        name, flags, size = _entry_at(data, o)
        if flags & 0xF000:  # assume-valid, extended (skip-worktree, intent-to-add), a stage
            raise Unsupported("flagged entry")
        entries.append(data[o : o + size])
        names.append(name)
        o += size
    extensions: list[tuple[bytes, bytes]] = []
    link = tree = None
    end = len(data) - 20
    while o < end:
        if o + 8 > end:
            raise Unsupported("extension header")
        ext, size = struct.unpack_from(">4sI", data, o)
        body = data[o + 8 : o + 8 + size]
        if o + 8 + size > end:
            raise Unsupported("extension size")
        o += 8 + size
        if ext == b"link":
            link = body
            extensions.append((ext, b""))
        elif ext == b"TREE":
            tree = _tree_parse(body)
            extensions.append((ext, b""))
        elif ext in _KEEP:
            extensions.append((ext, body))
        elif ext in _DROP or b"A"[0] <= ext[0] <= b"Z"[0]:
            continue  # an optional cache: dropping it is allowed ("can be ignored")
        else:
            raise Unsupported(f"required extension {ext!r}")
    if link is None or len(link) < 20 or link[:20] == bytes(20):
        raise Unsupported("not split")
    base = link[:20]
    deleted: set[int] = set()
    replaced: set[int] = set()
    if len(link) > 20:
        deleted, _, after = ewah_decode(link, 20)
        replaced, _, after = ewah_decode(link, after)
        if after != len(link):
            raise Unsupported("link size")
    if deleted & replaced:
        raise Unsupported("deleted and replaced")
    n_replaced = len(replaced)
    if n_replaced > count or any(names[:n_replaced]):
        raise Unsupported("replacements")
    shared = Shared(index.parent / f"sharedindex.{base.hex()}", base, table_dir)
    try:
        if shared.newest >= read_mtime:
            raise Unsupported("racy shared entries")  # git smudges them on its next write
        if replaced and max(replaced) >= shared.count or deleted and max(deleted) >= shared.count:
            raise Unsupported("bitmap beyond the shared index")
        order = sorted(replaced)
        replacements = dict(zip(order, entries[:n_replaced], strict=True))
        added = dict(zip(names[n_replaced:], entries[n_replaced:], strict=True))
        if len(added) != count - n_replaced or list(added) != sorted(added):
            raise Unsupported("added entries")
        touched: set[bytes] = set()
        # Racily clean entries of the split part, checked as git does on every index write.
        for pos, entry in list(replacements.items()):
            if _mtime(entry) >= read_mtime:
                replacements[pos] = _smudged(root, shared.name_at(pos), entry)
        for name, entry in list(added.items()):
            if _mtime(entry) >= read_mtime:
                added[name] = _smudged(root, name, entry)
        for rel, oid in changes.items():
            name = rel.encode("utf-8")
            touched.add(name)
            path = root / rel
            if name in added:
                if oid is None:
                    if os.path.lexists(path):
                        raise Unsupported("removal of a present file")
                    del added[name]
                else:
                    added[name] = new_entry(path, name, oid, strip_name=False)
                continue
            found = shared.find(name)
            if found is not None and found[0] in deleted:
                found = None  # not in the index any more: a new entry, as git writes it
            if oid is None:
                if os.path.lexists(path):
                    raise Unsupported("removal of a present file")
                if found is not None:
                    replacements.pop(found[0], None)
                    deleted.add(found[0])
                continue
            if found is None:
                added[name] = new_entry(path, name, oid, strip_name=False)
            else:
                if found[2] & 0xC000:
                    raise Unsupported("flagged shared entry")
                replacements[found[0]] = new_entry(path, name, oid, strip_name=True)
        ordered = sorted(added)
        out_entries = [replacements[p] for p in sorted(replacements)] + [added[n] for n in ordered]
        parts = [_HEAD.pack(b"DIRC", version, len(out_entries)), *out_entries]
        for ext, body in extensions:
            if ext == b"link":
                body = base + ewah_encode(deleted) + ewah_encode(set(replacements))
            elif ext == b"TREE":
                assert tree is not None
                for name in touched:
                    _tree_invalidate(tree, name)
                dumped: list[bytes] = []
                _tree_dump(tree, dumped)
                body = b"".join(dumped)
            parts.append(struct.pack(">4sI", ext, len(body)) + body)
        out = b"".join(parts)
        return out + hashlib.sha1(out).digest(), shared
    except BaseException:
        shared.close()
        raise


def _smudged(root: Path, name: bytes, entry: bytes) -> bytes:
    """git's ce_smudge_racily_clean_entry: an entry whose stat data still matches its file but
    whose content does not gets size 0, so that every later reader looks at the content."""
    try:
        st = os.lstat(root / name.decode("utf-8"))
    except (OSError, UnicodeDecodeError):
        return entry
    fields = _STAT.unpack_from(entry, 0)
    now = (
        (st.st_mtime_ns // 1_000_000_000) & _M32,
        st.st_mtime_ns % 1_000_000_000,
        st.st_size & _M32,
        st.st_ino & _M32,
    )
    if (fields[2], fields[3], fields[9], fields[5]) != now or not stat.S_ISREG(st.st_mode):
        return entry  # the stat data already tells a change
    try:
        content = (root / name.decode("utf-8")).read_bytes()
    except OSError:
        return entry
    if _blob_id(content) == entry[40:60]:
        return entry
    return entry[:36] + b"\0\0\0\0" + entry[40:]
