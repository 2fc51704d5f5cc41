"""`facturier pdf` end to end: real workbooks issued by `generate`, real PDFs, their
Factur-X XML checked against the XSD, the EN 16931 rules and the French rules, their text
read back with pdftotext, their fonts with pdffonts, and veraPDF when it is installed."""
from __future__ import annotations

import copy
import hashlib
import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal as D
from functools import partial
from pathlib import Path

import facturx
import pytest
from lxml import etree

from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.documents.pdf import render as pdf_render
from pyfuncs.domain import schema as S
from pyfuncs.jobs.documents import PDF_TABLES, documents_of, run_pdf
from pyfuncs.jobs.invoicing import run_generate
from pyfuncs.jobs.load import load
from pyfuncs.jobs.template import build_workbook
from tests.integration.test_generate import TODAY
from tests.integration.test_generate import workbook as generate_workbook
from tests.support.en16931 import FX_RULES, failed_asserts, fatal, xsd_errors
from tests.unit.test_checks import clean_settings, clean_tables, line

NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
      "ram": "urn:un:unece:uncefact:data:standard:"
             "ReusableAggregateBusinessInformationEntity:100"}
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="poppler-utils (pdftotext, pdffonts) not installed")


def _issued(tmp_path: Path) -> Path:
    path = generate_workbook(tmp_path)
    run_generate(path, TODAY)
    return path


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> tuple[Path, Path, object]:
    tmp = tmp_path_factory.mktemp("pdf")
    path = _issued(tmp)
    result = run_pdf(path, tmp / "out", TODAY, workers=1)
    return path, tmp / "out", result


def _xml(pdf: Path) -> etree._Element:
    name, xml = facturx.get_xml_from_pdf(pdf.read_bytes(), check_xsd=False)
    assert name == "factur-x.xml"
    return etree.fromstring(xml)


def _value(root: etree._Element, path: str) -> str:
    return root.findtext(path, namespaces=NS)


def _text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    return " ".join(out.replace("\u202f", " ").replace("\u00a0", " ").split())


def test_every_issued_document_becomes_a_factur_x_valid_against_xsd_en16931_and_french_rules(
        printed):
    path, _, result = printed
    assert result.findings == [] and result.unknown == []
    loaded = load(path, TODAY, checks=False)
    inv = loaded.data.tables["Factures"]
    issued = {n: k for k, n in enumerate(inv.cols["number"]) if n}
    assert sorted(p.stem for p in result.written) == sorted(issued)
    for pdf in result.written:
        _, xml = facturx.get_xml_from_pdf(pdf.read_bytes(), check_xsd=False)
        assert xsd_errors(xml) == [], pdf.name
        assert fatal(xml) == [], pdf.name


def test_the_xml_totals_equal_the_workbook_totals_to_the_cent_credit_notes_positive(printed):
    path, out, result = printed
    loaded = load(path, TODAY, checks=False)
    inv = loaded.data.tables["Factures"]
    sums = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/" \
           "ram:SpecifiedTradeSettlementHeaderMonetarySummation/"
    codes = {"invoice": "380", "credit_note": "381", "deposit": "386"}
    seen = set()
    for k, number in enumerate(inv.cols["number"]):
        if not number:
            continue
        root = _xml(out / f"{number}.pdf")
        kind = inv.cols["type"][k]
        sign = -1 if kind == "credit_note" else 1
        net, vat, total = (loaded.column("Factures", c)[k] for c in ("net", "vat", "total"))
        assert D(_value(root, sums + "ram:TaxBasisTotalAmount")) == sign * net
        assert D(_value(root, sums + "ram:TaxTotalAmount")) == sign * vat
        assert D(_value(root, sums + "ram:GrandTotalAmount")) == sign * total
        assert D(_value(root, sums + "ram:DuePayableAmount")) == sign * total
        assert _value(root, "rsm:ExchangedDocument/ram:TypeCode") == codes[kind]
        per_rate = root.findall("rsm:SupplyChainTradeTransaction/"
                                "ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax",
                                NS)
        assert sum(D(t.findtext("ram:CalculatedAmount", namespaces=NS)) for t in per_rate) \
            == sign * vat
        seen.add(kind)
    assert seen == {"invoice", "credit_note", "deposit"}
    # the multi-rate final invoice: VAT per rate on each rate's total (BR-CO-17),
    # 5.5 % of 2.00 -> 0.11 and 20 % of 999.99 (199.998) -> 200.00
    def per_rate(pdf: Path) -> dict[str, str]:
        return {t.findtext("ram:RateApplicablePercent", namespaces=NS):
                t.findtext("ram:CalculatedAmount", namespaces=NS)
                for t in _xml(pdf).iterfind(".//ram:ApplicableHeaderTradeSettlement/"
                                            "ram:ApplicableTradeTax", NS)}
    assert {"20": "200.00", "5.5": "0.11"} in [per_rate(p) for p in result.written]


