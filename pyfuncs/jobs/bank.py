"""The "Importer un relevé" job: bank statements in, payments booked, the rest to confirm.

Exactly once (ARCHITECTURE.md principle 7), as for invoices: the job holds the
workbook's lock; every statement credit is recorded in the journal the first time it is
seen (a file imported twice, or overlapping the last one, adds nothing); a credit's
Paiements rows are recorded in the journal (state 'booked') *before* the workbook is
written, and marked logged after. Credits the journal booked and this copy's Paiements
lacks (a crash in between, or a colleague's import on another copy of the workbook) are
paid here too and written with this run's rows (jobs/catchup.py: found by reference).

A run:
  1. books what the accountant confirmed in the Rapprochement sheet (Valider = Oui,
     with the invoice(s) and client as left there);
  2. matches every other credit still open (domain/matching.py) against the invoices
     open today: certain matches are booked, the others wait in Rapprochement;
  3. rewrites Rapprochement with what still waits (jobs/reconciliation.py: what the
     accountant typed there is never lost).
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from pyfuncs.adapters.journal import Journal
from pyfuncs.adapters.statements import CsvLayout, Statement, StatementError, read_statement
from pyfuncs.adapters.workbook_file import WorkbookSource, as_source
from pyfuncs.domain import schema as S
from pyfuncs.domain.context import text
from pyfuncs.domain.findings import ERROR, WARNING, Finding
from pyfuncs.domain.matching import (
    Allocation,
    ClientRef,
    Credit,
    Matcher,
    OpenInvoice,
    Suggestion,
)
from pyfuncs.domain.money import ZERO
from pyfuncs.jobs import reconciliation as R
from pyfuncs.jobs.aging import aging_of
from pyfuncs.jobs.catchup import catch_up
from pyfuncs.jobs.load import Loaded, journal_path, load, open_journal
from pyfuncs.jobs.reconciliation import SheetRow
from pyfuncs.jobs.result import JobResult

Progress = Callable[[str], None]
BANK_TABLES = ["Parametres", "Clients", "Factures", "LignesFacture", "Paiements", "Taux"]


def _quiet(_: str) -> None:
    return None


class BankInputError(Exception):
    """A statement file that cannot be read: nothing was imported."""


@dataclass
class Booked:
    """One credit booked into Paiements this run."""

    key: str
    reference: str
    date: date
    amount: Decimal
    client: str
    rows: list[dict]
    reason: str
    confidence: float

    @property
    def applied(self) -> Decimal:
        return sum((Decimal(r["amount"]) for r in self.rows
                    if r["invoice"] and not r.get("gap")), ZERO)

    @property
    def unapplied(self) -> Decimal:
        return sum((Decimal(r["amount"]) for r in self.rows if not r["invoice"]), ZERO)

    @property
    def gap(self) -> Decimal:
        return sum((Decimal(r["amount"]) for r in self.rows if r.get("gap")), ZERO)

    def as_json(self) -> dict[str, object]:
        return {"key": self.key, "reference": self.reference, "date": self.date.isoformat(),
                "amount": str(self.amount), "client": self.client,
                "invoices": [r["invoice"] for r in self.rows if r["invoice"] and
                             not r.get("gap")],
                "applied": str(self.applied), "unapplied": str(self.unapplied),
                "gap": str(self.gap), "reason": self.reason, "confidence": self.confidence}


@dataclass
class BankResult(JobResult):
    """What an import did; its errors: entries not imported, confirmations that cannot
    be booked (exit code 1)."""

    path: Path
    statements: list[Statement] = field(default_factory=list)
    new: int = 0
    known: int = 0
    booked: list[Booked] = field(default_factory=list)
    waiting: list[Suggestion] = field(default_factory=list)
    replayed: int = 0
    findings: list[Finding] = field(default_factory=list)
    credits: Decimal = ZERO   # every credit considered this run (new + still open)
    kept: dict[str, SheetRow] = field(default_factory=dict)  # confirmed rows in error
    foreign: int = 0          # entries in another currency than the workbook's
    seen: int = 0             # every entry of the statements read
    refunds: int = 0          # debits to a client (refunds), among the ignored entries

    @property
    def refused(self) -> int:
        """Entries named in a finding and not imported (unusable, another currency)."""
        return sum(len(s.problems) for s in self.statements) + self.foreign

    @property
    def ignored(self) -> int:
        """Entries that are not payments (debits, not booked, reversals): counted."""
        return sum(s.ignored for s in self.statements)

    def counts_line(self) -> str:
        """The entries read, in counts that add up to them."""
        return (f"{self.seen} entr(ies) read: {self.new} new credit(s), {self.known} already "
                f"imported, {self.ignored} not a payment ("
                + ", ".join(f"{n} {why}" for why, n in sorted(sum(
                    (s.why_ignored for s in self.statements), Counter()).items()))
                + f"), {self.refused} not imported (see the findings)")

    @property
    def booked_amount(self) -> Decimal:
        """Cash applied to invoices."""
        return sum((b.applied for b in self.booked), ZERO)

    @property
    def unmatched_amount(self) -> Decimal:
        """Cash not applied to an invoice: booked as a client's credit, or waiting."""
        return (sum((b.unapplied for b in self.booked), ZERO)
                + sum((s.credit.amount for s in self.waiting), ZERO))

    def as_json(self) -> dict[str, object]:
        return {
            "workbook": str(self.path),
            "statements": [{"file": s.path.name, "format": s.format, "account": s.account,
                            "credits": len(s.entries), "ignored": s.ignored}
                           for s in self.statements],
            "entries": self.seen, "not_a_payment": self.ignored,
            "not_imported": self.refused,
            "new_entries": self.new, "already_imported": self.known,
            "other_currency": self.foreign, "refunds_to_clients": self.refunds,
            "replayed": self.replayed,
            "credits": str(self.credits), "booked_amount": str(self.booked_amount),
            "unmatched_amount": str(self.unmatched_amount),
            "booked": [b.as_json() for b in self.booked],
            "waiting": [{"key": s.credit.key, "date": s.credit.date.isoformat(),
                         "amount": str(s.credit.amount), "payer": s.credit.payer,
                         "text": s.credit.text, "client": s.client,
                         "invoices": R.named(self.kept[s.credit.key])
                         if s.credit.key in self.kept else s.invoices,
                         "reason": s.reason,
                         "confidence": None if s.reason == R.MANUAL else s.confidence}
                        for s in self.waiting],
            "findings": [f.as_dict() for f in self.findings],
        }


