"""When an invoice was settled, and how late (DOMAIN.md §8: average days late per client,
payment behaviour): the day its payments, and the credit notes applied to it, first
covered its total, each day's payments counted together whatever their order in the
register; the days late of the invoices settled in the 12 months up to a date.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from itertools import groupby
from operator import itemgetter

from pyfuncs.domain.money import ZERO

Columns = Mapping[str, Sequence[object]]


def with_credits(completion: Mapping[int, list[tuple[date, Decimal]]],
                  credit_days: Mapping[int, list[tuple[date, Decimal]]]
                  ) -> Mapping[int, list[tuple[date, Decimal]]]:
    """Payments and applied credit notes together: a credit note settles like a payment
    on its issue date (not merged into ``completion``, which the KPIs count as cash)."""
    if not credit_days:
        return completion
    merged = dict(completion)
    for i, credits in credit_days.items():
        merged[i] = [*completion.get(i, ()), *credits]
    return merged


# The late averages count the invoices settled in the 12 months up to the date.
LATE_WINDOW = timedelta(days=365)


def late_days(invoices: Columns, settled: Mapping[int, date], as_of: date
              ) -> dict[str, list[int]]:
    """Client -> the days late of each of its invoices settled in the 12 months up to the
    date (0 for one settled on time): what the averages of the aged balance and the
    dashboard are taken over."""
    since = as_of - LATE_WINDOW
    due_dates, issue_dates, clients = (invoices["due_date"], invoices["issue_date"],
                                       invoices["client"])
    out: dict[str, list[int]] = defaultdict(list)
    for i, day in settled.items():
        if since < day <= as_of:
            late = max(0, (day - (due_dates[i] or issue_dates[i])).days)  # type: ignore[operator]
            out[str(clients[i])].append(late)
    return out


def settle_day(pays: list[tuple[date, Decimal]], total: Decimal) -> date | None:
    """The first day at whose end the (day, amount) pairs paid so far reach ``total``: a
    day counts with all its payments (a refund the same day included), whatever their
    order in the register."""
    running = ZERO
    day: date
    for day, run in groupby(sorted(pays, key=itemgetter(0)), itemgetter(0)):
        for _, amount in run:
            running += amount
        if running >= total:
            return day
    return None


def settled_on(totals: Sequence[Decimal], issued: Mapping[str, int],
               completion: Mapping[int, list[tuple[date, Decimal]]]) -> dict[int, date]:
    """Invoice index -> the date its payments first covered its total."""
    out: dict[int, date] = {}
    for i, pays in completion.items():
        total = totals[i]
        if total <= 0:
            continue
        on = settle_day(pays, total)
        if on is not None:
            out[i] = on
    return out
