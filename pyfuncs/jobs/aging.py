"""The "Actualiser la balance âgée" job: the aged balance as of a date (DOMAIN.md, aged
balance), written to its sheets and the dashboard."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from pyfuncs.adapters.workbook_file import WorkbookSource, Writer, as_source
from pyfuncs.domain import schema as S
from pyfuncs.domain.aging import AgedBalance, aged_balance, parse_buckets
from pyfuncs.domain.checks import (
    collector_paused,
)
from pyfuncs.domain.context import Ctx
from pyfuncs.domain.damaged import incomplete
from pyfuncs.domain.money import ZERO
from pyfuncs.jobs.catchup import CatchUp, read_catch_up
from pyfuncs.jobs.dashboard import write_dashboard
from pyfuncs.jobs.load import Loaded, Progress, loaded_from, quiet
from pyfuncs.jobs.sheets import sheet_columns, stamp


def aging_of(loaded: Loaded, as_of: date, caught: CatchUp | None = None) -> AgedBalance:
    """The aged balance of a loaded workbook (the same code the worksheet functions use).

    ``caught``: what this copy lacks of the journal (jobs/catchup.py), the payments and
    reminders recorded from another copy: counted as if already in Paiements and
    Relances."""
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
    reminder_cols = reminders.cols if reminders is not None else None
    if caught:
        extra = caught.payment_columns()
        pay = {k: list(v) + extra.get(k, [None] * len(caught.payments))
               for k, v in pay.items()}
        if reminder_cols is not None and caught.reminders:
            more = caught.reminder_columns()
            reminder_cols = {k: list(v) + more.get(k, [None] * len(more["date"]))
                             for k, v in reminder_cols.items()}
    left: dict[str, list[tuple[str, int | None, str]]] = {}
    for key, out in gone.by_client().items():
        left[key] = [(r.sheet, r.row, r.cell) for r in out]
    with collector_paused():
        balance = aged_balance(
            cols, totals, pay, data.tables["Clients"].cols, as_of, rows=rows, left_out=left,
            bounds=parse_buckets(settings.get("aging_buckets")),
            currency=str(settings.get("currency") or "EUR"),
            rates=rates.cols if rates is not None else None,
            reminders=reminder_cols,
            lang=data.lang, sheet=inv.sheet)
    # a limitation line links to the invoice's due date, the day its period counts from
    due = inv.labels.get("due_date", "")
    balance.findings = [
        replace(f, column=due, cell=inv.cell("due_date", f.row))
        if f.code.startswith("LIMIT-") and f.row is not None else f
        for f in balance.findings]
    return balance


def write_aging(writer: Writer, loaded: Loaded, balance: AgedBalance,
                when: datetime) -> None:
    """Balance âgée (a row per client, most overdue first) and its detail per invoice."""
    data, lang = loaded.data, loaded.data.lang
    fr = lang == "fr"
    sheet = S.SHEETS_BY_KEY["aging"]
    base = sheet_columns(sheet, lang)
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
    title = stamp(lang, sheet.label(lang), when) + (
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
        title=stamp(lang, detail.label(lang), when), columns=sheet_columns(detail, lang),
        rows=([i.client, names.get(i.client, ""), i.number, i.issue_date, i.due_date,
               i.currency, i.total, i.paid, -i.credited, i.open, i.open_base, i.days,
               balance.labels[i.bucket], yes if i.dispute else ""] for i in items),
        links=links, before=None)


# --------------------------------------------------------------------------- jobs
def run_age(path: WorkbookSource | Path, as_of: date, progress: Progress = quiet,
            write: bool = True) -> AgedBalance:
    """The "Actualiser la balance âgée" job: aging sheets and dashboard as of a date.
    The consistency checks are not its work (the Contrôler job runs them). The payments
    and reminders another copy recorded in the journal are counted, and written to
    Paiements and Relances when it writes (jobs/catchup.py)."""
    with collector_paused():  # see JOB GC above run_check
        return _age(path, as_of, progress, write)


def _age(path: WorkbookSource | Path, as_of: date, progress: Progress,
         write: bool) -> AgedBalance:
    source = as_source(path)
    progress("read")
    read = source.read()
    # the writer starts at once: it caches today's days late beside the aged balance
    writer = source.writer(read=read) if write else None
    loaded = loaded_from(read, as_of, progress, checks=False)
    caught = read_catch_up(loaded.data)  # what colleagues' copies booked and sent
    balance = aging_of(loaded, as_of, caught)
    if writer is not None:
        progress("write")
        when = datetime.now()
        write_aging(writer, loaded, balance, when)
        write_dashboard(writer, loaded, balance, as_of, None, when)
        caught.write(writer, loaded.data)
        writer.commit()
    balance.findings += caught.findings(loaded.data)
    return balance


