"""Payment terms: the due date they give, and the legal limit (DOMAIN.md §3, L441-10).

"45 jours fin de mois" is counted two ways in practice (end of month then +45 days, or
+45 days then end of month): the ``eom_convention`` setting chooses.
"""
from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

TERM_DAYS = {"on_receipt": 0, "30d": 30, "45d": 45, "45d_eom": 45, "60d": 60}
END_OF_MONTH_TERMS = {"45d_eom"}


def end_of_month(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


def due_date(issue: date, terms: str, convention: str = "days_then_eom") -> date | None:
    """The due date of an invoice issued on ``issue`` under ``terms`` (a key of
    CHOICES["terms"]); None for unknown terms."""
    days = TERM_DAYS.get(terms)
    if days is None:
        return None
    if terms in END_OF_MONTH_TERMS:
        if convention == "eom_then_days":
            return end_of_month(issue) + timedelta(days=days)
        return end_of_month(issue + timedelta(days=days))
    return issue + timedelta(days=days)


def latest_legal_due(issue: date) -> date:
    """The latest due date the law allows: 60 days from the invoice date, or 45 days end
    of month counted either way."""
    return max(issue + timedelta(days=60), end_of_month(issue) + timedelta(days=45),
               end_of_month(issue + timedelta(days=45)))

