"""Policy operations by an admin: add a person, add a key, retire a key.

Each is one commit that touches only people.toml, made through the kernel (`kernel.apply`, the
policy rules in `kernel.POLICY_RULES`), so it is judged exactly as sync replay, the audit and the
hub hook judge it. Here only the new people.toml is built from what the admin typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from . import clock
from .bootstrap import people_text
from .keys import normalize
from .policy import PEOPLE_FILE, Key, Person, Policy
from .rules import fail
from .store import Ledger


def change_people(
    ledger: Ledger,
    admin_id: str,
    change: Callable[[Policy], list[Person]],
    summary: str,
    at: datetime | None,
) -> str:
    """Commit people.toml as `change(policy at HEAD)` lists them; the kernel judges the change."""

    def files(policy: Policy) -> dict[str, bytes | None]:
        return {PEOPLE_FILE: people_text(change(policy)).encode("utf-8")}

    return ledger.change_policy(admin_id, files, summary, at=at)


def _key_line(public: str) -> str:
    try:
        return normalize(public)
    except ValueError:
        raise fail("key-invalid", key=public.strip()[:40]) from None


def add_person(ledger: Ledger, admin_id: str, person: Person, *, at: datetime | None = None) -> str:
    """Add a person (with at most a key made by someone else) to people.toml."""

    def change(policy: Policy) -> list[Person]:
        if person.id in policy.people:
            raise fail("person-exists", person=person.id)
        checked = tuple(replace(k, public=_key_line(k.public)) for k in person.keys)
        return [*policy.people.values(), replace(person, keys=checked)]

    return change_people(ledger, admin_id, change, f"tambah {person.name} ({person.id})", at)


def add_key(
    ledger: Ledger, admin_id: str, person_id: str, public: str, *, at: datetime | None = None
) -> str:
    """Register `public` as a key of `person_id`. Refused for the admin's own keys."""
    today = clock.to_wib(at or clock.now()).date().isoformat()

    def change(policy: Policy) -> list[Person]:
        person = policy.person(person_id)
        line = _key_line(public)
        return [
            replace(p, keys=(*p.keys, Key(line, added=today))) if p.id == person.id else p
            for p in policy.people.values()
        ]

    return change_people(ledger, admin_id, change, f"tambah kunci {person_id}", at)


def retire_key(
    ledger: Ledger, admin_id: str, person_id: str, key: str, *, at: datetime | None = None
) -> str:
    """Retire one of `person_id`'s active keys (given as its public line or its base64 part)."""
    today = clock.to_wib(at or clock.now()).date().isoformat()
    wanted = key.split()[1] if len(key.split()) > 1 else key.strip()

    def change(policy: Policy) -> list[Person]:
        person = policy.person(person_id)
        matches = [
            k
            for k in person.keys
            if k.active and len(k.public.split()) > 1 and k.public.split()[1] == wanted
        ]
        if not matches:
            raise fail("key-unknown", person=person.name, key=wanted[:40])
        keys = tuple(replace(k, retired=today) if k in matches else k for k in person.keys)
        return [replace(p, keys=keys) if p.id == person.id else p for p in policy.people.values()]

    return change_people(ledger, admin_id, change, f"pensiunkan kunci {person_id}", at)
