"""Every command README.md and docs/*.md show runs as shown, on a fresh demo ledger.

The pages are read generically, so a new page under docs/ is tested as soon as it lands:

- A fenced block tagged `sh`, `shell`, `bash` or `console`, or any fenced block with lines
  starting `$ `, holds commands. With `$ ` lines, each is a command and the lines after it (up to
  the next `$ ` line) are its output, compared exactly, except for commit ids, a `...` line
  (any lines) and a line ending ` ...` (the rest of that line). Output with a `Galat`/`Error`
  line must come with a non-zero exit, any other with exit 0. Without `$ ` lines, every line
  is a command that must exit 0.
- `<!-- doc-test: skip REASON -->` just before a block: not run (the reason is required).
  `<!-- doc-test: setup COMMAND -->` just before a block: COMMAND runs first, unseen by readers.
- An inline `ktpel ...` code span (tables and prose) is a synopsis: it must parse with the real
  parser (metavariables such as `PATH`, `…` filled in), naming only options that exist.
- Every verb of the parser, and every option of each verb, is shown somewhere in the pages.

Commands run with bash, one at a time in page order, in a scratch folder (a `cd DIR` line moves
it), with `KTPEL_LEDGER` naming a private copy of the demo and `KTPEL_NOW` fixed at the demo's
clock (2026-11-28 10:00 WIB).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import FIXED_NOW

from ktpel_tui.cli import UsageError, build_parser

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_TAGS = {"sh", "shell", "bash", "console"}
MARKER = re.compile(r"^<!--\s*doc-test:\s*(skip|setup)\b\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^(```+|~~~+)\s*([\w-]*)")
HEX_ID = re.compile(r"\b[0-9a-f]{7,40}\b")
ERROR_LINE = re.compile(r"^(Galat|Error)\b")
# Options every verb takes, documented once in the README's prose.
COMMON_OPTIONS = {"--ledger", "--as", "--lang", "--help", "-h"}


@dataclass(frozen=True, slots=True)
class Command:
    page: str
    line: int
    text: str
    expected: tuple[str, ...] | None  # None: output not shown on the page


@dataclass(frozen=True, slots=True)
class Synopsis:
    page: str
    line: int
    text: str


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name


def _blocks(path: Path):
    """(first line number, tag, lines, markers) of every fenced block of a page."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        markers = []
        j = i - 1
        while j >= 0 and (m := MARKER.match(lines[j].strip())):
            markers.insert(0, (m.group(1), m.group(2)))
            j -= 1
        end = i + 1
        while end < len(lines) and not lines[end].startswith(fence.group(1)):
            end += 1
        yield i + 2, fence.group(2).lower(), lines[i + 1 : end], markers
        i = end + 1


def commands(path: Path) -> list[Command | str]:
    """The page's commands in order; a plain string is a hidden setup command."""
    page = _name(path)
    out: list[Command | str] = []
    for first, tag, lines, markers in _blocks(path):
        prompted = any(line.startswith("$ ") for line in lines)
        if not prompted and tag not in SHELL_TAGS:
            continue
        skips = [reason for kind, reason in markers if kind == "skip"]
        if skips:
            assert all(skips), f"{page}:{first}: doc-test: skip needs a reason"
            continue
        out.extend(cmd for kind, cmd in markers if kind == "setup")
        if not prompted:
            out.extend(
                Command(page, first + n, line.strip(), None)
                for n, line in enumerate(lines)
                if line.strip() and not line.lstrip().startswith("#")
            )
            continue
        current: tuple[int, str] | None = None
        shown: list[str] = []
        for n, line in enumerate([*lines, "$ "]):
            if line.startswith("$ "):
                if current is not None:
                    while shown and not shown[-1].strip():
                        shown.pop()
                    out.append(Command(page, current[0], current[1], tuple(shown)))
                current, shown = (first + n, line[2:].strip()), []
            elif current is not None:
                shown.append(line)
    return out


