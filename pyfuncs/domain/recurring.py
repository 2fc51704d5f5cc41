"""Recurring billing: the periods of each contract that have come due, and what
each one costs.

Pure: the Contrats and Indices tables as read in, periods and findings out. The planner
(invoicing/contracts.py) makes one document per due period not billed yet; the leak
check (checks/leaks.py) reports those not billed ``leak_days`` after they fell due.

Rules, as chosen for this first step:
- Periods are calendar periods: months, quarters (Jan/Apr/Jul/Oct), half-years (Jan/Jul),
  years (Jan). A contract starting or ending inside one gets a partial period, billed
  in proportion to its days (setting "prorata" = prorate, the default) or in full.
- In advance ("à échoir"): due on the billing day of the period's first month (never
  before the contract starts). In arrears ("échu"): due on the billing day of the month
  after the period ends. A billing day past the month's end is its last day.
- Status: suspended issues nothing; active and ended bill every period due up to the end
  date (nothing after it; an ended contract with no end date issues nothing more).
- Revision (Syntec-style): with an index, a base value S0 and a revision month, the price
  of a period starting on or after the revision month of a year later than the start is
  P1 = P0 × S1 / S0 rounded to the cent, S1 the index value of that revision month. P0 is
  always the typed amount, so yearly revisions do not compound rounding. A missing S1 is
  a finding and the periods needing it are not billed (until the value is typed).
- Lines: a contract bills its amount (one line, its label) or, when the Lignes de
  contrat table has lines for it, those lines (quantity × unit price, each line's VAT rate
  or the contract's); each line's unit price is revised and prorated, rounded to the cent.
  The period is written on every line. A typed amount beside lines is not billed (a
  warning says so when it differs from the lines' total).
- PO: the contract's client PO number goes on each of its invoices; the planner bills
  nothing for a client requiring a PO while the contract has none (like quotes).
- Notice (préavis): with a notice in months and an end date, the end must fall on or
  after the day the termination was notified plus the notice. An earlier end, or an end
  with no notification date, is a warning (the parties may have agreed to it); billing
  follows the typed end date either way.
- Each period's source is "contrat:<contract ref>:<calendar period start, ISO>": recorded
  in the journal and written in the lines' Origine column, it is billed once even if the
  journal is lost.
"""
from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple, cast

from pyfuncs.domain.context import Ctx, message, norm, text
from pyfuncs.domain.damaged import HELD_BACK_CONTRACT, damage, held_contract
from pyfuncs.domain.findings import ERROR, WARNING
from pyfuncs.domain.money import ZERO, line_net, to_cents

MONTHS = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}
PREFIX = "contrat:"

INDEX_MISSING = message(
    "Contrat {contract} : l'indice {index} de {month} manque, la révision ne peut pas être "
    "calculée ; {count} période(s) due(s) non facturée(s).",
    "Saisir la valeur de l'indice {index} pour {month} dans la feuille Indices.",
    "Contract {contract}: index {index} for {month} is missing, the revision cannot be "
    "computed; {count} due period(s) not billed.",
    "Enter the value of index {index} for {month} in the Indices sheet.")
BAD_CONTRACT = message(
    "Contrat {contract} : {problem}, il n'est pas facturé.",
    "Corriger la ligne du contrat.",
    "Contract {contract}: {problem}, it is not billed.",
    "Correct the contract's row.")
NOTICE_SHORT = message(
    "Contrat {contract} : fin au {end} avec un préavis de {months} mois notifié le {notice} : "
    "le préavis court jusqu'au {earliest}, les périodes jusque-là restent dues.",
    "Corriger la date de fin, ou garder la trace de l'accord du client pour une fin "
    "anticipée.",
    "Contract {contract}: ends on {end} with a {months}-month notice given on {notice}: the "
    "notice runs until {earliest}, the periods until then remain owed.",
    "Correct the end date, or keep the client's agreement to an early end on file.")
NOTICE_UNDATED = message(
    "Contrat {contract} : fin au {end} mais la date de notification de la résiliation "
    "manque ; le préavis de {months} mois ne peut pas être vérifié.",
    "Saisir la date de la lettre de résiliation (colonne Résiliation notifiée le).",
    "Contract {contract}: ends on {end} but the date the termination was notified is "
    "missing; the {months}-month notice cannot be checked.",
    "Enter the date of the termination letter (column Notice given on).")
