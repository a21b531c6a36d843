"""What each document says, assembled from a request state and the policy (pure data, no files).

Which step produces which document is SOP data (`Step.documents`); this module knows, per kind,
which recorded values fill it. A document is identified by (request, kind, key): the key is
empty for one-per-request documents and names the handover for step 19's documents
("19.01-1": the first handover to Kab. Bangka), so several handovers per Kab/Kota each get
their own BAST and Surat Pernyataan.

Every document also carries its *facts*: the strings (numbers, dates, names, NIPs, counts in
figures and words) that must appear on the paper. `ktpel doc verify` compares them with the
ledger and with the document's own text.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..fields import normalize_letter_number
from ..policy import Person, Policy
from ..request import Event, RequestState
from ..rules import fail
from .words import count_text, figures, tanggal, tanggal_hari, tanggal_words, terbilang

PLACE = "Pangkalpinang"
BLANK = "...................."


@dataclass(frozen=True, slots=True)
class DocumentKind:
    id: str
    title: str  # as the paper's heading names it
    title_en: str
    per_handover: bool = False


KINDS: dict[str, DocumentKind] = {
    k.id: k
    for k in (
        DocumentKind("notulen", "Notulen Rapat Monitoring dan Evaluasi", "Meeting minutes"),
        DocumentKind(
            "surat-permohonan", "Surat Permohonan ke Ditjen Dukcapil", "Request letter to Ditjen"
        ),
        DocumentKind(
            "surat-badan-penghubung",
            "Surat Kepala Dinas ke Kepala Badan Penghubung",
            "Letter to the Badan Penghubung",
        ),
        DocumentKind("disposisi", "Lembar Disposisi Usulan Porsi Pembagian", "Disposition sheet"),
        DocumentKind("daftar-porsi", "Daftar Porsi Pembagian Blanko KTP-el", "Share list"),
        DocumentKind(
            "jadwal",
            "Jadwal Pengambilan/Pengantaran Blanko KTP-el",
            "Pickup/delivery schedule",
        ),
        DocumentKind(
            "surat-pernyataan-hibah",
            "Surat Pernyataan Bersedia Menerima Hibah",
            "Grant acceptance statement",
            per_handover=True,
        ),
        DocumentKind(
            "bast",
            "Berita Acara Serah Terima Blanko KTP-el",
            "Handover record (BAST)",
            per_handover=True,
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Handover:
    """One handover at step 19 and, if recorded, its receipt."""

    key: str  # "<kabkota>-<n>", n counting this Kab/Kota's handovers from 1
    kabkota: str
    data: Mapping[str, Any]
    event: Event
    receipt: Event | None = None


@dataclass(frozen=True, slots=True)
class Available:
    """A document this request has (or does not yet have) the data for."""

    kind: str
    key: str
    step: int
    ready: bool
    label: str


@dataclass(frozen=True, slots=True)
class Document:
    """Everything one document says: the template's context and the facts it must show."""

    kind: str
    key: str
    request: str
    step: int
    commit: str
    number: str
    context: dict[str, Any]
    facts: tuple[tuple[str, str], ...]
    about: str  # what it documents, one line

    @property
    def digest(self) -> str:
        """A short hash of the facts: equal facts, equal digest (the template plays no part)."""
        raw = json.dumps(self.facts, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(raw).hexdigest()[:16]

    @property
    def qr_payload(self) -> str:
        parts = [f"req={self.request}", f"doc={self.kind}"]
        if self.key:
            parts.append(f"key={self.key}")
        parts += [f"no={self.number or '-'}", f"commit={self.commit}", f"sum={self.digest}"]
        return "KTPEL;" + ";".join(parts)

    @property
    def filename(self) -> str:
        tail = f"-{self.key}" if self.key else ""
        return f"{self.request}-{self.kind}{tail}.docx"


# --- which documents a request has ------------------------------------------------------------


def kind_step(policy: Policy, kind: str) -> int:
    """The SOP step whose output is this document kind."""
    for step in policy.sop.steps:
        if kind in step.documents:
            return step.no
    raise fail("doc-unknown-kind", kind=kind, kinds=sorted(documents_in_sop(policy)))


def documents_in_sop(policy: Policy) -> list[str]:
    return [kind for step in policy.sop.steps for kind in step.documents]


def handovers(state: RequestState) -> list[Handover]:
    """Every handover in the order recorded, each with the receipt that followed it, if any."""
    out: list[Handover] = []
    counts: dict[str, int] = {}
    open_by_code: dict[str, list[int]] = {}
    for ev in state.events:
        code = ev.data.get("kabkota") if isinstance(ev.data.get("kabkota"), str) else None
        if code is None:
            continue
        if ev.action == "handover":
            counts[code] = counts.get(code, 0) + 1
            open_by_code.setdefault(code, []).append(len(out))
            out.append(Handover(f"{code}-{counts[code]}", code, dict(ev.data), ev))
        elif ev.action == "receipt" and open_by_code.get(code):
            # The receipt confirms the handover with its BAST number, else the only open one
            # (as request._receipt_target decided when it was recorded).
            waiting = open_by_code[code]
            bast = normalize_letter_number(str(ev.data.get("bast_number") or ""))
            pick = next(
                (
                    i
                    for i in waiting
                    if bast and normalize_letter_number(str(out[i].data.get("bast_number"))) == bast
                ),
                waiting[0],
            )
            waiting.remove(pick)
            h = out[pick]
            out[pick] = Handover(h.key, h.kabkota, h.data, h.event, ev)
    return out


def _step_done(state: RequestState, step: int) -> bool:
    return step in state.completed_at and (state.step > step or state.done)


def available(state: RequestState, policy: Policy) -> list[Available]:
    """The documents of the request's SOP, each ready or not (with the step it waits for)."""
    out: list[Available] = []
    found = handovers(state)
    for step in policy.sop.steps:
        for kind in step.documents:
            spec = KINDS.get(kind)
            title = spec.title if spec else kind
            if spec is not None and spec.per_handover:
                for h in found:
                    name = policy.settings.office_name(h.kabkota)
                    out.append(Available(kind, h.key, step.no, True, f"{title} · {name} ({h.key})"))
                if not found:
                    out.append(Available(kind, "", step.no, False, title))
                continue
            out.append(Available(kind, "", step.no, _step_done(state, step.no), title))
    return out


# --- assembling one document ------------------------------------------------------------------


def _nip(nip: str) -> str:
    """NIP as letters print it: '19690512 199403 1 004'."""
    if len(nip) == 18 and nip.isdigit():
        return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"
    return nip


def _jabatan(policy: Policy, role: str, office: str | None = None) -> str:
    title = policy.sop.role_title(role)
    if office and "Kab/Kota" in title:
        return title.replace("Kab/Kota", policy.settings.office_name(office))
    return title


def _signer(policy: Policy, person: Person | None, role: str, office: str | None = None) -> dict:
    return {
        "nama": person.name if person else BLANK,
        "nip": _nip(person.nip) if person else BLANK,
        "jabatan": _jabatan(policy, role, office),
    }


def _holder(policy: Policy, role: str, office: str | None = None) -> Person | None:
    for person in policy.people.values():
        if person.holds(role) and (office is None or person.office == office):
            return person
    return None


def _last_event(state: RequestState, step: int, action: str = "advance") -> Event | None:
    found = None
    for ev in state.events:
        if ev.step == step and ev.action == action:
            found = ev
    return found


def _actor(policy: Policy, ev: Event | None, role: str, office: str | None = None) -> dict:
    """The signer: who recorded the step (not a proxy recorder), else the role's holder."""
    person = None
    if ev is not None and ev.on_behalf is None:
        person = policy.people.get(ev.by)
    if person is None:
        person = _holder(policy, role, office)
    return _signer(policy, person, role, office)


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _kop_kabkota(name: str) -> dict[str, str]:
    """'Kab. Bangka' -> PEMERINTAH KABUPATEN BANGKA; 'Kota Pangkalpinang' -> PEMERINTAH KOTA ..."""
    full = name.replace("Kab. ", "Kabupaten ", 1) if name.startswith("Kab. ") else name
    return {
        "nama": name,
        "nama_lengkap": full,
        "pemerintah": f"PEMERINTAH {full.upper()}",
        "dinas": "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL",
    }


def _count(n: int) -> dict[str, str]:
    return {"angka": figures(n), "kata": terbilang(n), "teks": count_text(n)}


def _permohonan_rows(state: RequestState, policy: Policy) -> list[dict[str, str]]:
    rows = []
    for i, p in enumerate(state.permohonan, 1):
        when = _as_date(p.get("letter_date"))
        rows.append(
            {
                "no": str(i),
                "kabkota": policy.settings.office_name(p["kabkota"]),
                "nomor": str(p.get("letter_number", "")),
                "tanggal": tanggal(when) if when else "",
                "diminta": figures(int(p.get("blanks_requested", 0))),
                "stok": figures(int(p.get("stock_left", 0))),
            }
        )
    return rows


def _dinas_short(policy: Policy) -> str:
    return policy.settings.office_name("prov")


def build(
    state: RequestState,
    policy: Policy,
    kind: str,
    commit: str,
    key: str = "",
) -> Document:
    """The document `kind` of the request, from the ledger at `commit`.

    Refused (LedgerError) when the kind is not in the SOP, when its step is not yet recorded,
    or, for step 19's documents, when the handover does not exist.
    """
    step_no = kind_step(policy, kind)
    step = policy.sop.step(step_no)
    spec = KINDS.get(kind)
    if spec is None:
        raise fail("doc-unknown-kind", kind=kind, kinds=sorted(documents_in_sop(policy)))
    handover: Handover | None = None
    if spec.per_handover:
        handover = _pick_handover(state, policy, key, spec.title)
        key = handover.key
    else:
        key = ""
        if not _step_done(state, step_no):
            raise fail(
                "doc-step-not-reached",
                kind=spec.title,
                step=step_no,
                title=step.title,
                request=state.id,
            )
    maker = _MAKERS[kind]
    ctx, facts, number, about = maker(state, policy, handover)
    base = {
        "req": {"id": state.id, "tahun": str(state.year)},
        "doc": {
            "judul": spec.title,
            "tentang": about,
            "langkah": f"Langkah {step_no} {step.title}",
            "nomor": number or BLANK,
            "tempat": PLACE,
            "commit": commit,
            "commit_pendek": commit[:12],
        },
        "dinas": _dinas_short(policy),
    }
    base.update(ctx)
    all_facts = (("Permohonan", state.id),) + tuple(facts)
    return Document(kind, key, state.id, step_no, commit, number, base, all_facts, about)


def _pick_handover(state: RequestState, policy: Policy, key: str, title: str) -> Handover:
    found = handovers(state)
    if not found:
        raise fail(
            "doc-step-not-reached",
            kind=title,
            step=19,
            title=policy.sop.step(policy.sop.last_step).title,
            request=state.id,
        )
    if key:
        for h in found:
            if key in (h.key, h.kabkota):
                matches = [x for x in found if key in (x.key, x.kabkota)]
                if len(matches) > 1:
                    raise fail("doc-handover-which", kabkota=key, keys=[x.key for x in matches])
                return h
        raise fail("doc-no-handover", kabkota=key, keys=[h.key for h in found])
    if len(found) == 1:
        return found[0]
    raise fail("doc-handover-which", kabkota="-", keys=[h.key for h in found])


# --- one function per kind: (context, facts, number, about) ------------------------------------

Made = tuple[dict[str, Any], list[tuple[str, str]], str, str]


def _letter_date(value: Any) -> str:
    day = _as_date(value)
    return tanggal(day) if day else BLANK


def _notulen(state: RequestState, policy: Policy, _: Handover | None) -> Made:
    day = _as_date(state.value(1, "meeting_date"))
    ev = _last_event(state, 1)
    notulis = _actor(policy, ev, policy.sop.step(1).role)
    pimpinan = _actor(policy, None, "kabid")
    rows = _permohonan_rows(state, policy)
    total = sum(int(p.get("blanks_requested", 0)) for p in state.permohonan)
    ctx = {
        "rapat": {
            "hari_tanggal": tanggal_hari(day) if day else BLANK,
            "tanggal": tanggal(day) if day else BLANK,
            "tempat": f"Ruang Rapat {_dinas_short(policy)}",
            "acara": "Monitoring dan Evaluasi Stok Blanko KTP-el, Kebutuhan dan Fasilitasi "
            "Pengambilan Blanko KTP-el",
            "ringkasan": str(state.value(1, "minutes_summary", "")),
        },
        "permohonan": rows,
        "jumlah": _count(total),
        "notulis": notulis,
        "pimpinan": pimpinan,
    }
    facts = [
        ("Tanggal rapat", ctx["rapat"]["hari_tanggal"]),
        ("Ringkasan", ctx["rapat"]["ringkasan"]),
        ("Jumlah diminta", figures(total)),
        ("Notulis", notulis["nama"]),
        ("NIP notulis", notulis["nip"]),
    ] + [(f"Surat {r['kabkota']}", r["nomor"]) for r in rows]
    return ctx, facts, "", f"Notulen rapat monev, {len(rows)} surat permohonan Kab/Kota"


def _surat_permohonan(state: RequestState, policy: Policy, _: Handover | None) -> Made:
    number = str(state.value(9, "letter_number", "") or "")
    asked = int(state.value(2, "blanks_asked", 0) or 0)
    kadis = _actor(policy, _last_event(state, 8), "kadis")
    rows = _permohonan_rows(state, policy)
    ctx = {
        "surat": {
            "nomor": number or BLANK,
            "tanggal": _letter_date(state.value(9, "letter_date")),
            "sifat": "Penting",
            "lampiran": "1 (satu) berkas",
            "hal": str(state.value(2, "subject", "")),
            "konsep": "" if number else "KONSEP",
        },
        "yth": "Direktur Jenderal Kependudukan dan Pencatatan Sipil Kementerian Dalam Negeri",
        "di": "Jakarta",
        "permohonan": rows,
        "jumlah": _count(asked),
        "penandatangan": kadis,
    }
    facts = [
        ("Nomor", number or BLANK),
        ("Tanggal", ctx["surat"]["tanggal"]),
        ("Hal", ctx["surat"]["hal"]),
        ("Jumlah", figures(asked)),
        ("Jumlah (terbilang)", terbilang(asked)),
        ("Kepala Dinas", kadis["nama"]),
        ("NIP Kepala Dinas", kadis["nip"]),
    ]
    return ctx, facts, number, f"Surat permohonan ke Ditjen Dukcapil, {figures(asked)} keping"


def _surat_bapeng(state: RequestState, policy: Policy, _: Handover | None) -> Made:
    number = str(state.value(12, "cover_letter_number", "") or "")
    asked = int(state.value(2, "blanks_asked", 0) or 0)
    kadis = _actor(policy, _last_event(state, 8), "kadis")
    ctx = {
        "surat": {
            "nomor": number,
            "tanggal": _letter_date(state.value(12, "sent_at")),
            "sifat": "Penting",
            "lampiran": "1 (satu) berkas",
            "hal": "Permohonan Bantuan Pengambilan Blanko KTP-el",
        },
        "yth": "Kepala Badan Penghubung Provinsi Kepulauan Bangka Belitung",
        "di": "Jakarta",
        "surat_ditjen": {
            "nomor": str(state.value(9, "letter_number", "")),
            "tanggal": _letter_date(state.value(9, "letter_date")),
        },
        "jumlah": _count(asked),
        "penandatangan": kadis,
    }
    facts = [
        ("Nomor", number),
        ("Tanggal", ctx["surat"]["tanggal"]),
        ("Nomor surat ke Ditjen", ctx["surat_ditjen"]["nomor"]),
        ("Jumlah", figures(asked)),
        ("Jumlah (terbilang)", terbilang(asked)),
        ("Kepala Dinas", kadis["nama"]),
        ("NIP Kepala Dinas", kadis["nip"]),
    ]
    return ctx, facts, number, "Surat Kepala Dinas ke Kepala Badan Penghubung"


def _share_rows(state: RequestState, policy: Policy, shares: Mapping[str, int]) -> list[dict]:
    requested = state.requested
    codes = list(dict.fromkeys([*state.kabkota, *sorted(shares)]))
    return [
        {
            "no": str(i),
            "kode": code,
            "kabkota": policy.settings.office_name(code),
            "diminta": figures(requested.get(code, 0)),
            "porsi": figures(int(shares.get(code, 0))),
        }
        for i, code in enumerate(codes, 1)
    ]


def _disposisi(state: RequestState, policy: Policy, _: Handover | None) -> Made:
    proposed = dict(state.value(16, "proposed_shares", {}) or {})
    total = sum(proposed.values())
    ev = _last_event(state, 16)
    kabid = _actor(policy, ev, "kabid")
    kadis = _actor(policy, None, "kadis")
    day = ev.at.date() if ev else None
    ctx = {
        "disposisi": {
            "tanggal": tanggal(day) if day else BLANK,
            "perihal": "Usulan porsi pembagian Blanko KTP-el",
            "diterima_baik": _count(int(state.received_good or 0)),
        },
        "rows": _share_rows(state, policy, proposed),
        "jumlah": _count(total),
        "pengaju": kabid,
        "kepada": kadis,
    }
    facts = [
        ("Tanggal", ctx["disposisi"]["tanggal"]),
        ("Jumlah usulan", figures(total)),
        ("Jumlah usulan (terbilang)", terbilang(total)),
        ("Kepala Bidang", kabid["nama"]),
        ("NIP Kepala Bidang", kabid["nip"]),
    ] + [(f"Usulan {r['kabkota']}", r["porsi"]) for r in ctx["rows"]]
    return ctx, facts, "", f"Usulan porsi pembagian, {figures(total)} keping"


def _daftar_porsi(state: RequestState, policy: Policy, _: Handover | None) -> Made:
    shares = state.shares
    total = sum(shares.values())
    ev = _last_event(state, 17)
    kadis = _actor(policy, ev, "kadis")
    day = ev.at.date() if ev else None
    ctx = {
        "penetapan": {"tanggal": tanggal(day) if day else BLANK},
        "rows": _share_rows(state, policy, shares),
        "jumlah": _count(total),
        "diterima_baik": _count(int(state.received_good or 0)),
        "penandatangan": kadis,
    }
    facts = [
        ("Tanggal", ctx["penetapan"]["tanggal"]),
        ("Jumlah porsi", figures(total)),
        ("Jumlah porsi (terbilang)", terbilang(total)),
        ("Kepala Dinas", kadis["nama"]),
        ("NIP Kepala Dinas", kadis["nip"]),
    ] + [(f"Porsi {r['kabkota']}", r["porsi"]) for r in ctx["rows"]]
    return ctx, facts, "", f"Daftar porsi pembagian, {figures(total)} keping"


MODES = {"ambil": "Diambil sendiri di Pangkalpinang", "antar": "Diantar petugas provinsi"}


def _jadwal(state: RequestState, policy: Policy, _: Handover | None) -> Made:
    schedule = dict(state.value(18, "schedule", {}) or {})
    shares = state.shares
    ev = _last_event(state, 18)
    kasi = _actor(policy, ev, "kasi")
    rows = []
    for i, code in enumerate(sorted(schedule), 1):
        item = schedule[code] or {}
        when = _as_date(item.get("date"))
        rows.append(
            {
                "no": str(i),
                "kabkota": policy.settings.office_name(code),
                "porsi": figures(int(shares.get(code, 0))),
                "tanggal": tanggal_hari(when) if when else BLANK,
                "cara": MODES.get(str(item.get("mode")), str(item.get("mode", ""))),
            }
        )
    day = ev.at.date() if ev else None
    ctx = {
        "jadwal": {"tanggal": tanggal(day) if day else BLANK},
        "rows": rows,
        "jumlah": _count(sum(shares.values())),
        "penandatangan": kasi,
    }
    facts = [("Kasi", kasi["nama"]), ("NIP Kasi", kasi["nip"])] + [
        (f"Jadwal {r['kabkota']}", r["tanggal"]) for r in rows
    ]
    return ctx, facts, "", f"Jadwal pengambilan/pengantaran, {len(rows)} Kab/Kota"


def _handover_common(policy: Policy, h: Handover) -> dict[str, Any]:
    day = _as_date(h.data.get("handover_date")) or h.event.at.date()
    blanks = int(h.data.get("blanks", 0))
    return {
        "kabkota": _kop_kabkota(policy.settings.office_name(h.kabkota)),
        "serah": {
            "tanggal": tanggal(day),
            "hari_kata": tanggal_words(day),
            "cara": MODES.get(str(h.data.get("mode")), str(h.data.get("mode", ""))),
            "bast": str(h.data.get("bast_number", "")),
            "pernyataan": str(h.data.get("hibah_statement", "")),
            "kunci": h.key,
        },
        "jumlah": _count(blanks),
        "pihak_kedua": _actor(policy, h.receipt, "kadis-kabkota", h.kabkota),
    }


def _hibah(state: RequestState, policy: Policy, h: Handover | None) -> Made:
    assert h is not None
    ctx = _handover_common(policy, h)
    number = ctx["serah"]["pernyataan"]
    ctx["pemberi"] = "Pemerintah Provinsi Kepulauan Bangka Belitung"
    kedua = ctx["pihak_kedua"]
    facts = [
        ("Nomor", number),
        ("Tanggal", ctx["serah"]["tanggal"]),
        ("Jumlah", ctx["jumlah"]["angka"]),
        ("Jumlah (terbilang)", ctx["jumlah"]["kata"]),
        ("Nama", kedua["nama"]),
        ("NIP", kedua["nip"]),
        ("Jabatan", kedua["jabatan"]),
    ]
    about = f"Surat pernyataan hibah {ctx['kabkota']['nama']} ({h.key})"
    return ctx, facts, number, about


def _bast(state: RequestState, policy: Policy, h: Handover | None) -> Made:
    assert h is not None
    ctx = _handover_common(policy, h)
    number = ctx["serah"]["bast"]
    step = policy.sop.step(policy.sop.last_step)
    pertama = _actor(policy, h.event, step.role)
    pertama["jabatan"] = f"{pertama['jabatan']} {_dinas_short(policy)}"
    ctx["pihak_pertama"] = pertama
    ctx["barang"] = [
        {
            "no": "1",
            "nama": "Blanko KTP-el",
            "jumlah": ctx["jumlah"]["angka"],
            "satuan": "keping",
            "keterangan": f"Permohonan {state.id}",
        }
    ]
    kedua = ctx["pihak_kedua"]
    facts = [
        ("Nomor", number),
        ("Hari dan tanggal", ctx["serah"]["hari_kata"]),
        ("Jumlah", ctx["jumlah"]["teks"]),
        ("PIHAK PERTAMA", pertama["nama"]),
        ("NIP PIHAK PERTAMA", pertama["nip"]),
        ("PIHAK KEDUA", kedua["nama"]),
        ("NIP PIHAK KEDUA", kedua["nip"]),
        ("Jabatan PIHAK KEDUA", kedua["jabatan"]),
    ]
    return ctx, facts, number, f"BAST blanko KTP-el {ctx['kabkota']['nama']} ({h.key})"


_MAKERS = {
    "notulen": _notulen,
    "surat-permohonan": _surat_permohonan,
    "surat-badan-penghubung": _surat_bapeng,
    "disposisi": _disposisi,
    "daftar-porsi": _daftar_porsi,
    "jadwal": _jadwal,
    "surat-pernyataan-hibah": _hibah,
    "bast": _bast,
}

# The template variables each kind offers (top-level names); an office template using any
# other name is refused before printing.
COMMON_FIELDS = frozenset({"req", "doc", "dinas", "qr"})
FIELDS: dict[str, frozenset[str]] = {
    "notulen": frozenset({"rapat", "permohonan", "jumlah", "notulis", "pimpinan"}),
    "surat-permohonan": frozenset({"surat", "yth", "di", "permohonan", "jumlah", "penandatangan"}),
    "surat-badan-penghubung": frozenset(
        {"surat", "yth", "di", "surat_ditjen", "jumlah", "penandatangan"}
    ),
    "disposisi": frozenset({"disposisi", "rows", "jumlah", "pengaju", "kepada"}),
    "daftar-porsi": frozenset({"penetapan", "rows", "jumlah", "diterima_baik", "penandatangan"}),
    "jadwal": frozenset({"jadwal", "rows", "jumlah", "penandatangan"}),
    "surat-pernyataan-hibah": frozenset({"kabkota", "serah", "jumlah", "pihak_kedua", "pemberi"}),
    "bast": frozenset({"kabkota", "serah", "jumlah", "pihak_kedua", "pihak_pertama", "barang"}),
}
