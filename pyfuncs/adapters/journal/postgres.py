"""The journal on a PostgreSQL database a team shares (Paramètres › Journal holds its URL).

A SQLite file on a shared drive, OneDrive or SharePoint is not safe for several people
(locking over network file systems is broken, sync clients make conflicted copies): a
team points every copy of its workbook at one PostgreSQL database instead. The rules
are the SQLite journal's, stated once (store.py, transaction.py); this module connects,
creates the same schema in PostgreSQL's words, and takes the journal's write lock.

The password is never in the workbook, the URL or the logs: a URL holding one is
refused. libpq finds it in PGPASSWORD or ~/.pgpass (pgpass.conf on Windows) by itself;
Facturier adds FACTURIER_JOURNAL_PASSWORD and the system keyring (service
"facturier-journal", user "USER@HOST"), when the keyring extra is installed.

The write lock is a transaction-scoped advisory lock taken as the transaction's first
statement: the hash chain links every document to the one before, whatever its series,
so documents are chained one writer at a time (the lock is held for the milliseconds of
one record, not for the job).
"""
from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Iterator
from typing import Any

from pyfuncs.adapters.environment import keyring_secret
from pyfuncs.adapters.journal.errors import (
    JournalError,
    JournalUnreachable,
    disk_full,
    newer_schema,
)
from pyfuncs.adapters.journal.sqlite import PLATFORM_TABLES

WRITE_LOCK = 0x46414354  # "FACT": the journal's one write lock (pg_advisory_xact_lock)
MIGRATE_LOCK = 0x4D494752  # "MIGR": one process creates or upgrades the schema
CLAIM_LOCKS = 0x504C4154  # "PLAT": the class of the flows' locks (pg_try_advisory_lock(c, k))

_REFUSE = """CREATE FUNCTION facturier_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION USING MESSAGE = TG_ARGV[0], ERRCODE = 'integrity_constraint_violation';
    END $$"""


def _guard(name: str, when: str, table: str, message: str, condition: str = "") -> str:
    cond = f" WHEN ({condition})" if condition else ""
    return (f"CREATE TRIGGER {name} BEFORE {when} ON {table} FOR EACH ROW{cond} "
            f"EXECUTE FUNCTION facturier_refuse('{message}')")


