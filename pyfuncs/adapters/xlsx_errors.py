"""Error cells (#N/A, #DIV/0!, #VALUE!...) of a table, and the other cells a reader
types as blank although they hold something.

Neither python-calamine's grid nor fastexcel's columns tell an error cell from a blank
one: both give an empty cell. A blank required cell and a ``#N/A`` are different mistakes
with different fixes, and an error typed or computed in an optional cell must not read
as "nothing here". Two sources say where they are:

- fastexcel's own report of its parse (``reported_cells``): a table loaded as a block of
  its sheet comes with the cells fastexcel could not type (an error value, a date cell
  beyond any calendar, a text such as "n/a" in a column of numbers). The common path,
  with no second pass over the sheet.
- the sheet's XML part (``error_cells``), for a table the grid reads (a column mixing
  types, a #NAME? fastexcel stops on) or when pyarrow is missing. The part says it
  plainly: ``<c r="B7" t="e"><v>#N/A</v></c>``. Most sheets hold none, so the part is
  searched for ``t="e"`` first, in C, and only a sheet that holds some is parsed further.

The XML pass also notes the numbers of seven digits or more (``<v>95051806</v>``, or written
with an exponent): no date is that large (31/12/9999 is 2958465), so in a date cell such a
number (an amount pasted in the wrong column) is what fastexcel gives as a blank. The
reader reports it as the date it is not, in a required column as in an optional one,
rather than reading "no date". One search with a literal prefix: 0.16 s over the 290 MB
of the 100,000-invoice demo's Factures sheet, in the worker that inflates it.
"""
from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from pyfuncs.adapters import cells as C
from pyfuncs.adapters.cells import BAD, CellProblem
from pyfuncs.adapters.deflate import ZlibError
from pyfuncs.adapters.xlsx_locate import Loc
from pyfuncs.adapters.zip_package import PackageError, inflated
from pyfuncs.domain import schema as S

