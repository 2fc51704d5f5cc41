"""Late-payment penalties and the fixed recovery indemnity (DOMAIN.md §3, Code de commerce
L441-10 and D441-5), owed by a professional debtor only (``owes_professional_penalties``).

Penalties run from the day after the due date, with no reminder needed, on the amount
incl. VAT, pro rata per day (actual days / 365). The rate is the one in force for each
half-year: the ECB main refinancing rate on 1 January (first half) or 1 July (second half)
plus 10 points, from the TauxPenalite table; or the contractual rate of Paramètres when it
is set and not below 3 x the legal interest rate of that half-year (a lower contractual
rate is void and the legal rate applies, with a finding). An overdue period spanning
several half-years is split at their bounds, each part at its own rate.

The base is the amount still due at the date of the computation (a reminder states
penalties "to date" on what is left to pay); payments made along the way are not
re-dated. Pure: Decimal in, Decimal out, rounded once with ``to_cents``.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from pyfuncs.domain.money import ZERO, to_cents

DAYS_IN_YEAR = Decimal(365)
LEGAL_POINTS = Decimal("0.10")       # ECB rate + 10 points
CONTRACTUAL_FLOOR = Decimal(3)       # contractual rate >= 3 x the legal interest rate
DEFAULT_INDEMNITY = Decimal(40)


@dataclass(frozen=True)
class HalfYearRate:
    """One row of TauxPenalite.

    Attributes:
      start, end: the half-year it covers (inclusive).
      ecb_rate: the ECB main refinancing rate in force on its first day (a fraction).
      penalty_rate: the legal penalty rate (ECB + 10 points) or None: computed then.
      legal_rate: the legal interest rate (taux d'intérêt légal, professionals) or None.
    """

    start: date
    end: date
    ecb_rate: Decimal | None
    penalty_rate: Decimal | None = None
    legal_rate: Decimal | None = None

    @property
    def statutory(self) -> Decimal | None:
        if self.penalty_rate is not None:
            return self.penalty_rate
        return None if self.ecb_rate is None else self.ecb_rate + LEGAL_POINTS


@dataclass(frozen=True)
class Period:
    """A run of overdue days at one rate: ``days`` days from ``start`` to ``end``."""

    start: date
    end: date
    days: int
    rate: Decimal
    contractual: bool


@dataclass(frozen=True)
class Penalty:
    """Penalties on one amount overdue at a date.

    Attributes:
      base: the amount incl. VAT they run on.
      amount: the penalties, to the cent.
      periods: the half-year parts and their rates.
      missing: overdue days no rate covers (TauxPenalite lacks their half-year).
      void_contractual: the contractual rate was set but below 3 x the legal interest rate.
    """

    base: Decimal
    amount: Decimal
    periods: tuple[Period, ...] = ()
    missing: tuple[tuple[date, date], ...] = ()
    void_contractual: bool = False

    @property
    def rate(self) -> Decimal | None:
        """The rate of the latest period (the one a reminder states)."""
        return self.periods[-1].rate if self.periods else None


@dataclass(frozen=True)
class RateTable:
    """The TauxPenalite rows, sorted, plus the contractual rate of Paramètres (or None)."""

    rows: tuple[HalfYearRate, ...]
    contractual: Decimal | None = None

    @classmethod
    def of(cls, rows: Iterable[HalfYearRate], contractual: Decimal | None = None
           ) -> RateTable:
        return cls(tuple(sorted(rows, key=lambda r: r.start)), contractual)

    def row_on(self, day: date) -> HalfYearRate | None:
        for row in self.rows:
            if row.start <= day <= row.end:
                return row
        return None

    def rate_on(self, day: date) -> tuple[Decimal | None, bool, bool]:
        """(rate, contractual used, contractual void) for the half-year holding ``day``."""
        row = self.row_on(day)
        legal = row.legal_rate if row is not None else None
        if self.contractual is not None:
            if legal is None or self.contractual >= CONTRACTUAL_FLOOR * legal:
                # without the legal interest rate of the period the floor cannot be checked:
                # the parties' rate applies as agreed
                return self.contractual, True, False
            return (row.statutory if row is not None else None), False, True
        return (row.statutory if row is not None else None), False, False


def half_year_end(day: date) -> date:
    return date(day.year, 6, 30) if day.month <= 6 else date(day.year, 12, 31)


def late_penalty(base: Decimal, due: date, as_of: date, table: RateTable) -> Penalty:
    """Penalties on ``base`` (incl. VAT) from the day after ``due`` to ``as_of`` inclusive."""
    if base <= 0 or as_of <= due:
        return Penalty(base, ZERO)
    periods: list[Period] = []
    missing: list[tuple[date, date]] = []
    void = False
    total = ZERO
    day = due + timedelta(days=1)
    while day <= as_of:
        end = min(half_year_end(day), as_of)
        days = (end - day).days + 1
        rate, contractual, void_here = table.rate_on(day)
        void |= void_here
        if rate is None:
            missing.append((day, end))
        else:
            periods.append(Period(day, end, days, rate, contractual))
            total += base * rate * days / DAYS_IN_YEAR
        day = end + timedelta(days=1)
    return Penalty(base, to_cents(total), tuple(periods), tuple(missing), void)


def owes_professional_penalties(private: bool) -> bool:
    """Whether a debtor paying late owes the penalties of art. L441-10 C. com. and the
    fixed recovery indemnity of art. D441-5: only a debtor acting as a professional does.

    Art. L441-10 sets the payment terms and penalties between professionals (art. L441-9
    makes their mentions mandatory on the invoices between them only), and its II makes
    the indemnity due by "tout professionnel en situation de retard de paiement". A
    private person (Clients › Particulier: a natural person not buying for a business)
    owes neither; their late payment of a sum of money gives interest at the legal rate
    from the formal notice (art. 1231-6 and 1344-1 C. civ.), which is not computed here.
    """
    return not private


def recovery_indemnity(setting: Decimal | None) -> Decimal:
    """The fixed indemnity per invoice paid late (B2B): the setting, 40 EUR by default."""
    return to_cents(setting) if setting is not None and setting >= 0 else DEFAULT_INDEMNITY


def rate_rows(starts: Sequence[object], ends: Sequence[object], ecb: Sequence[object],
              penalty: Sequence[object], legal: Sequence[object]) -> list[HalfYearRate]:
    """TauxPenalite columns (as read) -> rows; rows without dates are skipped."""
    out = []
    for s, e, b, p, lg in zip(starts, ends, ecb, penalty, legal):
        if isinstance(s, date) and isinstance(e, date):
            out.append(HalfYearRate(s, e, _dec(b), _dec(p), _dec(lg)))
    return out


def _dec(value: object) -> Decimal | None:
    return value if isinstance(value, Decimal) else None
