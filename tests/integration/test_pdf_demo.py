"""Every document the demo issues, of every kind (deposits, final invoices deducting them,
credit notes, reverse charge, clients outside the EU, English clients, goods and goods with
services delivered to another address) printed and checked
against the XSD, the EN 16931 rules and the French rules; the XML totals equal the
workbook's to the cent."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import facturx
from lxml import etree

from pyfuncs.demo.job import run_demo
from pyfuncs.documents import pdf
from pyfuncs.jobs.documents import documents_of
from pyfuncs.jobs.invoicing import run_generate
from pyfuncs.jobs.load import load
from tests.support.en16931 import fatal, xsd_errors

TODAY = date(2026, 11, 23)
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"


def test_every_demo_document_is_a_valid_factur_x_with_the_books_totals(tmp_path):
    run_demo(tmp_path, today=TODAY)
    path = tmp_path / "Facturation-demo.xlsx"
    run_generate(path, TODAY)
    docs, unknown, findings = documents_of(path, TODAY)
    assert not unknown and len(docs) > 100
    # the demo plants one client without SIREN: its document is a finding, not a PDF
    assert {f.code for f in findings} <= {"PDF-CLIENT"}
    picks = {}
    for doc in docs:
        for key in (doc.kind, doc.exemption or "domestic", doc.lang,
                    "final" if doc.deducted else "plain", doc.nature):
            picks.setdefault(key, doc)
    assert set(picks) >= {"invoice", "deposit", "credit_note", "reverse_charge",
                          "outside_eu", "domestic", "en", "fr", "final", "services",
                          "goods", "both"}
    loaded = load(path, TODAY, checks=False)
    inv = loaded.data.tables["Factures"]
    row_of = {n: k for k, n in enumerate(inv.cols["number"]) if n}
    for doc in docs:  # every one: all kinds are among them (asserted above)
        data, xml = pdf.render(doc)
        _, embedded = facturx.get_xml_from_pdf(data, check_xsd=False)
        assert embedded == xml
        assert xsd_errors(xml) == [] and fatal(xml) == [], doc.number
        root = etree.fromstring(xml)
        k = row_of[doc.number]
        total = D(root.findtext(f".//{{{RAM}}}GrandTotalAmount"))
        vat = D(root.findtext(f".//{{{RAM}}}TaxTotalAmount"))
        assert total * doc.sign == loaded.column("Factures", "total")[k]
        assert vat * doc.sign == loaded.column("Factures", "vat")[k]
        code = root.findtext("{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}"
                             f"ExchangedDocument/{{{RAM}}}TypeCode")
        assert code == {"invoice": "380", "deposit": "386", "credit_note": "381"}[doc.kind]
        if doc.deducted:
            assert root.findtext(f".//{{{RAM}}}BusinessProcessSpecifiedDocumentContext"
                                 f"Parameter/{{{RAM}}}ID") == "S4"