_MARK = b't="e"'
_CHUNK = 1 << 21
_CELL = re.compile(rb'<c\b[^>]*?\bt="e"[^>]*>(.*?)</c>|<c\b[^>]*?\bt="e"[^>]*/>', re.DOTALL)
_REF = re.compile(rb'\br="([A-Za-z]{1,3})([0-9]{1,7})"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_BIG = re.compile(rb"<v>(?:[0-9]{7}|-?[0-9][0-9.]*[Ee])")
_TYPE = re.compile(rb'\bt="([a-zA-Z]+)"')


# the texts fastexcel's typed columns turn into a blank or a NaN (pandas' NA values):
# typed in a number or date column, they would read as nothing at all
_NA = (rb"#N/A|#N/A N/A|#NA|-1\.#IND|-1\.#QNAN|-NaN|-nan|1\.#IND|1\.#QNAN|&lt;NA&gt;|N/A|NA|"
       rb"NULL|NaN|None|n/a|nan|null")
_NA_TEXT = re.compile(rb"<t(?:\s[^>]*)?>(?:" + _NA + rb")</t>")
_INLINE = b'"inlineStr"'


def null_like_shared(path: Path) -> bool:
    """Whether the shared strings hold a text fastexcel would read as a blank or a NaN
    in a number or date column ("n/a", "nan", "NULL"...)."""
    try:
        with zipfile.ZipFile(path) as z:
            name = next((n for n in z.namelist() if n.lower() == "xl/sharedstrings.xml"),
                        None)
            return name is not None and _NA_TEXT.search(z.read(name)) is not None
    except (OSError, zipfile.BadZipFile):
        return False


class SheetScan(dict):
    """{(0-based row, 0-based column): the error's text} of a sheet's error cells,
    ``null_like``: whether an inline text cell holds a text of ``null_like_shared``, and
    ``numbers``: {(row, column): its text} of the plain numbers beyond any date."""

    null_like = False

    def __init__(self) -> None:
        super().__init__()
        self.numbers: dict[tuple[int, int], str] = {}


def error_cells(path: Path, part: str) -> SheetScan:
    """The error cells of the sheet part ``part`` (see ``SheetScan``)."""
    out = SheetScan()
    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo(part)
        if info.compress_type not in (0, 8) or info.flag_bits & 1:
            return out  # encrypted or compressed oddly: the cells' reader says so
        tail = b""
        for chunk in _pieces(inflated(path, info.header_offset, info.compress_size,
                                      info.compress_type, part, _CHUNK >> 6)):
            data = tail + chunk
            cut = data.rfind(b"</c>")
            whole = data if cut < 0 else data[:cut + 4]
            if _worth_a_look(whole):
                if _MARK in data:
                    _collect(whole, out)
                _collect_numbers(whole, out)
                if not out.null_like and _INLINE in whole and _NA_TEXT.search(whole):
                    out.null_like = True
            # an error cell cut in two by the chunk is searched again whole
            tail = data[cut + 4:] if cut >= 0 else data[-65536:]
        if tail and _MARK in tail:
            _collect(tail, out)
        if tail:
            _collect_numbers(tail, out)
        if tail and _INLINE in tail and _NA_TEXT.search(tail):
            out.null_like = True
    except (KeyError, OSError, zipfile.BadZipFile, PackageError, ZlibError):
        return out  # the cells' reader says what is wrong with the file
    return out


# fastexcel's word for what it read as blank: "Expected float but got 'Error(NA)'",
# "... got 'DateTime(ExcelDateTime { value: 95051806.0, ...})'", "... got 'String("n/a")'"
_GOT = re.compile(r"but got '(\w+)\((.*)\)'\Z", re.DOTALL)
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?")
# calamine's names of the error values, as Excel shows them
ERROR_TEXTS = {"Div0": "#DIV/0!", "NA": "#N/A", "Name": "#NAME?", "Null": "#NULL!",
               "Num": "#NUM!", "Ref": "#REF!", "Value": "#VALUE!", "GettingData": "#DATA!"}


def reported_cells(unread: list[tuple[tuple[int, int], str]], first: int,
                   c1: int) -> SheetScan:
    """The SheetScan of a table from fastexcel's own report of the cells it typed as
    blank (``xlsx_arrow.TablePrefetch.unread``: (row, column) in the table, its word),
    instead of a search of the sheet's XML: an error cell, a number in a date column
    beyond any date, and anything else (a text such as "n/a" in a column of numbers)
    as ``null_like``, so that the grid reads the table."""
    out = SheetScan()
    for (i, j), detail in unread:
        at = (first + i, c1 + j)
        got = _GOT.search(detail)
        kind, inner = got.groups() if got else ("", "")
        number = _NUMBER.search(inner) if kind in ("DateTime", "Float", "Int") else None
        if kind == "Error":
            out[at] = ERROR_TEXTS.get(inner, f"#{inner.upper()}")
        elif number is not None:
            out.numbers[at] = number.group()
        else:
            out.null_like = True
    return out


def _pieces(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The chunks joined into pieces of ``_CHUNK`` bytes or more (the last one less)."""
    held: list[bytes] = []
    size = 0
    for chunk in chunks:
        held.append(chunk)
        size += len(chunk)
        if size >= _CHUNK:
            yield b"".join(held) if len(held) > 1 else held[0]
            held, size = [], 0
    if held:
        yield b"".join(held)


# SCAN FILTER: whether a chunk (2 MB) holds any of the three marks the scan looks for,
# told by polars' regex (Rust) before Python's searches run on it. Python's three searches
# cost 0.26 s per 100 MB of sheet XML, polars' one 0.10 s; most chunks hold none. Over the
# 620 MB of the 100,000-invoice demo's sheets: 0.9 s of CPU less scanning alone, 0.4 s less
# in the whole read (10.6 s of CPU; polars' threads waking for each chunk take back the
# rest). The same patterns: a chunk it passes is searched exactly as before.
_ANY = f"{_BIG.pattern.decode()}|{_MARK.decode()}|{_INLINE.decode()}"


def _worth_a_look(data: bytes) -> bool:
    """False only when ``data`` surely holds none of ``_MARK``, ``_INLINE`` and ``_BIG``
    (see SCAN FILTER above); True when unsure (not UTF-8, no polars)."""
    try:
        import polars as pl

        found = pl.Series((data,), dtype=pl.Binary).cast(pl.String).str.contains(_ANY)
        return found[0] is not False
    except Exception:  # noqa: BLE001 - not UTF-8, polars missing: the searches decide
        return True


def _collect(data: bytes, out: SheetScan) -> None:
    for m in _CELL.finditer(data):
        head = data[m.start():data.index(b">", m.start()) + 1]
        ref = _REF.search(head)
        if ref is None:
            continue
        value = _VALUE.search(m.group(1) or b"")
        text = value.group(1).decode("utf-8", "replace") if value else "#N/A"
        out[(int(ref.group(2)) - 1, C.col_index(ref.group(1).decode()))] = text


def _collect_numbers(data: bytes, out: SheetScan) -> None:
    for m in _BIG.finditer(data):
        start = data.rfind(b"<c ", 0, m.start())
        if start < 0:
            continue
        head = data[start:data.index(b">", start) + 1]
        kind = _TYPE.search(head)
        ref = _REF.search(head)
        value = _VALUE.match(data, m.start())
        if ref is None or value is None or (kind is not None and kind.group(1) != b"n"):
            continue  # a shared string's index, a text, a boolean: not a number
        out.numbers[(int(ref.group(2)) - 1, C.col_index(ref.group(1).decode()))] = (
            value.group(1).decode("ascii", "replace").strip())


def mark_errors(found: SheetScan, tbl: S.Table, loc: Loc, where: dict[str, int],
                cols: dict[str, list], issues: dict[str, dict[int, C.Issue]],
                none_free: set[str], lang: str, date1904: bool) -> None:
    """Error cells (#N/A...) of the table's input columns, and numbers beyond any date
    in its date columns: BAD with their own finding, where the cells' readers saw a
    blank (see adapters/xlsx_errors.py)."""
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
            mark(*at, error_issue(text, lang))
    for (r, c), text in found.numbers.items():
        at = blank(r, c)
        if at is None or tbl.column(at[0]).type != S.DATE:
            continue
        try:
            C.converter(S.DATE, lang, None, date1904)(float(text))
        except CellProblem as exc:
            mark(*at, exc.issue)
        except ValueError:
            continue


def error_issue(text: str, lang: str) -> C.Issue:
    """The finding of an error cell: its own, not "required and empty"."""
    if lang == "fr":
        return ("CELL-ERROR",
                f"{text} dans la cellule : la formule ou la valeur est une erreur.",
                "Corriger la formule, ou saisir la valeur elle-même.")
    return ("CELL-ERROR", f"{text} in the cell: the formula or value is an error.",
            "Correct the formula, or type the value itself.")
