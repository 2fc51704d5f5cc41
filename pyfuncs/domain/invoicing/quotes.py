"""Accepted quotes, latest accepted version only: a deposit invoice (deposit % of the
quote) once accepted; an invoice per milestone "ready to invoice"; once the quote is
delivered ("Livré le" on or before the date), the final invoice: every quote line in full,
less what was billed on the quote before (each earlier document deducted per VAT rate), so
the quote is billed exactly once in total. A quote without deposit or milestones is billed
in full by that same final invoice. A quote whose number is a time entry's project is
billed by its time (time_entries.py), not here."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from pyfuncs.domain.context import fold_label, norm, text
from pyfuncs.domain.damaged import HELD_BACK, damage
from pyfuncs.domain.findings import ERROR, WARNING
from pyfuncs.domain.invoicing.document import NewLine
from pyfuncs.domain.invoicing.labels import fmt_rate, shown_date
from pyfuncs.domain.invoicing.messages import (
    EMPTY_QUOTE,
    MILESTONE_AMOUNT,
    MILESTONE_OVER,
    PO_MISSING,
    QUOTE_LINE_UNREADABLE,
    UNKNOWN_CLIENT,
)
from pyfuncs.domain.invoicing.planner import DEFAULT_VAT, ONE, Planner
from pyfuncs.domain.money import ZERO, allocate, line_net, to_cents


def plan_quotes(planner: Planner) -> None:
    ctx = planner.ctx
    if not ctx.has("Devis", "LignesDevis"):
        return
    by_time = set(ctx.keys("Temps", "project")) if ctx.has("Temps") else set()
    milestones: dict[str, list[int]] = defaultdict(list)
    if ctx.has("Echeances"):
        for k, quote in enumerate(ctx.keys("Echeances", "quote")):
            milestones[quote].append(k)
    drafted: dict[str, Decimal] = defaultdict(Decimal)  # hand drafts about to be issued
    for d in planner.documents:
        if d.quote:
            drafted[norm(d.quote)] += d.totals()[0]
    for quote, t in ctx.quote_target.items():
        if quote in by_time:
            continue
        before = len(planner.documents)
        _quote(planner, quote, t, milestones.get(quote, []), drafted[quote])
        c = planner.clients.find(ctx.col("Devis", "client")[t])
        if len(planner.documents) > before and c is not None and \
                planner.clients.po_required(c) and not text(ctx.col("Devis", "po")[t]):
            del planner.documents[before:]  # the client would reject it
            number = text(ctx.col("Devis", "number")[t])
            ctx.add("GEN-PO", ERROR, "Devis", t, "po", number, PO_MISSING,
                    client=text(ctx.col("Devis", "client")[t]), quote=number)


def _quote(planner: Planner, quote: str, t: int, milestones: list[int], drafted: Decimal) -> None:
    ctx = planner.ctx
    q: Callable[[str], Any] = lambda key: ctx.col("Devis", key)[t]
    number, version, client = text(q("number")), q("version"), text(q("client"))
    billed_docs = ctx.billed_on_quote.get(quote, [])
    delivered = q("delivered")
    done = isinstance(delivered, date) and delivered <= planner.day
    pct = q("deposit_pct")
    plain = not (pct and pct > 0 and not done and not billed_docs and not drafted) and \
        not (milestones and not done and _any_ready(planner, milestones))
    if plain and not done:
        return  # nothing due yet: most quotes, decided before any arithmetic
    held = damage(ctx).on_quote(quote, client)
    if held is not None:
        # a document of this quote could not be read whole: what it billed is unknown
        if f"devis:{quote}" not in held.sources and not (plain and
                                                           ctx.finally_billed(quote)):
            ctx.add("GEN-DAMAGED", ERROR, "Devis", t, "number", number, HELD_BACK,
                    quote=number, number=held.number, sheet=held.sheet, cell=held.where)
        return
    skipped = planner.unreadable_quotes.get(quote)
    if skipped and not (plain and ctx.finally_billed(quote)):
        # something may be due, but billing it now would leave that line out (and the
        # quote's total, short of it, could even look billed in full)
        ctx.add("GEN-QUOTE-LINE", ERROR, "Devis", t, "number", number,
                QUOTE_LINE_UNREADABLE, quote=number,
                rows=", ".join(str(r) for r in sorted(set(skipped))))
        return
    if plain:
        total = ctx.col("Devis", "net")[t]
        if total is not None and sum((ctx.col("Factures", "net")[i] or ZERO
                                      for i in billed_docs), drafted) >= total:
            return  # delivered and billed in full
    c = planner.clients.find(client)
    if c is None:
        ctx.add("GEN-CLIENT", ERROR, "Devis", t, "client", number, UNKNOWN_CLIENT,
                client=client)
        return
    qlines = ctx.quote_lines(t)
    if not qlines:
        ctx.add("GEN-QUOTE-EMPTY", WARNING, "Devis", t, "number", number, EMPTY_QUOTE,
                quote=number, version=version)
        return
    label = ctx.col("LignesDevis", "label")
    qty = ctx.col("LignesDevis", "quantity")
    unit = ctx.col("LignesDevis", "unit")
    price = ctx.col("LignesDevis", "unit_price")
    rate = ctx.col("LignesDevis", "vat_rate")
    nets = [line_net(qty[k] or ZERO, price[k] or ZERO) for k in qlines]
    reverse = planner.clients.reverse_charge(c)
    rates = [ZERO if reverse else (DEFAULT_VAT if rate[k] is None else rate[k])
             for k in qlines]
    q_net = sum(nets, ZERO)
    billed = sum((ctx.col("Factures", "net")[i] or ZERO for i in billed_docs), ZERO)
    billed += drafted
    po = text(q("po"))
    extra = {"quote": number, "quote_version": version if isinstance(version, int) else
             None, "po": po}
    fr = planner.fr
    # a deposit, once accepted, while nothing is billed and the work is not delivered
    if pct and pct > 0 and not done and not billed_docs and not drafted:
        amount = to_cents(q_net * pct)
        bases: dict[Decimal, Decimal] = defaultdict(Decimal)
        for n, r in zip(nets, rates):
            bases[r] += n
        keys = sorted(bases, reverse=True)
        shares = allocate(amount, [bases[r] for r in keys])
        word = "Acompte" if fr else "Deposit"
        head = (f"{word} de {fmt_rate(pct, fr)} sur le devis {number}" if fr else
                f"{word} of {fmt_rate(pct, fr)} on quote {number}")
        lines = [NewLine(head + (f" (TVA {fmt_rate(r, fr)})" if len(keys) > 1 else ""),
                         ONE, "", s, r, f"acompte:{number}")
                 for r, s in zip(keys, shares) if s]
        planner.new("deposit", c, client, head, lines, [f"acompte:{norm(number)}"],
                  **extra)
        billed += amount
    # milestones ready to invoice
    ms_label = ctx.col("Echeances", "label") if milestones else []
    ms_status = ctx.col("Echeances", "status") if milestones else []
    ms_invoice = ctx.col("Echeances", "invoice") if milestones else []
    ms_pct = ctx.col("Echeances", "pct") if milestones else []
    ms_amount = ctx.col("Echeances", "amount") if milestones else []
    open_ms = [m for m in milestones if not text(ms_invoice[m])]
    for m in open_ms:
        if ms_status[m] != "ready" or done:
            continue
        ms_due = ms_amount[m] if ms_amount[m] is not None else (
            to_cents(q_net * ms_pct[m]) if ms_pct[m] is not None else None)
        m_label = text(ms_label[m])
        if ms_due is None or ms_due <= 0:
            ctx.add("GEN-MILESTONE", ERROR, "Echeances", m, "pct", number,
                    MILESTONE_AMOUNT, label=m_label, quote=number)
            continue
        if billed + ms_due > q_net:
            ctx.add("GEN-MILESTONE", ERROR, "Echeances", m, "amount", number,
                    MILESTONE_OVER, label=m_label, quote=number, amount=ctx.money(ms_due),
                    room=ctx.money(max(ZERO, q_net - billed)))
            continue
        shares = allocate(ms_due, nets)
        planned = ctx.col("Echeances", "planned_date")[m]
        reached = planned if isinstance(planned, date) and planned <= planner.day else None
        lines = [NewLine(f"{m_label} – {text(label[k])}", ONE, "", s, r,
                         f"jalon:{number}", reached)
                 for k, s, r in zip(qlines, shares, rates) if s]
        subject = (f"Échéance « {m_label} » du devis {number}" if fr else
                   f"Milestone \"{m_label}\" of quote {number}")
        planner.new("invoice", c, client, subject, lines,
                  [f"jalon:{norm(number)}:{fold_label(m_label)}"], milestones=[m],
                  **extra)
        billed += ms_due
    # the final invoice, once delivered: the quote in full, less what was billed
    if not done or billed >= q_net:
        return
    lines = [NewLine(text(label[k]), qty[k] or ZERO, text(unit[k]), price[k] or ZERO, r,
                     f"devis:{number}", delivered)
             for k, r in zip(qlines, rates)]
    lines += _deductions(planner, billed_docs, c)
    full = not billed_docs
    subject = ((f"Devis {number}" if fr else f"Quote {number}") if full else
               (f"Solde du devis {number}" if fr else f"Balance of quote {number}"))
    planner.new("invoice", c, client, subject, lines, [f"solde:{norm(number)}"],
              milestones=[m for m in open_ms if ms_status[m] != "invoiced"], **extra)


def _any_ready(planner: Planner, milestones: list[int]) -> bool:
    status = planner.ctx.col("Echeances", "status")
    invoice = planner.ctx.col("Echeances", "invoice")
    return any(status[m] == "ready" and not text(invoice[m]) for m in milestones)


def _deductions(planner: Planner, docs: list[int], c: int) -> list[NewLine]:
    """One negative line per earlier document and VAT rate: what it billed."""
    ctx = planner.ctx
    out = []
    l_net = ctx.col("LignesFacture", "net")
    l_rate = ctx.col("LignesFacture", "vat_rate")
    dates = ctx.col("Factures", "issue_date")
    for i in docs:
        bases: dict[Decimal, Decimal] = defaultdict(Decimal)
        for k in ctx.lines(i):
            bases[l_rate[k] or ZERO] += l_net[k] or ZERO
        number = text(ctx.inv_number[i])
        fr = planner.clients.lang(c) == "fr"
        when = shown_date(dates[i], fr)
        if ctx.inv_type[i] == "deposit":
            what = (f"Acompte {number} du {when} déduit" if fr else
                    f"Deposit {number} of {when} deducted")
        else:
            what = (f"Déjà facturé : {number} du {when}" if fr else
                    f"Already invoiced: {number} of {when}")
        several = len([b for b in bases.values() if b]) > 1
        for r in sorted(bases, reverse=True):
            if bases[r]:
                out.append(NewLine(what + (f" (TVA {fmt_rate(r, fr)})"
                                           if several else ""),
                                   -ONE, "", bases[r], r, f"déduction:{number}"))
    return out
