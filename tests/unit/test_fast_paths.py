"""The fast paths of compute_all and aged_balance give exactly what the plain rules give.

computed.py sums lines per key as typed and folds each distinct key once (merging keys
that fold together only when there are some); line_nets rounds each distinct (quantity,
price) pair once; aged_balance takes a payment register kept in date order by a shorter
road. Each is compared here with the plain rule or the other road, to the Decimal:
same value, same exponent, 0.00 never -0.00, same types.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal as Dec

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pyfuncs.domain.aging import aged_balance
from pyfuncs.domain.computed import (
    FORMULA_RATES,
    _key,
    compute_all,
    invoice_balances,
    invoice_totals,
    line_nets,
)
from pyfuncs.domain.money import ZERO, products_to_cents, to_cents


def exact(value: object) -> object:
    """A tree that tells apart what == does not: Decimal exponents and signs of zero,
    int from Decimal, and dataclasses field by field."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__,
                [(f.name, exact(getattr(value, f.name))) for f in dataclasses.fields(value)])
    if isinstance(value, dict):
        return [(exact(k), exact(v)) for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [exact(v) for v in value])
    return (type(value).__name__, str(value) if isinstance(value, Dec) else value)


def outcome(f, *args):
    try:
        return exact(f(*args))
    except TypeError as e:
        return ("error", str(e))


def plain_totals(ids, line_keys, nets, rates):
    """The SUMIFS of the invoice formulas, line by line (the rule before the fast path)."""
    base, by_rate = defaultdict(Dec), defaultdict(Dec)
    for k, net, rate in zip(map(_key, line_keys), nets, rates):
        base[k] += net
        if rate in FORMULA_RATES:
            by_rate[(k, rate)] += net
    vat = defaultdict(Dec)
    for (k, rate), amount in by_rate.items():
        vat[k] += to_cents(amount * rate)
    keys = list(map(_key, ids))
    return [base.get(k, ZERO) for k in keys], [vat.get(k, ZERO) for k in keys]


def plain_paid(numbers, pay_numbers, amounts):
    paid = defaultdict(Dec)
    for number, amount in zip(pay_numbers, amounts):
        if number not in (None, "") and amount is not None:
            paid[_key(number)] += amount
    return [ZERO if n in (None, "") else paid.get(_key(n), ZERO) for n in numbers]


ids = st.sampled_from(["F1", "f1", " F1 ", "F2", "F3", "", "  ", None, 7, Dec(7), "Straße",
                       "STRASSE"])
amounts = st.sampled_from([None, 0, 3, Dec(0), Dec("-0"), Dec("0.00"), Dec("-0.001"),
                           Dec("1.5"), Dec("1.50"), Dec("-2.675"), Dec("33.33"), Dec("0.005")])
rates = st.sampled_from([None, Dec("0.2"), Dec("0.20"), Dec("0.1"), Dec("0.055"),
                         Dec("0.021"), Dec(0), 0, "20 %"])


@settings(max_examples=400, deadline=None)
@given(st.lists(ids, max_size=6),
       st.lists(st.tuples(ids, amounts, amounts, rates), max_size=14),
       st.lists(st.tuples(ids, amounts), max_size=8))