def test_the_french_notes_identifiers_and_billing_mode_are_in_the_xml(printed):
    _, out, _ = printed
    root = _xml(out / "FAC2026-0003.pdf")  # Kessler GmbH: EU reverse charge
    notes = {n.findtext("ram:SubjectCode", namespaces=NS): n.findtext("ram:Content",
                                                                        namespaces=NS)
             for n in root.iterfind("rsm:ExchangedDocument/ram:IncludedNote", NS)}
    assert set(notes) >= {"PMT", "PMD", "AAB"} and "40,00" in notes["PMT"]
    assert _value(root, "rsm:ExchangedDocumentContext/"
                  "ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID") == "S1"
    seller = root.find(".//ram:SellerTradeParty", NS)
    assert seller.find("ram:SpecifiedLegalOrganization/ram:ID", NS).get("schemeID") == "0002"
    assert seller.find("ram:URIUniversalCommunication/ram:URIID", NS).text
    buyer = root.find(".//ram:BuyerTradeParty", NS)
    assert buyer.find("ram:URIUniversalCommunication/ram:URIID", NS).text == "DE136695976"
    assert {c.text for c in root.iterfind(".//ram:CategoryCode", NS)} == {"AE"}
    credit = _xml(out / "AV2026-0002.pdf")
    assert _value(credit, ".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == \
        "FAC2026-0008"


@needs_poppler
def test_the_pdf_shows_every_mandatory_mention(printed):
    _, out, _ = printed
    text = _text(out / "FAC2026-0003.pdf")
    s = clean_settings()
    for mention in (s["seller_name"], "SAS au capital de 50 000,00 €", "RCS Lyon",
                    f"SIREN {s['seller_siren']}", s["seller_vat"], "18 rue de la Villette",
                    "Kessler GmbH", "70565 Stuttgart", "DE136695976", "FAC2026-0003",
                    "02/03/2026", "Date d'échéance", "Audit de sécurité", "1 100,00 €",
                    "2 200,00 €", "Total TTC", "Autoliquidation", "30 jours",
                    "Pas d'escompte", "12,15 %", "40,00 €", "Nature des opérations"):
        assert mention in text, mention
    credit = _text(out / "AV2026-0002.pdf")
    assert "AVOIR" in credit and "Avoir sur la facture n° FAC2026-0008 du 30/10/2026" in credit
    po = _text(out / "FAC2026-0002.pdf")
    assert "PO-77" in po
    outside = _text(out / "FAC2026-0004.pdf")
    assert "TVA non applicable, art. 259-1 du CGI" in outside


@needs_poppler
def test_fonts_are_embedded_and_the_file_declares_pdfa3b_with_an_srgb_output_intent(printed):
    _, out, _ = printed
    pdf = out / "FAC2026-0003.pdf"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # emb column
    raw = pdf.read_bytes()
    assert b"<pdfaid:part>3</pdfaid:part>" in raw and b"<pdfaid:conformance>B<" in raw
    assert b"/GTS_PDFA1" in raw and b"/DestOutputProfile" in raw
    assert b"<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in raw
    assert b"/AFRelationship /Data" in raw


def _pdf_date(value: str) -> datetime:
    """A PDF date string (ISO 32000 7.9.4), e.g. D:20261207030730Z or D:20261207040730+01'00'."""
    m = re.fullmatch(r"D:(\d{14})(Z|([+-])(\d\d)'(\d\d)'?)?", value)
    assert m, value
    stamp = datetime.strptime(m[1], "%Y%m%d%H%M%S")
    if m[2] in (None, "Z"):
        return stamp.replace(tzinfo=UTC)
    offset = timedelta(hours=int(m[4]), minutes=int(m[5]))
    return stamp.replace(tzinfo=timezone(offset if m[3] == "+" else -offset))


def test_the_embedded_xml_checksum_is_the_md5_of_the_file_and_the_info_agrees_with_the_xmp(
        printed):
    """Read with pypdf, not with what wrote it: /Params /CheckSum of the embedded
    factur-x.xml is the MD5 of the (uncompressed) file and /Size its length (ISO 32000-1
    7.11.4); the document information dictionary has what viewers show, each entry equal to
    its XMP counterpart, as PDF/A requires."""
    pypdf = pytest.importorskip("pypdf")
    _, _, result = printed
    xmp_ns = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
              "dc": "http://purl.org/dc/elements/1.1/", "pdf": "http://ns.adobe.com/pdf/1.3/",
              "xmp": "http://ns.adobe.com/xap/1.0/"}
    for path in result.written:
        reader = pypdf.PdfReader(path)
        names = reader.trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"]
        assert names[0] == "factur-x.xml"
        stream = names[1].get_object()["/EF"]["/F"].get_object()
        data = stream.get_data()
        assert data == facturx.get_xml_from_pdf(path.read_bytes(), check_xsd=False)[1]
        params = stream["/Params"]
        assert params["/CheckSum"].original_bytes == hashlib.md5(data).digest(), path.name
        assert params["/Size"] == len(data)
        assert stream.get("/Filter") == "/FlateDecode"  # compressed, yet summed uncompressed
        info = reader.metadata
        assert set(info) >= {"/Title", "/Author", "/Subject", "/Creator", "/Producer",
                             "/CreationDate", "/ModDate"}, path.name
        xmp = etree.fromstring(reader.trailer["/Root"]["/Metadata"].get_object().get_data())
        get = partial(xmp.findtext, namespaces=xmp_ns)
        assert info["/Title"] == get(".//dc:title/rdf:Alt/rdf:li") and path.stem in info["/Title"]
        assert info["/Author"] == get(".//dc:creator/rdf:Seq/rdf:li")
        assert info["/Subject"] == get(".//dc:description/rdf:Alt/rdf:li")
        assert info["/Producer"] == get(".//pdf:Producer")
        assert info["/Creator"] == get(".//xmp:CreatorTool")
        assert _pdf_date(info["/CreationDate"]) == datetime.fromisoformat(
            get(".//xmp:CreateDate"))
        assert _pdf_date(info["/ModDate"]) == datetime.fromisoformat(get(".//xmp:ModifyDate"))


