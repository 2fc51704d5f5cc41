"""Surgical, atomic writes into a user's .xlsx/.xlsm package (ARCHITECTURE.md, principle 6).

Why not openpyxl: a load + save of a workbook it did not write drops shapes, form buttons,
slicers, x14 extensions and sometimes VBA, and takes ~30 s at 100k rows. An .xlsx is a zip
of XML parts, so this writer rewrites only the parts a job owns (output sheets, the rows
appended to a Table and its ref, workbook.xml's calcPr, a few styles) and copies every
other zip entry byte for byte, compressed data and local header included. Owned parts are
edited by splicing text, so what a job does not understand inside them survives too, and
big sheet parts are streamed (inflated, rewritten row by row, deflated) never held as a DOM.

Assumptions, checked where cheap: SpreadsheetML in the default namespace (what Excel,
LibreOffice, openpyxl and XlsxWriter write), transitional not Strict, no ZIP64.
"""
from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pyfuncs.adapters.cells import col_letter
from pyfuncs.adapters.xlsx_package import (
    _AFTER_DEFINED_NAMES,
    _KEEP_TAIL,
    CT_SHEET,
    REL,
    WorkbookLocked,
    _insert_before,
    _rels_name,
    _Sheet,
    lock_files,
)
from pyfuncs.adapters.xlsx_print import (
    _fit_to_page,
    _with_page_setup,
    header_width,
    print_setup,
)
from pyfuncs.adapters.xlsx_rows import _head_and_tail
from pyfuncs.adapters.xlsx_styles import KIND_FORMATS
from pyfuncs.adapters.xlsx_tables import TableEditor
from pyfuncs.adapters.xlsx_xml import (
    Styled,
    _attrs,
    _esc,
    _number,
    _top_elements,
    cell_xml,
)
from pyfuncs.adapters.zip_package import Blob as _Blob
from pyfuncs.adapters.zip_package import PackageError

# what the jobs and entry points import from the writer
__all__ = ["FIRST_DATA_ROW", "PackageError", "WorkbookLocked", "WorkbookWriter", "lock_files"]

FIRST_DATA_ROW = 4  # output sheets: title, blank, header, then data


