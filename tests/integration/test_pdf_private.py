"""A private person's invoice (Clients › Particulier), printed by `facturier pdf` from a
real workbook: the page states neither the late-payment penalties of art. L441-10 C. com.
nor the recovery indemnity of art. D441-5 (art. L441-9 makes them mandatory between
professionals only, and a consumer owes neither); the Factur-X XML still carries the notes
PMD, PMT and AAB that BR-FR-05 asks of every document, PMD and PMT saying what applies to
a private person, and passes the XSD, EN 16931, the French rules and the Factur-X rules.
"""
from __future__ import annotations

import copy
import shutil
import subprocess
from decimal import Decimal as D
from pathlib import Path

import facturx
import pytest
from lxml import etree

from pyfuncs.jobs.documents import run_pdf
from pyfuncs.jobs.template import build_workbook
from tests.support.en16931 import FX_RULES, failed_asserts, fatal, xsd_errors
from tests.unit.test_checks import clean_settings, clean_tables

TODAY = __import__("datetime").date(2026, 11, 23)
NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
      "ram": "urn:un:unece:uncefact:data:standard:"
             "ReusableAggregateBusinessInformationEntity:100"}
PROFESSIONAL = ("L441-10", "D441-5", "12,15 %", "12.15%", " 40,00 €", "EUR 40.00")


def private_book(tmp_path: Path, lang: str = "fr", rates: bool = True) -> Path:
    """The clean workbook where C3 is a private person with her email as electronic
    address (scheme EM) and French VAT on her March invoice FAC2026-0003; ``rates``
    False: no penalty rate at all (neither TauxPenalite nor a contractual one)."""
    t = copy.deepcopy(clean_tables())
    for c in t["Clients"]:
        if c["id"] == "C3":
            c.update(vat_number=None, name="Anna Kessler", private="yes", legal_form=None,
                     electronic_address=None, billing_email="anna.kessler@example.org",
                     language=lang)
    for line in t["LignesFacture"]:
        if line["invoice"] == "F03":
            line["vat_rate"] = D("0.2")
    if not rates:
        t["TauxPenalite"] = []
    path = tmp_path / "book.xlsx"
    build_workbook(path, data=t, settings=clean_settings(), today=TODAY)
    return path


def notes_of(pdf: Path) -> tuple[bytes, dict[str, str]]:
    _, xml = facturx.get_xml_from_pdf(pdf.read_bytes(), check_xsd=False)
    root = etree.fromstring(xml)
    return xml, {n.findtext("ram:SubjectCode", namespaces=NS):
                 n.findtext("ram:Content", namespaces=NS)
                 for n in root.iterfind("rsm:ExchangedDocument/ram:IncludedNote", NS)}


def page_of(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    return " ".join(out.replace("\u202f", " ").replace("\u00a0", " ").split())


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_private_persons_invoice_states_no_professional_penalty_and_stays_valid(
        tmp_path, lang):
    path = private_book(tmp_path, lang)
    result = run_pdf(path, tmp_path / "out", TODAY, workers=1)
    assert result.findings == []
    private, pro = tmp_path / "out" / "FAC2026-0003.pdf", tmp_path / "out" / "FAC2026-0001.pdf"
    xml, notes = notes_of(private)
    assert xsd_errors(xml) == [] and fatal(xml) == [] and failed_asserts(xml, FX_RULES) == []
    assert set(notes) >= {"PMT", "PMD", "AAB"}  # BR-FR-05: every document, every buyer
    for code in ("PMD", "PMT"):
        assert not any(p in notes[code] for p in PROFESSIONAL), notes[code]
    assert "1231-6" in notes["PMD"] and "1344-1" in notes["PMD"]
    assert notes["PMT"].startswith("Client particulier" if lang == "fr" else
                                   "Private customer")
    # a professional client's document of the same workbook is as before
    pro_xml, pro_notes = notes_of(pro)
    assert "L441-10" in pro_notes["PMD"] and "40,00" in pro_notes["PMT"]
    assert fatal(pro_xml) == []
    if shutil.which("pdftotext"):
        page = page_of(private)
        assert "Anna Kessler" in page and "FAC2026-0003" in page
        assert not any(p in page for p in PROFESSIONAL), page
        assert "1231-6" not in page  # the page states nothing about late payment
        assert "escompte" in page.casefold() or "discount" in page
        assert "L441-10" in page_of(pro) and "40,00 €" in page_of(pro)


def test_a_private_persons_invoice_is_printed_without_a_penalty_rate(tmp_path):
    """No penalty rate anywhere: the professionals' documents are held (their mention
    cannot be written), the private person's is printed, still valid."""
    path = private_book(tmp_path, rates=False)
    result = run_pdf(path, tmp_path / "out", TODAY, workers=1)
    assert {f.code for f in result.findings} == {"PDF-SELLER"}
    assert [p.name for p in result.written] == ["FAC2026-0003.pdf"]
    xml, notes = notes_of(result.written[0])
    assert fatal(xml) == [] and "1231-6" in notes["PMD"]
