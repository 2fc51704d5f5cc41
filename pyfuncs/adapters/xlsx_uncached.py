"""What a cell that reads blank holds in the sheet's XML: a formula whose value was never
computed, or a number the fast reader could not take as a date.

A spreadsheet saves each formula with the value it computed (``<c r="C7"><f>B7*2</f>
<v>14</v></c>``). A program that writes formulas without calculating them (openpyxl, a
script, an export from another tool) leaves the value out: ``<f>B7*2</f>`` and no
``<v>``, or an empty one. The cells' readers then give a blank, and a required cell would
read as "required and empty" while the user, in Excel, sees a value there. The fix is not
to type something in an empty cell but to let a spreadsheet compute the formula (open and
save the workbook in Excel or LibreOffice) or to type the value itself.

Likewise a number far beyond any date (an amount pasted in a date column) in a date
cell: fastexcel gives a blank for it, not the number; the number is read back here and
reported as the date it is not.

Only asked about the cells that read blank in a required column, so a workbook without
such a cell pays nothing. An empty cached text (``t="str"`` with ``<v></v>``) is a formula
that computed "": that one is blank, and says so.
"""
from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

from pyfuncs.adapters import cells as C

_CELL = re.compile(rb'<c\b([^>]*?)(?:/>|>(.*?)</c>)', re.DOTALL)
_REF = re.compile(rb'\br="([A-Za-z]{1,3}[0-9]{1,7})"')
_FORMULA = re.compile(rb'<f\b[^>]*?(?:/>|>([^<]*)</f>)')
_VALUE = re.compile(rb'<v>([^<]+)</v>')
_TYPE = re.compile(rb'\bt="([a-zA-Z]+)"')
_FEW = 64  # up to this many cells, each is found by its reference (in C)

FORMULA, NUMBER = "formula", "number"


def unread_cells(path: Path, part: str, refs: Iterable[str]) -> dict[str, tuple[str, str]]:
    """{cell reference: (FORMULA, its formula) or (NUMBER, its number)} of the cells among
    ``refs`` ("C7") of the sheet part ``part`` that hold a formula with no computed value
    ("" for a shared formula, whose text is on another cell), or a plain number."""
    wanted = {r.upper() for r in refs}
    if not wanted:
        return {}
    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read(part)
    except (KeyError, OSError, zipfile.BadZipFile):
        return {}  # the cells' reader says what is wrong with the file
    out = {}
    for ref, attrs, inner in _cells(xml, wanted):
        kind = _TYPE.search(attrs)
        t = kind.group(1).decode() if kind else "n"
        value = _VALUE.search(inner)
        formula = _FORMULA.search(inner)
        if formula is not None and value is None:
            if t != "str":
                out[ref] = (FORMULA, _unescape((formula.group(1) or b"").decode(
                    "utf-8", "replace")))
        elif value is not None and t == "n":
            out[ref] = (NUMBER, value.group(1).decode("ascii", "replace").strip())
    return out


def _cells(xml: bytes, wanted: set[str]) -> Iterable[tuple[str, bytes, bytes]]:
    """(reference, attributes, content) of the wanted cells of a sheet's XML."""
    if len(wanted) <= _FEW:
        for ref in wanted:
            at = xml.find(b'<c r="' + ref.encode() + b'"')
            if at < 0:  # a writer that puts another attribute first
                m = re.compile(rb'<c\b[^>]*\br="' + ref.encode() + rb'"').search(xml)
                if m is None:
                    continue
                at = m.start()
            m = _CELL.match(xml, at)
            if m is not None:
                yield ref, m.group(1), m.group(2) or b""
        return
    for m in _CELL.finditer(xml):
        found = _REF.search(m.group(1))
        if found is not None and found.group(1).decode().upper() in wanted:
            yield found.group(1).decode().upper(), m.group(1), m.group(2) or b""


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def uncached_issue(formula: str, lang: str) -> C.Issue:
    """The finding of a formula never computed: its own, not "required and empty"."""
    shown = f" (={formula})" if formula else ""
    if lang == "fr":
        message = (f"La cellule contient une formule{shown} dont la valeur n'a jamais été "
                   "calculée : elle est lue comme vide.")
        fix = ("Ouvrir le classeur dans Excel ou LibreOffice et l'enregistrer (la formule "
               "est alors calculée), ou saisir la valeur elle-même.")
    else:
        message = (f"The cell holds a formula{shown} whose value was never computed: it "
                   "reads as empty.")
        fix = ("Open the workbook in Excel or LibreOffice and save it (the formula is then "
               "computed), or type the value itself.")
    return ("CELL-UNCOMPUTED", message, fix)
