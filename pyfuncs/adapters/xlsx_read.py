"""Fast read of a workbook file (.xlsx/.xlsm) into typed columns and findings.

Python parses only the small package parts that say where the Excel Tables are
(workbook.xml, the rels, xl/tables/*.xml). Each Excel Table is then loaded by fastexcel
(Rust, to Arrow columns, in two worker threads that parse the next tables while Python
types the current one) when every column holds one type of cell; a table with a column
mixing types, a range that is not a Table, or the settings go through python-calamine's
sheet grid (the same Rust parser, a Python object per cell). Either way each column is
then converted to typed values (adapters/cells.py), with the same values and findings. Columns are found
by their header label, French or English, so reordered and user-added columns work; a
table whose ListObject was converted to a plain range is found by its sheet's name, with
its header on row 1.

A bad cell is a Finding and skips its row, never the sheet; only an unusable file (missing,
not a workbook, a table or a required column missing) raises WorkbookError.
"""
from __future__ import annotations

import gc
import posixpath
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import compress, repeat
from operator import is_, is_not
from pathlib import Path
from typing import Literal, cast
from xml.etree import ElementTree as ET

import python_calamine

from pyfuncs.adapters import cells as C
from pyfuncs.adapters.cells import BAD, CellProblem, col_index, col_letter, show
from pyfuncs.adapters.xlsx_arrow import Coded, TablePrefetch
from pyfuncs.adapters.xlsx_errors import SheetScan, error_cells, error_issue, null_like_shared
from pyfuncs.adapters.xlsx_grid_fallback import grid as fallback_grid
from pyfuncs.adapters.xlsx_uncached import FORMULA, uncached_issue, unread_cells
from pyfuncs.domain import schema as S
from pyfuncs.domain.findings import ERROR, INFO, WARNING, Finding

# Tables added after the first workbooks were made: reading a whole workbook without them
# still works (their features are then idle); a job that names one still needs it.
OPTIONAL_TABLES = frozenset({"Echeancier", "Contrats", "LignesContrat", "Indices"})


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


# --------------------------------------------------------------------------- the package
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(el: ET.Element, name: str) -> str | None:
    """Attribute by local name, whatever its namespace (transitional or strict OOXML)."""
    for key, value in el.attrib.items():
        if _local(key) == name:
            return value
    return None


@dataclass
class _Loc:
    """Where a table stands: sheet, 0-based header row and column span, last data row."""

    sheet: str
    header: int | None   # None: the table has no header row (labels from the table part)
    first: int           # first data row
    last: int | None     # last data row; None: to the end of the sheet
    c1: int
    c2: int
    names: list[str] = field(default_factory=list)
    table: str | None = None  # the Excel Table's name, when it is one


class _Package:
    """Sheet names, date system, recalculation flag and Tables, read from the zip."""

    def __init__(self, path: Path) -> None:
        self.sheets: list[str] = []
        self.parts: dict[str, str] = {}      # sheet name -> its part in the zip
        self.tables: dict[str, _Loc] = {}    # casefolded table name -> location
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())

            def xml(part: str) -> ET.Element | None:
                return ET.fromstring(z.read(part)) if part in names else None

            def rels(part: str) -> dict[str, tuple[str, str]]:
                folder, base = posixpath.split(part)
                root = xml(posixpath.join(folder, "_rels", base + ".rels"))
                out = {}
                for rel in root if root is not None else ():
                    target = rel.get("Target", "")
                    target = target.lstrip("/") if target.startswith("/") else \
                        posixpath.normpath(posixpath.join(folder, target))
                    out[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], target)
                return out

            main = next((t for kind, t in rels("").values() if kind == "officeDocument"),
                        "xl/workbook.xml")
            book = xml(main)
            if book is None:
                raise ValueError("no workbook part")
            sheet_rels = rels(main)
            self.date1904 = self.full_calc = False
            for el in book.iter():
                tag = _local(el.tag)
                if tag == "workbookPr":
                    self.date1904 = el.get("date1904", "0") in ("1", "true")
                elif tag == "calcPr":
                    # XlsxWriter (and other writers) store 0 for every formula and ask
                    # for a full recalculation on load: those "cached values" mean nothing.
                    self.full_calc = el.get("fullCalcOnLoad", "0") in ("1", "true")
                elif tag == "sheet":
                    name = el.get("name", "")
                    self.sheets.append(name)
                    part = sheet_rels.get(_attr(el, "id") or "", ("", ""))[1]
                    if part in names:
                        self.parts[name] = part
                    for kind, target in rels(part).values() if part else ():
                        if kind == "table" and target in names:
                            self._table(xml(target), name)  # type: ignore[arg-type]

    def _table(self, root: ET.Element, sheet: str) -> None:
        first, _, last = root.get("ref", "").partition(":")
        if not first:
            return
        try:
            r1, c1 = xl_cell_to_rowcol(first)
            r2, c2 = xl_cell_to_rowcol(last or first)
        except ValueError:
            return  # a damaged ref: the table is not located (a clear error if needed)
        headers = int(root.get("headerRowCount", "1"))
        totals = int(root.get("totalsRowCount", "0"))
        names = [el.get("name", "") for el in root.iter() if _local(el.tag) == "tableColumn"]
        loc = _Loc(sheet, r1 if headers else None, r1 + (1 if headers else 0), r2 - totals,
                   c1, c2, names, root.get("displayName") or root.get("name"))
        for name in (root.get("name"), root.get("displayName")):
            if name:
                self.tables.setdefault(name.casefold(), loc)


