"""A worksheet part streamed row by row (head, rows, tail), never held as a DOM, and the
edits the surgical writer (xlsx_write.py) makes to one row's cells: the cells of a row by
column, a row rebuilt with edited cells in column order, a formula cell given its cached
value.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from pyfuncs.adapters.cells import col_index
from pyfuncs.adapters.zip_package import PackageError

_ROW = re.compile(rb"\s*(<row\b[^>]*?/>|<row\b.*?</row>)", re.DOTALL)
_SHEETDATA_END = re.compile(rb"\s*</sheetData>")
_CELL = re.compile(rb"<c\b[^>]*?(?:/>|>.*?</c>)", re.DOTALL)
_R = re.compile(rb'\br="([A-Z]*)(\d+)"')


def _sheet_stream(chunks: Iterable[bytes]) -> Iterator[tuple[str, bytes]]:
    """('head', up to <sheetData>), ('row', each <row>), ('tail', from </sheetData>)."""
    it, buf = iter(chunks), b""
    while (m := re.search(rb"<sheetData\s*(/?)>", buf)) is None:
        more = next(it, None)
        if more is None:
            raise PackageError("a worksheet part has no <sheetData>")
        buf += more
    yield "head", buf[:m.start()] + b"<sheetData>"
    if m[1]:
        yield "tail", b"</sheetData>" + buf[m.end():] + b"".join(it)
        return
    buf, pos = buf[m.end():], 0
    while True:
        if row := _ROW.match(buf, pos):
            yield "row", row[1]
            pos = row.end()
        elif end := _SHEETDATA_END.match(buf, pos):
            yield "tail", buf[end.end() - 12:] + b"".join(it)
            return
        elif (more := next(it, None)) is not None:
            buf, pos = buf[pos:] + more, 0
        else:
            raise PackageError("a worksheet part ends inside <sheetData>")


def _head_and_tail(chunks: Iterable[bytes]) -> tuple[bytes, bytes, bool]:
    """A sheet part's text around its rows, and whether the rows hold formulas."""
    it, head, formulas = iter(chunks), b"", False
    while (m := re.search(rb"<sheetData\s*/?>", head)) is None:
        more = next(it, None)
        if more is None:
            raise PackageError("a worksheet part has no <sheetData>")
        head += more
    rest, head = head[m.end():], head[:m.start()] + b"<sheetData>"
    if m[0].endswith(b"/>"):
        return head, b"</sheetData>" + rest + b"".join(it), False
    while (end := rest.find(b"</sheetData>")) < 0:
        formulas = formulas or b"<f>" in rest or b"<f " in rest
        more = next(it, None)
        if more is None:
            raise PackageError("a worksheet part ends inside <sheetData>")
        rest = rest[-11:] + more  # "</sheetData>" may straddle two chunks
    formulas = formulas or b"<f>" in rest[:end] or b"<f " in rest[:end]
    return head, rest[end:] + b"".join(it), formulas


def _row_number(row: bytes, previous: int) -> int:
    m = _R.search(row[:row.index(b">")])
    return int(m[2]) if m else previous + 1


def _cells(row: bytes) -> dict[int, bytes]:
    out, col = {}, -1
    for m in _CELL.finditer(row):
        r = _R.search(m[0][:m[0].index(b">")])
        col = col_index(r[1].decode()) if r and r[1] else col + 1
        out[col] = m[0]
    return out


def _style_of(cell: bytes | None) -> str | None:
    m = cell and re.search(rb'\bs="(\d+)"', cell[:cell.index(b">")])
    return m[1].decode() if m else None


def _has_value(cell: bytes) -> bool:
    return bool(re.search(rb"<(?:v|f|is)\b", cell))


CellEdit = Callable[[int, "bytes | None"], bytes]  # (row, old cell) -> new cell
RowMerge = Callable[[int, "bytes | None"], bytes]  # (row number, old row or None) -> new row


def _merge_row(number: int, row: bytes | None, edits: dict[int, CellEdit]) -> bytes:
    """The row with its edited cells replaced or inserted in column order."""
    if row is None:
        open_tag, cells = f'<row r="{number}">'.encode(), {}
    else:
        open_tag = row[:row.index(b">") + 1]
        open_tag = re.sub(rb'\s+spans="[^"]*"', b"", open_tag).replace(b"/>", b">")
        cells = _cells(row)
    for col, edit in edits.items():
        cells[col] = edit(number, cells.get(col))  # b"" leaves no cell
    return open_tag + b"".join(cells[c] for c in sorted(cells)) + b"</row>"


_FORMULA = re.compile(rb"<f\b[^>]*?(?:/>|>.*?</f>)", re.DOTALL)


def _cached_edit(shown: str) -> CellEdit:
    def edit(_number: int, old: bytes | None) -> bytes:
        f = _FORMULA.search(old) if old is not None else None
        if f is None or old is None:
            return old or b""
        tag = re.sub(rb'\s+t="[^"]*"', b"", old[:old.index(b">") + 1])
        return tag + f[0] + b"<v>" + shown.encode() + b"</v></c>"
    return edit
