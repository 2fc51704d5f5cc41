"""When validated time is due to be invoiced (time and materials, DOMAIN.md): a time entry
validated for billing, dated in a month that has closed (before the first day of the
current month) and that no invoice names yet.

One statement of the rule for both of its readers: `generate` invoices these entries (one
invoice per client, project and month, domain/invoicing/time_entries.py) and `check`
reports those still waiting as a billing leak (LEAK-TIME, domain/checks/leaks.py).
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from itertools import compress, count
from operator import not_
from typing import Any, cast

from pyfuncs.domain.context import Ctx


def time_due(ctx: Ctx, today: date) -> list[int]:
    """The rows of Temps due to be invoiced on ``today``, in sheet order."""
    if not ctx.has("Temps"):
        return []
    month_start = today.replace(day=1)
    days = ctx.col("Temps", "date")
    validated = ctx.col("Temps", "validated")
    return [k for k in _no_invoice(ctx.col("Temps", "invoice"))
            if validated[k] == "yes" and isinstance(days[k], date) and days[k] < month_start]


def _no_invoice(invoice: list[Any]) -> list[int]:
    """Entries with no invoice number (empty, blank or not text), in order: by C loops
    when the numbers are texts and empty cells, else row by row."""
    try:
        # (typed as texts: anything else raises TypeError in str.strip)
        texts = cast("Iterator[str]", map(_EMPTY.get, invoice, invoice))
        return list(compress(count(), map(not_, map(str.strip, texts))))
    except TypeError:  # a number typed as a number
        return [k for k, number in enumerate(invoice) if not number or number.__class__ is
                not str or not number.strip()]


_EMPTY = {None: ""}  # _EMPTY.get(v, v): an empty cell as "", any other value as it is