def synopses(path: Path) -> list[Synopsis]:
    """Inline `ktpel ...` code spans; in a table cell, spans after the first one continue it
    (`ktpel parked [--mine]` / `parked retry REF`)."""
    page = _name(path)
    out = []
    in_fence = False
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        cells = line.split(" | ") if line.startswith("|") else [line]
        for cell in cells:
            spans = [x.replace("\\|", "|") for x in re.findall(r"`([^`]+)`", cell)]
            led = bool(spans) and spans[0].startswith("ktpel") and line.startswith("|")
            for k, span in enumerate(spans):
                if span == "ktpel" or span.startswith("ktpel "):
                    out.append(Synopsis(page, n, span))
                elif led and k > 0 and re.match(r"[a-z][\w-]* ", span):
                    out.append(Synopsis(page, n, "ktpel " + span))
    return out


# --- synopses against the parser ----------------------------------------------------------------


def _fill(token: str) -> str:
    """A metavariable (PATH, REQ, …, <commit>) becomes a value the parser accepts."""
    if "|" in token and not token.startswith("-"):
        return token.split("|")[0]
    token = token.replace("…", "1").replace("...", "1")
    token = re.sub(r"<[^>]*>", "1", token)
    if re.fullmatch(r"[A-Z][A-Z0-9_]*", token):
        return "1"
    return re.sub(r"(?<==)[A-Z][A-Z0-9_]*$", "1", token)


def _forms(text: str) -> tuple[list[str], list[str]]:
    """(argv with the optional [..] parts, argv without them)."""
    full = re.sub(r"\[([^\]]*)\]…?", r" \1 ", text)
    required = re.sub(r"\[[^\]]*\]…?", " ", text)
    return _argv(full), _argv(required)


def _argv(text: str) -> list[str]:
    out: list[str] = []
    for token in shlex.split(text)[1:]:
        if token in {"|", ">", ">>", "&&", ";"}:  # `ktpel man | man -l -`: the ktpel part
            break
        # A lone `…` is a value after an option (`--note …`), else "and so on" (`[--set F=V …]`).
        if token in {"…", "..."} and not (out and out[-1].startswith("--") and "=" not in out[-1]):
            continue
        out.append(_fill(token))
    return out


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def verbs(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, set[tuple[str, ...]]]:
    """Every verb path ("keys new") and the options it takes beyond the common ones (each as
    its option strings: `--on-behalf` and its alias `--atas-nama` are one option)."""
    out = {}
    for name, sub in _subparsers(parser).items():
        path = f"{prefix}{name}"
        nested = verbs(sub, path + " ")
        if nested:
            out.update(nested)
        else:
            out[path] = {
                tuple(action.option_strings)
                for action in sub._actions
                if action.option_strings and not set(action.option_strings) & COMMON_OPTIONS
            }
    return out


def _verb_of(argv: list[str], table: dict) -> str | None:
    words = [a for a in argv if not a.startswith("-")]
    for size in (2, 1):
        if " ".join(words[:size]) in table:
            return " ".join(words[:size])
    return None


ALL_SYNOPSES = [s for page in PAGES for s in synopses(page)]


@pytest.mark.parametrize("synopsis", ALL_SYNOPSES, ids=lambda s: f"{s.page}:{s.line}")
def test_synopsis_parses(synopsis: Synopsis) -> None:
    full, required = _forms(synopsis.text)
    table = verbs(build_parser())
    if " ".join(full) in table or not full:  # `ktpel audit` in prose names the verb
        return
    for argv in (required, full):
        try:
            build_parser().parse_args(argv)
        except UsageError as exc:
            if "tidak boleh dipakai bersama" in str(exc):  # both of two exclusive options
                continue
            pytest.fail(f"{synopsis.page}:{synopsis.line}: `{synopsis.text}` → {exc}")


def test_every_verb_and_option_is_shown() -> None:
    table = verbs(build_parser())
    shown: dict[str, set[str]] = {}
    fragments: set[str] = set()
    for s in ALL_SYNOPSES:
        full, _ = _forms(s.text)
        verb = _verb_of(full, table)
        if verb:
            shown.setdefault(verb, set()).update(a for a in full if a.startswith("-"))
    for page in PAGES:
        for span in re.findall(r"`(--[^`]+)`", page.read_text(encoding="utf-8")):
            fragments.update(t for t in span.split() if t.startswith("-"))
    missing_verbs = sorted(set(table) - set(shown))
    missing_options = sorted(
        f"{verb} {'/'.join(opt)}"
        for verb, options in table.items()
        for opt in options
        if not set(opt) & (shown.get(verb, set()) | fragments)
    )
    assert not missing_verbs, f"verbs no page shows: {missing_verbs}"
    assert not missing_options, f"options no page shows: {missing_options}"


