"""What a read of the workbook gives a job: each schema table's typed columns, the rows
skipped for a bad cell with what could be read of them, the settings and the findings.

The file reader (adapters/xlsx_read.py) and the live reader (adapters/workbook_live.py)
both give these; the jobs know nothing else of the file.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pyfuncs.domain import schema as S
from pyfuncs.domain.findings import Finding


class WorkbookError(Exception):
    """The file cannot be used at all; the message is one line naming file, sheet, column."""


@dataclass
class Skipped:
    """The rows of a table the reader skipped for a bad cell: not a row that does not
    exist. What could be read of them still counts where it can only make a job more
    careful (a number taken, a quote already billed, a payment's invoice).

    Attributes:
      rows: their 1-based sheet rows.
      cols: input column key -> the values read, aligned with rows; a bad cell is None.
      bad: for each row, the first bad cell as (column label, cell reference).
    """

    rows: list[int]
    cols: dict[str, list]
    bad: list[tuple[str, str]]

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class TableData:
    """One schema table as read: typed input columns aligned with the kept sheet rows.

    Attributes:
      table: its schema.Table.
      sheet: the sheet's name in the file.
      labels: column key -> header label as found (the schema label when missing).
      col_letters: column key -> column letter in the sheet (absent when missing).
      rows: 1-based sheet row numbers of the rows kept.
      cols: input column key -> typed values aligned with rows (None when empty).
      cached: formula column key -> the value the file cached, Decimal/int/None.
      extra_headers: labels of user-added columns inside the table (ignored).
      skipped: the rows skipped for a bad cell, with what could be read of them.
    """

    table: S.Table
    sheet: str
    labels: dict[str, str]
    col_letters: dict[str, str]
    rows: list[int]
    cols: dict[str, list]
    cached: dict[str, list]
    extra_headers: list[str] = field(default_factory=list)
    skipped: Skipped | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def records(self, computed: Mapping[str, list] | None = None) -> list:
        """Rows as schema.record_type namedtuples; formula columns from ``computed``
        (e.g. domain.computed's results) when given, else None: the cache may be stale."""
        rtype = S.record_type(self.table.name)
        none = [None] * len(self.rows)
        columns = [self.cols.get(k) or (computed or {}).get(k) or none for k in self.table.keys]
        return [rtype(r, *values) for r, values in zip(self.rows, zip(*columns))] \
            if columns else [rtype(r) for r in self.rows]

    def cell(self, key: str, row: int) -> str:
        letter = self.col_letters.get(key)
        return f"{letter}{row}" if letter else ""


@dataclass
class WorkbookData:
    """Everything a job needs from the file, plus what was wrong in it."""

    path: Path
    lang: str
    sheet_names: dict[str, str]
    settings: dict[str, object]
    tables: dict[str, TableData]
    findings: list[Finding]
    # (size, modification time in ns) of the file when it was read: a writer opened on
    # the same stamp knows these values are the file's (see TableEditor.commit)
    stamp: tuple[int, int] | None = None
