"""What "Générer les factures" plans, on the hand-made workbook of the check tests.

Amounts are computed by hand in the comments: the totals must be right to the cent.
"""
from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from pyfuncs.domain.computed import compute_all
from pyfuncs.domain.context import Ctx
from pyfuncs.domain.invoicing import Document, NewLine, allocate, document_content, plan_invoices
from tests.unit.test_checks import (
    R0,
    R20,
    clean_settings,
    clean_tables,
    invoice,
    line,
    qline,
    views,
)

TODAY = date(2026, 11, 23)
R55 = D("0.055")


def plan(tables, day: date = TODAY, settings=None):
    tv = views(tables)
    computed = compute_all({k: v.cols for k, v in tv.items()}, day)
    ctx = Ctx(tv, computed, settings or clean_settings(), day, "fr")
    return plan_invoices(ctx, day)


def book():
    return copy.deepcopy(clean_tables())


def by_source(p, prefix):
    return [d for d in p.documents if any(s.startswith(prefix) for s in d.sources)]


def test_the_clean_book_plans_only_the_milestone_ready_to_invoice():
    p = plan(book())
    assert [d.sources for d in p.documents] == [["jalon:d2026-0003:livraison en recette"]]
    doc = p.documents[0]
    assert doc.kind == "invoice" and doc.client == "C1" and doc.quote == "D2026-0003"
    assert [(ln.label, ln.net, ln.vat_rate) for ln in doc.lines] == [
        ("Livraison en recette – Entrepôt de données", D("12000.00"), R20)]
    assert doc.totals() == (D("12000.00"), D("2400.00"), D("14400.00"))
    assert doc.milestones == [1]
    assert doc.due_date == date(2026, 12, 23)  # C1 has no terms: the default, 30 days
    assert not [f for f in p.findings if f.severity == "error"]


def test_an_accepted_quote_with_a_deposit_gets_a_deposit_invoice_split_per_vat_rate():
    t = book()
    t["Devis"].append({"number": "D2026-0009", "version": 1, "client": "C1", "date": date(2026, 11, 2),
                           "status": "accepted", "deposit_pct": D("0.3")})
    t["LignesDevis"] += [qline("D2026-0009", 1, "Étude", 1, "1000.05"),
                         qline("D2026-0009", 1, "Livres", 3, "33.33", R55)]
    # net 1000.05 + 99.99 = 1100.04; 30 % = 330.012 -> 330.01, split 1000.05 : 99.99
    doc, = by_source(plan(t), "acompte:")
    assert doc.kind == "deposit"
    # 330.01 x 1000.05 / 1100.04 = 300.0135 -> 300.01; x 99.99 / 1100.04 = 29.9965 -> 30.00
    assert [(ln.net, ln.vat_rate) for ln in doc.lines] == [(D("300.01"), R20), (D("30.00"), R55)]
    assert all("Acompte de 30 % sur le devis D2026-0009" in ln.label for ln in doc.lines)


def test_a_delivered_quote_is_billed_in_full_less_its_deposit_per_vat_rate():
    t = book()
    t["Devis"].append({"number": "D2026-0009", "version": 1, "client": "C1", "date": date(2026, 6, 2),
                           "status": "accepted", "deposit_pct": D("0.3"),
                           "delivered": date(2026, 11, 20)})
    t["LignesDevis"] += [qline("D2026-0009", 1, "Étude", 1, "1000"),
                         qline("D2026-0009", 1, "Livres", 2, "50", R55)]
    t["Factures"].append(invoice("F20", "FAC2026-0009", date(2026, 11, 2), "C1",
                                 type_="deposit", quote="D2026-0009", version=1))
    t["LignesFacture"] += [line("F20", "Acompte de 30 % sur le devis D2026-0009 (TVA 20 %)", 1,
                                "300"),
                           line("F20", "Acompte de 30 % sur le devis D2026-0009 (TVA 5,5 %)",
                                1, "30", R55)]
    doc, = by_source(plan(t), "solde:")
    labels = [ln.label for ln in doc.lines]
    assert labels[:2] == ["Étude", "Livres"]
    assert labels[2].startswith("Acompte FAC2026-0009 du 02/11/2026 déduit")
    # 20 %: 1000 - 300 = 700 -> VAT 140; 5.5 %: 100 - 30 = 70 -> VAT 3.85
    assert doc.totals() == (D("770.00"), D("143.85"), D("913.85"))


