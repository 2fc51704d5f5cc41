"""Billing leaks, the money left on the table (work done or accepted but never invoiced), and what remains to
invoice on each quote.

- An accepted quote (latest accepted version) not fully invoiced ``leak_days`` after its
  delivery ("Livré le"). When the project manager has not marked it delivered, the proxy
  is the quote's validity date ("valable jusqu'au"), or its date + ``leak_days``. A quote billed by milestones or by time entries (its number as a time
  entry's project) is left to those two rules, so that nothing is counted twice; a quote
  with remaining amount that is no leak yet gets an info finding instead.
- A milestone "ready to invoice" with no invoice number, ``leak_days`` after its planned
  date (at once when it has none: it is ready, and since when is unknown).
- Time entries due to be invoiced (domain/time_due.py: validated, of a closed month, on no
  invoice yet): one leak per client and month.
- A contract period (domain/recurring.py) due ``leak_days`` ago and billed by no invoice
  line (its source in the Origine column): one leak per period (LEAK-CONTRACT); a contract
  whose revision is due but whose index value is missing: one leak per contract for the
  periods it blocks, at their unrevised price (LEAK-CONTRACT-INDEX).
- A contract or quote with a line the reader skipped (a bad or empty required cell in
  Lignes de contrat or Lignes de devis, reported there): what it leaves unbilled is not
  priced from the lines that remain, which would understate it (and "Générer les
  factures" holds it back until the line is fixed). One warning names the skipped rows
  instead: LEAK-CONTRACT-LINE for a contract with periods due ``leak_days`` ago, in place
  of their LEAK-CONTRACT (or LEAK-CONTRACT-INDEX); LEAK-QUOTE-LINE for an accepted quote
  not billed in full (its final invoice not issued) nor billed by time, in place of its
  LEAK-QUOTE or QUOTE-REMAINING, and of its milestones' leaks priced as a % of it. Their
  amount is unknown: the Leak records them at zero, so the dashboard's total counts
  none of it.
- Delivery references with no invoice (three-way match): the workbook has no delivery
  table, so there is nothing to match; not checked.
Amounts are excluding VAT, as quotes, milestones and time are.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import compress, count
from typing import Any

from pyfuncs.domain.checks.quotes import billed_net, tolerance
from pyfuncs.domain.context import Ctx, message, norm, text
from pyfuncs.domain.damaged import damage
from pyfuncs.domain.findings import INFO, WARNING
from pyfuncs.domain.money import ZERO, to_cents
from pyfuncs.domain.recurring import check_notice, due_periods
from pyfuncs.domain.time_due import time_due

# leaks whose amount is unknown (a line unreadable): recorded at zero, summed nowhere
UNPRICED = frozenset({"LEAK-CONTRACT-LINE", "LEAK-QUOTE-LINE"})


@dataclass(frozen=True)
class Leak:
    """Work done or due that no invoice bills yet.

    Attributes:
      code: LEAK-QUOTE, LEAK-MILESTONE, LEAK-TIME, LEAK-CONTRACT, LEAK-CONTRACT-INDEX,
        LEAK-CONTRACT-LINE or LEAK-QUOTE-LINE.
      client: the client to bill.
      amount: what is at stake, excluding VAT.
      since: when it should have been invoiced (proxy for quotes, see the module).
      table, index: where it is (0-based index into the table's rows).
      ref: the quote number, or the client for time.
      detail: for a quote, (billed, total, remaining, delivered?), remaining before the
        drafts already made for it (``amount`` is after them); for time, the month (YYYY-MM)
        and the number of entries; for a contract, its period (first, last day) or, for a
        missing index value, (index name, revision month, periods blocked); for a
        contract with an unreadable line, (skipped sheet rows, periods due); for a quote
        with one, (skipped sheet rows, billed).
    """

    code: str
    client: str
    amount: Decimal
    since: date | None
    table: str
    index: int
    ref: str
    detail: tuple[Any, ...] = ()


QUOTE = message("Devis {quote} accepté, facturé {billed} HT sur {total} HT : {remaining} restent "
                "à facturer, livraison supposée au {since} (validité du devis).",
                "Facturer le reste si la prestation est livrée (« Générer les factures »), sinon "
                "mettre à jour la date de validité.",
                "Quote {quote} accepted, {billed} invoiced excl. VAT out of {total}: {remaining} "
                "left to invoice, delivery assumed by {since} (the quote's validity).",
                "Invoice the rest if the work is delivered (\"Generate invoices\"), or update the "
                "validity date.")
DELIVERED = message("Devis {quote} livré le {since}, facturé {billed} HT sur {total} HT : "
                    "{remaining} restent à facturer.",
                    "Émettre la facture de solde (« Générer les factures »).",
                    "Quote {quote} delivered on {since}, {billed} invoiced excl. VAT out of "
                    "{total}: {remaining} left to invoice.",
                    "Issue the final invoice (\"Generate invoices\").")
REMAINING = message("Devis {quote} : {billed} HT facturés sur {total} HT, reste à facturer "
                    "{remaining} HT.",
                    "",
                    "Quote {quote}: {billed} invoiced excl. VAT out of {total}, {remaining} left "
                    "to invoice.",
                    "")
MILESTONE = message("Échéance « {label} » du devis {quote} prête à facturer depuis le {since} et "
                    "non facturée : {amount} HT.",
                    "Générer la facture de l'échéance (« Générer les factures »).",
                    "Milestone \"{label}\" of quote {quote} ready to invoice since {since} and "
                    "not invoiced: {amount} excl. VAT.",
                    "Generate the milestone's invoice (\"Generate invoices\").")
MILESTONE_UNDATED = message("Échéance « {label} » du devis {quote} prête à facturer, sans date "
                            "prévue, et non facturée : {amount} HT.",
                            "Générer la facture de l'échéance, et renseigner sa date prévue.",
                            "Milestone \"{label}\" of quote {quote} ready to invoice, with no "
                            "planned date, and not invoiced: {amount} excl. VAT.",
                            "Generate the milestone's invoice, and fill in its planned date.")
CONTRACT = message("Contrat {contract} : période du {first} au {last}, due le {since}, non "
                   "facturée : {amount} HT.",
                   "Générer les factures (« Générer les factures »).",
                   "Contract {contract}: period {first} to {last}, due on {since}, not "
                   "invoiced: {amount} excl. VAT.",
                   "Generate the invoices (\"Generate invoices\").")
CONTRACT_INDEX = message("Contrat {contract} : révision due en {month} mais l'indice {index} de "
                         "ce mois manque ; {count} période(s) non facturée(s), {amount} HT "
                         "avant révision.",
                         "Saisir la valeur de l'indice dans la feuille Indices.",
                         "Contract {contract}: revision due in {month} but index {index} for "
                         "that month is missing; {count} period(s) not invoiced, {amount} "
                         "excl. VAT before revision.",
                         "Enter the index value in the Indices sheet.")
CONTRACT_LINE = message("Contrat {contract} : {count} période(s) due(s) depuis le {since} non "
                        "facturée(s) ; montant inconnu, car la ou les lignes {rows} de la "
                        "feuille Lignes de contrat sont illisibles (le contrat n'est pas "
                        "facturé tant qu'elles ne sont pas corrigées).",
                        "Corriger les lignes signalées dans la feuille Lignes de contrat, "
                        "puis générer les factures.",
                        "Contract {contract}: {count} period(s) due since {since} not "
                        "invoiced; amount unknown, as row(s) {rows} of the Contract lines "
                        "sheet are unreadable (the contract is not billed until they are "
                        "corrected).",
                        "Correct the rows reported in the Contract lines sheet, then "
                        "generate the invoices.")
QUOTE_LINE = message("Devis {quote} accepté, {billed} HT facturés : ce qui reste à facturer "
                     "n'est pas calculé, car la ou les lignes {rows} de la feuille Lignes de "
                     "devis sont illisibles (le devis n'est pas facturé tant qu'elles ne sont "
                     "pas corrigées).",
                     "Corriger les lignes signalées dans la feuille Lignes de devis.",
                     "Quote {quote} accepted, {billed} invoiced excl. VAT: what is left to "
                     "invoice is not computed, as row(s) {rows} of the Quote lines sheet are "
                     "unreadable (the quote is not billed until they are corrected).",
                     "Correct the rows reported in the Quote lines sheet.")
TIME = message("Client {client} : {count} temps validé(s) de {month} non facturé(s), {amount} HT "
               "(mois clos).",
               "Générer la facture du mois (« Générer les factures »).",
               "Client {client}: {count} validated time entries of {month} not invoiced, {amount} "
               "excl. VAT (month closed).",
               "Generate the month's invoice (\"Generate invoices\").")


def billing_leaks(ctx: Ctx) -> tuple[list[Leak], list[tuple[int, Decimal, Decimal]]]:
    """The leaks, and the accepted quotes with something left to invoice that is no leak
    yet: (Devis row index, billed, remaining)."""
    leaks: list[Leak] = []
    pending: list[tuple[int, Decimal, Decimal]] = []
    if ctx.has("Devis"):
        _quotes(ctx, leaks, pending)
    if ctx.has("Echeances"):
        _milestones(ctx, leaks)
    if ctx.has("Temps"):
        _time(ctx, leaks)
    if ctx.has("Contrats"):
        _contracts(ctx, leaks)
    return leaks, pending


def _contracts(ctx: Ctx, leaks: list[Leak]) -> None:
    index = ctx.col("Contrats", "index")
    check_notice(ctx)  # an end typed inside the notice: periods owed and never billed
    blocked: dict[int, list[Any]] = {}
    unreadable: dict[int, list[Any]] = {}
    for due in due_periods(ctx, ctx.today, report=False):
        if (ctx.today - due.period.due).days <= ctx.leak_days:
            continue
        if ctx.skipped_rows("LignesContrat", due.ref):
            unreadable.setdefault(due.index, []).append(due)
            continue
        if due.amount is None:
            blocked.setdefault(due.index, []).append(due)
            continue
        leaks.append(Leak("LEAK-CONTRACT", due.client, due.amount, due.period.due, "Contrats",
                          due.index, due.ref, (due.period.first, due.period.last)))
    for i, dues in blocked.items():
        total = sum((d.base for d in dues), ZERO)  # at least the unrevised price
        leaks.append(Leak("LEAK-CONTRACT-INDEX", dues[0].client, total, dues[0].period.due,
                          "Contrats", i, dues[0].ref,
                          (text(index[i]), dues[0].missing, len(dues))))
    for i, dues in unreadable.items():
        leaks.append(Leak("LEAK-CONTRACT-LINE", dues[0].client, ZERO, dues[0].period.due,
                          "Contrats", i, dues[0].ref,
                          (ctx.skipped_rows("LignesContrat", dues[0].ref), len(dues))))


def _quotes(ctx: Ctx, leaks: list[Leak], pending: list[Any]) -> None:
    q_net = ctx.col("Devis", "net")
    q_date = ctx.col("Devis", "date")
    q_valid = ctx.col("Devis", "valid_until")
    q_delivered = ctx.col("Devis", "delivered")
    q_client = ctx.col("Devis", "client")
    q_number = ctx.col("Devis", "number")
    elsewhere: set[str] = set()
    by_time: set[str] = set()
    for table, key in (("Echeances", "quote"), ("Temps", "project")):
        if ctx.has(table):
            found = {norm(q) for q in set(ctx.col(table, key))}
            elsewhere.update(found)
            if table == "Temps":
                by_time = found
    drafts: dict[str, Decimal] = defaultdict(Decimal)
    if ctx.has("Factures"):
        net = ctx.col("Factures", "net")
        for i in compress(count(), map(_NOT_ISSUED.__contains__, ctx.inv_status)):
            if net[i] is not None:
                quote = ctx.invoice_quote(i)
                if quote:
                    drafts[quote] += net[i]
    skipped = ctx.skipped.get("LignesDevis")  # usually none: no call per quote then
    billed_on, billed_nets = ctx.billed_on_quote, ctx.quote_billed_net  # {} if no Factures
    damaged = damage(ctx)
    for quote, t in ctx.quote_target.items():
        if damaged and damaged.on_quote(quote, q_client[t]) is not None:
            continue  # billed by a document not read whole: its bad cell's error says so
        rows = ctx.skipped_rows("LignesDevis", quote) if skipped else []
        if rows and quote not in by_time and not ctx.finally_billed(quote):
            billed = billed_net(ctx, quote) if ctx.has("Factures") else ZERO
            delivered = q_delivered[t] if isinstance(q_delivered[t], date) else None
            leaks.append(Leak("LEAK-QUOTE-LINE", text(q_client[t]), ZERO, delivered, "Devis",
                              t, text(q_number[t]), (rows, billed)))
            continue
        total = q_net[t]
        if total is None:
            continue
        billed = billed_nets.get(quote, ZERO)  # billed_net(), without a call per quote
        remaining = total - billed
        tol = tolerance(len(billed_on.get(quote, ())))
        if remaining <= tol:
            continue
        delivered = q_delivered[t] if isinstance(q_delivered[t], date) else None
        since = delivered or q_valid[t] if isinstance(delivered or q_valid[t], date) else (
            q_date[t] + timedelta(days=ctx.leak_days) if isinstance(q_date[t], date) else None)
        at_stake = remaining - drafts.get(quote, ZERO)
        if (quote not in elsewhere and since is not None and at_stake > tol
                and (ctx.today - since).days > ctx.leak_days):
            leaks.append(Leak("LEAK-QUOTE", text(q_client[t]), at_stake, since, "Devis", t,
                              text(q_number[t]), (billed, total, remaining, bool(delivered))))
        else:
            pending.append((t, billed, remaining))


def _milestones(ctx: Ctx, leaks: list[Leak]) -> None:
    quotes = ctx.col("Echeances", "quote")
    status = ctx.col("Echeances", "status")
    invoice = ctx.col("Echeances", "invoice")
    amount = ctx.col("Echeances", "amount")
    pct = ctx.col("Echeances", "pct")
    planned = ctx.col("Echeances", "planned_date")
    q_net = ctx.col("Devis", "net") if ctx.has("Devis") else []
    q_client = ctx.col("Devis", "client") if ctx.has("Devis") else []
    for k, state in enumerate(status):
        if state != "ready" or text(invoice[k]):
            continue
        day = planned[k] if isinstance(planned[k], date) else None
        if day is not None and (ctx.today - day).days <= ctx.leak_days:
            continue
        quote = norm(quotes[k])
        t = ctx.quote_target.get(quote)
        if t is None:
            versions = ctx.quote_versions.get(quote)
            t = versions[max(versions)] if versions else None
        value = amount[k]
        if value is None and ctx.skipped_rows("LignesDevis", quote):
            continue  # a % of a quote with an unreadable line: its LEAK-QUOTE-LINE says so
        if value is None and pct[k] is not None and t is not None and q_net[t] is not None:
            value = to_cents(q_net[t] * pct[k])
        client = text(q_client[t]) if t is not None else ""
        leaks.append(Leak("LEAK-MILESTONE", client, value or ZERO, day, "Echeances", k,
                          text(quotes[k])))


def _time(ctx: Ctx, leaks: list[Leak]) -> None:
    days = ctx.col("Temps", "date")
    clients = ctx.col("Temps", "client")
    amounts = ctx.col("Temps", "amount")
    groups: dict[tuple[str, int, int], list[int]] = {}
    for k in time_due(ctx, ctx.today):
        day = days[k]
        groups.setdefault((text(clients[k]), day.year, day.month), []).append(k)
    for (client, year, month), entries in sorted(groups.items()):
        total = sum((amounts[k] or ZERO for k in entries), ZERO)
        end = date(year + month // 12, month % 12 + 1, 1)
        leaks.append(Leak("LEAK-TIME", client, total, end, "Temps", min(entries), client,
                          (f"{year}-{month:02d}", len(entries))))


_NOT_ISSUED = frozenset(("draft", "to_issue"))


def check_leaks(ctx: Ctx) -> list[Leak]:
    """Findings for the leaks (warnings) and the quotes' remaining amounts (info)."""
    leaks, pending = billing_leaks(ctx)
    q_number = ctx.col("Devis", "number") if ctx.has("Devis") else []
    q_net = ctx.col("Devis", "net") if ctx.has("Devis") else []
    e_label = ctx.col("Echeances", "label") if ctx.has("Echeances") else []
    for leak in leaks:
        if leak.code == "LEAK-QUOTE":
            billed, total, remaining, delivered = leak.detail
            ctx.add(leak.code, WARNING, "Devis", leak.index, "net", leak.ref,
                    DELIVERED if delivered else QUOTE,
                    quote=leak.ref, billed=ctx.money(billed), total=ctx.money(total),
                    remaining=ctx.money(remaining), since=ctx.day(leak.since))
        elif leak.code == "LEAK-MILESTONE":
            msg = MILESTONE if leak.since is not None else MILESTONE_UNDATED
            ctx.add(leak.code, WARNING, "Echeances", leak.index, "status", leak.ref, msg,
                    label=text(e_label[leak.index]), quote=leak.ref,
                    since=ctx.day(leak.since), amount=ctx.money(leak.amount))
        elif leak.code == "LEAK-CONTRACT":
            first, last = leak.detail
            ctx.add(leak.code, WARNING, "Contrats", leak.index, "id", leak.ref, CONTRACT,
                    contract=leak.ref, first=ctx.day(first), last=ctx.day(last),
                    since=ctx.day(leak.since), amount=ctx.money(leak.amount))
        elif leak.code == "LEAK-CONTRACT-INDEX":
            name, month, count = leak.detail
            ctx.add(leak.code, WARNING, "Contrats", leak.index, "index", leak.ref,
                    CONTRACT_INDEX, contract=leak.ref, index=name,
                    month=f"{month:%m/%Y}" if ctx.fr else f"{month:%Y-%m}", count=count,
                    amount=ctx.money(leak.amount))
        elif leak.code == "LEAK-CONTRACT-LINE":
            rows, count = leak.detail
            ctx.add(leak.code, WARNING, "Contrats", leak.index, "id", leak.ref, CONTRACT_LINE,
                    contract=leak.ref, count=count, since=ctx.day(leak.since),
                    rows=", ".join(map(str, rows)))
        elif leak.code == "LEAK-QUOTE-LINE":
            rows, billed = leak.detail
            ctx.add(leak.code, WARNING, "Devis", leak.index, "number", leak.ref, QUOTE_LINE,
                    quote=leak.ref, billed=ctx.money(billed), rows=", ".join(map(str, rows)))
        else:
            month, count = leak.detail
            ctx.add(leak.code, WARNING, "Temps", leak.index, "invoice", leak.client, TIME,
                    client=leak.client, count=count, month=month,
                    amount=ctx.money(leak.amount))
    for t, billed, remaining in pending:
        ref = text(q_number[t])
        ctx.add("QUOTE-REMAINING", INFO, "Devis", t, "net", ref, REMAINING, quote=ref,
                billed=ctx.money(billed), total=ctx.money(q_net[t]),
                remaining=ctx.money(remaining))
    return leaks
