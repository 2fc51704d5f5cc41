"""The journal on a SQLite file beside the workbook (the default: one person, one PC).

SQLite's locking is safe on a local disk; on a network or synced folder it is not (its
own documentation says so), which is why a team shares a PostgreSQL journal instead
(postgres.py). Every SQLite error that means the file is damaged or its disk full is
said as such, naming the file (errors.py), never as "DatabaseError: malformed".
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pyfuncs.adapters.journal.errors import JournalBusy, damaged, disk_full, newer_schema

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
# An email claimed before it goes to the SMTP server, one row per (kind, invoice, step,
# level) it carries: a colleague's run at the same moment skips it (see reminders.py).
MIGRATIONS += (
    ("""CREATE TABLE sending_claims (
            item TEXT PRIMARY KEY,
            message_id TEXT NOT NULL,
            claimed_at TEXT NOT NULL)""",
     "CREATE INDEX sending_claims_message ON sending_claims (message_id)"),
)
# The approved platform's ledgers, formerly a file of their own beside the workbook
# (WORKBOOK.facturier-platform.sqlite, imported on first use, see platform.py): each flow
# (a document, a 212 "Encaissée", an e-reporting file) claimed here before it goes to the
# platform and settled after; the lifecycle statuses received; the pull's bookmarks.
PLATFORM_TABLES: tuple[str, ...] = (
    """CREATE TABLE platform_flows (
        number TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        tracking_id TEXT NOT NULL UNIQUE,
        sha256 TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'refused')),
        flow_id TEXT,
        prepared_at TEXT NOT NULL,
        settled_at TEXT,
        reason TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (number, attempt))""",
    """CREATE TABLE platform_statuses (
        message_id TEXT PRIMARY KEY,
        number TEXT NOT NULL,
        code TEXT NOT NULL,
        at TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        flow_id TEXT NOT NULL DEFAULT '',
        received_at TEXT NOT NULL)""",
    "CREATE TABLE platform_sync (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE platform_receipts (
        message_key TEXT PRIMARY KEY,
        receipt TEXT NOT NULL,
        seq INTEGER NOT NULL,
        number TEXT NOT NULL,
        received_on TEXT NOT NULL,
        amount TEXT NOT NULL,
        tracking_id TEXT NOT NULL UNIQUE,
        sha256 TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'refused')),
        flow_id TEXT NOT NULL DEFAULT '',
        prepared_at TEXT NOT NULL,
        settled_at TEXT,
        reason TEXT NOT NULL DEFAULT '')""",
    """CREATE TABLE platform_reports (
        report TEXT PRIMARY KEY,
        flow_type TEXT NOT NULL,
        tracking_id TEXT NOT NULL UNIQUE,
        sha256 TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'refused')),
        flow_id TEXT NOT NULL DEFAULT '',
        ack TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT '',
        prepared_at TEXT NOT NULL,
        settled_at TEXT)""",
)
MIGRATIONS += (PLATFORM_TABLES,)
SCHEMA_VERSION = len(MIGRATIONS)
#: the schema version from which the journal holds the platform's ledgers
PLATFORM_VERSION = SCHEMA_VERSION


def connect(path: Path, create: bool = True) -> SQLiteBackend:
    """Open (and create or upgrade) the journal file at ``path``; with ``create`` False,
    open it read-only as it is (a preview writes nothing, not even a schema upgrade)."""
    db = SQLiteBackend(path, read_only=not create)
    if not create:
        return db
    try:
        db.execute("PRAGMA busy_timeout = 30000")
        # WAL lets a check job read while a generation job writes. Where the file
        # system cannot share memory (some network drives) SQLite keeps its rollback
        # journal instead, which is as safe, only less concurrent.
        db.execute("PRAGMA journal_mode = WAL")
        # A recorded number must survive a power cut before the workbook shows it.
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        _migrate(db)
    except BaseException:
        db.close()
        raise
    return db