def _range_on_row1(grid: list[list], tbl: S.Table, sheet: str) -> _Loc | None:
    """A table converted to a range: the run of headers on row 1 that matches it best."""
    lookup = S.header_lookup(tbl)
    header = grid[0] if grid else []
    best, best_score, start = None, 0, None
    for c in range(len(header) + 1):
        filled = c < len(header) and header[c] != ""
        if filled and start is None:
            start = c
        if not filled and start is not None:
            score = sum(S.fold(str(v)) in lookup for v in header[start:c])
            if score > best_score:
                best, best_score = (start, c - 1), score
            start = None
    return _Loc(sheet, 0, 1, None, *best) if best else None


# --------------------------------------------------------------------------- one table
def _ref_keys(tbl: S.Table) -> tuple[str, ...]:
    """The columns naming a row in findings: its key, else the document it belongs to."""
    return tbl.key or tuple(c.key for c in tbl.columns if c.ref)[:1]


@dataclass
class _Parsed:
    """A table's candidate rows (non-blank), converted; ``drop`` holds rows to skip."""

    tbl: S.Table
    sheet: str
    labels: dict[str, str]
    letters: dict[str, str]
    extra: list[str]
    rows: list[int]
    cols: dict[str, list]
    raw: dict[str, list]
    cached: dict[str, list]
    drop: set[int] = field(default_factory=set)
    why: dict[int, tuple[str, str]] = field(default_factory=dict)  # row -> first bad cell

    def ref(self, i: int) -> str:
        """The row's key (or the document it belongs to), for the finding's ref."""
        parts = []
        for k in _ref_keys(self.tbl):
            v = self.cols[k][i]
            parts.append("" if v is None else str(self.raw[k][i]).strip() if v is BAD else str(v))
        return " / ".join(p for p in parts if p)


_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def xl_cell_to_rowcol(cell: str) -> tuple[int, int]:
    """'B3' or '$B$3' -> (2, 1), 0-based (row, column)."""
    m = _CELL_REF.fullmatch(cell.strip())
    if m is None:
        raise ValueError(f"not a cell reference: {cell!r}")
    return int(m[2]) - 1, col_index(m[1])


SETTINGS_TABLE = "Parametres"
TYPED_PART_LIMIT = 1 << 20  # a settings sheet bigger than 1 MB is read from the grid


def _typed_rows(xml: bytes, loc: _Loc, texts: list[list]) -> list[list] | None:
    """A Table's rows (from column A, '' where empty) as python-calamine's grid gives them,
    rebuilt from the sheet part's cells (their type, and a number's or a boolean's value)
    and ``texts``, fastexcel's text of each cell of the table, column by column (the text
    of a shared or inline string, which the part does not hold). None for a cell this does
    not rebuild (an error cell, a date: calamine types those by their number format), and
    whenever a cell's text and its rebuilt value disagree: the caller reads the grid."""
    first, last = loc.first, loc.last
    if last is None or len(texts) != loc.c2 - loc.c1 + 1 or \
            any(len(column) != last - first + 1 for column in texts):
        return None
    rows: list[list[object]] = [[""] * (loc.c2 + 1) for _ in range(last - first + 1)]
    seen = 0
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return None  # the grid's reader says what is wrong
    for el in root.iter():
        if _local(el.tag) != "c":
            continue
        try:
            r, c = xl_cell_to_rowcol(el.get("r") or "")
        except ValueError:
            return None  # a cell placed by its order alone, or oddly: the grid knows
        if not (first <= r <= last and loc.c1 <= c <= loc.c2):
            continue
        text = texts[c - loc.c1][r - first]
        kind = el.get("t", "n")
        v = next((x.text for x in el if _local(x.tag) == "v"), None)
        if kind in ("s", "str", "inlineStr"):
            if text is None:  # an empty text: '' in the grid too
                continue
            value: object = text
        elif kind == "b":
            if v not in ("0", "1") or text != ("true" if v == "1" else "false"):
                return None
            value = v == "1"
        elif kind == "n":
            if v is None or v == "":
                if text is not None:
                    return None
                continue
            try:
                value = float(v)
                if float(text) != value:
                    return None
            except (TypeError, ValueError):  # a date or a duration, typed by its format
                return None
        else:  # an error (#N/A...) or an ISO date cell: as the grid gives them
            return None
        rows[r - first][c] = value
        seen += 1
    if seen != sum(t is not None for column in texts for t in column):
        return None  # a text with no cell to type it
    return rows


