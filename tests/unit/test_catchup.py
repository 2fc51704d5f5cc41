"""The rule by which a copy of the workbook knows which booked credits and reminders of
the journal it already holds (jobs/catchup.py), on tables built by hand."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from pyfuncs.adapters.workbook_data import Skipped
from pyfuncs.adapters.xlsx_read import TableData
from pyfuncs.domain import schema as S
from pyfuncs.jobs.catchup import missing_payments, missing_reminders

DAY = date(2026, 11, 3)


def paiements(*rows: tuple, skipped: tuple = ()) -> TableData:
    keys = ("date", "invoice", "amount", "reference")
    cols = {k: [r[i] for r in rows] for i, k in enumerate(keys)}
    gone = Skipped([100 + k for k in range(len(skipped))],
                   {k: [r[i] for r in skipped] for i, k in enumerate(keys)},
                   [("Montant", "D100")] * len(skipped)) if skipped else None
    return TableData(S.table("Paiements"), "Paiements", {}, {}, list(range(2, 2 + len(rows))),
                     cols, {}, skipped=gone)


def credit(key: str, reference: str, *rows: tuple[str, str]) -> dict:
    return {"entry_key": key, "reference": reference, "booking": [
        {"date": DAY.isoformat(), "client": "A1", "invoice": invoice, "amount": amount,
         "reference": reference} for invoice, amount in rows]}


def test_a_credit_whose_reference_is_on_any_row_is_there_whatever_the_row_says_now():
    booked = [credit("k1", "REF1", ("F1", "100"), ("F2", "50"))]
    moved = paiements((date(2026, 11, 4), "F9", D(150), " ref1 "))
    assert missing_payments(moved, booked) == ([], [])
    gap_only = paiements((DAY, "F1", D(5), "REF1 écart"))
    assert missing_payments(gap_only, booked) == ([], [])


def test_typed_without_the_reference_each_row_stands_for_one_journal_row_only():
    # a client who paid the same invoice twice on one day: two credits, one row typed
    booked = [credit("k1", "REF1", ("F1", "100")), credit("k2", "REF2", ("F1", "100"))]
    typed = paiements((DAY, "f1", D("100.00"), None))
    rows, keys = missing_payments(typed, booked)
    assert keys == ["k2"] and [(r["invoice"], r["amount"], r["reference"]) for r in rows] == [
        ("F1", D(100), "REF2")]


def test_another_payment_of_the_same_amount_is_not_the_credit():
    booked = [credit("k1", "REF1", ("F1", "100"))]
    cheque_next_day = paiements((date(2026, 11, 4), "F1", D(100), "CHQ 1"))
    assert missing_payments(cheque_next_day, booked)[1] == ["k1"]
    other_invoice = paiements((DAY, "F2", D(100), None))
    assert missing_payments(other_invoice, booked)[1] == ["k1"]


def test_a_row_skipped_for_a_bad_cell_still_holds_its_credit():
    booked = [credit("k1", "REF1", ("F1", "100"))]
    assert missing_payments(paiements(skipped=((DAY, "F1", None, "REF1"),)), booked) == (
        [], [])


def test_a_reminder_is_there_when_its_message_id_is():
    log = TableData(S.table("Relances"), "Relances", {}, {}, [2], {"message_id": ["<m1@x>"]},
                    {})
    sent = [{"message_id": "<m1@x>", "kind": "client"}, {"message_id": "<m2@x>",
                                                         "kind": "owner"},
            {"message_id": "<m3@x>", "kind": "digest"}]
    assert [m["message_id"] for m in missing_reminders(log, sent)] == ["<m2@x>"]
