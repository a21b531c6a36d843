"""Moving bytes to disk and into git's environment: an atomic file write and the environment a
git process records an operation under."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from . import clock


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.ktpel-tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def git_env(
    name: str, email: str, at: datetime, committed: datetime | None = None
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GIT_AUTHOR_NAME=name,
        GIT_AUTHOR_EMAIL=email,
        GIT_AUTHOR_DATE=clock.to_wib(at).isoformat(),
        GIT_COMMITTER_NAME=name,
        GIT_COMMITTER_EMAIL=email,
        GIT_COMMITTER_DATE=clock.to_wib(committed or at).isoformat(),
        LC_ALL="C",
    )
    return env
