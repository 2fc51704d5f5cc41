"""The jobs: read -> domain -> write, shared by the command line, the buttons and the tests.

A job takes the workbook (a path, or any adapter of adapters/workbook_file.py: the live
Excel book of a button) and its dependencies (today's date, a progress callback)
as arguments, so tests control them. It never prints: it returns a result that the
entry point (cli.py, buttons.py) presents.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from pyfuncs import schema as S
from pyfuncs.adapters import journal as journal_file
from pyfuncs.adapters.workbook_file import WorkbookSource, Writer, as_source
from pyfuncs.adapters.xlsx_read import TableData, WorkbookData
from pyfuncs.adapters.xlsx_write import Styled
from pyfuncs.domain.aging import AgedBalance, aged_balance, parse_buckets
from pyfuncs.domain.checks import (
    check_workbook,
    collector_paused,
    leak_totals,
    leaks_by_client,
)
from pyfuncs.domain.checks_base import Ctx, norm
from pyfuncs.domain.checks_register import check_register
from pyfuncs.domain.computed import compute_all
from pyfuncs.domain.damaged import incomplete
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
    leaks: list | None = None  # the billing leaks the checks found (None: not found)

    def column(self, table: str, key: str) -> list:
        tbl = self.data.tables[table]
        if key in tbl.cols:
            return tbl.cols[key]
        return self.computed.get(table, {}).get(key, [None] * len(tbl))


def load(path: WorkbookSource | Path, today: date, progress: Progress = _quiet,
         checks: bool = True, tables: list[str] | None = None,
         formulas: bool = True) -> Loaded:
    """Read every table (or those named), recompute the formulas, compare them with the
    cached values (unless ``formulas`` is False), and (unless ``checks`` is False) run the
    consistency checks. A job that only needs some computed columns names its tables."""
    progress("read")
    data = as_source(path).read(tables)
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


def journal_path(data: WorkbookData) -> Path:
    """The journal named in Paramètres (relative to the workbook's folder), or by default
    WORKBOOK.facturier-journal.sqlite beside the workbook."""
    name = str(data.settings.get("journal_path") or "").strip()
    if not name:
        return journal_file.journal_path(Path(data.path))
    path = Path(name).expanduser()
    return path if path.is_absolute() else Path(data.path).parent / path


def last_statement(data: WorkbookData) -> date | None:
    """The latest booking date imported from bank statements, or None (never imported, or
    no journal): the dashboard shows it, reminders warn when it is old."""
    path = journal_path(data)
    if not path.is_file():
        return None
    with journal_file.Journal(path) as book:
        return book.last_statement_date()


def register_findings(data: WorkbookData, computed: dict[str, dict[str, list]],
                      today: date) -> list[Finding]:
    """Issued documents edited or deleted since the journal recorded them. A workbook
    that never issued through Facturier has no journal: nothing to compare (and none is
    created by checking)."""
    path = journal_path(data)
    if not path.is_file():
        return []
    with journal_file.Journal(path) as book:
        recorded = [(e.number, e.content["legal"]) for e in book.entries()
                    if e.state == journal_file.WRITTEN and "legal" in e.content]
        broken = book.verify(data.lang)
    ctx = Ctx(data.tables, computed, data.settings, today, data.lang)
    check_register(ctx, recorded, broken, path.name)
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


# --------------------------------------------------------------------------- check
@dataclass
class CheckResult:
    findings: list[Finding]
    path: Path
    counts: dict[str, int]
    balance: AgedBalance | None = None  # the aged balance the dashboard was drawn from

    @property
    def errors(self) -> int:
        return self.counts.get(ERROR, 0)


SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


# JOB GC: millions of cells are read with the cyclic collector off (the reader, the
# formulas and the rules pause it: none of their objects forms a cycle). Between those
# steps it was on again, and its first passes then walked every object of the read: 0.2 s
# of a 4.7 s refresh at 100k invoices. A whole job now runs with it paused; memory is still
# freed as usual (reference counts), and the collector resumes when the job returns.
def run_check(path: WorkbookSource | Path, today: date, progress: Progress = _quiet,
              write: bool = True, with_aging: bool = False) -> CheckResult:
    """The Contrôler job: every finding to the Contrôles sheet, the dashboard refreshed."""
    with collector_paused():  # see JOB GC above run_check
        return _check(path, today, progress, write, with_aging)



def _check(path: WorkbookSource | Path, today: date, progress: Progress, write: bool,
           with_aging: bool) -> CheckResult:
    loaded = load(path, today, progress)
    balance = aging_of(loaded, today)
    findings = loaded.findings + balance.findings
    findings.sort(key=lambda f: (SEVERITY_ORDER.get(f.severity, 3), f.sheet, f.row or 0,
                                 f.column))
    counts = {sev: sum(1 for f in findings if f.severity == sev) for sev in SEVERITY_ORDER}
    if write:
        progress("write")
        writer = as_source(path).writer()
        when = datetime.now()
        write_checks(writer, loaded.data, findings, when)
        if with_aging:
            write_aging(writer, loaded, balance, when)
        write_dashboard(writer, loaded, balance, today, counts, when)
        writer.commit()
    return CheckResult(findings, as_source(path).path, counts, balance)


def _stamp(lang: str, title: str, when: datetime) -> str:
    if lang == "fr":
        return f"{title} : écrit par Facturier le {when:%d/%m/%Y à %H:%M}"
    return f"{title}: written by Facturier on {when:%Y-%m-%d at %H:%M}"


def write_checks(writer: Writer, data: WorkbookData, findings: list[Finding],
                 when: datetime) -> None:
    lang = data.lang
    sheet = S.SHEETS_BY_KEY["checks"]
    columns = _columns(sheet, lang)
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


def aging_of(loaded: Loaded, as_of: date) -> AgedBalance:
    """The aged balance of a loaded workbook (the same code the worksheet functions use)."""
    data = loaded.data
    inv = data.tables["Factures"]
    settings = data.settings
    rates = data.tables.get("Taux")
    reminders = data.tables.get("Relances")
    cols, totals, rows = inv.cols, loaded.column("Factures", "total"), inv.rows
    pay = data.tables["Paiements"].cols
    # rows that could not be read: left out, and their clients' balances marked so
    gone = incomplete(Ctx(data.tables, loaded.computed, settings, as_of, data.lang))
    if gone.invoices:
        keep = [i for i in range(len(rows)) if i not in gone.invoices]
        cols = {k: [v[i] for i in keep] for k, v in cols.items()}
        totals, rows = [totals[i] for i in keep], [rows[i] for i in keep]
    if gone.payments:
        keep = [k for k in range(len(data.tables["Paiements"])) if k not in gone.payments]
        pay = {k: [v[i] for i in keep] for k, v in pay.items()}
    left: dict[str, list[tuple[str, int | None, str]]] = {}
    for key, out in gone.by_client().items():
        left[key] = [(r.sheet, r.row, r.cell) for r in out]
    with collector_paused():
        return aged_balance(
            cols, totals, pay, data.tables["Clients"].cols, as_of, rows=rows, left_out=left,
            bounds=parse_buckets(settings.get("aging_buckets")),
            currency=str(settings.get("currency") or "EUR"),
            rates=rates.cols if rates is not None else None,
            reminders=reminders.cols if reminders is not None else None,
            lang=data.lang, sheet=inv.sheet)


def _columns(sheet: S.Sheet, lang: str) -> list[tuple[str, str, float]]:
    return [(c.label(lang), KINDS.get(c.type, "text"), float(c.width)) for c in sheet.columns]


KINDS = {S.MONEY: "money", S.DATE: "date", S.INT: "int", S.RATE: "rate", S.NUMBER: "number"}


def write_aging(writer: Writer, loaded: Loaded, balance: AgedBalance,
                when: datetime) -> None:
    """Balance âgée (a row per client, most overdue first) and its detail per invoice."""
    data, lang = loaded.data, loaded.data.lang
    fr = lang == "fr"
    sheet = S.SHEETS_BY_KEY["aging"]
    base = _columns(sheet, lang)
    columns = base[:2] + [(label, "money", 12.0) for label in balance.labels] + base[2:]
    rows: list[list[object]] = []
    for c in balance.clients:
        name = c.name if c.complete else (
            f"{c.name} (incomplète : {', '.join(c.left_out)})" if fr else
            f"{c.name} (incomplete: {', '.join(c.left_out)})")
        rows.append([c.client, name, *c.amounts, c.total, c.disputed, c.unapplied,
                     c.oldest_due, c.last_payment, c.last_reminder_level, c.avg_days_late])
    totals = balance.totals
    unapplied = sum((c.unapplied for c in balance.clients), ZERO)
    rows.append(["TOTAL", "Total " + balance.currency, *totals,
                 balance.total, sum((c.disputed for c in balance.clients), ZERO), unapplied,
                 None, None, None, None])
    for cur, amount in sorted(balance.currency_totals().items()):
        if cur != balance.currency:
            rows.append(["", (f"dont {cur} (en {cur})" if fr else f"of which {cur} (in {cur})"),
                         *([None] * len(totals)), amount, None, None, None, None, None, None])
    title = _stamp(lang, sheet.label(lang), when) + (
        f" ; situation au {balance.as_of:%d/%m/%Y}" if fr else f"; as of {balance.as_of}")
    writer.replace_sheet(data.sheet_names.get("aging", sheet.label(lang)), title=title,
                         columns=columns, rows=rows, total_row=len(balance.clients))

    detail = S.SHEETS_BY_KEY["aging_detail"]
    names = {c.client: c.name for c in balance.clients}
    inv_sheet = data.sheet_names.get("invoices", "Factures")
    number_col = data.tables["Factures"].col_letters.get("number", "C")
    yes = S.choice_label("yesno", "yes", lang)
    items = sorted(balance.items, key=lambda i: (-i.days, i.client, i.number))
    links = {k: (2, f"'{inv_sheet}'!{number_col}{item.row}") for k, item in enumerate(items)}
    writer.replace_sheet(
        data.sheet_names.get("aging_detail", detail.label(lang)),
        title=_stamp(lang, detail.label(lang), when), columns=_columns(detail, lang),
        rows=([i.client, names.get(i.client, ""), i.number, i.issue_date, i.due_date,
               i.currency, i.total, i.paid, i.open, i.open_base, i.days,
               balance.labels[i.bucket], yes if i.dispute else ""] for i in items),
        links=links, before=None)


def dashboard_rows(loaded: Loaded, balance: AgedBalance, today: date,
                   counts: dict[str, int] | None) -> list[list[object]]:
    """The dashboard's fixed layout: KPIs in A:B, buckets in D:E, DSO by month in G:H."""
    fr = loaded.data.lang == "fr"
    k = balance.kpis
    def as_(kind: str, value: object) -> object:
        return None if value is None else Styled(value, kind)

    kpis: list[tuple[str, object]] = [
        ("Situation au" if fr else "As of", balance.as_of),
        ("Encours clients TTC" if fr else "Receivables incl. VAT",
         as_("money", k["receivables"])),
        ("dont échu" if fr else "of which overdue", as_("money", k["overdue"])),
        ("Part échue" if fr else "Overdue share", as_("rate", k["overdue_share"])),
        ("Échu depuis plus de 60 jours" if fr else "Over 60 days past due",
         as_("money", k["over_60_days"])),
        ("DSO, méthode comptable, 90 jours (j)" if fr else "DSO, accounting method, 90 days",
         k["dso_accounting"]),
        ("DSO, méthode par épuisement (j)" if fr else "DSO, count-back method",
         k["dso_count_back"]),
        ("Taux d'impayés (> 90 j / CA TTC 12 mois)" if fr else
         "Unpaid rate (> 90 d / 12-month revenue)", as_("rate", k["unpaid_rate"])),
        ("Relances par facture (12 mois)" if fr else "Reminders per invoice (12 months)",
         k["reminders_per_invoice"]),
        ("Retard moyen de paiement (j)" if fr else "Average days late", k["average_days_late"]),
        ("Clients", len(loaded.data.tables["Clients"])),
        ("Factures et avoirs" if fr else "Invoices and credit notes",
         len(loaded.data.tables["Factures"])),
    ]
    if counts is not None:
        kpis += [("Contrôles : erreurs" if fr else "Checks: errors", counts.get(ERROR, 0)),
                 ("Contrôles : avertissements" if fr else "Checks: warnings",
                  counts.get(WARNING, 0))]
    statement = last_statement(loaded.data)
    kpis.append(("Dernier relevé bancaire importé" if fr else "Last bank statement imported",
                 statement if statement is not None else ("aucun" if fr else "none")))
    kpis += _leak_rows(loaded, today, fr)
    buckets = list(zip(balance.labels, balance.totals))
    months = [(m["month"], m["dso"]) for m in k["dso_by_month"]]  # type: ignore[union-attr]
    rows = []
    for i in range(max(len(kpis), len(buckets), len(months))):
        label, value = kpis[i] if i < len(kpis) else (None, None)
        b = buckets[i] if i < len(buckets) else (None, None)
        m = months[i] if i < len(months) else (None, None)
        rows.append([label, value, None, b[0], b[1], None, m[0], m[1]])
    return rows


LEAK_CLIENTS = 5  # the clients with the most work not invoiced, by name on the dashboard


def _leak_rows(loaded: Loaded, today: date, fr: bool) -> list[tuple[str, object]]:
    """Work done or due and not invoiced (billing leaks, excl. VAT): the total, then the
    clients with the most at stake."""
    data = loaded.data
    at_stake = leak_totals(loaded.leaks) if loaded.leaks is not None else \
        leaks_by_client(data.tables, loaded.computed, today, leak_days(data.settings),
                        skipped_lines(data))
    names = {}
    if "Clients" in data.tables:
        names = {str(i).strip().casefold(): n for i, n in
                 zip(data.tables["Clients"].cols["id"], data.tables["Clients"].cols["name"])
                 if i is not None}
    total = sum(at_stake.values(), ZERO)
    rows: list[tuple[str, object]] = [
        ("Travaux non facturés HT" if fr else "Work not invoiced excl. VAT",
         Styled(total, "money"))]
    top = sorted(at_stake.items(), key=lambda kv: (-kv[1], kv[0]))[:LEAK_CLIENTS]
    for client, amount in top:
        name = names.get(client.strip().casefold()) or client
        rows.append((f"   dont {name}" if fr else f"   of which {name}",
                     Styled(amount, "money")))
    return rows


def write_dashboard(writer: Writer, loaded: Loaded, balance: AgedBalance,
                    today: date, counts: dict[str, int] | None, when: datetime) -> None:
    lang = loaded.data.lang
    sheet = S.SHEETS_BY_KEY["dashboard"]
    writer.replace_sheet(loaded.data.sheet_names.get("dashboard", sheet.label(lang)),
                         title=_stamp(lang, sheet.label(lang), when),
                         columns=_columns(sheet, lang),
                         rows=dashboard_rows(loaded, balance, today, counts), one_page=True)


# --------------------------------------------------------------------------- jobs
def run_age(path: WorkbookSource | Path, as_of: date, progress: Progress = _quiet,
            write: bool = True) -> AgedBalance:
    """The "Actualiser la balance âgée" job: aging sheets and dashboard as of a date.
    The consistency checks are not its work (the Contrôler job runs them)."""
    with collector_paused():  # see JOB GC above run_check
        return _age(path, as_of, progress, write)


def _age(path: WorkbookSource | Path, as_of: date, progress: Progress,
         write: bool) -> AgedBalance:
    loaded = load(path, as_of, progress, checks=False)
    balance = aging_of(loaded, as_of)
    if write:
        progress("write")
        writer = as_source(path).writer()
        when = datetime.now()
        write_aging(writer, loaded, balance, when)
        write_dashboard(writer, loaded, balance, as_of, None, when)
        writer.commit()
    return balance


def run_refresh(path: WorkbookSource | Path, today: date,
                progress: Progress = _quiet) -> CheckResult:
    """Every read-only job at once (checks, aged balance, dashboard): one read, one write."""
    return run_check(path, today, progress, with_aging=True)
