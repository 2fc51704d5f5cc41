"""Recurring billing: which contract periods "Générer les factures" bills, at
what price, and that each due period is billed exactly once and none early.

Amounts are computed by hand in the comments.
"""
from __future__ import annotations

import copy
import itertools
from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from pyfuncs.domain.checks.leaks import billing_leaks, check_leaks
from pyfuncs.domain.computed import compute_all
from pyfuncs.domain.context import Ctx
from pyfuncs.domain.invoicing import plan_invoices
from pyfuncs.domain.recurring import due_periods, periods
from tests.unit.test_checks import clean_settings, clean_tables, views

TODAY = date(2026, 11, 23)
R20 = D("0.2")


def contract(**kw):
    row = {"id": "K1", "client": "C1", "label": "Maintenance", "amount": D(1000), "vat_rate": R20,
               "period": "monthly", "billing_day": 1, "timing": "advance", "start": date(2026, 9, 15),
               "status": "active"}
    row.update(kw)
    return row


def book(*contracts, indices=(), lines=(), contract_lines=()):
    t = copy.deepcopy(clean_tables())
    t["Contrats"] = list(contracts)
    t["LignesContrat"] = list(contract_lines)
    t["Indices"] = [{"name": n, "month": m, "value": D(v)} for n, m, v in indices]
    t["LignesFacture"] += list(lines)
    return t


def ctx_of(tables, day=TODAY, settings_=None):
    tv = views(tables)
    computed = compute_all({k: v.cols for k, v in tv.items()}, day)
    return Ctx(tv, computed, settings_ or clean_settings(), day, "fr")


def plan(tables, day=TODAY, settings_=None):
    p = plan_invoices(ctx_of(tables, day, settings_), day)
    return [d for d in p.documents if d.sources[0].startswith("contrat:")], p.findings


def summary(docs):
    return [(d.lines[0].label, d.lines[0].net) for d in docs]


def test_a_monthly_contract_in_advance_bills_its_prorated_first_month_and_each_month_since():
    docs, findings = plan(book(contract()))
    # September from the 15th: 16 days of 30, 1000 x 16 / 30 = 533.333 -> 533.33
    assert summary(docs) == [
        ("Maintenance – septembre 2026 (du 15/09/2026 au 30/09/2026)", D("533.33")),
        ("Maintenance – octobre 2026", D("1000.00")),
        ("Maintenance – novembre 2026", D("1000.00"))]
    assert [d.sources for d in docs] == [["contrat:k1:2026-09-01"], ["contrat:k1:2026-10-01"],
                                         ["contrat:k1:2026-11-01"]]
    assert [ln.source for d in docs for ln in d.lines] == [d.sources[0] for d in docs]
    doc = docs[0]
    assert (doc.kind, doc.client, doc.issue_date) == ("invoice", "C1", TODAY)
    assert doc.due_date == date(2026, 12, 23)  # C1 has no terms: 30 days
    assert doc.totals() == (D("533.33"), D("106.67"), D("640.00"))
    assert not [f for f in findings if f.code.startswith("CONTRACT")]


def test_in_arrears_a_month_is_billed_only_once_it_is_over():
    docs, _ = plan(book(contract(timing="arrears")))
    # September is due on 1 October, October on 1 November, November on 1 December
    assert [d.sources[0] for d in docs] == ["contrat:k1:2026-09-01", "contrat:k1:2026-10-01"]
    docs, _ = plan(book(contract(timing="arrears")), date(2026, 12, 1))
    assert docs[-1].sources == ["contrat:k1:2026-11-01"]


def test_in_advance_the_billing_day_decides_when_the_month_falls_due():
    docs, _ = plan(book(contract(billing_day=25, start=date(2026, 10, 1))))
    assert [d.sources[0] for d in docs] == ["contrat:k1:2026-10-01"]  # November on the 25th
    docs, _ = plan(book(contract(billing_day=31, start=date(2026, 2, 1))), date(2026, 2, 28))
    assert [d.sources[0] for d in docs] == ["contrat:k1:2026-02-01"]  # the 31st: month's end


def test_a_quarterly_contract_in_arrears_is_billed_per_calendar_quarter():
    docs, _ = plan(book(contract(period="quarterly", timing="arrears", billing_day=5,
                                 start=date(2026, 1, 1), amount=D(3000))))
    # Q1 due 5 April, Q2 5 July, Q3 5 October; Q4 only on 5 January 2027
    assert summary(docs) == [("Maintenance – janvier 2026 – mars 2026", D("3000.00")),
                             ("Maintenance – avril 2026 – juin 2026", D("3000.00")),
                             ("Maintenance – juillet 2026 – septembre 2026", D("3000.00"))]


