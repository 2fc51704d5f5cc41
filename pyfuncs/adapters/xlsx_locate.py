"""Where the Excel Tables of a workbook file stand, read from its package's small parts.

Python parses only the parts that say where things are (workbook.xml, the rels,
xl/tables/*.xml): the sheets' names and parts, the date system, the recalculation flag and
each Table's place and column names. The cells are read later (adapters/xlsx_read.py). A
Table converted to a plain range is found by its headers on row 1. Also here: a small
settings Table's rows rebuilt from its sheet part and fastexcel's texts, with no grid.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple
from xml.etree import ElementTree as ET

from pyfuncs.adapters.cells import col_index
from pyfuncs.adapters.workbook_data import WorkbookError
from pyfuncs.domain import schema as S


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def attr(el: ET.Element, name: str) -> str | None:
    """Attribute by local name, whatever its namespace (transitional or strict OOXML)."""
    for key, value in el.attrib.items():
        if local(key) == name:
            return value
    return None


@dataclass
class Loc:
    """Where a table stands: sheet, 0-based header row and column span, last data row."""

    sheet: str
    header: int | None   # None: the table has no header row (labels from the table part)
    first: int           # first data row
    last: int | None     # last data row; None: to the end of the sheet
    c1: int
    c2: int
    names: list[str] = field(default_factory=list)
    table: str | None = None  # the Excel Table's name, when it is one


class Package:
    """Sheet names, date system, recalculation flag and Tables, read from the zip."""

    def __init__(self, path: Path) -> None:
        self.sheets: list[str] = []
        self.parts: dict[str, str] = {}      # sheet name -> its part in the zip
        self.tables: dict[str, Loc] = {}    # casefolded table name -> location
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
                tag = local(el.tag)
                if tag == "workbookPr":
                    self.date1904 = el.get("date1904", "0") in ("1", "true")
                elif tag == "calcPr":
                    # XlsxWriter (and other writers) store 0 for every formula and ask
                    # for a full recalculation on load: those "cached values" mean nothing.
                    self.full_calc = el.get("fullCalcOnLoad", "0") in ("1", "true")
                elif tag == "sheet":
                    name = el.get("name", "")
                    self.sheets.append(name)
                    part = sheet_rels.get(attr(el, "id") or "", ("", ""))[1]
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
        names = [el.get("name", "") for el in root.iter() if local(el.tag) == "tableColumn"]
        loc = Loc(sheet, r1 if headers else None, r1 + (1 if headers else 0), r2 - totals,
                   c1, c2, names, root.get("displayName") or root.get("name"))
        for name in (root.get("name"), root.get("displayName")):
            if name:
                self.tables.setdefault(name.casefold(), loc)


def range_on_row1(grid: list[list], tbl: S.Table, sheet: str) -> Loc | None:
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
    return Loc(sheet, 0, 1, None, *best) if best else None


_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def xl_cell_to_rowcol(cell: str) -> tuple[int, int]:
    """'B3' or '$B$3' -> (2, 1), 0-based (row, column)."""
    m = _CELL_REF.fullmatch(cell.strip())
    if m is None:
        raise ValueError(f"not a cell reference: {cell!r}")
    return int(m[2]) - 1, col_index(m[1])


def typed_rows(xml: bytes, loc: Loc, texts: list[list]) -> list[list] | None:
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
        if local(el.tag) != "c":
            continue
        try:
            r, c = xl_cell_to_rowcol(el.get("r") or "")
        except ValueError:
            return None  # a cell placed by its order alone, or oddly: the grid knows
        if not (first <= r <= last and loc.c1 <= c <= loc.c2):
            continue
        text = texts[c - loc.c1][r - first]
        kind = el.get("t", "n")
        v = next((x.text for x in el if local(x.tag) == "v"), None)
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


def not_a_workbook(path: Path, exc: BaseException) -> WorkbookError:
    hint = " (an old .xls: save it as .xlsx)" if path.suffix.lower() == ".xls" else ""
    return WorkbookError(f"{path.name}: not an Excel workbook (.xlsx or .xlsm){hint}: "
                         f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")


def open_package(path: Path) -> Package:
    """The package's structure (sheets, tables, their places). The cells are read later:
    by fastexcel for Excel Tables, by calamine (opened on first need) for the rest."""
    name = path.name
    if not path.exists():
        raise WorkbookError(f"{name}: file not found")
    if not path.is_file():
        raise WorkbookError(f"{name}: not a file")
    try:
        return Package(path)
    except (zipfile.BadZipFile, ValueError, KeyError, ET.ParseError) as exc:
        raise not_a_workbook(path, exc) from None
    except OSError as exc:
        raise WorkbookError(f"{name}: cannot be read ({exc.strerror or exc})") from None


def guess_lang(sheet_names: dict[str, str], headers: list[tuple[S.Table, list[str]]]) -> str | None:
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


class ColumnKinds(NamedTuple):
    """Positions, among a Table's column names, of the columns the reader maps them to (the
    first column of each label), by what the fastexcel workers do with them."""

    text: set[int]  # plain text (TEXT and ID, not calculated): stripped in the worker
    calculated: set[int]  # formula columns, every one a number (money, whole days)
    own: set[int]  # the user's own: a label the schema does not know, or a second one


def column_positions(tbl: S.Table, names: list[str]) -> ColumnKinds:
    """The Table's columns by kind (see ``ColumnKinds``)."""
    lookup, seen = S.header_lookup(tbl), set()
    kinds = ColumnKinds(set(), set(), set())
    for j, label in enumerate(names):
        key = lookup.get(S.fold(label))
        if key is None or key in seen:
            kinds.own.add(j)
            continue
        seen.add(key)
        col = tbl.column(key)
        if col.computed:
            kinds.calculated.add(j)
        elif col.type in (S.TEXT, S.ID):
            kinds.text.add(j)
    return kinds