class WorkbookWriter(TableEditor):
    """Queues a job's changes to one workbook, then writes them in one atomic commit:
    rows and cells of its Tables (TableEditor) and whole output sheets (below)."""

    def replace_sheet(self, sheet_name: str, *, title: str,
                      columns: list[tuple[str, str, float]], rows: Iterable[Sequence[object]],
                      links: dict[int, tuple[int, str]] | None = None,
                      before: str | None = None, protect: bool = False,
                      total_row: int | None = None, one_page: bool = False) -> None:
        """Write an output sheet anew (title, header, data from row 4), streaming the rows.

        The sheet's tab colour, code name, charts, buttons, pictures, page set-up and
        conditional formats are the template's, so they are kept; its cells are the tool's.
        ``protect`` locks the sheet (no password: it says "read only", it is no security)
        when the template did not already. ``total_row`` (an index into ``rows``): that row
        and those after it are totals, bold under a rule and outside the filter. A sheet
        without a page set-up of its own gets one (``print_setup``; ``one_page``: the
        whole sheet, charts included, on one page).
        """
        if not columns:
            raise ValueError("an output sheet needs at least one column")
        links, book = links or {}, self._style_book()
        kinds = [kind for _, kind, _ in columns]
        unknown = set(kinds) - set(KIND_FORMATS) - {"text"}
        if unknown:
            raise ValueError(f"unknown column kinds {sorted(unknown)}")
        styles = [book.xf(k) for k in kinds]
        attrs = [f' s="{x}"' if x else "" for x in styles]
        total_styles: list[int | None] = ([book.xf_total(k) for k in kinds]
                                          if total_row is not None else [])
        total_attrs = [f' s="{x}"' for x in total_styles]
        title_s, header_s, link_s, date_s = (book.xf(k) for k in ("title", "header", "link",
                                                                  "date"))
        sheet = self._sheet(sheet_name) or self._add_sheet(sheet_name, before)
        decl, root, head, views, kept = self._old_layout(sheet)
        columns = [(label, kind, max(width, header_width(label)))
                   for label, kind, width in columns]
        last_col = col_letter(len(columns) - 1)
        count = len(rows) if hasattr(rows, "__len__") else None  # type: ignore[arg-type]
        blob = _Blob()
        setup = None
        if not any(name == "pageSetup" for name, _ in kept):
            setup = print_setup([w for _, _, w in columns], one_page)
            kept = _with_page_setup(kept, setup)
        sheet_pr = head.get("sheetPr", "")
        if setup is not None:
            sheet_pr = _fit_to_page(sheet_pr)
        out = [decl, root, sheet_pr]
        if count is not None:
            out.append(f'<dimension ref="A1:{last_col}{3 + max(count, 1)}"/>')
        out += ["<sheetViews>", views, "</sheetViews>",
                head.get("sheetFormatPr", '<sheetFormatPr defaultRowHeight="15"/>'), "<cols>"]
        out += [f'<col min="{j}" max="{j}" width="{w + 0.7109375}" customWidth="1"/>'
                for j, (_, _, w) in enumerate(columns, 1)]  # what Excel adds to a width
        two_lines = any(header_width(label, 1) > w for label, _, w in columns)
        header_row = '<row r="3" ht="30" customHeight="1">' if two_lines else '<row r="3">'
        out.append(f'</cols><sheetData><row r="1">{cell_xml("A1", title, title_s)}</row>'
                   + header_row)
        out += [cell_xml(f"{col_letter(j)}3", label, header_s)
                for j, (label, _, _) in enumerate(columns)]
        out.append("</row>")
        blob.write("".join(out).encode("utf-8"))
        letters = [col_letter(j) for j in range(len(columns))]
        hyperlinks, out, number = [], [], FIRST_DATA_ROW - 1
        epoch = (date(1904, 1, 1) if self._date1904 else date(1899, 12, 30)).toordinal()
        escaped: dict[str, str] = {}
        last_filtered = None
        for i, values in enumerate(rows):
            number = FIRST_DATA_ROW + i
            if i == total_row:
                last_filtered = number - 1
                styles, attrs = total_styles, total_attrs
            r = str(number)
            link = links.get(i)
            cells = []
            v: Any  # a cell's value, of one of the types dispatched on below
            for j, v in enumerate(values):
                if v is None:
                    continue
                while j >= len(letters):
                    letters.append(col_letter(len(letters)))
                    styles.append(None)
                    attrs.append("")
                    kinds.append("text")
                t = type(v)
                if link is not None and j == link[0]:
                    cells.append(cell_xml(letters[j] + r, v, link_s, self._date1904))
                elif t is str:
                    text = escaped.get(v)  # names and codes repeat down a column
                    if text is None:
                        text = _esc(v)
                        if len(escaped) < 4096:  # bounded: a sheet streams in little memory
                            escaped[v] = text
                    cells.append(f'<c r="{letters[j]}{r}"{attrs[j]} t="inlineStr"><is><t '
                                 f'xml:space="preserve">{text}</t></is></c>')
                elif t is int:
                    cells.append(f'<c r="{letters[j]}{r}"{attrs[j]}><v>{v}</v></c>')
                elif t is Decimal or t is float:
                    shown = str(v) if t is Decimal else repr(v)
                    if "E" in shown or "e" in shown or "n" in shown or "N" in shown:
                        shown = _number(v)  # 1E+3 or 1e-07 spelt out; NaN, inf refused
                    cells.append(f'<c r="{letters[j]}{r}"{attrs[j]}><v>{shown}</v></c>')
                elif t is date:
                    s = attrs[j] if kinds[j] == "date" else f' s="{date_s}"'
                    cells.append(f'<c r="{letters[j]}{r}"{s}><v>{v.toordinal() - epoch}</v></c>')
                elif t is Styled:
                    cells.append(cell_xml(letters[j] + r, v.value, book.xf(v.kind),
                                          self._date1904))
                else:
                    xf = date_s if isinstance(v, date) and kinds[j] != "date" else styles[j]
                    cells.append(cell_xml(letters[j] + r, v, xf, self._date1904))
            if link is not None:
                linked = values[link[0]] if link[0] < len(values) else None
                hyperlinks.append(f'<hyperlink ref="{col_letter(link[0])}{r}" location='
                                  f'"{_esc(link[1])}" display="{_esc(str(linked or link[1]))}"/>')
            out.append(f'<row r="{r}">{"".join(cells)}</row>')
            if len(out) >= 2000:
                blob.write("".join(out).encode("utf-8"))
                out = []
        filtered = last_filtered if last_filtered is not None else number
        area = f"A3:{last_col}{max(filtered, 4)}"
        # kept elements stay in their order; ours go where the schema wants them
        protection = [text for name, text in kept if name == "sheetProtection"]
        if protect and not protection:
            protection = [('<sheetProtection sheet="1" objects="1" scenarios="1" '
                           'autoFilter="0" sort="0"/>')]
        cf = [text for name, text in kept if name == "conditionalFormatting"]
        rest = [text for name, text in kept if name not in ("conditionalFormatting",
                                                            "sheetProtection")]
        out += ["</sheetData>", *protection, f'<autoFilter ref="{area}"/>', *cf]
        if hyperlinks:
            out += ["<hyperlinks>", *hyperlinks, "</hyperlinks>"]
        out += [*rest, "</worksheet>"]
        blob.write("".join(out).encode("utf-8"))
        self._parts[sheet.part] = blob.close()
        quoted = "'" + sheet.name.replace("'", "''") + "'"
        self._set_filter_name(sheet, f"{quoted}!$A$3:${last_col}${max(filtered, 4)}")
        if setup is not None and not one_page:
            self._set_filter_name(sheet, f"{quoted}!$3:$3", "_xlnm.Print_Titles", hidden=False)

    def _old_layout(self, sheet: _Sheet) -> tuple[str, str, dict[str, str], str,
                                                   list[tuple[str, str]]]:
        """What an output sheet keeps of its old part: root tag, sheetPr, views, drawings."""
        pane = ('<pane ySplit="3" topLeftCell="A4" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A4" sqref="A4"/>')
        if not self._exists(sheet.part):
            return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
                    ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                     f'main" xmlns:r="{REL}">'), {},
                    f'<sheetView workbookViewId="0">{pane}</sheetView>', [])
        head, tail, formulas = _head_and_tail(self._chunks(sheet.part))
        self._formulas_changed |= formulas  # dropping formulas would leave a stale calcChain
        text = head.decode("utf-8")
        root = re.search(r"<worksheet\b[^>]*>", text)
        if root is None:
            raise ValueError(f"sheet {sheet.name!r} is not a worksheet")
        inner = dict(_top_elements(text[root.end():text.rindex("<sheetData")]))
        starts = re.findall(r"<sheetView\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)/?>",
                            inner.get("sheetViews", "")) or [' workbookViewId="0"']
        views = "".join(f"<sheetView{a.rstrip()}>{pane}</sheetView>" for a in starts)
        tail_text = tail.decode("utf-8")
        kept = _top_elements(tail_text[len("</sheetData>"):tail_text.rindex("</worksheet>")])
        if any(name == "tableParts" and "<tablePart " in t for name, t in kept):
            raise ValueError(f"sheet {sheet.name!r} holds an Excel Table: it is not an "
                             "output sheet the tool may rewrite")
        return (text[:root.start()], root[0], inner, views,
                [(n, t) for n, t in kept if n in _KEEP_TAIL])

    def _set_filter_name(self, sheet: _Sheet, ref: str, name: str = "_xlnm._FilterDatabase",
                         hidden: bool = True) -> None:
        """Excel writes, and LibreOffice needs, a hidden name for each sheet's autofilter;
        the rows printed on every page are such a sheet's name too."""
        text = self._text(self._wb)
        index = self._sheets.index(sheet)
        flag = ' hidden="1"' if hidden else ""
        xml = (f'<definedName name="{name}" localSheetId="{index}"{flag}>'
               f"{_esc(ref)}</definedName>")
        old = (rf'<definedName\b(?=[^>]*\bname="{re.escape(name)}")'
               rf'(?=[^>]*\blocalSheetId="{index}")[^>]*>.*?</definedName>')
        if re.search(old, text, re.DOTALL):
            text = re.sub(old, lambda _m: xml, text, count=1, flags=re.DOTALL)
        elif re.search(r"<definedNames\s*/>", text):
            text = re.sub(r"<definedNames\s*/>", lambda _m: f"<definedNames>{xml}</definedNames>",
                          text, count=1)
        elif "</definedNames>" in text:
            text = text.replace("</definedNames>", xml + "</definedNames>", 1)
        else:
            text = _insert_before(text, _AFTER_DEFINED_NAMES, "</workbook>",
                                  f"<definedNames>{xml}</definedNames>")
        self._parts[self._wb] = text

    def _add_sheet(self, name: str, before: str | None) -> _Sheet:
        if not 0 < len(name) <= 31 or re.search(r"[\[\]:*?/\\]", name) or \
                name.startswith("'") or name.endswith("'"):
            raise ValueError(f"{name!r} is not a valid sheet name")
        anchor = self._sheet(before) if before else None
        if before and anchor is None:
            raise ValueError(f"no sheet named {before!r} to insert {name!r} before")
        n = 1
        while self._exists(f"xl/worksheets/sheet{n}.xml"):
            n += 1
        part = f"xl/worksheets/sheet{n}.xml"
        rels_name = _rels_name(self._wb)
        rels = self._text(rels_name)
        ids, k = set(re.findall(r'\bId="([^"]*)"', rels)), 1
        while f"rId{k}" in ids:
            k += 1
        target = posixpath.relpath(part, posixpath.dirname(self._wb))
        self._parts[rels_name] = rels.replace("</Relationships>", (
            f'<Relationship Id="rId{k}" Type="{REL}/worksheet" Target="{target}"/>'
            "</Relationships>"))
        wb = self._text(self._wb)
        tags = list(re.finditer(r"<sheet\b[^>]*>", wb))
        sheet_id = max(int(_attrs(t[0]).get("sheetId", 0)) for t in tags) + 1
        tag = (f'<sheet{self._r_xmlns} name="{_esc(name)}" sheetId="{sheet_id}" '
               f'{self._r}:id="rId{k}"/>')
        index = self._sheets.index(anchor) if anchor else len(self._sheets)
        if anchor:
            # sheets are referred to by position: shift what points at the ones that move
            wb = re.sub(r'(\b(?:localSheetId|activeTab|firstSheet)=)"(\d+)"',
                        lambda m: f'{m[1]}"{int(m[2]) + (int(m[2]) >= index)}"', wb)
            at = list(re.finditer(r"<sheet\b[^>]*>", wb))[index].start()
        else:
            at = wb.index("</sheets>")
        self._parts[self._wb] = wb[:at] + tag + wb[at:]
        ct = self._text("[Content_Types].xml")
        self._parts["[Content_Types].xml"] = ct.replace("</Types>", (
            f'<Override PartName="/{part}" ContentType="{CT_SHEET}"/></Types>'))
        sheet = _Sheet(name, part)
        self._sheets.insert(index, sheet)
        return sheet