AMOUNT_AND_LINES = message(
    "Contrat {contract} : montant {amount} saisi mais ses lignes totalisent {lines} : ce "
    "sont les lignes qui sont facturées.",
    "Vider le montant du contrat (ou corriger ses lignes).",
    "Contract {contract}: amount {amount} typed but its lines add up to {lines}: the lines "
    "are what is billed.",
    "Clear the contract's amount (or correct its lines).")


class ContractLine(NamedTuple):
    """One line a contract bills each period (its unit price revised and prorated in a
    ``Due``, as typed in the contract). A NamedTuple: thousands are made per run."""

    label: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    vat_rate: Decimal | None


@dataclass(frozen=True)
class Period:
    """One billing period of a contract.

    Attributes:
      start, end: the calendar period (end inclusive); ``start`` names it in the source.
      first, last: the days actually covered (the contract's start and end inside it).
      due: the day it may be billed.
      fraction: days covered ÷ days of the period (1 for a full period).
    """

    start: date
    end: date
    first: date
    last: date
    due: date

    @property
    def partial(self) -> bool:
        return self.first != self.start or self.last != self.end

    @property
    def fraction(self) -> Decimal:
        return Decimal((self.last - self.first).days + 1) / Decimal(
            (self.end - self.start).days + 1)


@dataclass(frozen=True)
class Due:
    """A period of contract row ``index`` due on the run date.

    Attributes: index (0-based row in Contrats), ref, client, period, source, amount
    (excl. VAT, revised and prorated; None when the index value is missing),
    revision (the revision month used, or None), missing (that month, when its index
    value is missing), lines (what to bill, prices revised and prorated; empty when the
    index value is missing), base (the amount before revision, prorated: what a period
    blocked by a missing index is worth at least), po (the client's PO number).
    """

    index: int
    ref: str
    client: str
    period: Period
    source: str
    amount: Decimal | None
    revision: date | None = None
    missing: date | None = None
    lines: tuple[ContractLine, ...] = ()
    base: Decimal = ZERO
    po: str = ""


