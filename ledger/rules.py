"""Every rule the ledger enforces, as data: a stable code and a sentence in two languages.

A violation is a value (`Violation`), never a print from deep inside. The CLI, the TUI, sync
replay and the audit all render the same sentence for the same code. Codes are part of the
public contract (docs/FORMAT.md): never rename one; add new ones instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from . import i18n


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    id: str
    en: str


_RULES = [
    # Who may act.
    Rule(
        "unknown-person",
        "Orang '{person}' tidak terdaftar di people.toml.",
        "Person '{person}' is not listed in people.toml.",
    ),
    Rule(
        "wrong-role",
        "{name} tidak memegang peran '{role}' yang bertanggung jawab atas langkah {step} ({title}).",
        "{name} does not hold the role '{role}' responsible for step {step} ({title}).",
    ),
    Rule(
        "role-mismatch",
        "Langkah {step} ({title}) dicatat dengan peran '{claimed}', padahal penanggung jawabnya peran '{role}'.",
        "Step {step} ({title}) is recorded under the role '{claimed}', but its responsible role is '{role}'.",
    ),
    Rule(
        "wrong-office",
        "{name} adalah pejabat {office}; langkah ini milik {expected}.",
        "{name} belongs to {office}; this step belongs to {expected}.",
    ),
    Rule(
        "on-behalf-not-allowed",
        "Langkah {step} ({title}) tidak boleh dicatat atas nama pihak lain menurut SOP.",
        "Step {step} ({title}) may not be recorded on behalf of someone else under the SOP.",
    ),
    Rule(
        "on-behalf-role",
        "{name} tidak memegang peran yang boleh mencatat atas nama pihak lain pada langkah {step} ({roles}).",
        "{name} holds no role allowed to record step {step} on behalf of someone else ({roles}).",
    ),
    Rule(
        "on-behalf-incomplete",
        "Pencatatan atas nama pihak lain wajib menyebut pihaknya, alasan, dan rujukan bukti.",
        "Recording on behalf of someone needs who, a reason and an evidence reference.",
    ),
    # Order of steps.
    Rule(
        "wrong-step",
        "Permohonan {request} sedang di langkah {current}; langkah {step} tidak dapat dicatat sekarang.",
        "Request {request} is at step {current}; step {step} cannot be recorded now.",
    ),
    Rule(
        "request-done",
        "Permohonan {request} sudah selesai; tidak ada langkah yang tersisa.",
        "Request {request} is complete; no step is left.",
    ),
    Rule(
        "not-review-step",
        "Langkah {step} ({title}) bukan langkah pemeriksaan; tidak dapat dikembalikan.",
        "Step {step} ({title}) is not a review step; it cannot be returned.",
    ),
    Rule(
        "note-required",
        "Pengembalian untuk perbaikan wajib disertai catatan.",
        "A return for revision needs a note.",
    ),
    Rule(
        "use-distribution",
        "Langkah 19 dicatat per Kab/Kota dengan serah terima dan konfirmasi penerimaan.",
        "Step 19 is recorded per Kab/Kota, as handover and receipt.",
    ),
    Rule(
        "permohonan-closed",
        "Permohonan {request} sudah melewati rapat monev (langkah 1); surat permohonan baru masuk ke permohonan berikutnya.",
        "Request {request} is past the monitoring meeting (step 1); new letters go into the next request.",
    ),
    Rule(
        "permohonan-duplicate",
        "{kabkota} sudah memiliki surat permohonan di permohonan {request}.",
        "{kabkota} already has a letter in request {request}.",
    ),
    Rule(
        "permohonan-missing",
        "Rapat monev memerlukan sedikitnya satu surat permohonan Kab/Kota.",
        "The monitoring meeting needs at least one Kab/Kota letter.",
    ),
    # Fields.
    Rule("field-missing", "Isian '{label}' wajib diisi.", "'{label}' is required."),
    Rule(
        "field-unknown",
        "Isian '{name}' tidak dikenal pada langkah {step}.",
        "Field '{name}' is not part of step {step}.",
    ),
    Rule(
        "field-type",
        "Isian '{label}' harus berupa {expected}: '{value}' tidak sesuai.",
        "'{label}' must be {expected}: '{value}' does not fit.",
    ),
    Rule(
        "field-choice",
        "Isian '{label}' harus salah satu dari: {options}.",
        "'{label}' must be one of: {options}.",
    ),
    Rule(
        "unknown-office",
        "Kode Kab/Kota '{code}' tidak dikenal di ledger.toml.",
        "Kab/Kota code '{code}' is not in ledger.toml.",
    ),
    # Quantities.
    Rule(
        "bad-count",
        "Isian '{label}' harus bilangan bulat tidak negatif (keping): '{value}' tidak sesuai.",
        "'{label}' must be a whole, non-negative number of pieces: '{value}' does not fit.",
    ),
    Rule(
        "count-too-large",
        "Isian '{label}' melebihi batas {limit} keping untuk satu nilai; periksa angkanya.",
        "'{label}' is over the limit of {limit} pieces for one value; check the number.",
    ),
    Rule(
        "received-mismatch",
        "Diterima baik {good} + rusak/kurang {damaged} = {total}, tidak sama dengan {shipped} keping yang dikirim; isi catatan selisih.",
        "Received good {good} + damaged/missing {damaged} = {total}, not the {shipped} pieces shipped; fill in the discrepancy note.",
    ),
    Rule(
        "share-over",
        "Jumlah porsi {total} keping melebihi blanko diterima baik {good} keping.",
        "Shares total {total} pieces, more than the {good} received in good condition.",
    ),
    Rule(
        "schedule-mismatch",
        "Jadwal harus memuat tepat Kab/Kota yang mendapat porsi: {expected}.",
        "The schedule must list exactly the Kab/Kota with a share: {expected}.",
    ),
    Rule(
        "no-share",
        "{kabkota} tidak mendapat porsi pada permohonan {request}.",
        "{kabkota} has no share in request {request}.",
    ),
    Rule(
        "handover-duplicate",
        "Serah terima ke {kabkota} sudah dicatat.",
        "The handover to {kabkota} is already recorded.",
    ),
    Rule(
        "handover-over",
        "Serah terima {blanks} keping melebihi porsi {kabkota} sebesar {share} keping.",
        "Handing over {blanks} pieces exceeds the {share}-piece share of {kabkota}.",
    ),
    Rule(
        "receipt-no-handover",
        "Belum ada serah terima ke {kabkota} yang dapat dikonfirmasi.",
        "There is no handover to {kabkota} to confirm.",
    ),
    Rule(
        "receipt-duplicate",
        "Penerimaan oleh {kabkota} sudah dikonfirmasi.",
        "Receipt by {kabkota} is already confirmed.",
    ),
    Rule(
        "receipt-mismatch",
        "Jumlah diterima {received} keping tidak sama dengan {handed} keping yang diserahkan menurut BAST.",
        "{received} pieces received does not match the {handed} handed over per the BAST.",
    ),
    Rule(
        "letter-reused",
        "Nomor surat '{number}' sudah dipakai di permohonan {other}.",
        "Letter number '{number}' is already used in request {other}.",
    ),
    # People and settings.
    Rule(
        "bad-nip",
        "NIP {nip} milik {person} tidak sah: {reason}.",
        "NIP {nip} of {person} is not valid: {reason}.",
    ),
    Rule(
        "people-invalid", "people.toml tidak sah: {reason}.", "people.toml is not valid: {reason}."
    ),
    Rule(
        "settings-invalid",
        "ledger.toml tidak sah: {reason}.",
        "ledger.toml is not valid: {reason}.",
    ),
    Rule("sop-invalid", "Berkas SOP tidak sah: {reason}.", "The SOP file is not valid: {reason}."),
    # Files and the repository.
    Rule(
        "file-malformed",
        "Berkas {path} bukan TOML yang sah (baris {line}): {reason}.",
        "{path} is not valid TOML (line {line}): {reason}.",
    ),
    Rule(
        "file-invalid",
        "Berkas {path} tidak sesuai format permohonan: {reason}.",
        "{path} does not follow the request format: {reason}.",
    ),
    Rule(
        "file-event-invalid",
        "Berkas {path}, kejadian #{seq}: {reason}",
        "{path}, event #{seq}: {reason}",
    ),
    Rule(
        "file-state-mismatch",
        "Berkas {path}: bagian [state] tidak sesuai dengan riwayat kejadiannya ({reason}).",
        "{path}: the [state] table does not match its events ({reason}).",
    ),
    Rule(
        "unknown-request",
        "Permohonan '{request}' tidak ditemukan.",
        "Request '{request}' was not found.",
    ),
    Rule(
        "bad-request-id",
        "Nomor permohonan '{request}' tidak sah (contoh: 2026-0003).",
        "Request id '{request}' is not valid (example: 2026-0003).",
    ),
    Rule("request-exists", "Permohonan {request} sudah ada.", "Request {request} already exists."),
    Rule(
        "not-a-ledger",
        "{path} bukan ledger ktpel (tidak ada repositori git dengan ledger.toml).",
        "{path} is not a ktpel ledger (no git repository with ledger.toml).",
    ),
    Rule(
        "ledger-exists",
        "{path} sudah berisi berkas; pilih folder kosong.",
        "{path} is not empty; choose an empty folder.",
    ),
    Rule(
        "ledger-busy",
        "Ledger sedang dipakai proses lain; coba lagi sebentar.",
        "The ledger is in use by another process; try again shortly.",
    ),
    Rule(
        "uncommitted-change",
        "Berkas {path} diubah di luar ktpel dan belum dicatat; kembalikan dengan 'git checkout -- {path}'.",
        "{path} was changed outside ktpel and not recorded; restore it with 'git checkout -- {path}'.",
    ),
    Rule(
        "git-failed",
        "Git gagal mencatat langkah: {reason}",
        "Git failed to record the step: {reason}",
    ),
    Rule(
        "signing-key-missing",
        "Ledger mewajibkan tanda tangan, tetapi kunci SSH {person} tidak ada di komputer ini ({path}); buat dengan 'ktpel keys new'.",
        "The ledger requires signatures but {person}'s SSH key is not on this machine ({path}); create it with 'ktpel keys new'.",
    ),
    Rule(
        "signing-key-unregistered",
        "Kunci SSH {person} di komputer ini ({path}) tidak terdaftar atau sudah dipensiunkan di people.toml; jika belum terdaftar, minta admin mendaftarkannya ('ktpel keys add'); jika sudah dipensiunkan, buat kunci baru ('ktpel keys new --replace') lalu minta admin mendaftarkannya.",
        "{person}'s SSH key on this machine ({path}) is not registered, or is retired, in people.toml; if it is not registered, ask an admin to register it ('ktpel keys add'); if it is retired, make a new one ('ktpel keys new --replace') and ask an admin to register that.",
    ),
    Rule(
        "no-user",
        "Siapa yang bertindak? Pilih dengan --as ORANG atau KTPEL_USER.",
        "Who is acting? Choose with --as PERSON or KTPEL_USER.",
    ),
    Rule("bad-input", "{reason}", "{reason}"),
    # Keys and policy changes (issue 5).
    # Policy changes: one code per rule, the same at record time, sync replay and audit
    # (ledger.kernel.POLICY_RULES).
    Rule(
        "not-admin",
        "{name} tidak memegang peran admin; hanya admin yang boleh mengubah berkas kebijakan (orang, kunci, pengaturan, SOP).",
        "{name} does not hold the admin role; only an admin may change the policy files (people, keys, settings, SOP).",
    ),
    Rule(
        "admin-own-key",
        "Admin {name} tidak boleh menambahkan kunci untuk dirinya sendiri; kunci admin harus ditambahkan admin lain.",
        "Admin {name} may not add a key for themselves; an admin's key must be added by another admin.",
    ),
    Rule(
        "key-removed",
        "Kunci {person} dihapus atau diubah di people.toml; kunci hanya boleh dipensiunkan.",
        "A key of {person} was deleted or changed in people.toml; keys may only be retired.",
    ),
    Rule(
        "sop-unknown",
        "SOP '{sop}' tidak tercatat di ledger ini; tambahkan dengan 'ktpel sop add'.",
        "SOP '{sop}' is not recorded in this ledger; add it with 'ktpel sop add'.",
    ),
    Rule(
        "sop-dropped",
        "SOP '{sop}' sudah tercatat dan dipakai riwayat; tidak boleh dihapus dari 'sops' di ledger.toml.",
        "SOP '{sop}' is recorded and history uses it; it may not be removed from 'sops' in ledger.toml.",
    ),
    Rule(
        "migrate-role",
        "{name} tidak memegang peran yang boleh memindahkan permohonan ke SOP lain ({roles}).",
        "{name} holds no role allowed to move a request onto another SOP ({roles}).",
    ),
    Rule(
        "migrate-loses-data",
        "Pemindahan ke SOP baru akan menghilangkan data langkah {step} ({what}); tentukan pemetaan langkah yang menampungnya.",
        "Moving to the new SOP would lose what step {step} recorded ({what}); give a step mapping that keeps it.",
    ),
    Rule(
        "sop-changed",
        "Berkas {path} sudah tercatat dan tidak boleh diubah; revisi SOP dicatat sebagai id baru ('ktpel sop add').",
        "{path} is already recorded and may not change; an SOP revision is recorded under a new id ('ktpel sop add').",
    ),
    Rule(
        "key-invalid",
        "'{key}' bukan kunci publik SSH ed25519 (contoh: ssh-ed25519 AAAAC3Nza...).",
        "'{key}' is not an ed25519 SSH public key (example: ssh-ed25519 AAAAC3Nza...).",
    ),
    Rule(
        "key-reused",
        "Kunci yang ditambahkan untuk {person} sudah pernah terdaftar di ledger; kunci tidak boleh dipakai ulang.",
        "The key added for {person} was listed in the ledger before; keys are never reused.",
    ),
    Rule(
        "key-unknown",
        "{person} tidak memiliki kunci aktif '{key}'.",
        "{person} has no active key '{key}'.",
    ),
    Rule(
        "person-exists",
        "Orang dengan id '{person}' sudah ada di people.toml.",
        "A person with id '{person}' is already in people.toml.",
    ),
    # Sync between offices (issue 4).
    Rule(
        "sync-no-remote",
        "Ledger ini belum punya hub '{remote}'; tambahkan dengan 'git remote add {remote} URL' atau mulai dengan 'ktpel clone URL'.",
        "This ledger has no hub '{remote}'; add one with 'git remote add {remote} URL' or start with 'ktpel clone URL'.",
    ),
    Rule(
        "sync-unreachable",
        "Hub '{remote}' tidak dapat dihubungi ({reason}). Ledger di komputer ini tidak berubah; langkah-langkahnya ikut pada sinkron berikutnya.",
        "The hub '{remote}' cannot be reached ({reason}). The ledger on this machine is unchanged; its steps go with the next sync.",
    ),
    Rule(
        "sync-auth",
        "Hub '{remote}' menolak akses ({reason}); periksa kunci SSH atau kredensial git. Ledger di komputer ini tidak berubah.",
        "The hub '{remote}' refused access ({reason}); check the SSH key or git credentials. The ledger on this machine is unchanged.",
    ),
    Rule(
        "sync-rejected",
        "Hub menolak kiriman: {reason}. Ledger di komputer ini tidak berubah; langkah-langkahnya tetap tersimpan.",
        "The hub refused the push: {reason}. The ledger on this machine is unchanged; its steps are kept.",
    ),
    Rule(
        "sync-hub-rewritten",
        "Riwayat di hub '{remote}' bukan lanjutan dari riwayat yang sudah diambil (ditulis ulang); sinkron dihentikan. Hubungi admin.",
        "The history on the hub '{remote}' does not continue the one fetched before (it was rewritten); sync stopped. Contact the admin.",
    ),
    Rule(
        "sync-retries",
        "Hub terus berubah selama sinkron ({attempts} kali dicoba); coba lagi sebentar. Langkah-langkahnya tetap tersimpan.",
        "The hub kept changing during sync ({attempts} attempts); try again shortly. The steps are kept.",
    ),
    Rule(
        "sync-dirty",
        "Folder ledger berisi perubahan di luar ktpel yang menghalangi sinkron: {reason}",
        "The ledger folder has changes made outside ktpel that block the sync: {reason}",
    ),
    Rule(
        "sync-not-one-op",
        "Commit {commit} bukan satu operasi ktpel ({reason}); tidak dapat diterapkan ulang.",
        "Commit {commit} is not one ktpel operation ({reason}); it cannot be re-applied.",
    ),
    Rule(
        "sync-policy-conflict",
        "Berkas {path} sudah diubah di hub sejak perubahan ini dibuat; buat ulang perubahannya.",
        "{path} was changed on the hub since this change was made; make the change again.",
    ),
    Rule(
        "sync-request-parked",
        "Permohonan {request} dibuka oleh operasi yang diparkir; operasi lanjutannya ikut diparkir.",
        "Request {request} was opened by a parked operation; its later operations are parked with it.",
    ),
    Rule(
        "sync-unsigned",
        "Operasi ini ditandatangani {person}, tetapi kuncinya tidak ada di komputer ini; tidak dikirim tanpa tanda tangan.",
        "This operation was signed by {person}, whose key is not on this machine; it is not sent unsigned.",
    ),
    Rule(
        "sync-incoming-invalid",
        "Riwayat dari hub '{remote}' memuat {count} commit yang melanggar aturan (pertama {commit}: {reason}); tidak diterima. Ledger di komputer ini tidak berubah; hubungi admin.",
        "The history from the hub '{remote}' holds {count} commits that break the rules (first {commit}: {reason}); not taken. The ledger on this machine is unchanged; contact the admin.",
    ),
    Rule(
        "parked-unknown",
        "Tidak ada operasi terparkir '{ref}'; lihat 'ktpel parked'.",
        "No parked operation '{ref}'; see 'ktpel parked'.",
    ),
    Rule(
        "clone-failed",
        "Gagal menyalin ledger dari {url}: {reason}",
        "Could not clone the ledger from {url}: {reason}",
    ),
    Rule(
        "hub-empty",
        "Hub {url} masih kosong; kirim ledger pertama ke sana dengan 'ktpel sync' dari ledger yang sudah ada.",
        "The hub {url} is empty; send the first ledger there with 'ktpel sync' from an existing ledger.",
    ),
    Rule(
        "hub-exists",
        "{path} sudah ada dan tidak kosong; pilih folder baru untuk hub.",
        "{path} exists and is not empty; choose a new folder for the hub.",
    ),
    # Office time, letter numbers and hand-offs (issue 12; ledger/worktime.py, letters.py,
    # handoff.py). Keep this block together at the end of the catalogue.
    Rule(
        "calendar-invalid",
        "Tabel [calendar] di ledger.toml tidak sah: {reason}.",
        "The [calendar] table in ledger.toml is not valid: {reason}.",
    ),
    Rule(
        "letter-template-invalid",
        "Templat nomor {kind} '{template}' di ledger.toml tidak sah: {reason}.",
        "The {kind} number template '{template}' in ledger.toml is not valid: {reason}.",
    ),
    Rule(
        "letter-off-template",
        "Nomor {kind} '{number}' tidak sesuai templat {template} ({{seq}} = nomor urut dari buku agenda{extra}).",
        "The {kind} number '{number}' does not fit the template {template} ({{seq}} = the sequence from the letter register{extra}).",
    ),
    Rule(
        "letter-date-mismatch",
        "Nomor {kind} '{number}' memuat {part} {found}, padahal tanggalnya {date}.",
        "The {kind} number '{number}' carries {part} {found}, but its date is {date}.",
    ),
    Rule(
        "whatsapp-invalid",
        "Nomor WhatsApp '{number}' tidak sah: {reason}. Tulis nomor seluler Indonesia, mis. 0812-3456-7890 atau +62 812-3456-7890.",
        "WhatsApp number '{number}' is not valid: {reason}. Write an Indonesian mobile number, e.g. 0812-3456-7890 or +62 812-3456-7890.",
    ),
    # Evidence attached to events: scans and photos stored by SHA-256 (issue 11).
    Rule(
        "evidence-unreadable",
        "Berkas bukti {path} tidak dapat dibaca: {reason}.",
        "The evidence file {path} cannot be read: {reason}.",
    ),
    Rule(
        "evidence-empty",
        "Berkas bukti {name} kosong (0 bait); pindai atau foto ulang dokumennya.",
        "The evidence file {name} is empty (0 bytes); scan or photograph the document again.",
    ),
    Rule(
        "evidence-too-large",
        "Berkas bukti {name} berukuran {size}, melebihi batas {limit}; pindai ulang dengan resolusi lebih rendah (mis. 150 dpi) atau bagi per halaman.",
        "The evidence file {name} is {size}, over the {limit} limit; scan again at a lower resolution (e.g. 150 dpi) or split it by page.",
    ),
    Rule(
        "evidence-type",
        "Berkas bukti {name} bukan PDF, JPEG, PNG, HEIC/HEIF atau TIFF (isinya: {found}); simpan ulang hasil pindaian ke salah satu jenis itu.",
        "The evidence file {name} is not a PDF, JPEG, PNG, HEIC/HEIF or TIFF file (its content: {found}); save the scan again as one of those.",
    ),
    Rule(
        "evidence-kind",
        "Jenis bukti '{kind}' tidak dikenal; pilih salah satu dari: {kinds}.",
        "Unknown kind of evidence '{kind}'; choose one of: {kinds}.",
    ),
    Rule(
        "evidence-duplicate",
        "Berkas {name} dilampirkan dua kali pada kejadian yang sama.",
        "The file {name} is attached twice to the same event.",
    ),
    Rule(
        "evidence-invalid",
        "Lampiran #{index} tidak sesuai format: {reason}.",
        "Attachment #{index} does not follow the format: {reason}.",
    ),
    Rule(
        "evidence-missing",
        "Kejadian ini menyebut lampiran {name} ({sha256}), tetapi berkas {path} tidak ada di commit ini.",
        "This event names the attachment {name} ({sha256}), but the file {path} is not in this commit.",
    ),
    Rule(
        "evidence-unnamed",
        "Commit ini menambah berkas bukti {path} yang tidak disebut oleh kejadiannya.",
        "This commit adds the evidence file {path}, which its event does not name.",
    ),
    Rule(
        "evidence-changed",
        "Berkas bukti {path} diubah setelah dicatat; berkas bukti tidak boleh diubah.",
        "The evidence file {path} was changed after it was recorded; evidence files are never changed.",
    ),
    Rule(
        "evidence-deleted",
        "Berkas bukti {path} dihapus; berkas bukti tidak boleh dihapus.",
        "The evidence file {path} was deleted; evidence files are never deleted.",
    ),
    Rule(
        "evidence-bad-path",
        "Berkas {path} di folder evidence/ tidak mengikuti alamat isi (evidence/sha256/ab/<sisa hash>.<ekstensi>, berkas biasa): {reason}.",
        "The file {path} under evidence/ does not follow the content address (evidence/sha256/ab/<rest of hash>.<extension>, a plain file): {reason}.",
    ),
    Rule(
        "evidence-hash-mismatch",
        "Isi berkas bukti {path} ber-SHA-256 {actual}, tidak sama dengan hash pada namanya.",
        "The content of the evidence file {path} has SHA-256 {actual}, not the hash in its name.",
    ),
    Rule(
        "evidence-record-mismatch",
        "Lampiran {name} dicatat dengan {field} {recorded}, tetapi berkas {path} memiliki {actual}.",
        "The attachment {name} is recorded with {field} {recorded}, but the file {path} has {actual}.",
    ),
    Rule(
        "evidence-kind-step",
        "Langkah {step} tidak menerima bukti berjenis '{kind}'; jenis yang diterima: {kinds}.",
        "Step {step} does not take evidence of kind '{kind}'; the kinds it takes: {kinds}.",
    ),
    Rule(
        "evidence-required",
        "Langkah {step} ({title}) wajib melampirkan bukti berjenis '{kind}' (--attach {kind}=BERKAS).",
        "Step {step} ({title}) requires evidence of kind '{kind}' (--attach {kind}=FILE).",
    ),
    # Lean clones over slow links (issue 11).
    Rule(
        "lean-not-supported",
        "Hub {url} tidak mengizinkan salinan ringan ({reason}); admin hub perlu menjalankan pengaturan di docs/FORMAT.md (Salinan ringan).",
        "The hub {url} does not allow lean copies ({reason}); the hub's admin needs the settings in docs/FORMAT.md (Lean clones).",
    ),
    Rule(
        "evidence-fetch-failed",
        "Berkas bukti {blob} tidak dapat diunduh dari hub '{remote}': {reason}",
        "The evidence file {blob} could not be fetched from the hub '{remote}': {reason}",
    ),
    # Documents (ledger/documents: paper made from the ledger, recap, HTML report).
    Rule(
        "doc-unknown-kind",
        "Jenis dokumen '{kind}' tidak ada dalam SOP ledger ini (yang ada: {kinds}).",
        "There is no document kind '{kind}' in this ledger's SOP (known: {kinds}).",
    ),
    Rule(
        "doc-step-not-reached",
        "{kind} untuk permohonan {request} belum dapat dibuat: langkah {step} ({title}) harus dicatat lebih dulu.",
        "{kind} of request {request} cannot be made yet: step {step} ({title}) must be recorded first.",
    ),
    Rule(
        "doc-no-handover",
        "Tidak ada serah terima '{kabkota}' pada permohonan ini (yang ada: {keys}).",
        "There is no handover '{kabkota}' in this request (recorded: {keys}).",
    ),
    Rule(
        "doc-handover-which",
        "Sebutkan serah terima yang mana dengan --kabkota (yang ada: {keys}).",
        "Say which handover with --kabkota (recorded: {keys}).",
    ),
    Rule(
        "doc-template-field",
        "Templat {path} memakai isian '{name}' yang tidak dikenal untuk {kind} (yang dikenal: {known}); tidak ada yang ditulis.",
        "The template {path} uses the field '{name}', unknown for {kind} (known: {known}); nothing was written.",
    ),
    Rule(
        "doc-template-invalid",
        "Templat {path} tidak dapat dipakai: {reason}. Tidak ada yang ditulis.",
        "The template {path} cannot be used: {reason}. Nothing was written.",
    ),
    Rule(
        "doc-no-soffice",
        "PDF perlu LibreOffice ('soffice'), yang tidak terpasang di komputer ini. Pasang dengan 'sudo apt-get install libreoffice-writer-nogui' (Debian/Ubuntu) atau dari libreoffice.org; berkas DOCX tetap ditulis: {path}",
        "PDF needs LibreOffice ('soffice'), which is not installed here. Install it with 'sudo apt-get install libreoffice-writer-nogui' (Debian/Ubuntu) or from libreoffice.org; the DOCX was still written: {path}",
    ),
    Rule(
        "doc-pdf-failed",
        "LibreOffice gagal membuat PDF dari {path}: {reason}",
        "LibreOffice could not make a PDF of {path}: {reason}",
    ),
    Rule(
        "doc-not-ktpel",
        "{path} bukan dokumen buatan ktpel (tidak ada penanda ktpel di propertinya) atau tidak dapat dibaca.",
        "{path} is not a document made by ktpel (no ktpel mark in its properties) or cannot be read.",
    ),
    Rule(
        "doc-output-exists",
        "{path} sudah ada dan bukan folder; pilih folder lain.",
        "{path} exists and is not a folder; choose another folder.",
    ),
    # Security (issue 16): text hygiene (ledger/textsafe.py) and the plain tree (ledger/treecheck.py).
    Rule(
        "text-control",
        "Isian {field} memuat karakter kendali ({chars}); hapus karakter itu.",
        "{field} holds control characters ({chars}); remove them.",
    ),
    Rule(
        "text-bidi",
        "Isian {field} memuat karakter pembalik arah teks ({chars}) yang dapat menyamarkan isinya.",
        "{field} holds bidirectional control characters ({chars}) that can disguise it.",
    ),
    Rule(
        "text-invisible",
        "Isian {field} memuat karakter tak terlihat ({chars}); ketik ulang tanpa karakter itu.",
        "{field} holds invisible characters ({chars}); type it again without them.",
    ),
    Rule(
        "text-digits",
        "Isian {field} memuat angka selain 0-9 ({chars}); pakai angka biasa.",
        "{field} holds digits other than 0-9 ({chars}); use plain digits.",
    ),
    Rule(
        "text-mixed-script",
        "Isian {field} mencampur huruf dari beberapa aksara ({scripts}); huruf yang mirip tidak boleh dipakai.",
        "{field} mixes letters of several scripts ({scripts}); look-alike letters are not allowed.",
    ),
    Rule(
        "text-empty",
        "Isian {field} tidak memuat tulisan yang terlihat.",
        "{field} holds no visible text.",
    ),
    Rule(
        "tree-symlink",
        "{path} disimpan sebagai tautan simbolik; ledger hanya memuat berkas biasa.",
        "{path} is stored as a symbolic link; the ledger holds only regular files.",
    ),
    Rule(
        "tree-gitlink",
        "{path} adalah submodul git; ledger hanya memuat berkas biasa.",
        "{path} is a git submodule; the ledger holds only regular files.",
    ),
    Rule(
        "tree-mode",
        "{path} disimpan dengan mode {mode}; berkas ledger harus mode 100644 (bukan executable).",
        "{path} is stored with mode {mode}; ledger files must be mode 100644 (not executable).",
    ),
    Rule(
        "tree-path",
        "{path} berada di luar susunan ledger.",
        "{path} is outside the ledger's layout.",
    ),
    Rule(
        "tree-id-path",
        "{path}: nomor permohonan dan folder tahunnya (atau folder pecahannya) tidak cocok.",
        "{path}: the request id and its year folder (or shard folder) do not agree.",
    ),
    Rule(
        "tree-digits",
        "{path} memuat angka selain 0-9.",
        "{path} holds digits other than 0-9.",
    ),
    Rule(
        "tree-id-long",
        "{path}: nomor permohonan {length} karakter, paling banyak {limit}.",
        "{path}: the request id is {length} characters long, at most {limit}.",
    ),
    Rule(
        "tree-size",
        "{path} berukuran {size} bita, melebihi batas {limit} bita.",
        "{path} is {size} bytes, over the limit of {limit} bytes.",
    ),
    Rule(
        "tree-too-many",
        "Pohon commit memuat {count} berkas, melebihi batas {limit}.",
        "The commit's tree holds {count} files, over the limit of {limit}.",
    ),
    # Running a hub (ledger/hub.py, docs/HUB.md).
    Rule(
        "hub-not-found",
        "{path} bukan hub (repositori git bare); periksa jalurnya.",
        "{path} is not a hub (a bare git repository); check the path.",
    ),
    Rule(
        "hub-not-owner",
        "{path} milik pengguna {owner}; jalankan sebagai pengguna itu: runuser -u {owner} -- ktpel ...",
        "{path} belongs to the user {owner}; run as that user: runuser -u {owner} -- ktpel ...",
    ),
    Rule(
        "hub-login-invalid",
        "Login {login} tidak sah: pakai huruf, angka, titik, minus, garis bawah atau @.",
        "Login {login} is not valid: use letters, digits, dots, dashes, underscores or @.",
    ),
    # First contact: set-up and opening a ledger (issue 15).
    Rule(
        "tool-missing",
        "{tool} tidak ditemukan: pasang paket {package} (lihat README, Prasyarat).",
        "{tool} was not found: install the package {package} (see README, Prerequisites).",
    ),
    Rule(
        "ledger-incomplete",
        "{path} adalah ledger yang belum selesai dibuat (belum ada commit pertama); hapus folder itu lalu jalankan 'ktpel init' atau 'ktpel demo' lagi.",
        "{path} is a ledger that was never finished (it has no first commit); remove the folder and run 'ktpel init' or 'ktpel demo' again.",
    ),
    # Partial deliveries and register numbers (office3 area, issue 12).
    Rule(
        "handover-over-share",
        "Serah terima {blanks} keping ke {kabkota} membuat jumlahnya {total} keping, melebihi porsinya {share} keping (sudah diserahkan {handed} keping).",
        "Handing {blanks} pieces to {kabkota} makes {total}, above its {share}-piece share ({handed} already handed over).",
    ),
    Rule(
        "handover-empty",
        "Serah terima ke {kabkota} harus berisi sedikitnya 1 keping.",
        "A handover to {kabkota} must carry at least 1 piece.",
    ),
    Rule(
        "receipt-which-bast",
        "Ada beberapa serah terima ke {kabkota} yang belum dikonfirmasi ({basts}): sebutkan nomor BAST yang diterima (bast_number).",
        "Several handovers to {kabkota} are not yet confirmed ({basts}): name the BAST being confirmed (bast_number).",
    ),
    Rule(
        "receipt-unknown-bast",
        "Tidak ada serah terima ke {kabkota} dengan BAST '{bast}' yang belum dikonfirmasi.",
        "There is no unconfirmed handover to {kabkota} with BAST '{bast}'.",
    ),
    Rule(
        "receipt-counts",
        "Baik {good} + rusak {damaged} + hilang {missing} = {total} keping, padahal BAST {bast} menyerahkan {handed} keping: setiap keping harus dihitung.",
        "Good {good} + damaged {damaged} + missing {missing} = {total} pieces, but BAST {bast} handed over {handed}: every piece must be counted.",
    ),
    Rule(
        "receipt-note-missing",
        "{lost} keping rusak atau hilang pada BAST {bast}: tulis catatan penerimaan (receipt_note).",
        "{lost} pieces damaged or missing on BAST {bast}: write a receipt note (receipt_note).",
    ),
    Rule(
        "letter-number-needed",
        "{label} belum diisi; ketik nomor dari buku agenda/SRIKANDI (--set {field}=...). {hint}",
        "{label} is not filled in; type the number from the letter register (--set {field}=...). {hint}",
    ),
]

_RULES += [
    # Security, wired into the kernel (issue 16, security3; docs/SECURITY.md).
    Rule(
        "time-invalid",
        "Tanggal {what} commit ini tidak sah ({value}): harus antara tahun 2000 dan 2100, zona WIB (+0700).",
        "This commit's {what} date is not valid ({value}): it must lie between 2000 and 2100, in WIB (+0700).",
    ),
    Rule(
        "committer-not-author",
        "Commit ini dibuat (committer) oleh {committer}, bukan oleh penulisnya {author}.",
        "This commit's committer is {committer}, not its author {author}.",
    ),
    Rule(
        "second-admin-needed",
        "Perubahan kebijakan oleh {name} ({what}) memerlukan admin kedua; satu admin tidak boleh melakukannya sendiri.",
        "The policy change by {name} ({what}) needs a second admin; one admin may not make it alone.",
    ),
    # --- proposals and approvals: the second admin (issue 16, approve) ---
    Rule(
        "proposal-invalid",
        "{path} bukan usulan yang sah: satu commit menambah satu usulan (oleh pengusulnya, tanpa mengubah berkas kebijakan), menariknya, atau menyetujuinya.",
        "{path} is not a valid proposal: one commit adds one proposal (by its proposer, changing no policy file), withdraws it, or approves it.",
    ),
    Rule(
        "approval-mismatch",
        "Persetujuan usulan {proposal} tidak menulis persis berkas yang diusulkan (atau trailer Ktpel-Proposal tidak menyebutnya).",
        "The approval of proposal {proposal} does not write exactly the proposed files (or its Ktpel-Proposal trailer does not name it).",
    ),
    Rule(
        "proposal-unknown",
        "Tidak ada usulan {proposal} yang menunggu (lihat: ktpel approve --list).",
        "No pending proposal {proposal} (see: ktpel approve --list).",
    ),
    Rule(
        "proposal-stale",
        "Usulan {proposal} dibuat atas {path} yang sudah berubah sejak itu; tarik usulan dan usulkan lagi.",
        "Proposal {proposal} was made on {path}, which has changed since; withdraw it and propose again.",
    ),
    Rule(
        "approval-own",
        "{name} tidak boleh menyetujui usulannya sendiri; admin lain (atau Kepala Dinas bila admin hanya satu) yang menyetujui.",
        "{name} may not approve their own proposal; another admin (or the Kepala Dinas when there is one admin) approves it.",
    ),
    Rule(
        "approver-not-allowed",
        "{name} tidak berwenang menyetujui usulan kebijakan: hanya admin lain, atau Kepala Dinas bila admin hanya satu.",
        "{name} may not approve a policy proposal: only another admin, or the Kepala Dinas when there is a single admin.",
    ),
    Rule(
        "person-twin",
        "{person} memakai {what} yang sama dengan {other}; nama dan email harus unik di antara semua orang.",
        "{person} has the same {what} as {other}; names and emails must be unique across people.",
    ),
    Rule(
        "sync-unchecked",
        "Commit lokal {commit} tidak lolos pemeriksaan ({reason}); tidak ditandatangani ulang, disimpan sebagai tertunda.",
        "The local commit {commit} does not pass the checks ({reason}); it is not signed again but parked.",
    ),
    Rule(
        "message-mismatch",
        "Pesan commit tidak sesuai dengan langkah yang dicatat: tertulis '{actual}', seharusnya '{expected}'.",
        "The commit message does not match the step it records: it says '{actual}', it should say '{expected}'.",
    ),
    # --- layouts and `ktpel migrate-format` (issue 17; docs/FORMAT.md "Layouts") ---
    Rule(
        "layout-changed",
        "Susunan berkas permohonan tidak boleh diubah dengan cara ini: {what}.",
        "The layout of the request files may not be changed this way: {what}.",
    ),
    Rule(
        "layout-unknown",
        "Susunan '{layout}' tidak dikenal; pilihan: {layouts}.",
        "Unknown layout '{layout}'; choose one of: {layouts}.",
    ),
    Rule(
        "layout-same",
        "Ledger sudah memakai susunan '{layout}'; tidak ada yang dipindahkan.",
        "The ledger already uses the '{layout}' layout; nothing to move.",
    ),
    Rule(
        "migration-not-pure",
        "Commit migrate-format bukan sekadar pemindahan berkas: {path} ({what}).",
        "The migrate-format commit is not only a move of files: {path} ({what}).",
    ),
]
RULES: Mapping[str, Rule] = {rule.code: rule for rule in _RULES}

# --- Reasons (kernelrest area): the `{reason}` inside a parse-time rule, typed like a rule so
# it is rendered when shown, in the reader's language. Not rule codes of their own (never
# reported alone), so not in FORMAT.md's rule table.
_REASONS = [
    Rule(
        "why-key-missing",
        "kunci {key} tidak ada atau salah jenis",
        "key {key} is missing or of the wrong type",
    ),
    Rule(
        "why-person-key-missing",
        "orang ke-{index}: kunci {key} tidak ada",
        "person #{index}: key {key} is missing",
    ),
    Rule(
        "why-not-boolean",
        "'{key}' harus true atau false (tanpa tanda kutip), bukan {value}",
        "'{key}' must be true or false (without quotes), not {value}",
    ),
    Rule("why-id-twice", "id '{person}' dipakai dua kali", "the id '{person}' is used twice"),
    Rule("why-whatsapp", "{person}: whatsapp {problem}", "{person}: whatsapp {problem}"),
    Rule(
        "why-format",
        "'format' harus bilangan 1 sampai {highest}, bukan {value}",
        "'format' must be a number from 1 to {highest}, not {value}",
    ),
    Rule("why-format-2", "{tables} perlu 'format = 2'", "{tables} need 'format = 2'"),
    Rule(
        "why-format-3", "'layout' perlu 'format = {format}'", "'layout' needs 'format = {format}'"
    ),
    Rule(
        "why-layout",
        "'layout' harus salah satu dari {layouts}, bukan {value}",
        "'layout' must be one of {layouts}, not {value}",
    ),
    Rule(
        "why-office-unknown",
        "{person}: kantor '{office}' tidak dikenal",
        "{person}: the office '{office}' is not known",
    ),
    Rule(
        "why-role-unknown",
        "{person}: peran '{role}' tidak dikenal",
        "{person}: the role '{role}' is not known",
    ),
    Rule(
        "why-key-twice-same",
        "kunci yang sama tercantum dua kali pada {person}",
        "the same key is listed twice under {person}",
    ),
    Rule(
        "why-key-twice",
        "kunci yang sama tercantum pada {owner} dan {person}",
        "the same key is listed under {owner} and {person}",
    ),
    Rule("why-file-missing", "{path} tidak ada", "{path} does not exist"),
    Rule(
        "why-sop-line-missing",
        "baris 'sop = \"...\"' tidak ada",
        "the line 'sop = \"...\"' is missing",
    ),
    Rule(
        "why-sop-id",
        "id '{sop}' ≠ nama berkas {path}",
        "the id '{sop}' does not match the file name {path}",
    ),
    Rule(
        "why-sop-in-use",
        "SOP {sop} sudah dipakai untuk permohonan baru",
        "new requests already get SOP {sop}",
    ),
    Rule(
        "why-admin-role", "{person} harus memegang peran admin", "{person} must hold the admin role"
    ),
    # NIP: YYYYMMDD YYYYMM S NNN.
    Rule("why-nip-digits", "harus 18 angka", "must be 18 digits"),
    Rule(
        "why-nip-birth",
        "tanggal lahir (8 angka pertama) bukan tanggal yang ada",
        "the date of birth (first 8 digits) is not a real date",
    ),
    Rule(
        "why-nip-month",
        "bulan pengangkatan (angka 9-14) bukan bulan yang ada",
        "the month of appointment (digits 9-14) is not a real month",
    ),
    Rule(
        "why-nip-order",
        "pengangkatan harus sesudah kelahiran",
        "the appointment must come after the birth",
    ),
    Rule(
        "why-nip-sex",
        "digit jenis kelamin (angka ke-15) harus 1 atau 2",
        "the sex digit (digit 15) must be 1 or 2",
    ),
    Rule(
        "why-nip-serial",
        "nomor urut (3 angka terakhir) tidak boleh 000",
        "the serial number (last 3 digits) may not be 000",
    ),
    Rule(
        "why-migration-clash",
        "dua berkas akan berada di path yang sama",
        "two files would land on the same path",
    ),
    Rule(
        "why-migration-changed",
        "isinya berubah, atau berkas ini tidak termasuk pemindahan",
        "its content changed, or this file is not part of the move",
    ),
    Rule(
        "why-migration-missing",
        "berkas ini seharusnya ikut dipindahkan",
        "this file should have been moved as well",
    ),
    Rule(
        "why-layout-by-policy",
        "susunan diubah dari '{before}' ke '{after}' oleh perubahan kebijakan, tanpa memindahkan berkasnya",
        "the layout is changed from '{before}' to '{after}' by a policy change, without moving the files",
    ),
]

REASONS: Mapping[str, Rule] = {rule.code: rule for rule in _REASONS}


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken rule: stable code, parameters for the sentence, and where it happened."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)
    path: str | None = None
    line: int | None = None
    field: str | None = None

    def message(self, lang: str | None = None) -> str:
        return render(self.code, self.params, lang)

    def located(self, path: str | None = None, line: int | None = None) -> Violation:
        return Violation(self.code, self.params, path or self.path, line or self.line, self.field)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"code": self.code, "message": self.message()}
        if self.path:
            out["path"] = self.path
        if self.line:
            out["line"] = self.line
        if self.field:
            out["field"] = self.field
        return out


def render(code: str, params: Mapping[str, object], lang: str | None = None) -> str:
    """The sentence of a rule or reason code, made now in `lang` (or the current language)."""
    lang = lang or i18n.language()
    rule = RULES.get(code) or REASONS[code]
    template = rule.en if lang == "en" else rule.id
    try:
        return template.format(**{k: param_text(v, lang) for k, v in params.items()})
    except (KeyError, IndexError):
        return f"{template} {dict(params)}"


def param_text(value: object, lang: str | None = None) -> str:
    """A parameter as it reads in a sentence; a nested reason (a `Violation`, or its cached form
    `{"code": ..., "params": ...}`) is rendered in the same language as the sentence around it."""
    if isinstance(value, Violation):
        return value.message(lang)
    if isinstance(value, Mapping) and isinstance(value.get("code"), str):
        code = str(value["code"])
        if code in RULES or code in REASONS:
            nested = value.get("params")
            return render(code, nested if isinstance(nested, Mapping) else {}, lang)
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(param_text(v, lang) for v in value)
    return str(value)


def param_plain(value: object) -> object:
    """A parameter as JSON keeps it: lists stay lists and a nested reason stays a code with its
    parameters, so a cached finding is rendered later wholly in the reader's language."""
    if isinstance(value, Violation):
        return {"code": value.code, "params": {k: param_plain(v) for k, v in value.params.items()}}
    if isinstance(value, Mapping):
        return {str(k): param_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [param_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def reason(code: str, **params: object) -> Violation:
    """A reason inside another rule's sentence (its `{reason}`), kept typed until shown."""
    if code not in REASONS:
        raise KeyError(code)
    return Violation(code, params)


class LedgerError(Exception):
    """Raised by core operations; carries one or more violations. Nothing was written."""

    def __init__(self, *violations: Violation) -> None:
        if not violations:
            raise ValueError("LedgerError needs at least one violation")
        self.violations = tuple(violations)
        super().__init__(self.violations[0].message())

    @property
    def code(self) -> str:
        return self.violations[0].code

    def message(self, lang: str | None = None) -> str:
        return " ".join(v.message(lang) for v in self.violations)


def fail(code: str, *, field: str | None = None, **params: object) -> LedgerError:
    """Build a LedgerError for one rule (use as `raise fail(...)`); a `path` param is also its location."""
    if code not in RULES:
        raise KeyError(code)
    path = params.get("path")
    return LedgerError(
        Violation(code, params, path=str(path) if path is not None else None, field=field)
    )


def git_failed(args: tuple[str, ...], returncode: int, stderr: bytes) -> LedgerError:
    """`git-failed` for a git command that exited non-zero: git's last line is the reason."""
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return fail("git-failed", reason=lines[-1] if lines else f"git {args[0]} exit {returncode}")
