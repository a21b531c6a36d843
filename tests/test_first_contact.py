"""First contact: set-up that leaves nothing half-made, one sentence on a folder that is no
ledger, the saved person announced on the command line, completion and the man page."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ktpel_tui.cli import main
from ktpel_tui.config import save_user

KTPEL = str(Path(sys.executable).parent / "ktpel")
ADMIN = ["--admin", "yusuf", "--name", "Yusuf Pratama", "--nip", "198803152014031002"]
ADMIN += ["--email", "yusuf@dp3acskb.babelprov.go.id"]


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def ktpel(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, KTPEL_NOW="2026-11-28T10:00:00+07:00")
    if path is not None:
        env["PATH"] = path
    return subprocess.run([KTPEL, *args], capture_output=True, text=True, env=env, timeout=300)


def test_without_ssh_keygen_nothing_is_left_and_the_sentence_says_what_to_install(tmp_path):
    nobin = tmp_path / "bin"
    nobin.mkdir()
    (nobin / "git").symlink_to(
        subprocess.run(["which", "git"], capture_output=True, text=True).stdout.strip()
    )
    sentence = "ssh-keygen tidak ditemukan: pasang paket openssh-client"
    for args in (
        ["demo", str(tmp_path / "demo"), "--no-tui"],
        ["init", str(tmp_path / "led"), *ADMIN],
    ):
        out = ktpel(*args, path=str(nobin))
        assert out.returncode == 1
        assert sentence in out.stderr and "Traceback" not in out.stderr
        assert sorted(p.name for p in tmp_path.iterdir()) == ["bin"]  # no folder, no temp folder
    # With ssh-keygen back, both succeed at once on the same paths.
    assert ktpel("init", str(tmp_path / "led"), *ADMIN).returncode == 0
    assert ktpel("demo", str(tmp_path / "demo"), "--no-tui").returncode == 0
    assert ktpel("--ledger", str(tmp_path / "demo"), "list").returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "demo", "led"]


def test_a_refused_init_leaves_no_folder(tmp_path, capsys):
    code, _, err = run(capsys, "init", str(tmp_path / "led"), *ADMIN[:4], "--nip", "12", *ADMIN[6:])
    assert code == 1 and err.startswith("Galat [")
    assert list(tmp_path.iterdir()) == []


def test_rebuilding_the_demo_keeps_no_temporary_folder(tmp_path, demo_path, capsys):
    code, out, _ = run(capsys, "demo", str(demo_path), "--no-tui")
    assert code == 0 and "6 permohonan" in out
    assert sorted(p.name for p in demo_path.parent.iterdir()) == ["demo"]


def _folders(tmp_path: Path) -> dict[str, Path]:
    empty = tmp_path / "empty"
    empty.mkdir()
    plain = tmp_path / "plain-git"
    subprocess.run(["git", "init", "-q", str(plain)], check=True)
    half = tmp_path / "half-made"
    subprocess.run(["git", "init", "-q", str(half)], check=True)
    (half / "ledger.toml").write_text("[ledger]\n")
    return {
        "empty": empty,
        "plain-git": plain,
        "half-made": half,
        "absent": tmp_path / "absent",
        "a file": Path(__file__),
    }


VERBS = [
    ["list"],
    ["list", "--mine"],
    ["people"],
    ["show", "2026-0001"],
    ["log", "2026-0001"],
    ["--as", "maya", "advance", "2026-0001"],
    ["--as", "maya", "return", "2026-0001", "--note", "x"],
    ["--as", "maya", "new", "--set", "kabkota=19.01"],
    ["--as", "maya", "permohonan", "2026-0001", "--set", "kabkota=19.01"],
    ["--as", "dedi", "handover", "2026-0001", "--set", "kabkota=19.01"],
    ["--as", "dedi", "receipt", "2026-0001", "--set", "kabkota=19.01"],
    ["--as", "maya", "whoami"],
    ["audit"],
    ["sync"],
    ["parked"],
    ["--as", "maya", "keys", "new"],
    ["keys", "allowed-signers"],
    [
        "--as",
        "yusuf",
        "people-add",
        "x",
        "--name",
        "X",
        "--nip",
        "1",
        "--email",
        "e",
        "--office",
        "prov",
    ],
    ["tui"],
]


def test_every_verb_on_a_folder_that_is_no_ledger_says_so_in_one_sentence(tmp_path, capsys):
    for kind, folder in _folders(tmp_path).items():
        for verb in VERBS:
            code, out, err = run(capsys, "--ledger", str(folder), *verb)
            expect = "ledger-incomplete" if kind == "half-made" else "not-a-ledger"
            assert code == 1, (kind, verb, out, err)
            assert err.count("\n") == 1 and f"Galat [{expect}]: " in err, (kind, verb, err)
            assert "Traceback" not in err + out


def test_the_saved_person_acts_on_the_cli_only_with_a_note(demo_path, capsys, fixed_clock):
    save_user(demo_path, "maya")
    code, out, err = run(capsys, "--ledger", str(demo_path), "list", "--mine")
    assert code == 0 and "2026-0006" in out
    assert "Catatan: bertindak sebagai maya (pilihan tersimpan)" in err
    code, out, err = run(capsys, "--ledger", str(demo_path), "whoami")
    assert code == 0 and out.startswith("maya · Maya Lestari, S.IP")
    assert "(pilihan tersimpan dari layar)" in out
    code, out, err = run(capsys, "--ledger", str(demo_path), "--as", "hendra", "whoami")
    assert "(dari --as)" in out and "pilihan tersimpan" not in err + out


def test_whoami_without_anyone_chosen_is_refused(demo_path, capsys):
    code, _, err = run(capsys, "--ledger", str(demo_path), "whoami")
    assert code == 1 and "Galat [no-user]" in err


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_knows_the_verbs(shell, capsys):
    code, out, _ = run(capsys, "completion", shell)
    assert code == 0
    for verb in ("advance", "handover", "audit", "allowed-signers", "whoami"):
        assert verb in out


def test_completion_for_an_unknown_shell_is_wrong_usage(capsys):
    code, _, err = run(capsys, "completion", "fish")
    assert code == 2 and "fish" in err


def test_man_page_reads_with_man(tmp_path):
    page = subprocess.run([KTPEL, "man"], capture_output=True, text=True, check=True).stdout
    assert page.startswith(".TH KTPEL") and "advance" in page
    shown = subprocess.run(
        ["man", "-l", "-"],
        input=page,
        capture_output=True,
        text=True,
        env=dict(os.environ, MANPAGER="cat"),
    )
    assert shown.returncode == 0 and "ktpel advance" in shown.stdout
