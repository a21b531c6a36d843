"""The hub: a bare repository the offices sync through, and cloning a working ledger from it."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import i18n, lean
from .repo import configure_git, write_commit_graph
from .rules import LedgerError, fail
from .store import Ledger
from .sync import MAIN, net_env

HUB_CONFIG = (
    ("receive.denyNonFastForwards", "true"),
    ("receive.denyDeletes", "true"),
    ("receive.fsckObjects", "true"),
    ("core.logAllRefUpdates", "true"),
)


def init_hub(path: str | os.PathLike[str], ktpel: str | None = None) -> Path:
    """Create a bare hub repository (default branch main) that refuses rewrites and deletions.

    The first office sends its ledger there with `ktpel sync` after `git remote add origin URL`.
    """
    root = Path(path).expanduser().resolve()
    if root.exists() and any(root.iterdir()):
        raise fail("hub-exists", path=str(root))
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["git", "init", "-q", "--bare", "-b", MAIN, str(root)], check=True, capture_output=True
    )
    for key, value in HUB_CONFIG:
        subprocess.run(
            ["git", "-C", str(root), "config", key, value], check=True, capture_output=True
        )
    lean.prepare_hub(root)  # offices on a slow link may clone without the evidence blobs
    # The single place the hub's checks are installed: every pushed commit must pass the audit.
    if importlib.util.find_spec("ledger.hook") is not None:
        from . import hook

        hook.install(root, ktpel)
    return root


def clone(
    url: str,
    path: str | os.PathLike[str] | None = None,
    remote: str = "origin",
    *,
    lean_clone: bool = False,
    check_in_background: bool | None = None,
) -> Ledger:
    """Clone the hub's ledger into `path` (default: the URL's last part) and open it, ready to use.

    With `lean_clone` the evidence blobs stay on the hub (git partial clone); they are fetched
    one by one when asked for (`ktpel evidence get`). The clone's check (the audit of its whole
    history, the listing cache from it: `clonecheck`) runs before this returns for a history of
    up to `clonecheck.check_now_up_to()` commits, else in a process of its own
    (`check_in_background` decides either way).
    """
    target = (
        Path(path)
        if path
        else Path(url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git") or "ledger")
    )
    target = target.expanduser().resolve()
    if target.exists() and any(target.iterdir()):
        raise fail("ledger-exists", path=str(target))
    if lean_clone:
        lean.clone_lean(url, target, remote, MAIN)
    else:
        proc = subprocess.run(
            ["git", "clone", "--quiet", "--no-tags", "--origin", remote, url, str(target)],
            capture_output=True,
            env=net_env(),
        )
        if proc.returncode != 0:
            lines = [
                line.removeprefix("fatal: ")
                for line in proc.stderr.decode("utf-8", "replace").splitlines()
                if line.strip()
            ]
            raise fail(
                "clone-failed", url=url, reason=lines[-1] if lines else f"exit {proc.returncode}"
            )
    has_main = (
        subprocess.run(
            [
                "git",
                "-C",
                str(target),
                "rev-parse",
                "--verify",
                "--quiet",
                f"refs/remotes/{remote}/{MAIN}",
            ],
            capture_output=True,
        ).returncode
        == 0
    )
    if not has_main:
        _remove(target)
        raise fail("hub-empty", url=url)

    def config(*args: str) -> None:
        subprocess.run(["git", "-C", str(target), "config", *args], check=True, capture_output=True)

    # A strict refspec: a plain `git fetch` refuses a rewritten hub, as `ktpel sync` does.
    config(f"remote.{remote}.fetch", f"refs/heads/{MAIN}:refs/remotes/{remote}/{MAIN}")
    configure_git(target)  # split index, commit-graph kept up to date (repo.LEDGER_GIT_CONFIG)
    subprocess.run(
        ["git", "-C", str(target), "checkout", "-q", "-B", MAIN, f"{remote}/{MAIN}"],
        check=True,
        capture_output=True,
    )
    try:
        ledger = Ledger.open(target)
    except LedgerError:
        _remove(target)  # a repository that is not a ledger: leave nothing half-made behind
        raise
    commits = write_commit_graph(target)  # in the background for a large hub
    from . import clonecheck

    # The audit's verdicts (each sync then checks only what is new); its replay computed every
    # request's state at HEAD, which fills the listing cache (only the files it could not vouch
    # for, broken ones among them, are parsed again), so clone does not list cold as well.
    if check_in_background is None:
        check_in_background = commits is None or commits > clonecheck.check_now_up_to()
    if check_in_background:
        clonecheck.start(target, ledger.git_dir)
    else:
        clonecheck.check(target)
    return ledger


def _remove(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


# --- running a hub: who pushes, the hook's body, doctor and upgrade ---------------------------

LOGIN_SECTION = "ktpel-login"  # git config: ktpel-login.<LOGIN>.allow = office code or person id
# Where the pushing login comes from, first found wins: an SSH key's `environment=` in
# authorized_keys, the web server's basic authentication, then Gitea/Forgejo and GitLab hooks.
LOGIN_VARS = ("KTPEL_HUB_LOGIN", "REMOTE_USER", "GITEA_PUSHER_NAME", "GL_USERNAME")


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why the hub refuses a push, not about a commit's content (the audit's Findings are)."""

    code: str
    commit: str | None
    text_id: str
    text_en: str

    def message(self) -> str:
        return i18n.pick(self.text_id, self.text_en)


