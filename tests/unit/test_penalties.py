"""Late-payment penalties per half-year, the contractual floor, and the fixed indemnity."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from pyfuncs.domain.penalties import HalfYearRate, RateTable, late_penalty, recovery_indemnity

RATES = RateTable.of([
    HalfYearRate(date(2025, 1, 1), date(2025, 6, 30), D("0.0315"), D("0.1315"), D("0.0371")),
    HalfYearRate(date(2025, 7, 1), date(2025, 12, 31), D("0.0215"), D("0.1215"), D("0.0276")),
    HalfYearRate(date(2026, 1, 1), date(2026, 6, 30), D("0.0215"), None, D("0.0262")),
])


def test_penalties_run_from_the_day_after_the_due_date_pro_rata_per_day_on_the_amount():
    p = late_penalty(D("10800.00"), date(2025, 8, 1), date(2025, 9, 8), RATES)
    # 38 days at 12.15 % on 10,800: 10800 x 0.1215 x 38 / 365 = 136.6109...
    assert p.amount == D("136.61")
    assert [(x.days, x.rate) for x in p.periods] == [(38, D("0.1215"))]


def test_nothing_is_due_on_or_before_the_due_date():
    assert late_penalty(D(1000), date(2025, 8, 1), date(2025, 8, 1), RATES).amount == 0
    assert late_penalty(D(1000), date(2025, 8, 1), date(2025, 7, 1), RATES).amount == 0


def test_an_overdue_period_over_two_half_years_takes_each_half_years_rate():
    p = late_penalty(D(1000), date(2025, 6, 20), date(2025, 7, 10), RATES)
    assert [(x.start, x.days, x.rate) for x in p.periods] == [
        (date(2025, 6, 21), 10, D("0.1315")), (date(2025, 7, 1), 10, D("0.1215"))]
    # 1000 x (0.1315 x 10 + 0.1215 x 10) / 365 = 6.9315..., rounded once
    assert p.amount == D("6.93")


def test_a_half_year_without_its_penalty_rate_uses_the_ecb_rate_plus_ten_points():
    p = late_penalty(D(365), date(2025, 12, 31), date(2026, 1, 10), RATES)
    assert p.periods[0].rate == D("0.1215")
    assert p.amount == D("1.22")  # 365 x 0.1215 x 10 / 365


def test_a_contractual_rate_applies_when_not_below_three_times_the_legal_interest_rate():
    table = RateTable.of(RATES.rows, contractual=D("0.15"))
    p = late_penalty(D(1000), date(2025, 8, 1), date(2025, 8, 11), table)
    assert p.periods[0].contractual and p.periods[0].rate == D("0.15")
    assert not p.void_contractual


def test_a_contractual_rate_below_the_floor_is_void_and_the_legal_rate_applies():
    table = RateTable.of(RATES.rows, contractual=D("0.05"))  # < 3 x 2.76 % = 8.28 %
    p = late_penalty(D(1000), date(2025, 8, 1), date(2025, 8, 11), table)
    assert p.void_contractual
    assert p.periods[0].rate == D("0.1215") and not p.periods[0].contractual


def test_days_no_rate_covers_are_reported_missing_and_not_counted():
    p = late_penalty(D(1000), date(2026, 6, 25), date(2026, 7, 5), RATES)
    assert p.missing == ((date(2026, 7, 1), date(2026, 7, 5)),)
    assert sum(x.days for x in p.periods) == 5


def test_the_recovery_indemnity_is_the_setting_or_forty_euros():
    assert recovery_indemnity(None) == D(40)
    assert recovery_indemnity(D(40)) == D("40.00")
    assert recovery_indemnity(D("55.5")) == D("55.50")
