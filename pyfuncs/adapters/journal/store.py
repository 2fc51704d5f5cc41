"""The journal: the durable, append-only register of issued documents (principle 7),
on a SQLite file beside the workbook or on a PostgreSQL database a team shares.

Every invoice or credit note is recorded here, number and full content, *before* it is
written to the workbook, so that a crash or a rerun never issues a number twice, leaves
a gap, or bills a quote or a time entry twice. A job:

    with workbook_lock(workbook), Journal(where) as journal:
        replay journal.pending() into the workbook          # a crash's leftovers
        with journal.transaction() as tx:                   # the journal's write lock
            number, counter = next_number(pattern, day, tx.state(pattern.key(day)))
            tx.record(number, ...)
        write the workbook
        journal.mark_written(numbers)

The workbook lock keeps two Facturier jobs (two buttons, a button and a scheduled command)
from interleaving their workbook writes; the transaction alone already keeps the numbers
right, since it holds the journal's write lock (SQLite's BEGIN IMMEDIATE, PostgreSQL's
advisory lock) from its first statement, across processes and machines.

Entries are chained: each one's hash covers its columns, its content's digest and the
previous entry's hash (pyfuncs.domain.register), so ``verify`` finds a row edited or
deleted behind the program's back. Triggers refuse such edits through SQL in the first
place; only a deliberate removal of them gets that far.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from pyfuncs.adapters.journal.bank import BankJournal
from pyfuncs.adapters.journal.base import Backend
from pyfuncs.adapters.journal.entry import Entry, entry_of
from pyfuncs.adapters.journal.errors import JournalError, JournalMismatch
from pyfuncs.adapters.journal.platform import PlatformLedgers, ledgers
from pyfuncs.adapters.journal.reminders import ReminderJournal
from pyfuncs.adapters.journal.transaction import Transaction
from pyfuncs.adapters.journal.verify import verify

#: the guards verify expects; a journal without one of them was tampered with
GUARDS = ("documents_no_delete", "documents_no_edit", "documents_state_forward",
          "sources_no_change", "sources_no_edit", "series_never_back")


def is_url(where: object) -> bool:
    """A PostgreSQL journal is named by its URL; anything else is a SQLite file."""
    return str(where).lower().startswith(("postgresql://", "postgres://"))


def journal_exists(where: Path | str) -> bool:
    """Whether a journal is already there: a file that exists, or a shared database (which
    is created on purpose, and whose schema Facturier creates on first use)."""
    return is_url(where) or Path(where).exists()


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Journal(ReminderJournal, BankJournal):
    """A journal; open it with ``Journal(path_or_url)`` or ``with Journal(...) as j``.

    ``where``: the SQLite file (a Path or a plain string), or a PostgreSQL URL without
    password (``postgresql://facturier@server/compta``; the password from the
    environment, ~/.pgpass or the keyring, see postgres.py).
    """

    def __init__(self, where: Path | str, now: Callable[[], datetime] = _utc_now,
                 create: bool = True) -> None:
        """``create`` False: open the journal as it is, read-only, for a preview: nothing
        is created or upgraded (``initialised`` says whether there is a journal to read)."""
        self._now = now
        self._in_transaction = False
        self.read_only = not create
        if is_url(where):
            from pyfuncs.adapters.journal import postgres  # psycopg only when used
            self._db: Backend = postgres.connect(str(where), create)
            self.path: Path | None = None
        else:
            from pyfuncs.adapters.journal import sqlite
            self.path = Path(where)
            self._db = sqlite.connect(self.path, create)
        self.where = self._db.where

    @property
    def initialised(self) -> bool:
        """Whether the journal holds Facturier's tables (a shared database opened for a
        preview before anyone used it does not)."""
        return self._db.schema_version() > 0

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def platform(self) -> PlatformLedgers:
        """The approved platform's ledgers (flows, 212s, e-reporting files, statuses),
        each flow claimed here before it is sent (platform.py)."""
        return ledgers(self._db, self._now)

    @property
    def backend(self) -> Backend:
        """The connection, for the backend's own tests and the migration between them."""
        return self._db

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """The journal's write lock, COMMIT at the end, or ROLLBACK when the block raises."""
        if self._in_transaction:
            raise RuntimeError("journal transactions do not nest")
        if self.read_only:  # a preview: one consistent read, nothing to commit
            self._db.execute("BEGIN")
        else:
            self._db.begin_write()
        self._in_transaction = True
        tx = Transaction(self._db, self._now)
        try:
            yield tx
        except BaseException:
            self._db.rollback()
            raise
        else:
            if self.read_only:
                self._db.rollback()
            else:
                self._db.commit()
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
        key = self._db.number_key
        with self.transaction():
            cursor = self._db.executemany(f"UPDATE documents SET state = 'written' "
                                          f"WHERE {key} = ?", [(n.casefold(),) for n in wanted])
            if cursor.rowcount != len(wanted):  # find which one, for the message
                for number in wanted:
                    if self._db.execute(f"SELECT 1 FROM documents WHERE {key} = ?",
                                        (number.casefold(),)).fetchone() is None:
                        raise JournalError(f"Le numéro {number} n'est pas dans le journal.",
                                           f"Number {number} is not in the journal.")

    def verify(self, lang: str = "fr") -> list[str]:
        """Recompute every hash; one description per broken link (none: the journal is whole).

        Finds an entry whose content or columns were edited, an entry deleted (in the
        middle or at the end), a billed source removed, and a guard trigger dropped.
        """
        return verify(self._db, self._select(""), GUARDS, lang)

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
        return [entry_of(row, tuple(sources.get(row[1].casefold(), ()))) for row in rows]

    def meta(self, key: str) -> str | None:
        """A value the journal keeps about itself (schema_version, the workbook it serves)."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self._db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                             "DO UPDATE SET value = excluded.value", (key, value))

    def claim_owner(self, owner: str, workbook: str) -> None:
        """A shared journal serves one set of books: the first workbook to use it records
        its owner (the seller's SIREN); a workbook of another owner is refused, naming
        both, before anything is read or written."""
        with self.transaction():
            self._db.execute("INSERT INTO meta (key, value) VALUES ('owner', ?) "
                             "ON CONFLICT (key) DO NOTHING", (owner,))
            self._db.execute("INSERT INTO meta (key, value) VALUES ('first_workbook', ?) "
                             "ON CONFLICT (key) DO NOTHING", (workbook,))
        self.check_owner(owner, workbook)

    def check_owner(self, owner: str, workbook: str) -> None:
        """Refuse a journal that serves another seller's books (``claim_owner`` without
        claiming: a preview reads, it records nothing)."""
        if not self.initialised:
            return
        have, first = self.meta("owner"), self.meta("first_workbook")
        if have is not None and have != owner:
            raise JournalMismatch(
                f"Le journal {self.where} tient les pièces d'un autre classeur ({first}, "
                f"vendeur {have}) ; ce classeur ({workbook}) est celui du vendeur {owner}. "
                "Donner à chaque société sa propre base dans Paramètres › Journal.",
                f"The journal {self.where} holds another workbook's documents ({first}, "
                f"seller {have}); this workbook ({workbook}) is seller {owner}'s. Give each "
                "company its own database in Paramètres › Journal.")

