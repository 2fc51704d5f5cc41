"""The demo's clients and invoices while they are being generated (rows are written once
the numbers are allocated), and their totals as the workbook's formulas compute them."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from pyfuncs.domain.money import ZERO, line_net, to_cents


class Client:
    __slots__ = ("bank", "email", "i", "id", "lang", "mode", "name", "paused", "po", "profile",
                 "rate", "terms")
    bank: str
    email: str
    i: int
    id: str
    lang: str
    mode: str
    name: str
    paused: bool
    po: bool
    profile: int
    rate: Decimal
    terms: str


class Inv:
    """An invoice being generated; rows are written once numbers are allocated."""

    __slots__ = ("client", "comp", "credit", "credited", "day", "dispute", "due", "id", "lines",
                 "number", "open", "po", "promise", "quote", "qver", "seq", "served", "settled",
                 "status", "terms", "total", "type")
    comp: bool | str           # credited: False, "partial" or "full"
    credited: Inv | None      # a credit note's invoice
    dispute: str | None
    due: date | None
    id: str | None
    number: str | None
    open: bool | str           # left open: False, True or "partial"
    promise: date | None
    settled: date | None

    def __init__(self, seq: int, type_: str, client: Client, day: date,
                 lines: list, quote: str | None = None, qver: int | None = None,
                 po: str | None = None, terms: str | None = None) -> None:
        self.seq, self.type, self.client, self.day, self.lines = seq, type_, client, day, lines
        self.quote, self.qver, self.po = quote, qver, po
        self.terms = terms or client.terms
        self.credited = self.number = self.id = self.promise = None
        self.status, self.dispute, self.open, self.comp = "issued", None, False, False
        self.total = self.credit = ZERO
        self.due = self.settled = None
        # the date or period of the service its lines bill (Prestation du / au), as the
        # planner writes it; None: performed on the issue date (left blank)
        self.served: tuple[date, date] | None = None


def shown_date(day: date, template: str) -> str:
    """A date inside a line's label, as the planner writes it (French or ISO)."""
    return f"{day:%d/%m/%Y}" if " du " in template else day.isoformat()


def totals(lines: list) -> tuple[Decimal, Decimal]:
    """Net and total incl. VAT as the workbook's formulas compute them (VAT per rate)."""
    by_rate: dict[Decimal, Decimal] = {}
    for line in lines:
        rate = line[4]
        by_rate[rate] = by_rate.get(rate, ZERO) + line_net(line[1], line[3])
    net = sum(by_rate.values(), ZERO)
    return net, net + sum((to_cents(b * r) for r, b in by_rate.items() if r), ZERO)