def _label(value: object) -> str:
    return value if isinstance(value, str) else show(value, "en")


def _text_positions(tbl: S.Table, names: list[str]) -> set[int]:
    """Positions, among a Table's column names, of the plain text columns the reader
    strips (TEXT and ID, not calculated): the columns ``_Reader.parse`` maps them to
    (the first column of each label)."""
    lookup, seen, out = S.header_lookup(tbl), set(), set()
    for j, label in enumerate(names):
        key = lookup.get(S.fold(label))
        if key is None or key in seen:
            continue
        seen.add(key)
        col = tbl.column(key)
        if col.type in (S.TEXT, S.ID) and not col.computed:
            out.add(j)
    return out


def _has_none(values: Sequence[object]) -> bool:
    """``None in values`` without ==, which costs an isinstance per Decimal."""
    return any(map(is_, values, repeat(None)))


def _folded(values: list) -> list:
    """Keys compare case-insensitively, as SUMIFS and Excel's lookups do."""
    try:
        return list(map(str.casefold, values))
    except TypeError:
        return [v.casefold() if v.__class__ is str else v for v in values]


class _Reader:
    """One read: the calamine grids (freed as soon as their tables are typed), the
    workbook's language and the findings so far."""

    def __init__(self, path: Path, pkg: _Package):
        self.path, self.pkg = path, pkg
        # calamine parses the whole shared-string table on open, holding the GIL: opened
        # only when a sheet grid is needed (settings, a sheet without an Excel Table, a
        # table mixing types), not before the fastexcel workers have started
        self.book: python_calamine.CalamineWorkbook | None = None
        self.grids: dict[str, list[list]] = {}
        self.errors: dict[str, SheetScan] = {}  # sheet -> its error cells
        self.shared_null_like: bool | None = None  # see null_like
        self.scan_of: dict[str, str] = {}  # sheet -> the table whose worker scans it
        # the fastexcel reader, opened on first use; False: none
        self.fast: TablePrefetch | Literal[False] | None = None
        self.findings: list[Finding] = []
        self.lang = "fr"

    def fail(self, where: str) -> WorkbookError:
        return WorkbookError(f"{self.path.name}: {where}")

    def prefetch(self, tables: Iterable[tuple[S.Table, _Loc]]) -> None:
        """Start loading these Excel Tables through fastexcel in worker threads, in the
        order they will be asked for (see ``xlsx_arrow.TablePrefetch``); their plain
        text columns are stripped there too."""
        names, text, after = [], {}, {}
        parts = getattr(self.pkg, "parts", {})
        for tbl, loc in tables:
            if loc.table is not None and loc.last is not None:
                names.append(loc.table)
                text[loc.table] = _text_positions(tbl, loc.names)
                part = parts.get(loc.sheet)
                if part and loc.sheet not in self.scan_of:  # its sheet scanned beside
                    self.scan_of[loc.sheet] = loc.table
                    after[loc.table] = partial(error_cells, self.path, part)
        if self.fast is not None or not names:  # (a live workbook's tables: no file)
            return
        try:
            self.fast = TablePrefetch(self.path, names, text, frozenset({SETTINGS_TABLE}),
                                      after)
        except ImportError:
            self.fast = False

    def table_columns(self, tbl: S.Table, loc: _Loc
                      ) -> tuple[list[list | Coded], dict[int, bool]] | None:
        """An Excel Table's cells column by column, through fastexcel (Arrow columns from the
        same Rust parser as calamine, with no Python object per cell until a column is
        asked for): two to three times faster than the sheet grid on big tables.

        Only when every column holds one type of cell (numbers, dates, text or booleans,
        blanks apart): a column mixing them, where a bad cell may hide, is read from the
        grid as before, so findings do not depend on the path. The values are those the
        grid gives: '' for a blank, dates at midnight as dates, numbers as floats; except
        the plain text columns at the positions returned (see ``_text_positions``), given
        stripped, None for a blank. None when the fast path does not apply (not a Table,
        fastexcel missing, the shape differs from the table's ref or from its column
        names): the caller reads the grid.
        """
        if loc.table is None or loc.last is None or self.fast is False:
            return None
        if self.fast is None:
            self.prefetch([(tbl, loc)])
            if self.fast is False:
                return None
        try:
            # (prefetch opened it; if it could not, the AttributeError is caught below)
            width, height, columns, stripped = cast(TablePrefetch, self.fast).frame(loc.table)
        except Exception:  # noqa: BLE001 - mixed column, odd table: the grid reads it
            return None
        except BaseException as exc:  # a Rust panic (a date beyond chrono's range)
            if type(exc).__name__ != "PanicException":
                raise
            return None
        if width != loc.c2 - loc.c1 + 1 or height != loc.last - loc.first + 1 or \
                len(loc.names) != width:
            return None
        return columns, stripped

    def typed_block(self, loc: _Loc) -> list[list] | None:
        """The settings' rows as the sheet grid has them, without opening the grid: the
        settings mix types in one column, so fastexcel refuses them; opening the grid
        (python-calamine) would parse the whole shared-string table again, holding the GIL
        (0.1 s at 100k invoices). The worker loaded their cells as texts instead, and the
        sheet's XML tells each cell's type (see ``_typed_rows``). None when the grid is
        needed after all."""
        texts = self.fast.texts.get(loc.table or "") if self.fast else None
        if texts is None or loc.last is None:  # (a live workbook: no file, no texts)
            return None
        part = self.pkg.parts.get(loc.sheet)
        if part is None:
            return None
        with zipfile.ZipFile(self.path) as z:
            if z.getinfo(part).file_size > TYPED_PART_LIMIT:
                return None
            xml = z.read(part)
        return _typed_rows(xml, loc, texts)

    def close(self) -> None:
        if self.fast:
            self.fast.close()
        if self.book is not None:
            self.book.close()

    def grid(self, sheet: str) -> list[list]:
        """The sheet's cells from A1 (skip_empty_area=False keeps row and column offsets)."""
        if sheet not in self.grids:
            if self.book is None:
                self.book = _calamine(self.path)
            try:
                self.grids[sheet] = self.book.get_sheet_by_name(sheet).to_python(
                    skip_empty_area=False)
            except python_calamine.CalamineError as exc:
                raise self.fail(f"sheet '{sheet}' cannot be read ({exc})") from None
            except BaseException as exc:  # a Rust panic: a number beyond any date
                if type(exc).__name__ != "PanicException":
                    raise
                self.grids[sheet] = fallback_grid(self.path, sheet)
        return self.grids[sheet]

    def locate(self, tbl: S.Table, sheet_names: dict[str, str]) -> _Loc:
        loc = self.pkg.tables.get(tbl.name.casefold())
        sheet = sheet_names.get(tbl.sheet)
        if loc is None and sheet is not None:
            loc = _range_on_row1(self.grid(sheet), tbl, sheet)
        if loc is None:
            sdef = S.SHEETS_BY_KEY[tbl.sheet]
            raise self.fail(f"table {tbl.name} not found (no Excel Table of that name, and no "
                            f"sheet '{sdef.fr}' or '{sdef.en}' with its headers on row 1)")
        return loc

    def headers(self, loc: _Loc) -> list[str]:
        if loc.header is None:
            return loc.names
        grid = self.grid(loc.sheet)
        row = grid[loc.header] if loc.header < len(grid) else []
        return [_label(row[c]) if c < len(row) else "" for c in range(loc.c1, loc.c2 + 1)]

    def block(self, loc: _Loc) -> list[list]:
        return self.grid(loc.sheet)[loc.first: None if loc.last is None else loc.last + 1]

    def language_setting(self, loc: _Loc) -> str | None:
        """The Paramètres 'language' value, when sheet names and headers do not tell."""
        lookup = S.header_lookup(S.table("Parametres"))
        where = {lookup.get(S.fold(h)): loc.c1 + j for j, h in enumerate(self.headers(loc))}
        if "key" in where and "value" in where:
            for row in self.block(loc):
                if len(row) > where["value"] and str(row[where["key"]]).strip() == "language":
                    return S.choice_lookup("lang").get(S.fold(str(row[where["value"]])))
        return None

    def parse(self, tbl: S.Table, loc: _Loc) -> _Parsed:
        """Columns by header, cells typed column by column, blank rows dropped, bad cells,
        empty required cells and duplicate keys reported."""
        lang, sheet = self.lang, loc.sheet
        lookup = S.header_lookup(tbl)
        where: dict[str, int] = {}
        labels: dict[str, str] = {}
        extra: list[str] = []
        got = self.table_columns(tbl, loc)
        if got is not None and self.null_like(loc):
            got = None  # a text fastexcel would type as a blank: the grid keeps it
        fast, stripped = got if got is not None else (None, {})
        none_free: set[str] = set()  # columns known to hold no None, with no scan
        # a Table's part names its columns as its header cells show them (Excel keeps
        # them equal): the fast path needs no grid at all
        typed = self.typed_block(loc) if fast is None and tbl.name == SETTINGS_TABLE else None
        heads = loc.names if fast is not None or typed is not None else self.headers(loc)
        for j, label in enumerate(heads):
            key = lookup.get(S.fold(label))
            if key is None or key in where:
                extra.append(label)
            else:
                where[key], labels[key] = loc.c1 + j, label
        if fast is not None:
            n, width = (len(fast[0]) if fast else 0), loc.c2 + 1

            def cells(c: int) -> list:
                got = fast[c - loc.c1]
                return got.decode() if isinstance(got, Coded) else got
        else:
            block = typed if typed is not None else self.block(loc)
            n, width = len(block), len(block[0]) if block else 0

            def cells(c: int) -> list:
                return [row[c] for row in block]
        kept = set(_ref_keys(tbl)) | ({"value"} if tbl.name == "Parametres" else set())
        raw: dict[str, list] = {}
        cols: dict[str, list] = {}
        issues: dict[str, dict[int, C.Issue]] = {}
        for col in tbl.columns:
            c = where.get(col.key)
            if c is None:
                labels[col.key] = label = col.label(lang)
                if col.required:
                    raise self.fail(f"sheet '{sheet}': column '{label}' not found "
                                    f"(table {tbl.name})")
                code, message, fix = C.missing_column_issue(label, tbl.name, lang)
                self.findings.append(Finding(code, WARNING, sheet, (loc.header or 0) + 1,
                                             label, "", message, fix))
            if c is None or c >= width or (col.computed and self.pkg.full_calc):
                if not col.computed:  # no cell to read: empty, like a column left blank
                    cols[col.key], issues[col.key] = [None] * n, {}
                continue
            if c - loc.c1 in stripped:  # plain text, stripped by the fastexcel worker
                cols[col.key], issues[col.key] = cells(c), {}
                if not stripped[c - loc.c1]:
                    none_free.add(col.key)
                if col.key in kept:
                    raw[col.key] = cols[col.key]
                continue
            coded = fast[c - loc.c1] if fast is not None else None
            if coded.__class__ is Coded and not col.computed and col.key not in kept:
                # few distinct values (fastexcel worker): each converted once
                cols[col.key], issues[col.key], has_none = C.convert_coded(
                    coded.values, coded.codes,
                    C.converter(col.type, lang, col.choices, self.pkg.date1904),
                    plain_text=col.type in (S.TEXT, S.ID))
                if not has_none:
                    none_free.add(col.key)
                continue
            if col.type in (S.TEXT, S.ID) and col.key not in kept:
                try:  # the common case in one pass: a column of text, stripped
                    cols[col.key] = [v.strip() or None for v in cells(c)]
                    issues[col.key] = {}
                    continue
                except AttributeError:  # a number or a date among the text: the general way
                    pass
            raw[col.key] = cells(c)
            if not col.computed:
                cols[col.key], issues[col.key] = C.convert_column(
                    raw[col.key], C.converter(col.type, lang, col.choices, self.pkg.date1904),
                    plain_text=col.type in (S.TEXT, S.ID))
        self.mark_errors(tbl, loc, where, cols, issues, none_free)
        # blank rows (every input cell empty) go first, silently; a column without an
        # empty cell (a required one, usually) proves that no row is blank
        idx = list(range(n))
        if all(k not in none_free and _has_none(v) for k, v in cols.items()):
            masks = [list(map(is_not, v, repeat(None))) for v in cols.values()]
            idx = list(compress(idx, map(any, zip(*masks)))) if masks else []
        if len(idx) < n:
            pos = {i: j for j, i in enumerate(idx)}
            cols = {k: [v[i] for i in idx] for k, v in cols.items()}
            raw = {k: [v[i] for i in idx] for k, v in raw.items() if k in kept or
                   tbl.column(k).computed}
            issues = {k: {pos[i]: issue for i, issue in d.items()} for k, d in issues.items()}
        cached = {col.key: C.cached_column(raw[col.key], col.type) if col.key in raw
                  else [None] * len(idx) for col in tbl.columns if col.computed}
        p = _Parsed(tbl, sheet, labels, {k: col_letter(c) for k, c in where.items()}, extra,
                    list(range(loc.first + 1, loc.first + 1 + n)) if len(idx) == n
                    else [loc.first + 1 + i for i in idx], cols,
                    {k: v for k, v in raw.items() if k in kept}, cached)
        for col in tbl.columns:
            for i, issue in sorted(issues.get(col.key, {}).items()):
                self.report(p, i, col.key, issue)
            values = p.cols.get(col.key, ())
            if col.required and col.key not in none_free and _has_none(values):
                issue = C.required_issue(p.labels[col.key], lang)
                blank = [i for i, v in enumerate(values) if v is None]
                formulas = self.uncached(p, col.key, blank)
                for i in blank:
                    self.report(p, i, col.key, formulas.get(i, issue))
        self.check_duplicates(p)
        return p

    def uncached(self, p: _Parsed, key: str, blank: list[int]) -> dict[int, C.Issue]:
        """The blank cells of a required column that hold a formula never computed: their
        own finding (xlsx_uncached.py)."""
        part = getattr(self.pkg, "parts", {}).get(p.sheet)  # (a live workbook: none)
        if part is None or key not in p.letters:
            return {}
        refs = {f"{p.letters[key]}{p.rows[i]}": i for i in blank}
        return {refs[ref]: uncached_issue(text, self.lang)
                for ref, (kind, text) in unread_cells(self.path, part, refs).items()
                if kind == FORMULA}

    def scan(self, sheet: str) -> SheetScan:
        """The sheet's error cells and inline texts, read once (see xlsx_errors.py)."""
        if sheet not in self.errors:
            table = self.scan_of.get(sheet)
            if self.fast and table is not None:  # its table was loaded: scanned with it
                done = self.fast.done.get(table)
                if done is not None:
                    self.errors[sheet] = done  # type: ignore[assignment]
                    return done  # type: ignore[return-value]
            part = getattr(self.pkg, "parts", {}).get(sheet)  # (a live workbook: none)
            self.errors[sheet] = error_cells(self.path, part) if part else SheetScan()
        return self.errors[sheet]

    def null_like(self, loc: _Loc) -> bool:
        """Whether a text fastexcel types as a blank or a NaN ("n/a", "nan") may stand in
        this table's sheet: in the shared strings or inline in the sheet."""
        if self.shared_null_like is None:
            self.shared_null_like = null_like_shared(self.path)
        return self.shared_null_like or self.scan(loc.sheet).null_like

    def mark_errors(self, tbl: S.Table, loc: _Loc, where: dict[str, int],
                    cols: dict[str, list], issues: dict[str, dict[int, C.Issue]],
                    none_free: set[str]) -> None:
        """Error cells (#N/A...) of the table's input columns, and numbers beyond any date
        in its date columns: BAD with their own finding, where the cells' readers saw a
        blank (see adapters/xlsx_errors.py)."""
        found = self.scan(loc.sheet)
        if not found and not found.numbers:
            return
        by_col = {c: k for k, c in where.items() if k in cols}
        last = loc.first + len(next(iter(cols.values()), ())) - 1

        def blank(r: int, c: int) -> tuple[str, int] | None:
            key = by_col.get(c)
            if key is None or not loc.first <= r <= last:
                return None
            i = r - loc.first
            if cols[key][i] is not None and cols[key][i] is not BAD:
                return None  # a reader that did see a value: keep it
            return (key, i) if i not in issues.get(key, {}) else None

        def mark(key: str, i: int, issue: C.Issue) -> None:
            cols[key] = list(cols[key])
            cols[key][i] = BAD
            issues.setdefault(key, {})[i] = issue
            none_free.discard(key)

        for (r, c), text in found.items():
            at = blank(r, c)
            if at is not None:
                mark(*at, error_issue(text, self.lang))
        for (r, c), text in found.numbers.items():
            at = blank(r, c)
            if at is None or tbl.column(at[0]).type != S.DATE:
                continue
            try:
                C.converter(S.DATE, self.lang, None, self.pkg.date1904)(float(text))
            except CellProblem as exc:
                mark(*at, exc.issue)
            except ValueError:
                continue

    def report(self, p: _Parsed, i: int, key: str, issue: C.Issue) -> None:
        """An error on row i of p, which skips the row."""
        code, message, fix = issue
        row = p.rows[i]
        cell = f"{p.letters[key]}{row}" if key in p.letters else ""
        self.findings.append(Finding(code, ERROR, p.sheet, row, p.labels[key], p.ref(i),
                                     message + C.row_skipped(self.lang), fix, cell))
        p.drop.add(i)
        p.why.setdefault(i, (p.labels[key], cell))

    def check_duplicates(self, p: _Parsed) -> None:
        """A key seen again (case-insensitive, as SUMIFS and lookups compare) is reported
        on its second occurrence, which is skipped, even when the first is skipped for
        another reason: every problem of a row is reported at once."""
        sets = [p.tbl.key] if p.tbl.key else []
        sets += [(c.key,) for c in p.tbl.columns if c.unique and (c.key,) != p.tbl.key]
        for keys in sets:
            norm = [_folded(p.cols[k]) for k in keys]
            flat = norm[0] if len(keys) == 1 else list(zip(*norm))
            distinct = set(flat)
            if len(keys) == 1 and (None in distinct or BAD in distinct):
                missing = sum(map(is_, flat, repeat(None))) + sum(map(is_, flat, repeat(BAD)))
                if len(distinct) - (None in distinct) - (BAD in distinct) == len(flat) - missing:
                    continue
            elif len(distinct) == len(flat):
                continue  # the usual case, decided in C
            seen: dict[object, int] = {}
            for i, key in enumerate(flat):
                if any(v is None or v is BAD for v in (key if len(keys) > 1 else (key,))):
                    continue
                if key in seen:
                    shown = " / ".join(str(p.cols[k][i]) for k in keys)
                    self.report(p, i, keys[0], C.duplicate_issue(shown, seen[key], self.lang))
                else:
                    seen[key] = p.rows[i]

    def check_refs(self, parsed: dict[str, _Parsed]) -> None:
        """Foreign keys, once every table is read, against every key the target holds,
        even on a row skipped for another reason: one mistake is not reported twice.
        A reference to a table that was not read is not checked. One unknown value is one
        finding, on its first row, telling how many rows name it (a deleted client code is
        one mistake, not one per document): every such row is still skipped."""
        groups: dict[tuple[str, object], list[tuple[_Parsed, int, str, C.Issue]]] = {}
        for p in parsed.values():
            for col in p.tbl.columns:
                target, _, tkey = (col.ref or "").partition(".")
                if target not in parsed:
                    continue
                tp = parsed[target]
                tkey = tkey or tp.tbl.key[0]
                valid = set(tp.cols[tkey])
                values = p.cols[col.key]
                unknown = set(values) - valid - {None, BAD}
                if not unknown:
                    continue
                folded = {str(k).casefold(): k for k in valid if k is not None and k is not BAD}
                for i, v in enumerate(values):
                    if v in unknown:
                        hint = folded.get(str(v).casefold())
                        groups.setdefault((target, _folded([v])[0]), []).append(
                            (p, i, col.key, C.unknown_ref_issue(
                                v, tp.labels[tkey], tp.sheet, hint, self.lang)))
        for rows in groups.values():
            p, i, key, (code, message, fix) = rows[0]
            if len(rows) > 1:
                message += C.also_named(
                    [f"{q.sheet} {q.rows[k]}" for q, k, _, _ in rows[1:]], self.lang)
            self.report(p, i, key, (code, message, fix))
            for q, k, key, _ in rows[1:]:
                q.drop.add(k)
                q.why.setdefault(k, (q.labels[key], f"{q.letters[key]}{q.rows[k]}"
                                     if key in q.letters else ""))

    def settings(self, p: _Parsed | None) -> dict[str, object]:
        """Paramètres rows -> {setting key: typed value}; blank -> the default."""
        values = {s.key: s.default for s in S.SETTINGS}
        if p is None:
            return values
        lang = self.lang
        rows: dict[str, int] = {}
        for i, key in enumerate(p.cols["key"]):
            if i not in p.drop and key is not None:
                rows.setdefault(key.casefold(), i)

        def note(severity: str, i: int | None, key: str, col: str, issue: C.Issue,
                 tail: str = "") -> None:
            row = None if i is None else p.rows[i]
            cell = f"{p.letters[col]}{row}" if row is not None and col in p.letters else ""
            self.findings.append(Finding(issue[0], severity, p.sheet, row, p.labels[col], key,
                                         issue[1] + tail, issue[2], cell))

        for s in S.SETTINGS:
            at = rows.pop(s.key.casefold(), None)
            raw = "" if at is None else p.raw["value"][at]
            if (raw.strip() if isinstance(raw, str) else raw) == "":
                if s.required:
                    note(WARNING, at, s.key, "value",
                         C.setting_issue("SETTING-MISSING", s.label(lang), lang))
                continue
            out, issues = C.convert_column([raw], C.converter(s.type, lang, s.choices,
                                                              self.pkg.date1904))
            if issues:
                note(ERROR, at, s.key, "value", issues[0], C.default_used(lang))
            else:
                values[s.key] = out[0]
        for i in rows.values():
            key = p.cols["key"][i]
            note(INFO, i, key, "key", C.setting_issue("SETTING-UNKNOWN", key, lang))
        return values