def csv_layout(settings: dict[str, object]) -> CsvLayout:
    def get(key: str) -> str:
        value = text(settings.get(key))
        return value or str(S.SETTINGS_BY_KEY[key].default or "")
    return CsvLayout(date=get("bank_csv_date"), amount=get("bank_csv_amount"),
                     credit=get("bank_csv_credit"), label=get("bank_csv_label"),
                     reference=get("bank_csv_reference"), payer=get("bank_csv_payer"),
                     iban=get("bank_csv_iban"), decimal=get("bank_csv_decimal"),
                     date_format=get("bank_csv_date_format"),
                     account=text(settings.get("seller_iban")).replace(" ", "").upper())


def tolerance(settings: dict[str, object]) -> Decimal:
    value = settings.get("bank_tolerance")
    try:
        found = Decimal(str(value)) if value not in (None, "") else Decimal(5)
    except ArithmeticError:
        found = Decimal(5)
    return max(found, ZERO)


def _rows(credit: Credit, reference: str, client: str, allocations: tuple[Allocation, ...],
          clients_of: dict[str, str]) -> list[dict]:
    """The Paiements rows of one credit (cash per invoice, then each gap apart)."""
    out: list[dict[str, object]] = []
    for a in allocations:
        owner = clients_of.get(a.invoice, client) if a.invoice else client
        out.append({"date": credit.date.isoformat(), "client": owner, "invoice": a.invoice,
                    "amount": str(a.amount), "reference": reference})
    for a in allocations:
        if a.gap > 0:
            out.append({"date": credit.date.isoformat(),
                        "client": clients_of.get(a.invoice, client), "invoice": a.invoice,
                        "amount": str(a.gap), "reference": f"{reference} écart", "gap": True})
    return out


# ----------------------------------------------------------------------------- the job
def run_bank(path: WorkbookSource | Path, statements: list[Path], today: date, *,
             progress: Progress = _quiet, journal: Path | str | None = None) -> BankResult:
    """Import the statements, book certain matches and confirmed ones, list the rest."""
    source = as_source(path)
    result = BankResult(source.path)
    with source.lock():
        loaded = load(source, today, progress, checks=False, tables=BANK_TABLES,
                      formulas=False)
        data = loaded.data
        lang = data.lang
        layout = csv_layout(data.settings)
        progress("parse")
        currency = (text(data.settings.get("currency")) or "EUR").upper()
        for file in statements:
            try:
                st = read_statement(Path(file), layout)
            except StatementError as err:
                raise BankInputError(str(err)) from None
            if st.currency and st.currency.upper() != currency:
                raise BankInputError(
                    f"{st.path.name}: an account in {st.currency}, the workbook's currency "
                    f"is {currency} (Paramètres, Devise): nothing imported")
            if not st.adds_up:  # a reader that lost an entry: refuse rather than guess
                raise BankInputError(f"{st.path.name}: {st.seen} entries read, "
                                     f"{len(st.entries) + st.ignored + len(st.problems)} "
                                     "accounted for: nothing imported")
            result.statements.append(st)
            result.seen += st.seen
        sheet = data.sheet_names.get("reconciliation", S.sheet_name("reconciliation", lang))
        decisions = R.decisions(source, sheet)

        book = open_journal(data, journal or journal_path(data))
        try:
            return _match_and_book(source, loaded, result, book, sheet, decisions, currency,
                                   today, progress)
        finally:
            book.close()


