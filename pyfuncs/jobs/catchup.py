"""A copy of the workbook catching up on the journal: the payments a bank import booked
and the reminders sent, from whichever copy, that this copy's Paiements and Relances lack.

A team shares one journal and each person works on their own copy of the workbook. What
one copy records in the journal (a statement's credits booked, a reminder sent) is
written into that copy only; every other copy learns of it here, on its next job that
reads balances (age, refresh, check, remind, bank). Those that write the workbook add the
missing rows in the same commit as the rest of their work; the others (a run that writes
nothing) count them all the same and say so in a finding. Either way an invoice the
journal knows to be paid is paid for every copy, so `remind` never chases it.

The rule, for a credit the journal booked (its rows as the import booked them):
  1. it is in this copy when a Paiements row carries its reference (the reference the
     import gave it and wrote in Référence: the bank's own, unique to the entry, or "H"
     and its hash; its gap row's "… écart" counts too), spaces collapsed and case
     ignored, whatever that row's date, client, invoice, amount or mode say now: the
     accountant may have corrected them, or typed the payment by hand from the statement;
  2. otherwise each of its rows is in this copy when a Paiements row that rule 1 did not
     take has its date, its invoice and its amount (a payment typed by hand without the
     bank's reference); one Paiements row stands for one journal row, never two;
  3. what is left is missing. Written, with its reference, it is found by rule 1 next
     time: a rerun adds nothing.
A row that could not be read whole (a bad cell) counts with what could be read of it.
So a booked payment is corrected in Paiements (its invoice, client, amount), not deleted:
a copy without its reference gets it back, as a copy without an issued document does.

A reminder the journal recorded (client reminders and hand-overs; the internal digest
has no Relances row) is in this copy when a Relances row has its Message-ID.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pyfuncs.adapters.journal import Journal
from pyfuncs.adapters.workbook_file import Writer
from pyfuncs.adapters.xlsx_read import TableData, WorkbookData
from pyfuncs.domain import schema as S
from pyfuncs.domain.context import norm, text
from pyfuncs.domain.findings import INFO, Finding
from pyfuncs.jobs.load import journal_path, read_journal
from pyfuncs.jobs.reminder_records import REMINDER_KINDS
from pyfuncs.jobs.reminder_sheets import _append_log

GAP_SUFFIX = " écart"  # the gap row of a credit (bank.py's _rows): its reference + this


def reference_key(value: object) -> str:
    """A reference as rule 1 compares it: spaces collapsed, case ignored."""
    return " ".join(text(value).split()).casefold()


@dataclass
class CatchUp:
    """What this copy lacks of the journal.

    Attributes:
      payments: the missing Paiements rows, as the import booked them: date (a date),
        client, invoice, amount (Decimal), reference, gap (a bank fee or rounding booked
        on the invoice, no payment mode).
      credits: the keys of the journal's credits those rows come from.
      reminders: the journal's messages missing from Relances (as
        ``Journal.sent_messages`` gives them).
      written: whether this run wrote them into the workbook.
    """

    payments: list[dict] = field(default_factory=list)
    credits: list[str] = field(default_factory=list)
    reminders: list[dict] = field(default_factory=list)
    written: bool = False

    def __bool__(self) -> bool:
        return bool(self.payments or self.reminders)

    def payment_columns(self) -> dict[str, list]:
        """The missing rows as Paiements columns, to count them before they are written."""
        keys = [c.key for c in S.table("Paiements").columns]
        rows = [{**r, "mode": None if r["gap"] else "transfer"} for r in self.payments]
        return {k: [r.get(k) for r in rows] for k in keys}

    def reminder_columns(self) -> dict[str, list]:
        """The missing reminders as Relances columns (each one sent)."""
        rows = [r for r in self.reminders if r["kind"] != "digest"]
        return {"date": [date.fromisoformat(r["sent_at"][:10]) for r in rows],
                "client": [r["client"] for r in rows], "level": [r["level"] for r in rows],
                "invoices": [", ".join((r.get("content") or {}).get("invoices", []))
                             for r in rows],
                "to": [r["recipients"] for r in rows], "subject": [r["subject"] for r in rows],
                "status": ["sent"] * len(rows), "message_id": [r["message_id"] for r in rows]}

    def write(self, writer: Writer, data: WorkbookData, reminders: bool = True) -> None:
        """Append the missing rows through the surgical writer (the job commits);
        ``reminders`` False: the job writes its Relances rows itself."""
        lang = data.lang
        if self.payments and "Paiements" in data.tables:
            labels = data.tables["Paiements"].labels
            transfer = S.choice_label("payment_mode", "transfer", lang)
            writer.append_rows("Paiements", [
                {labels["date"]: r["date"], labels["client"]: r["client"] or None,
                 labels["invoice"]: r["invoice"] or None, labels["amount"]: r["amount"],
                 labels["mode"]: None if r["gap"] else transfer,
                 labels["reference"]: r["reference"]} for r in self.payments])
        if reminders:
            _append_log(writer, data, self.reminders, [])
        self.written = True

    def findings(self, data: WorkbookData) -> list[Finding]:
        """One line for what was caught up: written, or counted only."""
        out: list[Finding] = []
        fr = data.lang == "fr"
        if self.payments:
            n, total = len(self.credits), sum((r["amount"] for r in self.payments), Decimal(0))
            sheet = data.tables["Paiements"].sheet if "Paiements" in data.tables else \
                "Paiements"
            refs = _listed(r["reference"] for r in self.payments if not r["gap"])
            if self.written:
                message = (f"{n} paiement(s) ({total} €) d'un relevé importé sur un autre "
                           "poste, par un import interrompu, ou supprimé(s) de Paiements, "
                           f"ajouté(s) à Paiements depuis le journal : {refs}." if fr else
                           f"{n} payment(s) ({total}) of a statement imported on another "
                           "copy, by an import cut off, or deleted from Paiements, added to "
                           f"Paiements from the journal: {refs}.")
                # a booked credit deleted here comes back: say how to undo one for good
                fix = ("Un paiement comptabilisé depuis un relevé ne se supprime pas (il "
                       "reviendrait du journal) : pour l'annuler, corriger sa ligne "
                       "(facture, client, montant) en gardant sa Référence." if fr else
                       "A payment booked from a statement is not deleted (it would come "
                       "back from the journal): to undo it, correct its row (invoice, "
                       "client, amount) and keep its Reference.")
            else:
                message = (f"{n} paiement(s) ({total} €) d'un relevé importé sur un autre "
                           f"poste ne sont pas dans Paiements de ce classeur : {refs}. Ils "
                           "sont comptés." if fr else
                           f"{n} payment(s) ({total}) of a statement imported on another "
                           f"copy are not in this workbook's Paiements: {refs}. They are "
                           "counted.")
                fix = ("Lancer « Actualiser la balance âgée » (facturier refresh) ou "
                       "« Importer un relevé » pour les écrire." if fr else
                       "Run refresh (facturier refresh) or the bank import to write them.")
            out.append(Finding("CATCHUP-PAYMENTS", INFO, sheet, None, "", "", message, fix))
        logged = [r for r in self.reminders if r["kind"] != "digest"]
        if logged:
            sheet = data.tables["Relances"].sheet if "Relances" in data.tables else "Relances"
            if self.written:
                message = (f"{len(logged)} relance(s) envoyée(s) depuis un autre poste "
                           "ajoutée(s) à Relances depuis le journal." if fr else
                           f"{len(logged)} reminder(s) sent from another copy added to "
                           "Relances from the journal.")
                fix = ""
            else:
                message = (f"{len(logged)} relance(s) envoyée(s) depuis un autre poste ne "
                           "sont pas dans Relances de ce classeur : elles sont comptées." if fr
                           else f"{len(logged)} reminder(s) sent from another copy are not "
                           "in this workbook's Relances: they are counted.")
                fix = ("Lancer « Préparer les relances » (facturier remind) pour les écrire."
                       if fr else "Run the reminder preview (facturier remind) to write "
                       "them.")
            out.append(Finding("CATCHUP-REMINDERS", INFO, sheet, None, "", "", message, fix))
        return out

    def as_json(self) -> dict[str, object]:
        return {"payments": len(self.payments), "credits": len(self.credits),
                "reminders": sum(1 for r in self.reminders if r["kind"] != "digest"),
                "written": self.written}


LISTED = 5  # references a catch-up finding names; the others are counted


def _listed(refs: Iterable[object]) -> str:
    """The first references, then how many more: a finding stays one line."""
    names = list(dict.fromkeys(text(r) for r in refs))
    more = len(names) - LISTED
    return ", ".join(names[:LISTED]) + (f" (+{more})" if more > 0 else "")


# ----------------------------------------------------------------------------- the rule
def _column(tbl: TableData, key: str) -> list:
    values = list(tbl.cols.get(key, [None] * len(tbl)))
    if tbl.skipped is not None:
        values += tbl.skipped.cols.get(key, [None] * len(tbl.skipped))
    return values


def _amount(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def missing_payments(paiements: TableData | None, booked: Iterable[Mapping]
                     ) -> tuple[list[dict], list[str]]:
    """(rows, credit keys): the rows of the journal's booked credits that this copy's
    Paiements lacks, by the module's rule."""
    booked = [e for e in booked if e.get("booking")]
    if not booked:
        return [], []
    refs, dates, invoices, amounts = ([], [], [], []) if paiements is None else (
        _column(paiements, "reference"), _column(paiements, "date"),
        _column(paiements, "invoice"), _column(paiements, "amount"))
    in_sheet = {reference_key(r) for r in refs if text(r)}
    credit_refs = [{reference_key(r["reference"]) for r in e["booking"]} | {
        reference_key(e["reference"]), reference_key(str(e["reference"]) + GAP_SUFFIX)}
        for e in booked]
    taken = set().union(*credit_refs) & in_sheet
    # rule 2: the rows typed without the journal's reference, by (date, invoice, amount)
    typed: Counter[tuple[date, str, Decimal]] = Counter()
    for ref, day, number, amount in zip(refs, dates, invoices, amounts):
        value = _amount(amount)
        if reference_key(ref) in taken or not isinstance(day, date) or value is None:
            continue
        typed[(day, norm(number), value)] += 1
    rows: list[dict] = []
    keys: list[str] = []
    for entry, own in zip(booked, credit_refs):
        if own & in_sheet:
            continue
        missing = []
        for r in entry["booking"]:
            key = (date.fromisoformat(r["date"]), norm(r["invoice"] or ""), Decimal(r["amount"]))
            if typed[key] > 0:
                typed[key] -= 1
                continue
            missing.append({"date": key[0], "client": r["client"] or "",
                            "invoice": r["invoice"] or "", "amount": key[2],
                            "reference": r["reference"], "gap": bool(r.get("gap"))})
        if missing:
            rows += missing
            keys.append(str(entry["entry_key"]))
    return rows, keys


