"""The consistency rules on small hand-made workbooks, on the demo, and as properties.

A clean workbook (every rule's correct case) gives no error and no warning; each test
then breaks one thing and expects exactly the finding that names it.
"""
from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal as D
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import luhn

from pyfuncs.adapters.cells import col_letter
from pyfuncs.domain import schema as S
from pyfuncs.domain.checks import check_workbook, leaks_by_client
from pyfuncs.domain.checks.mentions import latest_legal_due
from pyfuncs.domain.checks.numbering import split_number
from pyfuncs.domain.checks.quotes import is_deposit
from pyfuncs.domain.computed import compute_all
from pyfuncs.domain.context import fold_label
from pyfuncs.domain.findings import ERROR, INFO, WARNING

TODAY = date(2026, 11, 23)


# --------------------------------------------------------------------------- fakes
@dataclass
class FakeTable:
    """What the reader gives a rule: sheet, rows, typed input columns, labels, cells."""

    sheet: str
    rows: list[int]
    cols: dict[str, list]
    labels: dict[str, str]
    letters: dict[str, str] = field(default_factory=dict)

    def cell(self, key: str, row: int) -> str:
        return f"{self.letters[key]}{row}" if key in self.letters else ""


def views(tables: dict[str, list[dict]], lang: str = "fr") -> dict[str, FakeTable]:
    """Row dicts -> fake tables, rows numbered from 2 under the header, as in a sheet."""
    out = {}
    for name, rows in tables.items():
        t = S.table(name)
        out[name] = FakeTable(
            S.sheet_name(t.sheet, lang), list(range(2, len(rows) + 2)),
            {c.key: [r.get(c.key) for r in rows] for c in t.columns if not c.computed},
            {c.key: c.label(lang) for c in t.columns},
            {c.key: col_letter(k + t.first_col) for k, c in enumerate(t.columns)})
    return out


def run(tables: dict[str, list[dict]], settings_: dict, today: date = TODAY,
        lang: str = "fr", leak_days: int = 15):
    tv = views(tables, lang)
    computed = compute_all({k: v.cols for k, v in tv.items()}, today)
    findings = check_workbook(tv, computed, settings_, today, lang, leak_days)
    # amounts are grouped with no-break spaces, so that a wrapped cell never splits them
    return [replace(f, message=spaces(f.message), fix=spaces(f.fix)) for f in findings]


