"""Per-user settings of this machine: which ledger and which person were last used."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import tomli_w


def config_path() -> Path:
    if env := os.environ.get("KTPEL_CONFIG"):
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_config_dir("ktpel")) / "config.toml"


def _load() -> dict:
    try:
        return tomllib.loads(config_path().read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def saved_user(ledger_root: Path) -> str | None:
    entry = _load().get("ledger", {}).get(str(ledger_root), {})
    return entry.get("user")


def save_user(ledger_root: Path, person_id: str) -> None:
    data = _load()
    data.setdefault("ledger", {}).setdefault(str(ledger_root), {})["user"] = person_id
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
    os.replace(tmp, path)
