"""Evidence files: reading with an office's limits, the content address, the TOML form, and the
per-commit check over real git commits (real repos in tmp folders, real blobs)."""

from __future__ import annotations

import hashlib
import io
import subprocess
import tomllib
from pathlib import Path

import pypdf
import pytest
import tomli_w
from PIL import Image

from ledger import evidence, lean
from ledger.evidence import Attachment, TreeEntry
from ledger.rules import LedgerError

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(50)
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(40)
HEIF = b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1" + bytes(40)
TIFF = b"II*\x00\x08\x00\x00\x00" + bytes(40)
DOCX = b"PK\x03\x04\x14\x00\x06\x00" + bytes(40)
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00" + bytes(40)


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --- reading a file ----------------------------------------------------------------------------


def test_a_scan_is_recorded_by_its_content_and_hash(tmp_path: Path) -> None:
    data = evidence.tiny_pdf("BAST 2026-0001/01")
    path = _write(tmp_path / "BAST Bangka.pdf", data)
    attachment, read = evidence.read_attachment(path, "bast-signed")
    assert read == data
    assert attachment == Attachment(
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        media_type="application/pdf",
        name="BAST Bangka.pdf",
        kind="bast-signed",
    )
    sha = attachment.sha256
    assert attachment.path == f"evidence/sha256/{sha[:2]}/{sha[2:]}.pdf"


@pytest.mark.parametrize(
    ("data", "media", "ext"),
    [
        (evidence.tiny_jpeg("foto"), "image/jpeg", "jpg"),
        (PNG, "image/png", "png"),
        (HEIC, "image/heic", "heic"),
        (HEIF, "image/heif", "heif"),
        (TIFF, "image/tiff", "tif"),
    ],
)
def test_the_type_comes_from_the_bytes_not_the_name(
    tmp_path: Path, data: bytes, media: str, ext: str
) -> None:
    # Every file is named .pdf: a phone's photo renamed by hand is still a photo.
    attachment, _ = evidence.read_attachment(_write(tmp_path / "scan.pdf", data), "foto")
    assert attachment.media_type == media
    assert attachment.path.endswith("." + ext)


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (DOCX, "ZIP/Office (docx, xlsx)"),
        (MP4, "video/gambar ISO (isom)"),
        (b"Surat ini adalah teks biasa\n", "teks"),
        (bytes(range(1, 200)), "tidak dikenal"),
    ],
)
def test_a_file_of_another_type_is_refused_with_a_sentence(
    tmp_path: Path, data: bytes, found: str
) -> None:
    with pytest.raises(LedgerError) as err:
        evidence.read_attachment(_write(tmp_path / "BAST.pdf", data), "bast-signed")
    assert err.value.code == "evidence-type"
    assert err.value.message("id") == (
        f"Berkas bukti BAST.pdf bukan PDF, JPEG, PNG, HEIC/HEIF atau TIFF (isinya: {found}); "
        "simpan ulang hasil pindaian ke salah satu jenis itu."
    )


def test_an_oversize_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "scan-600dpi.pdf"
    with big.open("wb") as fh:
        fh.write(b"%PDF-1.4\n")
        fh.truncate(evidence.MAX_BYTES + 1)  # sparse: no 25 MB written
    with pytest.raises(LedgerError) as err:
        evidence.read_attachment(big, "surat-scan")
    assert err.value.code == "evidence-too-large"
    assert err.value.message("id") == (
        "Berkas bukti scan-600dpi.pdf berukuran 25,0 MB, melebihi batas 25 MB; pindai ulang "
        "dengan resolusi lebih rendah (mis. 150 dpi) atau bagi per halaman."
    )
    with pytest.raises(LedgerError) as err:
        evidence.read_attachment(
            _write(tmp_path / "a.pdf", evidence.tiny_pdf("x")), "foto", max_bytes=100
        )
    assert err.value.code == "evidence-too-large"


def test_empty_missing_and_folder_paths_are_refused(tmp_path: Path) -> None:
    cases = {
        _write(tmp_path / "kosong.jpg", b""): "evidence-empty",
        tmp_path / "tidak-ada.pdf": "evidence-unreadable",
        tmp_path: "evidence-unreadable",
    }
    for path, code in cases.items():
        with pytest.raises(LedgerError) as err:
            evidence.read_attachment(path, "foto")
        assert err.value.code == code, path
    assert "tidak ada" in str(
        pytest.raises(LedgerError, evidence.read_attachment, tmp_path / "x.pdf", "foto").value
    )


def test_an_unknown_kind_names_the_choices(tmp_path: Path) -> None:
    with pytest.raises(LedgerError) as err:
        evidence.read_attachment(_write(tmp_path / "a.pdf", evidence.tiny_pdf("x")), "kuitansi")
    assert err.value.message("en") == (
        "Unknown kind of evidence 'kuitansi'; choose one of: "
        "surat-scan, airway-bill, bast-signed, pernyataan-signed, foto."
    )


