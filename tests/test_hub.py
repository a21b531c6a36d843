"""Running a hub on one machine (path remotes): the hook that finds ktpel through the hub's
setting, `hub doctor`, `hub upgrade`, and the login mapping. The same over real SSH and HTTPS
servers: tests/test_hub_transports.py.
"""

# ruff: noqa: F811 - the hub and offices fixtures come from test_sync, used by name

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_sync import advance, git, hub, offices  # noqa: F401 - fixtures used by name

from ktpel_tui.cli import main
from ledger.hook import HOOK_MARK, default_ktpel
from ledger.rules import LedgerError
from ledger.sync import sync


def push(led, login: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "KTPEL_HUB_LOGIN"}
    if login:
        env["KTPEL_HUB_LOGIN"] = login  # what an SSH key's `environment=` line sets
    return subprocess.run(
        ["git", "push", "origin", "HEAD:refs/heads/main"],
        cwd=led.root,
        capture_output=True,
        text=True,
        env=env,
    )


def remote_lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [line.rstrip() for line in proc.stderr.splitlines() if line.startswith("remote: ")]


def test_the_hook_names_no_python_and_doctor_finds_the_hub_ready(hub: Path, capsys):
    script = (hub / "hooks" / "pre-receive").read_text()
    assert sys.executable not in script and "python" not in script.lower()
    assert git(hub, "config", "ktpel.command").strip() == default_ktpel()
    assert main(["hub", "doctor", str(hub)]) == 0
    out = capsys.readouterr().out
    assert f"ok   ktpel untuk hook: {default_ktpel()}: berjalan" in out
    assert "Hub siap" in out


def test_a_broken_ktpel_refuses_in_one_sentence_and_upgrade_repairs(
    hub: Path, offices, tmp_path: Path, capsys
):
    led = offices(str(hub), "prov")
    broken = tmp_path / "ktpel-broken"
    broken.write_text(
        "#!/bin/sh\necho 'Traceback (most recent call last):' >&2\n"
        "echo 'ModuleNotFoundError: No module named ledger' >&2\nexit 1\n"
    )
    broken.chmod(0o755)
    git(hub, "config", "ktpel.command", str(broken))
    before = git(hub, "rev-parse", "main").strip()
    advance(led, "2026-0005")
    proc = push(led)
    assert proc.returncode != 0
    assert remote_lines(proc) == [
        f"remote: ktpel hub: dorongan ditolak: ktpel tidak dapat dijalankan di hub ({broken}). "
        f"Admin hub: pasang ktpel lalu jalankan 'ktpel hub upgrade {hub}' (docs/HUB.md)."
    ]
    assert "Traceback" not in proc.stderr
    assert git(hub, "rev-parse", "main").strip() == before
    assert main(["hub", "doctor", str(hub)]) == 1
    assert "SALAH ktpel untuk hook" in capsys.readouterr().out
    assert main(["--lang", "en", "hub", "upgrade", str(hub)]) == 0
    assert "Hook rewritten" in capsys.readouterr().out
    assert sync(led).pushed == 1


def test_an_old_hook_naming_a_removed_python_is_reported_and_upgraded(hub: Path, offices, capsys):
    # What `hub init` wrote before: the absolute Python of the venv that ran it.
    (hub / "hooks" / "pre-receive").write_text(
        f"#!/bin/sh\n{HOOK_MARK}: every pushed commit must pass `ktpel audit` (docs/AUDIT.md).\n"
        "PYTHONPATH=/opt/old-venv/src exec /opt/old-venv/bin/python -m ledger.hook\n"
    )
    assert main(["hub", "doctor", str(hub)]) == 1
    out = capsys.readouterr().out
    assert "SALAH Hook pre-receive versi 1" in out
    assert f"ktpel hub upgrade {hub}" in out
    assert main(["hub", "upgrade", str(hub)]) == 0
    assert main(["hub", "doctor", str(hub)]) == 0
    led = offices(str(hub), "prov")
    advance(led, "2026-0005")
    assert sync(led).pushed == 1


def test_a_forged_step_is_still_refused_by_the_new_hook(hub: Path, offices):
    from test_hub_transports import forge_step

    led = offices(str(hub), "a")
    before = git(hub, "rev-parse", "main").strip()
    forge_step(led)
    proc = push(led)
    assert proc.returncode != 0
    lines = remote_lines(proc)
    assert lines[0] == "remote: ktpel hub: dorongan ditolak."
    assert len(lines) >= 2 and lines[1].startswith("remote: [")
    assert git(hub, "rev-parse", "main").strip() == before