def test_a_missed_year_is_caught_up_one_invoice_per_month():
    docs, _ = plan(book(contract(start=date(2025, 11, 1))))
    assert len(docs) == 13  # November 2025 to November 2026
    assert len({d.sources[0] for d in docs}) == 13
    assert all(d.lines[0].net == D("1000.00") for d in docs)


def test_a_suspended_contract_issues_nothing_and_an_ended_one_nothing_after_its_end():
    assert plan(book(contract(status="suspended")))[0] == []
    assert plan(book(contract(status="ended")))[0] == []  # ended, no end date: nothing
    docs, _ = plan(book(contract(start=date(2026, 9, 1), end=date(2026, 10, 15),
                                 status="ended")))
    # October to the 15th: 15 days of 31, 1000 x 15 / 31 = 483.870 -> 483.87
    assert summary(docs) == [("Maintenance – septembre 2026", D("1000.00")),
                             ("Maintenance – octobre 2026 (du 01/10/2026 au 15/10/2026)",
                              D("483.87"))]


def test_the_prorata_setting_full_bills_partial_periods_in_full():
    s = clean_settings() | {"prorata": "full"}
    docs, _ = plan(book(contract()), settings_=s)
    assert [d.lines[0].net for d in docs] == [D("1000.00")] * 3


def test_the_price_is_revised_from_the_revision_month_by_the_index():
    k = contract(start=date(2025, 12, 1), index="Syntec", base_index=D("280.2"),
                 revision_month=11)
    docs, findings = plan(book(k, indices=[("SYNTEC", date(2026, 11, 1), "289.7")]))
    # December 2025 to October 2026 at P0; from November 2026, P1 = 1000 x 289.7 / 280.2
    # = 1033.9043... -> 1033.90
    assert [d.lines[0].net for d in docs] == [D("1000.00")] * 11 + [D("1033.90")]
    assert not [f for f in findings if f.code.startswith("CONTRACT")]


def test_a_missing_index_value_is_reported_and_the_period_it_prices_is_not_billed():
    k = contract(start=date(2025, 12, 1), index="Syntec", base_index=D("280.2"),
                 revision_month=11)
    docs, findings = plan(book(k))
    assert len(docs) == 11 and docs[-1].sources == ["contrat:k1:2026-10-01"]
    f, = [f for f in findings if f.code == "CONTRACT-INDEX"]
    assert f.severity == "error" and "11/2026" in f.message and "Syntec" in f.message


def test_a_contract_with_an_index_but_no_base_value_is_not_billed():
    docs, findings = plan(book(contract(index="Syntec", revision_month=1)))
    assert docs == [] and [f.code for f in findings if f.code.startswith("CONTRACT")] == \
        ["CONTRACT-INVALID"]


def test_a_period_already_in_the_workbook_lines_is_not_billed_again():
    billed = {"invoice": "F1", "label": "Maintenance – octobre 2026", "quantity": D(1),
                  "unit_price": D(1000), "vat_rate": R20, "source": "Contrat:K1:2026-10-01"}
    docs, _ = plan(book(contract(), lines=[billed]))
    assert [d.sources[0] for d in docs] == ["contrat:k1:2026-09-01", "contrat:k1:2026-11-01"]


def test_an_amount_edited_after_some_periods_were_billed_applies_to_the_next_ones_only():
    billed = [{"invoice": "F1", "label": "x", "quantity": D(1), "unit_price": D(1000), "vat_rate": R20,
                   "source": f"contrat:k1:2026-{m:02d}-01"} for m in (9, 10)]
    docs, _ = plan(book(contract(amount=D(1200)), lines=billed))
    assert summary(docs) == [("Maintenance – novembre 2026", D("1200.00"))]


def test_an_eu_business_client_is_reverse_charged():
    docs, _ = plan(book(contract(client="C3")))
    assert {ln.vat_rate for d in docs for ln in d.lines} == {D(0)}


