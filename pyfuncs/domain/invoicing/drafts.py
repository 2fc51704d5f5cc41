"""Hand-typed drafts of Factures with status "À émettre": invoices, deposits, and credit
notes naming the invoice they credit (with no lines of their own, a full cancellation whose
lines are the invoice's, negated). Each is issued as typed, or refused with a finding."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from pyfuncs.domain.context import Ctx, norm, text
from pyfuncs.domain.findings import ERROR
from pyfuncs.domain.invoicing.document import Document, NewLine
from pyfuncs.domain.invoicing.messages import (
    CREDIT_OVER,
    CREDIT_SIGN,
    CREDIT_TARGET,
    DATE_AFTER,
    DUE_ILLEGAL,
    INVOICE_SIGN,
    NO_LINES,
    PO_DRAFT,
    UNKNOWN_CLIENT,
)
from pyfuncs.domain.invoicing.planner import Planner
from pyfuncs.domain.money import ZERO
from pyfuncs.domain.terms import due_date, latest_legal_due


def plan_drafts(planner: Planner) -> None:
    ctx = planner.ctx
    if not ctx.has("Factures"):
        return
    status, types = ctx.inv_status, ctx.inv_type
    numbers = ctx.col("Factures", "number")
    for i in range(len(status)):
        if status[i] == "to_issue" and not text(numbers[i]):
            _draft(planner, i, types[i] or "invoice")


def _draft(planner: Planner, i: int, kind: str) -> None:
    ctx = planner.ctx
    col: Callable[[str], Any] = lambda key: ctx.col("Factures", key)[i]
    ref = text(col("id"))
    client = text(col("client"))
    c = planner.clients.find(client)
    if c is None:
        ctx.add("GEN-CLIENT", ERROR, "Factures", i, "client", ref, UNKNOWN_CLIENT,
                client=client)
        return
    lines = [NewLine(text(ctx.col("LignesFacture", "label")[k]),
                     ctx.col("LignesFacture", "quantity")[k] or ZERO,
                     text(ctx.col("LignesFacture", "unit")[k]),
                     ctx.col("LignesFacture", "unit_price")[k] or ZERO,
                     ctx.col("LignesFacture", "vat_rate")[k] or ZERO,
                     text(ctx.col("LignesFacture", "source")[k]), *_service(ctx, k))
             for k in ctx.lines(i)]
    own_lines = bool(lines)
    credited, credited_date = text(col("credited")), None
    if kind == "credit_note":
        j = ctx.posted_by_number(credited) if credited else None
        if j is None or ctx.inv_type[j] == "credit_note":
            ctx.add("GEN-CREDIT", ERROR, "Factures", i, "credited", ref, CREDIT_TARGET,
                    credited=credited)
            return
        credited = text(ctx.inv_number[j])
        credited_date = ctx.col("Factures", "issue_date")[j]
        if not lines:  # a full cancellation: the invoice's lines, negated
            lines = [NewLine(text(ctx.col("LignesFacture", "label")[k]),
                             -(ctx.col("LignesFacture", "quantity")[k] or ZERO),
                             text(ctx.col("LignesFacture", "unit")[k]),
                             ctx.col("LignesFacture", "unit_price")[k] or ZERO,
                             ctx.col("LignesFacture", "vat_rate")[k] or ZERO,
                             f"avoir:{credited}", *_service(ctx, k))
                     for k in ctx.lines(j)]
        amount = Document("credit_note", client, "", lines, [], planner.day, "", None
                          ).totals()[2]
        room = _left_to_credit(planner, j)
        if amount >= 0:
            ctx.add("GEN-SIGN", ERROR, "Factures", i, "total", ref, CREDIT_SIGN,
                    doc=ref, amount=ctx.money(amount))
            return
        if -amount > room:
            ctx.add("GEN-CREDIT-OVER", ERROR, "Factures", i, "total", ref, CREDIT_OVER,
                    amount=ctx.money(-amount), credited=credited, room=ctx.money(room))
            return
    if not lines:
        ctx.add("GEN-NO-LINES", ERROR, "Factures", i, "id", ref, NO_LINES, doc=ref)
        return
    if kind != "credit_note":
        amount = Document(kind, client, "", lines, [], planner.day, "", None).totals()[2]
        if amount <= 0:
            ctx.add("GEN-SIGN", ERROR, "Factures", i, "total", ref, INVOICE_SIGN,
                    doc=ref, amount=ctx.money(amount))
            return
        if planner.clients.po_required(c) and not text(col("po")):
            ctx.add("GEN-PO", ERROR, "Factures", i, "po", ref, PO_DRAFT, client=client,
                    doc=ref)
            return
    typed_date = col("issue_date")
    day = planner.day
    if isinstance(typed_date, date):
        if typed_date > planner.day:
            ctx.add("GEN-DATE", ERROR, "Factures", i, "issue_date", ref, DATE_AFTER,
                    doc=ref, day=ctx.day(typed_date), today=ctx.day(planner.day))
            return
        day = typed_date
    terms = planner.terms(c, col("terms"))
    due = col("due_date")
    if not isinstance(due, date):
        due = due_date(day, terms, planner.convention)
    elif due > latest_legal_due(day):
        ctx.add("GEN-TERMS", ERROR, "Factures", i, "due_date", ref, DUE_ILLEGAL,
                due=ctx.day(due), latest=ctx.day(latest_legal_due(day)))
        return
    what = {"invoice": ("Facture", "Invoice"), "deposit": ("Acompte", "Deposit"),
            "credit_note": ("Avoir", "Credit note")}[kind][0 if planner.fr else 1]
    subject = f"{what} {ref}" + (f" → {credited}" if credited else "")
    version = col("quote_version")
    planner.documents.append(Document(
        kind, client, subject, lines, [f"brouillon:{norm(ref)}"], day, terms, due,
        quote=text(col("quote")), quote_version=version if isinstance(version, int) else
        None, po=text(col("po")), credited=credited, credited_date=credited_date,
        currency=text(col("currency")) or planner.currency, draft=i, draft_lines=own_lines))


def _left_to_credit(planner: Planner, j: int) -> Decimal:
    """What may still be credited on issued invoice j: its total less the credit notes
    already issued on it and those planned in this run."""
    ctx = planner.ctx
    total = ctx.col("Factures", "total")[j] or ZERO
    number = norm(ctx.inv_number[j])
    credited = ctx.keys("Factures", "credited")
    done = sum((ctx.col("Factures", "total")[k] or ZERO
                for k, p in enumerate(ctx.posted)
                if p and credited[k] == number and ctx.inv_type[k] == "credit_note"), ZERO)
    planned = sum((d.totals()[2] for d in planner.documents
                   if d.kind == "credit_note" and norm(d.credited) == number), ZERO)
    return total + done + planned


def _service(ctx: Ctx, k: int) -> tuple[date | None, date | None]:
    """The service date or period typed on invoice line k (dates only)."""
    got = [ctx.col("LignesFacture", key)[k] for key in ("service_start", "service_end")]
    return tuple(v if isinstance(v, date) else None for v in got)  # type: ignore[return-value]
