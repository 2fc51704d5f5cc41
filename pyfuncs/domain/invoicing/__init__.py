"""What "Générer les factures" would issue, and what each document holds.

Pure: the tables as read in, documents and findings out. Numbers are not allocated here
(the job does it through the journal, once the plan is confirmed), so a dry run and the
real run plan the same documents.

Sources of documents, in this order:
- hand-typed drafts of Factures with status "À émettre" (invoices, deposits, and credit
  notes naming the invoice they credit: with no lines of their own, a full cancellation
  whose lines are the invoice's, negated);
- accepted quotes, latest accepted version only: a deposit invoice (deposit % of the
  quote) once accepted; an invoice per milestone "ready to invoice"; once the quote is
  delivered ("Livré le" on or before the date), the final invoice: every quote line in
  full, less what was billed on the quote before (each earlier document deducted per VAT
  rate), so the quote is billed exactly once in total. A quote without deposit or
  milestones is billed in full by that same final invoice;
- validated time entries of closed months not yet invoiced: one invoice per client,
  project and month, one line per consultant and daily rate;
- contract periods due and not billed (domain/recurring.py): one invoice per contract and
  period, "contrat:<ref>:<period start>" as its source.
A quote whose number is a time entry's project is billed by its time, not by the rules
above (as the leak checks count it).

Each document lists its sources ("acompte:DEV-2026-0012", "jalon:DEV-2026-0012:recette",
"temps:<digest>"...): the journal refuses a source already billed, so a rerun, a crash or
two runs at once never bill the same share twice. A source that cannot be billed (bad
data) is a finding; the others are still issued.
"""
from __future__ import annotations

from datetime import date

from pyfuncs.domain.context import Ctx
from pyfuncs.domain.invoicing.contracts import plan_contracts
from pyfuncs.domain.invoicing.document import Document, NewLine, Plan, document_content
from pyfuncs.domain.invoicing.drafts import plan_drafts
from pyfuncs.domain.invoicing.labels import month_label, period_label
from pyfuncs.domain.invoicing.planner import Planner
from pyfuncs.domain.invoicing.quotes import plan_quotes
from pyfuncs.domain.invoicing.time_entries import entry_digest, plan_time
from pyfuncs.domain.money import allocate

__all__ = ["Document", "NewLine", "Plan", "allocate", "document_content", "entry_digest",
           "month_label", "period_label", "plan_invoices"]


def plan_invoices(ctx: Ctx, day: date) -> Plan:
    """Every document "Générer les factures" would issue on ``day``, and the findings
    about what cannot be billed.

    A contract or quote with a line the reader skipped (a bad or missing cell, reported
    there; ``ctx.skipped``) waits until it is fixed: billing it would issue, and number
    for good, an invoice missing that line (a deposit, a milestone or a final invoice is
    computed from the quote's lines too). The reader names a skipped quote line by its
    quote number only (its version cell may be the bad one), so every version waits.
    """
    planner = Planner(ctx, day)
    plan_drafts(planner)
    plan_quotes(planner)
    plan_time(planner)
    plan_contracts(planner)
    return Plan(planner.documents, ctx.findings)