# The SQLite schema (sqlite.py) version by version, in PostgreSQL's words: the same
# tables, columns, checks and guards, so that one schema version means one journal.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE documents (
            seq BIGINT PRIMARY KEY CHECK (seq >= 1),
            number TEXT NOT NULL UNIQUE,
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
        # a number is unique whatever its case, as the workbook checks see it
        "CREATE UNIQUE INDEX documents_number_folded ON documents (lower(number))",
        """CREATE TABLE sources (
            source TEXT PRIMARY KEY,
            number TEXT NOT NULL REFERENCES documents (number))""",
        "CREATE INDEX sources_number ON sources (number)",
        """CREATE TABLE series (
            key TEXT PRIMARY KEY,
            counter INTEGER NOT NULL CHECK (counter >= 0),
            last_date TEXT)""",
        _REFUSE,
        _guard("documents_no_delete", "DELETE", "documents",
               "journal is append-only: an issued document is never deleted, it is "
               "cancelled by a credit note"),
        _guard("documents_no_edit", "UPDATE OF seq, number, series_key, counter, kind, "
               "issue_date, client, net, vat, total, content, content_hash, prev_hash, "
               "chain_hash, recorded_at", "documents",
               "journal is append-only: an issued document is never edited"),
        _guard("documents_state_forward", "UPDATE OF state", "documents",
               "journal: a written document cannot become pending again",
               "NEW.state <> 'written'"),
        _guard("sources_no_change", "DELETE", "sources",
               "journal is append-only: a billed source stays billed"),
        _guard("sources_no_edit", "UPDATE", "sources",
               "journal is append-only: a billed source stays billed"),
        _guard("series_never_back", "UPDATE", "series",
               "journal: a series counter never goes back", "NEW.counter < OLD.counter"),
        # TRUNCATE skips row triggers: refused on its own
        ("CREATE TRIGGER documents_no_truncate BEFORE TRUNCATE ON documents FOR EACH "
         "STATEMENT EXECUTE FUNCTION facturier_refuse('journal is append-only')"),
        ("CREATE TRIGGER sources_no_truncate BEFORE TRUNCATE ON sources FOR EACH "
         "STATEMENT EXECUTE FUNCTION facturier_refuse('journal is append-only')"),
    ),
    (
        """CREATE TABLE reminder_messages (
            rowid BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
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
            invoice TEXT NOT NULL,
            step TEXT NOT NULL,
            kind TEXT NOT NULL,
            level INTEGER NOT NULL,
            message_id TEXT NOT NULL REFERENCES reminder_messages (message_id),
            PRIMARY KEY (invoice, step, kind, level))""",
        "CREATE UNIQUE INDEX reminded_folded ON reminded (lower(invoice), step, kind, level)",
        _guard("reminder_messages_no_delete", "DELETE", "reminder_messages",
               "journal is append-only: a sent reminder stays sent"),
        _guard("reminder_messages_no_edit", "UPDATE OF message_id, kind, client, level, "
               "recipients, subject, as_of, sent_at, content", "reminder_messages",
               "journal is append-only: a sent reminder is never edited"),
        _guard("reminder_messages_logged_forward", "UPDATE OF logged", "reminder_messages",
               "journal: a logged reminder cannot become unlogged", "NEW.logged <> 1"),
        _guard("reminded_no_change", "DELETE", "reminded",
               "journal is append-only: a sent reminder stays sent"),
        _guard("reminded_no_edit", "UPDATE", "reminded",
               "journal is append-only: a sent reminder stays sent"),
    ),
    (
        """CREATE TABLE bank_entries (
            rowid BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
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
        _guard("bank_entries_no_delete", "DELETE", "bank_entries",
               "journal is append-only: an imported bank entry stays"),
        _guard("bank_entries_no_edit", "UPDATE OF entry_key, reference, account, "
               "booking_date, amount, currency, text, payer, iban, source, imported_at",
               "bank_entries", "journal is append-only: a bank entry is never edited"),
        _guard("bank_entries_booked_once", "UPDATE OF state, booking", "bank_entries",
               "journal: a booked bank entry is never booked again", "OLD.state = 'booked'"),
    ),
    (
        "ALTER TABLE bank_entries ADD COLUMN suggested TEXT",
    ),
    (
        """CREATE TABLE sending_claims (
            item TEXT PRIMARY KEY,
            message_id TEXT NOT NULL,
            claimed_at TEXT NOT NULL)""",
        "CREATE INDEX sending_claims_message ON sending_claims (message_id)",
    ),
    # the platform's ledgers: the same tables as SQLite's (plain types, no triggers)
    PLATFORM_TABLES,
)
SCHEMA_VERSION = len(MIGRATIONS)


def shown(url: str) -> str:
    """The URL as it may be shown: any password replaced by ***."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


def check_url(url: str) -> None:
    """Refuse a URL holding a password (it would end up in the workbook); say where the
    password goes instead."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = conninfo_to_dict(url)
    except Exception as exc:  # noqa: BLE001 - psycopg's ProgrammingError names the problem
        raise JournalError(f"Adresse du journal illisible ({shown(url)}) : {exc}",
                           f"Unreadable journal URL ({shown(url)}): {exc}") from None
    if params.get("password"):
        raise JournalError(
            f"L'adresse du journal {shown(url)} contient un mot de passe : l'enlever du "
            "classeur (postgresql://UTILISATEUR@SERVEUR/BASE) et le donner par "
            "FACTURIER_JOURNAL_PASSWORD, PGPASSWORD, ~/.pgpass ou le trousseau du système.",
            f"The journal URL {shown(url)} holds a password: take it out of the workbook "
            "(postgresql://USER@SERVER/DATABASE) and give it through "
            "FACTURIER_JOURNAL_PASSWORD, PGPASSWORD, ~/.pgpass or the system keyring.")


def _password(params: dict[str, Any]) -> str | None:
    """FACTURIER_JOURNAL_PASSWORD, else the keyring; None lets libpq look (PGPASSWORD,
    ~/.pgpass)."""
    given = os.environ.get("FACTURIER_JOURNAL_PASSWORD")
    if given:
        return given
    if os.environ.get("PGPASSWORD"):
        return None
    user = params.get("user") or os.environ.get("PGUSER") or ""
    host = params.get("host") or os.environ.get("PGHOST") or "localhost"
    return keyring_secret("facturier-journal", f"{user}@{host}")  # else libpq's own sources


def connect(url: str, create: bool = True) -> PostgresBackend:
    """Connect to the shared journal at ``url``, creating or upgrading its schema; with
    ``create`` False, as it is and read-only (a preview writes nothing to the database,
    not even its tables)."""
    check_url(url)
    try:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict
    except ImportError:
        raise JournalError(
            "Le journal partagé (PostgreSQL) demande psycopg : pip install 'facturier[team]'.",
            "The shared journal (PostgreSQL) needs psycopg: pip install 'facturier[team]'.",
        ) from None
    extra: dict[str, Any] = {"autocommit": True, "application_name": "facturier"}
    params = conninfo_to_dict(url)
    if "connect_timeout" not in params:
        extra["connect_timeout"] = 15
    password = _password(params)
    if password:
        extra["password"] = password
    try:
        conn = psycopg.connect(url, **extra)
    except psycopg.Error as exc:
        raise unreachable(url, exc) from None
    db = PostgresBackend(conn, shown(url))
    try:
        if create:
            _migrate(db)
        else:
            db.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    except BaseException:
        db.close()
        raise
    return db


def unreachable(url: str, exc: Exception) -> JournalUnreachable:
    reason = " ".join(str(exc).split())
    return JournalUnreachable(
        f"Journal partagé {shown(url)} injoignable ({reason}) : rien n'a été enregistré ; "
        "vérifier le serveur, l'adresse et le mot de passe, puis relancer.",
        f"Cannot reach the shared journal {shown(url)} ({reason}): nothing was recorded; "
        "check the server, the URL and the password, then run again.")


class _Cursor:
    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor
        self.rowcount = cursor.rowcount

    def fetchone(self) -> Any:  # a row or None (see base.Cursor)
        return self._cursor.fetchone() if self._cursor.description else None

    def fetchall(self) -> list[tuple]:
        return self._cursor.fetchall() if self._cursor.description else []

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.fetchall())


def _sql(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresBackend:
    """One connection, in autocommit mode with explicit BEGIN ... COMMIT, as SQLite's."""

    number_key = "lower(number)"  # its unique index

    def __init__(self, conn: Any, where: str) -> None:
        self._conn = conn
        self.where = where

    def _run(self, call: Any) -> Any:
        import psycopg

        try:
            return call()
        except psycopg.errors.DiskFull:
            raise disk_full(self.where) from None
        except psycopg.errors.IntegrityConstraintViolation:
            raise  # a guard or a constraint: the journal's own refusal, as with SQLite
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            raise unreachable(self.where, exc) from None

    def execute(self, sql: str, args: Iterable = ()) -> _Cursor:
        values = tuple(args)
        cur = self._conn.cursor()
        if values:
            self._run(lambda: cur.execute(_sql(sql), values))
        else:
            self._run(lambda: cur.execute(sql))
        return _Cursor(cur)

    def executemany(self, sql: str, rows: Iterable[tuple]) -> _Cursor:
        batch = [tuple(r) for r in rows]
        cur = self._conn.cursor()
        if batch:
            self._run(lambda: cur.executemany(_sql(sql), batch))
        return _Cursor(cur)

    def hold(self, key: str) -> bool:
        """A session advisory lock on ``key`` (a flow's trackingId) while this run sends
        it; False when another connection holds it. The server lets it go when the
        connection ends, however the run ends (even killed), so a "sending" row whose
        lock is free was left by a run that ended."""
        return bool(self.execute("SELECT pg_try_advisory_lock(?::integer, hashtext(?::text))",
                                 (CLAIM_LOCKS, key)).fetchone()[0])

    def let_go(self, key: str) -> None:
        self.execute("SELECT pg_advisory_unlock(?::integer, hashtext(?::text))", (CLAIM_LOCKS, key))

    def begin_write(self) -> None:
        self.execute("BEGIN")
        self.execute("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK,))

    def commit(self) -> None:
        self.execute("COMMIT")

    def rollback(self) -> None:
        # the error that led here is the one to report, not one of the rollback
        with contextlib.suppress(Exception):
            self._conn.execute("ROLLBACK")

    def close(self) -> None:
        self._conn.close()

    def high_seq(self) -> int:
        row = self.execute("SELECT value FROM meta WHERE key = 'documents_seq'").fetchone()
        return int(row[0]) if row else 0

    def note_seq(self, seq: int) -> None:
        self.execute("INSERT INTO meta (key, value) VALUES ('documents_seq', ?) "
                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (str(seq),))

    def trigger_names(self) -> set[str]:
        return {row[0] for row in self.execute(
            "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relnamespace = "
            "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())")}

    def schema_version(self) -> int:
        return _version(self)


def _version(db: PostgresBackend) -> int:
    # pg_class read by a plain query, with this statement's snapshot: to_regclass() may
    # answer from a catalog cache that has not yet seen a table another process just
    # created (two first uses at the same second)
    if not db.execute("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN "
                      "pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE "
                      "c.relname = 'meta' AND n.nspname = current_schema())").fetchone()[0]:
        return 0
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def _migrate(db: PostgresBackend) -> None:
    """Create or upgrade the schema, one process at a time (an advisory lock)."""
    if _version(db) == SCHEMA_VERSION:
        return
    db.execute("BEGIN")
    try:
        db.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATE_LOCK,))
        version = _version(db)  # another process may have migrated meanwhile
        if version > SCHEMA_VERSION:
            raise newer_schema(version)
        for statements in MIGRATIONS[version:]:
            for statement in statements:
                db.execute(statement)
        db.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                   (str(SCHEMA_VERSION),))
    except BaseException:
        db.rollback()
        raise
    db.commit()
