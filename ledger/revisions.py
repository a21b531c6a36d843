"""SOP revisions: add one, make it the one new requests get, move a request onto it.

A committed `sop/<id>.toml` never changes (`kernel.sop_files_immutable`): a revision is a new
file with a new id, listed in ledger.toml's `sops`. Requests in progress stay on their own
revision until someone records a `migrate` event for them with a step mapping, refused when the
mapping would lose recorded data (`request.migration_problems`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from . import clock
from .policy import SETTINGS_FILE, Policy, sop_path
from .request import Event, RequestState
from .rules import fail, reason
from .sop import Sop, parse_sop
from .store import Ledger, Recorded

_SOPS_LINE = re.compile(r"^sops\s*=.*$", re.MULTILINE)
_SOP_LINE = re.compile(r'^sop\s*=\s*"[^"\n]*"[ \t]*$', re.MULTILINE)


def _settings_text(
    policy: Policy, current: bytes | None, *, sops: tuple[str, ...], sop: str
) -> bytes:
    """ledger.toml with its `sop` and `sops` lines set (every other line kept as it was)."""
    text = (current or b"").decode("utf-8")
    listed = "sops = [" + ", ".join(f'"{s}"' for s in sops) + "]"
    if not _SOP_LINE.search(text):
        raise fail("settings-invalid", path=SETTINGS_FILE, reason=reason("why-sop-line-missing"))
    text = _SOP_LINE.sub(f'sop = "{sop}"', text, count=1)
    if _SOPS_LINE.search(text):
        text = _SOPS_LINE.sub(listed, text, count=1)
    else:
        text = _SOP_LINE.sub(lambda m: m.group(0) + "\n" + listed, text, count=1)
    return text.encode("utf-8")


def add_sop(ledger: Ledger, admin_id: str, text: str, *, at: datetime | None = None) -> str:
    """Commit a new SOP revision (its id must be new) and list it in ledger.toml's `sops`."""
    sop = parse_sop(text, "SOP")
    path = sop_path(sop.id)

    def files(policy: Policy) -> dict[str, bytes | None]:
        if sop.id in policy.sops:
            raise fail("sop-changed", path=path)
        settings = policy.settings
        current = ledger.blob(ledger.head(), SETTINGS_FILE)
        return {
            path: text.encode("utf-8"),
            SETTINGS_FILE: _settings_text(
                policy, current, sops=(*settings.sops, sop.id), sop=settings.sop
            ),
        }

    return ledger.change_policy(admin_id, files, f"tambah SOP {sop.id}", at=at)


def use_sop(ledger: Ledger, admin_id: str, sop_id: str, *, at: datetime | None = None) -> str:
    """Make a recorded revision the one new requests get."""

    def files(policy: Policy) -> dict[str, bytes | None]:
        if sop_id not in policy.sops:
            raise fail("sop-unknown", sop=sop_id)
        if sop_id == policy.settings.sop:
            raise fail(
                "bad-input",
                reason=reason("why-sop-in-use", sop=sop_id),
            )
        current = ledger.blob(ledger.head(), SETTINGS_FILE)
        return {
            SETTINGS_FILE: _settings_text(policy, current, sops=policy.settings.sops, sop=sop_id)
        }

    return ledger.change_policy(admin_id, files, f"pakai SOP {sop_id}", at=at)


def default_mapping(state: RequestState, source: Sop, target: Sop) -> dict[int, int]:
    """Each step the request has been through onto the target's step of the same title (the
    same number when no title matches)."""
    by_title = {step.title: step.no for step in target.steps}
    return {
        step.no: by_title.get(step.title, step.no)
        for step in source.steps
        if step.no <= state.step or step.no in state.step_data
    }


def migrate(
    ledger: Ledger,
    request_id: str,
    by: str,
    role: str,
    to: str,
    steps: Mapping[int, int] | None = None,
    *,
    at: datetime | None = None,
) -> Recorded:
    """Record the move of a request onto SOP revision `to` (an admin or a kasi)."""
    policy = ledger.policy()
    state = ledger.read_request(request_id)
    target = policy.for_sop(to).sop
    mapping = (
        dict(steps)
        if steps is not None
        else default_mapping(state, policy.for_sop(state.sop_id).sop, target)
    )
    data = {
        "from": state.sop_id,
        "sop": to,
        "steps": {str(k): v for k, v in sorted(mapping.items())},
    }
    event = Event("migrate", state.step, clock.to_wib(at or clock.now()), by, role, data)
    return ledger.record(request_id, event)
