"""Evidence attached to an event: scans and photos stored in the ledger by their SHA-256.

An attachment is a file (a scanned letter, an airway bill, a signed BAST, a phone photo) that
goes into the same commit as the event naming it, at a path derived from its content:
`evidence/sha256/<first two hex digits>/<other 62>.<ext>`. The event records the hash, so a
scan swapped later no longer matches; the same file attached twice is stored once.

This module holds what does not depend on how an event is applied: the `Attachment` record and
its TOML form, reading a file with an office's limits (type by magic bytes, never by name), the
content address and its inverse, and `check_commit`, the one check of what a commit may do under
`evidence/` (for the kernel when recording, the audit for every commit, and the hub's hook).
The format is described in docs/FORMAT.md ("Evidence files"), the inspector's check in
docs/AUDIT.md.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import i18n
from .rules import LedgerError, Violation, fail

EVIDENCE_DIR = "evidence/"
HASH_DIR = "evidence/sha256/"

# What an office attaches. The SOP's steps will say which of these each step expects; until the
# SOP declares them, these are the kinds the SOP's outputs name (steps 10-14 and 19).
KINDS: tuple[str, ...] = ("surat-scan", "airway-bill", "bast-signed", "pernyataan-signed", "foto")

# A 600 dpi colour A4 page as JPEG is ~3-6 MB, a multi-page PDF scan at 300 dpi ~5-15 MB; 25 MB
# leaves room for those and keeps one attachment within what a slow link can send in one go.
MAX_BYTES = 25 * 1024 * 1024

# Media type -> the extension of its content address. One extension per type, so a file has
# exactly one path.
MEDIA_TYPES: Mapping[str, str] = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/heic": "heic",
    "image/heif": "heif",
    "image/tiff": "tif",
}
_EXT_MEDIA = {ext: media for media, ext in MEDIA_TYPES.items()}

_HEX64 = re.compile(r"[0-9a-f]{64}")
_KIND = re.compile(r"[a-z][a-z0-9-]{0,39}")
_NAME_MAX = 255
_FILE_MODE = "100644"

# ISO BMFF brands (bytes 8-12 after "ftyp") of still images from phones: HEIC is HEVC-coded.
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
_HEIF_BRANDS = {b"mif1", b"msf1"}

# Types that are refused but worth naming in the sentence, so the clerk knows what they sent.
_KNOWN_REFUSED: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "ZIP/Office (docx, xlsx)"),
    (b"\xd0\xcf\x11\xe0", "dokumen Office lama (doc, xls)"),
    (b"GIF8", "GIF"),
    (b"BM", "BMP"),
    (b"{\\rtf", "RTF"),
    (b"Rar!", "RAR"),
)


@dataclass(frozen=True, slots=True)
class Attachment:
    """One file an event names: what it is, and the hash that ties the stored file to it."""

    sha256: str
    size: int
    media_type: str
    name: str
    kind: str

    @property
    def path(self) -> str:
        """Where the file is stored in the ledger's tree (its content address)."""
        return evidence_path(self.sha256, self.media_type)

    def to_toml(self) -> dict[str, object]:
        """The `[[event.attachment]]` table, keys in the order ktpel writes them."""
        return {
            "kind": self.kind,
            "name": self.name,
            "media_type": self.media_type,
            "size": self.size,
            "sha256": self.sha256,
        }


@dataclass(frozen=True, slots=True)
class TreeEntry:
    """One file of a commit's tree, as `git ls-tree -r` / `git diff-tree --raw` give it."""

    path: str
    blob: str
    mode: str = _FILE_MODE


@dataclass(frozen=True, slots=True)
class EvidenceCheck:
    """What `check_commit` found: broken rules, files it could not read, and the files it allows."""

    violations: tuple[Violation, ...]
    # Evidence paths whose content is not on this machine (a lean clone): neither passed nor failed.
    unchecked: tuple[str, ...]
    # Evidence paths this commit may add: the one-request-per-commit rule counts these as part of
    # the event, not as foreign files.
    allowed: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.violations


# --- reading a file ----------------------------------------------------------------------------


def sniff_media_type(head: bytes) -> str | None:
    """The media type of a file from its first bytes (at least 16), or None if it is not allowed."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIC_BRANDS:
            return "image/heic"
        if brand in _HEIF_BRANDS:
            return "image/heif"
    return None


def describe_content(head: bytes) -> str:
    """A short Indonesian description of a refused file's content, for the refusal sentence."""
    for magic, label in _KNOWN_REFUSED:
        if head.startswith(magic):
            return label
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return f"video/gambar ISO ({head[8:12].decode('ascii', 'replace').strip()})"
    sample = head[:512]
    if sample and all(b in b"\t\n\r" or 32 <= b < 127 or b >= 128 for b in sample):
        return "teks"
    return "tidak dikenal"