def test_a_delivered_quote_without_deposit_or_milestones_gets_one_full_invoice():
    t = book()
    t["Devis"].append({"number": "D2026-0009", "version": 1, "client": "C1", "date": date(2026, 6, 2),
                           "status": "accepted", "delivered": date(2026, 11, 20)})
    t["LignesDevis"] += [qline("D2026-0009", 1, "Livres", 1, "1.00", R55),
                         qline("D2026-0009", 1, "Revues", 1, "1.00", R55)]
    doc, = by_source(plan(t), "solde:")
    # per rate on the total (BR-CO-17): 2.00 x 5.5 % = 0.11, not 2 x round(0.055) = 0.12
    assert doc.totals() == (D("2.00"), D("0.11"), D("2.11"))
    assert doc.subject == "Devis D2026-0009"


def test_a_quote_delivered_after_the_issue_date_is_not_billed_yet():
    t = book()
    t["Devis"].append({"number": "D2026-0009", "version": 1, "client": "C1", "date": date(2026, 6, 2),
                           "status": "accepted", "delivered": date(2026, 11, 30)})
    t["LignesDevis"].append(qline("D2026-0009", 1, "Étude", 1, "1000"))
    assert not by_source(plan(t), "solde:")


def test_only_the_latest_accepted_version_of_a_quote_is_billed():
    t = book()
    t["Devis"] += [{"number": "D2026-0009", "version": 1, "client": "C1", "date": date(2026, 6, 2),
                        "status": "superseded", "delivered": date(2026, 11, 20)},
                   {"number": "D2026-0009", "version": 2, "client": "C1", "date": date(2026, 6, 9),
                        "status": "accepted", "delivered": date(2026, 11, 20)}]
    t["LignesDevis"] += [qline("D2026-0009", 1, "Étude", 1, "1000"),
                         qline("D2026-0009", 2, "Étude", 1, "900")]
    doc, = by_source(plan(t), "solde:")
    assert doc.quote_version == 2 and doc.totals()[0] == D("900.00")


def test_an_eu_business_client_is_reverse_charged_at_zero():
    t = book()
    t["Devis"].append({"number": "D2026-0009", "version": 1, "client": "C3", "date": date(2026, 6, 2),
                           "status": "accepted", "delivered": date(2026, 11, 20)})
    t["LignesDevis"].append(qline("D2026-0009", 1, "Audit", 1, "1000"))
    doc, = by_source(plan(t), "solde:")
    assert [ln.vat_rate for ln in doc.lines] == [R0]
    assert doc.totals() == (D("1000.00"), D("0.00"), D("1000.00"))


def test_a_client_that_requires_a_po_is_not_billed_without_one_and_the_rest_still_is():
    t = book()
    t["Devis"].append({"number": "D2026-0009", "version": 1, "client": "C2", "date": date(2026, 6, 2),
                           "status": "accepted", "delivered": date(2026, 11, 20)})
    t["LignesDevis"].append(qline("D2026-0009", 1, "Audit", 1, "1000"))
    p = plan(t)
    assert not by_source(p, "solde:")
    assert [f.code for f in p.findings if f.severity == "error"] == ["GEN-PO"]
    assert by_source(p, "jalon:")  # the milestone of another quote is still planned
    t["Devis"][-1]["po"] = "PO-99"
    doc, = by_source(plan(t), "solde:")
    assert doc.po == "PO-99"


def test_validated_time_of_closed_months_is_billed_per_client_project_and_month():
    t = book()
    t["Temps"] += [
        {"date": date(2026, 10, 6), "client": "C1", "project": "TMA-C1", "consultant": "Nadia",
             "quantity": D(2), "rate": D(800), "validated": "yes"},
        {"date": date(2026, 10, 7), "client": "C1", "project": "TMA-C1", "consultant": "Paul",
             "quantity": D("0.5"), "rate": D(650), "validated": "yes"},
        {"date": date(2026, 10, 8), "client": "C1", "project": "TMA-C1", "consultant": "Nadia",
             "quantity": D(1), "rate": D(800), "validated": "yes"},
        {"date": date(2026, 9, 8), "client": "C1", "project": "TMA-C1", "consultant": "Nadia",
             "quantity": D(1), "rate": D(800), "validated": "yes"},
    ]
    docs = by_source(plan(t), "temps:")
    assert [len(d.time_entries) for d in docs] == [1, 3]  # September, then October
    october = docs[1]
    assert [(ln.label, ln.quantity, ln.unit_price) for ln in october.lines] == [
        ("Nadia – octobre 2026 – TMA-C1", D(3), D(800)),
        ("Paul – octobre 2026 – TMA-C1", D("0.5"), D(650))]
    assert october.totals() == (D("2725.00"), D("545.00"), D("3270.00"))
    assert len(set(october.sources)) == 3