def test_leaks_report_periods_due_and_unbilled_and_missing_index_values():
    k1 = contract()
    k2 = contract(id="K2", start=date(2025, 12, 1), index="Syntec", base_index=D("280.2"),
                  revision_month=10)
    ctx = ctx_of(book(k1, k2))
    leaks, _ = billing_leaks(ctx)
    mine = [(lk.code, lk.ref, lk.amount) for lk in leaks if lk.code.startswith("LEAK-CONTRACT")]
    # K1: September (due 15/09), October (01/10) and November (01/11, 22 days ago: more
    # than the 15 days) are leaks. K2: December to September billable; October's index
    # value is missing: October and November blocked, 2 x 1000 before revision.
    assert mine == [("LEAK-CONTRACT", "K1", D("533.33"))] + \
        [("LEAK-CONTRACT", "K1", D("1000.00"))] * 2 + \
        [("LEAK-CONTRACT", "K2", D("1000.00"))] * 10 + [("LEAK-CONTRACT-INDEX", "K2", D(2000))]
    assert not [lk for lk in billing_leaks(ctx_of(book(k1), date(2026, 9, 30)))[0]
                if lk.code.startswith("LEAK-CONTRACT")]  # 15 days after 15/09: no leak yet
    ctx = ctx_of(book(k1, k2))
    check_leaks(ctx)
    codes = [f.code for f in ctx.findings]
    assert codes.count("LEAK-CONTRACT") == 13 and codes.count("LEAK-CONTRACT-INDEX") == 1
    assert "CONTRACT-INDEX" not in codes  # the check reports it as a leak, once


def test_a_workbook_without_contracts_plans_as_before():
    t = copy.deepcopy(clean_tables())
    assert [d.sources for d in plan_invoices(ctx_of(t), TODAY).documents] == \
        [["jalon:d2026-0003:livraison en recette"]]


# ----------------------------------------------------------------------------- lines, PO, notice
def cline(label, qty, price, rate=None, unit="mois", ref="K1"):
    return {"contract": ref, "label": label, "quantity": D(qty), "unit": unit,
            "unit_price": D(price), "vat_rate": None if rate is None else D(rate)}


SUPPORT = [cline("Support N1", 2, 300), cline("Licence", 1, "150.50", "0.1", unit="")]


def test_a_contract_with_lines_bills_each_line_prorated_with_the_period_on_every_line():
    docs, findings = plan(book(contract(amount=None), contract_lines=SUPPORT))
    first, october = docs[0], docs[1]
    # September from the 15th, 16/30: 300 x 16/30 = 160.00; 150.50 x 16/30 = 80.2667 -> 80.27
    assert [(ln.label, ln.quantity, ln.unit, ln.unit_price, ln.vat_rate, ln.net)
            for ln in first.lines] == [
        ("Support N1 – septembre 2026 (du 15/09/2026 au 30/09/2026)", D(2), "mois",
         D("160.00"), R20, D("320.00")),  # blank rate: the contract's 20 %
        ("Licence – septembre 2026 (du 15/09/2026 au 30/09/2026)", D(1), "", D("80.27"),
         D("0.1"), D("80.27"))]
    assert first.subject == "Maintenance – septembre 2026 (du 15/09/2026 au 30/09/2026)"
    # VAT per rate: 320.00 x 20 % = 64.00, 80.27 x 10 % = 8.027 -> 8.03
    assert first.totals() == (D("400.27"), D("72.03"), D("472.30"))
    assert [ln.net for ln in october.lines] == [D("600.00"), D("150.50")]
    assert {ln.source for ln in october.lines} == {"contrat:k1:2026-10-01"}
    assert not [f for f in findings if f.code.startswith("CONTRACT")]


def test_each_line_price_is_revised_by_the_index_and_rounded_to_the_cent():
    k = contract(amount=None, start=date(2025, 12, 1), index="Syntec",
                 base_index=D("280.2"), revision_month=11)
    docs, _ = plan(book(k, indices=[("Syntec", date(2026, 11, 1), "289.7")],
                        contract_lines=SUPPORT))
    # 300 x 289.7 / 280.2 = 310.1713 -> 310.17; 150.50 x 289.7 / 280.2 = 155.6026 -> 155.60
    assert [ln.unit_price for ln in docs[-1].lines] == [D("310.17"), D("155.60")]
    assert docs[-1].totals()[0] == D("775.94")  # 2 x 310.17 + 155.60
    assert [ln.unit_price for ln in docs[-2].lines] == [D(300), D("150.50")]


