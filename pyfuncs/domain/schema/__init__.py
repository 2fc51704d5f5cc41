"""The workbook's schema: every sheet, table and column, described once.

The builder (workbook template and demo), the reader and the writer all use this module;
nothing else names a sheet, a table or a column label. Columns are found by their header
label (French or English), never by their letter, so a user may reorder columns or add
their own.

A formula is written with placeholders: ``{qty}`` is this row's cell of column ``qty`` in
the same table, ``{Paiements.amount}`` is the whole ``amount`` column of table
``Paiements``. ``render_formula`` turns it into the structured reference the file format
stores (``Factures[[#This Row],[Montant HT]]``), which Excel and LibreOffice both compute.
"""
from __future__ import annotations

from pyfuncs.domain.schema.lookup import (
    DASHBOARD_BUCKETS,
    DASHBOARD_FIRST_ROW,
    DASHBOARD_MONTHS,
    DASHBOARD_ROWS,
    DEFAULT_PENALTY_RATES,
    DEFAULT_REMINDER_LEVELS,
    SETTINGS_BY_KEY,
    SHEETS_BY_KEY,
    TABLES_BY_NAME,
    all_labels_unique,
    choice_label,
    choice_labels,
    choice_lookup,
    fold,
    header_lookup,
    input_tables,
    output_sheets,
    record_type,
    render_formula,
    settings_defaults,
    sheet_name,
    table,
    tables_on,
)
from pyfuncs.domain.schema.model import (
    BOOL,
    CHOICE,
    CHOICES,
    DATE,
    DEFAULT_FORMATS,
    EMAIL,
    FMT_DATE,
    FMT_INT,
    FMT_MONEY,
    FMT_NUMBER,
    FMT_RATE,
    ID,
    INT,
    LANGS,
    MONEY,
    NUMBER,
    RATE,
    TEXT,
    VAT_RATES,
    C,
    Column,
    Setting,
    Sheet,
    Table,
)
from pyfuncs.domain.schema.settings import (
    SETTINGS,
)
from pyfuncs.domain.schema.sheets import (
    SHEETS,
)
from pyfuncs.domain.schema.tables import (
    TABLES,
)

__all__ = [
    "BOOL",
    "CHOICE",
    "CHOICES",
    "DASHBOARD_BUCKETS",
    "DASHBOARD_FIRST_ROW",
    "DASHBOARD_MONTHS",
    "DASHBOARD_ROWS",
    "DATE",
    "DEFAULT_FORMATS",
    "DEFAULT_PENALTY_RATES",
    "DEFAULT_REMINDER_LEVELS",
    "EMAIL",
    "FMT_DATE",
    "FMT_INT",
    "FMT_MONEY",
    "FMT_NUMBER",
    "FMT_RATE",
    "ID",
    "INT",
    "LANGS",
    "MONEY",
    "NUMBER",
    "RATE",
    "SETTINGS",
    "SETTINGS_BY_KEY",
    "SHEETS",
    "SHEETS_BY_KEY",
    "TABLES",
    "TABLES_BY_NAME",
    "TEXT",
    "VAT_RATES",
    "C",
    "Column",
    "Setting",
    "Sheet",
    "Table",
    "all_labels_unique",
    "choice_label",
    "choice_labels",
    "choice_lookup",
    "fold",
    "header_lookup",
    "input_tables",
    "output_sheets",
    "record_type",
    "render_formula",
    "settings_defaults",
    "sheet_name",
    "table",
    "tables_on",
]
