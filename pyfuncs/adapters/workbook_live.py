"""The workbook open in Excel, through xlwings: the same protocol as workbook_file.py.

Reading: one bulk read per sheet (its cells from A1 to the last used cell), then the file
reader's own code locates the Tables' columns by header, types every cell and reports bad
ones as the same findings, so a button and the command line see the same data.

Writing: one write per output sheet, per block of input columns appended to a Table, and
per run of consecutive cells changed in a column; never a cell at a time. Text that
starts like a formula is written with Excel's text prefix (') so it stays text. A commit
saves the book when a Table changed (issued numbers must not live only in memory);
output sheets alone are left for the user to save.

Only the subset of the xlwings object model listed in USED is touched, so that the tests'
fake of it (tests/excel) can be proved against xlwings' real classes.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from pyfuncs.adapters import xlsx_read as R
from pyfuncs.adapters.journal import workbook_lock
from pyfuncs.adapters.xlsx_locate import Loc
from pyfuncs.adapters.xlsx_styles import KIND_FORMATS
from pyfuncs.adapters.xlsx_write import FIRST_DATA_ROW
from pyfuncs.adapters.xlsx_xml import Styled
from pyfuncs.domain import schema as S

# The xlwings attributes this adapter uses, by class (checked by tests/excel).
USED = {
    "Book": ("sheets", "fullname", "app", "save"),
    "Sheets": ("add", "__getitem__", "__iter__"),
    "Sheet": ("name", "tables", "range", "used_range", "clear_contents"),
    "Range": ("value", "row", "column", "last_cell", "number_format", "options", "rows",
              "count"),
    "Table": ("name", "range", "header_row_range", "data_body_range", "show_totals",
              "show_headers", "resize"),
    "Tables": ("__iter__",),
    "App": ("status_bar", "alert"),
}
FORMULA_START = ("=", "+", "-", "@")


def cell_value(value: object) -> object:
    """A Python value as xlwings should write it: never a formula, never a Decimal."""
    if isinstance(value, Styled):
        value = value.value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value  # Excel's text prefix: shown as typed, never evaluated
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    return value


def _as_read(value: object) -> object:
    """xlwings' values as the file reader's engine (calamine) gives them."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    return value


class _LivePackage:
    """Sheet names and Tables, as the file reader's Package (adapters/xlsx_locate.py) gives them."""

    def __init__(self, book) -> None:
        self.sheets: list[str] = []
        self.tables: dict[str, Loc] = {}
        self.full_calc = self.date1904 = False
        for sheet in book.sheets:
            self.sheets.append(sheet.name)
            for table in sheet.tables:
                rng = table.range
                r1, c1 = rng.row - 1, rng.column - 1
                last = rng.last_cell
                headers = bool(table.show_headers)
                names = [str(v or "") for v in _row(table.header_row_range.value)] \
                    if headers else []
                loc = Loc(sheet.name, r1 if headers else None, r1 + (1 if headers else 0),
                             last.row - 1 - (1 if table.show_totals else 0), c1,
                             last.column - 1, names)
                self.tables.setdefault(table.name.casefold(), loc)


def _row(value: object) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


class _LiveReader(R._Reader):
    def __init__(self, path: Path, pkg: _LivePackage, book) -> None:
        super().__init__(path, pkg)  # type: ignore[arg-type]
        self.xlbook = book
        # the cells are Excel's, not the file's: never the fastexcel path over the file on
        # disk, which may be older than the book (unsaved edits) or not exist (a new book)
        self.fast = False

    def grid(self, sheet: str) -> list[list]:
        if sheet not in self.grids:
            ws = self.xlbook.sheets[sheet]
            last = ws.used_range.last_cell
            values = ws.range((1, 1), (last.row, last.column)).options(ndim=2).value
            self.grids[sheet] = [[_as_read(v) for v in row] for row in values or []]
        return self.grids[sheet]


class LiveWorkbook:
    """A book open in Excel (xlwings.Book): what a button gives the jobs."""

    def __init__(self, book) -> None:
        self.book = book
        self.path = Path(book.fullname)

    def read(self, tables: list[str] | None = None) -> R.WorkbookData:
        reader = _LiveReader(self.path, _LivePackage(self.book), self.book)
        return R._read(reader, tables)

    def writer(self, read: object = None) -> LiveWriter:
        return LiveWriter(self.book)  # Excel computes its formulas itself

    def sheet_values(self, name: str) -> list[list] | None:
        if name not in [s.name for s in self.book.sheets]:
            return None
        return _LiveReader(self.path, None, self.book).grid(name)  # type: ignore[arg-type]

    def lock(self):
        """The file lock when the book has been saved (a command on the same file waits),
        none for a new unsaved book."""
        return workbook_lock(self.path) if self.path.parent != Path(".") and \
            self.path.parent.exists() else nullcontext()


