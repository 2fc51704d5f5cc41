"""The package a job edits, as the surgical writer sees it (ARCHITECTURE.md, principle 6):
its zip directory, its parts by name (read whole or streamed in chunks), the workbook's
sheets and Excel Tables found through the relationships, the styles, and the writing of a
new package where every part the job did not change is copied byte for byte. A workbook
open in a spreadsheet (its owner file beside it) is never written behind its back.
"""
from __future__ import annotations

import posixpath
import re
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from pyfuncs.adapters.deflate import ZlibError
from pyfuncs.adapters.xlsx_styles import _Styles
from pyfuncs.adapters.xlsx_xml import (
    _attrs,
    _parse_ref,
)
from pyfuncs.adapters.zip_package import CHUNK, PackageError
from pyfuncs.adapters.zip_package import Blob as _Blob
from pyfuncs.adapters.zip_package import Entry as _Entry
from pyfuncs.adapters.zip_package import dos_now as _dos_now
from pyfuncs.adapters.zip_package import inflated as _inflated
from pyfuncs.adapters.zip_package import read_directory as _read_directory
from pyfuncs.adapters.zip_package import text_blob as _text_blob

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


class WorkbookLocked(Exception):
    """The workbook is open in a spreadsheet (or changed under us): writing would lose work."""


def lock_files(path: Path) -> list[Path]:
    """Owner files Excel (``~$name``) and LibreOffice (``.~lock.name#``) keep beside it."""
    return [path.with_name("~$" + path.name), path.with_name(".~lock." + path.name + "#")]


def _check_unlocked(path: Path) -> None:
    for lock in lock_files(path):
        if lock.exists():
            raise WorkbookLocked(f"{path}: open in a spreadsheet ({lock} exists); "
                                 "close it and run again")


@dataclass
class _Sheet:
    name: str
    part: str


@dataclass
class _Table:
    display: str
    part: str
    sheet: _Sheet


@dataclass
class _TableShape:
    ref: tuple[int, int, int, int]
    header_rows: int
    totals_rows: int
    columns: list[tuple[str, str | None, str | None]]  # name, raw formula, dataDxfId

    def column(self, label: str, table: str) -> int:
        memo = self.__dict__.setdefault("_memo", {})  # a job asks for the same labels often
        if label not in memo:
            memo[label] = self._column(label, table)
        return memo[label]

    def _column(self, label: str, table: str) -> int:
        names = [c[0] for c in self.columns]
        if label in names:
            return names.index(label)
        folded = [" ".join(n.casefold().split()) for n in names]
        key = " ".join(label.casefold().split())
        if key in folded:
            return folded.index(key)
        raise ValueError(f"table {table} has no column {label!r}")


