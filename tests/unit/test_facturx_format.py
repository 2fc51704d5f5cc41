"""Pure pieces of the invoice documents: locale formatting, electronic addresses, XML
numbers."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from pyfuncs.documents.addresses import electronic_address
from pyfuncs.documents.facturx import number, percent
from pyfuncs.documents.layout import day, labels, money, price, quantity, rate


def test_amounts_dates_and_rates_are_formatted_for_the_clients_language():
    assert money(D("1234.56"), "fr") == "1\u202f234,56\u00a0€"
    assert money(D(-7350), "fr") == "-7\u202f350,00\u00a0€"
    assert money(D("1234.56"), "en") == "€1,234.56"
    assert day(date(2026, 12, 1), "fr") == "01/12/2026"
    assert day(date(2026, 12, 1), "en") == "01 Dec 2026"
    assert rate(D("0.055"), "fr") == "5,5\u00a0%" and rate(D("0.2"), "en") == "20%"
    assert quantity(D("0.50"), "fr") == "0,5" and quantity(D(-1), "en") == "-1"
    assert price(D("33.333"), "fr") == "33,333\u00a0€" and price(D(950), "en") == "€950.00"


def test_xml_numbers_have_no_exponent_and_at_most_the_allowed_decimals():
    assert number(D("1E+1"), 4) == "10" and number(D("0.50"), 4) == "0.5"
    assert percent(D("0.055")) == "5.5" and percent(D(0)) == "0"


def test_the_electronic_address_falls_back_to_siren_then_vat_number_under_its_scheme():
    assert electronic_address("", "443061841", "FR64443061841") == ("0225", "443061841")
    assert electronic_address("0088:5790000435975", "", "") == ("0088", "5790000435975")
    assert electronic_address("443061841_ACHATS", "", "") == ("0225", "443061841_ACHATS")
    assert electronic_address("", "", "DE136695976") == ("9930", "DE136695976")
    assert electronic_address("", "", "CHE-116.281.710 MWST") == ("9927", "CHE116281710MWST")
    assert electronic_address("", "", "") == ("", "")


def test_every_label_exists_in_both_languages_and_renders():
    fr, en = labels("fr"), labels("en")
    assert set(fr.templates) == set(en.templates)
    assert "12,15" in fr("penalties", rate="12,15 %")
    assert en("credit_ref", number="FAC2026-0001", date="01 Dec 2026").startswith("Credit note")
