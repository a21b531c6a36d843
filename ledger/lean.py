"""Lean clones for offices on a slow link: every commit, request and policy file, no evidence.

A lean clone is a git partial clone whose filter leaves out the blobs under `evidence/`, with a
sparse checkout so the working folder never asks for them. Later fetches (`ktpel sync`) keep the
same filter, so scans pushed by other offices stay on the hub until someone opens one
(`fetch_blob`).

The filter is `sparse:oid=refs/ktpel/lean-filter`: the hub holds a small blob of sparse-checkout
patterns (`/*` and `!/evidence/`) under that ref, and its upload-pack sends only the blobs whose
paths match. Unlike `blob:limit=<n>` it is exact: a small WhatsApp scan is left out, a large
request or people file is kept, so the audit never stalls on one lazy fetch per old request
version. The price is a setting on the hub (`prepare_hub`, below) that hosted forges may not
offer; such a hub gets `lean-not-supported`.

Nothing here may read a missing blob through git's usual commands: `git cat-file`, `git show`
and a checkout fetch a missing object from the hub silently (git 2.39 has no switch against
that). Presence is read with `git rev-list --missing=print`, which never fetches.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .evidence import EVIDENCE_DIR, Attachment, TreeEntry
from .rules import fail
from .sync import net_env

FILTER_REF = "refs/ktpel/lean-filter"
FILTER = f"sparse:oid={FILTER_REF}"
# Sparse patterns: everything at the top, except the evidence folder.
SPARSE_PATTERNS = ("/*", "!/evidence/")

# What the hub needs, besides the filter ref: upload-pack must accept a filter at all, and a
# client on protocol v0 (or a v2 client behind an old proxy) may ask for one blob by id.
HUB_LEAN_CONFIG = (
    ("uploadpack.allowFilter", "true"),
    ("uploadpack.allowAnySHA1InWant", "true"),
)


@dataclass(frozen=True, slots=True)
class EvidenceBlob:
    """One evidence file of a commit's tree and whether its content is on this machine."""

    path: str
    blob: str
    present: bool


@dataclass(frozen=True, slots=True)
class LeanClone:
    """The result of `clone_lean`: where the clone is and the remote it lazily fetches from."""

    path: Path
    remote: str


def _git(repo: Path | str, *args: str, **kw) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, **kw)


def _last_line(stderr: bytes, fallback: str) -> str:
    lines = [
        line.removeprefix("fatal: ").removeprefix("error: ").strip()
        for line in stderr.decode("utf-8", "replace").splitlines()
        if line.strip()
    ]
    return lines[-1] if lines else fallback


# --- the hub -----------------------------------------------------------------------------------


def prepare_hub(hub: str | os.PathLike[str]) -> str:
    """Let a bare hub serve lean clones: the upload-pack settings and the filter ref.

    Idempotent; returns the filter blob's id. Called by `ktpel hub init` for new hubs, and by
    an admin once for an existing hub.
    """
    root = Path(hub)
    for key, value in HUB_LEAN_CONFIG:
        _git(root, "config", key, value, check=True)
    spec = "".join(f"{p}\n" for p in SPARSE_PATTERNS).encode()
    oid = _git(root, "hash-object", "-w", "--stdin", input=spec, check=True).stdout.decode().strip()
    _git(root, "update-ref", FILTER_REF, oid, check=True)
    return oid


# --- cloning -----------------------------------------------------------------------------------


