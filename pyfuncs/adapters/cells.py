"""Cell values as python-calamine gives them -> the Python types of the schema, a column at
a time.

One scalar converter per column type (cell_values.py, cell_dates.py) says what a cell
means or raises ``CellProblem`` (code, message and fix in the workbook's language).
``convert_column`` runs a converter over a whole column, once per *distinct* value:
columns repeat themselves (rates, dates, client codes, choices), and mapping the rest
through a dict stays in C, which is what keeps reading 500k rows close to
python-calamine's own cost.

The scalar converters, the A1 column letters (cell_refs.py) and the row and table
messages (cell_issues.py) are exported from here too, as the reader names them.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import partial
from itertools import repeat
from operator import is_
from typing import cast

from pyfuncs.adapters.cell_dates import parse_date_text, serial_to_date, to_date
from pyfuncs.adapters.cell_issues import (
    also_named,
    default_used,
    duplicate_issue,
    missing_column_issue,
    required_issue,
    row_skipped,
    setting_issue,
    unknown_ref_issue,
)
from pyfuncs.adapters.cell_refs import col_index, col_letter
from pyfuncs.adapters.cell_values import (
    CellProblem,
    Issue,
    finite,
    parse_number_text,
    show,
    to_choice,
    to_email,
    to_id,
    to_int,
    to_money,
    to_number,
    to_rate,
    to_text,
)
from pyfuncs.domain import schema as S
from pyfuncs.domain.money import D

__all__ = ["BAD", "CellProblem", "Converter", "Issue", "also_named", "cached_column",
           "col_index", "col_letter", "convert_coded", "convert_column", "converter",
           "default_used", "duplicate_issue", "missing_column_issue", "parse_date_text",
           "parse_number_text", "required_issue", "row_skipped", "serial_to_date",
           "setting_issue", "show", "to_choice", "to_date", "to_email", "to_id", "to_int",
           "to_money", "to_number", "to_rate", "to_text", "unknown_ref_issue"]

BAD = object()   # stands in a converted column where a cell could not be read


Converter = Callable[[object], object]


def converter(col_type: str, lang: str, choices: str | None = None,
              date1904: bool = False) -> Converter:
    """The scalar converter of a column type, bound to the workbook's language."""
    if col_type in (S.CHOICE, S.BOOL):
        return partial(to_choice, lang=lang, choices=choices or "yesno")
    if col_type == S.DATE:
        return partial(to_date, lang=lang, date1904=date1904)
    return partial(_BY_TYPE[col_type], lang=lang)


_BY_TYPE: dict[str, Callable[..., object]] = {
    S.MONEY: to_money, S.NUMBER: to_number, S.RATE: to_rate, S.INT: to_int,
    S.TEXT: to_text, S.ID: to_id, S.EMAIL: to_email,
}


def convert_column(raw: Sequence[object], convert: Converter,
                   plain_text: bool = False) -> tuple[list, dict[int, Issue]]:
    """Convert a column; bad cells become BAD in the list and an Issue by row index.

    Each distinct value is converted once, then the column is mapped through a dict (in C).
    A column of plain text (``plain_text``: TEXT and ID columns holding only strings) is
    just stripped, faster than hashing every string. True == 1.0 and False == 0.0 for a
    dict, so a column mixing booleans and numbers goes cell by cell.
    """
    if plain_text:
        try:
            # (texts, else AttributeError below)
            return [v.strip() or None for v in cast("Sequence[str]", raw)], {}
        except AttributeError:  # a number or a date among the text: the general way
            pass

    def one(value: object) -> object:
        if value == "":
            return None
        try:
            return convert(value)
        except CellProblem as exc:
            problems[value] = exc.issue
            return BAD

    problems: dict[object, Issue] = {}
    distinct = dict.fromkeys(raw)
    # True/False merge with 1/0 in a dict: only a column holding both booleans and
    # numbers goes cell by cell (a yes/no column of booleans alone still maps through
    # the dict: True and False are then its only keys)
    if (0 in distinct or 1 in distinct) and _bools_and_numbers(raw):
        out = [None if v == "" else BAD for v in raw]
        issues = {}
        for i, v in enumerate(raw):
            if out[i] is BAD:
                try:
                    out[i] = convert(v)
                except CellProblem as exc:
                    issues[i] = exc.issue
        return out, issues
    table = {value: one(value) for value in distinct}
    out = list(map(table.__getitem__, raw))
    if not problems:
        return out, {}
    return out, {i: problems[v] for i, v in enumerate(raw) if v in problems}


def convert_coded(values: Sequence[object], codes: Sequence[int], convert: Converter,
                  plain_text: bool = False) -> tuple[list, dict[int, Issue], bool]:
    """``convert_column`` of the column whose row i holds ``values[codes[i]]`` (distinct
    values, see ``xlsx_arrow.Coded``): each value converted once, the codes mapped, with
    no dict of cells to build. The same result, issues included, as ``convert_column`` of
    the decoded column when every value is used by a code, as the worker makes them; and
    whether the column holds a None, told by the distinct values without a scan."""
    if len(set(values)) != len(values) or bool in set(map(type, values)):
        # values a dict would merge (True == 1): the general way keeps its rules
        column, issues = convert_column(list(map(values.__getitem__, codes)), convert,
                                        plain_text)
        return column, issues, any(map(is_, column, repeat(None)))
    if plain_text:
        try:
            # (texts, else AttributeError below)
            stripped = [v.strip() or None for v in cast("Sequence[str]", values)]
            return list(map(stripped.__getitem__, codes)), {}, None in stripped
        except AttributeError:  # a number or a date among the text: the general way
            pass
    problems: dict[int, Issue] = {}
    out: list[object] = []
    for k, value in enumerate(values):
        if value == "":
            out.append(None)
            continue
        try:
            out.append(convert(value))
        except CellProblem as exc:
            problems[k] = exc.issue
            out.append(BAD)
    column = list(map(out.__getitem__, codes))
    has_none = None in out
    if not problems:
        return column, {}, has_none
    return (column, {i: problems[c] for i, c in enumerate(codes) if c in problems},
            has_none)


def _bools_and_numbers(raw: Sequence[object]) -> bool:
    """Both booleans and numbers among the cells: True == 1 and False == 0 would then
    share a dict key."""
    types = set(map(type, raw))
    return bool in types and not types.isdisjoint(_NUMBER_TYPES)


_NUMBER_TYPES = frozenset((int, float, Decimal, complex))


def cached_column(raw: Sequence[object], col_type: str) -> list:
    """A formula column's cached values: Decimal (int for INT) or None, never a finding.

    "" (no cached value, or an error such as #N/A) and text become None.
    """
    def one(value: object) -> object:
        if value.__class__ is float and not finite(value):
            return None
        if value.__class__ is float or value.__class__ is int:
            if col_type == S.INT:
                return int(value) if float(value).is_integer() else D(value)
            return D(value)
        return None

    distinct = dict.fromkeys(raw)
    if (0 in distinct or 1 in distinct) and _bools_and_numbers(raw):
        return [None if v.__class__ is bool else one(v) for v in raw]
    table = {v: one(v) for v in distinct}
    return list(map(table.__getitem__, raw))