def test_the_stored_name_has_no_folder_and_no_control_characters() -> None:
    assert evidence.clean_name("C:\\Users\\kasi\\Scan 01.pdf") == "Scan 01.pdf"
    assert evidence.clean_name("/home/kasi/bast\x1b[31m\n.pdf") == "bast\ufffd[31m\ufffd.pdf"
    assert evidence.clean_name("   ") == "lampiran"
    assert len(evidence.clean_name("a" * 400 + ".pdf")) == 255


# --- the content address -----------------------------------------------------------------------


def test_a_content_address_parses_back_to_its_hash_and_type() -> None:
    sha = hashlib.sha256(b"x").hexdigest()
    for media in evidence.MEDIA_TYPES:
        path = evidence.evidence_path(sha, media)
        assert evidence.parse_evidence_path(path) == (sha, media)
    bad = [
        "evidence/x.pdf",
        f"evidence/sha256/{sha}.pdf",
        f"evidence/sha256/{sha[:2]}/{sha[2:]}.docx",
        f"evidence/sha256/{sha[:2]}/{sha[2:]}",
        f"evidence/sha256/{sha[:2].upper()}/{sha[2:]}.pdf",
        f"evidence/sha256/{sha[:3]}/{sha[3:]}.pdf",
        f"evidence/sha256/{sha[:2]}/{sha[2:-1]}.pdf",
        f"evidence/sha256/{sha[:2]}/x/{sha[2:]}.pdf",
        "requests/2026/2026-0001.toml",
    ]
    for path in bad:
        with pytest.raises(ValueError):
            evidence.parse_evidence_path(path)


# --- the TOML form -----------------------------------------------------------------------------


def _attachment(data: bytes, kind: str = "surat-scan", name: str = "surat.pdf") -> Attachment:
    return evidence.attachment_for(data, name, kind)


def test_attachments_round_trip_through_an_event_in_toml() -> None:
    items = [
        _attachment(evidence.tiny_pdf("surat")),
        _attachment(evidence.tiny_jpeg("foto"), "foto", "IMG_0001.jpg"),
    ]
    event = {"seq": 7, "action": "advance", "attachment": evidence.attachments_to_toml(items)}
    text = tomli_w.dumps({"event": [event]})
    assert '[[event.attachment]]\nkind = "surat-scan"\nname = "surat.pdf"' in text
    read = tomllib.loads(text)["event"][0]["attachment"]
    assert evidence.attachments_from_toml(read) == tuple(items)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"sha256": "AB" * 32}, "sha256 harus 64 digit heksadesimal huruf kecil"),
        ({"size": True}, "size 'True' harus bilangan bulat positif (bait)"),
        ({"size": 0}, "size '0' harus bilangan bulat positif (bait)"),
        ({"media_type": "image/gif"}, "media_type 'image/gif' tidak diizinkan"),
        ({"name": "../x\n.pdf"}, "name harus nama berkas tanpa folder dan tanpa karakter kendali"),
        (
            {"kind": "Foto Rumah"},
            "kind 'Foto Rumah' bukan nama jenis (huruf kecil, angka, tanda hubung)",
        ),
        ({"path": "evidence/x"}, "kunci tidak dikenal: path"),
        ({"sha256": None}, "kunci wajib tidak ada: sha256"),
    ],
)
def test_a_malformed_attachment_table_is_named_by_its_position(change: dict, reason: str) -> None:
    good = _attachment(evidence.tiny_pdf("a")).to_toml()
    table = {**good, **change}
    table = {k: v for k, v in table.items() if v is not None}
    with pytest.raises(LedgerError) as err:
        evidence.attachments_from_toml([good | {"sha256": "0" * 64}, table])
    assert err.value.code == "evidence-invalid"
    assert err.value.message("id") == f"Lampiran #2 tidak sesuai format: {reason}."


def test_the_same_file_twice_in_one_event_is_refused() -> None:
    one = _attachment(evidence.tiny_pdf("a")).to_toml()
    with pytest.raises(LedgerError) as err:
        evidence.attachments_from_toml([one, one | {"name": "salinan.pdf"}])
    assert err.value.code == "evidence-duplicate"


# --- the per-commit check over real commits ----------------------------------------------------


