"""The audit's findings: a stable code, where, and parameters; the sentence is made when shown.

One catalogue: the audit's own codes are here (`FINDINGS`), a rule broken by a replayed
operation keeps its code from `rules.RULES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import i18n
from .rules import param_plain, param_text, render

ERROR, WARNING = "error", "warning"
GOOD, UNKNOWN_KEY, BAD, UNSIGNED = "good", "unknown-key", "bad", "unsigned"
OTHER_SIGNER = "other-signer"  # a good signature by a listed key, not the commit author's

# The audit's own findings: stable code -> (severity, Indonesian, English). Rule violations
# found by replaying an event keep their code from rules.py.
FINDINGS: dict[str, tuple[str, str, str]] = {
    "unsigned": (ERROR, "Commit tidak bertanda tangan.", "The commit is not signed."),
    "unsigned-allowed": (
        WARNING,
        "Commit tidak bertanda tangan (ledger ini tidak mewajibkan tanda tangan); pelakunya hanya ditunjukkan oleh nama penulis.",
        "The commit is not signed (this ledger does not require signatures); only the author's name says who acted.",
    ),
    "author-unknown": (
        ERROR,
        "Penulis commit {author} tidak terdaftar di people.toml sebelumnya.",
        "The commit's author {author} is not listed in the previous people.toml.",
    ),
    "bad-signature": (
        ERROR,
        "Tanda tangan commit tidak sah: isi commit diubah sesudah ditandatangani, atau tanda tangannya rusak.",
        "The commit's signature is not valid: the commit was changed after signing, or the signature is damaged.",
    ),
    "unknown-key": (
        ERROR,
        "Commit ditandatangani kunci yang tidak terdaftar di people.toml sebelumnya.",
        "The commit is signed by a key not listed in the previous people.toml.",
    ),
    "retired-key": (
        ERROR,
        "Commit ditandatangani kunci milik {person} yang sudah dipensiunkan ({retired}).",
        "The commit is signed by a key of {person} retired on {retired}.",
    ),
    "signer-not-author": (
        ERROR,
        "Commit ditandatangani kunci milik {signer}, tetapi penulisnya tertulis {author}.",
        "The commit is signed with {signer}'s key but its author reads {author}.",
    ),
    "signer-not-actor": (
        ERROR,
        "Langkah dicatat atas nama pelaku '{actor}', tetapi ditandatangani oleh {signer}.",
        "The step names '{actor}' as actor but is signed by {signer}.",
    ),
    "not-linear": (
        ERROR,
        "Commit memiliki {count} induk; riwayat ledger harus lurus (satu induk per commit).",
        "The commit has {count} parents; the ledger's history must be linear (one parent each).",
    ),
    "root-not-policy": (
        ERROR,
        "Commit pertama ledger harus pembuatan kebijakan oleh admin yang menandatanganinya.",
        "The ledger's first commit must create the policy, signed by an admin.",
    ),
    "files-count": (
        ERROR,
        "Commit mengubah {count} berkas permohonan ({paths}); satu commit harus tepat satu langkah pada satu permohonan.",
        "The commit changes {count} request files ({paths}); a commit must be exactly one step on one request.",
    ),
    "mixed-change": (
        ERROR,
        "Commit mengubah berkas kebijakan bersama berkas lain ({paths}).",
        "The commit changes policy files together with other files ({paths}).",
    ),
    "foreign-file": (
        ERROR,
        "Commit mengubah berkas di luar ledger: {path}.",
        "The commit changes a file outside the ledger's layout: {path}.",
    ),
    "request-deleted": (
        ERROR,
        "Commit menghapus berkas permohonan {path}.",
        "The commit deletes the request file {path}.",
    ),
    "event-unreadable": (
        ERROR,
        "Kejadian baru di {path} tidak dapat dibaca: {reason}",
        "The new event in {path} cannot be read: {reason}",
    ),
    "file-not-canonical": (
        WARNING,
        "Isi {path} sama datanya dengan hasil langkah ini tetapi ditulis lain (komentar tambahan, urutan kunci, atau penulis lain).",
        "{path} holds the same data this step produces but is written differently (an added comment, reordered keys, or another writer).",
    ),
    "file-mismatch": (
        ERROR,
        "Isi {path} bukan hasil langkah ini persis: berkas diubah di luar aturan (riwayat atau [state] disunting).",
        "{path} is not exactly what this step produces: the file was edited outside the rules (history or [state] rewritten).",
    ),
    "trailer-mismatch": (
        ERROR,
        "Trailer commit ({actual}) tidak sesuai dengan perubahannya ({expected}).",
        "The commit's trailers ({actual}) do not match its change ({expected}).",
    ),
    "request-broken": (
        ERROR,
        "Permohonan {request} sudah rusak sebelumnya; langkah ini tidak dapat diperiksa ulang.",
        "Request {request} was already broken earlier; this step cannot be replayed.",
    ),
    "time-backwards": (
        WARNING,
        "Waktu mundur: {what} {at} lebih awal dari {before} sebelumnya (commit mungkin ditanggalkan mundur).",
        "Time runs backwards: {what} {at} is earlier than the previous {before} (the commit may be backdated).",
    ),
    # A lean clone's audit: the content of an evidence file not on this machine (issue 11).
    "evidence-not-fetched": (
        WARNING,
        "Berkas bukti {path} belum diunduh ke salinan ringan ini; isinya tidak diperiksa.",
        "The evidence file {path} has not been fetched into this lean copy; its content was not checked.",
    ),
    "time-mismatch": (
        WARNING,
        "Waktu penulis commit ({author}) tidak sama dengan waktu langkah ({event}).",
        "The commit's author time ({author}) differs from the step's time ({event}).",
    ),
    "pin-missing": (
        ERROR,
        "Titik periksa {pin} tidak lagi ada dalam riwayat: riwayat di hub digulung balik atau ditulis ulang.",
        "Checkpoint {pin} is no longer in the history: the hub's history was rolled back or rewritten.",
    ),
    "pin-unknown": (
        ERROR,
        "Titik periksa {pin} tidak dikenal di repositori ini.",
        "Checkpoint {pin} is not known in this repository.",
    ),
    "no-history": (ERROR, "Ledger belum memiliki commit.", "The ledger has no commit yet."),
    # The hub's refusals that are not about a commit's content.
    "ref-not-allowed": (
        ERROR,
        "Hub hanya menerima cabang {allowed}; {ref} ditolak.",
        "The hub accepts only the {allowed} branch; {ref} is refused.",
    ),
    "ref-deleted": (
        ERROR,
        "Menghapus {ref} di hub tidak diizinkan.",
        "Deleting {ref} on the hub is not allowed.",
    ),
    "non-fast-forward": (
        ERROR,
        "Dorongan ini menulis ulang riwayat {ref} (bukan fast-forward); ditolak.",
        "This push rewrites the history of {ref} (not a fast-forward); refused.",
    ),
    # Security (issue 16, security3).
    "shallow-clone": (
        WARNING,
        "Salinan ini dangkal (shallow): riwayat sebelum potongannya tidak ada, jadi audit tidak "
        "dimulai dari commit pertama; ambil riwayat lengkap dengan 'git fetch --unshallow'.",
        "This copy is shallow: the history before its cut is missing, so the audit did not start "
        "at the first commit; fetch the whole history with 'git fetch --unshallow'.",
    ),
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong (or suspicious) in the history: stable code, where, and the sentence."""

    code: str
    commit: str | None = None
    request: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> str:
        return FINDINGS[self.code][0] if self.code in FINDINGS else ERROR

    def message(self, lang: str | None = None) -> str:
        lang = lang or i18n.language()
        if self.code not in FINDINGS:
            return render(self.code, self.params, lang)
        template = FINDINGS[self.code][2 if lang == "en" else 1]
        try:
            return template.format(**{k: param_text(v, lang) for k, v in self.params.items()})
        except (KeyError, IndexError):
            return f"{template} {self.params}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "commit": self.commit,
            "request": self.request,
            "message": self.message(),
            "params": {k: _plain(v) for k, v in self.params.items()},
        }

    def to_cache(self) -> dict[str, Any]:
        """What `from_dict` needs, without the sentence (made when shown, in the reader's language)."""
        return {
            "code": self.code,
            "commit": self.commit,
            "request": self.request,
            "params": {k: _plain(v) for k, v in self.params.items()},
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Finding:
        return cls(raw["code"], raw.get("commit"), raw.get("request"), dict(raw.get("params", {})))


def _plain(value: Any) -> Any:
    """A parameter as JSON keeps it (lists stay lists, nested reasons stay typed), so a cached
    finding reads back as typed as it was found and its sentence is made the same way in either
    language."""
    return param_plain(value)


class AuditReport:
    """An audit's outcome. The findings of commits a cache vouched for may come as a function
    (`earlier`, with how many of them are errors): an incremental audit parses none of them
    unless someone reads `findings`; `ok` needs only the count."""

    def __init__(
        self,
        findings: list[Finding],
        tip: str | None,
        commits: int,  # commits in the audited history
        checked: int,  # commits checked in this run (the rest came from the cache)
        signatures: dict[str, str] | None = None,
        *,
        earlier: Callable[[], list[Finding]] | None = None,
        earlier_errors: int = 0,
    ) -> None:
        self._findings = findings
        self.tip = tip
        self.commits = commits
        self.checked = checked
        self.signatures = signatures if signatures is not None else {}
        self._earlier = earlier
        self._earlier_errors = earlier_errors

    @property
    def findings(self) -> list[Finding]:
        if self._earlier is not None:
            self._findings = self._earlier() + self._findings
            self._earlier = None
        return self._findings

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def ok(self) -> bool:
        if self._earlier is not None:
            return self._earlier_errors == 0 and all(f.severity != ERROR for f in self._findings)
        return not self.errors