def test_totals_and_balances_are_the_line_by_line_sums(invoice_ids, lines, pays) -> None:
    cols = {"invoice": [k for k, _, _, _ in lines], "quantity": [q for _, q, _, _ in lines],
            "unit_price": [p for _, _, p, _ in lines], "vat_rate": [r for _, _, _, r in lines]}
    plain = outcome(products_to_cents, cols["quantity"], cols["unit_price"])
    assert outcome(line_nets, cols) == plain
    if plain[0] == "error":  # 3 x 3 is an int, which has no quantize: refused either way
        return
    nets = line_nets(cols)
    out = invoice_totals({"id": invoice_ids}, cols, nets)
    net, vat = plain_totals(invoice_ids, cols["invoice"], nets, cols["vat_rate"])
    assert exact([out["net"], out["vat"]]) == exact([net, vat])
    assert exact(out["total"]) == exact([n + v for n, v in zip(net, vat)])
    invoices = {"number": invoice_ids, "due_date": [date(2026, 1, 1)] * len(invoice_ids)}
    payments = {"invoice": [n for n, _ in pays], "amount": [a for _, a in pays]}
    paid = invoice_balances(invoices, out["total"], payments, date(2026, 6, 30))["paid"]
    assert exact(paid) == exact(plain_paid(invoice_ids, payments["invoice"],
                                           payments["amount"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(ids, st.lists(st.tuples(amounts, amounts, rates), min_size=1,
                                        max_size=4)), max_size=6),
       st.booleans())
def test_totals_of_lines_in_the_invoices_order_are_the_line_by_line_sums(invoices,
                                                                         shuffle) -> None:
    """Lines listed invoice after invoice, in the invoices' order (the usual book): the
    sums come out in that order and are not looked up; VAT of keys at an untaxed rate,
    several rates, one key spelled twice; the same as the plain rule."""
    invoice_ids = [k for k, _ in invoices]
    lines = [(k, q, p, r) for k, its in invoices for q, p, r in its]
    if shuffle:
        lines.reverse()
    cols = {"invoice": [k for k, _, _, _ in lines], "quantity": [q for _, q, _, _ in lines],
            "unit_price": [p for _, _, p, _ in lines], "vat_rate": [r for _, _, _, r in lines]}
    try:
        nets = line_nets(cols)
    except TypeError:  # an int product (see above): refused either way
        return
    out = invoice_totals({"id": invoice_ids}, cols, nets)
    net, vat = plain_totals(invoice_ids, cols["invoice"], nets, cols["vat_rate"])
    assert exact([out["net"], out["vat"]]) == exact([net, vat])


def test_a_float_in_a_line_still_fails_as_the_plain_product_does() -> None:
    lines = {"quantity": [Dec("0.5"), 0.5], "unit_price": [Dec(2), Dec(2)]}
    with pytest.raises(TypeError):  # the plain product refuses a float
        products_to_cents(lines["quantity"], lines["unit_price"])
    with pytest.raises(TypeError):  # and so does the fast path (not looked up as 0.5)
        line_nets(lines)


def test_keys_spelled_differently_are_matched_and_taxed_together() -> None:
    """'F1', 'f1' and ' F1' are one invoice: their lines are one base at each rate, and the
    VAT is rounded once on it (3 x 33.33 at 20 % is 20.00, not 3 x 6.67)."""
    tables = {"Factures": {"id": ["F1"], "number": ["FAC-1"], "due_date": [None]},
              "LignesFacture": {"invoice": ["F1", "f1", " F1"], "quantity": [Dec(1)] * 3,
                                "unit_price": [Dec("33.33")] * 3,
                                "vat_rate": [Dec("0.2")] * 3},
              "Paiements": {"invoice": ["fac-1", "FAC-1 "], "amount": [Dec(50), Dec(70)]}}
    out = compute_all(tables, date(2026, 6, 30))["Factures"]
    assert exact(out["vat"]) == exact([Dec("20.00")])
    assert exact(out["paid"]) == exact([Dec(120)])


day = st.dates(date(2025, 1, 1), date(2026, 12, 31))
money = st.decimals(Dec(-500), Dec(2000), places=2)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["C1", "C2", "C3"]), day, money), min_size=1,
                max_size=10),
       st.lists(st.tuples(st.integers(-1, 12), day, money, st.sampled_from(["C1", "C2", None])),
                max_size=16),
       day)
def test_a_register_in_date_order_gives_what_the_general_loop_gives(invs, pays,
                                                                    as_of) -> None:
    """Payments in date order take the shorter road; one undated payment (which counts
    for nothing) sends the same register down the general loop: same balance."""
    invoices = {"number": [f"F{k}" for k in range(len(invs))],
                "client": [c for c, _, _ in invs], "issue_date": [d for _, d, _ in invs],
                "due_date": [d + timedelta(days=30) for _, d, _ in invs],
                "status": ["issued"] * len(invs), "type": ["invoice"] * len(invs)}
    totals = [t for _, _, t in invs]
    pays = sorted(pays, key=lambda p: p[1])
    register = {"date": [d for _, d, _, _ in pays], "client": [c for _, _, _, c in pays],
                "invoice": [f"f{n}" if n >= 0 else None for n, _, _, _ in pays],
                "amount": [a for _, _, a, _ in pays]}
    extra = {"date": None, "client": "C1", "invoice": "F0", "amount": Dec(10)}
    undated = {k: [*v, extra[k]] for k, v in register.items()}
    clients = {"id": ["C1", "C2", "C3"], "name": ["A", "B", "C"]}
    fast = aged_balance(invoices, totals, register, clients, as_of)
    general = aged_balance(invoices, totals, undated, clients, as_of)
    assert exact(fast) == exact(general)


