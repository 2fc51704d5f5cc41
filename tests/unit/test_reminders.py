"""Which reminders go out, to whom, at which level: the pure rules of domain/reminders.py."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from pyfuncs.domain import schema as S
from pyfuncs.domain.aging import OpenItem
from pyfuncs.domain.penalties import HalfYearRate, RateTable
from pyfuncs.domain.reminders import (
    Contact,
    Instalment,
    Level,
    Where,
    plan_reminders,
    valid_address,
)

AS_OF = date(2026, 11, 23)
LEVELS = [Level(lv, days, tone, tpl, att == "yes", cc == "yes")
          for lv, days, tone, tpl, att, cc in S.DEFAULT_REMINDER_LEVELS]
RATES = RateTable.of([HalfYearRate(date(2026, 7, 1), date(2026, 12, 31), D("0.0215"),
                                   D("0.1215"), None)])
CLIENTS = {
    "C1": Contact("C1", "Alpha SAS", "factures@alpha.example", "Mme Durand", "fr", False,
                  "chef@seller.example", 2),
    "C2": Contact("C2", "Beta SARL", "compta@beta.example", None, "en", False, None, 3),
}


def item(number: str, client: str, days_late: int, total: str = "1200.00",
         open_: str | None = None, dispute: bool = False, row: int = 2) -> OpenItem:
    due = AS_OF - timedelta(days=days_late)
    amount = D(open_ if open_ is not None else total)
    return OpenItem(client, number, due - timedelta(days=30), due, "EUR", D(total),
                    D(total) - amount, amount, amount, max(days_late, 0), 0, dispute, row)


def plan(items, sent=None, clients=CLIENTS, **kw):
    return plan_reminders(items, clients, LEVELS, AS_OF, sent=sent or {}, rates=RATES, **kw)


def client_mails(p):
    return {m.key: m for m in p.mailings if m.kind == "client"}


def test_each_invoice_gets_the_highest_level_its_days_late_reach():
    p = plan([item("F1", "C1", 1), item("F2", "C1", 8), item("F3", "C1", 16),
              item("F4", "C1", 31), item("F5", "C1", -2), item("F6", "C1", -5)])
    levels = {d.invoice: d.level for d in p.mailings[0].items}
    assert levels == {"F1": 1, "F2": 2, "F3": 3, "F4": 4}
    # F5 (courtesy, due in 2 days) is not listed with overdue invoices; F6 is too early


def test_a_courtesy_note_goes_three_days_before_the_due_date_when_nothing_is_overdue():
    p = plan([item("F5", "C1", -2), item("F6", "C1", -5)])
    (m,) = client_mails(p).values()
    assert m.level.level == 0 and [d.invoice for d in m.items] == ["F5"]


def test_one_email_per_client_lists_all_its_overdue_invoices_at_the_highest_level():
    p = plan([item("F1", "C1", 1), item("F3", "C1", 16), item("F9", "C2", 8)])
    mails = client_mails(p)
    assert set(mails) == {"client:C1", "client:C2"}
    c1 = mails["client:C1"]
    assert c1.level.level == 3 and c1.invoices == ["F3", "F1"]  # oldest due first
    assert c1.to == "factures@alpha.example" and c1.cc == ("chef@seller.example",)
    assert c1.record == [("F3", "", 3), ("F1", "", 1)]
    assert mails["client:C2"].lang == "en" and mails["client:C2"].cc == ()


def test_a_paid_or_fully_credited_invoice_is_never_reminded():
    p = plan([item("F1", "C1", 20, open_="0"), item("F2", "C1", 20, total="-100.00")])
    assert not p.mailings


def test_a_missed_run_sends_the_current_level_once_never_the_levels_it_skipped():
    p = plan([item("F1", "C1", 20)], sent={("f1", ""): 1})
    (m,) = client_mails(p).values()
    assert m.level.level == 3 and m.record == [("F1", "", 3)]
    again = plan([item("F1", "C1", 21)], sent={("f1", ""): 3})
    assert not client_mails(again)


def test_an_invoice_already_at_its_level_is_listed_but_sends_nothing_by_itself():
    p = plan([item("F1", "C1", 20), item("F2", "C1", 2)], sent={("f1", ""): 3})
    (m,) = client_mails(p).values()
    assert m.invoices == ["F1", "F2"] and m.record == [("F2", "", 1)]
    assert not client_mails(plan([item("F1", "C1", 20)], sent={("f1", ""): 3}))


def test_holds_paused_client_dispute_and_promise_to_pay_until_its_date():
    paused = dict(CLIENTS, C1=Contact("C1", "Alpha", "a@alpha.example", paused=True, row=2))
    assert not client_mails(plan([item("F1", "C1", 20)], clients=paused))
    p = plan([item("F1", "C1", 20, dispute=True)])
    assert not client_mails(p) and p.held[0].hold == "dispute"
    promised = plan([item("F1", "C1", 20)], promises={"f1": AS_OF})
    assert not client_mails(promised) and promised.held[0].hold == "promise"
    lapsed = plan([item("F1", "C1", 20)], promises={"f1": AS_OF - timedelta(days=1)})
    assert client_mails(lapsed)["client:C1"].level.level == 3


def test_a_payment_plan_reminds_each_instalment_on_its_own_date():
    instalments = [Instalment("F1", AS_OF - timedelta(days=40), D(400)),
                   Instalment("F1", AS_OF - timedelta(days=8), D(400)),
                   Instalment("F1", AS_OF + timedelta(days=20), D(400))]
    # invoice due long ago, 500 paid: the first instalment is covered, the second 300 left
    p = plan([item("F1", "C1", 70, open_="700.00")], plans={"f1": instalments})
    (m,) = client_mails(p).values()
    assert [(d.step, d.open, d.level) for d in m.items] == [
        ((AS_OF - timedelta(days=8)).isoformat(), D("300.00"), 2)]
    assert m.level.level == 2  # not the invoice's 70 days: its instalments' own dates


def test_an_internal_level_tells_the_owner_and_sends_nothing_to_the_client():
    p = plan([item("F1", "C1", 50), item("F2", "C1", 2)])
    kinds = {m.key: m for m in p.mailings}
    assert kinds["owner:C1"].to == "chef@seller.example"
    assert kinds["owner:C1"].record == [("F1", "", 5)]
    assert kinds["client:C1"].invoices == ["F2"]
    again = plan([item("F1", "C1", 51)], sent={("f1", ""): 5})
    assert [m.kind for m in again.mailings] == ["digest"]  # told once, not handed over twice


def test_a_level_five_without_owner_goes_to_the_fallback_or_is_a_finding():
    p = plan([item("F9", "C2", 50)], fallback_owner="boss@seller.example")
    assert [m.to for m in p.mailings if m.kind == "owner"] == ["boss@seller.example"]
    p = plan([item("F9", "C2", 50)])
    assert not [m for m in p.mailings if m.kind == "owner"]
    assert [f.code for f in p.findings] == ["REMIND-NO-OWNER"]


def test_each_owner_gets_one_digest_of_invoices_that_became_overdue_once():
    p = plan([item("F1", "C1", 3), item("F3", "C1", 16), item("F5", "C1", -1)])
    (digest,) = [m for m in p.mailings if m.kind == "digest"]
    assert digest.to == "chef@seller.example" and digest.invoices == ["F3", "F1"]
    later = plan([item("F1", "C1", 3), item("F3", "C1", 16), item("F7", "C1", 1)],
                 told={("f1", ""): 1, ("f3", ""): 1})
    assert [m.invoices for m in later.mailings if m.kind == "digest"] == [["F7"]]


@pytest.mark.parametrize("bad", ["a@b.c\nBcc: x@y.z", "a@b.c, x@y.z", "a@b.c;x@y.z",
                                 "Alpha <a@b.c>", "a@b.c\r\nBcc: x@y.z"])
def test_an_address_with_a_line_break_or_several_addresses_is_refused(bad):
    assert not valid_address(bad)
    clients = dict(CLIENTS, C1=Contact("C1", "Alpha", bad, row=7))
    where = Where("Clients", "Factures", "Paramètres",
                  {"billing_email": "Email facturation"}, {"billing_email": "M"})
    p = plan([item("F1", "C1", 20)], clients=clients, where=where)
    assert not client_mails(p)
    (f,) = [f for f in p.findings if f.code == "REMIND-EMAIL"]
    assert (f.sheet, f.row, f.column, f.cell, f.severity) == \
        ("Clients", 7, "Email facturation", "M7", "error")


def test_an_invoice_of_a_client_missing_from_clients_is_a_finding_not_an_email():
    p = plan([item("F1", "C9", 20, row=12)])
    assert not client_mails(p)
    assert [(f.code, f.row) for f in p.findings] == [("REMIND-CLIENT", 12)]


def test_penalties_and_one_indemnity_per_invoice_are_carried_by_each_item():
    p = plan([item("F1", "C1", 38, total="10800.00")])
    (d,) = client_mails(p)["client:C1"].items
    assert d.penalty.amount == D("136.61") and d.indemnity == D(40)


def test_a_private_person_owes_no_professional_penalty_nor_indemnity():
    """L441-10 C. com. (penalties) and D441-5 (the indemnity) bind a debtor acting as a
    professional only: a private person's items carry neither, even without a rate for
    the period (no finding), and their mailings say the client is not a professional."""
    private = dict(CLIENTS, C3=Contact("C3", "Anna Kessler", "anna@example.org", None,
                                       "fr", False, "chef@seller.example", 4, private=True))
    none = RateTable(())
    p = plan_reminders([item("F1", "C1", 38, total="10800.00"),
                        item("P1", "C3", 38, total="10800.00"),
                        item("P2", "C3", 50, total="500.00")], private, LEVELS, AS_OF,
                       sent={}, rates=none)
    mails = {m.key: m for m in p.mailings}
    (d,) = mails["client:C3"].items
    assert (d.penalty.amount, d.indemnity, d.penalty.periods) == (0, 0, ())
    assert mails["client:C3"].penalties == 0 and not mails["client:C3"].professional
    (h,) = mails["owner:C3"].items  # handed over at level 5: the owner's mail says so too
    assert (h.penalty.amount, h.indemnity, mails["owner:C3"].professional) == (0, 0, False)
    # the professional client of the same run keeps its indemnity (no rate: a finding)
    (pro,) = mails["client:C1"].items
    assert pro.indemnity == D(40) and mails["client:C1"].professional
    assert [f.code for f in p.findings] == ["REMIND-RATE-MISSING"]
    alone = plan_reminders([item("P1", "C3", 38)], private, LEVELS, AS_OF, sent={},
                           rates=none)
    assert alone.findings == []