def _skipped(p: _Parsed) -> Skipped | None:
    """What could be read of the rows ``p`` skips (None when it skips none)."""
    if not p.drop:
        return None
    gone = sorted(p.drop)
    cols = {k: [None if v[i] is BAD else v[i] for i in gone] for k, v in p.cols.items()}
    return Skipped([p.rows[i] for i in gone], cols, [p.why.get(i, ("", "")) for i in gone])


# --------------------------------------------------------------------------- the workbook
def _not_a_workbook(path: Path, exc: BaseException) -> WorkbookError:
    hint = " (an old .xls: save it as .xlsx)" if path.suffix.lower() == ".xls" else ""
    return WorkbookError(f"{path.name}: not an Excel workbook (.xlsx or .xlsm){hint}: "
                         f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")


def _open(path: Path) -> _Package:
    """The package's structure (sheets, tables, their places). The cells are read later:
    by fastexcel for Excel Tables, by calamine (opened on first need) for the rest."""
    name = path.name
    if not path.exists():
        raise WorkbookError(f"{name}: file not found")
    if not path.is_file():
        raise WorkbookError(f"{name}: not a file")
    try:
        return _Package(path)
    except (zipfile.BadZipFile, ValueError, KeyError, ET.ParseError) as exc:
        raise _not_a_workbook(path, exc) from None
    except OSError as exc:
        raise WorkbookError(f"{name}: cannot be read ({exc.strerror or exc})") from None


def _calamine(path: Path) -> python_calamine.CalamineWorkbook:
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except (ValueError, python_calamine.CalamineError) as exc:
        raise _not_a_workbook(path, exc) from None
    except OSError as exc:
        raise WorkbookError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None


def _guess_lang(sheet_names: dict[str, str], headers: list[tuple[S.Table, list[str]]]) -> str | None:
    """The language whose labels the file uses; None when nothing tells them apart."""
    fr = en = 0
    for key, name in sheet_names.items():
        sdef = S.SHEETS_BY_KEY[key]
        fr += S.fold(name) == S.fold(sdef.fr) != S.fold(sdef.en)
        en += S.fold(name) == S.fold(sdef.en) != S.fold(sdef.fr)
    for tbl, labels in headers:
        folded = {S.fold(label) for label in labels}
        for col in tbl.columns:
            f, e = S.fold(col.fr), S.fold(col.en)
            fr += f != e and f in folded
            en += f != e and e in folded
    return "fr" if fr > en else "en" if en > fr else None


def read_workbook(path: Path | str, tables: Iterable[str] | None = None) -> WorkbookData:
    """Read the schema tables (all by default) from a workbook file; see the module doc."""
    path = Path(path)
    pkg = _open(path)
    st = path.stat()
    # Millions of row lists, none in a reference cycle: the cycle collector would walk
    # them again and again as they pile up (a fifth of the read on 100k invoices).
    collecting = gc.isenabled()
    gc.disable()
    reader = _Reader(path, pkg)
    try:
        data = _read(reader, tables)
    finally:
        reader.close()  # the writer replaces this file next: no handle may stay open
        if collecting:
            gc.enable()
    data.stamp = (st.st_size, st.st_mtime_ns)
    return data


def _read(reader: _Reader, tables: Iterable[str] | None) -> WorkbookData:
    """Locate every table, settle the language, type the tables one sheet at a time, then
    check references across tables and type the settings."""
    pkg = reader.pkg
    folded_sheets = {S.fold(n): n for n in pkg.sheets}
    sheet_names = {}
    for sdef in S.SHEETS:
        name = folded_sheets.get(S.fold(sdef.fr)) or folded_sheets.get(S.fold(sdef.en))
        if name is not None:
            sheet_names[sdef.key] = name
    wanted = [S.table(n) for n in (tables if tables is not None else S.TABLES_BY_NAME)]
    locs = {}
    for tbl in wanted:
        try:
            locs[tbl.name] = reader.locate(tbl, sheet_names)
        except WorkbookError:
            # A workbook made by an earlier version lacks the tables added since: reading
            # everything, such a table is an info finding, not an unusable file.
            if tables is not None or tbl.name not in OPTIONAL_TABLES:
                raise
            sdef = S.SHEETS_BY_KEY[tbl.sheet]
            reader.findings.append(Finding(
                "TABLE-MISSING", INFO, sdef.label(reader.lang), None, "", tbl.name,
                f"Le classeur n'a pas la table {tbl.name} (feuille « {sdef.fr} ») : ce qui en "
                "dépend est ignoré.",
                f"Créer un classeur neuf (facturier init) et y copier la feuille {sdef.fr}, "
                "ou l'ajouter à la main avec ses en-têtes."))
    settings_tbl = S.table("Parametres")
    if settings_tbl.name not in locs:  # settings always read when there: lang, defaults
        loc = pkg.tables.get(settings_tbl.name.casefold())
        if loc is not None:
            locs[settings_tbl.name] = loc
    for name, loc in locs.items():
        sheet_names[S.table(name).sheet] = loc.sheet
    # a Table's part names its columns: no sheet is loaded before its turn (memory)
    lang = _guess_lang(sheet_names, [(S.table(n), loc.names or reader.headers(loc))
                                     for n, loc in locs.items()])
    if lang is None and settings_tbl.name in locs:
        lang = reader.language_setting(locs[settings_tbl.name])
    reader.lang = lang or "fr"
    # the tables' cells parsed ahead, in worker threads
    reader.prefetch((S.table(name), loc) for name, loc in locs.items())
    left = Counter(loc.sheet for loc in locs.values())
    parsed = {}
    for name, loc in locs.items():
        parsed[name] = reader.parse(S.table(name), loc)
        left[loc.sheet] -= 1
        if not left[loc.sheet]:
            reader.grids.pop(loc.sheet, None)  # its cells are typed now: free the memory
    reader.check_refs(parsed)
    settings = reader.settings(parsed.get(settings_tbl.name))
    out = {}
    for name, p in parsed.items():
        keep = [i for i in range(len(p.rows)) if i not in p.drop] if p.drop else None

        def pick(values: list, keep: list[int] | None = keep) -> list:
            return values if keep is None else [values[i] for i in keep]

        out[name] = TableData(
            p.tbl, p.sheet, p.labels, p.letters, pick(p.rows),
            {k: pick(v) for k, v in p.cols.items()},
            {k: pick(v) for k, v in p.cached.items()}, p.extra, _skipped(p))
    return WorkbookData(reader.path, reader.lang, sheet_names, settings, out,
                        reader.findings)