def add_months(day: date, months: int) -> date:
    m = day.month - 1 + months
    return date(day.year + m // 12, m % 12 + 1, 1)


def on_day(year: int, month: int, day: int) -> date:
    return date(year, month, min(max(day, 1), calendar.monthrange(year, month)[1]))


def period_start(day: date, months: int) -> date:
    """The calendar period of ``months`` months holding ``day``."""
    return date(day.year, (day.month - 1) // months * months + 1, 1)


def periods(start: date, end: date | None, months: int, billing_day: int, advance: bool,
            until: date) -> Iterator[Period]:
    """Every period of a contract due on or before ``until``, oldest first."""
    p = period_start(start, months)
    while True:
        nxt = add_months(p, months)
        p_end = nxt - timedelta(days=1)
        if end is not None and p > end:
            return
        first = max(p, start)
        last = p_end if end is None else min(p_end, end)
        if advance:
            due = max(on_day(p.year, p.month, billing_day), first)
        else:
            due = on_day(nxt.year, nxt.month, billing_day)
        if due > until:
            return
        yield Period(p, p_end, first, last, due)
        p = nxt


def source_of(ref: str, start: date) -> str:
    return f"{PREFIX}{norm(ref)}:{start.isoformat()}"


def billed_in_workbook(ctx: Ctx) -> set[str]:
    """Contract periods the workbook's invoice lines already bill (their Origine), so
    a lost or replaced journal never bills a period twice."""
    if not ctx.has("LignesFacture"):
        return set()
    billed = {norm(s) for s in ctx.col("LignesFacture", "source")
              if s.__class__ is str and s[:8].casefold() == PREFIX}
    # a line skipped for a bad cell still bills its period (domain/damaged.py)
    return billed | {s for s in damage(ctx).sources if s.startswith(PREFIX)}


class _Indices:
    def __init__(self, ctx: Ctx) -> None:
        self.values: dict[tuple[str, int, int], Decimal] = {}
        if ctx.has("Indices"):
            for name, month, value in zip(ctx.col("Indices", "name"),
                                          ctx.col("Indices", "month"),
                                          ctx.col("Indices", "value")):
                if isinstance(month, date) and isinstance(value, Decimal) and value > 0:
                    self.values[(norm(name), month.year, month.month)] = value

    def get(self, name: str, month: date) -> Decimal | None:
        return self.values.get((norm(name), month.year, month.month))


def revision_month(start: date, period: date, month: int) -> date | None:
    """The latest revision date (1st of ``month``) on or before ``period``, after the
    contract's start; None before the first anniversary."""
    candidate = date(period.year, month, 1)
    if candidate > period:
        candidate = date(period.year - 1, month, 1)
    return candidate if candidate > start else None


def contract_lines(ctx: Ctx) -> dict[str, list[ContractLine | None]]:
    """The Lignes de contrat rows by contract (normalised ref); None for a row whose
    quantity or unit price is not a number (the contract is then not billed)."""
    out: dict[str, list[ContractLine | None]] = {}
    if not ctx.has("LignesContrat"):
        return out
    col: Callable[[str], list[Any]] = lambda key: ctx.col("LignesContrat", key)
    for ref, label, qty, unit, price, rate in zip(col("contract"), col("label"),
                                                  col("quantity"), col("unit"),
                                                  col("unit_price"), col("vat_rate")):
        if not text(ref):
            continue
        ok = isinstance(qty, Decimal) and isinstance(price, Decimal)
        out.setdefault(norm(ref), []).append(
            ContractLine(text(label), qty, text(unit), price,
                         rate if isinstance(rate, Decimal) else None) if ok else None)
    return out


def _priced(lines: tuple[ContractLine, ...], factor: tuple[Decimal, Decimal] | None,
            fraction: Decimal | None) -> tuple[ContractLine, ...]:
    """Unit prices revised (× S1 / S0) then prorated, each rounded to the cent."""
    if factor is None and fraction is None:
        return lines  # a full period at the typed price: most of them
    out = []
    for ln in lines:
        price = ln.unit_price
        if factor is not None:
            price = to_cents(price * factor[0] / factor[1])
        if fraction is not None:
            price = to_cents(price * fraction)
        out.append(ContractLine(ln.label, ln.quantity, ln.unit, price, ln.vat_rate))
    return tuple(out)


def _net(lines: tuple[ContractLine, ...]) -> Decimal:
    return sum((line_net(ln.quantity, ln.unit_price) for ln in lines), ZERO)


def check_notice(ctx: Ctx) -> None:
    """Warnings for end dates that do not respect the contract's notice (see the rules)."""
    if not ctx.has("Contrats"):
        return
    col: Callable[[str], list[Any]] = lambda key: ctx.col("Contrats", key)
    for i, (ref, end, months, notified) in enumerate(zip(
            col("id"), col("end"), col("notice_months"), col("notice_date"))):
        if not (text(ref) and isinstance(end, date) and isinstance(months, int) and
                months > 0):
            continue
        if not isinstance(notified, date):
            ctx.add("CONTRACT-NOTICE", WARNING, "Contrats", i, "notice_date", text(ref),
                    NOTICE_UNDATED, contract=text(ref), end=ctx.day(end), months=months)
            continue
        m = add_months(notified, months)
        earliest = on_day(m.year, m.month, notified.day)
        if end < earliest:
            ctx.add("CONTRACT-NOTICE", WARNING, "Contrats", i, "end", text(ref),
                    NOTICE_SHORT, contract=text(ref), end=ctx.day(end), months=months,
                    notice=ctx.day(notified), earliest=ctx.day(earliest))


def due_periods(ctx: Ctx, day: date, billed: set[str] | None = None,
                report: bool = True) -> list[Due]:
    """Every contract period due on ``day`` whose source is not in ``billed`` (default:
    the workbook's invoice lines), with its amount. Findings for contracts that cannot
    be billed (bad row, missing index value: one finding per contract) unless not
    ``report`` (the leak check reports them its own way)."""
    if not ctx.has("Contrats"):
        return []
    if billed is None:
        billed = billed_in_workbook(ctx)
    full = text(ctx.setting("prorata")) == "full"
    indices = _Indices(ctx)
    typed_lines = contract_lines(ctx)
    col: Callable[[str], list[Any]] = lambda key: ctx.col("Contrats", key)
    refs, clients, amounts = col("id"), col("client"), col("amount")
    labels, rates, pos = col("label"), col("vat_rate"), col("po")
    kinds, days, timings = col("period"), col("billing_day"), col("timing")
    starts, ends, statuses = col("start"), col("end"), col("status")
    index_names, bases, rev_months = col("index"), col("base_index"), col("revision_month")
    if report:
        check_notice(ctx)
    out: list[Due] = []
    hurt = damage(ctx)
    for i, ref in enumerate(refs):
        status = statuses[i]
        if status == "suspended" or not text(ref):
            continue
        held = held_contract(hurt, clients[i]) if hurt.unknown_sources else None
        if held is not None:
            if report:
                ctx.add("GEN-DAMAGED", ERROR, "Contrats", i, "id", text(ref),
                        HELD_BACK_CONTRACT, contract=text(ref), number=held.number or "?",
                        sheet=held.sheet, cell=held.where)
            continue
        start, end = starts[i], ends[i] if isinstance(ends[i], date) else None
        if status == "ended" and end is None:
            continue
        months = MONTHS.get(kinds[i])
        p0 = amounts[i]
        rate = rates[i] if isinstance(rates[i], Decimal) else None
        found = typed_lines.get(norm(ref))
        problem = None
        if not isinstance(start, date) or months is None:
            problem = ("début ou périodicité manquant" if ctx.fr else
                       "start or period missing")
        elif found is not None and None in found:
            problem = ("une de ses lignes n'a pas de quantité ou de prix unitaire" if ctx.fr
                       else "one of its lines has no quantity or unit price")
        elif found is None and not isinstance(p0, Decimal):
            problem = ("ni montant ni lignes" if ctx.fr else "neither an amount nor lines")
        elif end is not None and end < start:
            problem = "fin avant le début" if ctx.fr else "end before start"
        index = text(index_names[i])
        base, rev = bases[i], rev_months[i]
        if problem is None and index and not (isinstance(base, Decimal) and base > 0 and
                                              isinstance(rev, int) and 1 <= rev <= 12):
            problem = ("indice sans indice de base S0 ou mois de révision (1 à 12)" if ctx.fr
                       else "index without base value S0 or revision month (1-12)")
        if problem is not None:
            if report:
                ctx.add("CONTRACT-INVALID", ERROR, "Contrats", i, "id", text(ref),
                        BAD_CONTRACT, contract=text(ref), problem=problem)
            continue
        if found is not None:
            lines = tuple(ln for ln in found if ln is not None)
            lines = tuple(ContractLine(ln.label, ln.quantity, ln.unit, ln.unit_price,
                                       ln.vat_rate if ln.vat_rate is not None else rate)
                          for ln in lines)
            if report and isinstance(p0, Decimal) and p0 != _net(lines):
                ctx.add("CONTRACT-AMOUNT", WARNING, "Contrats", i, "amount", text(ref),
                        AMOUNT_AND_LINES, contract=text(ref), amount=p0, lines=_net(lines))
        else:
            lines = (ContractLine(text(labels[i]), Decimal(1), "", p0, rate),)
        billing_day = days[i] if isinstance(days[i], int) else 1
        missing: list[Due] = []
        # (a contract without a period is invalid above)
        for p in periods(start, end, cast(int, months), billing_day, timings[i] != "arrears",
                         day):
            source = source_of(text(ref), p.start)
            if source in billed:
                continue
            fraction = None if full or not p.partial else p.fraction
            factor, when = None, None
            if index:
                when = revision_month(start, p.start, rev)
                if when is not None:
                    s1 = indices.get(index, when)
                    if s1 is None:
                        due = Due(i, text(ref), text(clients[i]), p, source, None, when, when,
                                  base=_net(_priced(lines, None, fraction)),
                                  po=text(pos[i]))
                        missing.append(due)
                        out.append(due)
                        continue
                    factor = (s1, base)
            priced = _priced(lines, factor, fraction)
            amount = _net(priced)
            out.append(Due(i, text(ref), text(clients[i]), p, source, amount, when,
                           lines=priced, po=text(pos[i]), base=amount if factor is None
                           else _net(_priced(lines, None, fraction))))
        if missing and report:
            m = missing[0].missing
            assert m is not None
            ctx.add("CONTRACT-INDEX", ERROR, "Contrats", i, "index", text(ref),
                    INDEX_MISSING, contract=text(ref), index=index,
                    month=f"{m:%m/%Y}" if ctx.fr else f"{m:%Y-%m}", count=len(missing))
    return out
