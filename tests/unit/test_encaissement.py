"""The 212 "Encaissée" rule (pyfuncs/domain/encaissement.py): which receipts are
reported, split by VAT rate, corrected by a disbursement, each exactly once."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pyfuncs.domain.encaissement import (
    Held,
    InvoiceFacts,
    Receipt,
    Reported,
    plan_statuses,
    receipt_keys,
    split_by_rate,
)

D = Decimal
DAY = date(2026, 10, 1)


def invoice(number: str = "FAC2026-0001", *, status: str = "200", kind: str = "invoice",
            nature: str = "services", debits: bool = False, transmitted: bool = True,
            rates: tuple = ((D(20), D(100), D(20)),)) -> InvoiceFacts:
    total = sum((b + v for _r, b, v in rates), D(0))
    return InvoiceFacts(number, date(2026, 9, 1), kind, nature, debits, False, total, rates,
                        transmitted, status)


def receipts(rows: list[tuple[str, date, Decimal, str]]) -> list[Receipt]:
    return [Receipt(k, i, r[0], r[1], r[2]) for i, (k, r)
            in enumerate(zip(receipt_keys(rows), rows, strict=True))]


def test_a_payment_on_a_transmitted_services_invoice_is_one_212_with_its_rate() -> None:
    plan = plan_statuses([invoice()], receipts([("FAC2026-0001", DAY, D("120.00"), "")]),
                         [], vat_on_debits=False, today=DAY)
    assert [(s.number, s.amount, s.on) for s in plan.send] == \
        [("FAC2026-0001", D("120.00"), DAY)]
    assert [(x.rate, x.amount) for x in plan.send[0].shares] == [(D(20), D("120.00"))]


def test_each_partial_payment_is_its_own_212() -> None:
    rows = [("FAC2026-0001", DAY, D("50.00"), "VIR1"), ("FAC2026-0001", date(2026, 10, 9),
                                                       D("70.00"), "VIR2")]
    plan = plan_statuses([invoice()], receipts(rows), [], vat_on_debits=False, today=DAY)
    assert [s.amount for s in plan.send] == [D("50.00"), D("70.00")]


def test_a_payment_on_several_rates_is_split_in_proportion_and_adds_up() -> None:
    rates = ((D(20), D("100.00"), D("20.00")), (D("5.5"), D("200.00"), D("11.00")))
    shares = split_by_rate(D("100.00"), D("331.00"), rates)
    assert [s.rate for s in shares] == [D(20), D("5.5")]
    assert shares[0].amount == D("36.25")  # 100 × 120 / 331 = 36.2537...
    assert sum(s.amount for s in shares) == D("100.00")


def test_no_212_for_a_refusal_a_rejection_a_credit_note_goods_debits_or_no_transmission(
        ) -> None:
    cases = [invoice(status="210"), invoice(status="213"), invoice(kind="credit_note"),
             invoice(nature="goods"), invoice(debits=True), invoice(transmitted=False)]
    for inv in cases:
        plan = plan_statuses([inv], receipts([("FAC2026-0001", DAY, D("120"), "")]), [],
                             vat_on_debits=False, today=DAY)
        assert plan.send == (), inv
    plan = plan_statuses([invoice()], receipts([("FAC2026-0001", DAY, D("120"), "")]), [],
                         vat_on_debits=True, today=DAY)
    assert plan.send == ()


def test_a_212_waits_for_the_deposit_or_a_corrected_rejection_and_never_follows_a_refusal(
        ) -> None:
    rows = receipts([("FAC2026-0001", DAY, D("120.00"), "")])
    for status, why, waiting in (("", "not_deposited", True), ("213", "rejected", True),
                                 ("210", "refused", False)):
        plan = plan_statuses([invoice(status=status)], rows, [], vat_on_debits=False,
                             today=DAY)
        assert plan.send == ()
        assert plan.held == (Held(rows[0].key, 0, "FAC2026-0001", DAY, D("120.00"), why),)
        assert plan.held[0].waiting is waiting
    for status in ("200", "202", "204", "205", "207", "208"):  # deposited, not rejected
        plan = plan_statuses([invoice(status=status)], rows, [], vat_on_debits=False,
                             today=DAY)
        assert [s.amount for s in plan.send] == [D("120.00")] and plan.held == ()
    # what is held is what is left to report: a receipt already reported is not held
    done = [Reported(rows[0].key, 0, "FAC2026-0001", D("120.00"))]
    assert plan_statuses([invoice(status="210")], rows, done, vat_on_debits=False,
                         today=DAY).held == ()


def test_receipts_outside_the_212_are_not_listed_as_held() -> None:
    for inv in (invoice(kind="credit_note"), invoice(nature="goods"), invoice(debits=True),
                invoice(transmitted=False, status="")):
        plan = plan_statuses([inv], receipts([("FAC2026-0001", DAY, D("120"), "")]), [],
                             vat_on_debits=False, today=DAY)
        assert plan.send == () and plan.held == (), inv


def test_a_payment_not_applied_to_an_invoice_gives_no_212() -> None:
    plan = plan_statuses([invoice()], receipts([("", DAY, D("120"), "")]), [],
                         vat_on_debits=False, today=DAY)
    assert plan.send == ()


def test_a_payment_already_reported_is_not_reported_again() -> None:
    rows = receipts([("FAC2026-0001", DAY, D("120.00"), "")])
    done = [Reported(rows[0].key, 0, "FAC2026-0001", D("120.00"))]
    assert plan_statuses([invoice()], rows, done, vat_on_debits=False, today=DAY).send == ()


def test_a_payment_corrected_after_its_212_is_undone_then_reported_anew() -> None:
    old = receipts([("FAC2026-0001", DAY, D("120.00"), "")])
    new = receipts([("FAC2026-0001", DAY, D("100.00"), "")])
    done = [Reported(old[0].key, 0, "FAC2026-0001", D("120.00"))]
    plan = plan_statuses([invoice()], new, done, vat_on_debits=False, today=date(2026, 10, 5))
    assert sorted(s.amount for s in plan.send) == [D("-120.00"), D("100.00")]
    assert [(c.amount, c.undo, c.seq, c.on) for c in plan.corrections] == \
        [(D("-120.00"), True, 1, date(2026, 10, 5))]


# --------------------------------------------------------------------------- property
AMOUNTS = st.decimals(min_value=D("0.01"), max_value=D("5000"), places=2)
OPS = st.one_of(
    st.tuples(st.just("pay"), st.integers(0, 2), AMOUNTS),
    st.tuples(st.just("delete"), st.integers(0, 30), st.just(D(0))),
    st.tuples(st.just("change"), st.integers(0, 30), AMOUNTS),
    st.tuples(st.just("refuse"), st.integers(0, 2), st.just(D(0))),
    st.tuples(st.just("deposit"), st.integers(0, 2), st.just(D(0))),
    st.tuples(st.just("transmit"), st.just(0), st.just(D(0))),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(OPS, max_size=30))
def test_for_any_payments_corrections_and_statuses_what_is_reported_is_what_was_received(
        ops: list) -> None:
    numbers = ["FAC2026-0001", "FAC2026-0002", "FAC2026-0003"]
    rates = ((D(20), D("100.00"), D("20.00")), (D(10), D("50.00"), D("5.00")))
    status = dict.fromkeys(numbers, "")  # transmitted, the platform's 200 not yet pulled
    rows: list[tuple[str, date, Decimal, str]] = []
    ledger: list[Reported] = []
    seen: set[str] = set()
    refused_before: dict[str, Decimal] = {}

    def transmit() -> None:
        facts = [invoice(n, status=status[n], rates=rates) for n in numbers]
        plan = plan_statuses(facts, receipts(rows), ledger, vat_on_debits=False, today=DAY)
        for s in plan.send:
            assert s.message_key not in seen  # each status once
            # never a receipt after a refusal; undoing one (money given back) stays allowed
            assert s.undo or status[s.number] != "210"
            assert status[s.number] != ""  # never before the platform deposited it
            assert sum(x.amount for x in s.shares) == s.amount
            seen.add(s.message_key)
            ledger.append(Reported(s.key, s.seq, s.number, s.amount))

    for k, (op, arg, amount) in enumerate(ops):
        if op == "pay":
            rows.append((numbers[arg], DAY, amount, f"R{k}"))
        elif op == "delete" and rows:
            rows.pop(arg % len(rows))
        elif op == "change" and rows:
            n, on, _a, ref = rows[arg % len(rows)]
            rows[arg % len(rows)] = (n, on, amount, ref)
        elif op == "deposit" and status[numbers[arg]] == "":
            status[numbers[arg]] = "200"
        elif op == "refuse" and status[numbers[arg]] != "210":
            status[numbers[arg]] = "210"
            refused_before[numbers[arg]] = sum(
                (r.amount for r in ledger if r.number == numbers[arg]), D(0))
        elif op == "transmit":
            transmit()
    for n in numbers:  # the platform deposits what it had not yet (a refusal stays)
        status[n] = status[n] or "200"
    transmit()
    # run again: nothing more to send, ever
    facts = [invoice(n, status=status[n], rates=rates) for n in numbers]
    again = plan_statuses(facts, receipts(rows), ledger, vat_on_debits=False, today=DAY)
    assert [s for s in again.send if not s.undo] == []
    for n in numbers:
        reported = sum((r.amount for r in ledger if r.number == n), D(0))
        received = sum((a for m, _d, a, _r in rows if m == n), D(0))
        if status[n] != "210":
            assert reported == received, n
        else:  # after a refusal only undoing goes out, never a new receipt
            assert reported <= max(refused_before[n], D(0)) or reported == received
