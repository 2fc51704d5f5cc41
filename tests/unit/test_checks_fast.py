"""The shortcuts the check rules take for speed give what the slow way gives.

Each test states the equivalence a rule relies on, as a property over generated data:
the fast path answers as the row-by-row code it replaced, or (for a filter) keeps every
row that code could report.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.fr import siren, siret, tva

from pyfuncs.adapters.cells import BAD
from pyfuncs.domain.checks import ids as checks_ids
from pyfuncs.domain.checks import leaks as checks_leaks
from pyfuncs.domain.checks import numbering as checks_numbering
from pyfuncs.domain.checks import payments as checks_payments
from pyfuncs.domain.checks import quotes as checks_quotes
from pyfuncs.domain.checks import vat as checks_vat
from pyfuncs.domain.context import Ctx, Grouped, first_index, fold_label, loose, norm, text
from pyfuncs.domain.money import CENT


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
def test_unbilled_time_is_the_row_by_row_filter(invoice: list) -> None:
    assert list(checks_leaks._unbilled(invoice)) == [
        k for k, number in enumerate(invoice)
        if not number or number.__class__ is not str or not number.strip()]


@given(st.lists(st.one_of(st.text(" Aé\tb", max_size=5), st.none(), st.integers(0, 2))))
def test_label_folder_is_fold_label(labels: list) -> None:
    fold = checks_quotes._folder(labels)
    assert [fold(label) for label in labels] == [fold_label(label) for label in labels]


def test_tolerance_table_is_the_product() -> None:
    for count in range(-2, 100):
        assert checks_quotes.tolerance(count) == CENT * max(1, count)


# ---------------------------------------------------------------- quote lines (perf-checks2)
ODD = st.one_of(st.none(), st.just(BAD), st.text(" aA1.", max_size=3),
                st.sampled_from([1, True, 1.0, 0, D("1.0"), D("1.00"), D("0.2"), "1", " 1"]))


@given(st.lists(st.tuples(st.integers(-1, 4), ODD), max_size=30))
def test_single_label_match_is_what_each_versions_lines_find(rows: list) -> None:
    owner, labels = [o for o, _ in rows], [label for _, label in rows]
    once, repeated = checks_quotes._single_label_match(owner, labels)
    groups = Grouped(owner, 5)
    for j in range(-1, 5):
        exact = checks_quotes._Lines(labels, groups.members(j)).exact if j >= 0 else None
        for label in labels + ["absent", None]:
            if exact is None:
                continue
            found = exact.get(label)
            assert once.get((j, label), -1) == (found[0] if found and len(found) == 1 else -1)
            assert ((j, label) in repeated) == bool(found and len(found) > 1)


class _Everything:
    """A set holding every pair: _lines then looks every label up in _Lines, the plain way."""

    def __contains__(self, _item: object) -> bool:
        return True

    def __bool__(self) -> bool:
        return True


QUOTES = st.sampled_from(["D1", "D1", "D1", "d1 ", "D2", "D2", None, "", BAD])
VERSIONS = st.sampled_from([1, 1, 1, 2, 2, 3, True, "1", None, D(1), BAD])
CLIENTS = st.sampled_from(["C1", "C1", "C1", "c1", "C2", None, BAD])
LABELS = st.sampled_from(["Audit", "Audit", "audit ", "Audit ", "Dev", "Dev", "Acompte 30 %",
                          "Lancement", "Lancement – 30 %", None, 1, True, BAD])
PRICES = st.sampled_from([D(1), D(1), D(1), D("1.0"), D(2), D(2), D(-1), D(0), None, "1", 1,
                          BAD])


def _table(sheet: str, rows: list[dict], keys: tuple[str, ...]) -> SimpleNamespace:
    return SimpleNamespace(sheet=sheet, rows=list(range(2, len(rows) + 2)),
                           cols={k: [r.get(k) for r in rows] for k in keys},
                           labels={k: k for k in keys},
                           cell=lambda key, row: f"{key}{row}")


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.fixed_dictionaries({
           "id": st.sampled_from(["F1", "F2", "F3", "f1", None]),
           "number": st.sampled_from(["FAC1", "FAC2", "fac1", None]),
           "quote": QUOTES, "quote_version": VERSIONS, "client": CLIENTS,
           "type": st.sampled_from(["invoice"] * 4 + ["credit_note", "deposit"]),
           "status": st.sampled_from(["issued"] * 4 + ["draft", "cancelled"]),
           "issue_date": st.sampled_from([date(2026, 1, 5), date(2026, 3, 1), None]),
           "net": PRICES}), max_size=6),
       st.lists(st.fixed_dictionaries({
           "number": QUOTES, "version": VERSIONS, "client": CLIENTS,
           "status": st.sampled_from(["accepted"] * 4 + ["superseded", "draft", None]),
           "date": st.sampled_from([date(2026, 2, 1), None]), "net": PRICES}), max_size=6),
       st.lists(st.fixed_dictionaries({
           "quote": QUOTES, "version": VERSIONS, "label": LABELS, "quantity": PRICES,
           "unit_price": PRICES, "vat_rate": PRICES}), max_size=10),
       st.lists(st.fixed_dictionaries({
           "invoice": st.sampled_from(["F1", "F1", "F2", "F2", "F3", " f2", None, BAD]),
           "label": LABELS,
           "quantity": PRICES, "unit_price": PRICES, "vat_rate": PRICES,
           "source": st.sampled_from([None, "devis:D1"])}), max_size=12),
       st.lists(st.fixed_dictionaries({"quote": QUOTES, "label": LABELS}), max_size=3))
def test_quote_rule_shortcuts_report_as_the_plain_loops(invoices, quotes, qlines, lines,
                                                        milestones) -> None:
    """check_quotes with its shortcuts gives the findings (or the error) of the plain
    loops: every invoice header looked at, every label looked up in its version's
    _Lines."""
    tables = {
        "Factures": _table("Factures", invoices, ("id", "number", "quote", "quote_version",
                                                  "client", "type", "status", "issue_date",
                                                  "net", "credited")),
        "Devis": _table("Devis", quotes, ("number", "version", "client", "status", "date",
                                          "net")),
        "LignesDevis": _table("LignesDevis", qlines, ("quote", "version", "label",
                                                      "quantity", "unit_price", "vat_rate")),
        "LignesFacture": _table("LignesFacture", lines, ("invoice", "label", "quantity",
                                                         "unit_price", "vat_rate", "source")),
        "Echeances": _table("Echeances", milestones, ("quote", "label")),
    }

    def outcome() -> tuple:
        ctx = Ctx(tables, {"Factures": {}}, {}, date(2026, 11, 23))
        try:
            checks_quotes.check_quotes(ctx)
        except Exception as exc:  # noqa: BLE001 - the same error both ways
            return ctx.findings, repr(exc)
        return ctx.findings, None

    fast = outcome()
    saved = checks_quotes._headers_to_check, checks_quotes._single_label_match
    try:
        checks_quotes._headers_to_check = lambda rows, *_: rows
        checks_quotes._single_label_match = lambda *_: ({}, _Everything())
        plain = outcome()
    finally:
        checks_quotes._headers_to_check, checks_quotes._single_label_match = saved
    assert fast == plain
