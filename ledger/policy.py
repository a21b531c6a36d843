"""The ledger's policy files: ledger.toml (settings, offices), people.toml, sop/<id>.toml.

A `Policy` is always read from one commit: the parent of the commit being made or checked,
so no commit can authorise itself.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from .handoff import normalize_whatsapp, whatsapp_problem
from .letters import Letters, parse_letters
from .paths import LAYOUT_FORMAT, LAYOUTS
from .rules import LedgerError, Violation, fail, reason
from .sop import Sop, parse_sop
from .worktime import WorkCalendar, default_calendar, parse_calendar

SETTINGS_FILE = "ledger.toml"
PEOPLE_FILE = "people.toml"
SOP_DIR = "sop"
POLICY_PATHS = (SETTINGS_FILE, PEOPLE_FILE, SOP_DIR)
# Where request files live (ledger.toml `layout`, format 3; docs/FORMAT.md "Layouts"): flat
# `requests/<year>/<id>.toml`, or sharded by the id's last two digits.


@dataclass(frozen=True, slots=True)
class Office:
    code: str
    name: str
    kind: str  # "provinsi", "penghubung", "pusat", "kabkota"


@dataclass(frozen=True, slots=True)
class Settings:
    name: str
    province: str
    timezone: str
    sop: str
    letter_number_template: str
    signatures_required: bool
    offices: dict[str, Office]
    # Every SOP revision the ledger holds (each a sop/<id>.toml that never changes): requests in
    # progress stay on theirs. `sop` is the one new requests get; it is always in `sops`.
    sops: tuple[str, ...] = ()
    # Office time and letter-number templates (format 2, both optional): the defaults are the
    # Perpres 21/2023 hours with Indonesia's holidays, and no templates (uniqueness only).
    calendar: WorkCalendar = field(default_factory=default_calendar, compare=False)
    letters: Letters = field(default_factory=lambda: Letters({}))
    format: int = 1
    layout: str = "flat"
    # The Kab/Kota among `offices`, computed once: every replayed event's field checks read it.
    _kabkota: dict[str, Office] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        kabkota = {code: o for code, o in self.offices.items() if o.kind == "kabkota"}
        object.__setattr__(self, "_kabkota", kabkota)

    @property
    def kabkota(self) -> dict[str, Office]:
        return dict(self._kabkota)

    def office_name(self, code: str) -> str:
        office = self.offices.get(code)
        return office.name if office else code


@dataclass(frozen=True, slots=True)
class Key:
    """An SSH public key of a person ("ssh-ed25519 AAAA..."); retired keys are kept, never reused."""

    public: str
    added: str = ""
    retired: str = ""

    @property
    def active(self) -> bool:
        return not self.retired


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    nip: str
    email: str
    office: str
    roles: tuple[str, ...]
    keys: tuple[Key, ...] = ()
    whatsapp: str = ""  # "62812..." (format 2, optional): where hand-off links go

    def holds(self, role: str) -> bool:
        return role in self.roles


@dataclass(frozen=True, slots=True)
class Policy:
    settings: Settings
    people: dict[str, Person]
    sop: Sop  # the SOP a policy-wide reader means: new requests' (or, via for_sop, a request's)
    sops: Mapping[str, Sop] = field(default_factory=dict)  # every revision, by id

    def for_sop(self, sop_id: str) -> Policy:
        """This policy under the SOP revision a request follows (its `sop` id)."""
        if sop_id == self.sop.id:
            return self
        try:
            return replace(self, sop=self.sops[sop_id])
        except KeyError:
            raise fail("sop-unknown", sop=sop_id) from None

    def person(self, person_id: str) -> Person:
        try:
            return self.people[person_id]
        except KeyError:
            raise fail("unknown-person", person=person_id) from None

    def person_by_email(self, email: str) -> Person | None:
        for person in self.people.values():
            if person.email.lower() == email.lower():
                return person
        return None


# --- NIP -----------------------------------------------------------------------------------

_NIP_RE = re.compile(r"^\d{18}$")


def nip_problem(nip: str) -> Violation | None:
    """Why an 18-digit NIP is not valid (a typed reason, rendered when shown), or None.
    Format: YYYYMMDD YYYYMM S NNN."""
    compact = nip.replace(" ", "")
    if not _NIP_RE.match(compact):
        return reason("why-nip-digits")
    try:
        born = date(int(compact[0:4]), int(compact[4:6]), int(compact[6:8]))
    except ValueError:
        return reason("why-nip-birth")
    year, month = int(compact[8:12]), int(compact[12:14])
    if not 1 <= month <= 12 or year < 1900:
        return reason("why-nip-month")
    if (year, month) <= (born.year, born.month):
        return reason("why-nip-order")
    if compact[14] not in "12":
        return reason("why-nip-sex")
    if compact[15:] == "000":
        return reason("why-nip-serial")
    return None


# --- parsing ---------------------------------------------------------------------------------


def _toml(text: str, path: str, code: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise fail(code, path=path, reason=str(exc)) from None
    except (ValueError, RecursionError) as exc:  # 4,300+ digits, nesting thousands deep
        raise fail(code, path=path, reason=str(exc).split(";")[0] or "RecursionError") from None


# The newest ledger.toml format this code reads; 2 added [calendar] and [letters], 3 `layout`.
SETTINGS_FORMAT = 3


def _settings_format(raw: dict[str, Any]) -> int:
    """The file's `format` (1 when absent). A table of format 2 under `format = 1` is refused:
    an older ktpel would silently ignore it and judge the same commits differently."""
    value = raw.get("format", 1)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= SETTINGS_FORMAT:
        raise fail(
            "settings-invalid",
            path=SETTINGS_FILE,
            reason=reason("why-format", highest=SETTINGS_FORMAT, value=repr(value)),
        )
    newer = [f"[{key}]" for key in ("calendar", "letters") if key in raw]
    if newer and value < 2:
        raise fail(
            "settings-invalid",
            path=SETTINGS_FILE,
            reason=reason("why-format-2", tables=newer),
        )
    if "layout" in raw and value < LAYOUT_FORMAT:
        # A reader of format 2 would take a sharded ledger's files for foreign ones.
        raise fail(
            "settings-invalid",
            path=SETTINGS_FILE,
            reason=reason("why-format-3", format=LAYOUT_FORMAT),
        )
    return value


def _layout(raw: dict[str, Any]) -> str:
    value = raw.get("layout", LAYOUTS[0])
    if value not in LAYOUTS:
        raise fail(
            "settings-invalid",
            path=SETTINGS_FILE,
            reason=reason("why-layout", value=repr(value), layouts=list(LAYOUTS)),
        )
    return value


def parse_settings(text: str) -> Settings:
    raw = _toml(text, SETTINGS_FILE, "settings-invalid")
    version = _settings_format(raw)
    try:
        offices = {
            o["code"]: Office(str(o["code"]), str(o["name"]), str(o["kind"])) for o in raw["office"]
        }
        return Settings(
            name=str(raw["name"]),
            province=str(raw["province"]),
            timezone=str(raw.get("timezone", "Asia/Jakarta")),
            sop=str(raw["sop"]),
            letter_number_template=str(raw["letter_number_template"]),
            signatures_required=_boolean(raw, "signatures_required"),
            offices=offices,
            sops=_sop_ids(raw),
            calendar=parse_calendar(raw.get("calendar")),
            letters=parse_letters(raw.get("letters"), offices),
            format=version,
            layout=_layout(raw),
        )
    except (KeyError, TypeError) as exc:
        raise fail(
            "settings-invalid", path=SETTINGS_FILE, reason=reason("why-key-missing", key=str(exc))
        ) from None


def _sop_ids(raw: dict[str, Any]) -> tuple[str, ...]:
    listed = raw.get("sops", [])
    if not isinstance(listed, list) or not all(isinstance(x, str) for x in listed):
        raise TypeError("'sops'")
    current = str(raw["sop"])
    return tuple(dict.fromkeys([*listed, current]))


def _boolean(raw: dict[str, Any], key: str) -> bool:
    """A true/false setting; a quoted "false" would otherwise read as true."""
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise fail(
            "settings-invalid",
            path=SETTINGS_FILE,
            reason=reason("why-not-boolean", key=key, value=repr(value)),
        )
    return value


def parse_people(text: str, settings: Settings, sop: Sop) -> dict[str, Person]:
    """Parse and check people.toml; every problem (bad NIP, unknown role...) is reported at once."""
    raw = _toml(text, PEOPLE_FILE, "people-invalid")
    people: dict[str, Person] = {}
    problems: list[Violation] = []
    key_owner: dict[str, str] = {}  # "ssh-ed25519AAAA..." -> person id
    for index, item in enumerate(raw.get("person", []), start=1):
        try:
            person = Person(
                id=str(item["id"]),
                name=str(item["name"]),
                nip=str(item["nip"]),
                email=str(item["email"]),
                office=str(item["office"]),
                roles=tuple(str(r) for r in item["roles"]),
                keys=tuple(
                    Key(str(k["public"]), str(k.get("added", "")), str(k.get("retired", "")))
                    for k in item.get("key", [])
                ),
                whatsapp=str(item.get("whatsapp", "")).strip(),
            )
        except (KeyError, TypeError) as exc:
            problems.append(
                Violation(
                    "people-invalid",
                    {"reason": reason("why-person-key-missing", index=index, key=str(exc))},
                    PEOPLE_FILE,
                )
            )
            continue
        if person.whatsapp:
            if problem := whatsapp_problem(person.whatsapp):
                problems.append(
                    Violation(
                        "people-invalid",
                        {"reason": reason("why-whatsapp", person=person.id, problem=problem)},
                        PEOPLE_FILE,
                    )
                )
            else:
                person = replace(person, whatsapp=normalize_whatsapp(person.whatsapp))
        if why := nip_problem(person.nip):
            problems.append(
                Violation(
                    "bad-nip",
                    {"nip": person.nip, "person": person.id, "reason": why},
                    PEOPLE_FILE,
                )
            )
        if person.id in people:
            problems.append(
                Violation(
                    "people-invalid",
                    {"reason": reason("why-id-twice", person=person.id)},
                    PEOPLE_FILE,
                )
            )
        if person.office not in settings.offices:
            problems.append(
                Violation(
                    "people-invalid",
                    {
                        "reason": reason(
                            "why-office-unknown", person=person.id, office=person.office
                        )
                    },
                    PEOPLE_FILE,
                )
            )
        for role in person.roles:
            if role not in sop.roles:
                problems.append(
                    Violation(
                        "people-invalid",
                        {"reason": reason("why-role-unknown", person=person.id, role=role)},
                        PEOPLE_FILE,
                    )
                )
        for key in person.keys:
            # A key names exactly one person for good (retired keys too): the audit attributes a
            # signature to the key's owner.
            blob = "".join(key.public.split()[:2])
            if blob and blob in key_owner:
                owner = key_owner[blob]
                problems.append(
                    Violation(
                        "people-invalid",
                        {
                            "reason": reason("why-key-twice-same", person=owner)
                            if owner == person.id
                            else reason("why-key-twice", owner=owner, person=person.id)
                        },
                        PEOPLE_FILE,
                    )
                )
            key_owner.setdefault(blob, person.id)
        people[person.id] = person
    if problems:
        raise LedgerError(*problems)
    return people


def parse_policy(settings_text: str, people_text: str, sop_text: str) -> Policy:
    """A policy from the texts of its files (one SOP); `kernel.PolicyLoader` reads a commit's."""
    settings = parse_settings(settings_text)
    sop = parse_sop(sop_text, f"{SOP_DIR}/{settings.sop}.toml")
    people = parse_people(people_text, settings, sop)
    return Policy(settings=settings, people=people, sop=sop, sops={sop.id: sop})


def sop_path(sop_id: str) -> str:
    return f"{SOP_DIR}/{sop_id}.toml"