def clone_lean(
    url: str, path: str | os.PathLike[str], remote: str = "origin", branch: str = "main"
) -> LeanClone:
    """Partial-clone `url` into `path` without evidence blobs, and check out all but `evidence/`.

    Refuses with `clone-failed` (network, no such hub) or `lean-not-supported` (the hub ignores
    or refuses the filter); either way nothing is left at `path`. Making the clone a ledger
    (strict refspec, listing and audit caches) is the caller's: `hub.clone` does it for both.
    """
    target = Path(path).expanduser().resolve()
    if target.exists() and any(target.iterdir()):
        raise fail("ledger-exists", path=str(target))
    proc = subprocess.run(
        [
            "git",
            "clone",
            "--quiet",
            "--no-tags",
            "--no-checkout",
            f"--filter={FILTER}",
            "--origin",
            remote,
            url,
            str(target),
        ],
        capture_output=True,
        env=net_env(),
    )
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        about_filter = [
            line.strip() for line in err.splitlines() if "sparse blob" in line or "filter" in line
        ]
        if about_filter:
            reason = about_filter[0].removeprefix("fatal: ").removeprefix("remote: ")
            raise fail("lean-not-supported", url=url, reason=reason)
        raise fail(
            "clone-failed", url=url, reason=_last_line(proc.stderr, f"exit {proc.returncode}")
        )
    if "filtering not recognized by server" in err:
        # git made a full clone instead; on a slow link that is exactly what was to be avoided,
        # and the admin should know. The bytes are already here, but a half-lean promise is worse.
        shutil.rmtree(target, ignore_errors=True)
        raise fail("lean-not-supported", url=url, reason="uploadpack.allowFilter")
    try:
        _git(target, "sparse-checkout", "set", "--no-cone", *SPARSE_PATTERNS, check=True)
        has_branch = _git(
            target, "rev-parse", "--verify", "--quiet", f"refs/remotes/{remote}/{branch}"
        )
        if has_branch.returncode == 0:
            _git(target, "checkout", "-q", "-B", branch, f"{remote}/{branch}", check=True)
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise fail(
            "clone-failed", url=url, reason=_last_line(exc.stderr or b"", "checkout")
        ) from None
    return LeanClone(target, remote)


def promisor_remote(repo: str | os.PathLike[str]) -> str | None:
    """The remote a lean clone fetches missing blobs from, or None for a full clone.

    git 2.39's clone marks it with `remote.<name>.promisor = true`; older clones used
    `extensions.partialClone = <name>`.
    """
    proc = _git(repo, "config", "--get", "extensions.partialClone")
    if proc.stdout.strip():
        return proc.stdout.decode().strip()
    proc = _git(repo, "config", "--bool", "--get-regexp", r"^remote\..*\.promisor$")
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(" ")
        if value.strip() == "true":
            return key.removeprefix("remote.").removesuffix(".promisor")
    return None


def is_lean(repo: str | os.PathLike[str]) -> bool:
    return promisor_remote(repo) is not None


# --- what is here, without fetching ------------------------------------------------------------


def missing_blobs(repo: str | os.PathLike[str], rev: str = "HEAD") -> frozenset[str]:
    """Ids of the evidence blobs reachable from `rev` (all history) that are not on this machine.

    `rev-list --missing=print` marks absent objects with `?` and never fetches them; the pathspec
    keeps the walk to commits and trees under `evidence/`.
    """
    proc = _git(repo, "rev-list", "--objects", "--missing=print", rev, "--", EVIDENCE_DIR)
    if proc.returncode != 0:
        raise fail("git-failed", reason=_last_line(proc.stderr, "rev-list"))
    return frozenset(
        line[1:].strip()
        for line in proc.stdout.decode("ascii", "replace").splitlines()
        if line.startswith("?")
    )


def evidence_presence(repo: str | os.PathLike[str], rev: str = "HEAD") -> list[EvidenceBlob]:
    """Every evidence file in `rev`'s tree (paths from trees only) and whether its blob is here."""
    listing = _git(repo, "ls-tree", "-r", "-z", "--full-tree", rev, "--", EVIDENCE_DIR)
    if listing.returncode != 0:
        raise fail("git-failed", reason=_last_line(listing.stderr, "ls-tree"))
    missing = missing_blobs(repo, rev)
    out = []
    for entry in _parse_ls_tree(listing.stdout):
        out.append(EvidenceBlob(entry.path, entry.blob, entry.blob not in missing))
    return out


def blob_reader(repo: str | os.PathLike[str], rev: str = "HEAD") -> Callable[[str], bytes | None]:
    """A `read_blob` for `evidence.check_commit`: a blob's bytes, or None when it is not here.

    The missing set is read once; asking git for a missing blob would fetch it.
    """
    missing = missing_blobs(repo, rev) if is_lean(repo) else frozenset()

    def read(oid: str) -> bytes | None:
        if oid in missing:
            return None
        proc = _git(repo, "cat-file", "blob", oid)
        return proc.stdout if proc.returncode == 0 else None

    return read


