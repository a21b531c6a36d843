"""Which private key signs: a key file read once per version, and whether it is one of the
person's active keys in people.toml."""

from __future__ import annotations

from pathlib import Path

from .keys import normalize, public_of_file
from .policy import Person

_KEY_FILES: dict[
    tuple[Path, int, int], tuple[str | None, object]
] = {}  # (path, mtime, size) -> (public, private)


def key_file(key: Path) -> tuple[str | None, object]:
    """(public line, private key or None) of a key file, read once per version of the file.

    The private half is None when it cannot be used in-process (protected by a passphrase, not
    ed25519): git and ssh-keygen sign with it then.
    """
    try:
        st = key.stat()
    except OSError:
        return None, None
    slot = (key, st.st_mtime_ns, st.st_size)
    if slot not in _KEY_FILES:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import load_ssh_private_key

        try:
            private = load_ssh_private_key(key.read_bytes(), None)
            private = private if isinstance(private, Ed25519PrivateKey) else None
        except (OSError, ValueError, TypeError):
            private = None
        if len(_KEY_FILES) > 64:
            _KEY_FILES.clear()
        _KEY_FILES[slot] = (public_of_file(key), private)
    return _KEY_FILES[slot]


def registered_key(key: Path, person: Person) -> bool:
    """Whether the private key file's public half is one of the person's active keys in people.toml."""
    mine = key_file(key)[0]
    if mine is None:
        return False
    for registered in person.keys:
        try:
            if registered.active and normalize(registered.public) == mine:
                return True
        except ValueError:
            continue
    return False
