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

Beside it: workbook_data.py (what a read gives), xlsx_locate.py (where the Tables stand,
from the package's small parts), xlsx_parsed.py (a table's rows before they are kept, the
checks across rows and tables, the settings typed), xlsx_errors.py (error cells and numbers
beyond any date: as fastexcel reports them, else from the sheet's XML), xlsx_arrow.py
(fastexcel's workers).
"""
from __future__ import annotations

import gc
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import partial
from itertools import compress, repeat
from operator import is_, is_not
from pathlib import Path
from typing import Literal, cast

import python_calamine

from pyfuncs.adapters import cells as C
from pyfuncs.adapters.cells import col_letter, show
from pyfuncs.adapters.workbook_data import TableData, WorkbookData, WorkbookError
from pyfuncs.adapters.xlsx_arrow import Coded, TablePrefetch
from pyfuncs.adapters.xlsx_errors import SheetScan, error_cells, mark_errors, null_like_shared
from pyfuncs.adapters.xlsx_grid_fallback import grid as fallback_grid
from pyfuncs.adapters.xlsx_locate import (
    Loc,
    Package,
    column_positions,
    guess_lang,
    not_a_workbook,
    open_package,
    range_on_row1,
    typed_rows,
)
from pyfuncs.adapters.xlsx_parsed import (
    Parsed,
    check_duplicates,
    check_refs,
    ref_keys,
    skipped,
    typed_settings,
)
from pyfuncs.adapters.xlsx_uncached import FORMULA, uncached_issue, unread_cells
from pyfuncs.domain import schema as S
from pyfuncs.domain.findings import ERROR, INFO, WARNING, Finding

# Tables added after the first workbooks were made: reading a whole workbook without them
# still works (their features are then idle); a job that names one still needs it.
OPTIONAL_TABLES = frozenset({"Echeancier", "Contrats", "LignesContrat", "Indices"})


# --------------------------------------------------------------------------- one table
SETTINGS_TABLE = "Parametres"
TYPED_PART_LIMIT = 1 << 20  # a settings sheet bigger than 1 MB is read from the grid


def _label(value: object) -> str:
    return value if isinstance(value, str) else show(value, "en")


def _has_none(values: Sequence[object]) -> bool:
    """``None in values`` without ==, which costs an isinstance per Decimal."""
    return any(map(is_, values, repeat(None)))


class _Reader:
    """One read: the calamine grids (freed as soon as their tables are typed), the
    workbook's language and the findings so far."""

    def __init__(self, path: Path, pkg: Package):
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

    def prefetch(self, tables: Iterable[tuple[S.Table, Loc]]) -> None:
        """Start loading these Excel Tables through fastexcel in worker threads, in the
        order they will be asked for (see ``xlsx_arrow.TablePrefetch``); their plain
        text columns are stripped there too."""
        names, kinds, after, spans = [], {}, {}, {}
        parts = getattr(self.pkg, "parts", {})
        for tbl, loc in tables:
            if loc.table is not None and loc.last is not None:
                names.append(loc.table)
                kinds[loc.table] = column_positions(tbl, loc.names)
                spans[loc.table] = (loc.sheet, loc.first, loc.last - loc.first + 1,
                                    loc.c1, loc.c2)
                part = parts.get(loc.sheet)
                if part and loc.sheet not in self.scan_of:  # scanned if the grid reads it
                    self.scan_of[loc.sheet] = loc.table
                    after[loc.table] = partial(error_cells, self.path, part)
        if self.fast is not None or not names:  # (a live workbook's tables: no file)
            return
        try:
            self.fast = TablePrefetch(self.path, names, kinds, frozenset({SETTINGS_TABLE}),
                                      after, spans)
        except ImportError:
            self.fast = False

    def table_columns(self, tbl: S.Table, loc: Loc
                      ) -> tuple[list[list | Coded], dict[int, bool]] | None:
        """An Excel Table's cells column by column, through fastexcel (Arrow columns from the
        same Rust parser as calamine, with no Python object per cell until a column is
        asked for): two to three times faster than the sheet grid on big tables.

        Only when every column holds one type of cell (numbers, dates, text or booleans,
        blanks apart): a column mixing them, where a bad cell may hide, is read from the
        grid as before, so findings do not depend on the path. The values are those the
        grid gives: '' for a blank, dates at midnight as dates, numbers as floats; except
        the plain text columns at the positions returned (see ``column_positions``), given
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

    def typed_block(self, loc: Loc) -> list[list] | None:
        """The settings' rows as the sheet grid has them, without opening the grid: the
        settings mix types in one column, so fastexcel refuses them; opening the grid
        (python-calamine) would parse the whole shared-string table again, holding the GIL
        (0.1 s at 100k invoices). The worker loaded their cells as texts instead, and the
        sheet's XML tells each cell's type (see ``typed_rows``). None when the grid is
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
        return typed_rows(xml, loc, texts)

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

    def locate(self, tbl: S.Table, sheet_names: dict[str, str]) -> Loc:
        loc = self.pkg.tables.get(tbl.name.casefold())
        sheet = sheet_names.get(tbl.sheet)
        if loc is None and sheet is not None:
            loc = range_on_row1(self.grid(sheet), tbl, sheet)
        if loc is None:
            sdef = S.SHEETS_BY_KEY[tbl.sheet]
            raise self.fail(f"table {tbl.name} not found (no Excel Table of that name, and no "
                            f"sheet '{sdef.fr}' or '{sdef.en}' with its headers on row 1)")
        return loc

    def headers(self, loc: Loc) -> list[str]:
        if loc.header is None:
            return loc.names
        grid = self.grid(loc.sheet)
        row = grid[loc.header] if loc.header < len(grid) else []
        return [_label(row[c]) if c < len(row) else "" for c in range(loc.c1, loc.c2 + 1)]

    def block(self, loc: Loc) -> list[list]:
        return self.grid(loc.sheet)[loc.first: None if loc.last is None else loc.last + 1]

    def language_setting(self, loc: Loc) -> str | None:
        """The Paramètres 'language' value, when sheet names and headers do not tell."""
        lookup = S.header_lookup(S.table("Parametres"))
        where = {lookup.get(S.fold(h)): loc.c1 + j for j, h in enumerate(self.headers(loc))}
        if "key" in where and "value" in where:
            for row in self.block(loc):
                if len(row) > where["value"] and str(row[where["key"]]).strip() == "language":
                    return S.choice_lookup("lang").get(S.fold(str(row[where["value"]])))
        return None

    def parse(self, tbl: S.Table, loc: Loc) -> Parsed:
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
        kept = set(ref_keys(tbl)) | ({"value"} if tbl.name == "Parametres" else set())
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
        mark_errors(self.scan(loc), tbl, loc, where, cols, issues, none_free,
                    self.lang, self.pkg.date1904)
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
        p = Parsed(tbl, sheet, labels, {k: col_letter(c) for k, c in where.items()}, extra,
                    list(range(loc.first + 1, loc.first + 1 + n)) if len(idx) == n
                    else [loc.first + 1 + i for i in idx], cols,
                    {k: v for k, v in raw.items() if k in kept}, cached)
        # the blank cells a formula never computed may hide in: a required column's; and
        # every input column's in a file that asks for a full recalculation on load (one
        # written by a program that computes nothing: openpyxl, XlsxWriter)
        blanks = {col.key: [i for i, v in enumerate(p.cols[col.key]) if v is None]
                  for col in tbl.columns
                  if col.key in p.cols and col.key not in none_free
                  and (col.required or self.pkg.full_calc) and _has_none(p.cols[col.key])}
        formulas = self.uncached(p, blanks)
        for col in tbl.columns:
            for i, issue in sorted(issues.get(col.key, {}).items()):
                self.report(p, i, col.key, issue)
            required = C.required_issue(p.labels[col.key], lang) if col.required else None
            for i in blanks.get(col.key, ()):
                found = formulas.get((col.key, i), required)
                if found is not None:
                    self.report(p, i, col.key, found)
        check_duplicates(p, self.lang, self.report)
        return p

    def uncached(self, p: Parsed, blanks: dict[str, list[int]]
                 ) -> dict[tuple[str, int], C.Issue]:
        """The blank cells among ``blanks`` (column key -> rows) that hold a formula never
        computed: their own finding (xlsx_uncached.py), by (column key, row)."""
        part = getattr(self.pkg, "parts", {}).get(p.sheet)  # (a live workbook: none)
        refs = {f"{p.letters[key]}{p.rows[i]}": (key, i)
                for key, rows in blanks.items() if key in p.letters for i in rows}
        if part is None or not refs:
            return {}
        return {refs[ref]: uncached_issue(text, self.lang)
                for ref, (kind, text) in unread_cells(self.path, part, refs).items()
                if kind == FORMULA}

    def scan(self, loc: Loc) -> SheetScan:
        """The table's error cells, numbers beyond any date and texts read as blank: as
        fastexcel reported them, else from its sheet's XML, searched once (xlsx_errors.py)."""
        reported = self.fast.unread.get(loc.table or "") if self.fast else None
        if reported is not None:
            return reported
        sheet, table = loc.sheet, self.scan_of.get(loc.sheet)
        # scanned by the worker that loaded its first table, when the grid reads that one
        done = self.fast.done.get(table) if self.fast and table is not None else None
        if sheet not in self.errors and isinstance(done, SheetScan):
            self.errors[sheet] = done
        elif sheet not in self.errors:
            part = getattr(self.pkg, "parts", {}).get(sheet)  # (a live workbook: none)
            self.errors[sheet] = error_cells(self.path, part) if part else SheetScan()
        return self.errors[sheet]

    def null_like(self, loc: Loc) -> bool:
        """Whether a text fastexcel types as a blank or a NaN ("n/a", "nan") may stand in
        this table's sheet: in the shared strings or inline in the sheet."""
        if self.fast and loc.table in self.fast.unread:  # fastexcel said what it left
            return self.scan(loc).null_like
        if self.shared_null_like is None:
            self.shared_null_like = null_like_shared(self.path)
        return self.shared_null_like or self.scan(loc).null_like

    def report(self, p: Parsed, i: int, key: str, issue: C.Issue) -> None:
        """An error on row i of p, which skips the row."""
        code, message, fix = issue
        row = p.rows[i]
        cell = f"{p.letters[key]}{row}" if key in p.letters else ""
        self.findings.append(Finding(code, ERROR, p.sheet, row, p.labels[key], p.ref(i),
                                     message + C.row_skipped(self.lang), fix, cell))
        p.drop.add(i)
        p.why.setdefault(i, (p.labels[key], cell))

# --------------------------------------------------------------------------- the workbook
def _calamine(path: Path) -> python_calamine.CalamineWorkbook:
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except (ValueError, python_calamine.CalamineError) as exc:
        raise not_a_workbook(path, exc) from None
    except OSError as exc:
        raise WorkbookError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None


def read_workbook(path: Path | str, tables: Iterable[str] | None = None) -> WorkbookData:
    """Read the schema tables (all by default) from a workbook file; see the module doc."""
    path = Path(path)
    pkg = open_package(path)
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
    lang = guess_lang(sheet_names, [(S.table(n), loc.names or reader.headers(loc))
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
    check_refs(parsed, reader.lang, reader.report)
    settings = typed_settings(parsed.get(settings_tbl.name), reader.lang, pkg.date1904,
                              reader.findings)
    out = {}
    for name, p in parsed.items():
        keep = [i for i in range(len(p.rows)) if i not in p.drop] if p.drop else None

        def pick(values: list, keep: list[int] | None = keep) -> list:
            return values if keep is None else [values[i] for i in keep]

        out[name] = TableData(
            p.tbl, p.sheet, p.labels, p.letters, pick(p.rows),
            {k: pick(v) for k, v in p.cols.items()},
            {k: pick(v) for k, v in p.cached.items()}, p.extra, skipped(p))
    return WorkbookData(reader.path, reader.lang, sheet_names, settings, out,
                        reader.findings)