def spaces(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def siren_of(n: int) -> str:
    body = f"{n:08d}"
    return body + luhn.calc_check_digit(body)


def fr_vat(siren: str) -> str:
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def siret_of(siren: str) -> str:
    return siren + "0001" + luhn.calc_check_digit(siren + "0001")


SELLER = siren_of(73282932)
C1, C2 = siren_of(44306184), siren_of(55210055)
R20, R0 = D("0.2"), D(0)


def line(inv, label, qty, price, rate=R20):
    return {"invoice": inv, "label": label, "quantity": D(qty), "unit_price": D(price),
            "vat_rate": rate}


def qline(quote, version, label, qty, price, rate=R20):
    return {"quote": quote, "version": version, "label": label, "quantity": D(qty),
            "unit_price": D(price), "vat_rate": rate}


def invoice(id_, number, day, client, *, type_="invoice", quote=None, version=None, po=None,
            credited=None, terms="30d", due=None, status="issued"):
    return {"id": id_, "type": type_, "number": number, "issue_date": day, "client": client,
            "quote": quote, "quote_version": version, "po": po, "credited": credited,
            "terms": terms, "due_date": due if due is not None else
            (day + timedelta(days=30) if day and status != "draft" else None),
            "currency": "EUR", "status": status}


def clean_settings() -> dict:
    return {
        "seller_name": "Altiplano Ingénierie", "seller_legal_form": "SAS",
        "seller_capital": D("50000.00"), "seller_address": "18 rue de la Villette",
        "seller_postcode": "69003", "seller_city": "Lyon", "seller_country": "FR",
        "seller_siren": SELLER, "seller_siret": siret_of(SELLER), "seller_vat": fr_vat(SELLER),
        "seller_rcs": "RCS Lyon", "seller_iban": "FR7630006000011234567890189",
        "early_payment_discount": "Pas d'escompte pour paiement anticipé.",
        "recovery_indemnity": D(40), "penalty_rate": None, "eom_convention": "days_then_eom",
    }


def clean_tables() -> dict[str, list[dict]]:
    """Every case the rules know, done right."""
    client = {"legal_form": "SAS", "address": "1 rue de la Paix", "postcode": "75002",
                  "city": "Paris", "billing_email": "factures@client.example", "po_required": "no"}
    clients = [
        dict(client, id="C1", name="Alpha SAS", siren=C1, siret=siret_of(C1),
             vat_number=fr_vat(C1), country="FR"),
        dict(client, id="C2", name="Beta SARL", siren=C2, siret=None, vat_number=fr_vat(C2),
             country="FR", po_required="yes"),
        dict(client, id="C3", name="Kessler GmbH", siren=None, siret=None,
             vat_number="DE136695976", country="DE", postcode="70565", city="Stuttgart"),
        dict(client, id="C4", name="Lémanix SA", siren=None, siret=None,
             vat_number="CHE-116.281.710 MWST", country="CH", postcode="1007",
             city="Lausanne"),
    ]
    quotes = [
        {"number": "D2026-0001", "version": 1, "client": "C1", "date": date(2026, 1, 5),
             "status": "superseded", "valid_until": date(2026, 2, 4)},
        {"number": "D2026-0001", "version": 2, "client": "C1", "date": date(2026, 1, 15),
             "status": "accepted", "valid_until": date(2026, 2, 14)},
        {"number": "D2026-0002", "version": 1, "client": "C2", "date": date(2026, 3, 20),
             "status": "accepted", "valid_until": date(2026, 4, 19), "deposit_pct": D("0.3")},
        {"number": "D2026-0003", "version": 1, "client": "C1", "date": date(2026, 9, 1),
             "status": "accepted", "valid_until": date(2026, 10, 1)},
        {"number": "D2026-0004", "version": 1, "client": "C3", "date": date(2026, 11, 2),
             "status": "sent", "valid_until": date(2026, 12, 2)},
    ]
    quote_lines = [
        qline("D2026-0001", 1, "Développement du portail", 1, "10000"),
        qline("D2026-0001", 1, "Formation des administrateurs", 2, "1400"),
        qline("D2026-0001", 2, "Développement du portail", 1, "9000"),
        qline("D2026-0001", 2, "Formation des administrateurs", 2, "1400"),
        qline("D2026-0002", 1, "Extranet fournisseurs", 1, "20000"),
        qline("D2026-0003", 1, "Entrepôt de données", 1, "30000"),
        qline("D2026-0004", 1, "Audit de sécurité", 3, "1100", R0),
    ]
    invoices = [
        invoice("F01", "FAC2026-0001", date(2026, 2, 2), "C1", quote="D2026-0001", version=2),
        invoice("F02", "FAC2026-0002", date(2026, 2, 10), "C2", po="PO-77"),
        invoice("F03", "FAC2026-0003", date(2026, 3, 2), "C3"),
        invoice("F04", "FAC2026-0004", date(2026, 3, 16), "C4", terms="45d_eom",
                due=date(2026, 4, 30)),
        invoice("F05", "AV2026-0001", date(2026, 3, 20), "C2", type_="credit_note",
                credited="FAC2026-0002", terms="on_receipt", due=date(2026, 3, 20)),
        invoice("F06", "FAC2026-0005", date(2026, 4, 1), "C2", type_="deposit",
                quote="D2026-0002", version=1, po="PO-78", terms="on_receipt",
                due=date(2026, 4, 1)),
        invoice("F07", "FAC2026-0006", date(2026, 6, 1), "C2", quote="D2026-0002", version=1,
                po="PO-78", terms="60d", due=date(2026, 7, 31)),
        invoice("F08", "FAC2026-0007", date(2026, 9, 16), "C1", quote="D2026-0003",
                version=1),
        invoice("F09", "FAC2026-0008", date(2026, 10, 30), "C1"),
        invoice("F10", None, None, "C1", status="draft"),
    ]
    lines = [
        line("F01", "Développement du portail", 1, "9000"),
        line("F01", "formation  des administrateurs", 2, "1400"),  # case and spaces differ
        line("F02", "Support applicatif – février 2026", 1, "500"),
        line("F02", "Frais de déplacement", 1, "100"),
        line("F03", "Audit de sécurité", 2, "1100", R0),
        line("F04", "Licence annuelle", 1, "800", R0),
        line("F05", "Geste commercial sur la facture FAC2026-0002", -1, "100"),
        line("F06", "Acompte de 30 % sur le devis D2026-0002", 1, "6000"),
        line("F07", "Extranet fournisseurs", 1, "20000"),
        line("F07", "Acompte FAC2026-0005 déduit", -1, "6000"),
        line("F08", "Lancement du projet – 30 % du devis D2026-0003", 1, "9000"),
        line("F09", "Assistance technique – octobre 2026", 1, "800"),
        line("F10", "Maintenance – novembre 2026", 1, "300"),
    ]
    milestones = [
        {"quote": "D2026-0003", "label": "Lancement du projet", "pct": D("0.3"),
             "amount": D(9000), "planned_date": date(2026, 9, 15), "status": "invoiced",
             "invoice": "FAC2026-0007"},
        {"quote": "D2026-0003", "label": "Livraison en recette", "pct": D("0.4"),
             "amount": D(12000), "planned_date": date(2026, 11, 16), "status": "ready"},
        {"quote": "D2026-0003", "label": "Mise en production", "pct": D("0.3"),
             "amount": D(9000), "planned_date": date(2027, 1, 15), "status": "planned"},
    ]
    time = [
        {"date": date(2026, 10, 5), "client": "C1", "project": "TMA-C1", "consultant": "Nadia",
             "quantity": D(1), "rate": D(800), "validated": "yes", "invoice": "FAC2026-0008"},
        {"date": date(2026, 11, 10), "client": "C1", "project": "TMA-C1", "consultant": "Nadia",
             "quantity": D(1), "rate": D(800), "validated": "yes", "invoice": None},
        {"date": date(2026, 10, 20), "client": "C1", "project": "TMA-C1", "consultant": "Nadia",
             "quantity": D("0.5"), "rate": D(800), "validated": "no", "invoice": None},
    ]
    payments = [
        {"date": date(2026, 3, 1), "client": "C1", "invoice": "FAC2026-0001", "amount": D("14160.00"),
             "reference": "VIR ALPHA FAC2026-0001"},
        {"date": date(2026, 3, 5), "client": "C2", "invoice": "fac2026-0002 ", "amount": D("600.00"),
             "reference": "VIR BETA 1"},
        {"date": date(2026, 7, 15), "client": "C2", "invoice": "FAC2026-0006",
             "amount": D("16800.00"), "reference": "VIR BETA SOLDE"},
        {"date": date(2026, 3, 20), "client": "C2", "invoice": "AV2026-0001", "amount": D("-120.00"),
             "reference": "Compensation"},
        {"date": date(2026, 3, 20), "client": "C2", "invoice": "FAC2026-0002", "amount": D("120.00"),
             "reference": "Compensation"},
        {"date": date(2026, 3, 30), "client": "C3", "invoice": "FAC2026-0003", "amount": D("2200.00"),
             "reference": "KESSLER"},
        {"date": date(2026, 4, 2), "client": "C2", "invoice": "FAC2026-0005", "amount": D("7200.00"),
             "reference": "VIR BETA ACOMPTE"},
        {"date": date(2026, 6, 20), "client": "C1", "invoice": None, "amount": D("500.00"),
             "reference": "VIR ALPHA AVANCE"},
    ]
    penalty = [
        {"start": date(2026, 1, 1), "end": date(2026, 6, 30), "ecb_rate": D("0.0215"),
             "penalty_rate": D("0.1215"), "legal_rate": D("0.0262")},
        {"start": date(2026, 7, 1), "end": date(2026, 12, 31), "ecb_rate": D("0.0215"),
             "penalty_rate": D("0.1215"), "legal_rate": None},
    ]
    return {"Clients": clients, "Devis": quotes, "LignesDevis": quote_lines,
            "Factures": invoices, "LignesFacture": lines, "Echeances": milestones,
            "Temps": time, "Paiements": payments, "TauxPenalite": penalty}


@pytest.fixture
def book() -> tuple[dict[str, list[dict]], dict]:
    return copy.deepcopy(clean_tables()), clean_settings()


def of(findings, code: str) -> list:
    return [f for f in findings if f.code == code]


def only(findings, code: str):
    hits = of(findings, code)
    assert len(hits) == 1, [(f.code, f.row, f.message) for f in findings if f.severity != INFO]
    return hits[0]


def problems(findings) -> list:
    return [(f.code, f.sheet, f.row, f.message) for f in findings if f.severity != INFO]


# --------------------------------------------------------------------------- clean
def test_a_correct_workbook_gives_no_error_and_no_warning(book):
    findings = run(*book)
    assert problems(findings) == []
    infos = Counter(f.code for f in findings)
    # what remains to invoice on the milestone quote, and the payment applied to nothing
    assert infos == {"QUOTE-REMAINING": 1, "PAY-UNAPPLIED": 1}
    remaining = only(findings, "QUOTE-REMAINING")
    assert (remaining.sheet, remaining.row, remaining.ref) == ("Devis", 5, "D2026-0003")
    assert "21 000,00 €" in remaining.message


def test_english_messages_when_the_workbook_is_in_english(book):
    tables, settings_ = book
    tables["Clients"][0]["siren"] = None
    f = only(run(tables, settings_, lang="en"), "MENTION-CLIENT")
    assert f.message.startswith("Client Alpha SAS: SIREN missing")
    assert f.sheet == "Clients" and f.column == "SIREN" and f.cell == "E2"  # after Particulier


# --------------------------------------------------------------------------- quotes
def test_an_invoice_to_another_client_than_the_quotes_is_the_wrong_billing_entity(book):
    tables, settings_ = book
    tables["Factures"][0]["client"] = "C2"
    tables["Factures"][0]["po"] = "PO-1"
    f = only(run(tables, settings_), "QUOTE-CLIENT")
    assert (f.severity, f.sheet, f.row, f.column, f.ref, f.cell) == \
        (ERROR, "Factures", 2, "Client", "FAC2026-0001", "E2")
    assert "C2" in f.message and "C1" in f.message


def test_an_invoice_from_a_superseded_version_is_an_error_unless_issued_before_it(book):
    tables, settings_ = book
    inv = tables["Factures"][0]
    inv["quote_version"] = 1
    for ql in tables["LignesFacture"][:1]:
        ql["unit_price"] = D(10000)
    f = only(run(tables, settings_), "QUOTE-VERSION")
    assert (f.severity, f.row, f.column) == (ERROR, 2, "Version devis")
    assert "version 1" in f.message and "remplacé" in f.message and "la 2" in f.message
    inv["issue_date"] = date(2026, 1, 10)  # before version 2 existed: it was the accepted one
    inv["number"] = "FAC2025-0099"
    assert of(run(tables, settings_), "QUOTE-VERSION") == []


def test_an_invoice_from_a_quote_never_accepted_is_an_error(book):
    tables, settings_ = book
    tables["Factures"][2]["quote"] = "D2026-0004"
    f = only(run(tables, settings_), "QUOTE-VERSION")
    assert f.row == 4 and "aucune version acceptée" in f.message and "envoyé" in f.message


def test_two_accepted_versions_and_a_version_that_does_not_exist(book):
    tables, settings_ = book
    tables["Devis"][0]["status"] = "accepted"
    tables["Factures"][0]["quote_version"] = 3
    findings = of(run(tables, settings_), "QUOTE-VERSION")
    assert [(f.severity, f.sheet, f.row) for f in findings] == [(WARNING, "Devis", 2),
                                                                (ERROR, "Factures", 2)]
    assert "(1, 2)" in findings[0].message and "version 3" in findings[1].message


def test_deposit_lines_and_their_deduction_are_not_quote_lines():
    assert is_deposit(fold_label("Acompte FAC2026-0003 déduit"))
    assert is_deposit(fold_label("Less deposit FAC2026-0003"))
    assert is_deposit(fold_label("30% deposit on quote D2026-0002"))
    assert not is_deposit(fold_label("Développement du portail"))


def test_an_invoice_naming_a_quote_that_does_not_exist_is_reported(book):
    tables, settings_ = book
    tables["Factures"][1]["quote"] = "D2099-0001"
    f = only(run(tables, settings_), "QUOTE-UNKNOWN")
    assert (f.severity, f.row, f.column) == (WARNING, 3, "N° devis")


def test_lines_must_keep_the_quotes_unit_price_and_vat_rate(book):
    tables, settings_ = book
    tables["LignesFacture"][0]["unit_price"] = D(9500)
    tables["LignesFacture"][1]["vat_rate"] = D("0.1")
    findings = of(run(tables, settings_), "QUOTE-LINE")
    assert [(f.severity, f.sheet, f.row, f.column) for f in findings] == [
        (ERROR, "Lignes de facture", 2, "Prix unitaire HT"),
        (ERROR, "Lignes de facture", 3, "Taux TVA")]
    assert "9 500,00 €" in findings[0].message and "9 000,00 €" in findings[0].message
    assert "10 %" in findings[1].message and "20 %" in findings[1].message


def test_a_line_not_on_the_quote_and_a_quantity_above_it_are_reported(book):
    tables, settings_ = book
    tables["LignesFacture"][1]["quantity"] = D(3)
    tables["LignesFacture"].append(line("F01", "Travaux supplémentaires", 2, "950"))
    findings = run(tables, settings_)
    hits = {(f.severity, f.row, f.column) for f in of(findings, "QUOTE-LINE")}
    assert hits == {(ERROR, 3, "Quantité"), (WARNING, len(tables["LignesFacture"]) + 1,
                                               "Désignation")}


def test_a_lower_quantity_is_a_partial_invoice_worth_a_warning_only(book):
    tables, settings_ = book
    tables["LignesFacture"][1]["quantity"] = D(1)
    tables["Paiements"][0]["amount"] = D("12480.00")
    f = only(run(tables, settings_), "QUOTE-LINE")
    assert (f.severity, f.column) == (WARNING, "Quantité")


def test_a_quote_line_billed_again_by_a_second_invoice_is_an_error(book):
    tables, settings_ = book
    tables["Factures"].append(invoice("F11", "FAC2026-0009", date(2026, 11, 2), "C1",
                                      quote="D2026-0001", version=2))
    tables["LignesFacture"].append(line("F11", "Formation des administrateurs", 1, "1400"))
    findings = run(tables, settings_)
    f = only(findings, "QUOTE-LINE")
    assert (f.severity, f.row, f.ref) == (ERROR, len(tables["LignesFacture"]) + 1,
                                          "FAC2026-0009")
    assert "3 facturés" in f.message and "prévoit 2" in f.message
    over = only(findings, "QUOTE-OVERBILLED")
    assert (over.sheet, over.row, over.ref) == ("Factures", len(tables["Factures"]) + 1,
                                                "D2026-0001")
    assert "1 400,00 €" in over.message


def test_over_billing_is_net_of_credit_notes_and_a_draft_that_would_exceed_is_caught(book):
    tables, settings_ = book
    tables["Factures"].append(invoice("F11", None, None, "C2", quote="D2026-0002", version=1,
                                      po="PO-79", status="draft"))
    tables["LignesFacture"].append(line("F11", "Extranet fournisseurs", "0.1", "20000"))
    f = only(run(tables, settings_), "QUOTE-OVERBILLED")
    assert (f.row, f.ref) == (len(tables["Factures"]) + 1, "D2026-0002")
    assert "2 000,00 €" in f.message and "0,00 €" in f.fix
    # a credit note on the over-billing brings it back within the quote: no error
    tables["Factures"][-1].update(number="FAC2026-0009", status="issued",
                                  issue_date=date(2026, 11, 3), due_date=date(2026, 12, 3))
    assert len(of(run(tables, settings_), "QUOTE-OVERBILLED")) == 1
    tables["Factures"].append(invoice("F12", "AV2026-0002", date(2026, 11, 4), "C2",
                                      type_="credit_note", credited="FAC2026-0009",
                                      terms="on_receipt", due=date(2026, 11, 4)))
    tables["LignesFacture"].append(line("F12", "Extranet fournisseurs", "-0.1", "20000"))
    assert of(run(tables, settings_), "QUOTE-OVERBILLED") == []


# --------------------------------------------------------------------------- VAT
def test_a_rate_not_in_force_on_the_date_is_an_error_with_the_2014_change_explained(book):
    tables, settings_ = book
    tables["LignesFacture"][2]["vat_rate"] = D("0.196")
    findings = run(tables, settings_)
    f = only(findings, "VAT-RATE")
    assert (f.sheet, f.row, f.column, f.ref) == ("Lignes de facture", 4, "Taux TVA",
                                                 "FAC2026-0002")
    assert "19,6 %" in f.message and "1er janvier 2014" in f.message
    arith = only(findings, "VAT-ARITH")  # the VAT formula does not count 19.6 %
    assert (arith.sheet, arith.row, arith.column) == ("Factures", 3, "TVA")
    assert "98,00 €" in arith.message and "19,6 %" in arith.message


def test_historical_rates_are_accepted_before_2014_and_refused_after(book):
    tables, settings_ = book
    tables["Factures"][1].update(number="FAC2013-0001", issue_date=date(2013, 6, 3),
                                 due_date=date(2013, 7, 3))
    tables["Factures"][4]["credited"] = "FAC2013-0001"
    tables["Paiements"][1]["invoice"] = tables["Paiements"][2]["invoice"] = "FAC2013-0001"
    tables["Paiements"][4]["invoice"] = "FAC2013-0001"
    for k in (2, 3, 6):  # the invoice and its credit note, dated by the invoice
        tables["LignesFacture"][k]["vat_rate"] = D("0.196")
    findings = run(tables, settings_)
    assert of(findings, "VAT-RATE") == []
    tables["LignesFacture"][2]["vat_rate"] = R20
    assert only(run(tables, settings_), "VAT-RATE").row == 4


def test_zero_rate_for_a_french_client_needs_a_legal_reason(book):
    tables, settings_ = book
    tables["LignesFacture"][3]["vat_rate"] = R0
    f = only(run(tables, settings_), "VAT-ZERO")
    assert (f.severity, f.row, f.ref) == (ERROR, 5, "FAC2026-0002")
    assert "Frais de déplacement" in f.message


def test_an_eu_business_billed_french_vat_should_be_reverse_charged(book):
    tables, settings_ = book
    tables["LignesFacture"][4]["vat_rate"] = R20
    f = only(run(tables, settings_), "VAT-REVERSE")
    assert (f.severity, f.sheet, f.row, f.column) == (ERROR, "Factures", 4, "TVA")
    assert "440,00 €" in f.message and "DE136695976" in f.message


def test_reverse_charge_needs_the_clients_and_the_sellers_vat_numbers(book):
    tables, settings_ = book
    tables["Clients"][2]["vat_number"] = None
    f = only(run(tables, settings_), "VAT-REVERSE")
    assert (f.row, f.column) == (4, "Client") and "Kessler" not in f.message
    tables["Clients"][2]["vat_number"] = "DE136695976"
    settings_["seller_vat"] = None
    findings = run(tables, settings_)
    assert only(findings, "VAT-REVERSE").message.startswith("1 facture(s) en autoliquidation")
    assert any(f.code == "MENTION-SELLER" and "TVA" in f.message for f in findings)


def test_french_vat_to_a_business_outside_the_eu_is_a_warning(book):
    tables, settings_ = book
    tables["LignesFacture"][5]["vat_rate"] = R20
    f = only(run(tables, settings_), "VAT-NON-EU")
    assert (f.severity, f.row) == (WARNING, 5) and "CH" in f.message


# --------------------------------------------------------------------------- numbering
def test_series_are_split_by_the_prefix_before_the_trailing_digits():
    assert split_number("FAC2026-0007") == ("FAC2026-", 7, 4)
    assert split_number("AV/2026/12") == ("AV/2026/", 12, 2)
    assert split_number("FACTURE") is None


def test_a_gap_a_duplicate_and_dates_going_backwards_are_errors(book):
    tables, settings_ = book
    inv = tables["Factures"]
    inv[8]["number"] = "FAC2026-0010"  # 0008 and 0009 missing
    inv[7].update(issue_date=date(2026, 5, 15), due_date=date(2026, 6, 14))  # before 0006
    inv[3]["number"] = "fac2026-0003"  # the same number written otherwise: 0004 is missing
    tables["Paiements"][4]["invoice"] = "fac2026-0003"
    tables["Temps"][0]["invoice"] = "FAC2026-0010"
    findings = run(tables, settings_)
    gaps = of(findings, "NUM-GAP")
    assert [(f.row, f.ref) for f in gaps] == [(7, "FAC2026-0005"), (10, "FAC2026-0010")]
    assert "FAC2026-0004 manquant" in gaps[0].message
    assert "FAC2026-0008 à FAC2026-0009 (2)" in gaps[1].message
    order = only(findings, "NUM-ORDER")
    assert (order.row, order.column) == (9, "Date") and "15/05/2026" in order.message
    dup = only(findings, "NUM-DUPLICATE")
    assert dup.row == 5 and "ligne 4" in dup.message


def test_a_yearly_series_whose_year_the_workbook_covers_must_start_at_one(book):
    tables, settings_ = book
    tables["Factures"].insert(0, invoice("F00", "FAC2025-0042", date(2025, 12, 1), "C1"))
    tables["LignesFacture"].append(line("F00", "Support", 1, "100"))
    tables["Paiements"].append({"date": date(2025, 12, 20), "client": "C1",
                                    "invoice": "FAC2025-0042", "amount": D("120.00")})
    assert of(run(tables, settings_), "NUM-GAP") == []  # 2025 starts before the workbook
    tables["Factures"][1]["number"] = None
    tables["Factures"][1]["status"] = "draft"
    findings = run(tables, settings_)
    gap = only(findings, "NUM-GAP")
    assert gap.ref == "FAC2026-0002" and "FAC2026-0001 manquant" in gap.message


def test_numbers_breaking_the_e_invoice_rules_are_refused(book):
    tables, settings_ = book
    tables["Factures"][1]["number"] = "FAC 2026/0002é"
    tables["Factures"][2]["number"] = "F" * 31 + "-0003"
    findings = of(run(tables, settings_), "NUM-FORMAT")
    assert [f.row for f in findings if f.severity == ERROR] == [3, 4]
    assert "' '" in findings[0].message and "'é'" in findings[0].message
    assert "36 caractères" in findings[1].message


def test_drafts_carry_no_number_and_issued_documents_carry_one_and_a_date(book):
    tables, settings_ = book
    tables["Factures"][9]["number"] = "FAC2026-0009"
    tables["Factures"][8]["number"] = None
    tables["Factures"][2]["issue_date"] = None
    findings = run(tables, settings_)
    assert only(findings, "NUM-DRAFT").row == 11
    assert only(findings, "NUM-MISSING").row == 10
    assert only(findings, "MENTION-DATE").row == 4


def test_a_credit_note_names_an_issued_invoice_of_its_client_and_never_exceeds_it(book):
    tables, settings_ = book
    tables["Factures"][4]["credited"] = None
    assert only(run(tables, settings_), "CREDIT-REF").column == "Facture d'origine"
    tables["Factures"][4]["credited"] = "FAC2026-0001"
    assert "C1" in only(run(tables, settings_), "CREDIT-REF").message
    tables["Factures"][4]["credited"] = "FAC2026-0002"
    tables["LignesFacture"][6]["quantity"] = D(-8)
    findings = run(tables, settings_)
    over = only(findings, "CREDIT-OVER")
    assert "960,00 €" in over.message and "720,00 €" in over.message


def test_a_positive_credit_note_is_an_error(book):
    tables, settings_ = book
    tables["LignesFacture"][6]["quantity"] = D(1)
    tables["Paiements"][3]["amount"] = D("120.00")
    f = only(run(tables, settings_), "CREDIT-SIGN")
    assert (f.severity, f.row) == (ERROR, 6)


# --------------------------------------------------------------------------- mentions
def test_each_missing_seller_mention_is_one_finding_on_its_setting(book):
    tables, settings_ = book
    settings_.update(seller_siren=None, seller_capital=None, seller_rcs="",
                     seller_postcode=" ")
    tables["Parametres"] = [{"key": k, "value": v} for k, v in settings_.items()]
    findings = of(run(tables, settings_), "MENTION-SELLER")
    keys = [k for k in settings_]
    rows = {f.row: f for f in findings}
    assert set(rows) == {keys.index(k) + 2 for k in ("seller_siren", "seller_capital",
                                                      "seller_rcs", "seller_postcode")}
    assert all(f.sheet == "Paramètres" and f.column == "Valeur" and f.severity == ERROR
               for f in findings)
    assert "SAS" in rows[keys.index("seller_capital") + 2].message


def test_an_individual_business_needs_no_share_capital(book):
    tables, settings_ = book
    settings_.update(seller_legal_form="EI", seller_capital=None, seller_rcs=None)
    assert of(run(tables, settings_), "MENTION-SELLER") == []


def test_a_french_client_without_siren_is_an_error_once_it_is_mandatory(book):
    tables, settings_ = book
    tables["Clients"][0]["siren"] = None
    f = only(run(tables, settings_), "MENTION-CLIENT")
    assert (f.severity, f.row, f.column, f.ref) == (ERROR, 2, "SIREN", "C1")
    assert "1er septembre 2026" in f.message
    assert only(run(tables, settings_, today=date(2026, 6, 1)),
                "MENTION-CLIENT").severity == WARNING


def test_a_client_without_address_is_a_warning_until_it_is_invoiced(book):
    tables, settings_ = book
    tables["Clients"].append(dict(tables["Clients"][0], id="C5", address=None,
                                  siren=siren_of(12345678)))
    f = only(run(tables, settings_), "MENTION-CLIENT")
    assert (f.severity, f.row, f.column) == (WARNING, 6, "Adresse")
    tables["Clients"][0]["address"] = ""
    assert {f.severity for f in of(run(tables, settings_), "MENTION-CLIENT")} == \
        {ERROR, WARNING}


def test_a_half_typed_delivery_address_names_the_blank_cells_and_a_whole_one_is_fine(book):
    tables, settings_ = book
    tables["Clients"][0].update(delivery_address="ZI Nord, quai 4", delivery_city="Saint-Denis")
    f = only(run(tables, settings_), "MENTION-CLIENT")
    assert (f.severity, f.row, f.column, f.ref) == (ERROR, 2, "CP de livraison", "C1")
    assert "le code postal de livraison" in f.message
    tables["Clients"][0]["delivery_postcode"] = "93200"
    assert of(run(tables, settings_), "MENTION-CLIENT") == []


def test_an_issued_invoice_needs_a_due_date_not_before_its_date(book):
    tables, settings_ = book
    tables["Factures"][1]["due_date"] = None
    tables["Factures"][2]["due_date"] = date(2026, 2, 1)
    findings = of(run(tables, settings_), "MENTION-DUE")
    assert [(f.row, f.column) for f in findings] == [(3, "Échéance"), (4, "Échéance")]
    assert "30 jours" not in findings[0].message and "30d" in findings[0].message


def test_terms_beyond_60_days_or_45_days_end_of_month_are_illegal(book):
    tables, settings_ = book
    # 16 March: +60 days = 15 May; EOM then +45 = 15 May; +45 then EOM = 30 April
    tables["Factures"][3]["due_date"] = date(2026, 5, 15)
    assert of(run(tables, settings_), "TERMS-LIMIT") == []
    tables["Factures"][3]["due_date"] = date(2026, 5, 16)
    f = only(run(tables, settings_), "TERMS-LIMIT")
    assert (f.severity, f.row, f.column) == (ERROR, 5, "Échéance")
    assert "61 jours" in f.message and "15/05/2026" in f.fix
    assert latest_legal_due(date(2026, 1, 31)) == date(2026, 4, 1)  # +60 days
    assert latest_legal_due(date(2026, 1, 20)) == date(2026, 3, 31)  # +45 then EOM
    assert latest_legal_due(date(2026, 3, 2)) == date(2026, 5, 15)  # EOM then +45


def test_a_penalty_rate_below_three_times_the_legal_rate_is_an_error(book):
    tables, settings_ = book
    settings_["penalty_rate"] = D("0.05")
    f = only(run(tables, settings_), "MENTION-PENALTY")
    assert f.severity == ERROR and "7,86 %" in f.message and "2,62 %" in f.message
    settings_["penalty_rate"] = D("0.0786")
    assert of(run(tables, settings_), "MENTION-PENALTY") == []
    f = only(run(tables, settings_, today=date(2027, 1, 4)), "MENTION-PENALTY")
    assert (f.severity, f.sheet, f.row) == (WARNING, "Paramètres", 3)  # no 2027 row


def test_indemnity_and_discount_mentions(book):
    tables, settings_ = book
    settings_.update(recovery_indemnity=D(20), early_payment_discount="")
    findings = run(tables, settings_)
    assert only(findings, "MENTION-INDEMNITY").severity == ERROR
    assert only(findings, "MENTION-DISCOUNT").severity == WARNING


def test_a_client_requiring_a_purchase_order_gets_none(book):
    tables, settings_ = book
    tables["Factures"][6]["po"] = None
    f = only(run(tables, settings_), "MENTION-PO")
    assert (f.row, f.column, f.ref) == (8, "N° commande", "FAC2026-0006")


def test_a_client_owed_money_without_billing_email_cannot_be_reminded(book):
    tables, settings_ = book
    tables["Clients"][1]["billing_email"] = None  # C2: 120.00 open on FAC2026-0002...
    tables["Paiements"][4]["amount"] = D(0)  # ...once the compensation is undone
    f = only(run(tables, settings_), "REMIND-NO-EMAIL")
    assert (f.row, f.column, f.ref) == (3, "Email facturation", "C2")
    assert "120,00 €" in f.message
    tables["Clients"][2]["billing_email"] = None  # C3 owes nothing: no finding
    assert len(of(run(tables, settings_), "REMIND-NO-EMAIL")) == 1
    tables["Clients"][0]["billing_email"] = None  # C1 has two open invoices
    assert len(of(run(tables, settings_), "REMIND-NO-EMAIL")) == 2


# --------------------------------------------------------------------------- identifiers
def test_identifiers_are_checked_with_their_check_digits(book):
    tables, settings_ = book
    c = tables["Clients"][0]
    c["siren"] = C1[:-1] + str((int(C1[-1]) + 1) % 10)
    findings = run(tables, settings_)
    assert only(findings, "ID-SIREN").message.startswith("SIREN « ")
    c["siren"] = C1
    c["siret"] = siret_of(C2)
    assert "ne commence pas" in only(run(tables, settings_), "ID-SIRET").message
    c["siret"] = siret_of(C1)
    c["vat_number"] = fr_vat(C2)
    f = only(run(tables, settings_), "ID-VAT")
    assert fr_vat(C1) in f.message and f.column == "N° TVA"
    c["vat_number"] = "FR00" + C1
    assert "clé de contrôle" in only(run(tables, settings_), "ID-VAT").message


def test_a_vat_number_of_another_country_and_a_bad_seller_iban(book):
    tables, settings_ = book
    tables["Clients"][2]["country"] = "AT"
    settings_["seller_iban"] = "FR7630006000011234567890188"
    findings = run(tables, settings_)
    assert only(findings, "ID-VAT").severity == WARNING
    assert only(findings, "ID-IBAN").sheet == "Paramètres"


def test_swiss_and_monaco_numbers_use_their_own_rules(book):
    tables, settings_ = book
    tables["Clients"][3]["vat_number"] = "CHE-116.281.711 MWST"
    assert only(run(tables, settings_), "ID-VAT").ref == "C4"


# --------------------------------------------------------------------------- payments
def test_a_payment_to_an_unknown_invoice_and_to_a_misspelt_one(book):
    tables, settings_ = book
    tables["Paiements"][5]["invoice"] = "FAC2024-0341"
    tables["Paiements"][6]["invoice"] = "FAC 2026-0005"
    findings = of(run(tables, settings_), "PAY-UNKNOWN")
    assert [(f.severity, f.row, f.column) for f in findings] == [
        (ERROR, 7, "N° facture"), (WARNING, 8, "N° facture")]
    assert "2 200,00 €" in findings[0].message and "FAC2026-0005" in findings[1].message


def test_a_payment_on_another_clients_invoice(book):
    tables, settings_ = book
    tables["Paiements"][5]["client"] = "c1 "
    f = only(run(tables, settings_), "PAY-OTHER-CLIENT")
    assert f.row == 7 and "C3" in f.message


def test_the_payment_that_takes_an_invoice_past_its_total_is_reported(book):
    tables, settings_ = book
    tables["Paiements"].insert(0, {"date": date(2026, 2, 20), "client": "C1",
                                       "invoice": "FAC2026-0001", "amount": D("1000.00"),
                                       "reference": "VIR ALPHA ACOMPTE"})
    f = only(run(tables, settings_), "PAY-OVER")
    assert (f.row, f.ref) == (3, "FAC2026-0001")  # the later payment crossed the total
    assert "15 160,00 €" in f.message and "1 000,00 €" in f.message


def test_the_same_amount_date_and_reference_twice_is_a_probable_duplicate(book):
    tables, settings_ = book
    tables["Paiements"].append(dict(tables["Paiements"][5]))
    tables["Paiements"][-1]["invoice"] = None
    findings = run(tables, settings_)
    f = only(findings, "PAY-DUPLICATE")
    assert (f.severity, f.row) == (WARNING, 10) and "ligne 7" in f.message


def test_an_unapplied_payment_is_information_naming_the_invoice_it_may_pay(book):
    tables, settings_ = book
    tables["Paiements"][4]["amount"] = D(0)  # FAC2026-0002 keeps 120.00 open
    tables["Paiements"].append({"date": date(2026, 7, 1), "client": "C2", "invoice": None,
                                    "amount": D("120.00"), "reference": "VIR BETA"})
    tables["Paiements"].append({"date": date(2026, 7, 2), "client": None, "invoice": None,
                                    "amount": D("50.00"), "reference": None})
    findings = of(run(tables, settings_), "PAY-UNAPPLIED")
    assert [(f.severity, f.row) for f in findings] == [(INFO, 9), (INFO, 10), (WARNING, 11)]
    assert "FAC2026-0002 a exactement ce reste dû" in findings[1].message


# --------------------------------------------------------------------------- leaks
def test_a_ready_milestone_left_uninvoiced_is_a_leak_after_the_grace_days(book):
    tables, settings_ = book
    assert of(run(tables, settings_), "LEAK-MILESTONE") == []  # ready for 7 days only
    tables["Echeances"][1]["planned_date"] = date(2026, 10, 1)
    f = only(run(tables, settings_), "LEAK-MILESTONE")
    assert (f.severity, f.sheet, f.row, f.ref) == (WARNING, "Échéances", 3, "D2026-0003")
    assert "12 000,00 €" in f.message and "01/10/2026" in f.message
    tables["Echeances"][1]["planned_date"] = None
    assert "sans date prévue" in only(run(tables, settings_), "LEAK-MILESTONE").message


def test_validated_time_of_a_closed_month_not_invoiced_is_a_leak_per_client_and_month(book):
    tables, settings_ = book
    tables["Temps"][0]["invoice"] = None
    tables["Temps"].append(dict(tables["Temps"][0], quantity=D(2)))
    tables["Temps"].append(dict(tables["Temps"][0], date=date(2026, 9, 30)))
    findings = of(run(tables, settings_), "LEAK-TIME")
    assert [(f.row, f.ref) for f in findings] == [(6, "C1"), (2, "C1")]
    assert "2026-09" in findings[0].message and "2 400,00 €" in findings[1].message
    assert "2 temps" in findings[1].message


def test_an_accepted_quote_not_invoiced_past_its_validity_is_a_leak(book):
    tables, settings_ = book
    tables["Devis"].append({"number": "D2026-0005", "version": 1, "client": "C2",
                                "date": date(2026, 9, 1), "status": "accepted",
                                "valid_until": date(2026, 10, 1)})
    tables["LignesDevis"].append(qline("D2026-0005", 1, "Audit", 4, "1100"))
    findings = run(tables, settings_)
    f = only(findings, "LEAK-QUOTE")
    assert (f.row, f.ref) == (7, "D2026-0005") and "4 400,00 €" in f.message
    assert leaks_by_client(views(tables), compute_all(
        {k: v.cols for k, v in views(tables).items()}, TODAY), TODAY) == {"C2": D("4400.00")}
    # within the grace days after its validity, it is only what remains to invoice
    tables["Devis"][-1]["valid_until"] = date(2026, 11, 15)
    assert of(run(tables, settings_), "LEAK-QUOTE") == []
    assert len(of(run(tables, settings_), "QUOTE-REMAINING")) == 2


def test_a_draft_already_made_for_a_quote_lowers_what_is_at_stake(book):
    tables, settings_ = book
    tables["Devis"].append({"number": "D2026-0005", "version": 1, "client": "C2",
                                "date": date(2026, 9, 1), "status": "accepted",
                                "valid_until": date(2026, 10, 1)})
    tables["LignesDevis"].append(qline("D2026-0005", 1, "Audit", 4, "1100"))
    tables["Factures"].append(invoice("F11", None, None, "C2", quote="D2026-0005",
                                      version=1, po="PO-80", status="draft"))
    tables["LignesFacture"].append(line("F11", "Audit", 3, "1100"))
    findings = run(tables, settings_)
    f = only(findings, "LEAK-QUOTE")
    assert "4 400,00 € restent" in f.message
    tv = views(tables)
    computed = compute_all({k: v.cols for k, v in tv.items()}, TODAY)
    assert leaks_by_client(tv, computed, TODAY) == {"C2": D("1100.00")}


def test_leaks_by_client_adds_every_kind_of_leak(book):
    tables, _ = book
    tables["Echeances"][1]["planned_date"] = date(2026, 10, 1)
    tables["Temps"][0]["invoice"] = None
    tv = views(tables)
    computed = compute_all({k: v.cols for k, v in tv.items()}, TODAY)
    assert leaks_by_client(tv, computed, TODAY) == {"C1": D("12800.00")}
    assert leaks_by_client(tv, computed, TODAY, leak_days=90) == {"C1": D("800.00")}


# --------------------------------------------------------------------------- robustness
def test_missing_tables_and_columns_skip_their_rules_without_failing(book):
    tables, settings_ = book
    del tables["LignesDevis"], tables["Echeances"], tables["Temps"]
    for row in tables["Factures"]:
        del row["po"]
    findings = run(tables, settings_)
    assert not of(findings, "CHECK-FAILED")
    assert run({}, {}) and not of(run({}, {}), "CHECK-FAILED")  # the seller mentions


def test_a_rule_that_meets_data_it_cannot_handle_reports_it_and_the_others_still_run(
        book, monkeypatch):
    from pyfuncs.domain import checks

    def broken(ctx):
        raise TypeError("'<' not supported between 'str' and 'date'")

    monkeypatch.setattr(checks, "RULES", (checks.RULES[0], (("numérotation", "numbering"),
                                                             broken)) + checks.RULES[2:])
    tables, settings_ = book
    tables["Clients"][0]["siren"] = None
    findings = run(tables, settings_)
    failed = only(findings, "CHECK-FAILED")
    assert failed.severity == WARNING and "« numérotation »" in failed.message
    assert "TypeError" in failed.message
    assert of(findings, "MENTION-CLIENT")  # the rules after it ran


def test_dates_typed_as_text_do_not_stop_the_numbering_checks(book):
    tables, settings_ = book
    tables["Factures"][3]["issue_date"] = "16/03/2026"
    findings = run(tables, settings_)
    assert not of(findings, "CHECK-FAILED")
    assert only(findings, "MENTION-DATE").row == 5


def test_the_garbage_collector_is_paused_during_the_run_and_restored_after(book):
    import gc
    assert gc.isenabled()
    run(*book)
    assert gc.isenabled()
    gc.disable()
    try:
        run(*book)
        assert not gc.isenabled()  # a caller that paused it keeps it paused
    finally:
        gc.enable()


# --------------------------------------------------------------------------- properties
rates = st.sampled_from([D("0.2"), D("0.1"), D("0.055"), D("0.021"), D(0)])
amounts = st.decimals(min_value=D(-500), max_value=D(5000), places=2)
quantities = st.decimals(min_value=D("0.5"), max_value=D(40), places=1)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(quantities, amounts, rates), min_size=1, max_size=6),
                min_size=1, max_size=8))
