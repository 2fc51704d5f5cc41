"""The workbook's styles.xml as the surgical writer (xlsx_write.py) extends it: number
formats, fonts and cell formats (xf) added once and found again, so that a job's cells
show money, dates and rates as the schema formats them without touching a user's styles.
"""
from __future__ import annotations

import re
from typing import cast

from pyfuncs.adapters.xlsx_xml import _attrs, _esc
from pyfuncs.adapters.zip_package import PackageError
from pyfuncs.domain.schema import FMT_DATE, FMT_INT, FMT_MONEY, FMT_NUMBER, FMT_RATE

KIND_FORMATS = {"money": FMT_MONEY, "date": FMT_DATE, "int": FMT_INT, "rate": FMT_RATE,
                "number": FMT_NUMBER}
BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9,
                   "0.00%": 10}


class _Styles:
    """Finds or appends the few cell formats the writer needs; the only edit to styles.xml.

    Elements are appended in one canonical spelling, so the next run finds them verbatim
    and styles.xml does not grow run after run.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.cache: dict[str, int] = {}
        self.changed = False

    def _section(self, outer: str) -> re.Match[str] | None:
        return re.search(rf"<{outer}\b([^>]*?)(/?)>(?:(.*?)</{outer}>)?", self.text,
                         re.DOTALL)

    def _items(self, outer: str, inner: str) -> list[str]:
        m = self._section(outer)
        if m is None:
            raise PackageError(f"styles.xml has no <{outer}>")
        return re.findall(rf"<{inner}\b[^>]*?(?:/>|>.*?</{inner}>)", m[3] or "", re.DOTALL)

    def _append(self, outer: str, inner: str, xml: str) -> int:
        items = self._items(outer, inner)
        if xml in items:
            return items.index(xml)
        m = cast("re.Match[str]", self._section(outer))  # _items found it
        attrs = re.sub(r'\s*\bcount="\d+"', "", m[1]).rstrip("/ ")
        new = f'<{outer} count="{len(items) + 1}"{attrs}>{m[3] or ""}{xml}</{outer}>'
        self.text = self.text[:m.start()] + new + self.text[m.end():]
        self.changed = True
        return len(items)

    def number_format(self, code: str) -> int:
        for m in re.finditer(r"<numFmt\b[^>]*>", self.text):
            a = _attrs(m[0])
            if a.get("formatCode") == code and m.start() < self.text.find("</numFmts>"):
                return int(a["numFmtId"])
        if code in BUILTIN_FORMATS:
            return BUILTIN_FORMATS[code]
        ids = [int(x) for x in re.findall(r'numFmtId="(\d+)"', self.text)]
        new_id = max([163, *ids]) + 1
        if self._section("numFmts") is None:
            root = cast("re.Match[str]", re.search(r"<styleSheet\b[^>]*>", self.text))
            self.text = self.text[:root.end()] + "<numFmts/>" + self.text[root.end():]
        self._append("numFmts", "numFmt", f'<numFmt numFmtId="{new_id}" '
                                          f'formatCode="{_esc(code)}"/>')
        return new_id

    def _font(self, variant: str) -> int:
        base = self._items("fonts", "font")[0]
        props = {k: (re.search(rf"<{k}\b[^>]*/>", base) or [""])[0]
                 for k in ("sz", "name", "family", "charset", "scheme")}
        if variant == "title":
            props["sz"] = '<sz val="14"/>'
        lead = "<u/>" if variant == "link" else "<b/>"
        color = '<color rgb="FF0563C1"/>' if variant == "link" else ""
        xml = (f"<font>{lead}{props['sz']}{color}{props['name']}{props['family']}"
               f"{props['charset']}{props['scheme']}</font>")
        return self._append("fonts", "font", xml)

    def xf(self, kind: str) -> int | None:
        """The cellXfs index for a column kind, "header", "title" or "link"; None for text."""
        if kind in self.cache or kind == "text":
            return self.cache.get(kind)
        if kind in ("header", "title", "link"):
            font = self._font(kind)
            fill = self._append("fills", "fill", '<fill><patternFill patternType="solid">'
                                '<fgColor rgb="FFD9E1F2"/><bgColor indexed="64"/>'
                                "</patternFill></fill>") if kind == "header" else 0
            apply_fill = ' applyFill="1"' if fill else ""
            if kind == "header":  # a long label wraps on two lines (header_width)
                xml = (f'<xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="0" '
                       f'xfId="0" applyFont="1"{apply_fill} applyAlignment="1">'
                       '<alignment vertical="top" wrapText="1"/></xf>')
            else:
                xml = (f'<xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="0" '
                       f'xfId="0" applyFont="1"{apply_fill}/>')
        else:
            code = KIND_FORMATS.get(kind, kind)  # a kind, or a format code (from a dxf)
            xml = (f'<xf numFmtId="{self.number_format(code)}" fontId="0" fillId="0" '
                   f'borderId="0" xfId="0" applyNumberFormat="1"/>')
        self.cache[kind] = self._append("cellXfs", "xf", xml)
        return self.cache[kind]

    def xf_total(self, kind: str) -> int:
        """The cellXfs index for a totals row's cell of a column kind: bold, ruled above."""
        key = "total:" + kind
        if key not in self.cache:
            font = self._font("bold")
            border = self._append("borders", "border", '<border><left/><right/><top '
                                  'style="thin"><color auto="1"/></top><bottom/><diagonal/>'
                                  "</border>")
            code = KIND_FORMATS.get(kind, "General")
            xml = (f'<xf numFmtId="{self.number_format(code)}" fontId="{font}" fillId="0" '
                   f'borderId="{border}" xfId="0" applyNumberFormat="1" applyFont="1" '
                   'applyBorder="1"/>')
            self.cache[key] = self._append("cellXfs", "xf", xml)
        return self.cache[key]

    def dxf_format(self, dxf_id: str | None) -> str | None:
        """The number format of a table column's dataDxfId (its format for new rows)."""
        if dxf_id is None or self._section("dxfs") is None:
            return None
        dxfs = self._items("dxfs", "dxf")
        m = int(dxf_id) < len(dxfs) and re.search(r"<numFmt\b[^>]*>", dxfs[int(dxf_id)])
        return _attrs(m[0]).get("formatCode") if m else None


# ------------------------------------------------------------------------- the writer