def _translated(exc: sqlite3.Error, path: Path) -> BaseException:
    """What SQLite's error means for the user: the file damaged, the disk full, or (for
    anything else, a refused edit included) the error itself."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return damaged(str(path), str(exc))
    if code == sqlite3.SQLITE_FULL:
        return disk_full(str(path))
    return exc


class _Cursor:
    """A cursor whose reads say which journal is damaged, as ``_Connection`` does."""

    def __init__(self, cursor: sqlite3.Cursor, path: Path) -> None:
        self._cursor = cursor
        self._path = path

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def fetchone(self) -> tuple | None:
        try:
            return self._cursor.fetchone()
        except sqlite3.Error as exc:
            raise _translated(exc, self._path) from exc

    def fetchall(self) -> list[tuple]:
        try:
            return self._cursor.fetchall()
        except sqlite3.Error as exc:
            raise _translated(exc, self._path) from exc

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.fetchall())


class SQLiteBackend:
    """The SQLite connection, every error of which names the journal file when it means
    the file is damaged or its disk full (never "DatabaseError: malformed")."""

    number_key = "number"  # its column is COLLATE NOCASE

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self._path = path
        self.where = str(path)
        self._sender: Any = None  # the file lock senders take turns on (hold)
        try:
            if read_only:
                self._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                                           timeout=30, isolation_level=None)
                self._db.execute("PRAGMA busy_timeout = 30000")
            else:
                self._db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        except sqlite3.Error as exc:
            raise _translated(exc, path) from exc

    def execute(self, sql: str, args: Iterable = ()) -> _Cursor:
        try:
            return _Cursor(self._db.execute(sql, tuple(args)), self._path)
        except sqlite3.Error as exc:
            raise _translated(exc, self._path) from exc

    def executemany(self, sql: str, rows: Iterable) -> _Cursor:
        try:
            return _Cursor(self._db.executemany(sql, rows), self._path)
        except sqlite3.Error as exc:
            raise _translated(exc, self._path) from exc

    def rollback(self) -> None:
        """ROLLBACK after an error; one it raises itself is not the one to report."""
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def close(self) -> None:
        if self._sender is not None:
            self._sender.release(force=True)
            self._sender = None
        self._db.close()

    def hold(self, key: str) -> bool:
        """A SQLite journal serves one PC: its senders take turns for the whole send (a
        file lock beside the journal, held until the connection closes), so a "sending"
        row found by the one holding it was left by a run that ended."""
        if str(self._path) == ":memory:":
            return True
        if self._sender is None:
            from filelock import FileLock, Timeout

            lock = FileLock(str(self._path.with_name(f".{self._path.name}.sending-lock")),
                            timeout=120)
            try:
                lock.acquire()
            except Timeout:
                raise JournalBusy(
                    f"Un autre envoi à la plateforme utilise le journal {self._path.name} ; "
                    "réessayer quand il sera terminé.",
                    f"Another run sending to the platform uses the journal "
                    f"{self._path.name}; try again when it ends.") from None
            self._sender = lock
        return True

    def let_go(self, key: str) -> None:
        return None  # held until the connection closes (hold)

    def begin_write(self) -> None:
        # the write lock before the counters are read: two processes never read one counter
        self.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.execute("COMMIT")

    def high_seq(self) -> int:
        row = self.execute("SELECT seq FROM sqlite_sequence WHERE name = 'documents'"
                           ).fetchone()
        return row[0] if row else 0

    def note_seq(self, seq: int) -> None:
        return None  # AUTOINCREMENT keeps sqlite_sequence itself

    def trigger_names(self) -> set[str]:
        return {row[0] for row in self.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")}

    def schema_version(self) -> int:
        return _version(self)


def _migrate(db: SQLiteBackend) -> None:
    """Create or upgrade the schema; concurrent openers wait on BEGIN IMMEDIATE."""
    if _version(db) == SCHEMA_VERSION:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        version = _version(db)  # another process may have migrated meanwhile
        if version > SCHEMA_VERSION:
            raise newer_schema(version)
        for statements in MIGRATIONS[version:]:
            for statement in statements:
                db.execute(statement)
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                   (str(SCHEMA_VERSION),))
    except BaseException:
        db.rollback()
        raise
    db.execute("COMMIT")


def _version(db: SQLiteBackend) -> int:
    if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
                  ).fetchone() is None:
        return 0
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0