def test_the_formula_columns_always_hold_round_base_times_rate_per_rate(invoices):
    """Why VAT-ARITH only recomputes invoices with an odd rate: at the rates in force,
    the formula columns equal money.vat_by_rate on the lines, whatever the lines."""
    from pyfuncs.domain.money import line_net, vat_by_rate
    rows, lines = [], []
    for n, inv_lines in enumerate(invoices):
        rows.append({"id": f"F{n}", "number": None, "due_date": None})
        for qty, price, rate in inv_lines:
            lines.append({"invoice": f"F{n}", "quantity": qty, "unit_price": price,
                          "vat_rate": rate})
    keys = ("id", "number", "due_date")
    computed = compute_all({"Factures": {k: [r[k] for r in rows] for k in keys},
                            "LignesFacture": {k: [x[k] for x in lines] for k in lines[0]}},
                           TODAY)["Factures"]
    for n, inv_lines in enumerate(invoices):
        per_rate = vat_by_rate([(line_net(q, p), r) for q, p, r in inv_lines])
        assert computed["vat"][n] == sum(v for _, v in per_rate.values())
        assert computed["net"][n] == sum(b for b, _ in per_rate.values())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=25, unique=True))
def test_every_gap_in_a_series_is_reported_once_and_nothing_else(counters):
    counters.sort()
    client = {"id": "C1", "name": "Alpha", "country": "FR", "address": "1 rue", "postcode": "75001",
                  "city": "Paris", "siren": C1, "billing_email": "a@b.example"}
    invoices = [invoice(f"F{c}", f"FAC2026-{c:04d}", date(2026, 1, 1) + timedelta(days=c),
                        "C1") for c in counters]
    findings = run({"Clients": [client], "Factures": invoices}, clean_settings())
    gaps = of(findings, "NUM-GAP")
    expected = [c for p, c in pairwise(counters) if c > p + 1]
    assert [f.ref for f in gaps] == [f"FAC2026-{c:04d}" for c in expected]
    assert [f for f in findings if f.severity == ERROR and f.code != "NUM-GAP"] == []


