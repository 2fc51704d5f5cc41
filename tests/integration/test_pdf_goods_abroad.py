"""Goods sold outside France, printed end to end from real workbooks: an intra-Community
supply to an EU business (exempt, CGI art. 262 ter I, category K, VATEX-EU-IC), an export
(exempt, CGI art. 262 I, category G, VATEX-EU-G), and a "goods and services" client abroad
whose lines each carry their own category; each XML checked against the XSD, the EN 16931
rules, the French rules and the Factur-X rules (not even a warning), the page read back
with pdftotext."""
from __future__ import annotations

import copy
import shutil
import subprocess
from decimal import Decimal as D
from pathlib import Path

import pytest
from lxml import etree

from pyfuncs.documents.pdf import render as pdf_render
from pyfuncs.jobs.documents import documents_of
from pyfuncs.jobs.template import build_workbook
from tests.integration.test_generate import TODAY
from tests.support.en16931 import FX_RULES, failed_asserts, fatal, xsd_errors
from tests.unit.test_checks import clean_settings, clean_tables, line

NS = {"ram": "urn:un:unece:uncefact:data:standard:"
             "ReusableAggregateBusinessInformationEntity:100",
      "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"}
R0 = D(0)


def _book(tmp_path: Path, edit) -> Path:
    t = copy.deepcopy(clean_tables())
    edit(t)
    path = tmp_path / "book.xlsx"
    build_workbook(path, data=t, settings=clean_settings(), today=TODAY)
    return path


def _clients(t, **natures: str) -> None:
    for c in t["Clients"]:
        if c["id"] in natures:
            c["nature"] = natures[c["id"]]


def _page(tmp_path: Path, data: bytes, name: str) -> str:
    if shutil.which("pdftotext") is None:
        return ""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True,
                         text=True, check=True).stdout
    return " ".join(out.replace("\u00a0", " ").replace("\u202f", " ").split())


def _clean(xml: bytes) -> None:
    assert xsd_errors(xml) == []
    assert fatal(xml) == []  # EN 16931 (BR-IC-*, BR-G-*) and the French rules
    assert failed_asserts(xml, FX_RULES) == []  # the Factur-X rules: not even a warning


def _taxes(root: etree._Element) -> list[tuple[str | None, ...]]:
    return [tuple(t.findtext(f"ram:{k}", namespaces=NS) for k in (
        "CategoryCode", "RateApplicablePercent", "BasisAmount", "CalculatedAmount",
        "ExemptionReasonCode", "ExemptionReason"))
        for t in root.findall(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax",
                              NS)]


def test_goods_to_an_eu_business_are_an_exempt_intra_community_supply(tmp_path):
    path = _book(tmp_path, lambda t: _clients(t, C3="goods"))
    docs, _, findings = documents_of(path, TODAY, ["FAC2026-0003"])
    assert findings == [] and len(docs) == 1
    doc = docs[0]
    assert doc.exemption == "intra_eu_supply" and doc.billing_mode == "B1"
    assert [ln.category for ln in doc.lines] == ["K"]
    data, xml = pdf_render(doc)
    root = etree.fromstring(xml)
    assert _taxes(root) == [("K", "0", "2200.00", "0.00", "VATEX-EU-IC",
                             "Exonération de TVA, article 262 ter I du CGI")]
    # BR-IC-02: both VAT identifiers; BR-IC-12: the deliver-to country; BR-IC-11: BT-72
    assert root.findtext(".//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID",
                         namespaces=NS) == doc.seller.vat
    assert root.findtext(".//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID",
                         namespaces=NS) == "DE136695976"
    assert root.findtext(".//ram:ShipToTradeParty/ram:PostalTradeAddress/ram:CountryID",
                         namespaces=NS) == "DE"
    assert root.findtext(".//ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/"
                         "udt:DateTimeString", namespaces=NS) == "20260302"
    _clean(xml)
    page = _page(tmp_path, data, "ic")
    if page:
        assert "Exonération de TVA, article 262 ter I du CGI" in page
        assert "DE136695976" in page and doc.seller.vat in page
        assert "Autoliquidation" not in page
        assert "Nature des opérations : Livraisons de biens." in page


def test_goods_to_an_eu_client_without_a_valid_vat_number_are_not_exempt_a_finding(tmp_path):
    def edit(t):
        _clients(t, C3="goods")
        next(c for c in t["Clients"] if c["id"] == "C3")["vat_number"] = "DE136695970"
    path = _book(tmp_path, edit)
    docs, _, findings = documents_of(path, TODAY, ["FAC2026-0003"])
    assert docs == []
    assert [(f.code, f.sheet, f.column, f.ref) for f in findings] == [
        ("PDF-VAT", "Lignes de facture", "Taux TVA", "FAC2026-0003")]
    assert "262 ter I" in findings[0].message and "TVA" in findings[0].fix


