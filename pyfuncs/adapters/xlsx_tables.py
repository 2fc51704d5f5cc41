"""Edits to the user's Excel Tables: rows appended (the table's ref grown, formulas and
styles carried down), cells set in place, formula cells given their cached values; the
sheet part is streamed row by row, and the commit writes the package atomically (temp
file in the same folder, fsync, the previous version kept as .bak, rename).
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from pyfuncs.adapters.cells import col_letter
from pyfuncs.adapters.files import naming
from pyfuncs.adapters.xlsx_cached import (
    CLOCK_ONLY,
    groups_to_refresh,
    stale_days_late,
    stale_formula_cells,
)
from pyfuncs.adapters.xlsx_clock import INVOICES, EarlyDaysLate
from pyfuncs.adapters.xlsx_package import (
    PackageEditor,
    WorkbookLocked,
    _check_unlocked,
    _Table,
    _TableShape,
)
from pyfuncs.adapters.xlsx_read import WorkbookData
from pyfuncs.adapters.xlsx_rows import (
    CellEdit,
    RowMerge,
    _cached_edit,
    _cells,
    _has_value,
    _merge_row,
    _row_number,
    _sheet_stream,
    _style_of,
    rewritten,
)
from pyfuncs.adapters.xlsx_xml import (
    _esc,
    _number,
    _parse_ref,
    _ref,
    cell_xml,
)
from pyfuncs.adapters.zip_package import Blob as _Blob
from pyfuncs.adapters.zip_package import PackageError
from pyfuncs.domain.schema import FMT_DATE


class TableEditor(PackageEditor):
    """A package with edits queued to its Tables, written by ``commit``."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._read: WorkbookData | None = None  # what the job read of it (based_on)
        self._early: EarlyDaysLate | None = None  # today's days late, being made beside

    def table_ref(self, table_name: str) -> tuple[str, str]:
        table = self._table(table_name)
        return table.sheet.name, _ref(*self._shape(table).ref)

    # ---------------------------------------------------------------- sheet rewriting
    def _rewrite(self, part: str, rows: Iterable[int], merge: RowMerge,
                 head: Callable[[bytes], bytes] = lambda b: b,
                 tail: Callable[[bytes], bytes] = lambda b: b) -> None:
        """Stream the sheet part once, splicing the edited ``rows`` (``merge`` makes each
        from its old text, or from None when the part has no such row); untouched rows
        pass verbatim."""
        self._parts[part] = self._rewritten(part, rows, merge, head, tail)

    def _rewritten(self, part: str, rows: Iterable[int], merge: RowMerge,
                   head: Callable[[bytes], bytes] = lambda b: b,
                   tail: Callable[[bytes], bytes] = lambda b: b) -> _Blob:
        """The sheet part as ``_rewrite`` makes it, not yet put in the package."""
        return rewritten(lambda: self._chunks(part), rows, merge, head, tail)

    def _read_row(self, part: str, number: int) -> dict[int, bytes]:
        previous = 0
        for kind, data in _sheet_stream(self._chunks(part)):
            if kind == "row":
                previous = _row_number(data, previous)
                if previous >= number:
                    return _cells(data) if previous == number else {}
        return {}

    def _fallback_style(self, shape: _TableShape, i: int, value: object) -> str | None:
        """Style for a cell the sheet has none for: the column's table format for new rows."""
        styles = self._style_book()
        code = styles.dxf_format(shape.columns[i][2])
        if code is None and isinstance(value, date):
            code = FMT_DATE
        return None if code is None else str(styles.xf(code))

    def _set_edit(self, shape: _TableShape, i: int, value: object) -> CellEdit:
        col = shape.ref[0] + i

        def edit(number: int, old: bytes | None) -> bytes:
            if old is not None and re.search(rb'<f\b[^>]*\bt="(?:shared|array)"[^>]*\bref=', old):
                raise ValueError(f"cell {col_letter(col)}{number} anchors a shared or array "
                                 "formula; refusing to overwrite it")
            self._formulas_changed |= old is not None and b"<f" in old
            style = _style_of(old) or self._fallback_style(shape, i, value)
            return cell_xml(f"{col_letter(col)}{number}", value, style,
                            self._date1904).encode("utf-8")
        return edit

    # ---------------------------------------------------------------- Tables
    def append_rows(self, table_name: str, rows: list[dict[str, object]]) -> None:
        """Append rows (keyed by header label) under a Table, extending what covers it."""
        if not rows:
            return
        table = self._table(table_name)
        self._fed.add(table.display.casefold())
        shape = self._shape(table)
        if shape.totals_rows:
            raise ValueError(f"table {table.display} has a totals row: appending under it is "
                             "not supported")
        c1, r1, c2, last = shape.ref
        first = r1 + shape.header_rows
        calculated = {i for i, c in enumerate(shape.columns) if c[1] is not None}
        # The first data row gives the columns' styles: it is read without streaming the
        # whole sheet (the last row would be, at 250k rows). Only a one-row table may be
        # the empty row a new table keeps, to be filled rather than appended under.
        template = self._read_row(table.sheet.part, first) if last >= first else {}
        empty = last == first and not any(
            _has_value(cell) for col, cell in template.items()
            if c1 <= col <= c2 and col - c1 not in calculated)
        start = last if empty else max(last + 1, first)
        styles = [_style_of(template.get(c1 + i)) or self._fallback_style(shape, i, None)
                  for i in range(len(shape.columns))]
        width = len(shape.columns)
        index: dict[str, int] = {}
        table_rows: list[list[object]] = []
        for row in rows:
            values: list[object] = [None] * width
            for label, value in row.items():
                i = index.get(label)
                if i is None:
                    i = index[label] = shape.column(label, table.display)
                if i in calculated and value is not None:
                    raise ValueError(f"{table.display}[{label}] is a calculated column")
                values[i] = value
            table_rows.append(values)
        fresh = self._fresh_row_maker(c1, styles, [c[1] for c in shape.columns])

        def merge(number: int, old_row: bytes | None) -> bytes:
            values = table_rows[number - start]
            if old_row is None:  # the usual case: no row there yet, its XML built at once
                return fresh(number, values)
            return _merge_row(number, old_row, {
                c1 + i: self._append_edit(table, c1 + i, values[i], styles[i],
                                          shape.columns[i][1], last) for i in range(width)})
        new_last = start + len(rows) - 1
        self._formulas_changed |= bool(calculated)

        def head(data: bytes) -> bytes:
            def grow(m: re.Match[bytes]) -> bytes:
                a, b, c, d = _parse_ref(m[1].decode())
                grown = _ref(min(a, c1), min(b, r1), max(c, c2), max(d, new_last))
                return f'<dimension ref="{grown}"'.encode()
            return re.sub(rb'<dimension ref="([^"]+)"', grow, data, count=1)

        def tail(data: bytes) -> bytes:
            def grow_range(token: str) -> str:
                try:
                    a, b, c, d = _parse_ref(token)
                except PackageError:
                    return token
                if c1 <= a and c <= c2 and b <= first and last <= d < new_last:
                    return _ref(a, b, c, new_last)
                return token

            def grow(m: re.Match[bytes]) -> bytes:
                tokens = m[2].decode().split()
                return m[1] + " ".join(map(grow_range, tokens)).encode() + m[3]
            data = re.sub(rb'(\bsqref=")([^"]*)(")', grow, data)
            return re.sub(rb"(<xm:sqref>)([^<]*)(</xm:sqref>)", grow, data)

        self._rewrite(table.sheet.part, range(start, new_last + 1), merge, head, tail)
        text = self._text(table.part)
        new_ref = _ref(c1, r1, c2, new_last)
        text = re.sub(r'(<table\b[^>]*?\bref=")[^"]*', rf"\g<1>{new_ref}", text, count=1)
        text = re.sub(r'(<autoFilter\b[^>]*?\bref=")[^"]*', rf"\g<1>{new_ref}", text, count=1)
        self._parts[table.part] = text

    def _fresh_row_maker(self, c1: int, styles: list[str | None],
                         formulas: list[str | None]) -> Callable[[int, list[object]], bytes]:
        """A function building a whole new table row's XML in one pass.

        It writes what ``_append_edit`` writes for a row the sheet does not have (a test
        proves them equal), but without a closure per cell: appending 100,000 cells made
        millions of short-lived objects, and the garbage collector's passes over them cost
        more than the XML itself. Column letters and style attributes are made once.
        """
        date1904 = self._date1904
        epoch = (date(1904, 1, 1) if date1904 else date(1899, 12, 30)).toordinal()
        columns = []
        for i, (style, formula) in enumerate(zip(styles, formulas)):
            s = f' s="{style}"' if style not in (None, 0, "0", "") else ""
            f_s = f' s="{style}"' if style not in (None, "0") else ""
            columns.append((f'<c r="{col_letter(c1 + i)}', s,
                            None if formula is None else f'"{f_s}><f>{formula}</f></c>',
                            style is not None, style))

        def fresh(number: int, values: list[object]) -> bytes:
            r = str(number)
            out = [f'<row r="{r}">']
            for (pre, s, formula, styled, style), v in zip(columns, values):
                if formula is not None:
                    out.append(pre + r + formula)
                    continue
                t = type(v)
                if t is str:
                    out.append(f'{pre}{r}"{s} t="inlineStr"><is><t xml:space="preserve">'
                               f"{_esc(v)}</t></is></c>")  # type: ignore[arg-type]
                elif t is Decimal or t is int or t is float:
                    out.append(f'{pre}{r}"{s}><v>{_number(v)}</v></c>')  # type: ignore[arg-type]
                elif t is date:
                    out.append(f'{pre}{r}"{s}><v>{v.toordinal() - epoch}</v></c>')  # type: ignore[attr-defined]
                elif v is None:
                    if styled:
                        out.append(f'{pre}{r}"{s}/>')
                else:  # bool, datetime, anything rarer: the general path
                    out.append(cell_xml(pre[6:] + r, v, style, date1904))
            out.append("</row>")
            return "".join(out).encode("utf-8")
        return fresh

    def _append_edit(self, table: _Table, col: int, value: object, style: str | None,
                     formula: str | None, last: int) -> CellEdit:
        def edit(number: int, old: bytes | None) -> bytes:
            if old is not None and number > last and _has_value(old):
                raise ValueError(f"{table.sheet.name}!{col_letter(col)}{number} holds data "
                                 f"just below table {table.display}; move it and run again")
            ref = f"{col_letter(col)}{number}"
            if formula is not None:
                s = f' s="{style}"' if style not in (None, "0") else ""
                return f'<c r="{ref}"{s}><f>{formula}</f></c>'.encode()
            if value is None and style is None:
                return old or b""  # nothing to write: a user's formatted empty cell stays
            return cell_xml(ref, value, style, self._date1904).encode("utf-8")
        return edit

    def set_cells(self, table_name: str, updates: Sequence[tuple[int, str, object]]) -> None:
        """Replace values in a Table's input cells (sheet row, header label), keeping styles."""
        table = self._table(table_name)
        self._fed.add(table.display.casefold())
        shape = self._shape(table)
        c1, r1, _, last = shape.ref
        edits: dict[int, dict[int, CellEdit]] = {}
        for number, label, value in updates:
            i = shape.column(label, table.display)
            if shape.columns[i][1] is not None:
                raise ValueError(f"{table.display}[{label}] is a calculated column")
            if not r1 + shape.header_rows <= number <= last:
                raise ValueError(f"row {number} is outside table {table.display}")
            edits.setdefault(number, {})[c1 + i] = self._set_edit(shape, i, value)
        if edits:
            self._rewrite(table.sheet.part, edits, lambda n, row: _merge_row(n, row, edits[n]))

    def set_cached_values(self, table_name: str, updates: list[tuple[int, str, object]]
                          ) -> None:
        """Cache ``value`` beside the formula of calculated cells (sheet row, header
        label), formula and style kept; a cell whose formula a user replaced by a value
        is left as it is."""
        made = self.cached_part(table_name, updates)
        if made is not None:
            self._parts[made[0]] = made[1]

    def cached_part(self, table_name: str, updates: list[tuple[int, str, object]]
                    ) -> tuple[str, _Blob] | None:
        """(sheet part, its text) with the ``updates`` of ``set_cached_values`` made, not
        yet put in the package (None: no update)."""
        table = self._table(table_name)
        shape = self._shape(table)
        edits: dict[int, dict[int, CellEdit]] = {}
        for number, label, value in updates:
            col = shape.ref[0] + shape.column(label, table.display)
            edits.setdefault(number, {})[col] = _cached_edit(_number(value))  # type: ignore[arg-type]
        if not edits:
            return None
        return table.sheet.part, self._rewritten(
            table.sheet.part, edits, lambda n, row: _merge_row(n, row, edits[n]))

    def based_on(self, data: WorkbookData) -> None:
        """What the job read of this file: when the job changes no input of the formulas,
        the days late to cache on commit come from it instead of a second read of the
        package (a refresh of 100k invoices read the invoices twice). Only the jobs that
        change no input say what they read: a big invoices' sheet with today's days late
        is then made at once, by another process, while the job computes (xlsx_clock.py)."""
        self._read = data
        if self._is_read(data) and INVOICES.casefold() in self._tables:
            part = self._table(INVOICES).sheet.part
            entry = self._entries.get(part)
            if entry is not None:
                self._early = EarlyDaysLate.start(self.path, self._stamp, data, part,
                                                  entry.usize)
                if self._early is not None:  # not taken by a commit: its file goes
                    weakref.finalize(self, self._early.discard)

    def _is_read(self, data: WorkbookData | None) -> bool:
        """Whether ``data`` is what the job read of this very file, unchanged since."""
        return data is not None and data.stamp == self._stamp and \
            Path(data.path).resolve() == self.path.resolve()

    def _cache_days_late(self) -> bool:
        """Cache today's days late (TODAY() moves them) from what the job read, when that
        was this very file, unchanged; False when the package must be read instead."""
        data = self._read
        if data is None or not self._is_read(data):
            return False
        early, self._early = self._early, None
        made = early.parts() if early is not None else None
        if made is not None and not any(part in self._parts for part in made):
            self._parts.update(made)
            return True
        stale = stale_days_late(data, date.today())
        if stale is None:
            return False
        for name, updates in stale.items():
            self.set_cached_values(name, updates)
        return True

    # ---------------------------------------------------------------- commit
    def _before_commit(self) -> list[str]:
        """workbook.xml's calcPr made true and the tables whose formulas' cached values
        must be brought up to date once the package is written (none: all cached now)."""
        refresh = groups_to_refresh(self._tables.keys(), self._fed, self._full_calc())
        self._finish_workbook(full_calc=not refresh)
        if refresh == [CLOCK_ONLY] and self._cache_days_late():
            refresh = []  # cached in this very package: no second read and write
        elif self._early is not None:  # an input changed: the days late come with the rest
            self._early.discard()
            self._early = None
        return refresh

    def commit(self, *, backup: bool = True) -> Path:
        """Write the new package beside the old one, keep the old as a backup, swap them."""
        if self._committed:
            raise RuntimeError("this WorkbookWriter has already committed")
        _check_unlocked(self.path)
        st = self.path.stat()
        if (st.st_size, st.st_mtime_ns) != self._stamp:
            raise WorkbookLocked(f"{self.path} was changed by someone else while the job ran; "
                                 "nothing was written: run again")
        refresh = self._before_commit()
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.stem}.", suffix=".tmp",
                                   dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                self._write_package(out)
                out.flush()
                if not refresh:
                    os.fsync(out.fileno())
            if refresh:
                _cache_formula_values(Path(tmp), refresh)
            os.chmod(tmp, st.st_mode & 0o7777)
            if backup:
                bak = self.path.with_name(f"{self.path.stem}.bak{self.path.suffix}")
                staged = bak.with_name(bak.name + ".tmp")
                staged.unlink(missing_ok=True)
                try:
                    os.link(self.path, staged)  # instant, and the old inode stays intact
                except OSError:
                    shutil.copy2(self.path, staged)
                os.replace(staged, bak)
            os.replace(tmp, self.path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise naming(exc, self.path) from exc
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        try:
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError:
            pass  # not every platform lets a directory be fsynced
        self._committed = True
        return self.path


def _cache_formula_values(path: Path, tables: list[str]) -> None:
    """Bring the cached values of ``tables``' formulas in the package at ``path`` up to
    date (what the formulas give today, by the clock as TODAY() does), or, when its
    tables cannot be read, ask for a full recalculation on opening; fsynced either way."""
    stale = stale_formula_cells(path, tables, date.today())
    writer = TableEditor(path)
    if stale is None:
        writer._finish_workbook(full_calc=True)
    elif not stale:
        with path.open("rb+") as f:
            os.fsync(f.fileno())
        return
    for name, updates in (stale or {}).items():
        writer.set_cached_values(name, updates)
    staged = path.with_name(path.name + ".cached")
    try:
        with staged.open("wb") as out:
            writer._write_package(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(staged, path)
    except OSError as exc:
        staged.unlink(missing_ok=True)
        raise naming(exc, path) from exc
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
