"""How long an unpaid invoice can be claimed (domain/limitation.py), what the aged balance
says of it, and the reminders that hold it back once it is time-barred."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

from pyfuncs.domain.aging import aged_balance
from pyfuncs.domain.limitation import (
    NOTICE_DAYS,
    barred_on,
    ends_soon,
    is_barred,
    last_day,
)
from pyfuncs.domain.reminders import BARRED, Contact
from tests.unit.test_aging import invoice, invoices_table, payments_of
from tests.unit.test_reminders import CLIENTS as CONTACTS
from tests.unit.test_reminders import item, plan


def test_five_years_between_businesses_two_against_a_private_person() -> None:
    due = date(2021, 3, 15)
    # the claim can be brought until the same date five years on, inclusive
    assert last_day(due, private=False) == date(2026, 3, 15)
    assert not is_barred(due, False, None, date(2026, 3, 15))
    assert is_barred(due, False, None, date(2026, 3, 16))
    assert barred_on(due, False) == date(2026, 3, 16)
    # Code de la consommation L218-2: two years against a consumer
    assert last_day(due, private=True) == date(2023, 3, 15)
    assert is_barred(due, True, None, date(2023, 3, 16))


def test_a_due_date_of_29_february_ends_on_28_february() -> None:
    assert last_day(date(2024, 2, 29), private=False) == date(2029, 2, 28)
    assert last_day(date(2024, 2, 29), private=True) == date(2026, 2, 28)


def test_a_payment_on_the_invoice_starts_a_new_period_an_earlier_one_does_not() -> None:
    due = date(2021, 3, 15)
    assert last_day(due, False, acknowledged=date(2022, 7, 1)) == date(2027, 7, 1)
    assert not is_barred(due, False, date(2022, 7, 1), date(2026, 11, 23))
    # a payment on account before the due date: the period still runs from the due date
    assert last_day(due, False, acknowledged=date(2021, 1, 10)) == date(2026, 3, 15)


def test_the_warning_comes_within_the_notice_days_before_the_last_day() -> None:
    due = date(2022, 1, 15)  # last day 15/01/2027
    end = date(2027, 1, 15)
    assert ends_soon(due, False, None, end - timedelta(days=NOTICE_DAYS - 1))
    assert not ends_soon(due, False, None, end - timedelta(days=NOTICE_DAYS))
    assert ends_soon(due, False, None, end)
    assert not ends_soon(due, False, None, end + timedelta(days=1))  # barred now


# ------------------------------------------------------------------ in the aged balance
AS_OF = date(2026, 11, 23)
CLIENTS = {"id": ["C1", "P1"], "name": ["Alpha SAS", "M. Martin"],
           "private": ["no", "yes"]}


def limitation_findings(rows, payments):
    invoices, totals = invoices_table(rows)
    invoices["interrupted"] = [r.get("interrupted") for r in rows]
    result = aged_balance(invoices, totals, payments, CLIENTS, AS_OF)
    return {f.ref: f for f in result.findings if f.code.startswith("LIMIT-")}, result


def test_the_aged_balance_names_the_invoices_time_barred_or_about_to_be() -> None:
    rows = [
        invoice("FAC-2021-1", "1200.00", date(2021, 5, 1)),  # due 31/05/2021: barred
        invoice("FAC-2021-2", "1200.00", date(2021, 5, 1)),  # paid in part in 2023: alive
        invoice("FAC-2021-3", "600.00", date(2021, 5, 1)),  # paid in full: nothing
        invoice("FAC-2021-4", "1200.00", date(2021, 12, 1)),  # due 31/12/2021: soon
        invoice("FAC-2024-1", "480.00", date(2024, 9, 1), client="P1"),  # private: barred
        invoice("FAC-2025-1", "480.00", date(2025, 9, 1), client="P1"),  # private: alive
    ]
    payments = payments_of((date(2023, 2, 1), "FAC-2021-2", "200.00"),
                           (date(2021, 6, 5), "FAC-2021-3", "600.00"))
    found, result = limitation_findings(rows, payments)
    assert set(found) == {"FAC-2021-1", "FAC-2021-4", "FAC-2024-1"}
    barred = found["FAC-2021-1"]
    assert barred.code == "LIMIT-BARRED" and barred.sheet == "Factures"
    assert "prescrits depuis le 01/06/2026" in barred.message
    assert "L110-4" in barred.message and "1\u202f200,00\u00a0€" in barred.message
    soon = found["FAC-2021-4"]
    assert soon.code == "LIMIT-SOON" and "prescrits le 01/01/2027" in soon.message
    assert "injonction de payer" in soon.fix
    private = found["FAC-2024-1"]
    assert private.code == "LIMIT-BARRED" and "L218-2" in private.message
    assert "2 ans" in private.message and "depuis le 02/10/2026" in private.message
    # the partly paid invoice: its period runs from the payment, named on the item
    (partly,) = [i for i in result.items if i.number == "FAC-2021-2"]
    assert partly.acknowledged == date(2023, 2, 1) and partly.open == D("1000.00")


def test_an_as_of_date_before_the_end_finds_nothing_yet() -> None:
    rows = [invoice("FAC-2021-1", "1200.00", date(2021, 5, 1))]
    invoices, totals = invoices_table(rows)
    result = aged_balance(invoices, totals, payments_of(), CLIENTS, date(2025, 12, 31))
    assert not [f for f in result.findings if f.code.startswith("LIMIT-")]


def test_an_interruption_recorded_in_factures_restarts_the_period_from_its_day() -> None:
    """A written acknowledgement or a claim in court, dated in Factures › Prescription
    interrompue le: the period runs from it; one dated after the as-of date does not
    count yet."""
    rows = [
        invoice("FAC-2021-1", "1200.00", date(2021, 5, 1), interrupted=date(2024, 1, 10)),
        invoice("FAC-2021-2", "1200.00", date(2021, 5, 1), interrupted=date(2027, 1, 10)),
        # interrupted on 01/01/2022 (a court claim), last day 01/01/2027: soon
        invoice("FAC-2021-3", "1200.00", date(2021, 5, 1), interrupted=date(2022, 1, 1)),
    ]
    found, result = limitation_findings(rows, payments_of())
    assert set(found) == {"FAC-2021-2", "FAC-2021-3"}
    assert found["FAC-2021-2"].code == "LIMIT-BARRED"
    soon = found["FAC-2021-3"]
    assert soon.code == "LIMIT-SOON" and "après l'interruption du 01/01/2022" in soon.message
    assert "Prescription interrompue le" in soon.fix
    acknowledged = {i.number: i.acknowledged for i in result.items}
    assert acknowledged == {"FAC-2021-1": date(2024, 1, 10), "FAC-2021-2": None,
                            "FAC-2021-3": date(2022, 1, 1)}


# ------------------------------------------------------------------ in the reminders
def test_a_time_barred_invoice_is_held_back_from_the_reminders() -> None:
    old = item("F-OLD", "C1", (AS_OF - date(2021, 5, 31)).days)  # due 31/05/2021
    recent = item("F-NEW", "C1", 20)
    p = plan([old, recent])
    (mail,) = [m for m in p.mailings if m.kind == "client"]
    assert mail.invoices == ["F-NEW"]
    assert [(d.invoice, d.hold) for d in p.held] == [("F-OLD", BARRED)]


def test_a_private_persons_invoice_is_barred_after_two_years_a_paid_part_restarts_it() -> None:
    contacts = {**CONTACTS, "P1": Contact("P1", "M. Martin", "martin@example.org",
                                          owner="chef@seller.example", private=True)}
    three_years = (AS_OF - date(2023, 11, 1)).days
    gone = item("F-P1", "P1", three_years)
    paid = item("F-P2", "P1", three_years, total="900.00", open_="400.00")
    paid = paid.__class__(**{**paid.__dict__, "acknowledged": date(2025, 1, 10)})
    p = plan([gone, paid], clients=contacts)
    assert [(d.invoice, d.hold) for d in p.held] == [("F-P1", BARRED)]
    # three years late, the other one is past every level: handed over to its owner;
    # the owner's own digest still lists both (internal, it threatens nobody)
    assert [(m.kind, m.invoices) for m in p.mailings] == [
        ("owner", ["F-P2"]), ("digest", ["F-P1", "F-P2"])]