def clean_name(name: str) -> str:
    """The original file name as stored: its last part, NFC, control characters replaced, cut.

    The name is shown on screens and printed in reports; a name with a newline or an escape
    sequence must not reach a terminal raw.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join("\ufffd" if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in base)
    base = base.strip() or "lampiran"
    return base[:_NAME_MAX]


def check_kind(kind: str, kinds: Sequence[str] = KINDS) -> str:
    """`kind` if it is one of `kinds`, else a refusal naming the choices."""
    if kind not in kinds:
        raise fail("evidence-kind", kind=kind, kinds=list(kinds))
    return kind


def attachment_for(
    data: bytes,
    name: str,
    kind: str,
    *,
    kinds: Sequence[str] = KINDS,
    max_bytes: int = MAX_BYTES,
) -> Attachment:
    """The attachment record for `data` (already read), or a refusal: empty, too large, wrong type."""
    check_kind(kind, kinds)
    shown = clean_name(name)
    if not data:
        raise fail("evidence-empty", name=shown)
    if len(data) > max_bytes:
        raise fail(
            "evidence-too-large",
            name=shown,
            size=human_size(len(data)),
            limit=human_size(max_bytes),
        )
    media = sniff_media_type(data[:32])
    if media is None:
        raise fail("evidence-type", name=shown, found=describe_content(data[:512]))
    return Attachment(
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        media_type=media,
        name=shown,
        kind=kind,
    )


def read_attachment(
    path: str | Path,
    kind: str,
    *,
    kinds: Sequence[str] = KINDS,
    max_bytes: int = MAX_BYTES,
) -> tuple[Attachment, bytes]:
    """Read a file to attach: its record and its bytes, or a refusal sentence (nothing written).

    The size is checked before the file is read whole, so a 4 GB video picked by mistake is
    refused at once.
    """
    file = Path(path).expanduser()
    try:
        if not file.is_file():
            reason = "folder, bukan berkas" if file.is_dir() else "tidak ada"
            raise fail("evidence-unreadable", path=str(file), reason=reason)
        size = file.stat().st_size
        if size > max_bytes:
            raise fail(
                "evidence-too-large",
                name=clean_name(file.name),
                size=human_size(size),
                limit=human_size(max_bytes),
            )
        with file.open("rb") as fh:
            data = fh.read(max_bytes + 1)  # the file may have grown since stat
    except OSError as exc:
        raise fail("evidence-unreadable", path=str(file), reason=exc.strerror or str(exc)) from None
    return attachment_for(data, file.name, kind, kinds=kinds, max_bytes=max_bytes), data


def human_size(size: int) -> str:
    """A size as people read it: '812 KB', '25 MB', '25,3 MB' (decimal comma, as written in Indonesia)."""
    english = i18n.language() == "en"
    if size < 1024:
        return f"{size} " + ("bytes" if english else "bait")
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    if size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MB"
    text = f"{size / (1024 * 1024):.1f} MB"
    return text if english else text.replace(".", ",")


# --- the content address -----------------------------------------------------------------------


def evidence_path(sha256: str, media_type: str) -> str:
    """`evidence/sha256/ab/<62 hex>.<ext>` for a file's hash and media type."""
    if not _HEX64.fullmatch(sha256):
        raise ValueError(f"not a lowercase SHA-256: {sha256!r}")
    ext = MEDIA_TYPES[media_type]
    return f"{HASH_DIR}{sha256[:2]}/{sha256[2:]}.{ext}"


def parse_evidence_path(path: str) -> tuple[str, str]:
    """The (sha256, media type) an evidence path stands for; ValueError naming what is wrong."""
    if not path.startswith(HASH_DIR):
        raise ValueError("tidak di bawah evidence/sha256/")
    parts = path[len(HASH_DIR) :].split("/")
    if len(parts) != 2:
        raise ValueError("harus tepat satu folder dua digit di bawah evidence/sha256/")
    fan, leaf = parts
    stem, dot, ext = leaf.partition(".")
    if not dot or ext not in _EXT_MEDIA:
        raise ValueError(f"ekstensi harus salah satu dari: {', '.join(sorted(_EXT_MEDIA))}")
    sha256 = fan + stem
    if len(fan) != 2 or not _HEX64.fullmatch(sha256):
        raise ValueError("nama bukan SHA-256 dalam huruf kecil (2 + 62 digit heksadesimal)")
    return sha256, _EXT_MEDIA[ext]