class Repo:
    """A real git repository where each `commit` writes/deletes files and makes one commit."""

    def __init__(self, root: Path) -> None:
        self.root = root
        subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
        _write(root / "ledger.toml", b"format = 1\n")

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(self.root), *args], check=True, capture_output=True, text=True
        ).stdout.strip()

    def commit(self, files: dict[str, bytes | None], message: str = "langkah") -> str:
        for rel, data in files.items():
            if data is None:
                (self.root / rel).unlink()
            else:
                _write(self.root / rel, data)
        self.git("add", "-A")
        self.git(
            "-c", "user.name=Kasi", "-c", "user.email=kasi@example.go.id", "commit", "-qm", message
        )
        return self.git("rev-parse", "HEAD")

    def check(self, commit: str, named: list[Attachment]) -> evidence.EvidenceCheck:
        return evidence.check_commit(
            lean.commit_changes(self.root, commit),
            named,
            lean.stored_entry(self.root, commit),
            lean.blob_reader(self.root),
        )


def _codes(result: evidence.EvidenceCheck) -> list[tuple[str, str | None]]:
    return [(v.code, v.path) for v in result.violations]


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    r = Repo(tmp_path / "ledger")
    r.commit({}, "Ledger dibuat")
    return r


def test_a_commit_adding_exactly_its_events_files_passes(repo: Repo) -> None:
    bast = _attachment(evidence.tiny_pdf("BAST"), "bast-signed", "bast.pdf")
    photo = _attachment(evidence.tiny_jpeg("serah terima"), "foto", "foto.jpg")
    files = {
        bast.path: evidence.tiny_pdf("BAST"),
        photo.path: evidence.tiny_jpeg("serah terima"),
        "requests/2026/2026-0001.toml": b"id = '2026-0001'\n",
    }
    commit = repo.commit(files)
    result = repo.check(commit, [bast, photo])
    assert result.ok and result.unchecked == ()
    assert sorted(result.allowed) == sorted([bast.path, photo.path])
    # The same scan attached again by a later event is stored once: the commit adds nothing.
    again = repo.commit({"requests/2026/2026-0001.toml": b"id = '2026-0001'\n# 2\n"})
    second = repo.check(again, [bast])
    assert second.ok and second.allowed == ()
    # Plain git agrees with the recorded hash (the inspector's check in docs/AUDIT.md).
    shown = subprocess.run(
        ["git", "-C", str(repo.root), "show", f"{again}:{bast.path}"],
        capture_output=True,
        check=True,
    ).stdout
    assert hashlib.sha256(shown).hexdigest() == bast.sha256


def test_an_extra_evidence_file_the_event_does_not_name_is_a_finding(repo: Repo) -> None:
    named = _attachment(evidence.tiny_pdf("surat"))
    extra = _attachment(evidence.tiny_pdf("lain"))
    commit = repo.commit(
        {named.path: evidence.tiny_pdf("surat"), extra.path: evidence.tiny_pdf("lain")}
    )
    result = repo.check(commit, [named])
    assert _codes(result) == [("evidence-unnamed", extra.path)]
    assert result.allowed == (named.path,)
    # A commit with no event (a policy commit, a hand-made one) may add no evidence at all.
    stray = _attachment(evidence.tiny_jpeg("x"), "foto")
    commit = repo.commit({stray.path: evidence.tiny_jpeg("x")})
    assert _codes(repo.check(commit, [])) == [("evidence-unnamed", stray.path)]


def test_an_event_naming_a_file_that_is_not_there_is_a_finding(repo: Repo) -> None:
    named = _attachment(evidence.tiny_pdf("BAST"), "bast-signed", "BAST.pdf")
    commit = repo.commit({"requests/2026/2026-0001.toml": b"x = 1\n"})
    result = repo.check(commit, [named])
    assert _codes(result) == [("evidence-missing", named.path)]
    assert result.violations[0].message("id") == (
        f"Kejadian ini menyebut lampiran BAST.pdf ({named.sha256}), tetapi berkas "
        f"{named.path} tidak ada di commit ini."
    )


def test_editing_swapping_or_deleting_a_stored_file_later_is_a_finding(repo: Repo) -> None:
    scan = _attachment(evidence.tiny_pdf("BAST asli"), "bast-signed")
    repo.commit({scan.path: evidence.tiny_pdf("BAST asli")})
    swapped = repo.commit({scan.path: evidence.tiny_pdf("BAST palsu")})
    assert _codes(repo.check(swapped, [])) == [("evidence-changed", scan.path)]
    deleted = repo.commit({scan.path: None})
    assert _codes(repo.check(deleted, [])) == [("evidence-deleted", scan.path)]