# --------------------------------------------------------------------------- the demo
PLANTED_CODES = {"missing_siren": "MENTION-CLIENT", "milestone_not_invoiced": "LEAK-MILESTONE",
                 "over_billing": "QUOTE-OVERBILLED",
                 "vat_rate_differs_from_quote": "QUOTE-LINE",
                 "payment_unknown_invoice": "PAY-UNKNOWN"}


@pytest.mark.parametrize("today, size, seed", [(date(2026, 11, 23), None, 2026),
                                               (date(2026, 11, 23), 2000, 2026),
                                               (date(2026, 3, 1), None, 7)])
def test_every_planted_mistake_of_the_demo_is_found_and_no_other_error(today, size, seed):
    demo_data = pytest.importorskip("pyfuncs.demo.data").demo_data
    data = demo_data(today, invoices=size, seed=seed)
    findings = run(data.tables, data.settings, today=today)
    sheet = {t.name: S.sheet_name(t.sheet, "fr") for t in S.TABLES}
    planted = {(PLANTED_CODES[p["kind"]], sheet[p["table"]], p["row"] + 2)
               for p in data.planted}
    assert len(planted) == len(data.planted) == 5
    found = {(f.code, f.sheet, f.row) for f in findings}
    assert planted <= found
    unexplained = [(f.code, f.sheet, f.row, f.message) for f in findings
                   if f.severity == ERROR and (f.code, f.sheet, f.row) not in planted]
    assert unexplained == []
    assert not of(findings, "CHECK-FAILED")


def test_without_a_yearly_reset_a_series_runs_across_years_without_a_gap(book):
    tables, settings_ = book
    tables["Factures"].append(invoice("F40", "FAC2027-0009", date(2027, 1, 4), "C1"))
    tables["LignesFacture"].append(line("F40", "Maintenance – janvier 2027", 1, "300"))
    reset = run(tables, {**settings_, "yearly_reset": "yes"}, today=date(2027, 1, 10))
    assert [f.message for f in of(reset, "NUM-GAP")] == [
        ("Trou dans la série FAC2027- : FAC2027-0001 à FAC2027-0008 (8) manquant(s) avant "
         "FAC2027-0009.")]
    assert not of(run(tables, {**settings_, "yearly_reset": "no"}, today=date(2027, 1, 10)),
                  "NUM-GAP")
