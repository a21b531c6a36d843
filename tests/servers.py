"""Real hub servers on 127.0.0.1 for transport tests: `sshd` with `git-shell`, lighttpd with
`git http-backend` over HTTPS with basic authentication. Started and stopped by the fixtures in
tests/test_hub_transports.py, each on a free port, its config, host keys and logs in a tmp folder.

Both serve hubs owned by a system user (`ktpelgit`, created here when missing), as a province
server does: the hook runs as that user, never as the one who runs the tests. A missing binary is
a skip with the reason outside CI and a failure in CI (`CI=true`), where `.ci/run` installs them.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

HUB_USER = "ktpelgit"
SSHD = "/usr/sbin/sshd"
LIGHTTPD = "/usr/sbin/lighttpd"
HTTP_BACKEND = "/usr/lib/git-core/git-http-backend"


def need(*programs: str) -> None:
    """Fail (CI) or skip with the reason (elsewhere) unless every program is installed."""
    missing = [
        p
        for p in programs
        if not (os.access(p, os.X_OK) if os.path.isabs(p) else shutil.which(p) is not None)
    ]
    if os.geteuid() != 0:
        missing.append("root (to run the server as its own user)")
    if not missing:
        return
    reason = "transport test needs: " + ", ".join(missing) + " (installed by .ci/run)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                detail = log.read_text(errors="replace") if log and log.exists() else ""
                raise RuntimeError(f"{what} did not start on port {port}: {detail}") from None
            time.sleep(0.05)


def ensure_hub_user() -> pwd.struct_passwd:
    """The system user that owns the hubs, with git-shell as its login shell."""
    git_shell = shutil.which("git-shell") or "/usr/bin/git-shell"
    try:
        return pwd.getpwnam(HUB_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--create-home", "--home-dir", f"/var/lib/{HUB_USER}"]
            + ["--shell", git_shell, HUB_USER],
            check=True,
            capture_output=True,
        )
        # '*' is no password but not "locked": sshd then allows key logins without PAM.
        subprocess.run(["usermod", "-p", "*", HUB_USER], check=True, capture_output=True)
        return pwd.getpwnam(HUB_USER)


def chown_tree(path: Path, user: pwd.struct_passwd) -> None:
    for root, dirs, files in os.walk(path):
        os.chown(root, user.pw_uid, user.pw_gid)
        for name in dirs + files:
            os.lchown(os.path.join(root, name), user.pw_uid, user.pw_gid)


class HubHost:
    """A folder of hubs owned by the hub user, readable by it (tmp_path is root's alone)."""

    def __init__(self) -> None:
        self.user = ensure_hub_user()
        self.base = Path(tempfile.mkdtemp(prefix="ktpel-hubhost-"))
        self.base.chmod(0o755)
        self.srv = self.base / "srv"
        self.srv.mkdir()
        self.etc = self.base / "etc"  # server config and logs (keys in folders of their own)
        self.etc.mkdir(mode=0o755)

    def hand_over(self, path: Path) -> None:
        """Give a hub made by the test (as root) to the hub user, as `chown -R git:` would."""
        chown_tree(path, self.user)

    def remove(self) -> None:
        shutil.rmtree(self.base, ignore_errors=True)


class SshServer:
    """`sshd` on 127.0.0.1 logging in the hub user, whose shell is git-shell; a key per login.

    authorized_keys names each key's login with `environment="KTPEL_HUB_LOGIN=..."` (sshd's
    `PermitUserEnvironment KTPEL_HUB_LOGIN`), which the hook reads. Clients reach it through an
    ssh config with one Host per login (`office-<login>`), the way an office's ~/.ssh/config does.
    """

    def __init__(self, host: HubHost) -> None:
        self.host = host
        self.port = free_port()
        self.dir = host.etc / "ssh"
        self.dir.mkdir(mode=0o755)  # sshd reads authorized_keys as the hub user
        self.keys = self.dir / "keys"
        self.keys.mkdir(mode=0o700)
        self.authorized = self.dir / "authorized_keys"
        self.authorized.write_text("")
        self.client_config = self.dir / "ssh_config"
        self.client_config.write_text("")
        self.proc: subprocess.Popen | None = None
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.dir / "host_key")],
            check=True,
        )
        host_pub = (self.dir / "host_key.pub").read_text().split()
        (self.dir / "known_hosts").write_text(
            f"[127.0.0.1]:{self.port} {host_pub[0]} {host_pub[1]}\n"
        )

    def add_login(self, login: str) -> str:
        """A new key for `login`; returns the ssh host alias that uses it."""
        key = self.keys / login
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", login, "-f", str(key)],
            check=True,
        )
        pub = Path(f"{key}.pub").read_text()
        with self.authorized.open("a") as f:
            f.write(f'restrict,environment="KTPEL_HUB_LOGIN={login}" {pub.strip()}\n')
        alias = f"office-{login}"
        with self.client_config.open("a") as f:
            f.write(
                f"Host {alias}\n  HostName 127.0.0.1\n  Port {self.port}\n  User {HUB_USER}\n"
                f"  IdentityFile {key}\n  IdentitiesOnly yes\n  BatchMode yes\n"
                f"  UserKnownHostsFile {self.dir / 'known_hosts'}\n  StrictHostKeyChecking yes\n"
            )
        return alias

    def url(self, login: str, name: str) -> str:
        return f"ssh://office-{login}{self.host.srv / name}"

    @property
    def ssh_command(self) -> str:
        """GIT_SSH_COMMAND for the clients: ssh with this server's client config."""
        return f"ssh -F {self.client_config}"

    def start(self) -> None:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation dir
        config = self.dir / "sshd_config"
        config.write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {self.dir / 'host_key'}\n"
            f"PidFile {self.dir / 'sshd.pid'}\nAuthorizedKeysFile {self.authorized}\n"
            f"AllowUsers {HUB_USER}\nPubkeyAuthentication yes\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
            "PermitUserEnvironment KTPEL_HUB_LOGIN\nLogLevel ERROR\n"
        )
        log = self.dir / "sshd.log"
        self.proc = subprocess.Popen(
            [SSHD, "-D", "-f", str(config), "-E", str(log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, self.proc, "sshd", log)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


class HttpsServer:
    """lighttpd on 127.0.0.1 over TLS (a self-signed certificate for 127.0.0.1) running
    `git http-backend` as CGI behind basic authentication: the hook sees REMOTE_USER."""

    def __init__(self, host: HubHost) -> None:
        self.host = host
        self.port = free_port()
        self.dir = host.etc / "https"
        # lighttpd reads the key as root, then the log and the passwords as the hub user.
        self.dir.mkdir(mode=0o755)
        self.passwords: dict[str, str] = {}
        self.proc: subprocess.Popen | None = None
        self.cert = self.dir / "cert.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
            + ["-keyout", str(self.dir / "key.pem"), "-out", str(self.cert)]
            + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
            check=True,
            capture_output=True,
        )
        (self.dir / "htpasswd").write_text("")

    def add_login(self, login: str) -> None:
        password = f"pw-{login}-{os.urandom(4).hex()}"
        hashed = subprocess.run(
            ["openssl", "passwd", "-apr1", password], check=True, capture_output=True, text=True
        ).stdout.strip()
        with (self.dir / "htpasswd").open("a") as f:
            f.write(f"{login}:{hashed}\n")
        self.passwords[login] = password

    def url(self, login: str | None, name: str) -> str:
        who = f"{login}:{self.passwords[login]}@" if login else ""
        return f"https://{who}127.0.0.1:{self.port}/git/{name}"

    def start(self) -> None:
        www = self.dir / "www"
        www.mkdir(exist_ok=True)
        log = self.dir / "error.log"
        config = self.dir / "lighttpd.conf"
        config.write_text(
            f"""server.modules = ("mod_openssl", "mod_alias", "mod_auth", "mod_authn_file",
                  "mod_setenv", "mod_cgi")
server.document-root = "{www}"
server.bind = "127.0.0.1"
server.port = {self.port}
server.username = "{HUB_USER}"
server.groupname = "{HUB_USER}"
server.errorlog = "{log}"
ssl.engine = "enable"
ssl.pemfile = "{self.cert}"
ssl.privkey = "{self.dir / "key.pem"}"
auth.backend = "htpasswd"
auth.backend.htpasswd.userfile = "{self.dir / "htpasswd"}"
alias.url = ("/git/" => "{HTTP_BACKEND}/")
$HTTP["url"] =~ "^/git/" {{
  cgi.assign = ("" => "")
  setenv.add-environment = ("GIT_PROJECT_ROOT" => "{self.host.srv}", "GIT_HTTP_EXPORT_ALL" => "")
  auth.require = ("" => ("method" => "basic", "realm" => "ktpel hub", "require" => "valid-user"))
}}
"""
        )
        # lighttpd drops to the hub user after reading its files; its log must stay writable.
        log.touch()
        os.chown(log, self.host.user.pw_uid, self.host.user.pw_gid)
        out = self.dir / "lighttpd.out"
        with out.open("wb") as sink:
            self.proc = subprocess.Popen(
                [LIGHTTPD, "-D", "-f", str(config)], stdout=sink, stderr=subprocess.STDOUT
            )
        wait_for_port(self.port, self.proc, "lighttpd", out)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


def _runs_as_hub_user(program: str, user: pwd.struct_passwd) -> bool:
    proc = subprocess.run(
        ["runuser", "-u", user.pw_name, "--", program, "hub", "hook", "--probe"],
        capture_output=True,
        cwd="/",
    )
    return proc.returncode == 0


def hub_ktpel(host: HubHost) -> str:
    """The ktpel program the hub user runs: this one when it can (its Python readable by that
    user), else a launcher running this source tree on the system's Python of the same version
    (a pyenv Python under /root is not). A hub's `ktpel.command` may name any such program."""
    import sys
    import sysconfig

    from ledger.hook import default_ktpel

    mine = default_ktpel()
    if _runs_as_hub_user(mine, host.user):
        return mine
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    repo = Path(__file__).resolve().parent.parent
    site = sysconfig.get_paths()["purelib"]
    for python in (f"/usr/bin/{version}", f"/usr/local/bin/{version}"):
        if not os.access(python, os.X_OK):
            continue
        launcher = host.base / "bin" / "ktpel"
        launcher.parent.mkdir(mode=0o755, exist_ok=True)
        # Bytecode where the hub user may write it: the source tree is not its to write.
        cache = Path(host.user.pw_dir) / "pycache"
        launcher.write_text(
            f"#!/bin/sh\nPYTHONPATH={repo}:{site} PYTHONPYCACHEPREFIX={cache} "
            f'exec {python} -m ktpel_tui.cli "$@"\n'
        )
        launcher.chmod(0o755)
        if _runs_as_hub_user(str(launcher), host.user):
            return str(launcher)
    reason = (
        f"the hub user {host.user.pw_name} can run neither {mine} nor a system {version} "
        "with this source tree"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)
