"""`facturier demo`: a workbook full of realistic data, then every job that exists on it.

The same generator (demo_data) makes the small demo and the benchmarks' 100k-invoice
workbooks: one generator, not two.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, cast

from pyfuncs.adapters.xlsx_write import WorkbookLocked, lock_files
from pyfuncs.demo.data import DemoData, demo_data
from pyfuncs.domain import schema as S
from pyfuncs.jobs.template import build_workbook

if TYPE_CHECKING:  # the bank job is imported when the demo imports its statement
    from pyfuncs.demo.platform import PlatformRun
    from pyfuncs.jobs.bank import BankResult

DEMO_NAME = "Facturation-demo.xlsx"


@dataclass
class DemoSummary:
    workbook: Path
    counts: dict[str, int]
    planted: int
    jobs: list[str] = field(default_factory=list)
    findings: dict[str, int] = field(default_factory=dict)
    to_issue: int | None = None
    reminders: tuple[int, Path | None] | None = None
    pdfs: tuple[int, Path] | None = None
    bank: BankResult | None = None      # the import of the demo statement
    statement: Path | None = None
    platform: PlatformRun | None = None  # the transmission to the local stand-in
    lang: str = "fr"                     # the workbook's: its sheets' names in the text

    def sheet(self, key: str) -> str:
        return S.sheet_name(key, self.lang)

    def text(self) -> str:
        c = self.counts
        lines = [
            f"Demo workbook: {self.workbook}",
            (f"  {c.get('Clients', 0)} clients, {c.get('Devis', 0)} quote versions, "
             f"{c.get('Factures', 0)} invoices and credit notes, "
             f"{c.get('LignesFacture', 0)} invoice lines, {c.get('Paiements', 0)} payments, "
             f"{c.get('Temps', 0)} time entries; {self.planted} planted mistakes to find."),
        ]
        if self.jobs:
            lines.append("Jobs run: " + ", ".join(self.jobs) + ".")
        if self.findings:
            lines.append(f"Checks: {self.findings.get('error', 0)} error(s), "
                         f"{self.findings.get('warning', 0)} warning(s): see the "
                         f"{self.sheet('checks')} sheet (each row links to the cell).")
        if self.to_issue is not None:
            lines.append(f"Invoicing: {self.to_issue} document(s) ready to issue, listed in the "
                         f"{self.sheet('billing_preview')} sheet; issue them with: "
                         "facturier generate "
                         f"{self.workbook}")
        if self.bank is not None:
            b = self.bank
            ignored = sum(s.ignored for s in b.statements)
            lines.append(
                f"Bank: statement {self.statement} imported: {b.new} credit(s), {ignored} "
                f"other entr(ies) ignored (debits, of which {b.refunds} refund(s) to "
                f"clients); {len(b.booked)} "
                f"booked in {self.sheet('payments')} ({b.booked_amount:,.2f} EUR applied to "
                f"invoices), {len(b.waiting)} waiting for confirmation in the "
                f"{self.sheet('reconciliation')} sheet "
                f"({b.unmatched_amount:,.2f} EUR).")
            for x in b.booked:
                paid = ", ".join(r["invoice"] for r in x.rows
                                 if r["invoice"] and not r.get("gap"))
                gap = f", gap {x.gap:,.2f}" if x.gap else ""
                lines.append(f"  booked  {x.amount:>10,.2f} {x.client:<6} {paid} "
                             f"({x.reason}{gap})")
            for s in b.waiting:
                lines.append(f"  waiting {s.credit.amount:>10,.2f} {s.client or '?':<6} "
                             f"{', '.join(s.invoices) or '-'} ({s.reason}, payer "
                             f"{s.credit.payer})")
        if self.reminders is not None:
            count, outbox = self.reminders
            lines.append(f"Reminders: {count} email(s) due, previewed in the "
                         f"{self.sheet('reminders_outbox')} sheet and as .eml files in "
                         f"{outbox}.")
        if self.pdfs is not None:
            count, folder = self.pdfs
            lines.append(f"Invoices: {count} Factur-X PDF(s) in {folder}.")
        if self.platform is not None:
            lines.append(self.platform.text(self.lang))
        lines.append("Open it in Excel or LibreOffice; start with the "
                     f"{self.sheet('dashboard')} sheet.")
        return "\n".join(lines)


def build_demo(directory: Path, invoices: int | None, today: date, lang: str = "fr",
               progress: Callable[[str], None] = lambda _s: None) -> tuple[Path, DemoData]:
    """Write the demo workbook; refuses to replace one that a spreadsheet holds open."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / DEMO_NAME
    for lock in lock_files(path):
        if lock.exists():
            raise WorkbookLocked(f"{path}: open in a spreadsheet ({lock.name} exists); "
                                 "close it and run again")
    progress("data")
    data = demo_data(today, invoices=invoices, lang=lang)
    progress("build")
    tmp = path.with_name(path.stem + ".tmp.xlsx")
    build_workbook(tmp, lang=lang, data=data.tables, settings=data.settings, today=today)
    tmp.replace(path)
    return path, data