@pytest.mark.skipif(shutil.which("verapdf") is None, reason="veraPDF is not installed")
def test_verapdf_finds_the_pdfs_pdfa3b_compliant(printed):
    _, _, result = printed
    done = subprocess.run(["verapdf", "--flavour", "3b", *map(str, result.written[:3])],
                          capture_output=True, text=True, timeout=300, check=False)
    assert 'isCompliant="false"' not in done.stdout and 'isCompliant="true"' in done.stdout


def test_english_clients_get_english_documents_and_a_logo_when_set(tmp_path):
    from PIL import Image
    t = copy.deepcopy(clean_tables())
    for c in t["Clients"]:
        if c["id"] == "C3":
            c["language"] = "en"
    settings = dict(clean_settings(), seller_logo="logo.png", vat_on_debits="yes")
    Image.new("RGB", (120, 40), (31, 56, 100)).save(tmp_path / "logo.png")
    path = tmp_path / "book.xlsx"
    build_workbook(path, data=t, settings=settings, today=TODAY)
    result = run_pdf(path, tmp_path / "out", TODAY, ["FAC2026-0003", "FAC2026-0001"])
    assert result.findings == [] and len(result.written) == 2
    raw = (tmp_path / "out" / "FAC2026-0003.pdf").read_bytes()
    assert b"/Subtype /Image" in raw
    if shutil.which("pdftotext"):
        text = _text(tmp_path / "out" / "FAC2026-0003.pdf")
        assert "INVOICE" in text and "Due date" in text and "€2,200.00" in text
        assert "02 Mar 2026" in text and "Autoliquidation" in text
        fr = _text(tmp_path / "out" / "FAC2026-0001.pdf")
        assert "Option pour le paiement de la taxe d'après les débits" in fr