def is_evidence_path(path: str) -> bool:
    """Whether a tree path belongs to the evidence area (valid address or not)."""
    return path.startswith(EVIDENCE_DIR)


# --- the TOML form inside an event -------------------------------------------------------------

_KEYS = ("kind", "name", "media_type", "size", "sha256")


def attachments_to_toml(attachments: Iterable[Attachment]) -> list[dict[str, object]]:
    """The `[[event.attachment]]` array of an event (left out of the event when empty)."""
    return [a.to_toml() for a in attachments]


def attachments_from_toml(value: object) -> tuple[Attachment, ...]:
    """Read an event's `attachment` array; a LedgerError (`evidence-invalid`) names the first fault.

    Reading checks the shape only: the kind against the general pattern (the SOP in force says
    which kinds a step takes, when recording) and no size cap (a later, lower cap must not make
    old history invalid).
    """
    if not isinstance(value, list):
        raise fail("evidence-invalid", index=1, reason="'attachment' harus berupa array tabel")
    out: list[Attachment] = []
    seen: set[str] = set()
    for index, table in enumerate(value, start=1):
        out.append(_attachment_from_table(table, index))
        if out[-1].sha256 in seen:
            raise fail("evidence-duplicate", name=out[-1].name)
        seen.add(out[-1].sha256)
    return tuple(out)


def _attachment_from_table(table: object, index: int) -> Attachment:
    def bad(reason: str) -> LedgerError:
        return fail("evidence-invalid", index=index, reason=reason)

    if not isinstance(table, dict):
        raise bad("harus berupa tabel")
    missing = [k for k in _KEYS if k not in table]
    if missing:
        raise bad(f"kunci wajib tidak ada: {', '.join(missing)}")
    extra = sorted(set(table) - set(_KEYS))
    if extra:
        raise bad(f"kunci tidak dikenal: {', '.join(extra)}")
    kind, name, media, size, sha256 = (table[k] for k in _KEYS)
    if not isinstance(kind, str) or not _KIND.fullmatch(kind):
        raise bad(f"kind '{kind}' bukan nama jenis (huruf kecil, angka, tanda hubung)")
    if not isinstance(name, str) or not name.strip() or clean_name(name) != name:
        raise bad("name harus nama berkas tanpa folder dan tanpa karakter kendali")
    if media not in MEDIA_TYPES:
        raise bad(f"media_type '{media}' tidak diizinkan")
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
        raise bad(f"size '{size}' harus bilangan bulat positif (bait)")
    if not isinstance(sha256, str) or not _HEX64.fullmatch(sha256):
        raise bad("sha256 harus 64 digit heksadesimal huruf kecil")
    return Attachment(sha256=sha256, size=size, media_type=media, name=name, kind=kind)


# --- what a commit may do under evidence/ ------------------------------------------------------


def diff_entries(
    parent: Mapping[str, TreeEntry], commit: Mapping[str, TreeEntry]
) -> list[tuple[TreeEntry | None, TreeEntry | None]]:
    """The (old, new) pairs of paths that differ between two trees' evidence entries.

    For small trees and tests; the audit gets the same pairs from `git diff-tree -r --raw`
    limited to `evidence/`, without reading any blob.
    """
    changes = []
    for path in sorted(set(parent) | set(commit)):
        old, new = parent.get(path), commit.get(path)
        if old != new:
            changes.append((old, new))
    return changes