@dataclass(frozen=True, slots=True)
class Check:
    """One line of `ktpel hub doctor`: fine or not, and the sentence."""

    ok: bool
    text: str


def _hub_git_dir(hub: str | os.PathLike[str]) -> Path:
    """The hub's git folder, or a clear refusal when `hub` is no bare git repository."""
    root = Path(hub).expanduser()
    proc = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--is-bare-repository", "--absolute-git-dir"],
        capture_output=True,
        text=True,
    )
    lines = proc.stdout.split()
    if "dubious ownership" in proc.stderr:  # git trusts a repository only for its owner
        import pwd

        uid = root.stat().st_uid
        try:
            owner = pwd.getpwuid(uid).pw_name
        except KeyError:
            owner = str(uid)
        raise fail("hub-not-owner", path=str(root), owner=owner)
    if proc.returncode != 0 or len(lines) != 2 or lines[0] != "true":
        raise fail("hub-not-found", path=str(root))
    return Path(lines[1])


def _config(git_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "--git-dir", str(git_dir), "config", *args], capture_output=True, text=True
    )


def logins(hub: str | os.PathLike[str]) -> dict[str, tuple[str, ...]]:
    """Login -> the office codes and person ids it may push for (empty: any login, any one)."""
    git_dir = _hub_git_dir(hub)
    out = _config(git_dir, "--get-regexp", rf"^{LOGIN_SECTION}\..*\.allow$").stdout
    found: dict[str, list[str]] = {}
    for line in out.splitlines():
        key, _, value = line.partition(" ")
        login = key[len(LOGIN_SECTION) + 1 : -len(".allow")]
        found.setdefault(login, []).append(value.strip())
    return {login: tuple(v) for login, v in found.items()}


def set_login(hub: str | os.PathLike[str], login: str, allow: list[str]) -> None:
    """Map `login` to the offices/people it may push for (replacing its entries); none: remove."""
    if not re.fullmatch(r"[A-Za-z0-9._@-]+", login):
        raise fail("hub-login-invalid", login=_shown(login))
    git_dir = _hub_git_dir(hub)
    key = f"{LOGIN_SECTION}.{login}.allow"
    _config(git_dir, "--unset-all", key)
    for entry in allow:
        _config(git_dir, "--add", key, entry)
    if not allow:
        _config(git_dir, "--remove-section", f"{LOGIN_SECTION}.{login}")


def pushing_login(env: dict[str, str]) -> str | None:
    for var in LOGIN_VARS:
        if env.get(var):
            return env[var]
    return None


