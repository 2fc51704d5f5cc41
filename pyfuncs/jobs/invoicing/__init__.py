"""The "Générer les factures" job: plan, number through the journal, write the workbook.

Exactly once (ARCHITECTURE.md principle 7): the whole job holds the workbook's lock, so
two runs never interleave; every document is recorded in the journal (number, content,
sources, hash chained to the previous entry) in one transaction *before* the workbook is
written; then the workbook is written in one atomic commit; then the entries are marked
written. A crash between the two leaves entries "pending", which the next run writes to
the workbook first (a replay), so nothing is issued twice and no number is lost.

Each journal entry holds the document's legal content (what the register fingerprints
and the check job compares with the workbook) and what the workbook needs to show it (the
rows to write), so a replay needs nothing but the journal.
"""
from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from pyfuncs.adapters.journal import Journal, is_url
from pyfuncs.adapters.workbook_file import WorkbookSource, as_source
from pyfuncs.adapters.xlsx_read import WorkbookError
from pyfuncs.domain import schema as S
from pyfuncs.domain.checks import collector_paused
from pyfuncs.domain.context import Ctx, norm
from pyfuncs.domain.damaged import damage
from pyfuncs.domain.invoicing import plan_invoices
from pyfuncs.jobs.invoicing.numbers import (
    SERIES_SETTING,
    expected_documents,
    record_documents,
    series_patterns,
)
from pyfuncs.jobs.invoicing.result import GenerateResult, Issued, SettingsError
from pyfuncs.jobs.invoicing.write import apply_entries, write_preview, write_register
from pyfuncs.jobs.load import journal_path, load, open_journal, read_journal, skipped_lines

__all__ = ["GenerateResult", "Issued", "SettingsError", "run_generate", "series_patterns"]

Progress = Callable[[str], None]


# What issuing reads: not the payments, reminders or rates (a third of a big workbook).
GENERATE_TABLES = ["Parametres", "Clients", "Devis", "LignesDevis", "Echeances", "Temps",
                   "Factures", "LignesFacture", "Contrats", "LignesContrat", "Indices"]
# Sheets added after workbooks were already in use: a workbook without them is read without.
LATER_TABLES = ("Contrats", "LignesContrat", "Indices")


def _quiet(_: str) -> None:
    return None


def run_generate(path: WorkbookSource | Path, day: date, *, dry_run: bool = False,
                 preview: bool = False, progress: Progress = _quiet,
                 journal: Path | str | None = None) -> GenerateResult:
    """Issue every document due on ``day`` (see domain/invoicing/).

    ``dry_run``: list them, with the numbers they would get, allocating nothing; with
    ``preview`` the list is also written to the "Aperçu facturation" sheet, for the
    accountant to read before confirming.
    """
    source = as_source(path)
    # A year of contracts is 16,000 documents, their lines, contents and rows: no cycle
    # among them, but the cyclic collector's full passes rescanned them (and the workbook
    # read) a dozen times, a third of the job. Memory is still freed by reference counts.
    with collector_paused():
        return _generate(source, day, dry_run, preview, progress, journal)


def _generate(source: WorkbookSource, day: date, dry_run: bool, preview: bool,
              progress: Progress, journal: Path | str | None) -> GenerateResult:
    path = source.path
    with source.lock():
        loaded = _load(source, day, progress)
        data = loaded.data
        ctx = Ctx(data.tables, loaded.computed, data.settings, day, data.lang,
                  skipped=skipped_lines(data))
        patterns = series_patterns(ctx)
        if len(patterns) < len(SERIES_SETTING):
            raise SettingsError(ctx.findings)
        progress("plan")
        plan = plan_invoices(ctx, day)
        # a bad cell (a time entry whose days are text...) is not billed: say so
        result = GenerateResult(path, dry_run, findings=loaded.findings + ctx.findings)
        where = journal or journal_path(data)
        if dry_run:
            # a dry run writes no journal: it reads the one there is, read-only (a shared
            # database nobody has used yet is read as empty, its tables not created)
            with (tempfile.TemporaryDirectory() as empty,
                  read_journal(data, where) or Journal(Path(empty) / "none.sqlite")
                  as book):
                result.issued = expected_documents(book, plan.documents, patterns, ctx, result)
            if preview:
                writer = source.writer()
                write_preview(writer, data, result, datetime.now())
                writer.commit()
            return result
        with open_journal(data, where) as book:
            in_book = set(ctx.keys("Factures", "number"))  # norm of each, built once
            in_book.discard("")
            in_book |= set(damage(ctx).numbers)  # in the sheet, though not read whole
            pending = book.pending()
            # A shared journal also holds what the team issued from the workbook since
            # this copy was read: written into it too, so every copy shows every document.
            known = book.entries() if is_url(where) else pending
            replay = [e for e in known if norm(e.number) not in in_book]
            # refused now, before any number is allocated, if Excel holds the file
            writer = source.writer()
            progress("number")
            time_rows: dict[str, list[int]] = {}  # time entries this run bills, by key
            entries = record_documents(book, plan.documents, patterns, ctx, data, result, time_rows,
                              replay)
            todo = replay + entries
            progress("write")
            apply_entries(writer, data, ctx, todo, time_rows)
            when = datetime.now()
            write_register(writer, data, book.entries(known=entries), when)
            if S.sheet_name("billing_preview", data.lang) in writer.sheet_names():
                write_preview(writer, data, GenerateResult(path, True), when)
            writer.commit()
            book.mark_written([e.number for e in pending] + [e.number for e in entries])
            result.replayed = [e.number for e in replay]
    return result


def _load(source: WorkbookSource, day: date, progress: Progress):
    """The tables issuing reads; a workbook made before the Contrats and Indices sheets
    existed is read without them (and bills no contract)."""
    tables = list(GENERATE_TABLES)
    while True:
        try:
            return load(source, day, progress, checks=False, tables=tables, formulas=False)
        except WorkbookError as err:
            later = [t for t in LATER_TABLES if t in tables and f"table {t} " in str(err)]
            if not later:
                raise
            tables.remove(later[0])
