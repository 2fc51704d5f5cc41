"""Formula cells whose value was never computed, read from a sheet's XML part.

A spreadsheet saves each formula with the value it computed (``<c r="C7"><f>B7*2</f>
<v>14</v></c>``). A program that writes formulas without calculating them (openpyxl, a
script, an export from another tool) leaves the value out: ``<f>B7*2</f>`` and no
``<v>``, or an empty one. The cells' readers then give a blank, and a required cell would
read as "required and empty" while the user, in Excel, sees a value there. The fix is not
to type something in an empty cell but to let a spreadsheet compute the formula (open and
save the workbook in Excel or LibreOffice) or to type the value itself.

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

# a cell whose first child is its formula, and what follows it: its cached value or not
_FORMULA = re.compile(rb'<c\b([^>]*)>\s*<f\b[^>]*?(?:/>|>([^<]*)</f>)\s*(<v\s*/>|<v>([^<]*)</v>)?')
_REF = re.compile(rb'\br="([A-Za-z]{1,3}[0-9]{1,7})"')
_TEXT = re.compile(rb'\bt="str"')


def uncached_formulas(path: Path, part: str, refs: Iterable[str]) -> dict[str, str]:
    """{cell reference: its formula} of the cells among ``refs`` ("C7") of the sheet part
    ``part`` that hold a formula with no computed value ("" for a shared formula, whose
    text is on another cell)."""
    wanted = {r.upper() for r in refs}
    if not wanted:
        return {}
    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read(part)
    except (KeyError, OSError, zipfile.BadZipFile):
        return {}  # the cells' reader says what is wrong with the file
    out = {}
    for m in _FORMULA.finditer(xml):
        attrs = m.group(1)
        ref = _REF.search(attrs)
        if ref is None or ref.group(1).decode().upper() not in wanted:
            continue
        value = m.group(4)
        if m.group(3) is None or (not value and not _TEXT.search(attrs)):
            formula = (m.group(2) or b"").decode("utf-8", "replace")
            out[ref.group(1).decode().upper()] = _unescape(formula)
    return out


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