def _shown(text: str) -> str:
    """A login as it may be printed: control characters escaped, never sent to a terminal."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def login_refusals(
    git_dir: Path, updates: list[tuple[str, str, str]], env: dict[str, str]
) -> list[Refusal]:
    """The commits of this push whose author the pushing login does not carry (docs/HUB.md)."""
    mapping = logins(git_dir)
    if not mapping:
        return []  # off: a single-login hub takes any signed commit the audit accepts
    login = pushing_login(env)
    if login is None:
        return [
            Refusal(
                "login-missing",
                None,
                "Hub ini memeriksa login pengirim, tetapi dorongan ini datang tanpa login.",
                "This hub checks who pushes, but this push came without a login.",
            )
        ]
    allow = mapping.get(login)
    login = _shown(login)
    if allow is None:
        return [
            Refusal(
                "login-unknown",
                None,
                f"Login {login} tidak terdaftar di hub ini; minta admin hub menambahkannya.",
                f"Login {login} is not registered at this hub; ask the hub admin to add it.",
            )
        ]
    from .audit import ZERO, Context, Walker

    refused: list[Refusal] = []
    walker = Walker(git_dir, Context())
    try:
        for old, new, _ref in updates:
            if new == ZERO:
                continue
            span = new if old == ZERO else f"{old}..{new}"
            out = subprocess.run(
                ["git", "--git-dir", str(git_dir), "log", "--format=%H %ae", span],
                capture_output=True,
                text=True,
            ).stdout
            for line in out.splitlines():
                sha, _, email = line.partition(" ")
                try:
                    person = walker.policy_at(sha).person_by_email(email)
                except LedgerError:
                    person = None  # a broken policy: the audit says so in its own sentence
                if person is not None and (
                    "*" in allow or person.id in allow or person.office in allow
                ):
                    continue
                who = f"{person.name} ({person.office})" if person else email
                refused.append(
                    Refusal(
                        "login-not-allowed",
                        sha,
                        f"Login {login} tidak boleh mengirim langkah {who}; "
                        f"login ini untuk: {', '.join(allow)}.",
                        f"Login {login} may not push the steps of {who}; "
                        f"this login is for: {', '.join(allow)}.",
                    )
                )
    finally:
        walker.close()
    return refused


def pre_receive(git_dir: Path, lines: list[str], env: dict[str, str]) -> int:
    """The hook's body: refuse the push (exit 1, sentences on stderr) or accept it (0)."""
    from .hook import check_push

    updates = [tuple(line.split()) for line in lines if len(line.split()) == 3]
    refused: list[tuple[str, str]] = []  # (code, sentence with its commit)
    try:
        for old, new, ref in updates:
            for f in check_push(git_dir, old, new, ref):
                where = " ".join(x for x in ((f.commit or "")[:12], f.request or "") if x)
                refused.append((f.code, f"{where}{': ' if where else ''}{f.message()}"))
        for r in login_refusals(git_dir, updates, env):  # type: ignore[arg-type]
            where = (r.commit or "")[:12]
            refused.append((r.code, f"{where}{': ' if where else ''}{r.message()}"))
    except Exception as exc:  # noqa: BLE001 - the pusher reads one sentence, never a traceback
        print(
            i18n.pick(
                f"ktpel hub: dorongan ditolak: pemeriksaan hub gagal ({type(exc).__name__}: {exc}). "
                f"Admin hub: jalankan 'ktpel hub doctor {git_dir}'.",
                f"ktpel hub: push refused: the hub's check failed ({type(exc).__name__}: {exc}). "
                f"Hub admin: run 'ktpel hub doctor {git_dir}'.",
            ),
            file=sys.stderr,
        )
        return 1
    if not refused:
        return 0
    print(i18n.pick("ktpel hub: dorongan ditolak.", "ktpel hub: push refused."), file=sys.stderr)
    for code, text in refused:
        print(f"[{code}] {text}", file=sys.stderr)
    return 1


