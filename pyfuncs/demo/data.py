"""Demo data: 18 months of a small French IT/engineering services company, at any size.

``demo_data(today)`` is the demo workbook's content (about 40 clients, 80 quotes, 240
invoices); ``demo_data(today, invoices=100_000)`` is the benchmarks' workbook, made by the
same code with every count scaled. Same arguments, same data: one ``random.Random(seed)``,
no clock, no global state.

Values are what the builder and the reader use: str, int, Decimal (money to 2 decimals,
rates as fractions), date, canonical choice keys ("yes", "30d", "credit_note"), None for
an empty cell. Calculated columns are never given: the builder writes their formulas.
Identifiers are generated digits with check digits from python-stdnum, so they are valid
in form but belong to no company we know of. A few mistakes are planted on purpose, and
listed in ``DemoData.planted`` so the checks can be shown (and tested) to find them:
missing_siren, vat_rate_differs_from_quote, over_billing, payment_unknown_invoice,
milestone_not_invoiced; apart from these the data is clean.

Conventions a reader of the data may rely on:
- LignesFacture.source says where a line comes from: "Devis D2026-0012 v2" (a copy of that
  quote's line), "Acompte D..." (a deposit), "Acompte" (a deposit deducted, quantity -1),
  "Échéance D..." (a milestone), "Temps 2026-06" (validated time of that month), "Avoir"
  (a credit note's line, negative quantity), None (typed by hand);
- a credit note is settled against its invoice by two Paiements rows with no mode and the
  reference "Compensation avoir AV...": +amount on the invoice, -amount on the credit note;
- numbers are allocated by issue date: FAC{YYYY}-{NNNN} for invoices and deposits,
  AV{YYYY}-{NNNN} for credit notes, reset each year (5 digits past 9,999 a year).
"""
from __future__ import annotations

import gc
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import cast

from pyfuncs.demo.clients import ClientSteps
from pyfuncs.demo.contracts import ContractSteps
from pyfuncs.demo.dates import due_date
from pyfuncs.demo.identity import seller_settings
from pyfuncs.demo.invoices import InvoiceSteps
from pyfuncs.demo.payments import PaymentSteps
from pyfuncs.demo.quotes import QuoteSteps
from pyfuncs.demo.records import Inv, shown_date
from pyfuncs.demo.time_entries import TimeSteps
from pyfuncs.domain import schema as S

__all__ = ["DEFAULT_INVOICES", "DemoData", "demo_data", "due_date"]

DEFAULT_INVOICES = 240


@dataclass
class DemoData:
    """The demo workbook's content.

    Attributes:
      settings: Paramètres values by setting key (typed, canonical choice keys).
      tables: table name -> rows ({column key: value}); no calculated column.
      planted: the deliberate mistakes: kind, table, row (index in that table's list),
        column (key), ref (invoice/quote/client), problem (what is wrong).
    """

    settings: dict[str, object]
    tables: dict[str, list[dict[str, object]]]
    planted: list[dict[str, object]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.tables.items()}


class _Gen(ClientSteps, QuoteSteps, TimeSteps, ContractSteps, InvoiceSteps, PaymentSteps):
    """The whole generator: every step, and the rows they make written out."""

    def emit(self) -> None:
        facts, lines = self.tables["Factures"], self.tables["LignesFacture"]
        vat_inv = self.vat[0] if self.vat else None
        for inv in self.ordered:
            issued = inv.status == "issued"
            facts.append({
                "id": inv.id, "type": inv.type, "number": inv.number, "issue_date": inv.day,
                "client": inv.client.id, "quote": inv.quote, "quote_version": inv.qver,
                "po": inv.po, "credited": inv.credited.number if inv.credited else None,
                "terms": inv.terms, "due_date": inv.due if issued else None,
                "currency": "EUR", "status": inv.status, "dispute": inv.dispute,
                "promise_date": inv.promise, "sent_date": inv.day if issued else None,
                "interrupted": None})  # the demo's invoices are years from any limitation
            if inv is vat_inv and self.vat is not None:
                k = len(lines) + self.vat[1]
                self._plant("vat_rate_differs_from_quote", "LignesFacture", k, "vat_rate",
                            inv.number, f"Line '{inv.lines[self.vat[1]][0]}' of invoice "
                            f"{inv.number} is at 10 % where quote {self.vat[2]} has 20 %.")
            start, end = inv.served or (None, None)
            for label, qty, unit, price, rate, source in inv.lines:
                deducted = source.__class__ is tuple
                if label.__class__ is tuple:
                    other = label[1]
                    label = label[0].format(other.number, shown_date(other.day, label[0]))
                if deducted:
                    source = source[0].format(source[1].number)
                lines.append({"invoice": inv.id, "label": label, "quantity": qty,
                              "unit": unit, "unit_price": price, "vat_rate": rate,
                              "source": source, "service_start": None if deducted else start,
                              "service_end": None if deducted else end, "nature": None})
        if self.over:
            inv, number, quote_total = self.over
            self._plant("over_billing", "Factures", self.ordered.index(inv), "total",
                        inv.number, f"Invoice {inv.number} ({inv.total} EUR incl. VAT) "
                        f"exceeds its quote {number} ({quote_total} EUR incl. VAT).")
        for table in ("Echeances", "Temps"):
            for row in self.tables[table]:
                if row["invoice"] is not None:
                    row["invoice"] = cast(Inv, row["invoice"]).number
        self.tables["NiveauxRelance"] = [
            dict(zip(("level", "days", "tone", "template", "attach_invoice", "cc_owner"), r))
            for r in S.DEFAULT_REMINDER_LEVELS]
        self.tables["TauxPenalite"] = [
            {"start": date.fromisoformat(a), "end": date.fromisoformat(b),
             "ecb_rate": Decimal(e), "penalty_rate": Decimal(p),
             "legal_rate": Decimal(legal) if legal else None}
            for a, b, e, p, legal in S.DEFAULT_PENALTY_RATES]
        self.planted.sort(key=lambda p: (p["table"], p["row"]))


def demo_data(today: date, invoices: int | None = None, seed: int = 2026,
              lang: str = "fr") -> DemoData:
    """The demo's settings and table rows as of ``today``: 18 months of activity.

    ``invoices``: how many rows Factures gets (invoices, deposits, credit notes, drafts),
    exactly from about 120 up; None for the demo's size (DEFAULT_INVOICES). Clients are
    max(40, invoices // 20), quotes about invoices / 3, time-and-materials clients about
    invoices / 50 with six months of time entries; about 2.5 lines and 1.5 payments per
    invoice. 100,000 invoices take about 4 s. ``lang``: the workbook's language ("fr" or
    "en"), in which the contracts and their invoices already billed are labelled, as
    the planner labels the periods it bills next.
    """
    n = DEFAULT_INVOICES if invoices is None else int(invoices)
    if n < 1:
        raise ValueError("invoices must be a positive number")
    collecting = gc.isenabled()
    gc.disable()  # a million acyclic rows: the cyclic collector would only rescan them
    try:
        gen = _Gen(today, n, seed, lang)
        for step in (gen.clients, gen.quotes, gen.time_and_materials, gen.contracts,
                     gen.goods, gen.other_invoices,
                     gen.credit_notes, gen.drafts, gen.plant_lines, gen.allocate, gen.amounts,
                     gen.choose_open, gen.payments, gen.reminders, gen.emit):
            step()
        return DemoData(seller_settings(), gen.tables, gen.planted)
    finally:
        if collecting:
            gc.enable()