# --- commands, run --------------------------------------------------------------------------------


def _normal(lines: list[str] | tuple[str, ...]) -> list[str]:
    return [HEX_ID.sub("<commit>", line.rstrip()) for line in lines]


def matches(expected: tuple[str, ...], actual: list[str]) -> bool:
    """Line by line after normalising commit ids, with the page's `...` wildcards."""

    def line_pattern(line: str) -> str:
        if line.strip() in {"...", "…"}:
            return ".*?"
        for tail in (" ...", " …"):  # `maya · Maya Lestari, S.IP · ...`: the rest of the line
            if line.endswith(tail):
                return re.escape(line[: -len(tail)]) + " [^\n]*"
        return re.escape(line)

    pattern = "\n".join(line_pattern(line) for line in _normal(expected))
    return re.fullmatch(pattern, "\n".join(_normal(actual)), flags=re.DOTALL) is not None


@pytest.fixture
def page_env(tmp_path: Path, demo_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        KTPEL_LEDGER=str(demo_path),
        KTPEL_NOW=FIXED_NOW.isoformat(),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        COLUMNS="100",
        HOME=str(tmp_path / "home"),  # a page may write a dotfile (shell completion)
        PAGER="cat",
        MANPAGER="cat",
    )
    (tmp_path / "home").mkdir()
    return env


def run_page(page: Path, env: dict[str, str], cwd: Path) -> list[str]:
    """Run a page's commands in order; the problems found, as sentences."""
    problems = []
    for cmd in commands(page):
        text = cmd if isinstance(cmd, str) else cmd.text
        if m := re.fullmatch(r"cd\s+(\S+)", text):
            target = re.sub(r"\$\{?(\w+)\}?", lambda v: env[v.group(1)], m.group(1).strip("\"'"))
            cwd = (cwd / target).resolve()
            continue
        proc = subprocess.run(
            ["bash", "-c", text],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
        )
        out = proc.stdout.splitlines()
        where = "setup" if isinstance(cmd, str) else f"{cmd.page}:{cmd.line}"
        refused = isinstance(cmd, Command) and any(ERROR_LINE.match(x) for x in cmd.expected or ())
        if refused and proc.returncode == 0:
            problems.append(f"{where}: `{text}` was shown refused but succeeded:\n{proc.stdout}")
        elif not refused and proc.returncode != 0:
            problems.append(f"{where}: `{text}` exited {proc.returncode}:\n{proc.stdout}")
        elif isinstance(cmd, Command) and cmd.expected is not None:
            if not matches(cmd.expected, out):
                problems.append(
                    f"{where}: `{text}` printed\n{proc.stdout}\nbut the page shows\n"
                    + "\n".join(cmd.expected)
                )
    return problems


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_page_commands_run_as_shown(page: Path, page_env, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    problems = run_page(page, page_env, work)
    assert not problems, "\n\n".join(problems)


def test_a_broken_example_fails(tmp_path: Path, page_env) -> None:
    """The checker itself: a page whose shown output or refusal is wrong is reported."""
    page = tmp_path / "BROKEN.md"
    page.write_text(
        "```text\n$ ktpel --as hendra advance 2026-0003\nTercatat: something else\n\n"
        "$ ktpel --as hendra show 2026-0003\nGalat [wrong-role]: refused\n```\n"
        "```sh\nktpel no-such-verb\n```\n",
        encoding="utf-8",
    )
    problems = run_page(page, page_env, tmp_path)
    assert len(problems) == 3
    assert "but the page shows" in problems[0]
    assert "was shown refused but succeeded" in problems[1]
    assert "exited 2" in problems[2]


def test_ci_runs_the_readme_install_and_test_commands() -> None:
    """The README's install and test commands are not run here (they install and run this very
    suite); .ci/run runs them, word for word."""
    readme = ROOT / "README.md"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    skipped = [
        line.strip()
        for _, tag, lines, markers in _blocks(readme)
        if tag in SHELL_TAGS and any(kind == "skip" for kind, _ in markers)
        for line in lines
        if line.strip().startswith("python")
    ]
    assert skipped, "README shows no install/test command"
    for line in skipped:
        assert line in ci, f".ci/run does not run the README's `{line}`"
