"""Which formula cells of a workbook hold a cached value other than the one Excel would
compute, and that value.

Programs that read an .xlsx without a calculation engine (pandas, Power Query, a viewer,
a mail preview) and LibreOffice with its default settings show the value cached beside
each formula. After a job has appended invoices or payments, the cached Réglé, Reste dû
and Jours de retard of other rows no longer hold: the writer asks this module for the
cells to correct, from the package it has just written, and caches Python's values
(domain/computed.py, which rounds as the formulas do) beside the formulas it keeps.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from pathlib import Path

from pyfuncs.adapters.xlsx_read import WorkbookData, read_workbook
from pyfuncs.domain.computed import compute_all, days_late

# The tables whose formulas read each other: a change to any input of a group can change
# the formulas of the group (Factures' paid and balance read Paiements; its totals read
# LignesFacture).
FORMULA_GROUPS: tuple[tuple[str, ...], ...] = (
    ("Factures", "LignesFacture", "Paiements"),
    ("Devis", "LignesDevis"),
    ("Temps",),
    ("LignesContrat",),
)
# Days late is TODAY() - due date: its cached value moves with the clock, whatever changed.
CLOCK_GROUP = FORMULA_GROUPS[0]

Update = tuple[int, str, object]  # sheet row, header label, value


def groups_to_refresh(present: Collection[str], changed: Collection[str],
                      everything: bool) -> list[str]:
    """The tables to read: every group whose tables are all in the package and one of
    which the job changed (all of them when ``everything``); else, for the days late
    alone, the invoices (``CLOCK_ONLY``).

    ``present`` and ``changed`` are table names folded with str.casefold."""
    tables: list[str] = []
    for group in FORMULA_GROUPS:
        folded = [t.casefold() for t in group]
        if not all(t in present for t in folded):
            continue
        if everything or any(t in changed for t in folded):
            tables += group
        elif group is CLOCK_GROUP:
            tables.append(CLOCK_ONLY)
    return tables


# Read for the days late only: no input of the invoices' formulas changed, so the cached
# balances (true since the last job wrote them) give the days late of today.
CLOCK_ONLY = "Factures (days late)"


def stale_formula_cells(path: Path, tables: Iterable[str], today: date
                        ) -> dict[str, list[Update]] | None:
    """{table: [(row, label, value)]} for each formula cell of ``tables`` whose cached
    value is missing or differs from the value the formula gives on ``today``; None when
    the workbook cannot be read as the schema's tables (the caller then asks the
    spreadsheet to recalculate on opening instead)."""
    tables = list(tables)
    if not tables:
        return {}
    clock_only = CLOCK_ONLY in tables
    try:
        data = read_workbook(path, [t for t in tables if t != CLOCK_ONLY] +
                             (["Factures"] if clock_only else []))
        computed = compute_all({name: t.cols for name, t in data.tables.items()}, today)
        if clock_only:
            computed["Factures"] = _days_late(data, today)
    except Exception:  # noqa: BLE001 - a workbook that is not the schema's, or a value no
        return None    # formula computes either: the spreadsheet recalculates on opening
    return _stale(data, computed)


def stale_days_late(data: WorkbookData, today: date) -> dict[str, list[Update]] | None:
    """``stale_formula_cells`` of the days late alone, from what a job read of the file
    (no input of the invoices' formulas changed since): the package need not be read
    again. None when the invoices were not read whole."""
    if "Factures" not in data.tables:
        return None
    try:
        return _stale(data, {"Factures": _days_late(data, today)})
    except Exception:  # noqa: BLE001 - as above: the caller reads the package instead
        return None


def _days_late(data: WorkbookData, today: date) -> dict[str, list]:
    """The days late of ``today`` from the invoices' cached balances, true since the last
    job wrote them."""
    invoices = data.tables["Factures"]
    return {"days_late": days_late(invoices.cached["balance"], invoices.cols["due_date"],
                                   today)}


def _stale(data: WorkbookData, computed: dict[str, dict[str, list]]
           ) -> dict[str, list[Update]]:
    """The cells of ``computed`` whose cached value in ``data`` is missing or differs."""
    out: dict[str, list[Update]] = {}
    for name, columns in computed.items():
        tbl = data.tables[name]
        updates: list[Update] = []
        for key, values in columns.items():
            if key not in tbl.col_letters:
                continue  # the column is gone from the sheet: nothing to cache
            cached = tbl.cached.get(key) or [None] * len(values)
            if cached == values:  # the usual case, compared in C
                continue
            label = tbl.labels[key]
            updates += [(row, label, want) for row, want, got in zip(tbl.rows, values, cached)
                        if got is None or got != want]
        if updates:
            out[name] = updates
    return out
