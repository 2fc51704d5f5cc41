"""The journal: the durable, append-only register of issued documents (principle 7).

A SQLite file beside the workbook. Every invoice or credit note is recorded here, number
and full content, *before* it is written to the workbook, so that a crash or a rerun
never issues a number twice, leaves a gap, or bills a quote or a time entry twice. A job:

    with workbook_lock(workbook), Journal(journal_path(workbook)) as journal:
        replay journal.pending() into the workbook          # a crash's leftovers
        with journal.transaction() as tx:                   # one BEGIN IMMEDIATE
            number, counter = next_number(pattern, day, tx.state(pattern.key(day)))
            tx.record(number, ...)
        write the workbook
        journal.mark_written(numbers)

The workbook lock keeps two Facturier jobs (two buttons, a button and a scheduled command)
from interleaving their workbook writes; the transaction alone already keeps the numbers
right, since BEGIN IMMEDIATE serialises writers across processes.

Entries are chained: each one's hash covers its columns, its content's digest and the
previous entry's hash (pyfuncs.domain.register), so ``verify`` finds a row edited or
deleted behind the program's back. Triggers refuse such edits through SQL in the first
place; only a deliberate removal of them gets that far.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple, Self

from pyfuncs.domain.findings import BilingualError
from pyfuncs.domain.numbering import SeriesState, valid_number
from pyfuncs.domain.register import (
    GENESIS,
    canonical_form,
    canonical_json,
    link_digest,
    sha256_hex,
)

PENDING = "pending"
WRITTEN = "written"

# One tuple of statements per schema version, applied in order and never edited once
# shipped: a later issue (reminders sent, ...) appends a version; journals already on
# users' disks are brought up to date when opened.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        # number is unique whatever its case, as the workbook checks see it
        """CREATE TABLE documents (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            number TEXT NOT NULL UNIQUE COLLATE NOCASE,
            series_key TEXT NOT NULL,
            counter INTEGER NOT NULL CHECK (counter >= 1),
            kind TEXT NOT NULL,
            issue_date TEXT NOT NULL,
            client TEXT NOT NULL,
            net TEXT, vat TEXT, total TEXT,
            content TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            chain_hash TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'written')),
            recorded_at TEXT NOT NULL,
            UNIQUE (series_key, counter))""",
        """CREATE TABLE sources (
            source TEXT PRIMARY KEY,
            number TEXT NOT NULL REFERENCES documents (number))""",
        "CREATE INDEX sources_number ON sources (number)",
        """CREATE TABLE series (
            key TEXT PRIMARY KEY,
            counter INTEGER NOT NULL CHECK (counter >= 0),
            last_date TEXT)""",
        """CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents BEGIN
            SELECT RAISE(ABORT, 'journal is append-only: an issued document is never deleted,
            it is cancelled by a credit note'); END""",
        """CREATE TRIGGER documents_no_edit BEFORE UPDATE OF seq, number, series_key, counter,
            kind, issue_date, client, net, vat, total, content, content_hash, prev_hash,
            chain_hash, recorded_at ON documents BEGIN
            SELECT RAISE(ABORT, 'journal is append-only: an issued document is never edited');
            END""",
        # written -> pending would replay a document already in the workbook
        """CREATE TRIGGER documents_state_forward BEFORE UPDATE OF state ON documents
            WHEN NEW.state <> 'written' BEGIN
            SELECT RAISE(ABORT, 'journal: a written document cannot become pending again');
            END""",
        """CREATE TRIGGER sources_no_change BEFORE DELETE ON sources BEGIN
            SELECT RAISE(ABORT, 'journal is append-only: a billed source stays billed'); END""",
        """CREATE TRIGGER sources_no_edit BEFORE UPDATE ON sources BEGIN
            SELECT RAISE(ABORT, 'journal is append-only: a billed source stays billed'); END""",
        """CREATE TRIGGER series_never_back BEFORE UPDATE ON series
            WHEN NEW.counter < OLD.counter BEGIN
            SELECT RAISE(ABORT, 'journal: a series counter never goes back'); END""",
    ),
    (
        # Reminders: one row per email the SMTP server accepted, and one row per
        # (invoice, instalment, level) it carried, so a rerun never sends a level twice.
        # kind: 'client' (a reminder), 'owner' (level handed over to the internal owner),
        # 'digest' (the owner's digest of invoices that became overdue, level NULL).
        """CREATE TABLE reminder_messages (
            message_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            client TEXT NOT NULL,
            level INTEGER,
            recipients TEXT NOT NULL,
            subject TEXT NOT NULL,
            as_of TEXT NOT NULL,
            sent_at TEXT NOT NULL,
            content TEXT NOT NULL,
            logged INTEGER NOT NULL DEFAULT 0 CHECK (logged IN (0, 1)))""",
        """CREATE TABLE reminded (
            invoice TEXT NOT NULL COLLATE NOCASE,
            step TEXT NOT NULL,
            kind TEXT NOT NULL,
            level INTEGER NOT NULL,
            message_id TEXT NOT NULL REFERENCES reminder_messages (message_id),
            PRIMARY KEY (invoice, step, kind, level))""",
        """CREATE TRIGGER reminder_messages_no_delete BEFORE DELETE ON reminder_messages
            BEGIN SELECT RAISE(ABORT, 'journal is append-only: a sent reminder stays sent');
            END""",
        """CREATE TRIGGER reminder_messages_no_edit BEFORE UPDATE OF message_id, kind, client,
            level, recipients, subject, as_of, sent_at, content ON reminder_messages BEGIN
            SELECT RAISE(ABORT, 'journal is append-only: a sent reminder is never edited');
            END""",
        """CREATE TRIGGER reminder_messages_logged_forward BEFORE UPDATE OF logged
            ON reminder_messages WHEN NEW.logged <> 1 BEGIN
            SELECT RAISE(ABORT, 'journal: a logged reminder cannot become unlogged'); END""",
        """CREATE TRIGGER reminded_no_change BEFORE DELETE ON reminded BEGIN
            SELECT RAISE(ABORT, 'journal is append-only: a sent reminder stays sent'); END""",
        """CREATE TRIGGER reminded_no_edit BEFORE UPDATE ON reminded BEGIN
            SELECT RAISE(ABORT, 'journal is append-only: a sent reminder stays sent'); END""",
    ),
)
# Bank statements: one row per credit ever imported, whatever file it came in,
# so a statement imported twice or overlapping the previous one adds nothing. state
# 'open' (waiting in Rapprochement) -> 'booked' (its Paiements rows, in booking, recorded
# here before the workbook is written; logged = 1 once the workbook holds them).
MIGRATIONS += (
    (
        """CREATE TABLE bank_entries (
            entry_key TEXT PRIMARY KEY,
            reference TEXT NOT NULL,
            account TEXT NOT NULL,
            booking_date TEXT NOT NULL,
            amount TEXT NOT NULL,
            currency TEXT NOT NULL,
            text TEXT NOT NULL,
            payer TEXT NOT NULL,
            iban TEXT NOT NULL,
            source TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'booked')),
            booking TEXT,
            booked_at TEXT,
            logged INTEGER NOT NULL DEFAULT 0 CHECK (logged IN (0, 1)))""",
        """CREATE TRIGGER bank_entries_no_delete BEFORE DELETE ON bank_entries BEGIN
            SELECT RAISE(ABORT, 'journal is append-only: an imported bank entry stays'); END""",
        """CREATE TRIGGER bank_entries_no_edit BEFORE UPDATE OF entry_key, reference, account,
            booking_date, amount, currency, text, payer, iban, source, imported_at
            ON bank_entries BEGIN
            SELECT RAISE(ABORT, 'journal is append-only: a bank entry is never edited'); END""",
        """CREATE TRIGGER bank_entries_booked_once BEFORE UPDATE OF state, booking
            ON bank_entries WHEN OLD.state = 'booked' BEGIN
            SELECT RAISE(ABORT, 'journal: a booked bank entry is never booked again'); END""",
    ),
)
# What the last import suggested for a credit still open (JSON {"client", "invoices"}):
# a Rapprochement row that no longer says so was changed by hand, and says so.
MIGRATIONS += (
    ("ALTER TABLE bank_entries ADD COLUMN suggested TEXT",),
)
SCHEMA_VERSION = len(MIGRATIONS)
GUARDS = ("documents_no_delete", "documents_no_edit", "documents_state_forward",
          "sources_no_change", "sources_no_edit", "series_never_back")


