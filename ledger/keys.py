"""People's SSH signing keys: made on this machine, listed (public half only) in people.toml.

The private key lives in the person's own config folder (`keys_dir()`), never in the
ledger. A key in people.toml is retired, never deleted or reused; whether a key may sign a
commit is decided by the people.toml of the commit's parent.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .policy import Person, Policy
from .sshsig import public_blob, public_line


def keys_dir() -> Path:
    """Where this machine keeps people's private signing keys (never inside the ledger)."""
    if env := os.environ.get("KTPEL_KEYS_DIR"):
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_config_dir("ktpel")) / "keys"


def signing_key_path(person_id: str) -> Path:
    return keys_dir() / f"{person_id}_ed25519"


@dataclass(frozen=True, slots=True)
class KeyOwner:
    """Who a key blob belongs to in one policy, and whether it is retired there."""

    person: str
    retired: str


def create_key(
    person_id: str, *, comment: str | None = None, path: Path | None = None
) -> tuple[Path, str, bool]:
    """Make `person_id`'s ed25519 key unless it exists. Returns (path, public line, created)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        PublicFormat,
        load_ssh_private_key,
    )

    path = path or signing_key_path(person_id)
    pub = path.with_name(path.name + ".pub")
    if path.exists():
        if pub.exists():
            return path, normalize(pub.read_text()), False
        private = load_ssh_private_key(path.read_bytes(), None)
        line = private.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()
        pub.write_text(f"{line} {comment or person_id + '@ktpel'}\n")
        return path, normalize(line), False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    private = Ed25519PrivateKey.generate()
    data = private.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    line = private.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()
    pub.write_text(f"{line} {comment or person_id + '@ktpel'}\n")
    return path, line, True


def set_aside(path: Path, stamp: str) -> Path:
    """Move a private key (and its .pub) out of the way, never deleting it: `<name>.old-<stamp>`."""
    aside = path.with_name(f"{path.name}.old-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.old-{stamp}-{n}")
    pub = path.with_name(path.name + ".pub")
    os.replace(path, aside)
    if pub.exists():
        os.replace(pub, aside.with_name(aside.name + ".pub"))
    return aside


def key_standing(path: Path, person: Person) -> str:
    """How the key file at `path` stands in this people.toml for `person`:
    "active", "retired", "unregistered" (not listed for them) or "missing" (no usable file)."""
    mine = public_of_file(path) if path.exists() else None
    if mine is None:
        return "missing"
    for key in person.keys:
        blob = public_blob(key.public)
        if blob is not None and public_line(blob) == mine:
            return "active" if key.active else "retired"
    return "unregistered"


def normalize(text: str) -> str:
    """'ssh-ed25519 AAAA...' without the comment; raises ValueError if it is not an ed25519 key."""
    blob = public_blob(text.strip())
    if blob is None:
        raise ValueError(text)
    from cryptography.hazmat.primitives.serialization import load_ssh_public_key  # on use

    load_ssh_public_key(public_line(blob).encode())
    return public_line(blob)


def registry(policy: Policy) -> dict[bytes, KeyOwner]:
    """Every key blob listed in the policy's people.toml -> its owner (retired ones included)."""
    out: dict[bytes, KeyOwner] = {}
    for person in policy.people.values():
        for key in person.keys:
            blob = public_blob(key.public)
            if blob is not None:
                out[blob] = KeyOwner(person.id, key.retired)
    return out


def allowed_signers(policy: Policy) -> str:
    """An allowed-signers file for `git log --show-signature` (gpg.ssh.allowedSignersFile).

    Active keys only; the principal is the person's email so git's output names them.
    """
    lines = []
    for person in policy.people.values():
        for key in person.keys:
            if key.active and public_blob(key.public) is not None:
                lines.append(f'{person.email} namespaces="git" {normalize(key.public)} {person.id}')
    return "\n".join(lines) + ("\n" if lines else "")


def public_of_file(path: Path) -> str | None:
    """'ssh-ed25519 AAAA...' of a private key file (from its .pub when present), or None."""
    pub = path.with_name(path.name + ".pub")
    try:
        if pub.exists():
            return normalize(pub.read_text())
        from cryptography.hazmat.primitives.serialization import (
            Encoding,
            PublicFormat,
            load_ssh_private_key,
        )

        private = load_ssh_private_key(path.read_bytes(), None)
        return normalize(
            private.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()
        )
    except (OSError, ValueError, TypeError):
        return None
