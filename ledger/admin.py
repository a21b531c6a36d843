"""Policy operations by an admin: add a person, add a key, retire a key.

Each is one commit that touches only people.toml, signed by an admin and checked against the
policy of its parent (the audit and the hub hook check the same). An admin cannot add a key for
themselves; keys are retired (dated), never deleted or reused.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from . import clock
from .bootstrap import people_text
from .keys import normalize
from .policy import PEOPLE_FILE, Key, Person, Policy, parse_policy, sop_path
from .rules import fail
from .sshsig import public_blob
from .store import Ledger
from .trailers import POLICY_ACTION


def _message(summary: str) -> str:
    return f"Kebijakan: {summary}\n\nKtpel-Action: {POLICY_ACTION}\nKtpel-Role: admin\n"


def _commit_people(ledger: Ledger, admin_id: str, change, summary: str, at: datetime | None) -> str:
    """Apply `change(policy, admin) -> list[Person]` to people.toml at HEAD and commit it."""
    at = clock.to_wib(at or clock.now())
    with ledger.locked():
        head = ledger.head()
        policy = ledger.policy(head)
        admin = policy.person(admin_id)
        if not admin.holds("admin"):
            raise fail("not-admin", name=admin.name)
        people = change(policy, admin)
        text = people_text(people)
        settings_raw = ledger.blob(head, "ledger.toml") or b""
        sop_raw = ledger.blob(head, sop_path(policy.settings.sop)) or b""
        parse_policy(settings_raw.decode("utf-8"), text, sop_raw.decode("utf-8"))
        ledger._check_clean(head, PEOPLE_FILE)
        return ledger.commit_files(
            {PEOPLE_FILE: text.encode("utf-8")},
            _message(summary),
            admin,
            at,
            parent=head,
            policy=policy,
        )


def _check_new_key(policy: Policy, public: str) -> str:
    try:
        line = normalize(public)
    except ValueError:
        raise fail("key-invalid", key=public.strip()[:40]) from None
    blob = public_blob(line)
    for person in policy.people.values():
        if any(public_blob(k.public) == blob for k in person.keys):
            raise fail("key-reused", person=person.name)
    return line


def add_person(ledger: Ledger, admin_id: str, person: Person, *, at: datetime | None = None) -> str:
    """Add a person (with at most a key made by someone else) to people.toml."""

    def change(policy: Policy, admin: Person) -> list[Person]:
        if person.id in policy.people:
            raise fail("person-exists", person=person.id)
        keys = person.keys
        if keys and person.id == admin.id:
            raise fail("admin-own-key")
        checked = tuple(replace(k, public=_check_new_key(policy, k.public)) for k in keys)
        return [*policy.people.values(), replace(person, keys=checked)]

    return _commit_people(ledger, admin_id, change, f"tambah {person.name} ({person.id})", at)


def add_key(
    ledger: Ledger, admin_id: str, person_id: str, public: str, *, at: datetime | None = None
) -> str:
    """Register `public` as a key of `person_id`. Refused for the admin's own keys."""
    today = clock.to_wib(at or clock.now()).date().isoformat()

    def change(policy: Policy, admin: Person) -> list[Person]:
        person = policy.person(person_id)
        if person.id == admin.id:
            raise fail("admin-own-key")
        line = _check_new_key(policy, public)
        return [
            replace(p, keys=(*p.keys, Key(line, added=today))) if p.id == person.id else p
            for p in policy.people.values()
        ]

    return _commit_people(ledger, admin_id, change, f"tambah kunci {person_id}", at)


def retire_key(
    ledger: Ledger, admin_id: str, person_id: str, key: str, *, at: datetime | None = None
) -> str:
    """Retire one of `person_id`'s active keys (given as its public line or its base64 part)."""
    today = clock.to_wib(at or clock.now()).date().isoformat()
    wanted = key.split()[1] if len(key.split()) > 1 else key.strip()

    def change(policy: Policy, admin: Person) -> list[Person]:
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

    return _commit_people(ledger, admin_id, change, f"pensiunkan kunci {person_id}", at)
