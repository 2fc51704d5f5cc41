"""The approved platform's ledgers of a workbook, as a job opens them: in the workbook's
journal (Paramètres › Journal: the SQLite file beside it or the team's PostgreSQL
database), whichever it is.

A job that sends opens them for writing: the journal is created or upgraded as any job
that records does, and the ledger file an earlier version kept beside the workbook is
imported first (adapters/journal/platform.py). A preview, a check or the dashboard only
reads: the journal is opened read-only and nothing is created, upgraded or imported (a
file not yet imported is read as it is)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pyfuncs.adapters.journal.platform import PlatformLedgers, import_legacy, read_ledgers
from pyfuncs.adapters.platform.ledger import ledger_path
from pyfuncs.adapters.xlsx_read import WorkbookData
from pyfuncs.jobs.load import journal_path, open_journal, read_journal


def _now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def platform_ledgers(data: WorkbookData, *, write: bool,
                     journal: Path | str | None = None) -> Iterator[PlatformLedgers | None]:
    """The ledgers of the workbook's journal (``journal`` overrides Paramètres), for
    writing (``write``) or for reading; None, when reading, where there is nothing to read
    (no journal yet, no file of an earlier version)."""
    where = journal if journal is not None else journal_path(data)
    legacy = ledger_path(Path(data.path))
    if write:
        with open_journal(data, where) as book:
            import_legacy(book.backend, legacy)
            yield book.platform()
        return
    reader = read_journal(data, where)
    try:
        if reader is None and not legacy.exists():
            yield None
            return
        with read_ledgers(reader.backend if reader is not None else None,
                          legacy if legacy.exists() else None, _now) as ledgers:
            yield ledgers
    finally:
        if reader is not None:
            reader.close()
