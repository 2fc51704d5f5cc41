"""Money: Decimal from the first cell, rounded in one place like a spreadsheet's ROUND."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as Dec

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyfuncs.domain.computed import compute_all, invoice_balances
from pyfuncs.domain.money import D, NotAnAmount, line_net, to_cents, vat_by_rate


@pytest.mark.parametrize("cell, expected", [
    (0.1, Dec("0.1")), (1234.5, Dec("1234.5")), (3, Dec(3)), ("1 234,56", Dec("1234.56")),
    ("1\u202f234,56 €", Dec("1234.56")), ("1.234,56", Dec("1234.56")), ("1,234.56", Dec("1234.56")), ("12,5 %", Dec("0.125")),
    (" 42 ", Dec(42)), ("-7,10", Dec("-7.10")),
])
def test_cells_become_exact_decimals(cell, expected) -> None:
    assert D(cell) == expected


@pytest.mark.parametrize("cell", ["abc", "", "1,2,3", float("nan"), True, None, "inf"])
def test_what_is_not_a_number_is_refused(cell) -> None:
    with pytest.raises(NotAnAmount):
        D(cell)


def test_rounding_is_half_away_from_zero_like_round_in_a_spreadsheet() -> None:
    assert to_cents(Dec("2.675")) == Dec("2.68")
    assert to_cents(Dec("-2.675")) == Dec("-2.68")
    assert to_cents(Dec("0.005")) == Dec("0.01")
    assert line_net(Dec(3), Dec("33.335")) == Dec("100.01")


def test_vat_is_computed_per_rate_on_the_total_not_per_line() -> None:
    # three lines of 33.33 at 20 %: per line 6.67 x 3 = 20.01, per rate 99.99 x 0.2 = 20.00
    lines = [(Dec("33.33"), Dec("0.2"))] * 3 + [(Dec("10.00"), Dec("0.055"))]
    assert vat_by_rate(lines) == {Dec("0.2"): (Dec("99.99"), Dec("20.00")),
                                  Dec("0.055"): (Dec("10.00"), Dec("0.55"))}


def test_invoice_totals_mirror_the_workbook_formulas() -> None:
    today = date(2026, 11, 23)
    tables = {
        "Factures": {"id": ["F1", "F2"], "number": ["FAC-1", None],
                     "due_date": [date(2026, 11, 1), None]},
        "LignesFacture": {"invoice": ["F1", "f1", "F1", "F2"],
                          "quantity": [Dec(1), Dec(1), Dec(1), Dec(2)],
                          "unit_price": [Dec("33.33")] * 3 + [Dec(10)],
                          "vat_rate": [Dec("0.2")] * 3 + [Dec("0.1")]},
        "Paiements": {"invoice": ["fac-1", None], "amount": [Dec(50), Dec(70)]},
    }
    out = compute_all(tables, today)["Factures"]
    assert out["net"] == [Dec("99.99"), Dec(20)]
    assert out["vat"] == [Dec("20.00"), Dec("2.00")]
    assert out["total"] == [Dec("119.99"), Dec("22.00")]
    assert out["paid"] == [Dec(50), Dec(0)]          # SUMIFS ignores case; drafts pay 0
    assert out["balance"] == [Dec("69.99"), Dec(0)]
    assert out["days_late"] == [22, 0]


def test_a_credit_note_reduces_the_balance_of_the_invoice_it_credits() -> None:
    today = date(2026, 11, 23)
    rows = [  # number, type, client, status, credited, total
        ("FAC-1", "invoice", "C1", "issued", None, "1200.00"),    # fully credited
        ("AV-1", "credit_note", "C1", "issued", "fac-1", "-1200.00"),
        ("FAC-2", "invoice", "C1", "issued", None, "600.00"),     # paid 100, credited 120
        ("AV-2", "credit_note", "C1", "issued", "FAC-2", "-120.00"),
        ("FAC-3", "invoice", "C1", "issued", None, "240.00"),     # paid, then credited
        ("AV-3", "credit_note", "C1", "issued", "FAC-3", "-240.00"),
        ("AV-4", "credit_note", "C1", "issued", "FAC-404", "-50.00"),  # unknown number
        ("AV-5", "credit_note", "C1", "issued", None, "-30.00"),       # names no invoice
        ("AV-6", "credit_note", "C2", "issued", "FAC-2", "-70.00"),    # another client's
        (None, "credit_note", "C1", "draft", "FAC-2", "-500.00"),      # a draft
        ("FAC-7", "invoice", "C1", "cancelled", None, "300.00"),  # cancelled by its note
        ("AV-7", "credit_note", "C1", "issued", "FAC-7", "-300.00"),
        ("FAC-8", "invoice", "C1", "issued", None, "720.00"),     # older practice: the
        ("AV-8", "credit_note", "C1", "issued", "FAC-8", "-120.00"),  # note compensated
        ("AV-9", "credit_note", "C1", "issued", "AV-4", "-10.00"),  # names a credit note
    ]
    keys = ("number", "type", "client", "status", "credited")
    invoices = {k: [r[n] for r in rows] for n, k in enumerate(keys)}
    invoices["due_date"] = [date(2026, 10, 1)] * len(rows)
    totals = [Dec(r[5]) for r in rows]
    payments = {"invoice": ["FAC-2", "FAC-3", "FAC-8", "AV-8", "FAC-8"],
                "amount": [Dec(100), Dec(240), Dec(120), Dec(-120), Dec(600)]}
    out = invoice_balances(invoices, totals, payments, today)
    balance = dict(zip([r[0] or "draft" for r in rows], out["balance"]))
    assert balance == {
        "FAC-1": 0, "AV-1": 0, "FAC-2": Dec("380.00"), "AV-2": 0,
        "FAC-3": Dec("-240.00"), "AV-3": 0,                 # owed back to the client
        "AV-4": Dec("-50.00"), "AV-5": Dec("-30.00"), "AV-6": Dec("-70.00"), "draft": 0,
        "FAC-7": 0, "AV-7": 0, "FAC-8": 0, "AV-8": 0, "AV-9": Dec("-10.00")}
    assert out["paid"][6:8] == [0, 0] and out["paid"][12:14] == [Dec(720), Dec(-120)]
    assert out["days_late"][:6] == [0, 0, 53, 0, 0, 0]


@given(st.decimals(min_value=-10**6, max_value=10**6, places=3),
       st.decimals(min_value=0, max_value=1000, places=2))
def test_line_net_is_always_cents(qty, price) -> None:
    net = line_net(qty, price)
    assert net == net.quantize(Dec("0.01"))
    assert abs(net - qty * price) <= Dec("0.005")
