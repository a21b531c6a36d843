"""Keys: a passphrase-protected key signs through ssh-agent; rotating a key keeps the audit clean."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import FIXED_NOW

from ledger.admin import add_key, retire_key
from ledger.audit import audit, signature_status
from ledger.keys import allowed_signers, create_key, normalize
from ledger.request import Event
from ledger.store import Ledger, signing_key_path

STEP1 = {"meeting_date": date(2026, 11, 28), "minutes_summary": "Rapat monev stok blanko."}


@pytest.fixture
def agent(tmp_path: Path):
    """An ssh-agent of our own, stopped by its pid afterwards."""
    out = subprocess.run(
        ["ssh-agent", "-s", "-a", str(tmp_path / "agent.sock")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pid = int(out.split("SSH_AGENT_PID=")[1].split(";")[0])
    saved = os.environ.get("SSH_AUTH_SOCK")
    os.environ["SSH_AUTH_SOCK"] = str(tmp_path / "agent.sock")
    try:
        yield tmp_path / "agent.sock"
    finally:
        os.kill(pid, signal.SIGTERM)
        if saved is None:
            os.environ.pop("SSH_AUTH_SOCK", None)
        else:
            os.environ["SSH_AUTH_SOCK"] = saved


def test_passphrase_protected_key_signs_through_ssh_agent_after_rotation(
    demo_path, tmp_path, agent
):
    keys = tmp_path / "keys"
    shutil.copytree(os.environ["KTPEL_KEYS_DIR"], keys)
    saved = os.environ["KTPEL_KEYS_DIR"]
    os.environ["KTPEL_KEYS_DIR"] = str(keys)
    try:
        new_key = signing_key_path("maya")
        new_key.unlink()
        new_key.with_name("maya_ed25519.pub").unlink()
        subprocess.run(
            [
                "ssh-keygen",
                "-q",
                "-t",
                "ed25519",
                "-N",
                "rahasia-maya",
                "-C",
                "maya@ktpel",
                "-f",
                str(new_key),
            ],
            check=True,
        )
        askpass = tmp_path / "askpass.sh"
        askpass.write_text("#!/bin/sh\necho rahasia-maya\n")
        askpass.chmod(0o700)
        env = dict(os.environ, SSH_ASKPASS=str(askpass), SSH_ASKPASS_REQUIRE="force", DISPLAY=":0")
        subprocess.run(
            ["ssh-add", str(new_key)],
            env=env,
            check=True,
            capture_output=True,
            stdin=subprocess.DEVNULL,
        )
        public = normalize(new_key.with_name("maya_ed25519.pub").read_text())
        with Ledger.open(demo_path) as led:
            old = led.policy().person("maya").keys[0].public
            retire_key(led, "yusuf", "maya", old, at=FIXED_NOW + timedelta(minutes=1))
            add_key(led, "yusuf", "maya", public, at=FIXED_NOW + timedelta(minutes=2))
            rec = led.record(
                "2026-0006",
                Event("advance", 1, FIXED_NOW + timedelta(minutes=3), "maya", "kasi", STEP1),
            )
            report = audit(led, use_cache=False)
            assert report.findings == []
            assert signature_status(led, [rec.sha]) == {rec.sha: "good"}
            maya = led.policy().person("maya")
            assert [k.retired for k in maya.keys] == ["2026-11-28", ""]
            assert public in allowed_signers(led.policy()) and old not in allowed_signers(
                led.policy()
            )
    finally:
        os.environ["KTPEL_KEYS_DIR"] = saved


def test_create_key_reuses_an_existing_key(tmp_path):
    path = tmp_path / "k" / "x_ed25519"
    first = create_key("x", path=path)
    again = create_key("x", path=path)
    assert first[2] is True and again[2] is False and first[1] == again[1]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    signed = subprocess.run(
        ["ssh-keygen", "-Y", "sign", "-n", "git", "-f", str(path)],
        input=b"data",
        capture_output=True,
    )
    assert signed.returncode == 0 and b"BEGIN SSH SIGNATURE" in signed.stdout


def test_a_new_ledger_requires_signatures_and_its_first_commit_is_the_admins_signed(
    tmp_path, capsys
):
    from ktpel_tui.cli import main

    assert (
        main(
            [
                "init",
                str(tmp_path / "baru"),
                "--admin",
                "admin-baru",
                "--name",
                "Admin Baru",
                "--nip",
                "198803152014031002",
                "--email",
                "admin.baru@example.go.id",
            ]
        )
        == 0
    )
    assert signing_key_path("admin-baru").exists()
    with Ledger.open(tmp_path / "baru") as led:
        policy = led.policy()
        assert policy.settings.signatures_required
        assert [k.public for k in policy.person("admin-baru").keys] == [
            normalize(
                signing_key_path("admin-baru").with_name("admin-baru_ed25519.pub").read_text()
            )
        ]
        assert signature_status(led, [led.head()]) == {led.head(): "good"}
        report = audit(led, use_cache=False)
        assert report.findings == [] and report.commits == 1
    assert not list(
        (tmp_path / "baru").rglob("*_ed25519")
    )  # the private key never enters the ledger
