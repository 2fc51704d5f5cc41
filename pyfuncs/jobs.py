"""The jobs: read -> domain -> write, shared by the command line, the buttons and the tests.

A job takes the workbook's path and its dependencies (today's date, a progress callback)
as arguments, so tests control them. It never prints: it returns a result that the
entry point (cli.py, buttons.py) presents.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from pyfuncs import schema as S
from pyfuncs.adapters.xlsx_read import TableData, WorkbookData, read_workbook
from pyfuncs.adapters.xlsx_write import WorkbookWriter
from pyfuncs.domain.computed import compute_all
from pyfuncs.domain.findings import ERROR, INFO, WARNING, Finding
from pyfuncs.domain.money import ZERO

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass
class Loaded:
    """A workbook as read, with every calculated column recomputed in Python."""

    data: WorkbookData
    computed: dict[str, dict[str, list]]
    findings: list[Finding] = field(default_factory=list)

    def column(self, table: str, key: str) -> list:
        tbl = self.data.tables[table]
        if key in tbl.cols:
            return tbl.cols[key]
        return self.computed.get(table, {}).get(key, [None] * len(tbl))


def load(path: Path, today: date, progress: Progress = _quiet) -> Loaded:
    """Read every table, recompute the formulas, compare them with the cached values."""
    progress("read")
    data = read_workbook(path)
    progress("compute")
    computed = compute_all({name: t.cols for name, t in data.tables.items()}, today)
    findings = list(data.findings)
    findings += formula_findings(data, computed)
    return Loaded(data, computed, findings)


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
            label = tbl.labels.get(key, key)
            for row, want, got in zip(tbl.rows, values, cached):
                if got is None or Decimal(got) == Decimal(want):
                    continue
                out.append(Finding(
                    "FORMULA-DIFF", ERROR, tbl.sheet, row, label, "",
                    (f"La cellule vaut {got} alors que la formule donne {want}."
                     if fr else f"The cell holds {got} but the formula gives {want}."),
                    ("Rétablir la formule de la colonne (recopier celle de la ligne du dessus)."
                     if fr else "Restore the column's formula (copy it from the row above)."),
                    tbl.cell(key, row)))
    return out


# --------------------------------------------------------------------------- check
@dataclass
class CheckResult:
    findings: list[Finding]
    path: Path
    counts: dict[str, int]

    @property
    def errors(self) -> int:
        return self.counts.get(ERROR, 0)


SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


def run_check(path: Path, today: date, progress: Progress = _quiet,
              write: bool = True) -> CheckResult:
    """The Contrôler job: every finding to the Contrôles sheet, and a status on the dashboard."""
    loaded = load(path, today, progress)
    findings = sorted(loaded.findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 3),
                                                      f.sheet, f.row or 0, f.column))
    counts = {sev: sum(1 for f in findings if f.severity == sev) for sev in SEVERITY_ORDER}
    if write:
        progress("write")
        writer = WorkbookWriter(path)
        write_checks(writer, loaded.data, findings, datetime.now())
        write_dashboard(writer, loaded, today, counts)
        writer.commit()
    return CheckResult(findings, path, counts)


def _stamp(lang: str, title: str, when: datetime) -> str:
    if lang == "fr":
        return f"{title} : écrit par Facturier le {when:%d/%m/%Y à %H:%M}"
    return f"{title}: written by Facturier on {when:%Y-%m-%d at %H:%M}"


def write_checks(writer: WorkbookWriter, data: WorkbookData, findings: list[Finding],
                 when: datetime) -> None:
    lang = data.lang
    sheet = S.SHEETS_BY_KEY["checks"]
    columns = [(c.label(lang), "int" if c.type == S.INT else "text", float(c.width))
               for c in sheet.columns]
    rows, links = [], {}
    for i, f in enumerate(findings):
        severity = S.choice_label("severity", f.severity, lang)
        go = ""
        if f.cell and f.sheet:
            go = f"{f.sheet}!{f.cell}"
            links[i] = (len(columns) - 1, f"'{f.sheet}'!{f.cell}")
        rows.append([severity, f.code, f.sheet, f.row, f.column, f.ref, f.message, f.fix, go])
    writer.replace_sheet(data.sheet_names.get("checks", sheet.label(lang)),
                         title=_stamp(lang, sheet.label(lang), when),
                         columns=columns, rows=rows, links=links)


def receivables(loaded: Loaded, today: date) -> dict[str, Decimal | int]:
    """Open balance, overdue amount and counts from the invoices' computed columns."""
    inv = loaded.data.tables["Factures"]
    balances = loaded.column("Factures", "balance")
    late = loaded.column("Factures", "days_late")
    status = inv.cols["status"]
    open_total = overdue = ZERO
    n_open = n_late = 0
    for b, d, st in zip(balances, late, status):
        if st != "issued" or b is None:
            continue
        open_total += b
        if b > 0:
            n_open += 1
            if d and d > 0:
                overdue += b
                n_late += 1
    return {"open": open_total, "overdue": overdue, "open_count": n_open, "late_count": n_late}


def write_dashboard(writer: WorkbookWriter, loaded: Loaded, today: date,
                    counts: dict[str, int]) -> None:
    data, lang = loaded.data, loaded.data.lang
    fr = lang == "fr"
    sheet = S.SHEETS_BY_KEY["dashboard"]
    figures = receivables(loaded, today)
    rows: list[list[object]] = [
        ["Date du jour" if fr else "Today", today],
        ["Clients" if fr else "Clients", len(data.tables["Clients"])],
        ["Factures et avoirs" if fr else "Invoices and credit notes",
         len(data.tables["Factures"])],
        ["Encours clients (TTC)" if fr else "Receivables (incl. VAT)", figures["open"]],
        ["dont échu" if fr else "of which overdue", figures["overdue"]],
        ["Factures ouvertes" if fr else "Open invoices", figures["open_count"]],
        ["Factures en retard" if fr else "Late invoices", figures["late_count"]],
        ["Contrôles : erreurs" if fr else "Checks: errors", counts.get(ERROR, 0)],
        ["Contrôles : avertissements" if fr else "Checks: warnings", counts.get(WARNING, 0)],
    ]
    columns = [(c.label(lang), "text", float(c.width)) for c in sheet.columns]
    kinds = {0: "date", 3: "money", 4: "money"}
    typed_rows = [[label, value] for label, value in rows]
    writer.replace_sheet(data.sheet_names.get("dashboard", sheet.label(lang)),
                         title=_stamp(lang, sheet.label(lang), datetime.now()),
                         columns=columns, rows=typed_rows, cell_kinds={
                             (i, 1): kind for i, kind in kinds.items()})