def _rels_name(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def _insert_before(text: str, names: Sequence[str], closing: str, xml: str) -> str:
    """Insert at the schema's place: before the first of the elements that must follow."""
    hits = [m.start() for n in names if (m := re.search(rf"<{n}\b", text))]
    at = min(hits) if hits else text.rindex(closing)
    return text[:at] + xml + text[at:]


_AFTER_DEFINED_NAMES = ("calcPr", "oleSize", "customWorkbookViews", "pivotCaches",
                        "smartTagPr", "smartTagTypes", "webPublishing", "fileRecoveryPr",
                        "webPublishObjects", "extLst")
_KEEP_TAIL = {"sheetProtection", "conditionalFormatting", "printOptions", "pageMargins", "pageSetup",
              "headerFooter", "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF",
              "picture", "oleObjects", "controls", "webPublishItems", "AlternateContent",
              "extLst"}


class PackageEditor:
    """One workbook package: its parts, sheets, tables and styles, and the new package
    written from the parts a job changed (``_parts``) and all the others as they were."""


    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise PackageError(f"{self.path}: no such file")
        _check_unlocked(self.path)
        st = self.path.stat()
        self._stamp = (st.st_size, st.st_mtime_ns)
        self._entries, self._comment = _read_directory(self.path)
        self._parts: dict[str, _Blob | str] = {}  # owned parts' new content
        self._deleted: set[str] = set()
        self._formulas_changed = self._committed = False
        self._fed: set[str] = set()  # tables whose input cells the job changed
        office = [r for r in self._relationships("") if r["Type"].endswith("/officeDocument")]
        if not office or "purl.oclc.org" in office[0]["Type"]:
            raise PackageError(f"{self.path}: no workbook part (or Strict Open XML, which "
                               "is not supported: save as an ordinary Excel workbook)")
        self._wb = office[0]["part"]
        text = self._text(self._wb)
        if not re.search(r"<workbook\b", text):
            raise PackageError(f"{self.path}: unsupported workbook.xml")
        m = re.search(rf'xmlns:([\w.-]+)="{re.escape(REL)}"', text)
        self._r = m[1] if m else "r"
        # openpyxl declares it on each <sheet>, not on the root: a new <sheet> must then too
        root_tag = cast("re.Match[str]", re.search(r"<workbook\b[^>]*>", text))[0]
        self._r_xmlns = "" if f'xmlns:{self._r}="{REL}"' in root_tag else \
            f' xmlns:{self._r}="{REL}"'
        self._date1904 = bool(re.search(r'<workbookPr\b[^>]*\bdate1904="(?:1|true)"', text))
        self._styles: _Styles | None = None
        self._index()

    # ---------------------------------------------------------------- reading parts
    def _chunks(self, name: str) -> Iterator[bytes]:
        new = self._parts.get(name)
        if isinstance(new, str):
            yield new.encode("utf-8")
            return
        if new is not None:
            yield from new.chunks()
            return
        e = self._entries.get(name)
        if e is None:
            raise PackageError(f"{self.path}: part {name} is missing")
        if e.method not in (0, 8) or e.flags & 1:
            raise PackageError(f"{self.path}: {name} is encrypted or compressed oddly")
        # 64 KB at a time: inflates to a few MB at most
        yield from _inflated(self.path, e.offset, e.csize, e.method, name)

    def _text(self, name: str) -> str:
        new = self._parts.get(name)
        if isinstance(new, str):
            return new
        try:
            return b"".join(self._chunks(name)).decode("utf-8")
        except (UnicodeDecodeError, ZlibError) as exc:
            raise PackageError(f"{self.path}: {name} is unreadable ({exc})") from exc

    def _exists(self, name: str) -> bool:
        return (name in self._entries or name in self._parts) and name not in self._deleted

    def _relationships(self, part: str) -> list[dict[str, str]]:
        name = _rels_name(part) if part else "_rels/.rels"
        if not self._exists(name):
            return []
        out = []
        for m in re.finditer(r"<Relationship\b[^>]*>", self._text(name)):
            a = _attrs(m[0])
            target = a.get("Target", "")
            a["part"] = target[1:] if target.startswith("/") else posixpath.normpath(
                posixpath.join(posixpath.dirname(part), target))
            a["tag"] = m[0]
            if a.get("TargetMode") != "External":
                out.append(a)
        return out

    def _index(self) -> None:
        rels = {r["Id"]: r for r in self._relationships(self._wb)}
        self._sheets: list[_Sheet] = []
        self._tables: dict[str, _Table] = {}
        for m in re.finditer(r"<sheet\b[^>]*>", self._text(self._wb)):
            a = _attrs(m[0])
            rel = rels.get(a.get(f"{self._r}:id", ""))
            if rel is None:
                raise PackageError(f"{self.path}: sheet {a.get('name')!r} has no part")
            sheet = _Sheet(a["name"], rel["part"])
            self._sheets.append(sheet)
            for trel in self._relationships(sheet.part):
                if trel["Type"].endswith("/table"):
                    tag = re.search(r"<table\b[^>]*>", self._text(trel["part"]))
                    ta = _attrs(tag[0]) if tag else {}
                    table = _Table(ta.get("displayName") or ta.get("name", ""), trel["part"],
                                   sheet)
                    for key in (ta.get("name"), ta.get("displayName")):
                        if key:
                            self._tables[key.casefold()] = table

    def _style_book(self) -> _Styles:
        if self._styles is None:
            part = [r["part"] for r in self._relationships(self._wb)
                    if r["Type"].endswith("/styles")]
            if not part:
                raise PackageError(f"{self.path}: no styles part")
            self._styles_part, self._styles = part[0], _Styles(self._text(part[0]))
        return self._styles

    # ---------------------------------------------------------------- public queries
    def sheet_names(self) -> list[str]:
        return [s.name for s in self._sheets]

    def _sheet(self, name: str) -> _Sheet | None:
        return next((s for s in self._sheets if s.name.casefold() == name.casefold()), None)

    def _table(self, name: str) -> _Table:
        table = self._tables.get(name.casefold())
        if table is None:
            raise KeyError(f"{self.path}: no table named {name!r}")
        return table

    def _shape(self, table: _Table) -> _TableShape:
        text = self._text(table.part)
        a = _attrs(cast("re.Match[str]", re.search(r"<table\b[^>]*>", text))[0])
        columns = []
        for m in re.finditer(r"<tableColumn\b([^>]*?)(?:/>|>(.*?)</tableColumn>)", text,
                             re.DOTALL):
            ca = _attrs(m[1])
            f = re.search(r"<calculatedColumnFormula\b[^>]*>(.*?)</calculatedColumnFormula>",
                          m[2] or "", re.DOTALL)
            columns.append((ca.get("name", ""), f[1] if f else None, ca.get("dataDxfId")))
        return _TableShape(_parse_ref(a["ref"]), int(a.get("headerRowCount", "1")),
                           int(a.get("totalsRowCount", "0") or 0), columns)

    def _full_calc(self) -> bool:
        """Whether the workbook asks for a full recalculation on opening (its cached
        values may then be anything: XlsxWriter's zeros, an older version's)."""
        m = re.search(r"<calcPr\b[^>]*?/?>", self._text(self._wb))
        return bool(m and re.search(r'fullCalcOnLoad="(?:1|true)"', m[0]))

    def _finish_workbook(self, full_calc: bool = True) -> None:
        """No stale calcChain once formulas changed; a full recalculation on opening only
        when the formulas' cached values are not brought up to date (``full_calc``): with
        true cached values, opening costs no recalculation of every formula."""
        wb = self._text(self._wb)
        m = re.search(r"<calcPr\b[^>]*?/?>", wb)
        if not full_calc:
            if m is not None and "fullCalcOnLoad=" in m[0]:
                tag = re.sub(r'\s*fullCalcOnLoad="[^"]*"', "", m[0])
                wb = wb[:m.start()] + tag + wb[m.end():]
        elif m is None:
            wb = _insert_before(wb, _AFTER_DEFINED_NAMES[1:], "</workbook>",
                                '<calcPr fullCalcOnLoad="1"/>')
        elif "fullCalcOnLoad=" in m[0]:
            tag = re.sub(r'fullCalcOnLoad="[^"]*"', 'fullCalcOnLoad="1"', m[0])
            wb = wb[:m.start()] + tag + wb[m.end():]
        else:
            close = 2 if m[0].endswith("/>") else 1
            tag = m[0][:-close].rstrip() + ' fullCalcOnLoad="1"' + m[0][-close:]
            wb = wb[:m.start()] + tag + wb[m.end():]
        self._parts[self._wb] = wb
        if self._styles is not None and self._styles.changed:
            self._parts[self._styles_part] = self._styles.text
        chains = [r for r in self._relationships(self._wb) if r["Type"].endswith("/calcChain")]
        if self._formulas_changed and chains:
            rels_name = _rels_name(self._wb)
            self._parts[rels_name] = self._text(rels_name).replace(chains[0]["tag"], "")
            ct = self._text("[Content_Types].xml")
            self._parts["[Content_Types].xml"] = re.sub(
                rf'<Override\b[^>]*PartName="/{re.escape(chains[0]["part"])}"[^>]*/>', "", ct)
            self._deleted.add(chains[0]["part"])

    def _write_package(self, out) -> None:
        centrals = []
        with self.path.open("rb") as src:
            for name, entry in self._entries.items():
                if name in self._deleted:
                    continue
                new = self._parts.get(name)
                centrals.append(self._copy_entry(src, out, entry) if new is None else
                                self._new_entry(out, name, new))
        for name, new in self._parts.items():
            if name not in self._entries:
                centrals.append(self._new_entry(out, name, new))
        start = out.tell()
        for record in centrals:
            out.write(record)
        size, end = out.tell() - start, out.tell()
        if end > 0xFFFFFFFF or len(centrals) > 0xFFFE:
            raise PackageError(f"{self.path}: the result would need ZIP64 (over 4 GB)")
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(centrals), len(centrals),
                              size, start, len(self._comment)) + self._comment)

    def _copy_entry(self, src, out, entry: _Entry) -> bytes:
        """The entry's local header, compressed data and descriptor, byte for byte."""
        src.seek(entry.offset)
        header = src.read(30)
        if header[:4] != b"PK\x03\x04":
            raise PackageError(f"{self.path}: damaged zip entry {entry.name}")
        nlen, elen = struct.unpack("<HH", header[26:30])
        length = 30 + nlen + elen + entry.csize
        if entry.flags & 8:
            src.seek(entry.offset + length)
            length += 16 if src.read(4) == b"PK\x07\x08" else 12
        offset = out.tell()
        if offset > 0xFFFFFFFF:
            raise PackageError(f"{self.path}: the result would need ZIP64 (over 4 GB)")
        src.seek(entry.offset)
        while length:
            data = src.read(min(length, CHUNK))
            if not data:
                raise PackageError(f"{self.path}: {entry.name} is truncated")
            out.write(data)
            length -= len(data)
        return entry.central[:42] + struct.pack("<I", offset) + entry.central[46:]

    def _new_entry(self, out, name: str, content: _Blob | str) -> bytes:
        blob = _text_blob(content) if isinstance(content, str) else content
        raw_name = name.encode("utf-8")
        flags = 0 if raw_name.isascii() else 0x800
        dos_time, dos_date = _dos_now()
        offset = out.tell()
        if max(offset, blob.csize, blob.usize) > 0xFFFFFFFF:
            raise PackageError(f"{self.path}: {name} would need ZIP64 (over 4 GB)")
        fields = (flags, 8, dos_time, dos_date, blob.crc, blob.csize, blob.usize, len(raw_name))
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, *fields, 0) + raw_name)
        for chunk in blob.raw():
            out.write(chunk)
        return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, *fields, 0, 0, 0, 0, 0,
                           offset) + raw_name