def write_demo_statement(path: Path, data: DemoData, today: date) -> Path:
    """Write the demo's camt.053 statement beside the workbook (releve-YYYY-MM.xml): the
    last 30 days, paying invoices open in the workbook today (pyfuncs/demo/bank.py)."""
    from pyfuncs.demo.bank import Line, OpenRef, camt053, demo_statement
    from pyfuncs.jobs.aging import aging_of
    from pyfuncs.jobs.load import load
    loaded = load(path, today, checks=False, formulas=False,
                  tables=["Parametres", "Clients", "Factures", "LignesFacture", "Paiements",
                          "Taux"])
    items = [i for i in aging_of(loaded, today).items if i.number and i.currency == "EUR"]
    invoices = [OpenRef(i.number, i.client, i.open, i.issue_date) for i in items
                if i.open > 0 and i.issue_date]
    credit_notes = [OpenRef(str(r["number"]), str(r["client"]), Decimal(0),
                            cast(date, r["issue_date"]))
                    for r in data.tables["Factures"]
                    if r.get("type") == "credit_note" and r.get("number")]
    totals = dict(zip(loaded.data.tables["Factures"].cols["number"],
                      loaded.column("Factures", "total")))
    credit_notes = [OpenRef(c.number, c.client, abs(Decimal(str(totals.get(c.number) or 0))),
                            c.issued) for c in credit_notes]
    credit_notes = [c for c in credit_notes if c.open > 0 and c.issued < today]
    planted = {str(p["ref"]) for p in data.planted}
    lines: list[Line] = demo_statement(invoices, data.tables["Clients"],
                                       credit_notes, today, exclude=planted)
    seller = str(data.settings.get("seller_iban") or "").replace(" ", "")
    out = path.with_name(f"releve-{today:%Y-%m}.xml")
    out.write_bytes(camt053(lines, version=2, account=seller,
                            stmt_id=f"{today:%Y-%m}-RLV001",
                            owner=str(data.settings.get("seller_name") or "")))
    return out


def run_demo(directory: Path, invoices: int | None = None, run: bool = True,
             today: date | None = None, lang: str = "fr",
             progress: Callable[[str], None] = lambda _s: None,
             platform: bool = False) -> DemoSummary:
    """Build the demo workbook and run every job on it (``run``); ``platform`` (the
    command's default): transmit its issued documents to the local stand-in platform and
    pull their statuses, where the project's checkout provides the stand-in
    (pyfuncs/demo/platform.py)."""
    today = today or date.today()
    path, data = build_demo(directory, invoices, today, lang, progress)
    summary = DemoSummary(path, {k: len(v) for k, v in data.tables.items()},
                          len(data.planted), lang=lang)
    if run:
        from pyfuncs.jobs.check import run_refresh
        from pyfuncs.jobs.invoicing import run_generate
        # what "Générer les factures" would issue, shown before anything is numbered: the
        # demo keeps its planted leaks for the checks to find
        preview = run_generate(path, today, dry_run=True, preview=True, progress=progress)
        summary.to_issue = len(preview.issued)
        from pyfuncs.jobs.bank import run_bank
        from pyfuncs.jobs.documents import invoice_pdf_attacher, run_pdf
        from pyfuncs.jobs.reminders import run_remind
        # the last month's bank statement, imported before the reminders: an invoice it
        # pays is not reminded, and the aged balance shows it paid
        summary.statement = write_demo_statement(path, data, today)
        summary.bank = run_bank(path, [summary.statement], today, progress=progress)
        # the reminders due, previewed: .eml files and the Relances à envoyer sheet
        reminders = run_remind(path, today, attach=invoice_pdf_attacher(path, today),
                               progress=progress)
        summary.reminders = (reminders.count("preview"), reminders.outbox)
        result = run_refresh(path, today, progress)
        pdfs = run_pdf(path, directory / "pdf", today, progress=progress)
        summary.pdfs = (len(pdfs.written), directory / "pdf")
        summary.jobs += ["generate (dry run)", "bank", "remind (preview)", "check", "age", "pdf"]
        summary.findings = result.counts
        if platform:
            from pyfuncs.demo.platform import run_platform
            summary.platform = run_platform(path, today, progress, directory / "pdf",
                                            data.settings, data.tables)
            if not summary.platform.skipped:
                summary.jobs += ["transmit --send", "statuses", "transmit --send (212)",
                                 "ereport --send", "statuses"]
    return summary