def doctor(hub: str | os.PathLike[str]) -> list[Check]:
    """Everything a hub needs, checked as its hook will run (the hook itself, in probe mode)."""
    from . import hook

    git_dir = _hub_git_dir(hub)
    T = i18n.pick
    checks: list[Check] = []
    for key, value in HUB_CONFIG:
        got = _config(git_dir, "--get", key).stdout.strip()
        checks.append(
            Check(
                got == value,
                T(f"git config {key} = {got or '-'}", f"git config {key} = {got or '-'}")
                + ("" if got == value else T(f" (seharusnya {value})", f" (should be {value})")),
            )
        )
    version = hook.installed_version(git_dir)
    script = git_dir / "hooks" / "pre-receive"
    if version is None:
        checks.append(
            Check(
                False,
                T(
                    "Hook pre-receive ktpel tidak terpasang: hub menerima dorongan tanpa audit.",
                    "The ktpel pre-receive hook is not installed: the hub takes pushes unaudited.",
                ),
            )
        )
    elif version != hook.HOOK_VERSION:
        checks.append(
            Check(
                False,
                T(
                    f"Hook pre-receive versi {version} (lama, menunjuk Python tertentu); "
                    f"versi sekarang {hook.HOOK_VERSION}.",
                    f"pre-receive hook version {version} (old, names one Python); "
                    f"current version {hook.HOOK_VERSION}.",
                ),
            )
        )
    else:
        checks.append(
            Check(
                os.access(script, os.X_OK),
                T(
                    f"Hook pre-receive versi {version} terpasang",
                    f"pre-receive hook version {version} installed",
                )
                + (
                    ""
                    if os.access(script, os.X_OK)
                    else T(" tetapi tidak dapat dieksekusi", " but not executable")
                ),
            )
        )
    command = _config(git_dir, "--get", hook.KTPEL_SETTING).stdout.strip()
    shown = command or T("ktpel (dari PATH)", "ktpel (from PATH)")
    if version == hook.HOOK_VERSION:
        env = {**os.environ, "GIT_DIR": str(git_dir), "KTPEL_HOOK_PROBE": "1"}
        proc = subprocess.run(
            [str(script)], stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env
        )
        checks.append(
            Check(
                proc.returncode == 0,
                T(f"ktpel untuk hook: {shown}: ", f"ktpel for the hook: {shown}: ")
                + (
                    T("berjalan", "runs")
                    if proc.returncode == 0
                    else T("tidak dapat dijalankan", "cannot run")
                ),
            )
        )
    mapping = logins(git_dir)
    if not mapping:
        checks.append(
            Check(
                True,
                T(
                    "Pemetaan login: mati (setiap login boleh mengirim commit yang lolos audit).",
                    "Login mapping: off (any login may push commits that pass the audit).",
                ),
            )
        )
    else:
        known = _known_names(git_dir)
        for login, allow in sorted(mapping.items()):
            unknown = [a for a in allow if known is not None and a != "*" and a not in known]
            checks.append(
                Check(
                    not unknown,
                    T(f"Login {login}: {', '.join(allow)}", f"Login {login}: {', '.join(allow)}")
                    + (
                        T(
                            f" (tidak dikenal di ledger: {', '.join(unknown)})",
                            f" (unknown in the ledger: {', '.join(unknown)})",
                        )
                        if unknown
                        else ""
                    ),
                )
            )
    return checks


def _known_names(git_dir: Path) -> set[str] | None:
    """Office codes and person ids of the hub's current policy (None: the hub is still empty)."""
    from .audit import Context, Walker

    if (
        subprocess.run(
            ["git", "--git-dir", str(git_dir), "rev-parse", "--verify", "-q", f"refs/heads/{MAIN}"],
            capture_output=True,
        ).returncode
        != 0
    ):
        return None
    walker = Walker(git_dir, Context())
    try:
        policy = walker.policy_at(f"refs/heads/{MAIN}")
    except LedgerError:
        return None
    finally:
        walker.close()
    return set(policy.settings.offices) | set(policy.people)


def upgrade(hub: str | os.PathLike[str], ktpel: str | None = None) -> Path:
    """Rewrite the hub's hook for this ktpel (or `ktpel`) and restore the hub's git settings."""
    from . import hook

    git_dir = _hub_git_dir(hub)
    for key, value in HUB_CONFIG:
        _config(git_dir, key, value)
    return hook.install(git_dir, ktpel)
