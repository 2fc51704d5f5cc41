"""Dates in cells: a date-formatted number, an Excel serial (1900 or 1904 system) or a
date typed as text (31/01/2026, 1/2/26, 2026-01-31) -> date, or ``CellProblem``."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from pyfuncs.adapters.cell_values import problem, quoted

EXCEL_EPOCH = date(1899, 12, 30)    # serial 61 = 1900-03-01 (Excel's fictitious 29/02/1900)
EXCEL_EPOCH_1904 = date(1904, 1, 1)
MAX_SERIAL = 2958465                # 9999-12-31
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def serial_to_date(serial: float, date1904: bool = False) -> date | None:
    """An Excel serial number -> date (1900 system unless the workbook says 1904)."""
    if not ((0 if date1904 else 1) <= serial <= MAX_SERIAL - (1462 if date1904 else 0)):
        return None
    days = int(serial)
    if date1904:
        return EXCEL_EPOCH_1904 + timedelta(days=days)
    if days < 61:  # before Excel's fictitious 29/02/1900 (serial 60 reads as 28/02)
        days += 1
    return EXCEL_EPOCH + timedelta(days=days)


def parse_date_text(text: str) -> date | None:
    """'31/01/2026', '1/2/26', '2026-01-31' -> date; None when not a date or impossible."""
    t = text.strip()
    m = _YMD.match(t)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = _DMY.match(t)
        if not m:
            return None
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
        if len(m[3]) == 2:  # Excel's window: 00-29 -> 2000s, 30-99 -> 1900s
            y += 2000 if y < 30 else 1900
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def to_date(value: object, lang: str = "fr", date1904: bool = False) -> date | None:
    cls = value.__class__
    if cls is date:
        return value  # type: ignore[return-value]
    if value.__class__ is datetime:
        return value.date()
    got: date | None = None
    if value.__class__ is str:
        if not value.strip():
            return None
        got = parse_date_text(value)
    elif cls is float or cls is int:
        got = serial_to_date(value, date1904)  # type: ignore[arg-type]
    elif value.__class__ is timedelta:  # a [h]:mm duration format over a serial
        got = serial_to_date(value.total_seconds() / 86400, date1904)
    if got is None:
        raise problem("CELL-DATE", lang,
                       (f"{quoted(value, lang)} n'est pas une date valide.",
                        "Saisir une date jj/mm/aaaa qui existe (ex. 28/02/2026)."),
                       (f"{quoted(value, lang)} is not a valid date.",
                        "Enter a date that exists, as dd/mm/yyyy or yyyy-mm-dd."))
    return got