def test_content_that_does_not_match_its_address_or_its_record_is_a_finding(repo: Repo) -> None:
    real = evidence.tiny_pdf("surat asli")
    claimed = _attachment(real)
    commit = repo.commit({claimed.path: evidence.tiny_pdf("surat lain")})
    result = repo.check(commit, [claimed])
    assert [v.code for v in result.violations] == ["evidence-hash-mismatch"]
    assert (
        result.violations[0].params["actual"]
        == hashlib.sha256(evidence.tiny_pdf("surat lain")).hexdigest()
    )
    # Right bytes at the right address, but the event misstates the size and type.
    data = evidence.tiny_jpeg("foto")
    honest = _attachment(data, "foto")
    lying = Attachment(honest.sha256, honest.size + 1, "image/png", "foto.png", "foto")
    commit = repo.commit({lying.path: data})
    found = repo.check(commit, [lying])
    assert [(v.code, v.params["field"]) for v in found.violations] == [
        ("evidence-record-mismatch", "size"),
        ("evidence-record-mismatch", "media_type"),
    ]


def test_files_under_evidence_outside_the_address_scheme_are_findings(repo: Repo) -> None:
    commit = repo.commit({"evidence/BAST Bangka.pdf": evidence.tiny_pdf("x")})
    result = repo.check(commit, [])
    assert _codes(result) == [("evidence-bad-path", "evidence/BAST Bangka.pdf")]
    # A symlink at a valid address is not a stored file.
    target = _attachment(evidence.tiny_pdf("link"))
    link = repo.root / target.path
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to("/etc/passwd")
    commit = repo.commit({})
    result = repo.check(commit, [target])
    assert [v.code for v in result.violations] == ["evidence-bad-path", "evidence-missing"]


def test_the_check_works_on_entries_alone() -> None:
    """The kernel and the hub may hold the trees in memory: the check needs no repository."""
    data = evidence.tiny_pdf("surat")
    a = _attachment(data)
    blob = (
        subprocess.run(
            ["git", "hash-object", "--stdin"], input=data, capture_output=True, check=True
        )
        .stdout.decode()
        .strip()
    )
    parent: dict[str, TreeEntry] = {}
    commit = {a.path: TreeEntry(a.path, blob)}
    changes = evidence.diff_entries(parent, commit)
    result = evidence.check_commit(changes, [a], commit.get, {blob: data}.get)
    assert result.ok and result.allowed == (a.path,)
    # Content not on this machine (a lean clone): neither passed nor failed, but said.
    result = evidence.check_commit(changes, [a], commit.get, lambda _oid: None)
    assert result.ok and result.unchecked == (a.path,)
    assert [v.code for v in evidence.not_fetched(result.unchecked)] == ["evidence-not-fetched"]


# --- generated scans ---------------------------------------------------------------------------


def test_the_generated_pdf_is_a_real_pdf_showing_its_caption() -> None:
    caption = "Surat (Scanner) 470/12/DP3ACSKB/2026 \\ Bangka Belitung – Pangkalpinang"
    reader = pypdf.PdfReader(io.BytesIO(evidence.tiny_pdf(caption)), strict=True)
    assert len(reader.pages) == 1
    assert reader.pages[0].extract_text().replace("\n", "") == caption
    assert evidence.sniff_media_type(evidence.tiny_pdf(caption)) == "application/pdf"


def test_the_generated_jpeg_decodes_and_shows_ink_where_the_caption_is() -> None:
    data = evidence.tiny_jpeg("BAST 19.04")
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "JPEG" and image.mode == "L"
    assert image.size == ((4 * len("BAST 19.04") + 3) * 8, 72)
    assert image.getpixel((4, 4)) > 200  # the margin is paper
    assert image.getpixel((16 + 4, 16 + 4)) < 50  # the B's top-left block is ink
    assert image.info.get("comment") == b"BAST 19.04"


def test_the_inspectors_plain_git_steps_in_audit_md_catch_a_swapped_scan(repo: Repo) -> None:
    """docs/AUDIT.md section 5, steps 3 and 4, run as written (git, a pipe, sha256sum)."""
    data = evidence.tiny_pdf("BAST asli")
    scan = _attachment(data, "bast-signed")
    commit = repo.commit({scan.path: data, "requests/2026/2026-0001.toml": b"x = 1\n"})

    def sh(command: str) -> str:
        return subprocess.run(
            ["sh", "-c", command], cwd=repo.root, capture_output=True, text=True, check=True
        ).stdout

    hashed = sh(f"git show {commit}:{scan.path} | sha256sum")
    assert hashed == f"{scan.sha256}  -\n"
    assert scan.path.removeprefix("evidence/sha256/").replace("/", "").startswith(scan.sha256)
    never_changed = "git log --diff-filter=MDRTC --format='%h %s' --name-status -- evidence/"
    assert sh(never_changed) == ""
    swap = repo.commit({scan.path: evidence.tiny_pdf("BAST palsu")}, "ganti pindaian")
    assert swap[:7] in sh(never_changed) and "ganti pindaian" in sh(never_changed)
    assert sh(f"git show {swap}:{scan.path} | sha256sum") != hashed
