"""Every kind of document the demo issues, read back as a person and a machine would: the
page's text (pdftotext) and the embedded XML carry each mention of CGI ann. II art. 242
nonies A and Code de commerce L441-9 that applies to it (DOMAIN.md §1), and the Factur-X
rules give no warning at all. Run with -s to see the count of each mention."""
from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path

import facturx
import pytest
from lxml import etree

from pyfuncs.demo.job import run_demo
from pyfuncs.documents import pdf
from pyfuncs.documents.facturx import UNITS
from pyfuncs.documents.layout import day, labels, money, quantity
from pyfuncs.documents.model import SIREN_MANDATORY_FROM
from pyfuncs.documents.record import NATURE_LETTER
from pyfuncs.domain import schema as S
from pyfuncs.jobs.documents import documents_of
from pyfuncs.jobs.invoicing import run_generate
from pyfuncs.jobs.load import load
from tests.support.en16931 import FX_RULES, failed_asserts

TODAY = date(2026, 11, 23)
NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
      "ram": "urn:un:unece:uncefact:data:standard:"
             "ReusableAggregateBusinessInformationEntity:100",
      "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"}
pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                reason="poppler-utils (pdftotext) not installed")


def _flat(value: str) -> str:
    return " ".join(value.replace("\u00a0", " ").replace("\u202f", " ").split())


def _page(data: bytes, folder: Path, name: str) -> str:
    path = folder / f"{name}.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True,
                         text=True, check=True).stdout
    return _flat(out)


def _kinds(doc, sources: list[str]) -> set[str]:
    kinds = {"credit_note" if doc.kind == "credit_note" else doc.kind}
    if doc.deducted:
        kinds.add("final")
    if any(s.startswith(("temps:", "Temps ")) for s in sources):
        kinds.add("time")
    if any(s.startswith("contrat:") for s in sources):
        kinds.add("contract")
    if doc.exemption == "reverse_charge":
        kinds.add("reverse_charge")
    if doc.exemption == "outside_eu":
        kinds.add("export")
    if "intra_eu_supply" in doc.exemptions:
        kinds.add("goods_eu")
    if "export" in doc.exemptions:
        kinds.add("goods_export")
    if doc.nature in ("goods", "both"):
        kinds.add(doc.nature)
    return kinds


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mentions")
    run_demo(tmp, today=TODAY)
    path = tmp / "Facturation-demo.xlsx"
    run_generate(path, TODAY)
    docs, _, _ = documents_of(path, TODAY)
    loaded = load(path, TODAY, checks=False)
    lines = loaded.data.tables["LignesFacture"].cols
    inv = loaded.data.tables["Factures"].cols
    number_of = dict(zip(inv["id"], inv["number"]))
    sources: dict[str, list[str]] = {}
    for ref, source in zip(lines["invoice"], lines["source"]):
        sources.setdefault(number_of.get(ref), []).append(str(source or ""))
    return tmp, docs, sources