def check_commit(
    changes: Iterable[tuple[TreeEntry | None, TreeEntry | None]],
    named: Sequence[Attachment],
    stored: Callable[[str], TreeEntry | None],
    read_blob: Callable[[str], bytes | None],
) -> EvidenceCheck:
    """Check one commit's evidence against the attachments its event names.

    `changes`: the (old, new) tree entries of every path the commit changed (paths outside
    `evidence/` are ignored); `named`: the attachments of the commit's event (empty for a policy
    commit or a commit without an event); `stored(path)`: the commit's tree entry at a path, or
    None; `read_blob(oid)`: a blob's bytes, or None when it is not on this machine (a lean clone
    must answer None rather than fetch).

    The rules: under `evidence/` a commit only adds plain files at valid content addresses, never
    changes or deletes one; the files it adds are exactly the ones its event names that were not
    stored before; every named attachment is in the commit's tree, with that hash, size and type.
    """
    violations: list[Violation] = []
    unchecked: list[str] = []
    added: dict[str, TreeEntry] = {}
    for old, new in changes:
        path = (new or old).path  # type: ignore[union-attr]
        if not is_evidence_path(path):
            continue
        if old is not None and new is None:
            violations.append(Violation("evidence-deleted", {"path": path}, path=path))
        elif old is not None:
            violations.append(Violation("evidence-changed", {"path": path}, path=path))
        elif new is not None:
            added[path] = new
    by_path = {a.path: a for a in named}
    for path, entry in added.items():
        try:
            parse_evidence_path(path)
        except ValueError as exc:
            violations.append(Violation("evidence-bad-path", {"path": path, "reason": exc}, path))
            continue
        if entry.mode != _FILE_MODE:
            reason = f"mode {entry.mode}, bukan {_FILE_MODE}"
            violations.append(
                Violation("evidence-bad-path", {"path": path, "reason": reason}, path)
            )
        elif path not in by_path:
            violations.append(Violation("evidence-unnamed", {"path": path}, path=path))
    allowed = [p for p in added if p in by_path]
    for attachment in named:
        entry = added.get(attachment.path) or stored(attachment.path)
        if entry is None or entry.mode != _FILE_MODE:
            violations.append(
                Violation(
                    "evidence-missing",
                    {"name": attachment.name, "sha256": attachment.sha256, "path": attachment.path},
                    path=attachment.path,
                )
            )
            continue
        data = read_blob(entry.blob)
        if data is None:
            unchecked.append(attachment.path)
            continue
        violations.extend(content_violations(attachment, data))
    return EvidenceCheck(tuple(violations), tuple(unchecked), tuple(allowed))


def content_violations(attachment: Attachment, data: bytes) -> list[Violation]:
    """Why `data` is not the file `attachment` records (hash, then size and type); [] if it is."""
    path = attachment.path
    actual = hashlib.sha256(data).hexdigest()
    if actual != attachment.sha256:
        return [Violation("evidence-hash-mismatch", {"path": path, "actual": actual}, path=path)]
    found: list[Violation] = []
    media = sniff_media_type(data[:32])
    for field_name, recorded, real in (
        ("size", attachment.size, len(data)),
        ("media_type", attachment.media_type, media or describe_content(data[:512])),
    ):
        if recorded != real:
            params = {
                "name": attachment.name,
                "field": field_name,
                "recorded": recorded,
                "path": path,
                "actual": real,
            }
            found.append(Violation("evidence-record-mismatch", params, path=path))
    return found


def not_fetched(paths: Iterable[str]) -> list[Violation]:
    """The explicit 'not checked' findings of a lean clone's audit (one per unchecked file)."""
    return [Violation("evidence-not-fetched", {"path": p}, path=p) for p in paths]


# --- small generated scans, for the demo and tests ---------------------------------------------


def tiny_pdf(caption: str) -> bytes:
    """A one-page A6 PDF showing `caption` (PDF 1.4, Helvetica, WinAnsi text; valid xref)."""
    text = caption.encode("cp1252", "replace")
    lines = [text[i : i + 40] for i in range(0, len(text), 40)] or [b""]
    ops = [b"BT /F1 11 Tf 24 380 Td 14 TL"]
    ops += [b"(" + _pdf_escape(line) + b") Tj T*" for line in lines]
    ops.append(b"ET 0.5 w 16 16 266 388 re S")
    stream = b"\n".join(ops)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 298 420]"
        b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _pdf_escape(text: bytes) -> bytes:
    """A PDF literal string's body: backslash and parentheses escaped, control bytes dropped."""
    text = bytes(b for b in text if b >= 32)
    return text.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