class LiveWriter:
    """Queues nothing: Excel is the document; each call writes through in bulk."""

    def __init__(self, book) -> None:
        self.book = book
        self.tables_changed = False

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def _table(self, name: str):
        for sheet in self.book.sheets:
            for table in sheet.tables:
                if table.name.casefold() == name.casefold():
                    return sheet, table
        raise ValueError(f"no table named {name}")

    # ------------------------------------------------------------------ output sheets
    def replace_sheet(self, sheet_name: str, *, title: str,
                      columns: list[tuple[str, str, float]], rows: Iterable[Sequence[object]],
                      links: dict[int, tuple[int, str]] | None = None,
                      before: str | None = None, protect: bool = False,
                      total_row: int | None = None, one_page: bool = False) -> None:
        names = self.sheet_names()
        if sheet_name in names:
            ws = self.book.sheets[sheet_name]
            ws.clear_contents()
        else:
            anchor = self.book.sheets[before] if before in names else None
            ws = self.book.sheets.add(sheet_name, before=anchor)
        ws.range("A1").value = title
        ws.range("A3").value = [[label for label, _, _ in columns]]
        data = []
        for i, values in enumerate(rows):
            row = [cell_value(v) for v in values]
            link = (links or {}).get(i)
            if link is not None:
                col, target = link
                shown = str(row[col] if col < len(row) and row[col] is not None else target)
                row[col] = '=HYPERLINK("#{}","{}")'.format(target.replace('"', '""'),
                                                          shown.lstrip("'").replace('"', '""'))
            data.append(row)
        if data:
            width = max(len(columns), *(len(r) for r in data))
            data = [r + [None] * (width - len(r)) for r in data]
            ws.range((FIRST_DATA_ROW, 1)).value = data
            for j, (_, kind, _) in enumerate(columns):
                if kind in KIND_FORMATS:
                    ws.range((FIRST_DATA_ROW, j + 1),
                             (FIRST_DATA_ROW + len(data) - 1, j + 1)).number_format = \
                        KIND_FORMATS[kind]

    # ------------------------------------------------------------------ Tables
    def _shape(self, table_name: str):
        sheet, table = self._table(table_name)
        header = [str(v or "") for v in _row(table.header_row_range.value)]
        tbl = S.table(table_name)
        lookup = S.header_lookup(tbl)
        calculated = set()
        for j, label in enumerate(header):
            key = lookup.get(S.fold(label))
            if key is not None and tbl.column(key).computed:
                calculated.add(j)
        return sheet, table, header, calculated

    def append_rows(self, table_name: str, rows: list[dict[str, object]]) -> None:
        if not rows:
            return
        sheet, table, header, calculated = self._shape(table_name)
        folded = {" ".join(h.casefold().split()): j for j, h in enumerate(header)}
        body = table.data_body_range
        rng = table.range
        r1, c1 = rng.row, rng.column
        count = 0 if body is None else body.rows.count
        if count == 1 and all(v in (None, "") for j, v in enumerate(_row(body.value))
                              if j not in calculated):
            count = 0  # the empty row a new table keeps: fill it
        start = r1 + 1 + count
        new_last = start + len(rows) - 1
        if new_last > rng.last_cell.row:
            table.resize(sheet.range((r1, c1), (new_last, rng.last_cell.column)))
        grid: list[list[object]] = [[None] * len(header) for _ in rows]
        for k, row in enumerate(rows):
            for label, value in row.items():
                j = folded.get(" ".join(label.casefold().split()))
                if j is None:
                    raise ValueError(f"table {table_name} has no column {label!r}")
                if j in calculated:
                    raise ValueError(f"{table_name}[{label}] is a calculated column")
                grid[k][j] = cell_value(value)
        for a, b in _runs([j for j in range(len(header)) if j not in calculated]):
            block = [r[a:b + 1] for r in grid]
            sheet.range((start, c1 + a), (new_last, c1 + b)).value = block
        self.tables_changed = True

    def set_cells(self, table_name: str, updates: Sequence[tuple[int, str, object]]) -> None:
        if not updates:
            return
        sheet, table, header, calculated = self._shape(table_name)
        folded = {" ".join(h.casefold().split()): j for j, h in enumerate(header)}
        c1 = table.range.column
        by_col: dict[int, dict[int, object]] = defaultdict(dict)
        for number, label, value in updates:
            j = folded.get(" ".join(label.casefold().split()))
            if j is None or j in calculated:
                raise ValueError(f"{table_name}[{label}] is not an input column")
            by_col[j][number] = cell_value(value)
        for j, cells in by_col.items():
            for a, b in _runs(sorted(cells)):
                sheet.range((a, c1 + j), (b, c1 + j)).value = [[cells[r]] for r in
                                                              range(a, b + 1)]
        self.tables_changed = True

    def commit(self, *, backup: bool = True) -> Path:
        if self.tables_changed:
            self.book.save()
        return Path(self.book.fullname)


def _runs(numbers: list[int]) -> Iterator[tuple[int, int]]:
    """[1, 2, 3, 7, 8] -> (1, 3), (7, 8): consecutive runs, each written in one call."""
    start: int | None = None
    prev = 0  # read only once a run has started
    for n in numbers:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            yield start, prev
            start = prev = n
    if start is not None:
        yield start, prev


# The steps the jobs report (their progress callback), as the buttons' French shows them.
STEP_LABELS = {
    "read": "lecture du classeur", "compute": "calcul des formules",
    "check": "contrôles", "age": "balance âgée", "write": "écriture",
    "plan": "préparation", "number": "numérotation", "render": "mise en page",
    "pdf": "PDF", "send": "envoi", "parse": "lecture des relevés",
    "match": "rapprochement", "pull": "statuts de la plateforme",
}


@contextmanager
def status_bar(app, prefix: str = "Facturier") -> Iterator:
    """Excel's status bar shows the step of a long run, in the buttons' French; restored
    after."""
    def step(name: str) -> None:
        app.status_bar = f"{prefix} : {STEP_LABELS.get(name, name)}…"
    try:
        yield step
    finally:
        app.status_bar = False
