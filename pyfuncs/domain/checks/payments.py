"""Payments against the invoices they name.

A payment names an invoice by its number. The workbook's "Paid" formula (SUMIFS) matches
it ignoring case and the spaces around it, not inside: a payment to "FAC 2026-0007" is
counted nowhere. So a number that only matches once inner spaces are removed is reported
apart, as a warning naming the number it was meant for, and a number that matches
nothing is an error: in both cases the money received sits on no invoice.

Over-payment is found in date order, on the payment that takes the invoice past its
total (a credit note is negative: its refunds are negative too). A probable duplicate is
the same amount, date and reference; a payment without a reference is not compared, as
two cheques of the same amount on the same day happen. A payment applied to no invoice is
a credit of the client, shown for information with the open invoice it may belong to.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from itertools import compress, count, repeat
from operator import gt, lt, ne
from typing import Any

from pyfuncs.domain.context import Ctx, loose, message, norm, text
from pyfuncs.domain.damaged import damage
from pyfuncs.domain.findings import ERROR, INFO, WARNING
from pyfuncs.domain.money import ZERO

UNKNOWN = message("Paiement de {amount} du {day} au N° de facture {number}, qui n'existe pas : il "
                  "n'est imputé à aucune facture.",
                  "Corriger le N° de facture (voir la référence du virement), ou le vider pour en "
                  "faire un crédit non affecté du client.",
                  "Payment of {amount} on {day} to invoice number {number}, which does not exist: "
                  "it is applied to no invoice.",
                  "Correct the invoice number (see the transfer's reference), or clear it to make "
                  "it an unapplied credit of the client.")
SPELLING = message("Le N° de facture « {number} » s'écrit {real} : écrit ainsi, le paiement de "
                   "{amount} n'est compté sur aucune facture.",
                   "Écrire exactement {real}.",
                   "Invoice number \"{number}\" is written {real}: written this way, the payment "
                   "of {amount} is counted on no invoice.",
                   "Write exactly {real}.")
OTHER_CLIENT = message("Paiement du client {payer} imputé sur la facture {number} du client "
                       "{client}.",
                       "Vérifier le N° de facture ou le client du paiement ; un paiement par un "
                       "tiers (maison mère…) se note au nom du client de la facture.",
                       "Payment from client {payer} applied to invoice {number} of client "
                       "{client}.",
                       "Check the payment's invoice number or client; a payment by a third party "
                       "(parent company...) is recorded under the invoice's client.")
OVER = message("Les paiements sur {number} atteignent {paid} pour un total de {total} TTC : "
               "{excess} de trop à partir de ce paiement.",
               "Vérifier l'imputation (un autre N° de facture ?) ; un trop-perçu se rembourse ou "
               "devient un crédit non affecté du client.",
               "Payments on {number} reach {paid} for a total of {total} incl. VAT: {excess} too "
               "much from this payment on.",
               "Check where it belongs (another invoice number?); an over-payment is refunded or "
               "becomes an unapplied credit of the client.")
DUPLICATE = message("Doublon probable de la ligne {first} : même montant ({amount}), même date "
                    "({day}) et même référence ({reference}).",
                    "Supprimer la ligne si le paiement a été saisi deux fois.",
                    "Probable duplicate of row {first}: same amount ({amount}), date ({day}) and "
                    "reference ({reference}).",
                    "Delete the row if the payment was entered twice.")
UNAPPLIED = message("Paiement de {amount} du {day} du client {client} imputé sur aucune "
                    "facture.{hint}",
                    "Saisir le N° de facture payée, ou laisser en crédit du client.",
                    "Payment of {amount} on {day} from client {client} applied to no "
                    "invoice.{hint}",
                    "Enter the invoice paid, or leave it as a credit of the client.")
UNAPPLIED_NOBODY = message("Paiement de {amount} du {day} sans facture ni client : impossible de "
                           "savoir qui a payé quoi.",
                           "Saisir le client, et la facture si elle est connue.",
                           "Payment of {amount} on {day} with neither invoice nor client: who "
                           "paid what cannot be told.",
                           "Enter the client, and the invoice if known.")


def check_payments(ctx: Ctx) -> None:
    if not ctx.has("Paiements") or not ctx.has("Factures"):
        return
    p_client = ctx.col("Paiements", "client")
    p_invoice = ctx.col("Paiements", "invoice")
    inv_client = ctx.col("Factures", "client")
    target = ctx.resolve(p_invoice, "Factures", "number", lambda: ctx.inv_first)
    unapplied: list[int] = []
    damaged = damage(ctx).numbers
    for k in [k for k, i in enumerate(target) if i < 0]:
        if norm(p_invoice[k]) in damaged:
            continue  # an invoice in the sheet, skipped for a bad cell: its error says so
        if text(p_invoice[k]):
            _unknown(ctx, k)
        else:
            unapplied.append(k)
    # payments whose client is not, as typed, their invoice's (a C loop; an unknown
    # invoice, -1, reads the last row and is sorted out by the test after)
    differ = compress(count(), map(ne, p_client, map(inv_client.__getitem__, target))) \
        if inv_client else ()
    for k in [k for k in differ if target[k] >= 0 and p_client[k]]:
        i, payer = target[k], p_client[k]
        if norm(payer) and norm(payer) != norm(inv_client[i]):
            ctx.add("PAY-OTHER-CLIENT", ERROR, "Paiements", k, "client", text(p_invoice[k]),
                    OTHER_CLIENT, payer=text(payer), number=ctx.inv_ref(i),
                    client=text(inv_client[i]))
    _duplicates(ctx)
    _over_payments(ctx, target)
    _unapplied(ctx, unapplied)


def _unknown(ctx: Ctx, k: int) -> None:
    """A number that matches no invoice: misspelt (inner spaces) or unknown."""
    number, amount = ctx.col("Paiements", "invoice")[k], ctx.col("Paiements", "amount")[k]
    exact = ctx.inv_first
    j = exact.get(loose(number))
    if j is None:  # an invoice number with inner spaces itself: rare
        j = ctx.inv_spaced.get(loose(number))
    if j is not None:
        ctx.add("PAY-UNKNOWN", WARNING, "Paiements", k, "invoice", text(number), SPELLING,
                number=text(number), real=text(ctx.inv_number[j]), amount=ctx.money(amount))
    else:
        ctx.add("PAY-UNKNOWN", ERROR, "Paiements", k, "invoice", text(number), UNKNOWN,
                number=text(number), amount=ctx.money(amount),
                day=ctx.day(ctx.col("Paiements", "date")[k]))


def _duplicates(ctx: Ctx) -> None:
    """Same reference (as typed) and date first: cheap to hash and rarely shared; then
    same amount."""
    p_date = ctx.col("Paiements", "date")
    p_amount = ctx.col("Paiements", "amount")
    p_ref = ctx.col("Paiements", "reference")
    p_invoice = ctx.col("Paiements", "invoice")
    rows = ctx.tables["Paiements"].rows
    shared = {key for key, n in Counter(zip(p_ref, p_date)).items()
              if n > 1 and key[0] and key[1] is not None}
    if not shared:
        return
    seen: dict[tuple[object, object, object], int] = {}
    for k in [k for k, key in enumerate(zip(p_ref, p_date)) if key in shared]:
        reference, day, amount = p_ref[k], p_date[k], p_amount[k]
        original = seen.setdefault((reference, day, amount), k)
        if original != k and amount is not None:
            ctx.add("PAY-DUPLICATE", WARNING, "Paiements", k, "reference", text(p_invoice[k]),
                    DUPLICATE, first=rows[original], amount=ctx.money(amount),
                    day=ctx.day(day), reference=text(p_ref[k]))


def _over_payments(ctx: Ctx, target: list[int]) -> None:
    """Invoices paid beyond their total (the computed "Paid" column, else a sum), then
    the payment that crossed the total, in date order."""
    p_date = ctx.col("Paiements", "date")
    p_amount = ctx.col("Paiements", "amount")
    totals = ctx.col("Factures", "total")
    paid = ctx.computed.get("Factures", {}).get("paid")
    if paid is None:
        sums: dict[int, Decimal] = defaultdict(Decimal)
        for i, amount in zip(target, p_amount):
            if i >= 0 and amount is not None:
                sums[i] += amount
        paid = [sums.get(i, ZERO) for i in range(len(totals))]
    over = {i for i in _maybe_over(paid, totals)
            if (p := paid[i]) is not None and (total := totals[i]) is not None
            and ((p > total) if total >= 0 else (p < total))}
    over -= damage(ctx).short  # a total short of a skipped line proves nothing
    if not over:
        return
    applied: dict[int, list[int]] = defaultdict(list)
    for k in compress(count(), map(over.__contains__, target)):  # their payments
        if p_amount[k] is not None:
            applied[target[k]].append(k)
    far = date.max
    for i, payments in applied.items():
        total = totals[i]
        payments.sort(key=lambda k: (p_date[k] or far, k))
        running = ZERO
        for k in payments:
            running += p_amount[k]
            if (running > total) if total >= 0 else (running < total):
                ctx.add("PAY-OVER", ERROR, "Paiements", k, "amount", ctx.inv_ref(i), OVER,
                        number=ctx.inv_ref(i), paid=ctx.money(paid[i]),
                        total=ctx.money(total), excess=ctx.money(abs(paid[i] - total)))
                break


def _maybe_over(paid: list[Any], totals: list[Any]) -> Iterable[int]:
    """Invoices that may be paid beyond their total: paid more than the total, or a
    negative total (a credit note's refunds go below it). C loops over the two columns;
    every invoice when one holds an empty cell (None compares with nothing)."""
    rows = range(min(len(paid), len(totals)))
    try:
        out = set(compress(rows, map(gt, paid, totals)))
        out.update(compress(rows, map(lt, totals, repeat(ZERO))))
    except TypeError:
        return rows
    return sorted(out)


def _unapplied(ctx: Ctx, unapplied: list[int]) -> None:
    """Info per unapplied payment, naming an open invoice of the client with exactly
    that balance when there is one."""
    if not unapplied:
        return
    p_date = ctx.col("Paiements", "date")
    p_client = ctx.col("Paiements", "client")
    p_amount = ctx.col("Paiements", "amount")
    balance = ctx.col("Factures", "balance")
    open_by: dict[tuple[str, Decimal], int] = {}
    clients, posted, live = ctx.col("Factures", "client"), ctx.posted, ctx.live
    # only a balance equal to an unapplied amount can be named: those invoices are found
    # by a C loop (set membership), not by a pass over every invoice
    amounts = {p_amount[k] for k in unapplied if p_amount[k] is not None}
    for i in compress(range(len(balance)), map(amounts.__contains__, balance)):
        b = balance[i]
        if posted[i] and live[i] and b is not None and b > 0:
            open_by.setdefault((norm(clients[i]), b), i)
    for k in unapplied:
        amount, client = p_amount[k], text(p_client[k])
        if not client:
            ctx.add("PAY-UNAPPLIED", WARNING, "Paiements", k, "client", "", UNAPPLIED_NOBODY,
                    amount=ctx.money(amount), day=ctx.day(p_date[k]))
            continue
        hint = ""
        same = open_by.get((norm(client), amount)) if amount is not None else None
        if same is not None:
            hint = (f" La facture {ctx.inv_ref(same)} a exactement ce reste dû." if ctx.fr else
                    f" Invoice {ctx.inv_ref(same)} has exactly this balance due.")
        ctx.add("PAY-UNAPPLIED", INFO, "Paiements", k, "invoice", client, UNAPPLIED,
                amount=ctx.money(amount), day=ctx.day(p_date[k]), client=client, hint=hint)
