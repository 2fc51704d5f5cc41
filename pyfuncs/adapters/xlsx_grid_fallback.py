"""A sheet's grid when python-calamine cannot give it: a number in a date cell beyond
any date (1e15 formatted as a date) makes calamine's Rust code panic. openpyxl reads such
a cell as the error text "#VALUE!"; the reader then reports it on its cell, like any
other value that is not a date. Slower than calamine, so only for the sheet that needs it.
"""
from __future__ import annotations

import warnings
from datetime import datetime
from pathlib import Path


def grid(path: Path, sheet: str) -> list[list]:
    """The sheet's cells from A1, as python-calamine's ``to_python`` gives them: '' for
    an empty cell, every number a float, a date at midnight as a date."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "outside the limits for dates": reported later
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            rows = [[_cell(v) for v in row] for row in
                    book[sheet].iter_rows(min_row=1, min_col=1, values_only=True)]
        finally:
            book.close()
    width = max(map(len, rows), default=0)
    return [row + [""] * (width - len(row)) for row in rows]


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, int) and value.__class__ is int:
        return float(value)
    if isinstance(value, datetime) and value.__class__ is datetime and \
            value == datetime.combine(value.date(), datetime.min.time()):
        return value.date()
    return value