def plain_settlements(invoices, totals, register, as_of):
    """Per invoice: what was paid by the date (0 + each payment, in register order) and the
    first day at whose end those payments covered its total (each day's payments summed
    together, a refund the same day included), looked for on every invoice, recent or
    not."""
    paid: dict[int, list] = defaultdict(list)
    for day, number, amount in zip(register["date"], register["invoice"], register["amount"]):
        if day is not None and amount is not None and day <= as_of and number is not None:
            paid[int(number[1:])].append((day, amount))
    got, settled = {}, {}
    for i, pays in paid.items():
        got[i] = sum((a for _, a in pays), ZERO)
        per_day: dict[date, Dec] = defaultdict(lambda: ZERO)
        for day, amount in pays:
            per_day[day] += amount
        running = ZERO
        for day in sorted(per_day):
            running += per_day[day]
            if running >= totals[i] > 0:
                settled[i] = day
                break
    return got, settled


near = st.builds(lambda k: date(2026, 1, 1) + timedelta(days=k), st.integers(0, 40))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["C1", "C2"]), near,
                          st.sampled_from([Dec(0), Dec("100.00"), Dec(150), Dec(-50),
                                           Dec("100.005")])), min_size=1, max_size=3),
       st.lists(st.tuples(st.integers(0, 2), near,
                          st.sampled_from([Dec("100.00"), Dec(50), Dec("-20.00"), Dec(120),
                                           Dec("0.00"), Dec("-0.00"), Dec("1E+2"),
                                           Dec("49.99"), Dec("50.01")])), max_size=10),
       st.builds(lambda k, year: date(2026, 1, 1) + timedelta(days=k + year),
                 st.integers(0, 45), st.sampled_from([0, 365])),  # window starts among them
       st.booleans())
# the edges, named: covered at the second payment exactly; the first one before the
# 12-month window and the second in it; one day, the register's order (a refund after a
# payment); two days out of date order
@example([("C1", date(2026, 1, 1), Dec("100.00"))],
         [(0, date(2026, 1, 5), Dec(50)), (0, date(2026, 1, 9), Dec(50))],
         date(2026, 1, 20), True)
@example([("C1", date(2026, 1, 1), Dec("100.00"))],
         [(0, date(2026, 1, 5), Dec("49.99")), (0, date(2026, 1, 9), Dec("50.01"))],
         date(2027, 1, 6), True)
@example([("C1", date(2026, 1, 1), Dec("100.00"))],
         [(0, date(2026, 1, 5), Dec("100.00")), (0, date(2026, 1, 5), Dec("-20.00"))],
         date(2026, 1, 20), True)
@example([("C2", date(2026, 1, 1), Dec(150))],
         [(0, date(2026, 1, 9), Dec(120)), (0, date(2026, 1, 5), Dec(50))],
         date(2026, 1, 20), False)
