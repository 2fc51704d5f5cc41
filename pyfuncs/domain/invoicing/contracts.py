"""Contract periods due and not billed (domain/recurring.py): one invoice per contract and
period, "contrat:<ref>:<period start>" as its source."""
from __future__ import annotations

from pyfuncs.domain.context import norm, text
from pyfuncs.domain.findings import ERROR
from pyfuncs.domain.invoicing.document import NewLine
from pyfuncs.domain.invoicing.labels import period_label
from pyfuncs.domain.invoicing.messages import (
    CONTRACT_LINE_UNREADABLE,
    PO_CONTRACT,
    UNKNOWN_CLIENT,
)
from pyfuncs.domain.invoicing.planner import Planner
from pyfuncs.domain.recurring import due_periods


def plan_contracts(planner: Planner) -> None:
    """One invoice per contract period due and not billed (domain/recurring.py); the
    periods already in the workbook's lines are skipped here, those in the journal
    by the job."""
    ctx = planner.ctx
    labels = ctx.col("Contrats", "label") if ctx.has("Contrats") else []
    refused: set[int] = set()
    for due in due_periods(ctx, planner.day):
        if due.amount is None or due.index in refused:
            continue  # index value missing: reported by due_periods
        if norm(due.ref) in planner.unreadable:
            ctx.add("GEN-CONTRACT-LINE", ERROR, "Contrats", due.index, "id", due.ref,
                    CONTRACT_LINE_UNREADABLE, contract=due.ref)
            refused.add(due.index)
            continue
        c = planner.clients.find(due.client)
        if c is None:
            ctx.add("GEN-CLIENT", ERROR, "Contrats", due.index, "client", due.ref,
                    UNKNOWN_CLIENT, client=due.client)
            refused.add(due.index)
            continue
        if planner.clients.po_required(c) and not due.po:
            ctx.add("GEN-PO", ERROR, "Contrats", due.index, "po", due.ref, PO_CONTRACT,
                    client=due.client, contract=due.ref)
            refused.add(due.index)  # the client would reject it: one finding per contract
            continue
        when = period_label(due.period, planner.clients.lang(c))
        lines = [NewLine(f"{ln.label} – {when}", ln.quantity, ln.unit, ln.unit_price,
                         planner.vat(c, ln.vat_rate), due.source, due.period.first,
                         due.period.last) for ln in due.lines]
        planner.new("invoice", c, due.client, f"{text(labels[due.index])} – {when}", lines,
                  [due.source], po=due.po)
