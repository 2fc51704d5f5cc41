"""The Rapprochement sheet: what the accountant left in it, and what waits there.

Read: every row by its key (the bank entry's identity), with Valider, the client and the
invoices as typed. A row's choice is the accountant's: confirmed, it is booked; not
confirmed yet, it stays as typed at every import (never replaced by a new suggestion);
confirmed but impossible (an unknown or paid invoice, another client's, an unknown
client), it is not booked and stays with its error. Written: one row per credit still
waiting, the whole sheet at once.

A row whose client or invoices differ from what the import suggested (the journal
remembers it) was chosen by hand: its Raison says so ("choisi à la main", "manual") and
its Confiance is empty, so nobody reads the old suggestion's reason beside a choice
that is not the suggestion's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from pyfuncs.adapters.workbook_file import WorkbookSource
from pyfuncs.domain import schema as S
from pyfuncs.domain.context import text
from pyfuncs.domain.matching import Allocation, Credit, Matcher, Suggestion
from pyfuncs.domain.money import ZERO
from pyfuncs.jobs.sheets import sheet_columns as _columns
from pyfuncs.jobs.sheets import stamp as _stamp

YES_WORDS = {"oui", "yes", "o", "y", "x", "1", "true", "vrai"}
MANUAL = "manual"  # the reason of a choice typed by the accountant
MANUAL_LABEL = {"fr": "choisi à la main", "en": "chosen by hand"}
MANUAL_WORDS = {MANUAL, *MANUAL_LABEL.values()}


@dataclass(frozen=True)
class SheetRow:
    """A Rapprochement row as the accountant left it."""

    row: int                 # sheet row (1-based)
    confirm: bool
    client: str
    invoices: str
    reason: str
    confidence: object


def decisions(source: WorkbookSource, sheet: str) -> dict[str, SheetRow]:
    """Rapprochement as the accountant left it: key -> its row (confirmed or not)."""
    try:
        grid = source.sheet_values(sheet)
    except Exception:  # noqa: BLE001 - an unreadable sheet confirms nothing
        return {}
    if not grid or len(grid) < 3:
        return {}
    spec = S.SHEETS_BY_KEY["reconciliation"]
    wanted = {S.fold(c.fr): c.key for c in spec.columns} | \
        {S.fold(c.en): c.key for c in spec.columns}
    where = {wanted.get(S.fold(str(h))): j for j, h in enumerate(grid[2]) if h != ""}
    if "confirm" not in where or "key" not in where:
        return {}

    def cell(row: list, key: str) -> str:
        j = where.get(key)
        return text(row[j]) if j is not None and j < len(row) else ""

    def raw(row: list, key: str) -> object:
        j = where.get(key)
        return row[j] if j is not None and j < len(row) else None

    return {cell(row, "key"): SheetRow(n, cell(row, "confirm").casefold() in YES_WORDS,
                                       cell(row, "client"), cell(row, "invoices"),
                                       cell(row, "reason"), raw(row, "confidence"))
            for n, row in enumerate(grid[3:], 4) if cell(row, "key")}


def confidence(value: object) -> float:
    try:
        return round(float(value), 2)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def named(decision: SheetRow) -> list[str]:
    return [n for n in re.split(r"[,;\s]+", decision.invoices) if n]


def chosen_by_hand(decision: SheetRow, suggested: dict | None) -> bool:
    """Whether the row's client or invoices are not what the last import suggested for
    it. A credit with no suggestion remembered (imported by an older Facturier) is
    judged by its reason: one written as chosen by hand stays so."""
    if suggested is None:
        return decision.reason.casefold() in MANUAL_WORDS
    return decision.client.casefold() != str(suggested.get("client") or "").casefold() or \
        {n.casefold() for n in named(decision)} != \
        {str(n).casefold() for n in suggested.get("invoices") or ()}


def choice_problem(matcher: Matcher, decision: SheetRow, clients: set[str],
                    invoice_client: dict[str, str], lang: str) -> tuple[str, str] | None:
    """(column key, message) when the row's client or invoices cannot be booked."""
    numbers = {n.casefold(): n for n in invoice_client}
    fr = lang == "fr"
    for typed in named(decision):
        number = numbers.get(typed.casefold())
        if number is None:
            return "invoices", (f"{typed} : aucune facture de ce numéro dans Factures" if fr
                                else f"{typed}: no invoice with this number in Invoices")
        if matcher.open.get(number, ZERO) <= 0:
            return "invoices", (f"{number} est déjà réglée" if fr else
                                f"{number} is already paid")
        if decision.client and invoice_client.get(number) != decision.client:
            return "invoices", (f"{number} n'est pas une facture du client {decision.client}"
                                if fr else
                                f"{number} is not an invoice of client {decision.client}")
    if decision.client and decision.client not in clients:
        return "client", (f"{decision.client} : aucun client de cet identifiant dans Clients"
                          if fr else f"{decision.client}: no such client in Clients")
    if not decision.client and not named(decision):
        return "client", ("indiquer le client ou la facture payée" if fr else
                          "fill in the client or the invoice paid")
    return None


def confirmed(matcher: Matcher, credit: Credit, decision: SheetRow,
               invoice_client: dict[str, str]) -> tuple[str, tuple[Allocation, ...]]:
    """What the accountant confirmed: the invoices named, each up to its balance; what is
    left is a credit of the client."""
    numbers = {n.casefold(): n for n in matcher.open}
    chosen = [numbers.get(n.casefold(), n) for n in named(decision)]
    allocations: list[Allocation] = []
    left = credit.amount
    for number in chosen:
        open_ = matcher.open.get(number, ZERO)
        if left <= 0 or open_ <= 0:
            continue
        paid = min(open_, left)
        gap = open_ - paid if ZERO < open_ - paid <= matcher.tolerance and \
            number == chosen[-1] else ZERO
        allocations.append(Allocation(number, paid, gap))
        left -= paid
    if left > 0:
        allocations.append(Allocation("", left))
    client = decision.client or next(
        (invoice_client[a.invoice] for a in allocations if a.invoice), "")
    return client, tuple(allocations)


def write_reconciliation(writer: object, sheet: str, lang: str,
                          waiting: list[Suggestion], matcher: Matcher,
                          kept: dict[str, SheetRow]) -> None:
    spec = S.SHEETS_BY_KEY["reconciliation"]
    no = S.choice_label("yesno", "no", lang)
    yes = S.choice_label("yesno", "yes", lang)
    rows = []
    for s in waiting:
        # what the invoices owe before this suggestion (the matcher reserved it)
        opens = sum((matcher.open.get(a.invoice, ZERO) + a.amount + a.gap
                     for a in s.allocations if a.invoice), ZERO)
        mine = kept.get(s.credit.key)  # a confirmed choice in error: shown as typed
        manual = s.reason == MANUAL  # no matcher's reason, no confidence to show
        rows.append([yes if mine else no, s.credit.date, s.credit.amount, s.credit.payer,
                     s.credit.text, s.client, mine.invoices if mine else ", ".join(s.invoices),
                     MANUAL_LABEL.get(lang, MANUAL) if manual else s.reason,
                     None if manual else s.confidence, opens if s.invoices else None,
                     s.credit.key.split("|", 1)[-1], s.credit.key])
    writer.replace_sheet(sheet, title=_stamp(lang, spec.label(lang), datetime.now()),  # type: ignore[attr-defined]
                         columns=_columns(spec, lang), rows=rows)