def test_goods_exported_outside_the_eu_are_exempt_with_the_sellers_vat_number(tmp_path):
    path = _book(tmp_path, lambda t: _clients(t, C4="goods"))
    docs, _, findings = documents_of(path, TODAY, ["FAC2026-0004"])
    assert findings == [] and len(docs) == 1
    doc = docs[0]
    assert doc.exemption == "export" and [ln.category for ln in doc.lines] == ["G"]
    data, xml = pdf_render(doc)
    root = etree.fromstring(xml)
    assert _taxes(root) == [("G", "0", "800.00", "0.00", "VATEX-EU-G",
                             "Exonération de TVA, article 262 I du CGI")]
    # BR-G-02: the seller's VAT identifier
    assert root.findtext(".//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID",
                         namespaces=NS) == doc.seller.vat
    _clean(xml)
    page = _page(tmp_path, data, "export")
    if page:
        assert "Exonération de TVA, article 262 I du CGI" in page
        assert "259-1" not in page


def test_an_english_document_states_the_exemption_in_english_too(tmp_path):
    def edit(t):
        _clients(t, C3="goods")
        next(c for c in t["Clients"] if c["id"] == "C3")["language"] = "en"
    path = _book(tmp_path, edit)
    doc = documents_of(path, TODAY, ["FAC2026-0003"])[0][0]
    assert doc.lang == "en"
    data, xml = pdf_render(doc)
    reason = etree.fromstring(xml).findtext(".//ram:ExemptionReason", namespaces=NS)
    assert reason.startswith("Exonération de TVA, article 262 ter I du CGI") and \
        "intra-Community supply" in reason
    _clean(xml)
    page = _page(tmp_path, data, "en")
    if page:
        assert "intra-Community supply of goods" in page


def _mixed(t, client: str, invoice: str, natures: tuple[str | None, str | None]) -> None:
    _clients(t, **{client: "both"})
    t["LignesFacture"] = [ln for ln in t["LignesFacture"] if ln["invoice"] != invoice]
    t["LignesFacture"] += [
        dict(line(invoice, "Analyseur de spectre", 2, "1500", R0), unit="pièce",
             nature=natures[0]),
        dict(line(invoice, "Installation et mise en service", 1, "700", R0), unit="jour",
             nature=natures[1])]
    # the workbook's totals come from the lines' formulas: nothing else to change


def test_a_mixed_invoice_to_an_eu_business_has_its_goods_exempt_and_its_services_reverse_charged(
        tmp_path):
    path = _book(tmp_path, lambda t: _mixed(t, "C3", "F03", ("goods", "services")))
    docs, _, findings = documents_of(path, TODAY, ["FAC2026-0003"])
    assert findings == [] and len(docs) == 1
    doc = docs[0]
    assert [ln.category for ln in doc.lines] == ["K", "AE"] and doc.billing_mode == "M1"
    assert doc.exemptions == ["intra_eu_supply", "reverse_charge"]
    data, xml = pdf_render(doc)
    root = etree.fromstring(xml)
    assert _taxes(root) == [
        ("K", "0", "3000.00", "0.00", "VATEX-EU-IC",
         "Exonération de TVA, article 262 ter I du CGI"),
        ("AE", "0", "700.00", "0.00", "VATEX-EU-AE", "Autoliquidation")]
    _clean(xml)
    page = _page(tmp_path, data, "mixed")
    if page:
        assert "Exonération de TVA, article 262 ter I du CGI" in page
        assert "Autoliquidation" in page


def test_a_mixed_line_abroad_that_does_not_say_its_nature_is_a_finding_on_its_cell(tmp_path):
    path = _book(tmp_path, lambda t: _mixed(t, "C3", "F03", ("goods", None)))
    docs, _, findings = documents_of(path, TODAY, ["FAC2026-0003"])
    assert docs == []
    assert [(f.code, f.sheet, f.column, f.ref) for f in findings] == [
        ("PDF-VAT", "Lignes de facture", "Nature", "FAC2026-0003")]
    assert "Bien ou Service" in findings[0].fix


def test_goods_exported_and_services_out_of_scope_on_one_invoice_are_a_finding(tmp_path):
    """EN 16931 lets no VAT row beside "not subject to VAT" (BR-O-11): the finding says to
    bill them apart rather than printing an invoice every platform would refuse."""
    path = _book(tmp_path, lambda t: _mixed(t, "C4", "F04", ("goods", "services")))
    docs, _, findings = documents_of(path, TODAY, ["FAC2026-0004"])
    assert docs == []
    assert [(f.code, f.sheet, f.ref) for f in findings] == [
        ("PDF-DOCUMENT", "Factures", "FAC2026-0004")]
    assert "BR-O-11" in findings[0].message


@pytest.mark.parametrize("natures", [("goods", "goods"), ("services", "services")])
def test_a_mixed_client_abroad_whose_lines_are_all_of_one_nature_is_printed(tmp_path, natures):
    path = _book(tmp_path, lambda t: _mixed(t, "C4", "F04", natures))
    docs, _, findings = documents_of(path, TODAY, ["FAC2026-0004"])
    assert findings == [] and len(docs) == 1
    _clean(pdf_render(docs[0])[1])
