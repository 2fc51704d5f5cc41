"""The workbook as a file: what a job reads, writes and locks, behind one small protocol
that the live-Excel adapter (workbook_live.py) implements too, so the jobs do not know
which one they were given (ARCHITECTURE.md, "one core, three ways in").
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from pyfuncs.adapters.journal import workbook_lock
from pyfuncs.adapters.xlsx_read import WorkbookData, read_workbook
from pyfuncs.adapters.xlsx_write import WorkbookWriter


class Writer(Protocol):
    """What a job may change: output sheets, rows appended to a table, cells of a table."""

    def sheet_names(self) -> list[str]: ...

    def replace_sheet(self, sheet_name: str, *, title: str,
                      columns: list[tuple[str, str, float]], rows: Iterable[Sequence[object]],
                      links: dict[int, tuple[int, str]] | None = None,
                      before: str | None = None, protect: bool = False,
                      total_row: int | None = None, one_page: bool = False) -> None: ...

    def append_rows(self, table_name: str, rows: list[dict[str, object]]) -> None: ...

    def set_cells(self, table_name: str, updates: Sequence[tuple[int, str, object]]) -> None: ...

    def commit(self, *, backup: bool = True) -> object: ...


class WorkbookSource(Protocol):
    """A workbook a job works on: a file, or a book open in Excel."""

    path: Path  # where it lives: names the journal beside it and the messages

    def read(self, tables: list[str] | None = None) -> WorkbookData: ...

    def writer(self, read: WorkbookData | None = None) -> Writer:
        """A writer of this workbook; ``read``: what the job read of it (lets the file
        writer reuse it rather than read the file again)."""

    def lock(self) -> AbstractContextManager[None]: ...

    def sheet_values(self, name: str) -> list[list] | None:
        """A sheet's cells from A1 ("" when empty), or None when there is no such sheet:
        for output sheets a user may edit (a send yes/no column)."""


class FileWorkbook:
    """A .xlsx/.xlsm file: the fast reader, the surgical writer, a lock across processes."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def read(self, tables: list[str] | None = None) -> WorkbookData:
        return read_workbook(self.path, tables)

    def writer(self, read: WorkbookData | None = None) -> WorkbookWriter:
        writer = WorkbookWriter(self.path)
        if read is not None:
            writer.based_on(read)
        return writer

    def lock(self) -> AbstractContextManager[None]:
        return workbook_lock(self.path)

    def sheet_values(self, name: str) -> list[list] | None:
        import python_calamine
        book = python_calamine.CalamineWorkbook.from_path(str(self.path))
        try:
            if name not in book.sheet_names:
                return None
            return book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        finally:
            book.close()  # the writer replaces this file next: no handle may stay open

    def __repr__(self) -> str:
        return f"FileWorkbook({str(self.path)!r})"


def as_source(book: WorkbookSource | Path | str) -> WorkbookSource:
    """A path becomes a FileWorkbook; an adapter is used as it is."""
    return FileWorkbook(book) if isinstance(book, (str, Path)) else book