def fetch_blob(repo: str | os.PathLike[str], oid: str, remote: str | None = None) -> bytes:
    """Fetch one blob from the lean clone's hub (if not here yet) and return its bytes.

    git verifies the object against its id on arrival; the caller checks its SHA-256 against the
    attachment (`evidence.check_commit` or a direct compare) before trusting it.
    """
    name = remote or promisor_remote(repo) or "origin"
    if oid in missing_blobs(repo, "--all"):
        proc = subprocess.run(
            [
                "git",
                "-C",
                str(repo),
                "-c",
                "fetch.negotiationAlgorithm=noop",
                "fetch",
                "--quiet",
                "--no-tags",
                "--no-write-fetch-head",
                "--filter=blob:none",
                name,
                oid,
            ],
            capture_output=True,
            env=net_env(),
        )
        if proc.returncode != 0:
            raise fail(
                "evidence-fetch-failed",
                blob=oid,
                remote=name,
                reason=_last_line(proc.stderr, f"exit {proc.returncode}"),
            )
    proc = _git(repo, "cat-file", "blob", oid)
    if proc.returncode != 0:
        raise fail("evidence-fetch-failed", blob=oid, remote=name, reason="tidak ada di hub")
    return proc.stdout


# --- reading a commit's evidence changes (for evidence.check_commit) ----------------------------


def commit_changes(
    repo: str | os.PathLike[str], commit: str
) -> list[tuple[TreeEntry | None, TreeEntry | None]]:
    """The (old, new) entries under `evidence/` that `commit` changed against its first parent.

    `git diff-tree` compares tree ids only, so no blob is read (or fetched).
    """
    proc = _git(
        repo, "diff-tree", "-r", "-z", "--raw", "--no-renames", "--root", commit, "--", EVIDENCE_DIR
    )
    if proc.returncode != 0:
        raise fail("git-failed", reason=_last_line(proc.stderr, "diff-tree"))
    fields = proc.stdout.split(b"\0")
    out: list[tuple[TreeEntry | None, TreeEntry | None]] = []
    i = 1 if fields and fields[0] and not fields[0].startswith(b":") else 0  # the commit id line
    while i + 1 < len(fields):
        head, path = fields[i], fields[i + 1].decode("utf-8", "surrogateescape")
        i += 2
        if not head.startswith(b":"):
            continue
        old_mode, new_mode, old_oid, new_oid, _status = head[1:].decode().split(" ")
        old = None if set(old_oid) == {"0"} else TreeEntry(path, old_oid, old_mode)
        new = None if set(new_oid) == {"0"} else TreeEntry(path, new_oid, new_mode)
        out.append((old, new))
    return out


def stored_entry(repo: str | os.PathLike[str], commit: str) -> Callable[[str], TreeEntry | None]:
    """A `stored` for `evidence.check_commit`: the commit's tree entry at a path, or None."""

    def lookup(path: str) -> TreeEntry | None:
        proc = _git(repo, "ls-tree", "-z", "--full-tree", commit, "--", path)
        entries = [e for e in _parse_ls_tree(proc.stdout) if e.path == path]
        return entries[0] if entries else None

    return lookup


def _parse_ls_tree(raw: bytes) -> list[TreeEntry]:
    out = []
    for record in raw.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, oid = meta.decode().split(" ")
        if kind == "blob":
            out.append(TreeEntry(path.decode("utf-8", "surrogateescape"), oid, mode))
    return out


# --- a request's attachments, for the CLI and the screen ---------------------------------------


@dataclass(frozen=True, slots=True)
class Listed:
    """One attachment of a request: the event naming it and whether its file is here.

    `status`: "present", "not-fetched" (a lean clone: on the hub) or "missing" (not in the tree:
    the audit reports it)."""

    seq: int
    step: int
    action: str
    attachment: Attachment
    status: str


def request_attachments(repo: str | os.PathLike[str], events: Iterable) -> list[Listed]:
    """Every attachment the events name, in order, with its status at HEAD (nothing fetched)."""
    present = {item.path: item.present for item in evidence_presence(repo, "HEAD")}
    out = []
    for event in events:
        for a in event.attachments:
            status = (
                "missing"
                if a.path not in present
                else "present"
                if present[a.path]
                else "not-fetched"
            )
            out.append(Listed(event.seq, event.step, event.action, a, status))
    return out


def attachment_bytes(repo: str | os.PathLike[str], attachment: Attachment) -> bytes:
    """The attachment's file, fetched from the hub first in a lean clone, its SHA-256 checked."""
    items = [i for i in evidence_presence(repo, "HEAD") if i.path == attachment.path]
    if not items:
        raise fail(
            "evidence-missing",
            name=attachment.name,
            sha256=attachment.sha256,
            path=attachment.path,
        )
    item = items[0]
    data = fetch_blob(repo, item.blob) if not item.present else blob_reader(repo)(item.blob)
    actual = hashlib.sha256(data or b"").hexdigest()
    if actual != attachment.sha256:
        raise fail("evidence-hash-mismatch", path=attachment.path, actual=actual)
    return data or b""
