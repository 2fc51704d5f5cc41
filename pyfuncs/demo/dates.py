"""The demo's calendar: working days, month ends and the due dates of the shipped
settings."""
from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta


def weekday(day: date) -> date:
    """The day itself, or the Friday before a weekend."""
    wd = day.weekday()
    return day - timedelta(days=wd - 4) if wd > 4 else day


def next_weekday(day: date) -> date:
    """The day itself, or the Monday after a weekend."""
    wd = day.weekday()
    return day + timedelta(days=7 - wd) if wd > 4 else day


def end_of_month(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


def due_date(issue: date, terms: str) -> date:
    """Due date for the shipped settings (45 days end of month: +45 days, then month end)."""
    if terms == "on_receipt":
        return issue
    if terms == "45d_eom":
        return end_of_month(issue + timedelta(days=45))
    return issue + timedelta(days={"30d": 30, "45d": 45, "60d": 60}[terms])


def add_months(year: int, month: int, n: int) -> tuple[int, int]:
    k = year * 12 + month - 1 + n
    return k // 12, k % 12 + 1
