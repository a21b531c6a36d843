"""The hub over the transports a province runs: real `sshd` (git-shell, a key per office) and real
lighttpd + `git http-backend` over HTTPS with basic authentication, on 127.0.0.1 (tests/servers.py).

Each office reaches the hub with its own login; the hub maps logins to offices (docs/HUB.md).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from servers import (
    HTTP_BACKEND,
    LIGHTTPD,
    SSHD,
    HttpsServer,
    HubHost,
    SshServer,
    hub_ktpel,
    need,
)
from test_sync import KABKOTA, advance, at, git, whole_request_scenario

from ktpel_tui.cli import main
from ledger.hub import clone, init_hub, set_login
from ledger.request import Event
from ledger.rules import LedgerError
from ledger.store import Ledger
from ledger.sync import sync

LOGINS = ["prov", "bapeng", *KABKOTA]


@pytest.fixture
def hubhost(tmp_path: Path, monkeypatch):
    need()
    host = HubHost()
    # The tests (root) read hubs the hub user owns: git trusts them only from the global config.
    config = tmp_path / "gitconfig"
    config.write_text(
        Path(__import__("os").environ["GIT_CONFIG_GLOBAL"]).read_text()
        + "[safe]\n\tdirectory = *\n"
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    yield host
    host.remove()


@pytest.fixture(params=["ssh", "https"])
def server(request, hubhost: HubHost, monkeypatch):
    """A running server of the hub host, every office's login known to it."""
    if request.param == "ssh":
        need(SSHD, "git-shell", "ssh", "ssh-keygen")
        srv: SshServer | HttpsServer = SshServer(hubhost)
        monkeypatch.setenv("GIT_SSH_COMMAND", srv.ssh_command)
    else:
        need(LIGHTTPD, HTTP_BACKEND, "openssl")
        srv = HttpsServer(hubhost)
        monkeypatch.setenv("GIT_SSL_CAINFO", str(srv.cert))
    for login in LOGINS:
        srv.add_login(login)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def served_hub(server, hubhost: HubHost, demo_path: Path) -> Path:
    """The demo ledger in a hub on the server, each office's login mapped to its office."""
    root = init_hub(hubhost.srv / "hub.git", ktpel=hub_ktpel(hubhost))
    with Ledger.open(demo_path) as seed:
        git(seed.root, "remote", "add", "origin", str(root))
        sync(seed)
    for login in LOGINS:
        set_login(root, login, [login])
    hubhost.hand_over(root)
    return root


@pytest.fixture
def offices(tmp_path: Path):
    opened: list[Ledger] = []

    def make(url: str, name: str) -> Ledger:
        led = clone(url, tmp_path / "clones" / name)
        opened.append(led)
        return led

    yield make
    for led in opened:
        led.close()


def test_whole_request_over_the_transport_with_a_login_per_office(
    server, served_hub: Path, offices
):
    whole_request_scenario(lambda office: server.url(office, "hub.git"), offices, served_hub)
    # Every commit came through the server: the hub's user owns all it wrote.
    owners = {p.owner() for p in (served_hub / "objects").rglob("*") if p.is_file()}
    assert owners == {"ktpelgit"}


def forge_step(led: Ledger) -> str:
    """Someone bypasses ktpel in a clone: the pelaksana "signs" step 8 as Kepala Dinas."""
    from ledger.request import apply_event
    from ledger.requestfile import dumps

    state = led.read_request("2026-0003")
    forged = apply_event(state, Event("advance", 8, at(), "dedi", "kadis", {}), led.policy())
    (led.root / "requests/2026/2026-0003.toml").write_text(dumps(forged), encoding="utf-8")
    git(
        led.root,
        "-c",
        "user.name=Dedi Kurniawan",
        "-c",
        "user.email=dedi@dp3acskb.babelprov.go.id",
        "commit",
        "-q",
        "-am",
        "[2026-0003] Langkah 8/19\n\nKtpel-Request: 2026-0003\nKtpel-Step: 8\n"
        "Ktpel-Action: advance\nKtpel-Role: kadis",
    )
    return git(led.root, "rev-parse", "HEAD").strip()


def push(led: Ledger) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "push", "origin", "HEAD:refs/heads/main"],
        cwd=led.root,
        capture_output=True,
        text=True,
    )


def test_a_forged_step_is_refused_with_the_findings_sentence(server, served_hub: Path, offices):
    led = offices(server.url("prov", "hub.git"), "prov")
    before = git(served_hub, "rev-parse", "main").strip()
    forge_step(led)
    proc = push(led)
    assert proc.returncode != 0
    # The pusher's terminal: git shows the hook's sentences as "remote: ...".
    remote = [line.rstrip() for line in proc.stderr.splitlines() if line.startswith("remote: ")]
    assert "remote: ktpel hub: dorongan ditolak." in remote
    assert any("[" in line and "Kepala Dinas" in line for line in remote), proc.stderr
    assert "Traceback" not in proc.stderr
    assert git(served_hub, "rev-parse", "main").strip() == before


def test_a_login_pushing_another_offices_step_is_refused(server, served_hub: Path, offices):
    # The 19.01 office's login carries a province step (Kasi's verification, made in its clone).
    led = offices(server.url("19.01", "hub.git"), "k1901")
    before = git(served_hub, "rev-parse", "main").strip()
    sha = advance(led, "2026-0005")
    with pytest.raises(LedgerError) as err:
        sync(led)
    assert err.value.code == "sync-rejected"
    assert "Login 19.01 tidak boleh mengirim langkah" in err.value.message()
    assert git(served_hub, "rev-parse", "main").strip() == before
    assert led.head() == sha  # nothing lost in the office either
    # The province's own login sends the same step.
    git(led.root, "remote", "set-url", "origin", server.url("prov", "hub.git"))
    assert sync(led).pushed == 1


def test_a_hub_whose_ktpel_was_removed_refuses_then_upgrade_repairs(
    server, served_hub: Path, hubhost: HubHost, offices, tmp_path: Path, capsys
):
    # The hub's ktpel lived elsewhere (another install) and was removed with it.
    gone = tmp_path / "old-install" / "bin" / "ktpel"
    gone.parent.mkdir(parents=True)
    shutil.copy(shutil.which("ktpel") or Path(__import__("sys").executable).parent / "ktpel", gone)
    git(served_hub, "config", "ktpel.command", str(gone))
    shutil.rmtree(tmp_path / "old-install")
    led = offices(server.url("prov", "hub.git"), "prov")
    before = git(served_hub, "rev-parse", "main").strip()
    advance(led, "2026-0005")
    proc = push(led)
    assert proc.returncode != 0
    remote = [line.rstrip() for line in proc.stderr.splitlines() if line.startswith("remote: ")]
    assert remote == [
        f"remote: ktpel hub: dorongan ditolak: ktpel tidak dapat dijalankan di hub ({gone}). "
        f"Admin hub: pasang ktpel lalu jalankan 'ktpel hub upgrade {served_hub}' (docs/HUB.md)."
    ], proc.stderr
    assert git(served_hub, "rev-parse", "main").strip() == before
    assert main(["hub", "doctor", str(served_hub)]) == 1
    out = capsys.readouterr().out
    assert f"SALAH ktpel untuk hook: {gone}: tidak dapat dijalankan" in out
    assert main(["hub", "upgrade", str(served_hub), "--ktpel", hub_ktpel(hubhost)]) == 0
    assert main(["hub", "doctor", str(served_hub)]) == 0
    assert "Hub siap" in capsys.readouterr().out
    assert push(led).returncode == 0
    assert git(served_hub, "rev-parse", "main").strip() == led.head()
