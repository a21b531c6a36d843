"""Making a new ledger: settings, people, the SOP copy, and the first commit by the admin."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w

from . import clock
from .policy import PEOPLE_FILE, SETTINGS_FILE, Key, Person, parse_policy, parse_settings, sop_path
from .repo import configure_git, write_commit_graph
from .rules import fail, reason
from .sop import BUILTIN_SOP, builtin_sop_text
from .store import Ledger, git_env, signing_key_path

PEOPLE_HEADER = (
    "# Orang yang boleh bertindak di ledger ini, peran dan kuncinya. Format: docs/FORMAT.md.\n"
    "# Diubah hanya oleh admin, dalam commit yang hanya mengubah berkas kebijakan.\n"
)


def default_settings_text(*, signatures_required: bool = False, layout: str = "flat") -> str:
    text = (
        resources.files("ledger").joinpath("templates", "ledger.toml").read_text(encoding="utf-8")
    )
    if signatures_required:
        text = text.replace("signatures_required = false", "signatures_required = true")
    if layout != "flat":
        from .kernel import migrated_settings

        text = migrated_settings(text, layout)
    return text


def _with_own_key(admin: Person, required: bool, at) -> Person:
    """The admin with this machine's public key registered (made first if signing is required).

    Only the first commit may register a key of its own author: it is the ledger's root of trust,
    which inspectors pin (docs/AUDIT.md).
    """
    if admin.keys or not (required or signing_key_path(admin.id).exists()):
        return admin
    from .keys import create_key

    _, line, _ = create_key(admin.id)
    return replace(admin, keys=(Key(line, added=clock.to_wib(at).date().isoformat()),))


def person_to_dict(person: Person) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": person.id,
        "name": person.name,
        "nip": person.nip,
        "email": person.email,
        "office": person.office,
        "roles": list(person.roles),
    }
    if person.whatsapp:
        out["whatsapp"] = person.whatsapp
    if person.keys:
        out["key"] = [
            {
                k: v
                for k, v in (("public", key.public), ("added", key.added), ("retired", key.retired))
                if v
            }
            for key in person.keys
        ]
    return out


def people_text(people: Iterable[Person]) -> str:
    return PEOPLE_HEADER + tomli_w.dumps({"person": [person_to_dict(p) for p in people]})


# The programs a new ledger needs on PATH, and the Debian/Ubuntu package that brings each.
TOOLS = {"git": "git", "ssh-keygen": "openssh-client"}


def check_tools(*, signing: bool) -> None:
    """Refuse before writing anything when git (or ssh-keygen, for a signed ledger) is missing."""
    for tool, package in TOOLS.items():
        if tool == "ssh-keygen" and not signing:
            continue
        if shutil.which(tool) is None:
            raise fail("tool-missing", tool=tool, package=package)


@contextmanager
def built_in_place(path: str | Path, *, replace_existing: bool = False) -> Iterator[Path]:
    """A temporary folder beside `path` to build in, moved to `path` only when the block ends well.

    On any failure the temporary folder is removed, so `path` is left as it was (absent, empty,
    or, with `replace_existing`, the previous ledger). A non-empty `path` is refused unless
    `replace_existing`; then the old folder is swapped out and removed after the new one is in.
    """
    root = Path(path).expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise fail("ledger-exists", path=str(root))
    occupied = root.exists() and any(root.iterdir())
    if occupied and not replace_existing:
        raise fail("ledger-exists", path=str(root))
    root.parent.mkdir(parents=True, exist_ok=True)
    # Beside the target, so the final rename stays on one file system and is atomic.
    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.ktpel-baru-", dir=root.parent))
    try:
        yield tmp
        if occupied:
            old = Path(tempfile.mkdtemp(prefix=f".{root.name}.ktpel-lama-", dir=root.parent))
            os.replace(root, old / root.name)
            os.replace(tmp, root)
            shutil.rmtree(old, ignore_errors=True)
        else:
            if root.exists():
                root.rmdir()  # empty: nothing of the user's is lost
            os.replace(tmp, root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def init_ledger(
    path: str | Path,
    admin: Person,
    *,
    people: Iterable[Person] = (),
    settings_text: str | None = None,
    sop_id: str = BUILTIN_SOP,
    at=None,
    signatures_required: bool = True,
    layout: str = "flat",
) -> Ledger:
    """Create a ledger in an empty (or absent) folder; the first commit is the admin's, signed.

    New ledgers require signatures; the admin's key is made on this machine if absent. The
    ledger is built beside `path` and moved there only when complete (`built_in_place`).
    """
    root = Path(path).expanduser().resolve()
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise fail("ledger-exists", path=str(root))
    settings = settings_text or default_settings_text(
        signatures_required=signatures_required, layout=layout
    )
    check_tools(signing=parse_settings(settings).signatures_required)
    with built_in_place(root) as tmp:
        create_ledger(
            tmp, admin, people=people, settings_text=settings, sop_id=sop_id, at=at
        ).close()
    return Ledger(root)


def create_ledger(
    root: Path,
    admin: Person,
    *,
    people: Iterable[Person] = (),
    settings_text: str,
    sop_id: str = BUILTIN_SOP,
    at=None,
) -> Ledger:
    """Write a new ledger into the empty folder `root` (no atomicity: see `init_ledger`)."""
    at = at or clock.now()
    settings = settings_text
    admin = _with_own_key(admin, parse_settings(settings).signatures_required, at)
    everyone = [admin, *[p for p in people if p.id != admin.id]]
    sop_text = builtin_sop_text(sop_id)
    ptext = people_text(everyone)
    parse_policy(settings, ptext, sop_text)  # refuse a bad NIP, unknown role... before writing
    if "admin" not in admin.roles:
        raise fail("people-invalid", reason=reason("why-admin-role", person=admin.id))
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True, capture_output=True)
    configure_git(root)  # split index, commit-graph kept up to date (repo.LEDGER_GIT_CONFIG)
    files = {
        SETTINGS_FILE: settings,
        PEOPLE_FILE: ptext,
        sop_path(sop_id): sop_text,
        ".gitattributes": "*.toml text eol=lf\n",
        "requests/.gitkeep": "",
    }
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, capture_output=True)
    message = "Ledger dibuat: pengaturan, daftar orang dan SOP yang berlaku\n\nKtpel-Action: policy\nKtpel-Role: admin\n"
    key = signing_key_path(admin.id)
    sign = (
        ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}", "-c", "commit.gpgsign=true"]
        if admin.keys and key.exists()
        else ["-c", "commit.gpgsign=false"]
    )
    proc = subprocess.run(
        ["git", *sign, "commit", "-q", "--no-verify", "-F", "-"],
        cwd=root,
        capture_output=True,
        input=message.encode(),
        env=git_env(admin.name, admin.email, at),
    )
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise fail("git-failed", reason=lines[-1] if lines else "git commit")
    write_commit_graph(root)
    return Ledger(root)
