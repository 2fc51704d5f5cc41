"""The journal: the durable, append-only register of issued documents, sent messages and
imported bank credits (principle 7), behind one interface (base.py) on two backends: a
SQLite file beside the workbook (sqlite.py, the default) or a PostgreSQL database a team
shares (postgres.py). The rules are stated once, in store.py and transaction.py."""
from __future__ import annotations

from pyfuncs.adapters.journal.entry import PENDING, WRITTEN, Entry, NewDocument
from pyfuncs.adapters.journal.errors import (
    JournalBusy,
    JournalConflict,
    JournalDamaged,
    JournalError,
    JournalFull,
    JournalMismatch,
    JournalUnreachable,
)
from pyfuncs.adapters.journal.lock import journal_path, lock_path, workbook_lock
from pyfuncs.adapters.journal.sqlite import MIGRATIONS, SCHEMA_VERSION
from pyfuncs.adapters.journal.store import GUARDS, Journal, is_url, journal_exists
from pyfuncs.adapters.journal.transaction import Transaction

__all__ = ["GUARDS", "MIGRATIONS", "PENDING", "SCHEMA_VERSION", "WRITTEN", "Entry",
           "Journal", "JournalBusy", "JournalConflict", "JournalDamaged", "JournalError",
           "JournalFull", "JournalMismatch", "JournalUnreachable", "NewDocument",
           "Transaction", "is_url", "journal_exists", "journal_path", "lock_path", "workbook_lock"]
