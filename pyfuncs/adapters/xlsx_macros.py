"""Turn a user's workbook into a macro-enabled one with Facturier's buttons, without Excel.

`facturier excel-setup` copies the workbook to an .xlsm and, through the surgical writer
(only the parts named here change, everything else is copied byte for byte), adds:
the VBA project (adapters/vba_project.py: the buttons' Subs and xlwings' RunPython), the
relationship and content types that declare it, ``codeName="ThisWorkbook"`` on the
workbook, and the dashboard's six form buttons (the VML drawing of the shipped .xlsm
template) wired to those Subs. A workbook that already has a VBA project or a legacy
drawing on its dashboard is refused rather than merged: its macros are the user's.
"""
from __future__ import annotations

import posixpath
import re

from pyfuncs.adapters.xlsx_package import REL, _insert_before, _rels_name
from pyfuncs.adapters.xlsx_write import WorkbookWriter
from pyfuncs.adapters.zip_package import Blob as _Blob
from pyfuncs.adapters.zip_package import PackageError

VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
VML_REL = f"{REL}/vmlDrawing"
MAIN_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MAIN_XLSM = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
BIN_TYPE = "application/vnd.ms-office.vbaProject"
VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
# what follows <legacyDrawing> in a worksheet, in schema order
_AFTER_LEGACY = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                 "webPublishItems", "tableParts", "extLst")


def _blob(data: bytes) -> _Blob:
    blob = _Blob()
    blob.write(data)
    return blob.close()


def _add_rel(writer: WorkbookWriter, part: str, rel_type: str, target: str) -> str:
    """A relationship from ``part``; returns its id."""
    name = _rels_name(part)
    text = writer._text(name) if writer._exists(name) else (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
        '"http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>')
    ids = set(re.findall(r'\bId="([^"]*)"', text))
    k = 1
    while f"rId{k}" in ids:
        k += 1
    writer._parts[name] = text.replace(
        "</Relationships>", f'<Relationship Id="rId{k}" Type="{rel_type}" '
                            f'Target="{target}"/></Relationships>')
    return f"rId{k}"


def _default_type(ct: str, extension: str, content_type: str) -> str:
    if re.search(rf'<Default\b[^>]*Extension="{extension}"', ct, re.IGNORECASE):
        return ct
    return ct.replace("<Default ", f'<Default Extension="{extension}" '
                                   f'ContentType="{content_type}"/><Default ', 1)


def enable_macros(writer: WorkbookWriter, vba: bytes, vml: bytes | None,
                  dashboard: str | None) -> list[str]:
    """Queue the changes; returns what was done, for the user."""
    done = []
    wb = writer._wb
    if any(r["Type"] == VBA_REL for r in writer._relationships(wb)):
        raise PackageError(f"{writer.path.name} already has a VBA project: import "
                           "macros/Facturier.bas into it from the VBA editor instead")
    folder = posixpath.dirname(wb)
    writer._parts[posixpath.join(folder, "vbaProject.bin")] = _blob(vba)
    _add_rel(writer, wb, VBA_REL, "vbaProject.bin")
    ct = writer._text("[Content_Types].xml")
    ct = ct.replace(f'ContentType="{MAIN_XLSX}"', f'ContentType="{MAIN_XLSM}"')
    ct = _default_type(ct, "bin", BIN_TYPE)
    text = writer._text(wb)
    m = re.search(r"<workbookPr\b[^>]*?(/?)>", text)
    if m is None:
        text = _insert_before(text, ("bookViews", "sheets"), "</workbook>",
                              '<workbookPr codeName="ThisWorkbook"/>')
    elif "codeName=" not in m[0]:
        tag = m[0][:m.start(1) - m.start()] + ' codeName="ThisWorkbook"' + m[0][m.start(1) -
                                                                              m.start():]
        text = text[:m.start()] + tag + text[m.end():]
    writer._parts[wb] = text
    done.append("VBA project (macros/Facturier.bas and xlwings' RunPython module)")
    sheet = writer._sheet(dashboard) if dashboard else None
    if vml is not None and sheet is not None:
        xml = writer._text(sheet.part)
        if "<legacyDrawing " in xml or "<legacyDrawing>" in xml:
            done.append(f"no buttons: the sheet '{dashboard}' already has a legacy drawing "
                        "(comments or controls); draw them by hand")
        else:
            n = 1
            while writer._exists(f"xl/drawings/vmlDrawing{n}.vml"):
                n += 1
            taken = {int(d) for name in writer._entries if name.endswith(".vml")
                     for d in re.findall(rb'data="(\d+)"', _read_entry(writer, name))}
            data_id = max(taken, default=0) + 1
            vml = re.sub(rb'data="\d+"', b'data="%d"' % data_id, vml)
            vml = re.sub(rb"_x0000_s1(\d{3})", lambda m: b"_x0000_s%d" % (
                1024 * data_id + int(m[1]) - 24), vml)
            writer._parts[f"xl/drawings/vmlDrawing{n}.vml"] = _blob(vml)
            rid = _add_rel(writer, sheet.part, VML_REL, f"../drawings/vmlDrawing{n}.vml")
            ns = "" if f'xmlns:r="{REL}"' in xml[:xml.index(">", xml.index("<worksheet"))] \
                else f' xmlns:r="{REL}"'
            xml = _insert_before(xml, _AFTER_LEGACY, "</worksheet>",
                                 f'<legacyDrawing{ns} r:id="{rid}"/>')
            writer._parts[sheet.part] = xml
            ct = _default_type(ct, "vml", VML_TYPE)
            count = vml.count(b"<x:FmlaMacro>")  # the template's buttons, however many
            done.append(f"{count} buttons on the sheet '{dashboard}'")
    writer._parts["[Content_Types].xml"] = ct
    return done


def _read_entry(writer: WorkbookWriter, name: str) -> bytes:
    return b"".join(writer._chunks(name))
