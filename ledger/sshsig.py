"""SSH signatures on git commits (SSHSIG, PROTOCOL.sshsig), verified in-process.

git signs a commit with `ssh-keygen -Y sign -n git`; the armored signature sits in the commit
object's `gpgsig` header and covers the object without that header. Verifying here, with the
`cryptography` package, from raw commit objects read in one batch, costs about 60 µs per
commit instead of one `ssh-keygen` process each. Only ed25519 keys are accepted (the ledger
issues nothing else). `sign` exists for building large test ledgers fast (bench/).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # cryptography is imported on use: a read-only command never loads it
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

MAGIC = b"SSHSIG"
NAMESPACE = b"git"
BEGIN = b"-----BEGIN SSH SIGNATURE-----"
END = b"-----END SSH SIGNATURE-----"
KEY_TYPE = b"ssh-ed25519"


@dataclass(frozen=True, slots=True)
class RawCommit:
    """A commit object split into what the signature covers and the signature itself."""

    payload: bytes  # the object without its gpgsig header: what was signed
    signature: bytes | None  # the armored SSH signature, or None
    headers: dict[bytes, list[bytes]]
    message: bytes

    def header(self, name: bytes) -> bytes | None:
        values = self.headers.get(name)
        return values[0] if values else None

    @property
    def parents(self) -> list[bytes]:
        return self.headers.get(b"parent", [])


def split_commit(raw: bytes) -> RawCommit:
    """Split a raw commit object; the gpgsig header (with its continuation lines) is cut out.

    As git's `parse_signed_commit` does: every `gpgsig` header line and its continuation lines
    go into the signature, in order (two gpgsig headers are concatenated, not the last one
    kept), so what is verified here is exactly what git hands to `ssh-keygen -Y verify`.
    """
    head, sep, message = raw.partition(b"\n\n")
    lines = head.split(b"\n")
    kept: list[bytes] = []
    headers: dict[bytes, list[bytes]] = {}
    signature: list[bytes] | None = None
    in_sig = False
    for line in lines:
        if line.startswith(b" "):
            if in_sig and signature is not None:
                signature.append(line[1:])
            else:
                kept.append(line)
            continue
        in_sig = False
        name, _, value = line.partition(b" ")
        if name == b"gpgsig":
            in_sig = True
            signature = [*(signature or []), value]
            continue
        kept.append(line)
        headers.setdefault(name, []).append(value)
    payload = b"\n".join(kept) + sep + message
    return RawCommit(
        payload, b"\n".join(signature) + b"\n" if signature is not None else None, headers, message
    )


def _string(buf: bytes, pos: int) -> tuple[bytes, int]:
    if pos + 4 > len(buf):
        raise ValueError("truncated")
    (n,) = struct.unpack(">I", buf[pos : pos + 4])
    end = pos + 4 + n
    if end > len(buf):
        raise ValueError("truncated")
    return buf[pos + 4 : end], end


def _pack(*parts: bytes) -> bytes:
    return b"".join(struct.pack(">I", len(p)) + p for p in parts)


def public_blob(public_line: str) -> bytes | None:
    """The key blob of an OpenSSH public key line ("ssh-ed25519 AAAA... comment")."""
    parts = public_line.split()
    if len(parts) < 2 or parts[0] != KEY_TYPE.decode():
        return None
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (ValueError, binascii.Error):
        return None
    raw = _ed25519_key(blob)
    return blob if raw is not None else None


def public_line(blob: bytes) -> str:
    return f"{KEY_TYPE.decode()} {base64.b64encode(blob).decode()}"


def canonical_key(text: str) -> str | None:
    """The one spelling of an ed25519 public key: `ssh-ed25519 <base64 as OpenSSH writes it>`.

    Two lines naming the same key (extra `=` padding, another comment, other white space)
    give the same string; anything that is not an ed25519 key gives None. Compare keys only in
    this form (or as blobs from `public_blob`), never as the text a person typed.
    """
    blob = public_blob(text) if isinstance(text, str) else None
    return public_line(blob) if blob is not None else None


def _ed25519_key(blob: bytes) -> bytes | None:
    """The 32 raw bytes of an ed25519 key blob, or None (wrong type, size or trailing bytes)."""
    try:
        kind, pos = _string(blob, 0)
        key, pos = _string(blob, pos)
    except ValueError:
        return None
    if kind != KEY_TYPE or len(key) != 32 or pos != len(blob):
        return None
    return key


# OpenSSH's markers carry their newlines: BEGIN's after it, END's before it.
_ARMOR_BEGIN = BEGIN + b"\n"
_ARMOR_END = b"\n" + END
_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_VALUE = {c: i for i, c in enumerate(_B64)}
_C_SPACE = b" \t\n\v\f\r"  # isspace() in the C locale


def b64_pton(text: bytes) -> bytes | None:
    """Decode base64 exactly as OpenSSH's `b64_pton` (BIND's) does; None where it refuses.

    White space anywhere is skipped; padding must be complete (`QUI` is refused) and nothing but
    white space may follow it (`QUJD=` is refused); the unused low bits before the padding must
    be zero (`QUJ=` is refused, only `QUI=` spells "AB"). Python's `b64decode` accepts all three,
    which is how a signature or key with extra bytes could differ from what OpenSSH reads.
    """
    out = bytearray()
    acc = 0
    state = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        i += 1
        if ch in _C_SPACE:
            continue
        if ch == 0x3D:  # '='
            break
        value = _B64_VALUE.get(ch)
        if value is None:
            return None
        acc = (acc << 6) | value
        state += 1
        if state == 4:
            out += acc.to_bytes(3, "big")
            acc = 0
            state = 0
    else:
        return bytes(out) if state == 0 else None
    # a pad character was read
    if state in (0, 1):
        return None
    rest = text[i:]
    if state == 2:
        stripped = rest.lstrip(_C_SPACE)
        if not stripped.startswith(b"="):
            return None
        rest = stripped[1:]
    if rest.strip(_C_SPACE):
        return None
    if state == 2:
        if acc & 0xF:
            return None
        out.append(acc >> 4)
    else:
        if acc & 0x3:
            return None
        out += (acc >> 2).to_bytes(2, "big")
    return bytes(out)


@dataclass(frozen=True, slots=True)
class Signature:
    """A parsed SSHSIG blob: the fields `ssh-keygen -Y verify` reads."""

    version: int
    key_blob: bytes
    namespace: bytes
    reserved: bytes
    hash_alg: bytes
    sig_type: bytes
    raw_sig: bytes


def dearmor(armored: bytes) -> bytes | None:
    """The SSHSIG blob inside an armored signature, read as OpenSSH's `sshsig_dearmor` does.

    The text must start with the BEGIN line and its newline (no leading space, no CR); it ends
    at the first newline followed by the END marker, and whatever follows that marker is
    ignored, as OpenSSH ignores it.
    """
    if not armored.startswith(_ARMOR_BEGIN):
        return None
    body = armored[len(_ARMOR_BEGIN) :]
    end = body.find(_ARMOR_END)
    if end < 0:
        return None
    body = body[:end]
    nul = body.find(b"\0")
    if nul >= 0:
        if nul != len(body) - 1:  # sshbuf_dup_string refuses an inner NUL
            return None
        body = body[:-1]
    if not body:
        return None
    return b64_pton(body)


def _cstring(buf: bytes, pos: int) -> tuple[bytes, int]:
    value, pos = _string(buf, pos)
    if b"\0" in value:  # sshbuf_get_cstring refuses an inner NUL
        raise ValueError("nul in string")
    return value, pos


def parse_signature(armored: bytes) -> Signature | None:
    """Parse an armored SSHSIG with OpenSSH's rules; None for anything OpenSSH would refuse to read.

    No byte may follow the last field, in the outer blob, the key blob or the signature blob.
    Only ed25519 keys and signatures are accepted.
    """
    sig = dearmor(armored)
    if sig is None or not sig.startswith(MAGIC):
        return None
    try:
        pos = len(MAGIC)
        if pos + 4 > len(sig):
            return None
        (version,) = struct.unpack(">I", sig[pos : pos + 4])
        pos += 4
        key_blob, pos = _string(sig, pos)
        namespace, pos = _cstring(sig, pos)
        reserved, pos = _string(sig, pos)
        hash_alg, pos = _cstring(sig, pos)
        wrapped, pos = _string(sig, pos)
        if pos != len(sig):
            return None
        sig_type, spos = _cstring(wrapped, 0)
        raw_sig, spos = _string(wrapped, spos)
        if spos != len(wrapped):
            return None
    except ValueError:
        return None
    if _ed25519_key(key_blob) is None:
        return None
    return Signature(version, key_blob, namespace, reserved, hash_alg, sig_type, raw_sig)


def verify(armored: bytes, payload: bytes) -> bytes | None:
    """The signer's key blob if `armored` is a valid git-namespace SSHSIG over `payload`, else None.

    Accepts exactly what `ssh-keygen -Y verify -n git` accepts for an ed25519 key (the
    differential test in tests/test_sshsig_differential.py holds it to that), with one
    deliberate difference: a signature whose scalar S is not reduced (S >= L) is refused here
    (OpenSSL's check) while OpenSSH's ref10 code lets some through; such a signature is a
    malleated copy of a real one, never a forgery, and refusing it keeps commit ids unique.
    """
    parsed = parse_signature(armored)
    if parsed is None:
        return None
    if parsed.version > 1 or parsed.namespace != NAMESPACE:
        return None
    if parsed.hash_alg not in (b"sha512", b"sha256") or parsed.sig_type != KEY_TYPE:
        return None
    if len(parsed.raw_sig) != 64:
        return None
    raw_key = _ed25519_key(parsed.key_blob)
    assert raw_key is not None  # parse_signature checked it
    digest = hashlib.new(parsed.hash_alg.decode(), payload).digest()
    # OpenSSH rebuilds the signed data with an empty reserved field, whatever the blob carries
    signed = MAGIC + _pack(NAMESPACE, b"", parsed.hash_alg, digest)
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(raw_key).verify(parsed.raw_sig, signed)
    except (ValueError, InvalidSignature):
        return None
    return parsed.key_blob


def key_blob_of(private: Ed25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return _pack(KEY_TYPE, raw)


def sign(private: Ed25519PrivateKey, payload: bytes) -> bytes:
    """An armored SSHSIG over `payload` in the git namespace, as `ssh-keygen -Y sign` makes."""
    digest = hashlib.sha512(payload).digest()
    signed = MAGIC + _pack(NAMESPACE, b"", b"sha512", digest)
    wrapped = _pack(KEY_TYPE, private.sign(signed))
    blob = (
        MAGIC
        + struct.pack(">I", 1)
        + _pack(key_blob_of(private), NAMESPACE, b"", b"sha512", wrapped)
    )
    body = base64.b64encode(blob)
    lines = [body[i : i + 70] for i in range(0, len(body), 70)]
    return b"\n".join([BEGIN, *lines, END]) + b"\n"


def with_signature(payload: bytes, armored: bytes) -> bytes:
    """The commit object `payload` with `armored` inserted as its gpgsig header (as git does)."""
    head, sep, message = payload.partition(b"\n\n")
    sig_lines = armored.rstrip(b"\n").split(b"\n")
    header = b"gpgsig " + b"\n ".join(sig_lines)
    return head + b"\n" + header + sep + message