def test_an_amount_typed_beside_lines_is_not_billed_and_a_warning_says_so():
    docs, findings = plan(book(contract(), contract_lines=SUPPORT))
    assert docs[1].totals()[0] == D("750.50")
    f, = [f for f in findings if f.code == "CONTRACT-AMOUNT"]
    assert f.severity == "warning" and (f.sheet, f.row, f.column) == ("Contrats", 2,
                                                                       "Montant HT par période")
    assert "750.50" in f.message and "1000" in f.message


def test_a_contract_line_without_a_price_or_a_contract_with_nothing_to_bill_is_refused():
    bad = dict(SUPPORT[0], unit_price=None)
    docs, findings = plan(book(contract(amount=None), contract(id="K2", amount=None),
                               contract_lines=[bad]))
    assert docs == []
    found = [(f.code, f.row, f.ref) for f in findings if f.code == "CONTRACT-INVALID"]
    assert found == [("CONTRACT-INVALID", 2, "K1"), ("CONTRACT-INVALID", 3, "K2")]
    assert "ni montant ni lignes" in next(f for f in findings if f.ref == "K2").message


def test_the_contract_po_goes_on_its_invoices_and_a_client_requiring_one_is_not_billed_without():
    docs, findings = plan(book(contract(client="C2"), contract(id="K2", client="C2",
                                                               po="4500012345")))
    assert {d.sources[0].split(":")[1] for d in docs} == {"k2"}
    assert {d.po for d in docs} == {"4500012345"}
    f, = [f for f in findings if f.code == "GEN-PO"]  # once for the contract, not per period
    assert (f.severity, f.sheet, f.row, f.ref) == ("error", "Contrats", 2, "K1")


def test_an_end_date_inside_the_notice_is_a_warning_and_billing_follows_the_typed_end():
    # 3 months' notice given on 10 September: the contract may end on 10 December at the
    # earliest; an end on 31 October is too early.
    k = contract(end=date(2026, 10, 31), notice_months=3, notice_date=date(2026, 9, 10))
    docs, findings = plan(book(k))
    assert [d.sources[0] for d in docs] == ["contrat:k1:2026-09-01", "contrat:k1:2026-10-01"]
    f, = [f for f in findings if f.code == "CONTRACT-NOTICE"]
    assert (f.severity, f.sheet, f.row, f.column) == ("warning", "Contrats", 2, "Fin")
    assert "10/12/2026" in f.message and "3 mois" in f.message
    ok = contract(end=date(2026, 12, 31), notice_months=3, notice_date=date(2026, 9, 10))
    assert not [f for f in plan(book(ok))[1] if f.code == "CONTRACT-NOTICE"]
    undated = contract(end=date(2026, 12, 31), notice_months=3)
    f, = [f for f in plan(book(undated))[1] if f.code == "CONTRACT-NOTICE"]
    assert f.column == "Résiliation notifiée le"
    ctx = ctx_of(book(k))
    check_leaks(ctx)  # the check job says it too
    assert [f.code for f in ctx.findings].count("CONTRACT-NOTICE") == 1