class JournalError(BilingualError):
    """A journal operation refused; ``fr`` and ``en`` say why."""


class JournalBusy(JournalError):
    """Another Facturier job holds the workbook."""


class JournalConflict(JournalError):
    """A record would issue a number or bill a source twice, leave a gap or go back in time."""


def journal_path(workbook: Path) -> Path:
    """The journal of a workbook: beside it, named after it, visible (it must be kept).

    Named by the stem, so Facturation.xlsx saved as Facturation.xlsm keeps its journal.
    """
    return workbook.with_name(f"{workbook.stem}.facturier-journal.sqlite")


def lock_path(workbook: Path) -> Path:
    return workbook.with_name(f".{workbook.name}.facturier-lock")


@contextmanager
def workbook_lock(workbook: Path, timeout: float = 60) -> Iterator[None]:
    """Hold the workbook for one job, across processes (and on Windows, via FileLock).

    Raises JournalBusy when another job keeps it past ``timeout`` seconds.
    """
    from filelock import FileLock, Timeout  # imported by the jobs that lock, not by every read

    lock = FileLock(str(lock_path(workbook)), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise JournalBusy(
            f"Une autre tâche Facturier travaille sur {workbook.name} ; réessayer quand elle "
            "sera terminée.",
            f"Another Facturier job is working on {workbook.name}; try again when it ends.",
        ) from None
    try:
        yield
    finally:
        lock.release()


@dataclass(frozen=True)
class Entry:
    """One issued document as the journal holds it.

    Attributes:
      seq: its place in the journal (1, 2, ... with no gap).
      number: the document's number, e.g. "FAC2026-0007".
      series_key: the counter it incremented (SeriesPattern.key).
      counter: its counter in that series.
      kind: "invoice", "credit_note", "deposit"...
      issue_date: its issue date.
      client: the client's id or name as the job recorded it.
      net, vat, total: its amounts (None when not given).
      content: the full document as recorded (Decimals and dates as text).
      content_hash: SHA-256 of the content's canonical JSON (register.content_digest).
      chain_hash: the hash chaining this entry to the previous one.
      state: "pending" (recorded, not yet in the workbook) or "written".
      prev_hash: the previous entry's chain_hash ("0" * 64 for the first).
      sources: what the document bills ("devis:DEV-2026-001:v2:acompte", "temps:<hash>").
      recorded_at: when it was recorded (ISO 8601, UTC).
    """

    seq: int
    number: str
    series_key: str
    counter: int
    kind: str
    issue_date: date
    client: str
    net: Decimal | None
    vat: Decimal | None
    total: Decimal | None
    content: dict
    content_hash: str
    chain_hash: str
    state: str
    prev_hash: str = GENESIS
    sources: tuple[str, ...] = ()
    recorded_at: str = ""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Journal:
    """The journal file; open it with ``Journal(path)`` or ``with Journal(path) as j``."""

    def __init__(self, path: Path, now: Callable[[], datetime] = _utc_now) -> None:
        self.path = Path(path)
        self._now = now
        self._in_transaction = False
        # Autocommit mode with explicit BEGIN IMMEDIATE: the write lock is taken before the
        # counters are read, so two processes can never read the same counter.
        self._db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
        try:
            self._db.execute("PRAGMA busy_timeout = 30000")
            # WAL lets a check job read while a generation job writes. Where the file
            # system cannot share memory (some network drives) SQLite keeps its rollback
            # journal instead, which is as safe, only less concurrent.
            self._db.execute("PRAGMA journal_mode = WAL")
            # A recorded number must survive a power cut before the workbook shows it.
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.execute("PRAGMA foreign_keys = ON")
            _migrate(self._db)
        except BaseException:
            self._db.close()
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK when the block raises."""
        if self._in_transaction:
            raise RuntimeError("journal transactions do not nest")
        self._db.execute("BEGIN IMMEDIATE")
        self._in_transaction = True
        tx = Transaction(self._db, self._now)
        try:
            yield tx
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")
        finally:
            tx._open = False
            self._in_transaction = False

    def entries(self, known: Iterable[Entry] = ()) -> list[Entry]:
        """Every entry, in journal order.

        ``known``: entries this process just recorded (``record_many`` returns them): their
        content is taken from them rather than parsed again from the file (16,000 contract
        invoices: half a second), when the row's content hash is theirs.
        """
        mine = {e.seq: e for e in known}
        if not mine:
            return self._select("")
        first = min(mine)
        out = self._select("", skip_content=first)
        for k, e in enumerate(out):
            if e.seq >= first:
                same = mine.get(e.seq)
                if same is not None and same.content_hash == e.content_hash:
                    out[k] = Entry(e.seq, e.number, e.series_key, e.counter, e.kind,
                                   e.issue_date, e.client, e.net, e.vat, e.total,
                                   same.content, e.content_hash, e.chain_hash, e.state,
                                   e.prev_hash, e.sources, e.recorded_at)
                else:  # not one of ours after all: read it as usual
                    out[k] = self._select(f"WHERE d.seq = {int(e.seq)}")[0]
        return out

    def pending(self) -> list[Entry]:
        """Entries recorded but not yet confirmed in the workbook: to replay, in order."""
        return self._select("WHERE d.state = 'pending'")

    def mark_written(self, numbers: Iterable[str]) -> None:
        """Confirm that these documents are in the workbook. Unknown numbers are refused."""
        wanted = list(dict.fromkeys(numbers))
        with self.transaction():
            cursor = self._db.executemany("UPDATE documents SET state = 'written' "
                                          "WHERE number = ?", [(n,) for n in wanted])
            if cursor.rowcount != len(wanted):  # find which one, for the message
                for number in wanted:
                    if self._db.execute("SELECT 1 FROM documents WHERE number = ?",
                                        (number,)).fetchone() is None:
                        raise JournalError(f"Le numéro {number} n'est pas dans le journal.",
                                           f"Number {number} is not in the journal.")

    def verify(self, lang: str = "fr") -> list[str]:
        """Recompute every hash; one description per broken link (none: the journal is whole).

        Finds an entry whose content or columns were edited, an entry deleted (in the
        middle or at the end), a billed source removed, and a guard trigger dropped.
        """
        fr = lang != "en"
        problems: list[str] = []
        names = {row[0] for row in self._db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        for guard in GUARDS:
            if guard not in names:
                problems.append(f"La protection {guard} du journal a été supprimée." if fr
                                else f"The journal's guard {guard} was removed.")
        texts = dict(self._db.execute("SELECT seq, content FROM documents"))
        expected_seq, prev_chain = 1, GENESIS
        for e in self._select(""):
            what = f"{e.seq} ({e.number})"
            if e.seq != expected_seq:
                gone = f"{expected_seq}" if e.seq == expected_seq + 1 else \
                    f"{expected_seq}-{e.seq - 1}"
                problems.append(f"Entrée(s) {gone} supprimée(s) du journal avant l'entrée "
                                f"{what}." if fr else
                                f"Entry(ies) {gone} deleted from the journal before entry "
                                f"{what}.")
            elif e.prev_hash != prev_chain:
                problems.append(f"Entrée {what} : le lien avec l'entrée précédente est rompu "
                                "(entrée précédente modifiée ou remplacée)." if fr else
                                f"Entry {what}: its link to the previous entry is broken (the "
                                "previous entry was changed or replaced).")
            text = texts[e.seq]
            if sha256_hex(text) != e.content_hash or not _canonical(text):
                problems.append(f"Entrée {what} : son contenu a été modifié après "
                                "l'enregistrement." if fr else
                                f"Entry {what}: its content was changed after it was "
                                "recorded.")
            elif e.chain_hash != link_digest(e.prev_hash, e.content_hash, _header(e)):
                problems.append(f"Entrée {what} : ses colonnes (numéro, date, montants, "
                                "sources) ou son empreinte ont été modifiées." if fr else
                                f"Entry {what}: its columns (number, date, amounts, sources) "
                                "or its hash were changed.")
            expected_seq, prev_chain = e.seq + 1, e.chain_hash
        row = self._db.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'documents'").fetchone()
        last = row[0] if row else 0
        if last >= expected_seq:
            gone = f"{expected_seq}" if last == expected_seq else f"{expected_seq}-{last}"
            problems.append(f"Dernière(s) entrée(s) {gone} supprimée(s) du journal." if fr
                            else f"Last entry(ies) {gone} deleted from the journal.")
        for key, counter, top in self._db.execute(
                "SELECT s.key, s.counter, MAX(d.counter) FROM series s "
                "JOIN documents d ON d.series_key = s.key GROUP BY s.key"):
            if counter < top:
                problems.append(f"La série {key} est revenue à {counter} alors que le numéro "
                                f"{top} est émis." if fr else
                                f"Series {key} went back to {counter} while counter {top} is "
                                "issued.")
        return problems

    def _select(self, where: str, skip_content: int | None = None) -> list[Entry]:
        sources: dict[str, list[str]] = {}
        for source, number in self._db.execute("SELECT source, number FROM sources "
                                               "ORDER BY source"):
            sources.setdefault(number.casefold(), []).append(source)
        content = "content" if skip_content is None else \
            f"CASE WHEN seq < {int(skip_content)} THEN content ELSE '{{}}' END"
        rows = self._db.execute(
            "SELECT seq, number, series_key, counter, kind, issue_date, client, net, vat, "
            f"total, {content}, content_hash, chain_hash, state, prev_hash, recorded_at "
            f"FROM documents d {where} ORDER BY seq").fetchall()
        return [_entry(row, tuple(sources.get(row[1].casefold(), ()))) for row in rows]


    # ------------------------------------------------------------------ reminders
    def reminded_levels(self, kind: str = "client") -> dict[tuple[str, str], int]:
        """{(invoice number casefolded, step): highest level sent} for one kind of message
        ('client' reminders, 'owner' hand-overs, 'digest' with level 0)."""
        return {(invoice.casefold(), step): level for invoice, step, level in self._db.execute(
            "SELECT invoice, step, MAX(level) FROM reminded WHERE kind = ? "
            "GROUP BY invoice COLLATE NOCASE, step", (kind,))}

    def record_reminder(self, message_id: str, kind: str, client: str, level: int | None,
                        recipients: Iterable[str], subject: str, as_of: date,
                        items: Iterable[tuple[str, str, int]], content: dict) -> None:
        """Record one email the SMTP server accepted and every (invoice, step, level) it
        carried, in one transaction. An item already recorded is kept as it was (a
        message listing an invoice again does not make it sent twice)."""
        sent_at = self._now().astimezone(UTC).isoformat(timespec="seconds")
        with self.transaction():
            self._db.execute(
                "INSERT INTO reminder_messages (message_id, kind, client, level, recipients, "
                "subject, as_of, sent_at, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (message_id, kind, client, level, ", ".join(recipients), subject,
                 as_of.isoformat(), sent_at, canonical_json(content)))
            self._db.executemany(
                "INSERT OR IGNORE INTO reminded (invoice, step, kind, level, message_id) "
                "VALUES (?, ?, ?, ?, ?)",
                [(invoice, step, kind, lvl, message_id) for invoice, step, lvl in items])

    def unlogged_reminders(self, kinds: Iterable[str] | None = None) -> list[dict]:
        """Emails sent but not yet shown in the workbook (a crash in between), oldest
        first, of the given kinds (all by default): {message_id, kind, client, level,
        recipients, subject, as_of, sent_at, content}. Reminders are shown in Relances;
        invoices sent (kind "invoice") as the sent date of Factures."""
        rows = self._db.execute(
            "SELECT message_id, kind, client, level, recipients, subject, as_of, sent_at, "
            "content FROM reminder_messages WHERE logged = 0 ORDER BY rowid").fetchall()
        if kinds is not None:
            wanted = set(kinds)
            rows = [row for row in rows if row[1] in wanted]
        keys = ("message_id", "kind", "client", "level", "recipients", "subject", "as_of",
                "sent_at", "content")
        out = []
        for row in rows:
            item = dict(zip(keys, row))
            try:
                item["content"] = json.loads(item["content"])
            except ValueError:
                item["content"] = {}
            out.append(item)
        return out

    def mark_reminders_logged(self, message_ids: Iterable[str]) -> None:
        """These emails are in the workbook's Relances table now."""
        with self.transaction():
            self._db.executemany("UPDATE reminder_messages SET logged = 1 WHERE message_id = ?",
                                 [(m,) for m in message_ids])


    # ------------------------------------------------------------------ bank
    _BANK = ("entry_key", "reference", "account", "booking_date", "amount", "currency",
             "text", "payer", "iban", "source")

    def bank_import(self, entries: Iterable[dict]) -> list[str]:
        """Record statement credits not seen before (dicts with the _BANK keys, and
        optionally "legacy_key"); returns the keys of those that were new.

        An entry is already imported when its key is here, or when its legacy key (the
        identity an earlier version gave it, domain/bank_identity.py) is here with the
        same date (as that version dated it, "legacy_date"), amount and text, each legacy
        row standing for one entry."""
        now = self._now().astimezone(UTC).isoformat(timespec="seconds")
        new: list[str] = []
        claimed: set[str] = set()
        with self.transaction():
            for e in entries:
                legacy = str(e.get("legacy_key") or "")
                if legacy and legacy != e["entry_key"] and legacy not in claimed:
                    row = self._db.execute(
                        "SELECT booking_date, amount, text FROM bank_entries "
                        "WHERE entry_key = ?", (legacy,)).fetchone()
                    if row and (row[0], Decimal(row[1]), row[2]) == (
                            str(e.get("legacy_date") or e["booking_date"]),
                            Decimal(str(e["amount"])),
                            str(e["text"])) and \
                            self._db.execute("SELECT 1 FROM bank_entries WHERE entry_key = ?",
                                             (str(e["entry_key"]),)).fetchone() is None:
                        claimed.add(legacy)
                        continue
                cur = self._db.execute(
                    "INSERT OR IGNORE INTO bank_entries (entry_key, reference, account, "
                    "booking_date, amount, currency, text, payer, iban, source, imported_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    tuple(str(e[k]) for k in self._BANK) + (now,))
                if cur.rowcount:
                    new.append(str(e["entry_key"]))
        return new

    def last_statement_date(self) -> date | None:
        """The latest booking date of the credits imported from bank statements (None when
        no statement was ever imported): how up to date the booked payments are."""
        row = self._db.execute("SELECT max(booking_date) FROM bank_entries").fetchone()
        return date.fromisoformat(row[0][:10]) if row and row[0] else None

    def bank_entries(self, state: str | None = None) -> list[dict]:
        """Imported credits (of one state, or all) in booking-date order."""
        where, args = ("WHERE state = ?", (state,)) if state else ("", ())
        rows = self._db.execute(
            f"SELECT {', '.join(self._BANK)}, state, booking, logged, suggested "
            f"FROM bank_entries {where} ORDER BY booking_date, rowid", args).fetchall()
        out = []
        for row in rows:
            item = dict(zip((*self._BANK, "state", "booking", "logged", "suggested"), row))
            item["booking"] = json.loads(item["booking"]) if item["booking"] else None
            item["suggested"] = json.loads(item["suggested"]) if item["suggested"] else None
            out.append(item)
        return out

    def bank_suggest(self, suggested: dict[str, dict]) -> None:
        """What this import suggests for credits still open (key -> {"client",
        "invoices"}), to tell next time a Rapprochement row the accountant changed."""
        with self.transaction():
            self._db.executemany(
                "UPDATE bank_entries SET suggested = ? WHERE entry_key = ? AND state = 'open'",
                [(json.dumps(v, ensure_ascii=False, sort_keys=True), k)
                 for k, v in suggested.items()])

    def bank_book(self, bookings: dict[str, list[dict]]) -> None:
        """Mark these credits booked with the Paiements rows they make, in one transaction;
        one already booked is refused (the journal's trigger)."""
        now = self._now().astimezone(UTC).isoformat(timespec="seconds")
        with self.transaction():
            for key, rows in bookings.items():
                self._db.execute(
                    "UPDATE bank_entries SET state = 'booked', booking = ?, booked_at = ? "
                    "WHERE entry_key = ? AND state = 'open'",
                    (canonical_json(rows), now, key))

    def bank_mark_logged(self, keys: Iterable[str]) -> None:
        """These bookings are in the workbook's Paiements table now."""
        with self.transaction():
            self._db.executemany("UPDATE bank_entries SET logged = 1 WHERE entry_key = ?",
                                 [(k,) for k in keys])


class Transaction:
    """What a job may do inside ``Journal.transaction()``; unusable once it ends."""

    def __init__(self, db: sqlite3.Connection, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now
        self._open = True

    def _check_open(self) -> None:
        if not self._open:
            raise RuntimeError("journal transaction already ended")

    def state(self, key: str) -> SeriesState | None:
        """Where the counter ``key`` stands, or None when nothing was allocated or seeded."""
        self._check_open()
        row = self._db.execute("SELECT counter, last_date FROM series WHERE key = ?",
                               (key,)).fetchone()
        if row is None:
            return None
        return SeriesState(row[0], date.fromisoformat(row[1]) if row[1] else None)

    def seed(self, key: str, state: SeriesState) -> SeriesState:
        """Raise ``key`` to at least ``state`` (numbers issued before the journal knew them).

        Never lowers a counter or a date: seeding from an older copy of the workbook must
        not hand out numbers again. Returns the resulting state.
        """
        self._check_open()
        old = self.state(key)
        if old is not None:
            dates = [d for d in (old.last_date, state.last_date) if d is not None]
            state = SeriesState(max(old.counter, state.counter), max(dates) if dates else None)
        if state != old:
            self._db.execute(
                "INSERT INTO series (key, counter, last_date) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET counter = excluded.counter, "
                "last_date = excluded.last_date",
                (key, state.counter, state.last_date.isoformat() if state.last_date else None))
        return state

    def billed(self, sources: Iterable[str]) -> dict[str, str]:
        """{source: number} for the sources some recorded document already bills."""
        self._check_open()
        found: dict[str, str] = {}
        wanted = list(dict.fromkeys(sources))
        for k in range(0, len(wanted), _BATCH):
            chunk = wanted[k:k + _BATCH]
            found.update(self._db.execute(
                f"SELECT source, number FROM sources WHERE source IN "
                f"({','.join('?' * len(chunk))})", chunk))
        return {s: found[s] for s in wanted if s in found}

    def record(self, number: str, series_key: str, counter: int, kind: str, issue_date: date,
               client: str, net: Decimal | None, vat: Decimal | None, total: Decimal | None,
               content: dict, sources: Iterable[str] = ()) -> Entry:
        """Record an issued document, state "pending" until ``Journal.mark_written``.

        Raises JournalConflict for a number or a source already recorded, a counter that is
        not the next one of its series (a gap or a reuse), or a date before the series'
        last date; ValueError for a number the e-invoice rules refuse.
        """
        return self.record_many([NewDocument(number, series_key, counter, kind, issue_date,
                                             client, net, vat, total, content,
                                             tuple(sources))])[0]

    def record_many(self, documents: Iterable[NewDocument]) -> list[Entry]:
        """Record documents in this order, each checked as ``record`` checks one (against
        the journal and the documents before it in the batch), then written with one
        statement per table. One conflict refuses the whole batch (the transaction rolls
        back): the job then issues nothing rather than part of a run."""
        self._check_open()
        docs = [d._replace(sources=tuple(dict.fromkeys(d.sources))) for d in documents]
        if not docs:
            return []
        for d in docs:
            if not valid_number(d.number):
                raise ValueError(f"{d.number!r} is not a valid number (BR-FR-01/02)")
        taken: dict[str, int] = {}
        numbers = [d.number for d in docs]
        for k in range(0, len(numbers), _BATCH):
            chunk = numbers[k:k + _BATCH]
            for seq, number in self._db.execute(
                    f"SELECT seq, number FROM documents WHERE number IN "
                    f"({','.join('?' * len(chunk))})", chunk):
                taken[number.casefold()] = seq
        billed = self.billed(s for d in docs for s in d.sources)
        states: dict[str, SeriesState | None] = {}
        row = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'documents'"
                               ).fetchone()
        top = self._db.execute("SELECT MAX(seq) FROM documents").fetchone()[0]
        seq = max(row[0] if row else 0, top or 0)
        prev = self._db.execute("SELECT chain_hash FROM documents ORDER BY seq DESC "
                                "LIMIT 1").fetchone()
        prev_hash = prev[0] if prev else GENESIS
        recorded_at = self._now().astimezone(UTC).isoformat(timespec="seconds")
        entries, rows, source_rows = [], [], []
        for d in docs:
            number = d.number
            if number.casefold() in taken:
                where = taken[number.casefold()]
                raise JournalConflict(f"Le numéro {number} est déjà dans le journal (entrée "
                                      f"{where}) : un numéro ne sert qu'une fois.",
                                      f"Number {number} is already in the journal (entry "
                                      f"{where}): a number is used only once.")
            again = {s: billed[s] for s in d.sources if s in billed}
            if again:
                shown = ", ".join(f"{s} → {n}" for s, n in again.items())
                raise JournalConflict(f"Déjà facturé : {shown}.", f"Already billed: {shown}.")
            if d.series_key not in states:
                states[d.series_key] = self.state(d.series_key)
            state = states[d.series_key]
            expected = (state.counter if state is not None else 0) + 1
            if d.counter != expected:
                raise JournalConflict(
                    f"Le compteur {d.counter} de {number} n'est pas le suivant de la série "
                    f"{d.series_key} ({expected}) : ni trou ni doublon.",
                    f"Counter {d.counter} of {number} is not the next of series "
                    f"{d.series_key} ({expected}): neither a gap nor a reuse.")
            last = state.last_date if state is not None else None
            if last is not None and d.issue_date < last:
                raise JournalConflict(
                    f"{number} est daté du {d.issue_date:%d/%m/%Y}, avant la dernière pièce "
                    f"de la série {d.series_key} ({last:%d/%m/%Y}).",
                    f"{number} is dated {d.issue_date.isoformat()}, before the last "
                    f"document of series {d.series_key} ({last.isoformat()}).")
            seq += 1
            plain, text = canonical_form(d.content)
            content_hash = sha256_hex(text)
            sources = tuple(sorted(d.sources))
            chain_hash = link_digest(prev_hash, content_hash, _header_of(
                number, d.series_key, d.counter, d.kind, d.issue_date, d.client, d.net,
                d.vat, d.total, sources, recorded_at))
            entries.append(Entry(seq, number, d.series_key, d.counter, d.kind, d.issue_date,
                                 d.client, d.net, d.vat, d.total, plain, content_hash,
                                 chain_hash, PENDING, prev_hash, sources, recorded_at))
            rows.append((seq, number, d.series_key, d.counter, d.kind,
                         d.issue_date.isoformat(), d.client, _text(d.net), _text(d.vat),
                         _text(d.total), text, content_hash, prev_hash, chain_hash, PENDING,
                         recorded_at))
            source_rows += [(source, number) for source in d.sources]
            taken[number.casefold()] = seq
            billed.update(dict.fromkeys(d.sources, number))
            states[d.series_key] = SeriesState(d.counter, d.issue_date)
            prev_hash = chain_hash
        self._db.executemany(
            "INSERT INTO documents (seq, number, series_key, counter, kind, issue_date, "
            "client, net, vat, total, content, content_hash, prev_hash, chain_hash, state, "
            "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        self._db.executemany("INSERT INTO sources (source, number) VALUES (?, ?)",
                             source_rows)
        self._db.executemany(
            "INSERT INTO series (key, counter, last_date) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET counter = excluded.counter, "
            "last_date = excluded.last_date",
            [(key, st.counter, st.last_date.isoformat()) for key, st in states.items()
             if st is not None and st.last_date is not None])
        return entries


class NewDocument(NamedTuple):
    """A document to record (see ``Transaction.record`` for what is checked)."""

    number: str
    series_key: str
    counter: int
    kind: str
    issue_date: date
    client: str
    net: Decimal | None
    vat: Decimal | None
    total: Decimal | None
    content: dict
    sources: tuple[str, ...] = ()


_BATCH = 500  # host parameters per IN (...): far below SQLite's limit, few round trips


def _migrate(db: sqlite3.Connection) -> None:
    """Create or upgrade the schema; concurrent openers wait on BEGIN IMMEDIATE."""
    if _version(db) == SCHEMA_VERSION:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        version = _version(db)  # another process may have migrated meanwhile
        if version > SCHEMA_VERSION:
            raise JournalError(
                f"Ce journal a été écrit par une version plus récente de Facturier (schéma "
                f"{version}) : mettre Facturier à jour.",
                f"This journal was written by a newer Facturier (schema {version}): update "
                "Facturier.")
        for statements in MIGRATIONS[version:]:
            for statement in statements:
                db.execute(statement)
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                   (str(SCHEMA_VERSION),))
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _version(db: sqlite3.Connection) -> int:
    if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
                  ).fetchone() is None:
        return 0
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def _header(entry: Entry) -> dict:
    """The entry's own columns, as chained (see register.link_digest)."""
    return _header_of(entry.number, entry.series_key, entry.counter, entry.kind,
                      entry.issue_date, entry.client, entry.net, entry.vat, entry.total,
                      entry.sources, entry.recorded_at)


def _header_of(number: str, series_key: str, counter: int, kind: str, issue_date: date,
               client: str, net: Decimal | None, vat: Decimal | None, total: Decimal | None,
               sources: Iterable[str], recorded_at: str) -> dict:
    return {"number": number, "series_key": series_key, "counter": counter, "kind": kind,
            "issue_date": issue_date, "client": client, "net": net, "vat": vat,
            "total": total, "sources": sorted(sources), "recorded_at": recorded_at}


def _text(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


def _canonical(text: str) -> bool:
    try:
        return canonical_json(json.loads(text)) == text
    except ValueError:
        return False


def _entry(row: tuple, sources: tuple[str, ...]) -> Entry:
    (seq, number, key, counter, kind, issue, client, net, vat, total, content, content_hash,
     chain_hash, state, prev_hash, recorded_at) = row
    try:
        loaded = json.loads(content)
    except ValueError:
        loaded = {}  # verify() reports it; reading must not crash on a damaged row
    return Entry(seq, number, key, counter, kind, date.fromisoformat(issue), client,
                 _amount(net), _amount(vat), _amount(total), loaded, content_hash, chain_hash,
                 state, prev_hash, sources, recorded_at)


def _amount(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)
