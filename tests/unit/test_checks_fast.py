"""The shortcuts the check rules take for speed give what the slow way gives.

Each test states the equivalence a rule relies on, as a property over generated data:
the fast path answers as the row-by-row code it replaced, or (for a filter) keeps every
row that code could report.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st
from stdnum.fr import siren, siret, tva

from pyfuncs.domain import time_due
from pyfuncs.domain.checks import ids as checks_ids
from pyfuncs.domain.checks import numbering as checks_numbering
from pyfuncs.domain.checks import payments as checks_payments
from pyfuncs.domain.checks import vat as checks_vat
from pyfuncs.domain.context import Ctx, Grouped, first_index, loose, norm, text


def test_the_usual_french_numbers_are_valid_as_stdnum_compacts_them() -> None:
    assert checks_ids._validate(siren, "732829320") == ("732829320", None)
    assert checks_ids._validate(siret, "73282932000074") == ("73282932000074", None)
    assert checks_ids._validate(tva, "FR44732829320") == ("44732829320", None)
    assert checks_ids._validate(tva, checks_ids.french_vat_for("732829320"))[0] == \
        tva.validate(checks_ids.french_vat_for("732829320"))
    number, exc = checks_ids._validate(siren, "732829321")
    assert number is None and type(exc).__name__ == "InvalidChecksum"


# ---------------------------------------------------------------- lookups and filters
CELLS = st.one_of(st.none(), st.text(" \tab-FAC0123\u00a0", max_size=8),
                  st.integers(-3, 3), st.sampled_from([D("1.5"), D(0), date(2026, 1, 2)]))
AMOUNTS = st.one_of(st.none(), st.sampled_from([D(-5), D(-1), D(0), D(1), D("2.50")]))


@given(st.lists(st.integers(-1, 6)))
def test_grouped_is_the_rows_of_each_owner_in_order(owner: list[int]) -> None:
    groups = Grouped(owner, 7)
    for i in range(7):
        assert groups.members(i) == [k for k, o in enumerate(owner) if o == i]


@given(st.lists(CELLS))
def test_first_index_is_the_first_occurrence(values: list) -> None:
    expected: dict = {}
    for i, v in enumerate(values):
        expected.setdefault(v, i)
    assert first_index(values) == expected


def _ctx(cols: dict) -> Ctx:
    n = len(next(iter(cols.values())))
    table = SimpleNamespace(sheet="Factures", rows=list(range(2, n + 2)), cols=cols,
                            labels={}, cell=lambda key, row: "")
    return Ctx({"Factures": table}, {"Factures": {}}, {}, date(2026, 11, 23))


@given(st.lists(st.tuples(CELLS, st.sampled_from(["draft", "issued", "cancelled", None]))))
def test_keys_and_posted_as_the_row_by_row_way(rows: list) -> None:
    numbers = [n for n, _ in rows]
    ctx = _ctx({"number": numbers, "status": [s for _, s in rows]})
    assert ctx.keys("Factures", "number") == [norm(n) for n in numbers]
    assert ctx.posted == [bool(text(n)) and s != "draft" for n, s in rows]


@given(st.lists(st.text(" \t\u00a0\u2009aB1-", max_size=6)))
def test_inv_spaced_is_the_scan_it_replaces(numbers: list[str]) -> None:
    ctx = _ctx({"number": numbers, "status": ["issued"] * len(numbers)})
    for number in numbers + ["ab1", "a b1"]:
        scan = next((i for key, i in ctx.inv_first.items() if len(key.split()) > 1
                     and loose(key) == loose(number)), None)
        assert ctx.inv_spaced.get(loose(number)) == scan


@given(st.lists(st.one_of(st.none(), st.integers(0, 9),
                          st.text("FAC2026-0123 \n/_+é", max_size=40))))
def test_all_well_formed_only_when_every_number_is(numbers: list) -> None:
    ok = checks_numbering.NUMBER_OK.fullmatch
    each = all(ok(str(n)) for n in numbers if n)
    if checks_numbering._all_well_formed(numbers):
        assert each
    elif all(isinstance(n, str) and "\n" not in n for n in numbers if n):
        assert not each


@given(st.lists(st.tuples(st.sampled_from(["invoice", "credit_note", "deposit"]), AMOUNTS)))
def test_credit_suspects_hold_every_row_that_can_give_a_finding(rows: list) -> None:
    types, totals = [t for t, _ in rows], [a for _, a in rows]
    got = list(checks_numbering._credit_suspects(types, totals))
    assert got == sorted(set(got))
    for i, (kind, total) in enumerate(rows):
        if kind == "credit_note" or (total is not None and total < 0):
            assert i in got


@given(st.lists(st.tuples(AMOUNTS, AMOUNTS, AMOUNTS)))
def test_money_filters_hold_every_row_they_must(rows: list) -> None:
    paid, totals = [p for p, _, _ in rows], [t for _, t, _ in rows]
    over = set(checks_payments._maybe_over(paid, totals))
    nets, vats, all_totals = ([r[k] for r in rows] for k in range(3))
    unbalanced = set(checks_vat._maybe_unbalanced(nets, vats, all_totals))
    for i, (p, t, x) in enumerate(rows):
        if p is not None and t is not None and ((p > t) if t >= 0 else (p < t)):
            assert i in over
        if p is not None and t is not None and x is not None and p + t != x:
            assert i in unbalanced


@given(st.lists(CELLS))
def test_time_without_invoice_is_the_row_by_row_filter(invoice: list) -> None:
    assert time_due._no_invoice(invoice) == [
        k for k, number in enumerate(invoice)
        if not number or number.__class__ is not str or not number.strip()]
