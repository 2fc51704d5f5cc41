"""A recording fake of the subset of xlwings' object model the live adapter and the buttons
use (Book, Sheets, Sheet, Range, Table, Tables, App), because Excel itself does not run
here. tests/excel/test_contract.py proves every public name it offers exists on xlwings'
real classes, so it cannot drift from xlwings.

A FakeBook is loaded from a real workbook file, recalculated by LibreOffice so that formula
cells hold computed values as they do in Excel. Writes follow xlwings' rules (a 2-D list
fills from the top-left cell; a scalar fills the range) and Excel's (text starting with an
apostrophe is stored as text; a string starting with "=" becomes a Formula).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import python_calamine

from pyfuncs.adapters.xlsx_locate import Package


@dataclass(frozen=True)
class Formula:
    """What Excel would do with a string starting with '=': a formula, not text."""

    text: str


class FakeApp:
    def __init__(self, answers: list[str] | None = None) -> None:
        self.alerts: list[dict] = []
        self.answers = list(answers or [])
        self.status_history: list[object] = []
        self._status: object = False

    @property
    def status_bar(self) -> object:
        return self._status

    @status_bar.setter
    def status_bar(self, value: object) -> None:
        self._status = value
        self.status_history.append(value)

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        self.alerts.append({"prompt": prompt, "title": title, "buttons": buttons,
                            "mode": mode})
        if buttons == "ok":
            return "ok"
        return self.answers.pop(0) if self.answers else "yes"


class _Rows:
    def __init__(self, count: int) -> None:
        self.count = count


class FakeRange:
    def __init__(self, sheet: FakeSheet, r1: int, c1: int, r2: int, c2: int,
                 ndim: int | None = None) -> None:
        self.sheet, self.r1, self.c1, self.r2, self.c2 = sheet, r1, c1, r2, c2
        self._ndim = ndim
        self.number_format = None

    # -- geometry
    @property
    def row(self) -> int:
        return self.r1

    @property
    def column(self) -> int:
        return self.c1

    @property
    def last_cell(self) -> FakeRange:
        return FakeRange(self.sheet, self.r2, self.c2, self.r2, self.c2)

    @property
    def rows(self) -> _Rows:
        return _Rows(self.r2 - self.r1 + 1)

    @property
    def count(self) -> int:
        return (self.r2 - self.r1 + 1) * (self.c2 - self.c1 + 1)

    def options(self, ndim: int | None = None, **_: object) -> FakeRange:
        return FakeRange(self.sheet, self.r1, self.c1, self.r2, self.c2, ndim)

    # -- values
    @property
    def value(self) -> object:
        cells = self.sheet.cells
        grid = [[cells.get((r, c)) for c in range(self.c1, self.c2 + 1)]
                for r in range(self.r1, self.r2 + 1)]
        if self._ndim == 2:
            return grid
        if len(grid) == 1 and len(grid[0]) == 1:
            return grid[0][0]
        if len(grid) == 1:
            return grid[0]
        if len(grid[0]) == 1:
            return [row[0] for row in grid]
        return grid

    @value.setter
    def value(self, data: object) -> None:
        self.sheet.book.writes.append((self.sheet.name, self.r1, self.c1, data))
        if isinstance(data, (list, tuple)) and data and isinstance(data[0], (list, tuple)):
            for i, row in enumerate(data):
                for j, v in enumerate(row):
                    self.sheet.put(self.r1 + i, self.c1 + j, v)
        elif isinstance(data, (list, tuple)):
            for j, v in enumerate(data):
                self.sheet.put(self.r1, self.c1 + j, v)
        else:
            for r in range(self.r1, self.r2 + 1):
                for c in range(self.c1, self.c2 + 1):
                    self.sheet.put(r, c, data)


def _cell_ref(ref: str) -> tuple[int, int]:
    letters = "".join(ch for ch in ref if ch.isalpha())
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return int(ref[len(letters):]), col


class FakeTable:
    def __init__(self, sheet: FakeSheet, name: str, r1: int, c1: int, r2: int, c2: int):
        self.parent, self.name = sheet, name
        self._ref = (r1, c1, r2, c2)
        self.show_headers, self.show_totals = True, False

    @property
    def range(self) -> FakeRange:
        return FakeRange(self.parent, *self._ref)

    @property
    def header_row_range(self) -> FakeRange:
        r1, c1, _, c2 = self._ref
        return FakeRange(self.parent, r1, c1, r1, c2)

    @property
    def data_body_range(self) -> FakeRange | None:
        r1, c1, r2, c2 = self._ref
        return None if r2 <= r1 else FakeRange(self.parent, r1 + 1, c1, r2, c2)

    def resize(self, rng: FakeRange) -> None:
        self.parent.book.resizes.append((self.name, rng.r2))
        self._ref = (rng.r1, rng.c1, rng.r2, rng.c2)


class FakeSheet:
    def __init__(self, book: FakeBook, name: str) -> None:
        self.book, self.name = book, name
        self.cells: dict[tuple[int, int], object] = {}
        self.tables: list[FakeTable] = []

    def put(self, r: int, c: int, value: object) -> None:
        if isinstance(value, str) and value.startswith("'"):
            value = value[1:]  # Excel's text prefix: stored as text
        elif isinstance(value, str) and value.startswith("="):
            value = Formula(value)
        if value is None or value == "":
            self.cells.pop((r, c), None)
        else:
            self.cells[(r, c)] = value

    def range(self, cell1, cell2=None) -> FakeRange:
        r1, c1 = _cell_ref(cell1) if isinstance(cell1, str) else cell1
        r2, c2 = (r1, c1) if cell2 is None else (
            _cell_ref(cell2) if isinstance(cell2, str) else cell2)
        return FakeRange(self, r1, c1, r2, c2)

    @property
    def used_range(self) -> FakeRange:
        rows = [r for r, _ in self.cells] or [1]
        cols = [c for _, c in self.cells] or [1]
        for t in self.tables:
            rows.append(t._ref[2])
            cols.append(t._ref[3])
        return FakeRange(self, 1, 1, max(rows), max(cols))

    def clear_contents(self) -> None:
        self.cells.clear()


class FakeSheets:
    def __init__(self, book: FakeBook) -> None:
        self.book = book
        self._sheets: list[FakeSheet] = []

    def __iter__(self):
        return iter(list(self._sheets))

    def __getitem__(self, key: int | str) -> FakeSheet:
        if isinstance(key, int):
            return self._sheets[key]
        for sheet in self._sheets:
            if sheet.name == key:
                return sheet
        raise KeyError(key)

    def add(self, name=None, before=None, after=None) -> FakeSheet:
        sheet = FakeSheet(self.book, name or f"Feuil{len(self._sheets) + 1}")
        index = self._sheets.index(before) if before is not None else len(self._sheets)
        self._sheets.insert(index, sheet)
        return sheet


class FakeBook:
    def __init__(self, fullname: Path, app: FakeApp | None = None) -> None:
        self.fullname = str(fullname)
        self.app = app or FakeApp()
        self.sheets = FakeSheets(self)
        self.saves = 0
        self.writes: list[tuple] = []
        self.resizes: list[tuple] = []

    def save(self, path=None, password=None) -> None:
        self.saves += 1

    @classmethod
    def from_file(cls, path: Path, fullname: Path | None = None,
                  app: FakeApp | None = None) -> FakeBook:
        """The book as Excel would hold it after opening ``path`` (computed values)."""
        book = cls(fullname or path, app)
        pkg = Package(path)
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
        for name in pkg.sheets:
            sheet = book.sheets.add(name)
            grid = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            for r, row in enumerate(grid, 1):
                for c, v in enumerate(row, 1):
                    if v == "" or v is None:
                        continue
                    if isinstance(v, date) and not isinstance(v, datetime):
                        v = datetime(v.year, v.month, v.day)  # what xlwings returns
                    sheet.cells[(r, c)] = v
        for table_name, loc in pkg.tables.items():
            sheet = book.sheets[loc.sheet]
            if any(t.name.casefold() == table_name for t in sheet.tables):
                continue
            real = next(n for n in _table_names(path) if n.casefold() == table_name)
            sheet.tables.append(FakeTable(sheet, real, loc.header + 1, loc.c1 + 1,
                                          loc.last + 1, loc.c2 + 1))
        return book


def _table_names(path: Path) -> list[str]:
    import re
    import zipfile
    with zipfile.ZipFile(path) as z:
        return [re.search(r'<table\b[^>]*\bname="([^"]+)"', z.read(n).decode())[1]
                for n in z.namelist() if n.startswith("xl/tables/table")]