def test_a_document_missing_a_mention_is_a_finding_with_its_cell_and_the_others_are_made(
        tmp_path):
    t = copy.deepcopy(clean_tables())
    for c in t["Clients"]:
        if c["id"] == "C2":
            c["address"] = None
    path = tmp_path / "book.xlsx"
    build_workbook(path, data=t, settings=clean_settings(), today=TODAY)
    done = subprocess.run([sys.executable, "-m", "pyfuncs.cli", "pdf", str(path), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 1, done.stderr
    assert re.search(r"Clients, row \d+, column Adresse: FAC2026-0002", done.stdout)
    made = {p.stem for p in (tmp_path / "out").glob("*.pdf")}
    assert "FAC2026-0001" in made and "FAC2026-0002" not in made
    data = read_workbook(path)
    assert data.tables["Clients"]  # the workbook is read, never written
    done = subprocess.run([sys.executable, "-m", "pyfuncs.cli", "pdf", str(path),
                           "FAC2099-0001", "--out", str(tmp_path / "out2")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "FAC2099-0001" in done.stderr


def _book(tmp_path: Path, edit) -> Path:
    t = copy.deepcopy(clean_tables())
    edit(t)
    path = tmp_path / "book.xlsx"
    build_workbook(path, data=t, settings=clean_settings(), today=TODAY)
    return path


@pytest.mark.parametrize("source, label", [
    ("déduction:FAC2026-0005", "Acompte déduit"),  # as Générer les factures writes it
    ("Acompte", "Acompte FAC2026-0005"),
    (None, "Moins l'acompte FAC2026-0005 versé"),  # a negative line naming the deposit
])
def test_a_deposit_deduction_is_recognised_however_written(tmp_path, source, label):
    def edit(t):
        deduction = next(ln for ln in t["LignesFacture"] if ln["invoice"] == "F07"
                         and ln["quantity"] < 0)
        deduction.update(source=source, label=label)
    path = _book(tmp_path, edit)
    docs, _, findings = documents_of(path, TODAY, ["FAC2026-0006"])
    assert findings == [] and len(docs) == 1
    doc = docs[0]
    assert [n for n, _ in doc.deducted] == ["FAC2026-0005"] and doc.billing_mode == "S4"
    data, xml = pdf_render(doc)
    root = etree.fromstring(xml)
    assert _value(root, ".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == \
        "FAC2026-0005"
    assert xsd_errors(xml) == [] and fatal(xml) == []
    assert all(f.code != "MENTION-DEDUCTION" for f in load(path, TODAY).findings)
    if shutil.which("pdftotext"):
        (tmp_path / "f.pdf").write_bytes(data)
        assert "Facture de solde : déduction faite de FAC2026-0005" in _text(tmp_path / "f.pdf")


def test_a_deduction_naming_no_deposit_is_a_finding_on_its_line(tmp_path):
    def edit(t):
        deduction = next(ln for ln in t["LignesFacture"] if ln["invoice"] == "F07"
                         and ln["quantity"] < 0)
        deduction.update(source="Acompte", label="Acompte déduit")
    path = _book(tmp_path, edit)
    found = [f for f in load(path, TODAY).findings if f.code == "MENTION-DEDUCTION"]
    assert len(found) == 1 and found[0].sheet == "Lignes de facture" and found[0].column == "Origine" and found[0].ref == \
        "FAC2026-0006" and "Acompte déduit" in found[0].message
    doc = documents_of(path, TODAY, ["FAC2026-0006"])[0][0]
    assert doc.deducted == [] and doc.billing_mode == "S1"


def test_lines_of_different_periods_state_each_their_own_and_a_blank_draft_date_is_reported(
        tmp_path):
    def edit(t):
        for ln in t["LignesFacture"]:
            if ln["invoice"] == "F02":
                first = ln["label"].startswith("Support")
                ln.update(service_start=date(2026, 2, 1) if first else date(2026, 2, 12),
                          service_end=date(2026, 2, 28) if first else None)
        t["LignesFacture"].append(dict(line("F10", "Installation", 1, "200"),
                                       service_start=date(2026, 10, 2)))

    path = _book(tmp_path, edit)
    docs, _, _ = documents_of(path, TODAY, ["FAC2026-0002"])
    doc = docs[0]
    assert doc.per_line and doc.service == (date(2026, 2, 1), date(2026, 2, 28))
    data, xml = pdf_render(doc)
    root = etree.fromstring(xml)
    periods = root.findall(".//ram:SpecifiedLineTradeSettlement/ram:BillingSpecifiedPeriod",
                           NS)
    assert [p.findtext(".//udt:DateTimeString", namespaces=dict(NS, udt=UDT)) for p in
            periods] == ["20260201", "20260212"]
    assert _value(root, f".//ram:ActualDeliverySupplyChainEvent//{{{UDT}}}DateTimeString"
                  ) == "20260228"
    assert xsd_errors(xml) == [] and fatal(xml) == []
    assert failed_asserts(xml, FX_RULES) == []
    if shutil.which("pdftotext"):
        (tmp_path / "f.pdf").write_bytes(data)
        text = " ".join(_text(tmp_path / "f.pdf").split())
        assert "Prestation du 01/02/2026 au 28/02/2026" in text
        assert "Prestation le 12/02/2026" in text
    blank = [f for f in load(path, TODAY).findings if f.code == "MENTION-SERVICE"]
    assert len(blank) == 1 and blank[0].sheet == "Lignes de facture" and \
        blank[0].column == "Prestation du" and blank[0].ref == "F10"


def test_goods_state_their_nature_and_a_delivery_address_only_where_it_differs(tmp_path):
    """The client's Nature column and delivery address reach the page and the XML (BT-23
    B1, ShipToTradeParty); a delivery address equal to the billing one is not repeated; a
    half-typed one is a finding on the client's cell, and that client's documents are not
    made. (Goods sold abroad: test_pdf_goods_abroad.py.)"""
    def edit(t):
        by_id = {c["id"]: c for c in t["Clients"]}
        by_id["C1"].update(nature="goods", delivery_address="ZI Nord, quai 4",
                           delivery_postcode="93200", delivery_city="Saint-Denis")
        by_id["C2"].update(delivery_address="1 rue de la Paix", delivery_postcode="75002",
                           delivery_city="Paris")
        by_id["C4"].update(delivery_address="Quai 2")
    path = _book(tmp_path, edit)
    docs, _, findings = documents_of(path, TODAY)
    made = {d.number: d for d in docs}
    where = {(f.sheet, f.column, f.ref) for f in findings}
    assert {("Clients", "CP de livraison", "FAC2026-0004"),
            ("Clients", "Ville de livraison", "FAC2026-0004")} <= where
    assert "FAC2026-0004" not in made
    goods = made["FAC2026-0001"]
    assert goods.nature == "goods" and goods.billing_mode == "B1"
    assert made["FAC2026-0002"].delivery is None and made["FAC2026-0002"].nature == "services"
    data, xml = pdf_render(goods)
    root = etree.fromstring(xml)
    ship = root.find(".//ram:ApplicableHeaderTradeDelivery/ram:ShipToTradeParty", NS)
    assert ship.findtext("ram:Name", namespaces=NS) == "Alpha SAS"
    assert [ship.findtext(f"ram:PostalTradeAddress/ram:{k}", namespaces=NS) for k in (
        "PostcodeCode", "LineOne", "CityName", "CountryID")] == [
        "93200", "ZI Nord, quai 4", "Saint-Denis", "FR"]
    assert xsd_errors(xml) == [] and fatal(xml) == [] and failed_asserts(xml, FX_RULES) == []
    if shutil.which("pdftotext"):
        page = tmp_path / "goods.pdf"
        page.write_bytes(data)
        text = _text(page)
        assert "Adresse de livraison" in text and "93200 Saint-Denis" in text
        assert "Nature des opérations : Livraisons de biens." in text
        assert "Date de la livraison" in text
        beta = tmp_path / "beta.pdf"
        beta.write_bytes(pdf_render(made["FAC2026-0002"])[0])
        assert "Adresse de livraison" not in _text(beta)


def test_a_workbook_made_before_the_nature_and_delivery_columns_still_prints_its_documents(
        tmp_path):
    """A Clients table without the four columns (as every workbook made before them): each
    is a warning and reads as empty, so the documents are printed as before, with the
    nature of Paramètres and no delivery address."""
    from pyfuncs.jobs.template import _settings_rows
    from tests.integration.test_xlsx_read import Layout, write_book
    new = ("nature", "delivery_address", "delivery_postcode", "delivery_city")
    tables = dict(clean_tables(), Parametres=_settings_rows(clean_settings(), "fr"))
    path = write_book(tmp_path / "before.xlsx", tables, layouts={"Clients": Layout(order=[
        k for k in S.table("Clients").keys if k not in new])})
    data = read_workbook(path, PDF_TABLES)
    missing = [(f.severity, f.column) for f in data.findings if f.code == "COLUMN-MISSING"]
    assert sorted(missing) == sorted(("warning", S.table("Clients").column(k).fr)
                                     for k in new)
    docs, _, findings = documents_of(path, TODAY)
    assert findings == []
    issued = [n for n in data.tables["Factures"].cols["number"] if n]
    assert sorted(d.number for d in docs) == sorted(issued)
    assert {(d.nature, d.delivery) for d in docs} == {("services", None)}