def test_logins_off_by_default_then_each_login_pushes_its_own_office(hub: Path, offices, capsys):
    led = offices(str(hub), "prov")
    assert main(["hub", "login", str(hub)]) == 0
    assert "Pemetaan login mati" in capsys.readouterr().out
    advance(led, "2026-0005")
    assert push(led).returncode == 0  # off: no login needed
    assert main(["hub", "login", str(hub), "prov", "prov"]) == 0
    assert main(["hub", "login", str(hub), "19.01", "19.01"]) == 0
    assert capsys.readouterr().out.splitlines() == ["prov: prov", "19.01: 19.01"]
    advance(led, "2026-0005")
    before = git(hub, "rev-parse", "main").strip()
    # Without a login, with an unknown one, with another office's: refused, hub unchanged.
    proc = push(led)
    assert remote_lines(proc)[1:] == [
        "remote: [login-missing] Hub ini memeriksa login pengirim, tetapi dorongan ini datang "
        "tanpa login."
    ]
    proc = push(led, "tamu\x1b[2J")  # a login is shown, never obeyed by the terminal
    assert "\x1b" not in proc.stderr and "Login tamu\\x1b[2J tidak terdaftar" in proc.stderr
    proc = push(led, "tamu")
    assert remote_lines(proc)[1:] == [
        "remote: [login-unknown] Login tamu tidak terdaftar di hub ini; minta admin hub "
        "menambahkannya."
    ]
    proc = push(led, "19.01")
    (line,) = remote_lines(proc)[1:]
    assert line.startswith(f"remote: [login-not-allowed] {led.head()[:12]}: Login 19.01 tidak")
    assert "(prov); login ini untuk: 19.01." in line
    assert git(hub, "rev-parse", "main").strip() == before
    assert push(led, "prov").returncode == 0
    assert git(hub, "rev-parse", "main").strip() == led.head()


def test_a_login_may_carry_a_person_or_everyone(hub: Path, offices, capsys):
    led = offices(str(hub), "prov")
    sha = advance(led, "2026-0005")
    who = git(led.root, "log", "-1", "--format=%ae", sha).strip()
    person = next(p for p in led.policy().people.values() if p.email == who)
    assert main(["hub", "login", str(hub), "kasi", "nobody-else"]) == 0
    assert push(led, "kasi").returncode != 0
    assert main(["hub", "login", str(hub), "kasi", person.id]) == 0
    assert push(led, "kasi").returncode == 0
    advance(led, "2026-0005")
    assert main(["hub", "login", str(hub), "darurat", "*"]) == 0
    assert push(led, "darurat").returncode == 0
    # doctor names the entry that matches no office or person of the ledger.
    assert main(["hub", "login", str(hub), "kasi", "nobody-else"]) == 0
    capsys.readouterr()
    assert main(["hub", "doctor", str(hub)]) == 1
    assert "Login kasi: nobody-else (tidak dikenal di ledger: nobody-else)" in (
        capsys.readouterr().out
    )
    assert main(["hub", "login", str(hub), "kasi", "--remove"]) == 0
    assert main(["hub", "login", str(hub), "darurat", "--remove"]) == 0
    assert main(["hub", "login", str(hub), "--json"]) == 0
    assert capsys.readouterr().out.strip().endswith("{}")


def test_hub_verbs_refuse_bad_input_with_a_sentence(hub: Path, tmp_path: Path, capsys):
    config = (hub / "config").read_text()
    assert main(["hub", "login", str(hub), "bad login", "prov"]) == 1
    assert main(["hub", "doctor", str(tmp_path / "nowhere")]) == 1
    assert main(["hub", "upgrade", str(tmp_path)]) == 1
    assert main(["hub", "login", str(hub), "evil\x1b[2J", "prov"]) == 1
    err = capsys.readouterr().err
    assert "[hub-login-invalid]" in err and "[hub-not-found]" in err
    assert "Traceback" not in err and "\x1b" not in err and "evil\\x1b[2J" in err
    assert (hub / "config").read_text() == config
    with pytest.raises(LedgerError) as exc:
        from ledger.hub import set_login

        set_login(hub, "x\ny", ["prov"])
    assert exc.value.code == "hub-login-invalid"
