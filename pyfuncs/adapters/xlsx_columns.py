"""Columns added at the right end of a user's Excel Table, in the package itself
(ARCHITECTURE.md, principle 6): the header cell styled as the table's last header, the
table part's column, its ref and filter widened, the column's width and its data
validation. Only the table's sheet part and table part change; every other part of the
package is copied byte for byte, workbook.xml included (a blank column feeds no formula:
nothing to recalculate).

A column is never inserted among the others: formulas and references a user wrote
against the table's columns keep pointing where they did. Cells to the right of the table
that hold anything stop the edit: the new column would cover them.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from pyfuncs.adapters.cells import col_letter
from pyfuncs.adapters.xlsx_package import _Table
from pyfuncs.adapters.xlsx_rows import (
    _cells,
    _has_value,
    _merge_row,
    _row_number,
    _sheet_stream,
    _style_of,
)
from pyfuncs.adapters.xlsx_tables import TableEditor
from pyfuncs.adapters.xlsx_xml import _attrs, _esc, _parse_ref, _ref, cell_xml
from pyfuncs.adapters.zip_package import PackageError

EXTRA_VALIDATION_ROWS = 500  # as a new workbook: the validation reaches below the table

# what may follow <dataValidations> in a worksheet, in the schema's order
_AFTER_VALIDATIONS = ("hyperlinks", "printOptions", "pageMargins", "pageSetup",
                      "headerFooter", "rowBreaks", "colBreaks", "customProperties",
                      "cellWatches", "ignoredErrors", "smartTags", "drawing",
                      "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture",
                      "oleObjects", "controls", "webPublishItems", "tableParts", "extLst")


class ColumnsBlocked(PackageError):
    """The column cannot be added where it must go (cells to the table's right in use)."""


@dataclass(frozen=True)
class NewColumn:
    """A column to add to a Table.

    Attributes:
      label: its header, in the workbook's language.
      width: its width in characters, as the schema gives it.
      validation: its data validation as a new workbook has it (XlsxWriter's options:
        validate, source, criteria, minimum, maximum, input_title, input_message,
        error_message), or None.
    """

    label: str
    width: float = 14
    validation: Mapping[str, object] | None = field(default=None)


class ColumnEditor(TableEditor):
    """A package whose Tables gain columns at their right end, written by ``commit``."""

    def table_columns(self, table_name: str) -> tuple[str, list[str], bool] | None:
        """The sheet, the column names and whether the Table has a header row; None
        when the workbook has no Excel Table of that name."""
        table = self._tables.get(table_name.casefold())
        if table is None:
            return None
        shape = self._shape(table)
        return table.sheet.name, [c[0] for c in shape.columns], shape.header_rows > 0

    def add_columns(self, table_name: str, columns: Sequence[NewColumn]) -> None:
        """Add ``columns`` after the table's last one, their body cells blank.

        Raises ColumnsBlocked, naming the sheet, the table and the cell, when a cell the
        new columns would cover holds anything or belongs to another table or a merge."""
        if not columns:
            return
        table = self._table(table_name)
        shape = self._shape(table)
        if not shape.header_rows:
            raise ColumnsBlocked(f"{table.sheet.name}: table {table.display} has no header "
                                 "row; add its columns in Excel")
        c1, r1, c2, last = shape.ref
        new = range(c2 + 1, c2 + 1 + len(columns))
        below = self._check_free(table, new, r1, last)
        self._edit_sheet(table, shape.columns, columns, new, r1, last, below)
        self._edit_table_part(table, columns, _ref(c1, r1, new[-1], last))

    # ---------------------------------------------------------------- checks
    def _check_free(self, table: _Table, new: range, r1: int, last: int) -> dict[int, int]:
        """Raises ColumnsBlocked when the new columns would cover anything; returns, for
        each new column, the first row below the table where a user wrote something (its
        drop-down list stops above it)."""
        sheet = table.sheet
        what = (f"the new column(s) of table {table.display} (sheet {sheet.name}) would "
                f"cover")
        for other in {id(t): t for t in self._tables.values()}.values():
            if other.sheet is sheet and other is not table:
                a, b, c, d = self._shape(other).ref
                if a <= new[-1] and c >= new[0] and b <= last and d >= r1:
                    raise ColumnsBlocked(f"{sheet.name}!{col_letter(max(a, new[0]))}"
                                         f"{max(b, r1)}: {what} table {other.display}; "
                                         "move it and run again")
        previous, below = 0, {}
        for kind, data in _sheet_stream(self._chunks(sheet.part)):
            if kind == "row":
                previous = number = _row_number(data, previous)
                if number > last:
                    for col, cell in _cells(data).items():
                        if col in new and col not in below and _has_value(cell):
                            below[col] = number
                elif number >= r1:
                    for col, cell in _cells(data).items():
                        if col in new and _has_value(cell):
                            raise ColumnsBlocked(
                                f"{sheet.name}!{col_letter(col)}{number}: {what} this "
                                "cell, which is not empty; move its content elsewhere "
                                "and run again")
            elif kind == "tail":
                for m in re.finditer(rb'<mergeCell\b[^>]*\bref="([^"]+)"', data):
                    a, b, c, d = _parse_ref(m[1].decode())
                    if a <= new[-1] and c >= new[0] and b <= last and d >= r1:
                        raise ColumnsBlocked(f"{sheet.name}!{m[1].decode()}: {what} these "
                                             "merged cells; unmerge or move them and run "
                                             "again")
        return below

    # ---------------------------------------------------------------- the sheet part
    def _edit_sheet(self, table: _Table, existing: list[tuple[str, str | None, str | None]],
                    columns: Sequence[NewColumn], new: range, r1: int, last: int,
                    below: dict[int, int]) -> None:
        header = self._read_row(table.sheet.part, r1)
        c1 = new[0] - len(existing)
        inputs = [c1 + i for i, c in enumerate(existing) if c[1] is None] or \
            [c1 + len(existing) - 1]
        style = next((s for col in reversed(inputs)
                      if (s := _style_of(header.get(col))) is not None), None)
        edits = {col: _header_edit(col, column.label, style)
                 for col, column in zip(new, columns)}

        def head(data: bytes) -> bytes:
            data = _widen_dimension(data, new[-1])
            for col, column in zip(new, columns):
                data = _with_width(data, col + 1, column.width)
            return data

        def tail(data: bytes) -> bytes:
            rules = [_validation_xml(column.validation, _ref(
                col, r1 + 1, col, min(last + EXTRA_VALIDATION_ROWS, below.get(col, 1 << 20) - 1)),
                self._date1904)
                     for col, column in zip(new, columns) if column.validation]
            return _with_validations(data, rules) if rules else data

        self._rewrite(table.sheet.part, [r1], lambda n, row: _merge_row(n, row, edits),
                      head, tail)

    # ---------------------------------------------------------------- the table part
    def _edit_table_part(self, table: _Table, columns: Sequence[NewColumn], ref: str) -> None:
        text = self._text(table.part)
        ids = [int(x) for x in re.findall(r'<tableColumn\b[^>]*?\bid="(\d+)"', text)]
        next_id = max(ids, default=0) + 1
        xml = "".join(f'<tableColumn id="{next_id + i}" name="{_esc(c.label)}"/>'
                      for i, c in enumerate(columns))
        m = re.search(r"<tableColumns\b[^>]*>", text)
        end = text.find("</tableColumns>")
        if m is None or end < 0:
            raise PackageError(f"{self.path}: table {table.display} has no column list")
        opening = re.sub(r'\bcount="\d+"', f'count="{len(ids) + len(columns)}"', m[0])
        text = text[:m.start()] + opening + text[m.end():end].rstrip() + xml + text[end:]
        text = re.sub(r'(<table\b[^>]*?\bref=")[^"]*', rf"\g<1>{ref}", text, count=1)
        text = re.sub(r'(<autoFilter\b[^>]*?\bref=")[^"]*', rf"\g<1>{ref}", text, count=1)
        self._parts[table.part] = text

    # ---------------------------------------------------------------- commit
    def _before_commit(self) -> list[str]:
        """Nothing beyond the sheet and table parts: a blank column changes no value, so
        workbook.xml and the cached values of formulas stay as they are."""
        return []


def _header_edit(col: int, label: str, style: str | None):
    def edit(number: int, old: bytes | None) -> bytes:
        return cell_xml(f"{col_letter(col)}{number}", label, style).encode("utf-8")
    return edit


def _widen_dimension(head: bytes, col: int) -> bytes:
    def grow(m: re.Match[bytes]) -> bytes:
        try:
            a, b, c, d = _parse_ref(m[1].decode())
        except PackageError:
            return m[0]
        return f'<dimension ref="{_ref(a, b, max(c, col), d)}"'.encode()
    return re.sub(rb'<dimension ref="([^"]+)"', grow, head, count=1)


def _excel_width(chars: float) -> float:
    """A width in characters as Excel stores it (Calibri 11: 7 pixels a digit, 5 of
    padding, in 1/256ths), the same figure XlsxWriter writes for a new workbook."""
    return int((int(chars * 7 + 0.5) + 5) / 7 * 256) / 256


def _with_width(head: bytes, col: int, chars: float) -> bytes:
    """The <cols> of a sheet with column ``col`` (1-based) at ``chars`` wide; a <col>
    spanning it is split around it, its other attributes kept."""
    width = f'<col min="{col}" max="{col}" width="{_excel_width(chars)}" customWidth="1"/>'
    m = re.search(rb"<cols>(.*?)</cols>", head, re.DOTALL)
    if m is None:
        at = head.rindex(b"<sheetData>")
        return head[:at] + b"<cols>" + width.encode() + b"</cols>" + head[at:]
    out, placed = [], False
    for tag in re.findall(r"<col\b[^>]*?/>|<col\b.*?</col>", m[1].decode("utf-8"), re.DOTALL):
        a = _attrs(tag[:tag.index(">") + 1])
        lo, hi = int(a.get("min", "0")), int(a.get("max", "0"))
        if hi < col or lo > col:
            if lo > col and not placed:
                out.append(width)
                placed = True
            out.append(tag)
            continue
        if lo < col:
            out.append(re.sub(r'\bmax="\d+"', f'max="{col - 1}"', tag, count=1))
        kept = re.sub(r'\s*\b(?:min|max|width|customWidth)="[^"]*"', "", tag)
        out.append(kept.replace("<col", f'<col min="{col}" max="{col}" '
                                f'width="{_excel_width(chars)}" customWidth="1"', 1))
        placed = True
        if hi > col:
            out.append(re.sub(r'\bmin="\d+"', f'min="{col + 1}"', tag, count=1))
    if not placed:
        out.append(width)
    return head[:m.start(1)] + "".join(out).encode("utf-8") + head[m.end(1):]


def _formula_value(value: object, date1904: bool) -> str:
    if isinstance(value, date):
        base = date(1904, 1, 1) if date1904 else date(1899, 12, 30)
        return str((value - base).days)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _validation_xml(opts: Mapping[str, object], sqref: str, date1904: bool) -> str:
    """One <dataValidation> from XlsxWriter's options, as XlsxWriter writes it."""
    kind = str(opts["validate"])
    attrs = f'type="{_esc(kind)}" allowBlank="1" showInputMessage="1" showErrorMessage="1"'
    for key, name in (("input_title", "promptTitle"), ("input_message", "prompt"),
                      ("error_message", "error")):
        if opts.get(key):
            attrs += f' {name}="{_esc(str(opts[key]))}"'
    if kind == "list":
        source = opts["source"]
        formula = str(source)[1:] if isinstance(source, str) else \
            '"' + ",".join(str(v) for v in source).replace('"', '""') + '"'  # type: ignore[attr-defined]
        formulas = f"<formula1>{_esc(formula)}</formula1>"
    else:
        formulas = (f"<formula1>{_formula_value(opts['minimum'], date1904)}</formula1>"
                    f"<formula2>{_formula_value(opts['maximum'], date1904)}</formula2>")
    return f'<dataValidation {attrs} sqref="{sqref}">{formulas}</dataValidation>'


def _with_validations(tail: bytes, rules: list[str]) -> bytes:
    text = tail.decode("utf-8")
    m = re.search(r"<dataValidations\b([^>]*?)(/?)>", text)
    if m is None:
        hits = [h.start() for n in _AFTER_VALIDATIONS if (h := re.search(rf"<{n}\b", text))]
        at = min(hits) if hits else text.rindex("</worksheet>")
        xml = f'<dataValidations count="{len(rules)}">{"".join(rules)}</dataValidations>'
        return (text[:at] + xml + text[at:]).encode("utf-8")
    end = m.end() if m[2] else text.index("</dataValidations>", m.end())
    count = len(re.findall(r"<dataValidation\b", text[m.end():end])) + len(rules)
    attrs = re.sub(r'\s*\bcount="\d+"', "", m[1])
    xml = (f'<dataValidations count="{count}"{attrs}>'
           + ("" if m[2] else text[m.end():end]) + "".join(rules) + "</dataValidations>")
    close = m.end() if m[2] else end + len("</dataValidations>")
    return (text[:m.start()] + xml + text[close:]).encode("utf-8")
