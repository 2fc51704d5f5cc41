"""Aged balance as of a date: hand-computed cases and a property over any data."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as Dec

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyfuncs.domain.aging import aged_balance, bucket_labels, bucket_of, parse_buckets
from pyfuncs.domain.computed import invoice_balances

AS_OF = date(2026, 6, 30)
CLIENTS = {"id": ["C1", "C2", "C3"], "name": ["Alpha SAS", "Beta SARL", "Gamma Inc"]}


def invoices_table(rows):
    keys = ("number", "type", "client", "issue_date", "due_date", "currency", "status",
            "dispute", "credited")
    return {k: [r.get(k) for r in rows] for k in keys}, [r["total"] for r in rows]


def sample():
    rows = [
        {"number": "FAC2026-0001", "client": "C1", "issue_date": date(2026, 1, 10),
             "due_date": date(2026, 2, 9), "total": Dec("1200.00"), "status": "issued"},
        {"number": "FAC2026-0002", "client": "C1", "issue_date": date(2026, 6, 1),
             "due_date": date(2026, 7, 1), "total": Dec("600.00"), "status": "issued"},
        {"number": "FAC2026-0003", "client": "C2", "issue_date": date(2026, 5, 1),
             "due_date": date(2026, 5, 31), "total": Dec("240.00"), "status": "issued"},
        {"number": "AV2026-0001", "type": "credit_note", "client": "C2",
             "issue_date": date(2026, 6, 10), "due_date": date(2026, 6, 10), "total": Dec("-120.00"),
             "status": "issued"},
        {"number": "FAC2026-0009", "client": "C3", "issue_date": date(2026, 7, 5),
             "due_date": date(2026, 8, 4), "total": Dec("999.00"), "status": "issued"},
        {"number": "FAC2026-0004", "client": "C3", "issue_date": date(2026, 4, 15),
             "due_date": date(2026, 5, 15), "total": Dec("1000.00"), "currency": "USD",
             "status": "issued"},
        {"number": None, "client": "C3", "issue_date": date(2026, 6, 1), "due_date": None,
             "total": Dec("5000.00"), "status": "draft"},
        {"number": "FAC2026-0005", "client": "C3", "issue_date": date(2026, 3, 1),
             "due_date": date(2026, 3, 31), "total": Dec("300.00"), "status": "issued", "dispute": "yes"},
    ]
    invoices, totals = invoices_table(rows)
    payments = {
        "date": [date(2026, 3, 1), date(2026, 7, 15), date(2026, 6, 20), date(2026, 6, 1)],
        "client": ["C1", "C1", "C2", "C1"],
        "invoice": ["fac2026-0001", "FAC2026-0001", None, "FAC-9999"],
        "amount": [Dec(500), Dec(700), Dec(50), Dec(30)],
    }
    rates = {"currency": ["USD", "USD"], "date": [date(2026, 6, 1), date(2026, 7, 1)],
             "rate": [Dec("0.9"), Dec("0.95")]}
    return invoices, totals, payments, rates


def test_buckets_are_counted_from_the_due_date_with_inclusive_upper_bounds() -> None:
    bounds = parse_buckets("30,60,90")
    assert [bucket_of(d, bounds) for d in (-5, 0, 1, 30, 31, 60, 61, 90, 91, 400)] == \
        [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert bucket_labels(bounds) == ["Non échu", "1–30 j", "31–60 j", "61–90 j", "> 90 j"]


def test_hand_computed_balance_with_late_payment_credit_note_currency_and_dispute() -> None:
    invoices, totals, payments, rates = sample()
    result = aged_balance(invoices, totals, payments, CLIENTS, AS_OF, rates=rates)
    by = {c.client: c for c in result.clients}
    # C1: 700 still open at the date (paid on 15/07, after it), 600 not yet due, and 30
    # paid to a number that does not exist: a credit of the client, apart.
    assert by["C1"].amounts == [Dec("600.00"), 0, 0, 0, Dec("700.00")]
    assert by["C1"].unapplied == Dec(30)
    assert by["C1"].total == Dec("1270.00")
    # C2: 240 at 30 days, the credit note of 120 at 20 days, an unapplied 50.
    assert by["C2"].amounts == [0, Dec("120.00"), 0, 0, 0]
    assert by["C2"].total == Dec("70.00")
    # C3: 1000 USD at the rate of 01/06 (0.9), not the later one; the invoice issued after
    # the date and the draft do not count; the disputed one is flagged.
    assert by["C3"].amounts == [0, 0, Dec("900.00"), 0, Dec("300.00")]
    assert by["C3"].disputed == Dec("300.00")
    assert by["C3"].by_currency == {"USD": Dec("1000.00"), "EUR": Dec("300.00")}
    assert [c.client for c in result.clients] == ["C3", "C1", "C2"]  # by amount overdue
    assert result.totals == [Dec("600.00"), Dec("120.00"), Dec("900.00"), 0, Dec("1000.00")]
    assert result.total == Dec("2540.00")
    assert by["C1"].oldest_due == date(2026, 2, 9)
    assert by["C1"].last_payment == date(2026, 6, 1)


def test_the_same_invoice_is_paid_when_the_date_is_after_its_payment() -> None:
    invoices, totals, payments, rates = sample()
    later = aged_balance(invoices, totals, payments, CLIENTS, date(2026, 7, 31), rates=rates)
    by = {c.client: c for c in later.clients}
    assert all(i.number != "FAC2026-0001" for i in later.items)
    assert by["C3"].amounts[0] == Dec("999.00")  # issued 05/07, not yet due on 31/07


def test_json_has_the_documented_shape() -> None:
    invoices, totals, payments, rates = sample()
    out = aged_balance(invoices, totals, payments, CLIENTS, AS_OF, rates=rates).as_json()
    assert out["as_of"] == "2026-06-30" and out["currency"] == "EUR"
    assert len(out["buckets"]) == 5
    assert {"client", "name", "amounts", "total"} <= out["rows"][0].keys()
    assert out["totals"]["total"] == "2540.00"
    assert "dso_accounting" in out["kpis"]


def test_dso_and_kpis_on_a_simple_case() -> None:
    # One invoice of 1200 issued 60 days before the date, nothing paid: revenue of the
    # last 90 days = 1200, receivables = 1200 -> accounting DSO 90 days.
    invoices, totals = invoices_table([{"number": "F1", "client": "C1", "status": "issued",
                                            "issue_date": AS_OF - timedelta(days=60),
                                            "due_date": AS_OF - timedelta(days=30),
                                            "total": Dec("1200.00")}])
    empty = {"date": [], "client": [], "invoice": [], "amount": []}
    k = aged_balance(invoices, totals, empty, CLIENTS, AS_OF).kpis
    assert k["dso_accounting"] == Dec("90.00")
    assert k["overdue_share"] == Dec("1.0000")
    assert k["over_60_days"] == 0
    # count-back: June (31/05-30/06] has no revenue, May (30/04-31/05] has 1200 -> 30 + 31
    assert k["dso_count_back"] == Dec("61.00")


money = st.decimals(min_value=Dec(-500), max_value=Dec(5000), places=2)
day = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["C1", "C2", "C3"]), day, st.integers(0, 90), money),
                max_size=25),
       st.lists(st.tuples(st.integers(-1, 30), day, money), max_size=30),
       day)
def test_bucket_sums_equal_invoices_minus_payments_up_to_the_date(invs, pays, as_of) -> None:
    rows = [{"number": f"F{i}", "client": c, "issue_date": d, "due_date": d + timedelta(days=t),
                 "total": amount, "status": "issued"} for i, (c, d, t, amount) in enumerate(invs)]
    invoices, totals = invoices_table(rows)
    payments = {"date": [d for _, d, _ in pays],
                "client": ["C1" for _ in pays],
                "invoice": [f"F{n}" if n >= 0 else None for n, _, _ in pays],
                "amount": [a for _, _, a in pays]}
    result = aged_balance(invoices, totals, payments, CLIENTS, as_of)
    invoiced = sum((t for r, t in zip(rows, totals) if r["issue_date"] <= as_of), Dec(0))
    received = sum((a for _, d, a in pays if d <= as_of), Dec(0))
    assert sum(result.totals, Dec(0)) - sum((c.unapplied for c in result.clients), Dec(0)) \
        == invoiced - received
    assert result.total == invoiced - received


# --------------------------------------------------------------------------- credit notes
NO_PAYMENTS = {"date": [], "client": [], "invoice": [], "amount": []}


def invoice(number, total, issued, client="C1", days=30, **kw):
    return {"number": number, "client": client, "issue_date": issued,
            "due_date": issued + timedelta(days=days), "total": Dec(total),
            "status": "issued", "type": "invoice", **kw}


def credit_note(number, total, issued, credited, client="C1", **kw):
    return {"number": number, "client": client, "issue_date": issued, "due_date": issued,
            "total": Dec(total), "status": "issued", "type": "credit_note",
            "credited": credited, **kw}


def payments_of(*rows):
    return {"date": [r[0] for r in rows], "client": ["C1" for _ in rows],
            "invoice": [r[1] for r in rows], "amount": [Dec(r[2]) for r in rows]}


def aged(rows, payments=NO_PAYMENTS, as_of=AS_OF):
    invoices, totals = invoices_table(rows)
    return aged_balance(invoices, totals, payments, CLIENTS, as_of)


def test_a_full_credit_note_closes_the_invoice_it_credits() -> None:
    result = aged([invoice("FAC-1", "1200.00", date(2026, 4, 1)),
                   credit_note("AV-1", "-1200.00", date(2026, 5, 11), "fac-1 ")])
    assert result.items == [] and result.clients == [] and result.total == 0
    # settled by the credit note on its issue date: 10 days after the due date (01/05)
    assert result.kpis["average_days_late"] == Dec("10.00")


def test_a_partial_credit_note_reduces_the_invoice_in_the_invoices_bucket() -> None:
    result = aged([invoice("FAC-1", "600.00", date(2026, 4, 1)),
                   credit_note("AV-1", "-100.00", date(2026, 6, 25), "FAC-1")],
                  payments_of((date(2026, 5, 15), "FAC-1", "200")))
    (item,) = result.items
    assert (item.number, item.total, item.paid, item.credited, item.open) == \
        ("FAC-1", Dec("600.00"), Dec(200), Dec("-100.00"), Dec("300.00"))
    assert result.clients[0].amounts == [0, 0, Dec("300.00"), 0, 0]  # 60 days past due
    assert result.kpis["average_days_late"] is None  # not settled


def test_a_credit_note_issued_after_the_date_does_not_count_yet() -> None:
    rows = [invoice("FAC-1", "600.00", date(2026, 5, 1)),
            credit_note("AV-1", "-600.00", date(2026, 7, 3), "FAC-1")]
    (item,) = aged(rows).items
    assert (item.number, item.open, item.credited) == ("FAC-1", Dec("600.00"), 0)
    assert aged(rows, as_of=date(2026, 7, 31)).items == []


def test_a_credit_note_on_an_unknown_or_later_invoice_stays_a_credit_of_the_client() -> None:
    rows = [invoice("FAC-1", "600.00", date(2026, 5, 1)),
            credit_note("AV-1", "-120.00", date(2026, 6, 10), "FAC-404"),
            credit_note("AV-2", "-50.00", date(2026, 6, 12), None),
            credit_note("AV-3", "-70.00", date(2026, 6, 14), "FAC-2"),
            invoice("FAC-2", "700.00", date(2026, 7, 2)),  # issued after the date
            credit_note("AV-4", "-80.00", date(2026, 6, 16), "FAC-1", client="C2")]
    result = aged(rows)
    opened = {i.number: i.open for i in result.items}
    assert opened == {"FAC-1": Dec("600.00"), "AV-1": Dec("-120.00"),
                      "AV-2": Dec("-50.00"), "AV-3": Dec("-70.00"), "AV-4": Dec("-80.00")}
    by = {c.client: c for c in result.clients}
    assert by["C1"].amounts == [0, Dec("360.00"), 0, 0, 0]  # 16 to 30 days past due
    assert by["C2"].total == Dec("-80.00")  # another client's invoice: not applied


def test_crediting_a_paid_invoice_leaves_a_negative_balance_owed_to_the_client() -> None:
    rows = [invoice("FAC-1", "240.00", date(2026, 4, 1)),
            credit_note("AV-1", "-300.00", date(2026, 6, 10), "FAC-1")]
    result = aged(rows, payments_of((date(2026, 4, 20), "FAC-1", "240.00")))
    (item,) = result.items
    assert (item.number, item.open, item.bucket) == ("FAC-1", Dec("-300.00"), 2)
    assert result.total == Dec("-300.00")
    # refunding the client on the credit note's number closes it
    refund = payments_of((date(2026, 4, 20), "FAC-1", "240.00"),
                         (date(2026, 6, 20), "AV-1", "-300.00"))
    assert aged(rows, refund).items == []


def test_a_cancelled_invoice_is_closed_by_its_credit_note_but_a_draft_note_does_not_count(
) -> None:
    rows = [invoice("FAC-1", "600.00", date(2026, 5, 1), status="cancelled"),
            credit_note("AV-1", "-600.00", date(2026, 5, 5), "FAC-1"),
            invoice("FAC-2", "100.00", date(2026, 5, 1)),
            credit_note(None, "-100.00", date(2026, 5, 5), "FAC-2", status="draft")]
    assert {i.number: i.open for i in aged(rows).items} == {"FAC-2": Dec("100.00")}


def test_compensation_payments_between_invoice_and_credit_note_are_not_counted_twice(
) -> None:
    # The older practice: +120 on the invoice, -120 on the credit note, same day.
    rows = [invoice("FAC-1", "720.00", date(2026, 4, 1)),
            credit_note("AV-1", "-120.00", date(2026, 4, 10), "FAC-1")]
    pays = payments_of((date(2026, 4, 10), "FAC-1", "120.00"),
                       (date(2026, 4, 10), "AV-1", "-120.00"))
    (item,) = aged(rows, pays).items
    assert (item.number, item.open) == ("FAC-1", Dec("600.00"))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["C1", "C2"]), day, money), min_size=1, max_size=12),
       st.lists(st.tuples(st.sampled_from(["C1", "C2"]), day, money, st.integers(-1, 14),
                          st.sampled_from(["issued", "issued", "draft"])), max_size=8),
       st.lists(st.tuples(st.integers(-1, 30), day, money), max_size=20),
       day)
def test_aging_agrees_with_the_workbook_balance_and_keeps_totals(invs, notes, pays,
                                                                 as_of) -> None:
    rows = [invoice(f"F{k}", t, d, client=c) for k, (c, d, t) in enumerate(invs)]
    rows += [credit_note(f"A{k}" if s == "issued" else None, -abs(t), d,
                         f"F{n}" if n >= 0 else None, client=c, status=s)
             for k, (c, d, t, n, s) in enumerate(notes)]
    numbers = [r["number"] for r in rows if r["number"]]
    payments = {"date": [d for _, d, _ in pays], "client": ["C1" for _ in pays],
                "invoice": [numbers[n % len(numbers)] if n >= 0 else None for n, _, _ in pays],
                "amount": [a for _, _, a in pays]}
    invoices, totals = invoices_table(rows)
    result = aged_balance(invoices, totals, payments, CLIENTS, as_of)
    # money is neither created nor lost by applying credit notes
    counted = [r["number"] and r["status"] != "draft" and r["issue_date"] <= as_of
               for r in rows]
    invoiced = sum((t for ok, t in zip(counted, totals) if ok), Dec(0))
    received = sum((a for _, d, a in pays if d <= as_of), Dec(0))
    assert result.total == invoiced - received
    # once everything is dated by the as-of date, the open items are the workbook's balances
    last = max([r["issue_date"] for r in rows] + [d for _, d, _ in pays])
    at_end = aged_balance(invoices, totals, payments, CLIENTS, last)
    workbook = invoice_balances(invoices, totals, payments, last)["balance"]
    assert {i.number: i.open for i in at_end.items} == \
        {r["number"]: b for r, b in zip(rows, workbook) if b != 0}


def test_only_reminders_that_went_out_count_for_the_level_and_the_kpi() -> None:
    """A preview or a failed sending is logged in Relances but reached nobody: neither the
    client's last reminder level nor the reminders-per-invoice KPI counts it; a row typed
    by hand without a status counts as sent; the latest date wins, whatever the order."""
    invoices, totals, payments, rates = sample()
    reminders = {
        "date": [date(2026, 5, 20), date(2026, 4, 1), date(2026, 6, 1), date(2026, 6, 2),
                 date(2026, 6, 5)],
        "client": ["C1", "C1", "C1", "C1", "C2"],
        "level": [2, 1, 3, 3, 1],
        "invoices": ["FAC2026-0001", "FAC2026-0001", "FAC2026-0001", "FAC2026-0001",
                     "FAC2026-0003"],
        "status": ["sent", "sent", "failed", "preview", None],
    }
    result = aged_balance(invoices, totals, payments, CLIENTS, AS_OF, rates=rates,
                          reminders=reminders)
    by = {c.client: c for c in result.clients}
    assert by["C1"].last_reminder_level == 2   # not the failed or previewed level 3
    assert by["C2"].last_reminder_level == 1   # typed by hand, no status: sent
    # 3 invoices named by reminders that went out / 6 issued in the 12 months
    assert result.kpis["reminders_per_invoice"] == Dec("0.50")


@pytest.mark.parametrize("same_day", [
    [("100.00",), ("-20.00",)],                 # a refund after the payment, one day
    [("-20.00",), ("100.00",)],                 # the refund registered first
    [("60.00",), ("40.00",), ("-20.00",)],      # three payments, one day
    [("-20.00",), ("60.00",), ("40.00",)],
])
def test_a_day_settles_an_invoice_with_all_its_payments_whatever_their_order(same_day):
    """The day an invoice was settled (for the days-late average) is the first day at
    whose end its payments cover the total: a refund the same day counts, in whatever
    order the register lists that day's payments."""
    day, later = date(2026, 5, 11), date(2026, 5, 21)
    rows = [(day, "FAC-1", amount) for (amount,) in same_day]
    not_yet = aged([invoice("FAC-1", "100.00", date(2026, 4, 1))], payments_of(*rows))
    assert not_yet.kpis["average_days_late"] is None  # 80 paid at the end of that day
    settled = aged([invoice("FAC-1", "100.00", date(2026, 4, 1))],
                   payments_of(*rows, (later, "FAC-1", "20.00")))
    assert settled.kpis["average_days_late"] == Dec("20.00")  # 21/05, due 01/05
