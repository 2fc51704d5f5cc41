"""Finding things in the schema: sheets, tables, settings and choices by key or by label
(folded), the formulas rendered as structured references, the rows as named tuples."""
from __future__ import annotations

import re
from collections import namedtuple
from functools import cache

from pyfuncs.domain.schema.model import (
    CHOICES,
    LANGS,
    Column,
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

SHEETS_BY_KEY = {s.key: s for s in SHEETS}
TABLES_BY_NAME = {t.name: t for t in TABLES}
SETTINGS_BY_KEY = {s.key: s for s in SETTINGS}


def sheet_name(sheet_key: str, lang: str) -> str:
    return SHEETS_BY_KEY[sheet_key].label(lang)


def table(name: str) -> Table:
    return TABLES_BY_NAME[name]


def tables_on(sheet_key: str) -> list[Table]:
    return [t for t in TABLES if t.sheet == sheet_key]


def choice_label(choices: str, key: str, lang: str) -> str:
    fr, en = CHOICES[choices][key]
    return fr if lang == "fr" else en


def choice_labels(choices: str, lang: str) -> list[str]:
    return [fr if lang == "fr" else en for fr, en in CHOICES[choices].values()]


def _fold(text: str) -> str:
    """Case- and accent-insensitive form of a label, for matching headers and choices."""
    import unicodedata
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9%]+", " ", text.lower()).strip()


@cache
def choice_lookup(choices: str) -> dict[str, str]:
    """Folded French or English label (or the key itself) -> canonical key."""
    out: dict[str, str] = {}
    for key, (fr, en) in CHOICES[choices].items():
        out[_fold(key)] = key
        out[_fold(fr)] = key
        out[_fold(en)] = key
    if choices == "yesno":
        for word in ("true", "vrai", "1", "x", "o", "y"):
            out[word] = "yes"
        for word in ("false", "faux", "0", "n"):
            out[word] = "no"
    return out


def header_lookup(tbl: Table) -> dict[str, str]:
    """Folded header label in either language (or the key) -> column key."""
    out: dict[str, str] = {}
    for col in tbl.columns:
        for label in (col.fr, col.en, col.key):
            out.setdefault(_fold(label), col.key)
    return out


fold = _fold

_PLACEHOLDER = re.compile(r"\{(?:(\w+)\.)?(\w+)\}")


def _escape_label(label: str) -> str:
    return re.sub(r"([\[\]#'])", r"'\1", label)


def render_formula(tbl: Table, col: Column, lang: str) -> str:
    """The calculated-column formula as the file stores it, without the leading '='.

    ``{x}`` -> ``Table[[#This Row],[Label of x]]``; ``{Other.x}`` -> ``Other[Label]``;
    ``"@key"`` inside a formula -> the label of that choice in the column's language
    (used to compare a status cell with a value).
    """
    assert col.formula is not None

    def sub(match: re.Match[str]) -> str:
        other, key = match.group(1), match.group(2)
        if other:
            label = TABLES_BY_NAME[other].column(key).label(lang)
            return f"{other}[{_escape_label(label)}]"
        label = tbl.column(key).label(lang)
        return f"{tbl.name}[[#This Row],[{_escape_label(label)}]]"

    text = _PLACEHOLDER.sub(sub, col.formula)

    def choice(match: re.Match[str]) -> str:
        # "@key" refers to a choice of the status column of this table
        for c in tbl.columns:
            if c.choices and match.group(1) in CHOICES[c.choices]:
                return '"' + choice_label(c.choices, match.group(1), lang) + '"'
        raise KeyError(match.group(1))

    return re.sub(r'"@(\w+)"', choice, text)


@cache
def record_type(table_name: str) -> type:
    """A NamedTuple type for the rows of a table: its column keys, plus ``row``."""
    tbl = TABLES_BY_NAME[table_name]
    return namedtuple(table_name + "Row", ("row",) + tbl.keys)


def settings_defaults(lang: str = "fr") -> dict[str, object]:
    return {s.key: s.default for s in SETTINGS}


# Reminder levels and penalty rates shipped with a new workbook (DOMAIN.md §3, §7).
DEFAULT_REMINDER_LEVELS = (
    # level, days after due, tone, template, attach invoice, cc owner
    (0, -3, "courtesy", "niveau0_courtoisie", "no", "no"),
    (1, 1, "courtesy", "niveau1_rappel", "yes", "no"),
    (2, 7, "courtesy", "niveau2_relance", "yes", "no"),
    (3, 15, "firm", "niveau3_ferme", "yes", "yes"),
    (4, 30, "formal", "niveau4_mise_en_demeure", "yes", "yes"),
    (5, 45, "internal", "niveau5_contentieux", "no", "yes"),
)

DEFAULT_PENALTY_RATES = (
    # start, end, ECB main refinancing rate, penalty rate, legal interest rate (professionals)
    ("2025-01-01", "2025-06-30", "0.0315", "0.1315", "0.0371"),
    ("2025-07-01", "2025-12-31", "0.0215", "0.1215", "0.0276"),
    ("2026-01-01", "2026-06-30", "0.0215", "0.1215", "0.0262"),
    ("2026-07-01", "2026-12-31", "0.0215", "0.1215", None),
)


# Where the dashboard's charts read: data rows start at row 4 (title, note, header above).
DASHBOARD_FIRST_ROW = 4
DASHBOARD_BUCKETS = 5     # default buckets: not due, 1-30, 31-60, 61-90, > 90
DASHBOARD_MONTHS = 12
DASHBOARD_ROWS = 22       # KPI rows (with checks and the 5 clients most not invoiced)


def input_tables() -> list[Table]:
    return list(TABLES)


def output_sheets() -> list[Sheet]:
    return [s for s in SHEETS if s.output]


def all_labels_unique() -> bool:
    """Every table's headers are distinct in each language (the reader relies on it)."""
    for tbl in TABLES:
        for lang in LANGS:
            labels = [_fold(c.label(lang)) for c in tbl.columns]
            if len(labels) != len(set(labels)):
                return False
    return True