def test_two_payments_settle_an_invoice_as_the_plain_rule_says(invs, pays, as_of,
                                                                in_order) -> None:
    """What the aged balance shows paid and open, and the days late it averages, are what
    the rule says (0 + each payment, as the Réglé formula sums them; settled the first day
    whose end sees them cover the total), payments in date order or not, on one day or two, negative or
    not, before the 12-month window or in it."""
    n = len(invs)
    invoices = {"number": [f"F{k}" for k in range(n)], "client": [c for c, _, _ in invs],
                "issue_date": [min(d, as_of) for _, d, _ in invs],
                "due_date": [d for _, d, _ in invs], "status": ["issued"] * n,
                "type": ["invoice"] * n}
    totals = [t for _, _, t in invs]
    pays = [p for p in pays if p[0] < n]
    if in_order:
        pays.sort(key=lambda p: p[1])
    register = {"date": [d for _, d, _ in pays], "client": [None] * len(pays),
                "invoice": [f"F{k}" for k, _, _ in pays], "amount": [a for _, _, a in pays]}
    clients = {"id": ["C1", "C2"], "name": ["A", "B"]}
    balance = aged_balance(invoices, totals, register, clients, as_of)
    got, settled = plain_settlements(invoices, totals, register, as_of)
    for item in balance.items:
        k = int(item.number[1:])
        assert exact([item.paid, item.open]) == exact([got.get(k, ZERO),
                                                       totals[k] - got[k] if k in got
                                                       else totals[k]])
    since = as_of - timedelta(days=365)
    lates: dict[str, list[int]] = defaultdict(list)
    for k, on in settled.items():
        if since < on <= as_of:
            lates[invoices["client"][k]].append(max((on - invoices["due_date"][k]).days, 0))
    for c in balance.clients:
        want = lates.get(c.client)
        assert exact(c.avg_days_late) == exact(
            to_cents(Dec(sum(want)) / len(want)) if want else None)
    everyone = [x for days in lates.values() for x in days]
    assert exact(balance.kpis["average_days_late"]) == exact(
        to_cents(Dec(sum(everyone)) / len(everyone)) if everyone else None)


spellings = st.sampled_from(["F1", "f1", " F1 ", "F2", "F3", "AV1", "av1 ", "Straße", "STRASSE",
                             "  "])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(spellings, st.sampled_from(["issued", "draft", "cancelled"]),
                          st.sampled_from(["invoice", "credit_note"]),
                          st.sampled_from([None, "F1", "f2", "F3 ", "nope"]),
                          st.sampled_from(["C1", "C2"]), st.booleans()),
                min_size=1, max_size=7),
       st.lists(st.one_of(spellings, st.sampled_from([None, "", "F9", 7, "7"])), max_size=10))
@example([("F1", "issued", "invoice", None, "C1", True),  # a credit note applied to F1
          ("AV1", "issued", "credit_note", "f1 ", "C1", True)], ["AV1", "av1 ", "F1", "AV1"])
def test_a_payment_counts_for_the_invoice_its_folded_number_names(invs, pay_numbers) -> None:
    """aged_balance finds the row a payment counts for by its number as typed when the
    book's numbers are all text and none shares its key with another (one look-up); it
    is the row that the plain rule gives: the number folded, looked up among the numbers
    issued by the date (the last row wins), an applied credit note's number sending its
    payments to its invoice."""
    from pyfuncs.domain import aging

    as_of = date(2026, 6, 30)
    n = len(invs)
    invoices = {"number": [s for s, *_ in invs], "status": [s for _, s, *_ in invs],
                "type": [t for _, _, t, *_ in invs], "credited": [c for _, _, _, c, _, _ in invs],
                "client": [c for *_, c, _ in invs],
                "issue_date": [date(2026, 1, 1) if early else date(2026, 12, 1)
                               for *_, early in invs],
                "due_date": [date(2026, 2, 1)] * n}
    totals = [Dec(100)] * n
    register = {"date": [date(2026, 3, 1)] * len(pay_numbers), "client": ["C1"] * len(pay_numbers),
                "invoice": pay_numbers, "amount": [Dec(10)] * len(pay_numbers)}
    seen = {}
    real = aging._counted_payments

    def spy(payments, rows_paid, *rest):
        seen["rows"] = list(rows_paid)
        return real(payments, rows_paid, *rest)

    aging._counted_payments = spy
    try:
        aged_balance(invoices, totals, register, {"id": ["C1", "C2"], "name": ["A", "B"]},
                     as_of)
    finally:
        aging._counted_payments = real
    issued = {}
    for i, (number, status, issue) in enumerate(zip(invoices["number"], invoices["status"],
                                                    invoices["issue_date"])):
        if number and issue <= as_of and status != "draft":
            issued[aging._fold_number(number)] = i
    _, redirects, _ = aging._applied_credit_notes(invoices, totals, issued)
    pay_to = {**issued, **redirects}
    assert seen["rows"] == [pay_to.get(aging._fold_number(p), -1) if p else -1
                            for p in pay_numbers]
