"""The words Facturier writes into the lines it makes: months, contract periods, dates and
VAT rates, in the client's language."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from pyfuncs.domain.recurring import Period

MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")


def month_label(day: date, lang: str) -> str:
    names = MONTHS_FR if lang == "fr" else MONTHS_EN
    return f"{names[day.month - 1]} {day.year}"


def period_label(p: Period, lang: str) -> str:
    """A contract period as its invoice lines name it: "novembre 2026", "juillet 2026 –
    septembre 2026", with the days covered when the contract starts or ends inside it."""
    months = (p.end.year - p.start.year) * 12 + p.end.month - p.start.month
    when = month_label(p.start, lang) if months == 0 else \
        f"{month_label(p.start, lang)} – {month_label(p.end, lang)}"
    if p.partial:
        when += (f" (du {p.first:%d/%m/%Y} au {p.last:%d/%m/%Y})" if lang == "fr" else
                 f" ({p.first.isoformat()} to {p.last.isoformat()})")
    return when


def shown_date(day: object, fr: bool) -> str:
    """A date inside a line's label: 01/12/2026 in French, 2026-12-01 in English."""
    if not isinstance(day, date):
        return "" if day is None else str(day)
    return f"{day:%d/%m/%Y}" if fr else day.isoformat()


def fmt_rate(rate: Decimal, fr: bool) -> str:
    body = format((rate * 100).normalize(), "f")
    return body.replace(".", ",") + " %" if fr else body + "%"

