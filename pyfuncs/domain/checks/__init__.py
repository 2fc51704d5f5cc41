"""The consistency checks of the "Contrôler" job: pure rules over the tables as
read, returning findings, never raising on bad data.

``check_workbook`` runs every rule; each lives in a sibling module by theme:

- quotes.py: QUOTE-UNKNOWN, QUOTE-CLIENT, QUOTE-VERSION, QUOTE-LINE, QUOTE-OVERBILLED
- vat.py: VAT-RATE, VAT-ZERO, VAT-REVERSE, VAT-NON-EU (warning), VAT-ARITH
- numbering.py: NUM-DUPLICATE, NUM-GAP, NUM-ORDER, NUM-FORMAT, NUM-MISSING,
  NUM-DRAFT, MENTION-DATE, CREDIT-REF, CREDIT-SIGN, CREDIT-OVER
- mentions.py: MENTION-SELLER, MENTION-CLIENT, MENTION-DUE, MENTION-PENALTY,
  MENTION-INDEMNITY, MENTION-DISCOUNT, MENTION-PO, TERMS-LIMIT, REMIND-NO-EMAIL
- ids.py: ID-SIREN, ID-SIRET, ID-VAT, ID-IBAN
- payments.py: PAY-UNKNOWN, PAY-OTHER-CLIENT, PAY-OVER, PAY-DUPLICATE, PAY-UNAPPLIED
- leaks.py: LEAK-QUOTE, LEAK-MILESTONE, LEAK-TIME, LEAK-CONTRACT, LEAK-CONTRACT-INDEX,
  LEAK-CONTRACT-LINE, LEAK-QUOTE-LINE, QUOTE-REMAINING

Not here: a formula result that differs from Python's computation (FORMULA-DIFF, the
job compares the cached values), an issued invoice edited or deleted since it was issued
(the register's rules, register.py), delivery references without an invoice (the
workbook has no delivery table).

Severities: an error is illegal or wrong in money; a warning is a risk to look at; info
is what remains to invoice and payments applied to no invoice. A rule that raises on data
it did not expect ends with one CHECK-FAILED warning; the other rules still run.

Speed: plain loops over columns with dict lookups built once and shared by the rules
(domain/context.py's Ctx), the cyclic garbage collector paused meanwhile (see
collector_paused).
Where a rule would pass over every row to find the few that can give a finding, C loops
(compress, map, set membership, one regex over joined text) pick those rows first, and
the rule's own loop runs on them alone; values are folded or validated once per distinct
value. Each such shortcut is proven equal to the loop it replaced in
tests/unit/test_checks_fast.py. On the 100k-invoice benchmark workbook (250k lines, 150k
payments, 160k time entries) every rule together takes about 1.25 s.
"""
from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

from pyfuncs.domain.checks.ids import check_ids
from pyfuncs.domain.checks.leaks import UNPRICED, Leak, billing_leaks, check_leaks
from pyfuncs.domain.checks.mentions import check_mentions
from pyfuncs.domain.checks.numbering import check_numbering
from pyfuncs.domain.checks.payments import check_payments
from pyfuncs.domain.checks.quotes import check_quotes
from pyfuncs.domain.checks.vat import check_vat
from pyfuncs.domain.context import Ctx, TableView, message
from pyfuncs.domain.findings import WARNING, Finding
from pyfuncs.domain.money import ZERO

__all__ = ["Leak", "TableView", "check_workbook", "leak_totals", "leaks_by_client"]

RULES: tuple[tuple[tuple[str, str], Callable[[Ctx], object]], ...] = (
    (("devis", "quotes"), check_quotes),
    (("TVA", "VAT"), check_vat),
    (("numérotation", "numbering"), check_numbering),
    (("mentions obligatoires", "mandatory mentions"), check_mentions),
    (("identifiants", "identifiers"), check_ids),
    (("paiements", "payments"), check_payments),
    (("fuites de facturation", "billing leaks"), check_leaks),
)

FAILED = message("Le contrôle « {rule} » s'est arrêté sur une donnée inattendue ({error}) ; les "
                 "autres contrôles ont été faits.",
                 "Signaler ce message avec le classeur ; vérifier en attendant les lignes "
                 "récemment modifiées.",
                 "The \"{rule}\" check stopped on unexpected data ({error}); the other checks ran.",
                 "Report this message with the workbook; meanwhile check recently edited rows.")


def check_workbook(tables: Mapping[str, TableView],
                   computed: Mapping[str, Mapping[str, list[Any]]],
                   settings: Mapping[str, object], today: date, lang: str = "fr",
                   leak_days: int = 15,
                   skipped: Mapping[str, Mapping[str, list[int]]] | None = None,
                   leaks: dict[str, Any] | None = None) -> list[Finding]:
    """Every finding of the consistency rules, in rule order (the job sorts them).

    ``leaks``: when given, receives under "leaks" the billing leaks the leak rule found
    (the dashboard's amounts per client, without computing them twice); no key if that
    rule failed.

    ``tables``: schema table name -> the reader's table (sheet, rows, cols, labels, cell);
    a missing table skips the rules that need it. ``computed``: compute_all's output, the
    formula columns as Python computes them. ``settings``: Paramètres values by key.
    ``skipped``: contract and quote lines the reader skipped (see Ctx), which the leak
    check reports instead of pricing what is left. A rule that meets data it cannot
    handle ends with one warning instead of the job.
    """
    ctx = Ctx(tables, computed, settings, today, lang, leak_days, skipped)
    with collector_paused():
        for (fr, en), rule in RULES:
            try:
                got = rule(ctx)
                if rule is check_leaks and leaks is not None:
                    leaks["leaks"] = got
            except Exception as exc:  # noqa: BLE001 - one rule's bug must not lose the others
                ctx.append("CHECK-FAILED", WARNING, "", None, "", "", FAILED, "",
                           {"rule": fr if ctx.fr else en,
                            "error": f"{type(exc).__name__}: {exc}"})
    return ctx.findings


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the rules run, then restore it.

    The rules build tens of thousands of small dicts, lists and tuples (lookups by quote,
    by invoice, by payment reference) that hold no reference cycle: the collector can
    free none of them, but its full passes rescan them all, which cost a quarter of the
    run at 100k invoices and made its time vary by half. Memory is still freed as usual
    (reference counting); only the cycle search waits until the end.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def leaks_by_client(tables: Mapping[str, TableView],
                    computed: Mapping[str, Mapping[str, list[Any]]], today: date,
                    leak_days: int = 15,
                    skipped: Mapping[str, Mapping[str, list[int]]] | None = None
                    ) -> dict[str, Decimal]:
    """Total at stake per client (excluding VAT) for the dashboard: quotes, milestones
    and time not invoiced, the same leaks check_workbook reports (a contract or quote
    with an unreadable line adds nothing: what it leaves unbilled is unknown)."""
    leaks, _ = billing_leaks(Ctx(tables, computed, {}, today, "fr", leak_days, skipped))
    return leak_totals(leaks)


def leak_totals(leaks: Iterable[Leak]) -> dict[str, Decimal]:
    """Billing leaks -> the amount at stake per client (a leak whose amount is unknown,
    from an unreadable line, adds nothing)."""
    out: dict[str, Decimal] = {}
    for leak in leaks:
        if leak.code in UNPRICED:
            continue
        out[leak.client] = out.get(leak.client, ZERO) + leak.amount
    return out
