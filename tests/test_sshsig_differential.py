"""ledger.sshsig against OpenSSH: every mutated signature is judged the same by both.

Each case builds a signature (with `ssh-keygen -Y sign`, or in-process with the same private key
when the mutation needs a field OpenSSH never writes), then asks `ssh-keygen -Y verify -n git`
and `ledger.sshsig.verify` and compares the verdicts. The one place they are allowed to differ
is named and asserted in its own test (a non-reduced ed25519 scalar).
"""

from __future__ import annotations

import base64
import struct
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import load_ssh_private_key
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import sshsig

PAYLOAD = (
    b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
    b"author Maya <maya@x.go.id> 1795834560 +0700\n"
    b"committer Maya <maya@x.go.id> 1795834560 +0700\n\n[2026-0005] Langkah 2/19\n"
)
ED25519_L = 2**252 + 27742317777372353535851937790883648493


class Signer:
    """A real ssh-keygen key, its allowed-signers file, and both verifiers."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.key = root / "maya_ed25519"
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "maya", "-f", str(self.key)],
            check=True,
        )
        self.public = (root / "maya_ed25519.pub").read_text().strip()
        self.allowed = root / "allowed"
        self.allowed.write_text(f'maya namespaces="git" {self.public}\n')
        self.private = load_ssh_private_key(self.key.read_bytes(), None)
        self.key_blob = sshsig.public_blob(self.public)
        self.payload_file = root / "payload"
        self.payload_file.write_bytes(PAYLOAD)
        self.count = 0

    def keygen_sign(self, *options: str) -> bytes:
        subprocess.run(
            ["ssh-keygen", "-q", "-Y", "sign", "-n", "git", "-f", str(self.key), *options]
            + [str(self.payload_file)],
            check=True,
            capture_output=True,
        )
        return (self.root / "payload.sig").read_bytes()

    def openssh_accepts(self, armored: bytes, payload: bytes = PAYLOAD) -> bool:
        self.count += 1
        sig = self.root / f"case{self.count}.sig"
        sig.write_bytes(armored)
        done = subprocess.run(
            ["ssh-keygen", "-Y", "verify", "-f", str(self.allowed), "-I", "maya", "-n", "git"]
            + ["-s", str(sig)],
            input=payload,
            capture_output=True,
        )
        return done.returncode == 0

    def ours_accepts(self, armored: bytes, payload: bytes = PAYLOAD) -> bool:
        return sshsig.verify(armored, payload) == self.key_blob

    def blob(
        self,
        *,
        version: int = 1,
        namespace: bytes = b"git",
        signed_namespace: bytes | None = None,
        reserved: bytes = b"",
        signed_reserved: bytes = b"",
        hash_alg: bytes = b"sha512",
        signed_hash: bytes | None = None,
        sig_type: bytes = b"ssh-ed25519",
        key_extra: bytes = b"",
        wrapped_extra: bytes = b"",
        outer_extra: bytes = b"",
        raw_sig: bytes | None = None,
        payload: bytes = PAYLOAD,
    ) -> bytes:
        """An SSHSIG blob with any field set by hand, signed with the real private key."""
        import hashlib

        digest_alg = (signed_hash or hash_alg).decode()
        digest = hashlib.new(digest_alg if digest_alg in ("sha256", "sha512") else "sha512")
        digest.update(payload)
        signed = sshsig.MAGIC + sshsig._pack(
            signed_namespace if signed_namespace is not None else namespace,
            signed_reserved,
            signed_hash or hash_alg,
            digest.digest(),
        )
        raw = raw_sig if raw_sig is not None else self.private.sign(signed)
        wrapped = sshsig._pack(sig_type, raw) + wrapped_extra
        return (
            sshsig.MAGIC
            + struct.pack(">I", version)
            + sshsig._pack(self.key_blob + key_extra, namespace, reserved, hash_alg, wrapped)
            + outer_extra
        )


def armor(blob: bytes, width: int = 70, *, begin: bytes = sshsig.BEGIN, nl: bytes = b"\n") -> bytes:
    body = base64.b64encode(blob)
    lines = [body[i : i + width] for i in range(0, len(body), width)]
    return nl.join([begin, *lines, sshsig.END]) + nl


def dearmored(armored: bytes) -> bytes:
    text = armored.strip()
    return base64.b64decode(b"".join(text[len(sshsig.BEGIN) : -len(sshsig.END)].split()))


@pytest.fixture(scope="module")
def signer(tmp_path_factory: pytest.TempPathFactory) -> Signer:
    return Signer(tmp_path_factory.mktemp("sshsig"))


def agree(signer: Signer, armored: bytes, payload: bytes = PAYLOAD) -> bool:
    theirs = signer.openssh_accepts(armored, payload)
    ours = signer.ours_accepts(armored, payload)
    assert ours == theirs, f"ssh-keygen {'accepts' if theirs else 'refuses'}, ledger.sshsig not"
    return ours


# --- the baseline ------------------------------------------------------------------------------


def test_a_signature_ssh_keygen_made_verifies_in_both(signer):
    assert agree(signer, signer.keygen_sign())
    assert agree(signer, signer.keygen_sign("-O", "hashalg=sha256"))


def test_our_own_signer_makes_what_ssh_keygen_makes(signer):
    assert sshsig.sign(signer.private, PAYLOAD) == signer.keygen_sign()


def test_a_changed_payload_fails_in_both(signer):
    assert not agree(signer, signer.keygen_sign(), PAYLOAD + b"x")


# --- the blob ----------------------------------------------------------------------------------

BLOB_CASES = {
    "in-process, as ssh-keygen": ({}, True),
    "trailing junk after the blob": ({"outer_extra": b"junk"}, False),
    "trailing junk in the signature blob": ({"wrapped_extra": b"\0\0\0\0"}, False),
    "trailing junk in the key blob": ({"key_extra": b"\0"}, False),
    "namespace file, signed as file": ({"namespace": b"file"}, False),
    "namespace git, signed as file": ({"signed_namespace": b"file"}, False),
    "namespace with a NUL": ({"namespace": b"git\0x", "signed_namespace": b"git"}, False),
    "hash sha384": ({"hash_alg": b"sha384"}, False),
    "hash sha1": ({"hash_alg": b"sha1"}, False),
    "hash SHA512 in capitals": ({"hash_alg": b"SHA512", "signed_hash": b"sha512"}, False),
    "hash sha256 claimed, sha512 signed": (
        {"hash_alg": b"sha256", "signed_hash": b"sha512"},
        False,
    ),
    "version 0": ({"version": 0}, None),
    "version 2": ({"version": 2}, None),
    "reserved filled, signed empty": ({"reserved": b"x"}, None),
    "reserved filled and signed": ({"reserved": b"x", "signed_reserved": b"x"}, None),
    "signature type ssh-rsa": ({"sig_type": b"ssh-rsa"}, False),
    "signature 63 bytes": ({"raw_sig": bytes(63)}, False),
    "signature 65 bytes": ({"raw_sig": bytes(65)}, False),
    "signature all zero": ({"raw_sig": bytes(64)}, False),
}


@pytest.mark.parametrize("case", list(BLOB_CASES))
def test_blob_mutations_are_judged_alike(signer, case):
    fields, expected = BLOB_CASES[case]
    verdict = agree(signer, armor(signer.blob(**fields)))
    if expected is not None:  # None: whatever OpenSSH says, as long as we say the same
        assert verdict is expected


@pytest.mark.parametrize("cut", [1, 4, 20, 64, 100])
def test_truncated_blobs_fail_in_both(signer, cut):
    blob = dearmored(signer.keygen_sign())
    assert not agree(signer, armor(blob[:-cut]))


def test_a_non_reduced_scalar_is_refused_here_though_openssh_takes_it(signer):
    """The one deliberate difference: S + L is a malleated copy of a real signature."""
    good = signer.blob()
    parsed = sshsig.parse_signature(armor(good))
    r, s = parsed.raw_sig[:32], int.from_bytes(parsed.raw_sig[32:], "little")
    malleated = r + (s + ED25519_L).to_bytes(32, "little")
    armored = armor(signer.blob(raw_sig=malleated))
    if (s + ED25519_L) >> 253:
        pytest.skip("this signature's S + L does not fit OpenSSH's top-bits check")  # rare
    assert signer.openssh_accepts(armored)
    assert not signer.ours_accepts(armored)


# --- the armor ---------------------------------------------------------------------------------


def armor_cases(signer: Signer) -> dict[str, bytes]:
    good = signer.keygen_sign()
    blob = dearmored(good)
    body = base64.b64encode(blob)
    lines = good.split(b"\n")
    cases = {
        "as written": good,
        "no final newline": good.rstrip(b"\n"),
        "leading space": b" " + good,
        "leading newline": b"\n" + good,
        "CRLF line ends": good.replace(b"\n", b"\r\n"),
        "no newline after BEGIN": good.replace(sshsig.BEGIN + b"\n", sshsig.BEGIN, 1),
        "one long line": sshsig.BEGIN + b"\n" + body + b"\n" + sshsig.END + b"\n",
        "lines of 64": armor(blob, 64),
        "blank lines inside": good.replace(b"\n", b"\n\n\t ").replace(
            sshsig.BEGIN + b"\n\n\t ", sshsig.BEGIN + b"\n", 1
        ),
        "junk after END": good + b"trailing junk\n",
        "junk after END on its line": good.rstrip(b"\n") + b"junk\n",
        "junk before BEGIN": b"x" + good,
        "lower-case BEGIN": good.replace(b"BEGIN SSH", b"begin ssh"),
        "no END line": b"\n".join(lines[:-2]) + b"\n",
        "END twice": good + sshsig.END + b"\n",
        "NUL before END": good.replace(b"\n" + sshsig.END, b"\0\n" + sshsig.END),
        "NUL after the newline": good.replace(b"\n" + sshsig.END, b"\n\0" + sshsig.END),
        "space before END": good.replace(b"\n" + sshsig.END, b"\n " + sshsig.END),
        "blank line before END": good.replace(b"\n" + sshsig.END, b"\n\n" + sshsig.END),
        "CR inside": good.replace(body[:10], body[:10] + b"\r", 1),
        "NUL inside": good.replace(body[:10], body[:5] + b"\0" + body[5:10]),
        "a star inside": good.replace(body[:10], body[:5] + b"*" + body[6:10]),
        "url-safe alphabet": good.replace(b"+", b"-").replace(b"/", b"_"),
        "empty body": sshsig.BEGIN + b"\n" + sshsig.END + b"\n",
        "two signatures, good first": good + armor(signer.blob(outer_extra=b"x")),
        "two signatures, bad first": armor(signer.blob(outer_extra=b"x")) + good,
    }
    # Padding: the reserved field (ignored by OpenSSH's check) sets the blob's length mod 3.
    for n in range(3):
        padded = signer.blob(reserved=b"r" * n)
        text = base64.b64encode(padded)
        cases[f"reserved {n}: canonical"] = armor(padded)
        stripped = text.rstrip(b"=")
        if stripped != text:
            cases[f"reserved {n}: padding dropped"] = armor_text(stripped)
            cases[f"reserved {n}: one pad too many"] = armor_text(text + b"=")
            cases[f"reserved {n}: space before pad"] = armor_text(
                stripped + b" " + text[len(stripped) :]
            )
            last = stripped[-1:]
            value = sshsig._B64.index(last)
            for bit in (1, 2, 4, 8, 16):
                flipped = sshsig._B64[value ^ bit : (value ^ bit) + 1]
                cases[f"reserved {n}: low bit {bit} set"] = armor_text(
                    stripped[:-1] + flipped + text[len(stripped) :]
                )
        else:
            cases[f"reserved {n}: pad after a full group"] = armor_text(text + b"=")
            cases[f"reserved {n}: two pads after a full group"] = armor_text(text + b"==")
    return cases


def armor_text(body: bytes) -> bytes:
    return sshsig.BEGIN + b"\n" + body + b"\n" + sshsig.END + b"\n"


def test_armor_and_padding_mutations_are_judged_alike(signer):
    cases = armor_cases(signer)
    verdicts = {}
    for name, armored in cases.items():
        theirs = signer.openssh_accepts(armored)
        verdicts[name] = (theirs, signer.ours_accepts(armored))
    differ = {name: v for name, v in verdicts.items() if v[0] != v[1]}
    assert differ == {}, f"(ssh-keygen, ours) differ on: {differ}"
    # and the mutations that matter are refused by both
    for name in ("leading space", "junk before BEGIN", "no END line", "two signatures, bad first"):
        assert verdicts[name] == (False, False), name


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    derandomize=True,
)
@given(data=st.data())
def test_random_byte_mutations_are_judged_alike(signer, data):
    armored = bytearray(sshsig.sign(signer.private, PAYLOAD))
    for _ in range(data.draw(st.integers(1, 3))):
        op = data.draw(st.sampled_from(["flip", "insert", "delete"]))
        at = data.draw(st.integers(0, len(armored) - 1))
        if op == "flip":
            armored[at] ^= 1 << data.draw(st.integers(0, 7))
        elif op == "insert":
            armored.insert(at, data.draw(st.integers(0, 255)))
        else:
            del armored[at]
    agree(signer, bytes(armored))


# --- keys in canonical form --------------------------------------------------------------------


def test_padding_variants_of_one_key_compare_equal(signer):
    kind, b64, *_ = signer.public.split()
    canonical = f"{kind} {b64}"
    for variant in (
        signer.public,
        f"{kind} {b64}",
        f"{kind}   {b64}   another comment",
        f"{kind} {b64}=",
        f"{kind} {b64}==",
    ):
        assert sshsig.canonical_key(variant) == canonical, variant


def test_what_is_not_an_ed25519_key_has_no_canonical_form(signer):
    kind, b64, *_ = signer.public.split()
    blob = base64.b64decode(b64)
    for bad in (
        "",
        "ssh-ed25519",
        f"ssh-rsa {b64}",
        f"{kind} {b64[:-4]}",
        f"{kind} {base64.b64encode(blob + b'x').decode()}",
        f"{kind} {b64}*",
    ):
        assert sshsig.canonical_key(bad) is None, bad


# --- through git: the commit's header as git reads it ------------------------------------------


def git_verifies(repo: Path, allowed: Path, sha: str) -> bool:
    done = subprocess.run(
        ["git", "-c", "gpg.format=ssh", "-c", f"gpg.ssh.allowedSignersFile={allowed}"]
        + ["verify-commit", sha],
        cwd=repo,
        capture_output=True,
    )
    return done.returncode == 0


def test_commit_headers_are_split_as_git_splits_them(signer, tmp_path):
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    allowed = tmp_path / "allowed"
    allowed.write_text(f'maya@x.go.id namespaces="git" {signer.public}\n')
    good = sshsig.sign(signer.private, PAYLOAD)
    bad = armor(signer.blob(outer_extra=b"x"))
    head, _, message = PAYLOAD.partition(b"\n\n")

    def header(armored: bytes, prefix: bytes = b"gpgsig ") -> bytes:
        return prefix + b"\n ".join(armored.rstrip(b"\n").split(b"\n"))

    variants = {
        "one signature": head + b"\n" + header(good),
        "bad then good header": head + b"\n" + header(bad) + b"\n" + header(good),
        "good then bad header": head + b"\n" + header(good) + b"\n" + header(bad),
        "two spaces after gpgsig": head + b"\n" + header(good, b"gpgsig  "),
    }
    for name, h in variants.items():
        raw = h + b"\n\n" + message
        sha = (
            subprocess.run(
                ["git", "hash-object", "-t", "commit", "-w", "--literally", "--stdin"],
                cwd=repo,
                input=raw,
                capture_output=True,
                check=True,
            )
            .stdout.decode()
            .strip()
        )
        commit = sshsig.split_commit(raw)
        ours = commit.signature is not None and (
            sshsig.verify(commit.signature, commit.payload) == signer.key_blob
        )
        assert commit.payload == PAYLOAD, name
        assert ours == git_verifies(repo, allowed, sha), name