def missing_reminders(relances: TableData | None, sent: Iterable[Mapping]) -> list[dict]:
    """The journal's reminders (client reminders and hand-overs) whose Message-ID no
    Relances row holds."""
    have = set() if relances is None else \
        {text(m).strip() for m in _column(relances, "message_id") if text(m).strip()}
    return [dict(m) for m in sent
            if m["kind"] in REMINDER_KINDS and m["kind"] != "digest"
            and str(m["message_id"]).strip() not in have]


def catch_up(data: WorkbookData, book: Journal | None, reminders: bool = True) -> CatchUp:
    """What this copy lacks of the journal ``book`` (None: no journal, nothing)."""
    if book is None:
        return CatchUp()
    pay, log = data.tables.get("Paiements"), data.tables.get("Relances")
    # a table without the column that identifies a row cannot tell what it already holds:
    # nothing is caught up into it, rather than the same rows added on every run
    rows, credits = missing_payments(pay, book.bank_entries("booked")) \
        if _has(pay, "date", "invoice", "amount", "reference") else ([], [])
    sent = missing_reminders(log, book.sent_messages(REMINDER_KINDS)) \
        if reminders and _has(log, "message_id") else []
    return CatchUp(rows, credits, sent)


def _has(tbl: TableData | None, *keys: str) -> bool:
    return tbl is not None and all(k in tbl.col_letters for k in keys)


def read_catch_up(data: WorkbookData, journal: Path | str | None = None,
                  reminders: bool = True) -> CatchUp:
    """``catch_up`` on the workbook's journal, opened read-only (nothing created where
    there is no journal yet)."""
    book = read_journal(data, journal if journal is not None else journal_path(data))
    if book is None:
        return CatchUp()
    with book:
        return catch_up(data, book, reminders)
