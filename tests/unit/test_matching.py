"""Matching statement credits to open invoices (pure)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from pyfuncs.domain.matching import (
    ClientRef,
    Credit,
    OpenInvoice,
    digits_key,
    match_credits,
)

DAY = date(2026, 11, 10)
CLIENTS = [ClientRef("A1", "Alpha SAS", ("FR14 2004 1010 0505 0001 3M02 606",)),
           ClientRef("B1", "Beta Conseil SARL"),
           ClientRef("C1", "Gamma Industries")]
INVOICES = [OpenInvoice("FAC2026-0001", "A1", D("1200.00"), date(2026, 10, 1)),
            OpenInvoice("FAC2026-0002", "A1", D("840.00"), date(2026, 10, 15)),
            OpenInvoice("FAC2026-0003", "A1", D("360.00"), date(2026, 10, 31)),
            OpenInvoice("FAC2026-0004", "A1", D("99.00"), date(2026, 11, 30)),
            OpenInvoice("FAC2026-0120", "B1", D("2400.00"), date(2026, 10, 20)),
            OpenInvoice("AV2026-0003", "B1", D("100.00"), date(2026, 10, 20)),
            OpenInvoice("FAC2026-0003X", "C1", D("10.00"), date(2026, 12, 20)),
            OpenInvoice("FAC2026-0500", "C1", D("3000.00"), date(2026, 10, 5))]


def one(text: str = "", amount: str = "0", payer: str = "", iban: str = "",
        invoices=INVOICES, tolerance: str = "5"):
    return match_credits([Credit("k", DAY, D(amount), text, payer, iban)], invoices,
                         CLIENTS, D(tolerance))[0]


def test_one_transfer_pays_three_invoices_named_in_its_text():
    s = one("REGLT FAC2026-0001 / FAC2026 0002 et fac-2026-0003", "2400", "ALPHA")
    assert s.certain and s.reason == "numbers" and s.client == "A1"
    assert [(a.invoice, a.amount) for a in s.allocations] == [
        ("FAC2026-0001", D(1200)), ("FAC2026-0002", D(840)), ("FAC2026-0003", D(360))]


def test_an_invoice_number_without_its_prefix_or_with_spaces_is_found():
    assert one("VIR 2026 0120", "2400").invoices == ["FAC2026-0120"]
    assert one("facture 2026-0120 merci", "2400").certain


def test_a_typo_in_the_number_is_accepted_when_the_amount_and_the_iban_confirm_it():
    s = one("FACTURE FAC2026-0005", "840.00", iban="FR1420041010050500013M02606")
    # 0005 is no invoice; FAC2026-0002 is one typo away... but so is 0001, 0003, 0004:
    # only the one whose balance the amount pays is taken
    assert s.invoices == ["FAC2026-0002"] and s.reason == "iban+number-typo" and s.certain


def test_a_typo_from_a_payer_known_only_by_name_waits_for_confirmation():
    s = one("FAC2026-0050", "3000", "GAMMA INDUSTRIES SA")  # 05 <-> 50
    assert s.invoices == ["FAC2026-0500"] and s.reason == "name+number-typo"
    assert not s.certain and s.confidence == 0.8


def test_a_partial_payment_is_booked_on_the_invoice_named():
    s = one("ACOMPTE FAC2026-0120", "1000")
    assert s.certain and s.reason == "number+partial"
    assert [(a.invoice, a.amount, a.gap) for a in s.allocations] == [
        ("FAC2026-0120", D(1000), D(0))]


def test_bank_fees_within_the_tolerance_close_the_invoice_with_their_gap():
    s = one("FAC2026-0120", "2392.50")  # 7.50 short: beyond the tolerance, a partial
    assert s.reason == "number+partial" and s.allocations[0].gap == 0
    s = one("FAC2026-0120", "2396.00")
    assert s.certain and s.allocations[0].gap == D("4.00") and s.reason == "number"


def test_a_known_iban_without_a_number_pays_the_subset_summing_to_the_amount():
    s = one("VIREMENT ALPHA", "2040.00", iban="FR1420041010050500013M02606")
    assert s.reason == "iban+subset" and s.certain
    assert sorted(s.invoices) == ["FAC2026-0001", "FAC2026-0002"]


def test_a_known_iban_paying_one_invoice_exactly_is_certain():
    s = one("", "360.00", iban="FR1420041010050500013M02606")
    assert s.certain and s.invoices == ["FAC2026-0003"] and s.reason == "iban+amount"


def test_a_payer_known_by_name_is_suggested_not_booked():
    s = one("VIR", "2400.00", "BETA CONSEIL")
    assert s.client == "B1" and s.invoices == ["FAC2026-0120"] and not s.certain
    assert 0 < s.confidence < 1


def test_a_payer_nobody_knows_stays_unmatched():
    s = one("CADEAU", "777.77", "M DUPONT")
    assert s.client == "" and s.reason == "unknown" and s.unapplied == D("777.77")
    assert not s.certain and s.confidence == 0


def test_the_prefix_written_decides_between_two_series_with_the_same_digits():
    s = one("AVOIR AV2026-0003", "100")
    assert s.invoices == ["AV2026-0003"]


def test_two_credits_never_pay_the_same_euro():
    credits = [Credit("a", DAY, D(1200), "FAC2026-0001"),
               Credit("b", DAY + timedelta(days=1), D(1200), "FAC2026-0001")]
    first, second = match_credits(credits, INVOICES, CLIENTS)
    assert first.certain and first.invoices == ["FAC2026-0001"]
    assert not second.certain or second.invoices != ["FAC2026-0001"]


def test_digits_key_keeps_the_digits_only():
    assert digits_key("FAC2026-0012") == "20260012"


amounts = st.decimals(min_value=D("0.01"), max_value=D(5000), places=2)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(amounts, st.sampled_from(
    ["", "FAC2026-0001", "FAC 2026 0002 FAC2026-0003", "2026-0120", "VIR ALPHA", "AV2026-0003",
     "FAC2026-0500 FAC2026-0004", "FAC2026-0007"]),
    st.sampled_from(["", "ALPHA SAS", "BETA CONSEIL", "NOBODY"]),
    st.sampled_from(["", "FR1420041010050500013M02606"])), max_size=12))
def test_booked_plus_unmatched_equals_the_credits_and_no_invoice_is_overpaid(entries):
    credits = [Credit(f"k{i}", DAY + timedelta(days=i), amount, text, payer, iban)
               for i, (amount, text, payer, iban) in enumerate(entries)]
    out = match_credits(credits, INVOICES, CLIENTS)
    total = sum((c.amount for c in credits), D(0))
    booked = sum((s.applied for s in out if s.certain), D(0))
    unmatched = sum((s.credit.amount for s in out if not s.certain), D(0)) + \
        sum((s.unapplied for s in out if s.certain), D(0))
    assert booked + unmatched == total
    for s in out:
        assert s.applied + s.unapplied == s.credit.amount
        assert all(a.amount > 0 and a.gap >= 0 for a in s.allocations)
    paid: dict[str, D] = {}
    for s in out:
        if s.certain:
            for a in s.allocations:
                if a.invoice:
                    paid[a.invoice] = paid.get(a.invoice, D(0)) + a.amount + a.gap
    opens = {i.number: i.open for i in INVOICES}
    assert all(paid[n] <= opens[n] for n in paid)
    suggested: dict[str, D] = {}
    for s in out:
        for a in s.allocations:
            if a.invoice:
                suggested[a.invoice] = suggested.get(a.invoice, D(0)) + a.amount + a.gap
    assert all(suggested[n] <= opens[n] for n in suggested)