def test_every_demo_document_carries_every_mention_that_applies_on_the_page_and_in_the_xml(
        demo, capsys):
    tmp, docs, sources = demo
    counts: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for doc in docs:
        data, xml = pdf.render(doc)
        _, embedded = facturx.get_xml_from_pdf(data, check_xsd=False)
        assert embedded == xml
        page = _page(data, tmp, doc.number.replace("/", "_"))
        root = etree.fromstring(xml)
        xt = partial(root.findtext, namespaces=NS)
        lang, s, b = doc.lang, doc.seller, doc.buyer
        fr = lang == "fr"
        kinds.update(_kinds(doc, sources.get(doc.number, [])))
        found: list[str] = []

        def has(mention: str, on_page: bool, in_xml: bool = True, number: str = doc.number,
                found: list[str] = found) -> None:
            assert on_page, (number, mention, "page")
            assert in_xml, (number, mention, "xml")
            found.append(mention)

        has("number", doc.number in page, xt(".//rsm:ExchangedDocument/ram:ID") == doc.number)
        has("issue date", day(doc.issue_date, lang) in page,
            xt(".//ram:IssueDateTime/udt:DateTimeString") == f"{doc.issue_date:%Y%m%d}")
        has("seller name, address", _flat(s.name) in page and _flat(s.city) in page,
            xt(".//ram:SellerTradeParty/ram:Name") == s.name)
        has("seller SIREN", s.siren in page, xt(".//ram:SellerTradeParty/ram:Specified"
                                                  "LegalOrganization/ram:ID") == s.siren)
        has("seller VAT number", s.vat in page, doc.exemption == "outside_eu" or xt(
            ".//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID") == s.vat)
        has("client name, address", _flat(b.name) in page and _flat(b.city) in page,
            xt(".//ram:BuyerTradeParty/ram:Name") == b.name)
        if b.country == "FR" and not b.private and (
                b.siren or doc.issue_date >= SIREN_MANDATORY_FROM):  # a business's SIREN
            has("client SIREN", b.siren in page, xt(
                ".//ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID") == b.siren)
        if {"reverse_charge", "intra_eu_supply"} & set(doc.exemptions):
            has("client VAT number", b.vat in page, xt(
                ".//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID") == b.vat)
        items = root.findall(".//ram:IncludedSupplyChainTradeLineItem", NS)
        assert len(items) == len(doc.lines)
        for line, item in zip(doc.lines, items):
            label = _flat(line.label).split(" ")[0]
            # the unit the page shows is the one the XML codes (UN/ECE rec. 20)
            shown = line.unit or labels(lang)("no_unit")
            code = item.find(".//ram:BilledQuantity", NS).get("unitCode")
            unit_row = f"{_flat(quantity(line.quantity, lang))} {shown} "
            has("line: description, quantity, unit, unit price, VAT rate",
                label in page and unit_row in page,
                item.findtext(".//ram:SpecifiedTradeProduct/ram:Name", namespaces=NS)
                == (line.label or "-") and UNITS.get(shown.casefold(), "C62") == code)
        start, end = doc.service
        delivered = xt(".//ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/"
                       "udt:DateTimeString")
        if doc.per_line:
            shown = all(day(ln.start, lang) in page for ln in doc.lines if ln.start)
            in_xml = all(item.find(".//ram:SpecifiedLineTradeSettlement/ram:Billing"
                                   "SpecifiedPeriod", NS) is not None
                         for ln, item in zip(doc.lines, items) if ln.start)
            has("date of the service, per line", shown, in_xml and delivered is not None)
        elif start == end:
            has("date of the service", labels(lang)(
                "delivery_date" if doc.nature == "goods" else "service_date")
                in page and day(end, lang) in page, delivered == f"{end:%Y%m%d}")
        else:
            has("period of the service", day(start, lang) in page and day(end, lang) in page,
                xt(".//ram:ApplicableHeaderTradeSettlement/ram:BillingSpecifiedPeriod/"
                   "ram:StartDateTime/udt:DateTimeString") == f"{start:%Y%m%d}"
                and delivered == f"{end:%Y%m%d}")
        has("totals excl. VAT, VAT, incl. VAT", all(_flat(money(v, lang)) in page for v in (
            doc.net, doc.vat, doc.total)), xt(".//ram:GrandTotalAmount") == f"{doc.total:.2f}")
        for row in doc.vat_rows:
            has("VAT per rate", _flat(money(row.base, lang)) in page,
                any(t.findtext("ram:BasisAmount", namespaces=NS) == f"{row.base:.2f}"
                    for t in root.findall(".//ram:ApplicableHeaderTradeSettlement/"
                                          "ram:ApplicableTradeTax", NS)))
        if doc.po:
            has("client's order number", doc.po in page, xt(
                ".//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID") == doc.po)
        has("nature of the operation", labels(lang)(
            "nature", nature=S.choice_label("nature", doc.nature, lang)) in page,
            xt(".//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID")[0]
            == NATURE_LETTER[doc.nature])
        ship = root.find(".//ram:ApplicableHeaderTradeDelivery/ram:ShipToTradeParty", NS)
        if doc.delivery is not None:
            d = doc.delivery
            has("delivery address (differs from the billing address)",
                ("Adresse de livraison" if fr else "Delivery address") in page
                and _flat(d.address) in page and f"{d.postcode} {d.city}" in page,
                ship is not None and ship.findtext(".//ram:LineOne", namespaces=NS)
                == d.address and ship.findtext(".//ram:CityName", namespaces=NS) == d.city
                and ship.findtext(".//ram:PostcodeCode", namespaces=NS) == d.postcode)
        else:
            assert ("Adresse de livraison" if fr else "Delivery address") not in page
            assert ship is None or "intra_eu_supply" in doc.exemptions, doc.number
        debits = "Option pour le paiement de la taxe d'après les débits"
        if doc.vat_on_debits and not doc.exemption:
            has("VAT on debits option", debits in page)
        else:
            assert debits not in page, doc.number
        if doc.exemption == "reverse_charge":
            has("reverse charge: Autoliquidation", "Autoliquidation" in page,
                b"VATEX-EU-AE" in xml)
        if doc.exemption == "outside_eu":
            has("outside the EU: 259-1 du CGI", "259-1" in page, b"VATEX-EU-O" in xml)
        if "intra_eu_supply" in doc.exemptions:  # BR-IC-10, BR-IC-12
            has("intra-EU supply of goods: 262 ter I du CGI",
                "Exonération de TVA, article 262 ter I du CGI" in page,
                b"VATEX-EU-IC" in xml and xt(".//ram:ShipToTradeParty/ram:PostalTradeAddress/"
                                             "ram:CountryID") == b.country)
        if "export" in doc.exemptions:  # BR-G-10
            has("export of goods: 262 I du CGI",
                "Exonération de TVA, article 262 I du CGI" in page, b"VATEX-EU-G" in xml)
        notes = {n.findtext("ram:SubjectCode", namespaces=NS)
                 for n in root.findall(".//ram:IncludedNote", NS)}
        penalties = "pénalités au taux" if fr else "interest at the annual rate"
        if doc.kind == "credit_note":
            has("credit note: the invoice it credits", doc.credited in page, xt(
                ".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == doc.credited)
            lab = labels(lang)
            for absent in (penalties, _flat(lab("indemnity", amount=money(doc.indemnity,
                                                                          lang))),
                           lab("due_date"), lab("terms", terms="", due="").split(":")[0]):
                assert absent not in page, (doc.number, absent)
        else:
            has("due date", day(doc.due_date, lang) in page, xt(
                ".//ram:DueDateDateTime/udt:DateTimeString") == f"{doc.due_date:%Y%m%d}")
            has("early-payment discount or none", _flat(doc.discount or "")[:20] in page
                or ("escompte" if fr else "discount") in page, "AAB" in notes)
            if b.private:  # L441-9: the penalties and indemnity mentions are between
                # professionals; BR-FR-05 still asks the notes, which say none is owed
                content = {n.findtext("ram:SubjectCode", namespaces=NS):
                           n.findtext("ram:Content", namespaces=NS)
                           for n in root.findall(".//ram:IncludedNote", NS)}
                has("private person: no penalty, no indemnity",
                    penalties not in page and "L441-10" not in page and "D441-5" not in
                    page, "1231-6" in content["PMD"] and "D441-5" not in content["PMT"])
            else:
                has("late-payment penalty rate", penalties in page, "PMD" in notes)
                has("40 EUR recovery indemnity", _flat(money(doc.indemnity, lang)) in page,
                    "PMT" in notes)
        if doc.deducted:
            refs = {r.findtext("ram:IssuerAssignedID", namespaces=NS) for r in
                    root.findall(".//ram:InvoiceReferencedDocument", NS)}
            has("final invoice: deposits deducted", ("Facture de solde : déduction faite de"
                                                     if fr else "Final invoice: less") in page
                and all(n in page for n, _ in doc.deducted),
                refs == {n for n, _ in doc.deducted} and xt(
                    ".//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID")[1] == "4")
        counts.update(set(found))
        assert failed_asserts(xml, FX_RULES) == [], doc.number  # not even a warning
    assert set(kinds) >= {"invoice", "deposit", "final", "credit_note", "time", "contract",
                          "reverse_charge", "export", "goods", "both", "goods_eu",
                          "goods_export"}
    assert counts["delivery address (differs from the billing address)"] == \
        kinds["goods"] + kinds["both"] - kinds["goods_eu"] - kinds["goods_export"]
    assert counts["private person: no penalty, no indemnity"] > 0  # the demo's one
    with capsys.disabled():
        print(f"\n{len(docs)} documents: " + ", ".join(f"{k} {v}" for k, v in
                                                       sorted(kinds.items())))
        for mention, n in sorted(counts.items()):
            print(f"  {n:4d}  {mention}")


def test_the_vat_on_debits_option_prints_only_where_the_seller_owes_the_vat(demo):
    """A seller who opted for VAT on debits says so on its invoices (CGI 242 nonies A), but
    not on a reverse-charge or export invoice, where it owes no VAT: the demo's documents
    of each kind, printed as if the seller had opted."""
    tmp, docs, _ = demo
    debits = "Option pour le paiement de la taxe d'après les débits"
    sample = {}
    for doc in docs:
        sample.setdefault((doc.exemption, doc.lang), doc)
    assert {e for e, _ in sample} >= {"", "reverse_charge", "outside_eu"}
    for (exemption, _), doc in sample.items():
        data, xml = pdf.render(replace(doc, vat_on_debits=True))
        page = _page(data, tmp, "debits-" + doc.number)
        root = etree.fromstring(xml)
        notes = {n.findtext("ram:SubjectCode", namespaces=NS)
                 for n in root.findall(".//ram:IncludedNote", NS)}
        assert (debits in page) == (exemption == ""), doc.number
        assert ("TXD" in notes) == (exemption == ""), doc.number
        assert failed_asserts(xml, FX_RULES) == [], doc.number


MONTHS_EN = re.compile(r"\b(January|February|March|April|May|June|July|August|September|"
                       r"October|November|December)\b")
ISO_DAY = re.compile(r"\b20\d\d-\d\d-\d\d\b")


def test_an_english_demo_writes_no_english_words_or_iso_dates_into_french_documents(
        tmp_path):
    run_demo(tmp_path, today=TODAY, lang="en")
    path = next(tmp_path.glob("*.xlsx"))
    run_generate(path, TODAY)
    docs, _, _ = documents_of(path, TODAY)
    french = [d for d in docs if d.lang == "fr"]
    english = [d for d in docs if d.lang == "en"]
    assert len(french) > 100 and english
    for doc in french:
        for line in doc.lines:
            assert not MONTHS_EN.search(line.label), (doc.number, line.label)
            assert not ISO_DAY.search(line.label), (doc.number, line.label)
    contract = [ln.label for d in french for ln in d.lines if "Maintenance applicative" in
                ln.label or "Support utilisateurs" in ln.label]
    assert contract  # the contracts of French clients are billed in French