# A 3x5 pixel font: each glyph is five rows of three bits, '#' = ink.
_FONT = {
    "0": "### #.# #.# #.# ###", "1": ".#. ##. .#. .#. ###", "2": "### ..# ### #.. ###",
    "3": "### ..# .## ..# ###", "4": "#.# #.# ### ..# ..#", "5": "### #.. ### ..# ###",
    "6": "### #.. ### #.# ###", "7": "### ..# ..# .#. .#.", "8": "### #.# ### #.# ###",
    "9": "### #.# ### ..# ###", "A": ".#. #.# ### #.# #.#", "B": "##. #.# ##. #.# ##.",
    "C": ".## #.. #.. #.. .##", "D": "##. #.# #.# #.# ##.", "E": "### #.. ##. #.. ###",
    "F": "### #.. ##. #.. #..", "G": ".## #.. #.# #.# .##", "H": "#.# #.# ### #.# #.#",
    "I": "### .#. .#. .#. ###", "J": "..# ..# ..# #.# .#.", "K": "#.# #.# ##. #.# #.#",
    "L": "#.. #.. #.. #.. ###", "M": "#.# ### ### #.# #.#", "N": "##. #.# #.# #.# #.#",
    "O": ".#. #.# #.# #.# .#.", "P": "##. #.# ##. #.. #..", "Q": ".#. #.# #.# ##. .##",
    "R": "##. #.# ##. #.# #.#", "S": ".## #.. .#. ..# ##.", "T": "### .#. .#. .#. .#.",
    "U": "#.# #.# #.# #.# ###", "V": "#.# #.# #.# #.# .#.", "W": "#.# #.# ### ### #.#",
    "X": "#.# #.# .#. #.# #.#", "Y": "#.# #.# .#. .#. .#.", "Z": "### ..# .#. #.. ###",
    "-": "... ... ### ... ...", "/": "..# ..# .#. #.. #..", ".": "... ... ... ... .#.",
    ":": "... .#. ... .#. ...", " ": "... ... ... ... ...", "?": "##. ..# .#. ... .#.",
}  # fmt: skip


def tiny_jpeg(caption: str) -> bytes:
    """A small grayscale baseline JPEG showing `caption` in block letters (and in a COM segment).

    Every 8x8 block is one flat gray, so only DC coefficients are coded: a real, decodable
    JPEG in a few hundred bytes without an image library.
    """
    text = caption.upper()[:60] or " "
    glyphs = [_FONT.get(ch, _FONT["?"]).split() for ch in text]
    cols, rows = 4 * len(glyphs) + 3, 9  # one block of margin around, one between letters
    ink = [[False] * cols for _ in range(rows)]
    for i, glyph in enumerate(glyphs):
        for y, row in enumerate(glyph):
            for x, bit in enumerate(row):
                ink[2 + y][2 + 4 * i + x] = bit == "#"
    bits = _BitWriter()
    previous = 0
    for y in range(rows):
        for x in range(cols):
            level = -112 if ink[y][x] else 112  # DC after level shift, quantiser 8 -> pixel value
            _write_dc(bits, level - previous)
            previous = level
            bits.write(0, 1)  # AC: end of block (the one-code AC table below)
    scan = bits.flush()

    def segment(marker: int, body: bytes) -> bytes:
        return bytes([0xFF, marker]) + (len(body) + 2).to_bytes(2, "big") + body

    comment = caption.encode("utf-8")[:60000]
    dc_bits = bytes([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
    ac_bits = bytes([1] + [0] * 15)
    width, height = cols * 8, rows * 8
    return b"".join(
        [
            b"\xff\xd8",
            segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
            segment(0xFE, comment),
            segment(0xDB, b"\x00" + bytes([8] * 64)),
            segment(
                0xC0,
                b"\x08"
                + height.to_bytes(2, "big")
                + width.to_bytes(2, "big")
                + b"\x01\x01\x11\x00",
            ),
            segment(0xC4, b"\x00" + dc_bits + bytes(range(12)) + b"\x10" + ac_bits + b"\x00"),
            segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
            scan,
            b"\xff\xd9",
        ]
    )


# The standard luminance DC codes (JPEG Annex K.3): category -> (code, length).
_DC_CODES = [
    (0b00, 2), (0b010, 3), (0b011, 3), (0b100, 3), (0b101, 3), (0b110, 3),
    (0b1110, 4), (0b11110, 5), (0b111110, 6), (0b1111110, 7), (0b11111110, 8), (0b111111110, 9),
]  # fmt: skip


def _write_dc(bits: _BitWriter, diff: int) -> None:
    category = abs(diff).bit_length()
    code, length = _DC_CODES[category]
    bits.write(code, length)
    if category:
        bits.write(diff if diff > 0 else diff + (1 << category) - 1, category)


class _BitWriter:
    """Entropy-coded bytes, most significant bit first, with JPEG's 0xFF byte stuffing."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def write(self, value: int, length: int) -> None:
        self.acc = (self.acc << length) | value
        self.n += length
        while self.n >= 8:
            self.n -= 8
            byte = (self.acc >> self.n) & 0xFF
            self.out.append(byte)
            if byte == 0xFF:
                self.out.append(0)
        self.acc &= (1 << self.n) - 1

    def flush(self) -> bytes:
        if self.n:
            self.write((1 << (8 - self.n)) - 1, 8 - self.n)  # pad with ones
        return bytes(self.out)