# ----------------------------------------------------------------------------- property
def expected_due(k: dict, until: date) -> dict[date, date]:
    """An independent oracle: walk the months one by one; a calendar period starts on a
    month whose index is a multiple of its length; its due date by the rules of the
    module docstring. {period start: due date}."""
    n = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}[k["period"]]
    out = {}
    y, m = k["start"].year, 1
    end = k.get("end")
    while date(y, m, 1) <= until:
        if (m - 1) % n == 0:
            start = date(y, m, 1)
            ny, nm = (y + (m - 1 + n) // 12, (m - 1 + n) % 12 + 1)
            stop = date(ny, nm, 1) - timedelta(days=1)
            if stop >= k["start"] and (end is None or start <= end):
                day = k["billing_day"]
                if k["timing"] == "advance":
                    last = (date(y + m // 12, m % 12 + 1, 1) - timedelta(days=1)).day
                    due = max(date(y, m, min(day, last)), k["start"])
                else:
                    last = (date(ny + nm // 12, nm % 12 + 1, 1) - timedelta(days=1)).day
                    due = date(ny, nm, min(day, last))
                if due <= until:
                    out[start] = due
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


contracts_st = st.fixed_dictionaries({
    "period": st.sampled_from(["monthly", "quarterly", "half_yearly", "yearly"]),
    "timing": st.sampled_from(["advance", "arrears"]),
    "billing_day": st.integers(1, 31),
    "start": st.dates(date(2025, 1, 1), date(2026, 12, 31)),
    "length": st.none() | st.integers(0, 700),
})


@settings(max_examples=60, deadline=None)
@given(st.lists(contracts_st, min_size=1, max_size=4),
       st.lists(st.integers(1, 75), min_size=1, max_size=12))
def test_every_due_period_is_billed_exactly_once_and_none_early(specs, gaps):
    """Runs every few days or months (gaps in days, reruns on the same day with 0), each
    billing what the planner plans and writing its lines to the workbook, as the job does;
    at the end every period due is billed once, and none before its due date."""
    rows = []
    for j, s in enumerate(specs):
        end = None if s["length"] is None else s["start"] + timedelta(days=s["length"])
        rows.append(contract(id=f"K{j}", period=s["period"], timing=s["timing"],
                             billing_day=s["billing_day"], start=s["start"], end=end))
    t = book(*rows)
    day = date(2025, 1, 1)
    billed: dict[str, date] = {}
    for gap in gaps + [0]:  # the last run repeats the one before
        day = day + timedelta(days=gap)
        docs, _ = plan(t, day)
        for d in docs:
            source = d.sources[0]
            assert source not in billed, f"{source} billed twice"
            billed[source] = day
            t["LignesFacture"].append({"invoice": "X", "label": d.lines[0].label,
                                           "quantity": D(1), "unit_price": d.lines[0].unit_price,
                                           "vat_rate": R20, "source": source})
    expected = {}
    for r in rows:
        for start, due in expected_due(r, day).items():
            expected[f"contrat:{r['id'].lower()}:{start.isoformat()}"] = due
    assert set(billed) == set(expected)
    for source, when in billed.items():
        assert expected[source] <= when, f"{source} billed early"


def test_periods_of_a_contract_tile_its_days_without_gap_or_overlap():
    ps = list(periods(date(2026, 2, 14), date(2027, 5, 3), 3, 10, True, date(2030, 1, 1)))
    assert ps[0].first == date(2026, 2, 14) and ps[-1].last == date(2027, 5, 3)
    for a, b in itertools.pairwise(ps):
        assert b.first == a.last + timedelta(days=1)


def test_due_periods_skips_what_the_caller_says_is_billed():
    ctx = ctx_of(book(contract()))
    got = due_periods(ctx, TODAY, billed={"contrat:k1:2026-09-01"})
    assert [d.source for d in got] == ["contrat:k1:2026-10-01", "contrat:k1:2026-11-01"]


# ----------------------------------------------------------------------------- the demo
def test_the_demo_contracts_are_billed_to_date_but_a_missed_month_and_this_month():
    from pyfuncs.demo.data import demo_data
    data = demo_data(TODAY)
    assert [k["status"] for k in data.tables["Contrats"]] == \
        ["active", "active", "active", "suspended", "active"]
    ctx = ctx_of(data.tables, TODAY, data.settings)
    docs = [d for d in plan_invoices(ctx, TODAY).documents
            if d.sources[0].startswith("contrat:")]
    # CT-001 bills on the 20th: November is due, after the last run; CT-005 (in arrears)
    # skipped August, due on 10 September and still owed: caught up
    assert [d.sources for d in docs] == [["contrat:ct-001:2026-11-01"],
                                         ["contrat:ct-005:2026-08-01"]]
    assert docs[0].lines[0].unit_price == D("1450.00")
    assert not [f for f in ctx.findings if f.code.startswith(("CONTRACT", "GEN-"))]
    ctx = ctx_of(data.tables, TODAY, data.settings)
    check_leaks(ctx)
    assert [(f.code, f.ref) for f in ctx.findings if "CONTRACT" in f.code] == \
        [("LEAK-CONTRACT", "CT-005")]
    # the yearly licence was revised in January by the Syntec values typed in Indices
    licence = [ln for ln in data.tables["LignesFacture"]
               if ln["source"] == "contrat:ct-003:2026-01-01"]
    s0 = data.tables["Contrats"][2]["base_index"]
    s1 = next(i["value"] for i in data.tables["Indices"] if i["month"] == date(2026, 1, 1))
    assert licence[0]["unit_price"] == (D("9600.00") * s1 / s0).quantize(D("0.01"))
    hosting = {ln["label"] for ln in data.tables["LignesFacture"]
               if ln["source"] == "contrat:ct-002:2026-10-01"}
    assert hosting == {"Hébergement serveur dédié – octobre 2026 – décembre 2026",
                       "Infogérance – octobre 2026 – décembre 2026"}
