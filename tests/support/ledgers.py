"""The platform's ledgers of a test workbook, read from its journal as the jobs write
them (the SQLite file beside it, or the journal named)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pyfuncs.adapters.journal import Journal, journal_path
from pyfuncs.adapters.journal.platform import PlatformLedgers


@contextmanager
def ledgers_of(workbook: Path, where: Path | str | None = None) -> Iterator[PlatformLedgers]:
    with Journal(where if where is not None else journal_path(workbook)) as journal:
        yield journal.platform()