def test_a_draft_marked_to_issue_is_issued_with_its_own_lines_and_a_plain_draft_is_not():
    t = book()
    p = plan(t)
    assert not [d for d in p.documents if d.draft is not None]  # F10 is a mere draft
    t["Factures"][-1]["status"] = "to_issue"
    doc, = [d for d in plan(t).documents if d.draft is not None]
    assert doc.draft == 9 and doc.draft_lines and doc.totals()[2] == D("360.00")


def test_a_draft_to_issue_without_lines_is_a_finding_not_a_document():
    t = book()
    t["Factures"].append(invoice("F30", None, None, "C1", status="to_issue"))
    p = plan(t)
    assert [f.code for f in p.findings if f.severity == "error"] == ["GEN-NO-LINES"]
    assert not [d for d in p.documents if d.draft == len(t["Factures"]) - 1]


def test_a_credit_note_without_lines_cancels_the_invoice_in_full():
    t = book()
    t["Factures"].append(invoice("F30", None, None, "C1", type_="credit_note",
                                 credited="fac2026-0008", status="to_issue"))
    doc, = [d for d in plan(t).documents if d.kind == "credit_note"]
    assert doc.credited == "FAC2026-0008" and doc.credited_date == date(2026, 10, 30)
    assert [(ln.label, ln.quantity) for ln in doc.lines] == [
        ("Assistance technique – octobre 2026", D(-1))]
    assert doc.totals() == (D("-800.00"), D("-160.00"), D("-960.00"))
    assert not doc.draft_lines


def test_a_credit_note_may_not_credit_more_than_is_left_on_the_invoice():
    t = book()
    for ref in ("F30", "F31"):  # two full cancellations of the same invoice
        t["Factures"].append(invoice(ref, None, None, "C1", type_="credit_note",
                                     credited="FAC2026-0008", status="to_issue"))
    p = plan(t)
    assert len([d for d in p.documents if d.kind == "credit_note"]) == 1
    assert [f.code for f in p.findings if f.severity == "error"] == ["GEN-CREDIT-OVER"]


def test_a_credit_note_naming_no_issued_invoice_is_refused():
    t = book()
    t["Factures"].append(invoice("F30", None, None, "C1", type_="credit_note",
                                 credited="FAC2099-0001", status="to_issue"))
    p = plan(t)
    assert [f.code for f in p.findings if f.severity == "error"] == ["GEN-CREDIT"]
    assert p.findings[-1].row == len(t["Factures"]) + 1


@given(st.integers(-10**9, 10**9),
       st.lists(st.integers(1, 10**8), min_size=1, max_size=12))
def test_allocation_splits_an_amount_exactly_to_the_cent(cents, weights):
    amount = D(cents) / 100
    shares = allocate(amount, [D(w) / 100 for w in weights])
    assert sum(shares) == amount
    assert all(s == s.quantize(D("0.01")) for s in shares)


def test_the_legal_content_ignores_formatting_but_not_amounts():
    a = document_content("FAC2026-0001", "invoice", TODAY, "C1", "",
                         [("Étude  du projet", D("1.50"), D(100), D("0.20"))])
    b = document_content("FAC2026-0001", "invoice", TODAY, "c1 ", "",
                         [("Étude du projet", 1.5, 100.0, 0.2)])
    c = document_content("FAC2026-0001", "invoice", TODAY, "C1", "",
                         [("Étude du projet", D("1.5"), D("100.01"), D("0.2"))])
    assert a == b and a != c
    assert a["total"] == "180"


def test_a_document_total_is_vat_per_rate_on_the_totals():
    doc = Document("invoice", "C1", "", [NewLine("a", D(1), "", D("1.00"), R55),
                                          NewLine("b", D(1), "", D("1.00"), R55),
                                          NewLine("c", D(3), "", D("0.35"), R20)],
                   [], TODAY, "30d", None)
    # 5.5 %: 2.00 -> 0.11; 20 %: 1.05 -> 0.21
    assert doc.totals() == (D("3.05"), D("0.32"), D("3.37"))
