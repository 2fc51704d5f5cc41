"""Bring a workbook made by an earlier version up to the schema (`facturier upgrade`):
the optional columns its Tables lack are added at each Table's right end, their headers
in the workbook's language, their widths and lists as a new workbook has them. Nothing
else of the file changes; a required column missing is named, never invented.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyfuncs.adapters.journal import workbook_lock
from pyfuncs.adapters.workbook_data import WorkbookError
from pyfuncs.adapters.xlsx_columns import ColumnEditor, NewColumn
from pyfuncs.adapters.xlsx_locate import guess_lang
from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.domain import schema as S
from pyfuncs.jobs.template import validation_options


@dataclass
class TableUpgrade:
    """What upgrading does to one Table.

    Attributes:
      table: the schema's table name (the Excel Table's name).
      sheet: the sheet it stands on.
      added: the headers of the columns added (or to add, in a dry run), in order.
      required: the headers of required columns missing: the file stays unreadable
        until they are restored; upgrade does not invent their data.
      calculated: the headers of calculated columns missing, not added (their formula
        belongs in every row: copy the column from a new workbook).
    """

    table: str
    sheet: str
    added: list[str] = field(default_factory=list)
    required: list[str] = field(default_factory=list)
    calculated: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"table": self.table, "sheet": self.sheet, "added": self.added,
                "required_missing": self.required, "calculated_missing": self.calculated}


@dataclass
class UpgradeResult:
    """The upgrade of one workbook: its language, each Table changed or needing care, and
    whether the file was written (not in a dry run, nor when nothing was missing)."""

    path: Path
    lang: str
    dry_run: bool
    tables: list[TableUpgrade] = field(default_factory=list)
    written: bool = False

    @property
    def added(self) -> int:
        return sum(len(t.added) for t in self.tables)

    @property
    def required(self) -> list[tuple[TableUpgrade, str]]:
        return [(t, label) for t in self.tables for label in t.required]

    def as_dict(self) -> dict[str, object]:
        return {"workbook": str(self.path), "lang": self.lang, "dry_run": self.dry_run,
                "written": self.written, "tables": [t.as_dict() for t in self.tables]}


def run_upgrade(workbook: Path | str, *, dry_run: bool = False) -> UpgradeResult:
    """Add to each schema Table of ``workbook`` the optional columns it lacks, at its
    right end; ``dry_run``: say what would be added, write nothing. The previous file is
    kept as WORKBOOK.bak.xlsx. Raises PackageError (ColumnsBlocked: cells in the way,
    named) or WorkbookLocked (open in a spreadsheet) with nothing written."""
    path = Path(workbook)
    with workbook_lock(path):
        editor = ColumnEditor(path)
        lang = _language(editor, path)
        result = UpgradeResult(path, lang, dry_run)
        for tbl in S.input_tables():
            found = editor.table_columns(tbl.name)
            if found is None:
                continue  # a table the workbook lacks (or a plain range): not a column's job
            sheet, names, _ = found
            change = _missing(tbl, sheet, names, lang)
            if change.added or change.required or change.calculated:
                result.tables.append(change)
            if change.added:
                editor.add_columns(tbl.name, [_new_column(tbl, label, lang)
                                              for label in change.added])
        if result.added and not dry_run:
            editor.commit()
            result.written = True
    return result


def _missing(tbl: S.Table, sheet: str, names: list[str], lang: str) -> TableUpgrade:
    """The schema's columns the Table lacks, matched as the reader matches headers."""
    lookup = S.header_lookup(tbl)
    present = {lookup.get(S.fold(name)) for name in names}
    change = TableUpgrade(tbl.name, sheet)
    for col in tbl.columns:
        if col.key in present:
            continue
        label = col.label(lang)
        if col.required:
            change.required.append(label)
        elif col.computed:
            change.calculated.append(label)
        else:
            change.added.append(label)
    return change


def _new_column(tbl: S.Table, label: str, lang: str) -> NewColumn:
    col = next(c for c in tbl.columns if c.label(lang) == label)
    return NewColumn(label, col.width, validation_options(col, lang))


def _language(editor: ColumnEditor, path: Path) -> str:
    """The workbook's language, as the reader tells it: its sheet names and headers, else
    Paramètres › Langue, else French."""
    folded = {S.fold(name): name for name in editor.sheet_names()}
    sheets = {}
    for sdef in S.SHEETS:
        name = folded.get(S.fold(sdef.fr)) or folded.get(S.fold(sdef.en))
        if name is not None:
            sheets[sdef.key] = name
    headers = [(tbl, found[1]) for tbl in S.input_tables()
               if (found := editor.table_columns(tbl.name)) is not None]
    lang = guess_lang(sheets, headers)
    if lang is None:
        try:
            lang = read_workbook(path, ["Parametres"]).lang
        except WorkbookError:
            lang = "fr"
    return lang