def _match_and_book(source: WorkbookSource, loaded: Loaded, result: BankResult,
                    book: Journal, sheet: str, decisions: dict[str, SheetRow],
                    currency: str, today: date, progress: Progress) -> BankResult:
    data, lang = loaded.data, loaded.data.lang
    progress("match")
    # the credits the journal booked that this copy lacks (a crash between the journal
    # and the workbook, or a colleague's import on another copy): paid here too, so
    # never matched again, and written to Paiements with this run's (jobs/catchup.py)
    caught = catch_up(data, book, reminders=False)
    result.replayed = len(caught.credits)
    balance = aging_of(loaded, today, caught)
    # an invoice in another currency is not paid by this account's euros
    invoices = [OpenInvoice(i.number, i.client, i.open, i.due_date)
                for i in balance.items if i.open > 0 and i.number
                and (i.currency or currency).upper() == currency]
    inv = data.tables["Factures"]
    invoice_client = {n: c for n, c in zip(inv.cols["number"], inv.cols["client"]) if n}
    cli = data.tables["Clients"]
    clients = [ClientRef(text(cid), text(name), tuple(
        i for i in re.split(r"[,;]", text(iban)) if i.strip()))
        for cid, name, iban in zip(cli.cols["id"], cli.cols["name"],
                                   cli.cols.get("iban", [None] * len(cli)))
        if text(cid)]

    unlogged = [e["entry_key"] for e in book.bank_entries("booked") if not e["logged"]]
    matcher = Matcher(invoices, clients, tolerance(data.settings))

    # a debit to a client is a refund (of a credit note, of an overpayment): never a
    # payment, counted apart so that the accountant sees it was recognised
    result.refunds = sum(
        1 for st in result.statements for name, iban, amount in st.debits
        if matcher.payer_client(Credit("", today, amount, "", name, iban)))
    fresh = []
    for st in result.statements:
        for line_problem in st.problems:
            result.findings.append(Finding("BANK-ENTRY", ERROR, "", None, "",
                                           st.path.name, line_problem))
        for note in st.notes:
            result.findings.append(Finding("BANK-READER", WARNING, "", None, "",
                                           st.path.name, note))
        for e in st.entries:
            if e.currency and e.currency.upper() != currency:
                result.foreign += 1
                result.findings.append(Finding(
                    "BANK-CURRENCY", ERROR, "", None, "", e.reference,
                    (f"{e.source} : crédit de {e.amount} {e.currency} du "
                     f"{e.date:%d/%m/%Y} ({e.payer or e.text}) dans une autre devise "
                     f"que celle du classeur ({currency}) : non importé."
                     if lang == "fr" else
                     f"{e.source}: credit of {e.amount} {e.currency} on {e.date} "
                     f"({e.payer or e.text}) in another currency than the "
                     f"workbook's ({currency}): not imported."),
                    ("Saisir le paiement à la main dans Paiements." if lang == "fr"
                     else "Enter the payment by hand in Payments.")))
                continue
            fresh.append(e)
    new_keys = set(book.bank_import(
        {"entry_key": e.key, "reference": e.reference, "account": e.account,
         "booking_date": e.date.isoformat(), "amount": e.amount,
         "currency": e.currency or currency, "text": e.text, "payer": e.payer,
         "iban": e.iban, "legacy_key": e.legacy_key,
         "legacy_date": (e.legacy_date or e.date).isoformat(),
         "source": e.source} for e in fresh))
    result.new = len(new_keys)
    result.known = len({e.key for e in fresh} - new_keys)

    bookings: dict[str, list[dict]] = {}
    known_clients = {c.id for c in clients}
    credits = []
    suggested: dict[str, dict | None] = {}  # what the last import suggested
    for entry in book.bank_entries("open"):
        credit = Credit(entry["entry_key"], date.fromisoformat(entry["booking_date"]),
                        Decimal(entry["amount"]), entry["text"], entry["payer"],
                        entry["iban"])
        result.credits += credit.amount
        credits.append((credit, entry["reference"]))
        suggested[credit.key] = entry["suggested"]
    suggesting: dict[str, dict] = {}  # what this one suggests, remembered

    def book_it(credit: Credit, reference: str, client: str,
                allocations: tuple[Allocation, ...], reason: str,
                confidence: float) -> None:
        rows = _rows(credit, reference, client, allocations, invoice_client)
        bookings[credit.key] = rows
        result.booked.append(Booked(credit.key, reference, credit.date,
                                    credit.amount, client, rows, reason, confidence))

    # what the accountant left in Rapprochement comes first: a confirmed choice is
    # booked (or, when it cannot be, stays with its error); a choice not confirmed
    # yet stays as it is; neither is ever replaced by a new suggestion
    rest = []
    for credit, reference in credits:
        decision = decisions.get(credit.key)
        if decision is None or not (decision.confirm or decision.client
                                    or decision.invoices):
            rest.append((credit, reference))
            continue
        problem = R.choice_problem(matcher, decision, known_clients, invoice_client,
                                  lang)
        if decision.confirm and problem is None:
            client, allocations = R.confirmed(matcher, credit, decision,
                                             invoice_client)
            matcher._consume(allocations)
            book_it(credit, reference, client, allocations, "confirmed", 1.0)
        elif problem is None:
            client, allocations = R.confirmed(matcher, credit, decision,
                                             invoice_client)
            matcher._consume(allocations)
            if R.chosen_by_hand(decision, suggested.get(credit.key)):
                reason, sure = R.MANUAL, 0.0  # written with no confidence
            else:  # the suggestion itself, left as it was
                reason = decision.reason or "kept"
                sure = R.confidence(decision.confidence)
            result.waiting.append(Suggestion(credit, client, allocations, reason,
                                             sure, False))
        elif decision.confirm:
            column, message = problem
            result.kept[credit.key] = decision
            result.waiting.append(Suggestion(
                credit, decision.client, (Allocation("", credit.amount),),
                decision.reason or "kept", R.confidence(decision.confidence), False))
            result.findings.append(Finding(
                "BANK-CONFIRM", ERROR, sheet, decision.row,
                next(c for c in S.SHEETS_BY_KEY["reconciliation"].columns
                     if c.key == column).label(lang),
                reference, message,
                ("Corriger la ligne (Valider reste à Oui), puis réimporter : rien "
                 "n'est enregistré d'ici là." if lang == "fr" else
                 "Correct the row (Confirm stays Yes), then import again: nothing "
                 "is booked until then.")))
        else:  # a choice not confirmed that no longer holds: suggest again
            rest.append((credit, reference))
    for credit, reference in rest:
        s = matcher.match(credit)
        if not s.certain:
            result.waiting.append(s)
            suggesting[credit.key] = {"client": s.client, "invoices": s.invoices}
            continue
        book_it(credit, reference, s.client, s.allocations, s.reason, s.confidence)
    book.bank_book(bookings)

    progress("write")
    writer = source.writer()
    labels = {c.key: c.label(lang) for c in S.table("Paiements").columns}
    transfer = S.choice_label("payment_mode", "transfer", lang)
    caught.write(writer, data, reminders=False)
    rows = [r for b in result.booked for r in b.rows]
    writer.append_rows("Paiements", [
        {labels["date"]: date.fromisoformat(r["date"]),
         labels["client"]: r["client"] or None, labels["invoice"]: r["invoice"] or None,
         labels["amount"]: Decimal(r["amount"]),
         labels["mode"]: None if r.get("gap") else transfer,
         labels["reference"]: r["reference"]} for r in rows])
    R.write_reconciliation(writer, sheet, lang, result.waiting, matcher, result.kept)
    writer.commit()
    book.bank_mark_logged(unlogged + list(bookings))
    result.findings += caught.findings(data)
    book.bank_suggest(suggesting)  # as the sheet now shows them
    for s in result.waiting:
        if not s.client:
            result.findings.append(Finding(
                "BANK-UNKNOWN", WARNING, sheet, None, "", s.credit.key,
                (f"Crédit de {s.credit.amount} € du {s.credit.date:%d/%m/%Y} "
                 f"({s.credit.payer or 'émetteur inconnu'}) : aucun client reconnu."
                 if lang == "fr" else
                 f"Credit of {s.credit.amount} on {s.credit.date} "
                 f"({s.credit.payer or 'unknown payer'}): no client recognised."),
                ("Indiquer le client et la facture dans Rapprochement, Valider = Oui, puis "
                 "réimporter." if lang == "fr" else
                 "Fill in client and invoice in Reconciliation, Confirm = Yes, import again.")))
    return result
