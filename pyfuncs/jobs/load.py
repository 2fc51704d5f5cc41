"""Reading a workbook for a job: every table, the formulas recomputed in Python and
compared with what the file holds, and what the journal knows."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pyfuncs.adapters import journal as journal_file
from pyfuncs.adapters.workbook_file import WorkbookSource, as_source
from pyfuncs.adapters.xlsx_read import TableData, WorkbookData
from pyfuncs.domain.checks import (
    check_workbook,
    collector_paused,
)
from pyfuncs.domain.checks.register import check_register
from pyfuncs.domain.computed import compute_all
from pyfuncs.domain.context import Ctx, norm
from pyfuncs.domain.findings import ERROR, Finding

Progress = Callable[[str], None]


def quiet(_: str) -> None:
    return None


@dataclass
class Loaded:
    """A workbook as read, with every calculated column recomputed in Python."""

    data: WorkbookData
    computed: dict[str, dict[str, list]]
    findings: list[Finding] = field(default_factory=list)
    leaks: list | None = None  # the billing leaks the checks found (None: not found)

    def column(self, table: str, key: str) -> list:
        tbl = self.data.tables[table]
        if key in tbl.cols:
            return tbl.cols[key]
        return self.computed.get(table, {}).get(key, [None] * len(tbl))


def load(path: WorkbookSource | Path, today: date, progress: Progress = quiet,
         checks: bool = True, tables: list[str] | None = None,
         formulas: bool = True) -> Loaded:
    """Read every table (or those named), recompute the formulas, compare them with the
    cached values (unless ``formulas`` is False), and (unless ``checks`` is False) run the
    consistency checks. A job that only needs some computed columns names its tables."""
    progress("read")
    return loaded_from(as_source(path).read(tables), today, progress, checks, formulas)


def loaded_from(data: WorkbookData, today: date, progress: Progress = quiet,
                checks: bool = True, formulas: bool = True) -> Loaded:
    """``load`` of what was already read: for a job that starts its writer in between."""
    progress("compute")
    with collector_paused():  # millions of Decimals and no cycles: the GC only walks them
        computed = compute_all({name: t.cols for name, t in data.tables.items()}, today)
    findings = list(data.findings)
    if formulas:
        findings += formula_findings(data, computed)
    if not checks:
        return Loaded(data, computed, findings)
    progress("check")
    leaks: dict = {}
    findings += check_workbook(data.tables, computed, data.settings, today, data.lang,
                               leak_days(data.settings), skipped_lines(data), leaks=leaks)
    findings += register_findings(data, computed, today)
    return Loaded(data, computed, findings, leaks.get("leaks"))


# lines whose contract or quote must not be billed (nor its leak priced) without them
LINE_TABLES = ("LignesContrat", "LignesDevis")


def skipped_lines(data: WorkbookData) -> dict[str, dict[str, list[int]]]:
    """Contract and quote lines the reader skipped (an error on a row drops it): table ->
    the normalised ref of the contract or quote they belong to -> their sheet rows."""
    out: dict[str, dict[str, list[int]]] = {}
    for table in LINE_TABLES:
        tv = data.tables.get(table)
        if tv is None:
            continue
        rows: dict[str, list[int]] = {}
        for f in data.findings:
            if f.severity == ERROR and f.ref and f.sheet == tv.sheet and f.row is not None:
                rows.setdefault(norm(f.ref), []).append(f.row)
        if rows:
            out[table] = rows
    return out


def leak_days(settings: dict[str, object]) -> int:
    value = settings.get("leak_days")
    return value if isinstance(value, int) and value >= 0 else 15


def journal_path(data: WorkbookData) -> Path | str:
    """The journal named in Paramètres › Journal: blank, WORKBOOK.facturier-journal.sqlite
    beside the workbook; a path (relative to the workbook's folder); or the URL of a
    PostgreSQL journal a team shares (postgresql://USER@SERVER/DATABASE, no password)."""
    name = str(data.settings.get("journal_path") or "").strip()
    if not name:
        return journal_file.journal_path(Path(data.path))
    if journal_file.is_url(name):
        return name
    path = Path(name).expanduser()
    return path if path.is_absolute() else Path(data.path).parent / path


def _seller(data: WorkbookData) -> str:
    """Whose books a shared journal keeps: the seller's SIREN, else its name."""
    return str(data.settings.get("seller_siren") or data.settings.get("seller_name") or
               "").strip()


def open_journal(data: WorkbookData, where: Path | str | None = None) -> journal_file.Journal:
    """The workbook's journal, open. A shared (PostgreSQL) journal is first claimed for
    this workbook's seller: one used by another company's books is refused, named."""
    where = where if where is not None else journal_path(data)
    book = journal_file.Journal(where)
    if journal_file.is_url(where):
        try:
            book.claim_owner(_seller(data), Path(data.path).name)
        except BaseException:
            book.close()
            raise
    return book


def read_journal(data: WorkbookData, where: Path | str | None = None
                 ) -> journal_file.Journal | None:
    """The workbook's journal opened read-only, as a preview reads it: nothing created,
    upgraded or claimed. None when there is none yet (no file, or a shared database whose
    tables no job has created); another seller's shared journal is refused, named."""
    where = where if where is not None else journal_path(data)
    if not journal_file.journal_exists(where):
        return None
    book = journal_file.Journal(where, create=False)
    try:
        if not book.initialised:
            book.close()
            return None
        if journal_file.is_url(where):
            book.check_owner(_seller(data), Path(data.path).name)
    except BaseException:
        book.close()
        raise
    return book


def journal_name(where: Path | str) -> str:
    """How a finding names the journal: the file's name, or the URL."""
    return str(where) if journal_file.is_url(where) else Path(where).name


def last_statement(data: WorkbookData) -> date | None:
    """The latest booking date imported from bank statements, or None (never imported, or
    no journal): the dashboard shows it, reminders warn when it is old."""
    path = journal_path(data)
    if not journal_file.journal_exists(path):
        return None
    with open_journal(data, path) as book:
        return book.last_statement_date()


def register_findings(data: WorkbookData, computed: dict[str, dict[str, list]],
                      today: date) -> list[Finding]:
    """Issued documents edited or deleted since the journal recorded them. A workbook
    that never issued through Facturier has no journal: nothing to compare (and none is
    created by checking)."""
    path = journal_path(data)
    if not journal_file.journal_exists(path):
        return []
    with open_journal(data, path) as book:
        recorded = [(e.number, e.content["legal"]) for e in book.entries()
                    if e.state == journal_file.WRITTEN and "legal" in e.content]
        broken = book.verify(data.lang)
    ctx = Ctx(data.tables, computed, data.settings, today, data.lang)
    check_register(ctx, recorded, broken, journal_name(path))
    return ctx.findings


def formula_findings(data: WorkbookData, computed: dict[str, dict[str, list]]) -> list[Finding]:
    """A cached formula result that differs from Python's computation (a formula overwritten
    by hand, a column whose formula was edited, or a spreadsheet that never recalculated)."""
    out: list[Finding] = []
    fr = data.lang == "fr"
    for name, cols in computed.items():
        tbl: TableData = data.tables[name]
        for key, values in cols.items():
            cached = tbl.cached.get(key)
            if cached is None or key == "days_late":  # TODAY() moves: no stable cache
                continue
            if values == cached:  # the usual case, compared in C
                continue
            label = tbl.labels.get(key, key)
            for row, want, got in zip(tbl.rows, values, cached):
                if got is None or got == want:
                    continue
                out.append(Finding(
                    "FORMULA-DIFF", ERROR, tbl.sheet, row, label, "",
                    (f"La cellule vaut {got} alors que la formule donne {want}."
                     if fr else f"The cell holds {got} but the formula gives {want}."),
                    ("Rétablir la formule de la colonne (recopier celle de la ligne du dessus)."
                     if fr else "Restore the column's formula (copy it from the row above)."),
                    tbl.cell(key, row)))
    return out


