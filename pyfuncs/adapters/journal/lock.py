"""Where a workbook's journal file lives, and the lock that gives a workbook to one job."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pyfuncs.adapters.journal.errors import JournalBusy


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
