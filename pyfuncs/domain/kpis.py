"""Receivables KPIs for the dashboard (DOMAIN.md §8).

- DSO, accounting method: receivables incl. VAT / revenue incl. VAT of the last 90 days x 90.
- DSO, count-back method: subtract each month's revenue incl. VAT from the receivables,
  going back month by month, until they are exhausted; the days consumed are the DSO.
- Overdue share: overdue / receivables still due from invoices (credits apart).
- Amount over 60 days past due.
- Unpaid rate: amount more than 90 days past due / revenue incl. VAT of the last 12 months.
- Reminders per invoice: invoices named in reminders of the last 12 months / invoices
  issued in the last 12 months.
- Average days late: of the invoices settled in the last 12 months (due date to the
  payment that settled them).
- DSO by month: the accounting DSO at each of the last 12 month ends.
"""
from __future__ import annotations

import calendar
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from pyfuncs.domain.computed import reminder_sent
from pyfuncs.domain.money import ZERO, to_cents


class Item(Protocol):
    """An open item of the aged balance, as the KPIs see it."""

    @property
    def open_base(self) -> Decimal: ...
    @property
    def days(self) -> int: ...
    @property
    def bucket(self) -> int: ...


class Balance(Protocol):
    """The aged balance (domain.aging.AgedBalance), as the KPIs see it."""

    @property
    def as_of(self) -> date: ...
    @property
    def total(self) -> Decimal: ...
    @property
    def items(self) -> Sequence[Item]: ...

Columns = Mapping[str, Sequence[object]]


def months_back(day: date, months: int) -> date:
    """The same day ``months`` months earlier, clamped to the month's length."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))


def month_ends(as_of: date, count: int) -> list[date]:
    ends = []
    first = as_of.replace(day=1)
    for k in range(count, 0, -1):
        ends.append(months_back(first, k - 2) - timedelta(days=1) if k > 1 else as_of)
    return ends


def _cumulative(per_day: Mapping[date, Decimal]) -> tuple[list[date], list[Decimal]]:
    """{day: amount} -> the days in order and running totals, cum[k] = the sum over the
    first k days (a few hundred days, not one entry per invoice: nothing big to sort)."""
    days = sorted(per_day)
    cum, running = [ZERO], ZERO
    for day in days:
        running += per_day[day]
        cum.append(running)
    return days, cum


def _ratio(a: Decimal, b: Decimal) -> Decimal | None:
    return None if b == 0 else a / b


def dso_count_back(receivables: Decimal, revenue_between: Callable[[date, date], Decimal],
                   as_of: date, max_months: int = 24) -> Decimal | None:
    if receivables <= 0:
        return Decimal(0)
    remaining, days = receivables, Decimal(0)
    for k in range(1, max_months + 1):
        end, start = months_back(as_of, k - 1), months_back(as_of, k)
        window = Decimal((end - start).days)
        revenue = revenue_between(start, end)
        if revenue >= remaining and revenue > 0:
            return to_cents(days + window * remaining / revenue)
        days += window
        remaining -= max(revenue, ZERO)
    return None  # receivables older than the horizon: not meaningful


def receivable_kpis(invoiced: Mapping[date, tuple[Decimal, int]],
                    received: Mapping[date, Decimal], balance: Balance,
                    reminders: Columns | None, lates: Sequence[int]) -> dict[str, object]:
    """``invoiced``: per issue date, the total incl. VAT issued and the count of documents;
    ``received``: per date, the payments applied to invoices; ``lates``: the days late of
    the invoices settled in the last 12 months."""
    as_of = balance.as_of
    inv_days, inv_cum = _cumulative({day: v[0] for day, v in invoiced.items()})
    pay_days, pay_cum = _cumulative(received)

    def upto(days: list[date], cum: list[Decimal], day: date) -> Decimal:
        return cum[bisect_right(days, day)]

    def revenue_between(start: date, end: date) -> Decimal:
        """Revenue incl. VAT issued in (start, end]."""
        return upto(inv_days, inv_cum, end) - upto(inv_days, inv_cum, start)

    receivables = balance.total
    revenue90 = revenue_between(as_of - timedelta(days=90), as_of)
    revenue12m = revenue_between(months_back(as_of, 12), as_of)
    positive = sum((i.open_base for i in balance.items if i.open_base > 0), ZERO)
    overdue = sum((i.open_base for i in balance.items if i.open_base > 0 and i.bucket > 0),
                  ZERO)
    over60 = sum((i.open_base for i in balance.items if i.days > 60), ZERO)
    over90 = sum((i.open_base for i in balance.items if i.days > 90), ZERO)

    since = as_of - timedelta(days=365)
    year_ago = months_back(as_of, 12)
    issued12 = sum(n for day, (_, n) in invoiced.items() if year_ago < day <= as_of)
    named = 0
    if reminders:
        for day, listed, sent in zip(reminders["date"], reminders["invoices"],
                                     reminder_sent(reminders)):
            if sent and day is not None and since < day <= as_of and listed:  # type: ignore[operator]
                named += len([p for p in str(listed).replace(";", ",").split(",") if p.strip()])

    # Receivables at each month end: invoiced up to then minus received up to then.
    dso_by_month = []
    for end in month_ends(as_of, 12):
        invoiced_then = upto(inv_days, inv_cum, end)
        received_then = upto(pay_days, pay_cum, end)
        rev = revenue_between(end - timedelta(days=90), end)
        value = _ratio((invoiced_then - received_then) * 90, rev)
        dso_by_month.append({"month": end.isoformat()[:7],
                             "dso": None if value is None else to_cents(value)})

    dso = _ratio(receivables * 90, revenue90)
    share = _ratio(overdue, positive)
    unpaid = _ratio(over90, revenue12m)
    per_invoice = _ratio(Decimal(named), Decimal(issued12))
    return {
        "receivables": receivables,
        "overdue": overdue,
        "dso_accounting": None if dso is None else to_cents(dso),
        "dso_count_back": dso_count_back(receivables, revenue_between, as_of),
        "overdue_share": None if share is None else share.quantize(Decimal("0.0001")),
        "over_60_days": over60,
        "unpaid_rate": None if unpaid is None else unpaid.quantize(Decimal("0.0001")),
        "reminders_per_invoice": None if per_invoice is None else to_cents(per_invoice),
        "average_days_late": (to_cents(Decimal(sum(lates)) / len(lates)) if lates else None),
        "revenue_90_days": revenue90,
        "revenue_12_months": revenue12m,
        "dso_by_month": dso_by_month,
    }
