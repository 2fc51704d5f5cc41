"""Write the e-reporting files (flow 10) of domain/ereporting.py as the XML of the DGFiP
external specifications' e-reporting annex (root ``Report``: ``ReportDocument`` TT-1 to
TT-16, then one ``TransactionsReport`` (flows 10.1 and 10.3) or one ``PaymentsReport``
(flows 10.2 and 10.4): one report per file, as the Flux10 rules require).

The schema and rules the tests check these against are in tests/fixtures/ereporting
(SOURCES.md says where they come from). Amounts are written from Decimal, two decimals;
dates as YYYYMMDD, the time stamp as YYYYMMDDHHMMSS.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from pyfuncs.domain.ereporting import DayTotal, PaymentLine, Period, Sale
from pyfuncs.domain.vat import EU

DOC_TYPE = {"invoice": "380", "deposit": "386", "credit_note": "381"}


@dataclass(frozen=True)
class Declarant:
    """The seller who reports (SIREN, name, VAT number, country) and the platform that
    carries the file (its 4-character registration number, G6.22: the sender is the
    approved platform, role WK, G7.51)."""

    siren: str
    name: str
    vat: str
    country: str = "FR"
    platform_id: str = "0000"
    platform_name: str = ""


def _el(tag: str, *kids: etree._Element | str | None, **attrs: str) -> etree._Element:
    el = etree.Element(tag, attrs)
    for kid in kids:
        if kid is None:
            continue
        if isinstance(kid, str):
            el.text = kid
        else:
            el.append(kid)
    return el


def _d(day: date) -> str:
    return day.strftime("%Y%m%d")


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _percent(rate: Decimal) -> str:
    return f"{rate.normalize():f}"


def _document(report_id: str, name: str, who: Declarant, created: datetime,
              type_code: str = "IN") -> etree._Element:
    return _el("ReportDocument",
               _el("Id", report_id), _el("Name", name),
               _el("IssueDateTime", _el("DateTimeString", created.strftime("%Y%m%d%H%M%S"))),
               _el("TypeCode", type_code),
               _el("Sender", _el("Id", who.platform_id, schemeId="0238"),
                   _el("Name", (who.platform_name or "Plateforme agréée")[:99]),
                   _el("RoleCode", "WK")),
               _el("Issuer", _el("Id", who.siren, schemeId="0002"), _el("Name", who.name[:99]),
                   _el("RoleCode", "SE")))


def _period(start: date, end: date) -> etree._Element:
    return _el("ReportPeriod", _el("StartDate", _d(start)), _el("EndDate", _d(end)))


def _buyer(s: Sale) -> etree._Element:
    country = (s.buyer_country or "").upper()
    scheme = "0223" if country in EU else "0227"
    # G2.19: an identifier outside the EU (0227) is at most 18 characters, letters/digits
    ident = "".join(ch for ch in (s.buyer_vat or s.buyer_siren or s.number) if ch.isalnum())
    ident = ident[:18] if scheme == "0227" else ident
    return _el("Buyer", _el("CompanyId", ident, schemeId=scheme),
               _el("TaxRegistrationId", s.buyer_vat.replace(" ", ""), qualifyingId="VAT")
               if s.buyer_vat else None,
               _el("PostalAddress", _el("CountryId", country or "FR")))


def _invoice(s: Sale, who: Declarant) -> etree._Element:
    subtotals = []
    for rate, base, vat, category in s.rates:
        subtotals.append(_el(
            "TaxSubTotal", _el("TaxableAmount", _amount(base)), _el("TaxAmount", _amount(vat)),
            _el("TaxCategory", _el("Code", category or "S"), _el("Percent", _percent(rate)),
                _el("TaxExemptionReason", s.exemption_text) if category == "E" else None,
                _el("TaxExemptionReasonCode", "VATEX-EU-132") if category == "E" else None)))
    return _el(
        "Invoice",
        _el("ID", s.number), _el("IssueDate", _d(s.issue_date)),
        _el("TypeCode", DOC_TYPE.get(s.kind, "380")), _el("CurrencyCode", s.currency or "EUR"),
        _el("DueDate", _d(s.due_date)) if s.due_date else None,
        _el("TaxDueDateTypeCode", "5") if s.vat_on_debits else None,
        _el("BusinessProcess", _el("ID", "S1" if s.nature != "goods" else "B1"),
            _el("TypeID", "urn.cpro.gouv.fr:1p0:ereporting")),
        _el("ReferencedDocument", _el("ID", s.credited),
            _el("IssueDate", _d(s.credited_date)) if s.credited_date else None)
        if s.credited else None,
        _el("Seller", _el("CompanyId", who.siren, schemeId="0002"),
            _el("TaxRegistrationId", who.vat.replace(" ", ""), qualifyingId="VAT"),
            _el("PostalAddress", _el("CountryId", who.country or "FR"))),
        _buyer(s),
        _el("MonetaryTotal", _el("TaxExclusiveAmount", _amount(s.net)),
            _el("TaxAmount", _amount(s.vat), CurrencyCode="EUR")),
        *subtotals)


def _day(t: DayTotal) -> etree._Element:
    return _el("Transactions",
               _el("Date", _d(t.day)), _el("TransactionsCurrency", "EUR"),
               _el("CategoryCode", t.category),
               _el("TaxExclusiveAmount", _amount(t.net)), _el("TaxTotal", _amount(t.vat)),
               _el("TransactionsCount", str(t.count)),
               *[_el("TaxSubtotal", _el("TaxPercent", _percent(r)),
                     _el("TaxableAmount", _amount(b)), _el("TaxTotal", _amount(v)))
                 for r, b, v in t.rates])


def transactions(report_id: str, who: Declarant, period: Period, sales: Iterable[Sale],
                 days: Iterable[DayTotal], created: datetime, type_code: str = "IN") -> bytes:
    """A transactions report: international B2B invoices one by one (10.1) and B2C days
    aggregated (10.3); ``type_code`` TT-4, IN (initial) or RE (rectificative, G8.01)."""
    root = _el("Report", _document(report_id, f"Transactions {period.label}", who, created,
                                   type_code),
               _el("TransactionsReport", _period(period.start, period.end),
                   *[_invoice(s, who) for s in sales], *[_day(t) for t in days]))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def payments(report_id: str, who: Declarant, period: Period, lines: Iterable[PaymentLine],
             created: datetime, type_code: str = "IN") -> bytes:
    """A payments report: per invoice (10.2, international B2B) or per day (10.4, B2C);
    ``type_code`` as for ``transactions``."""
    blocks = []
    for p in lines:
        sub = [_el("SubTotals", _el("TaxPercent", _percent(x.rate)),
                   _el("CurrencyCode", "EUR"), _el("Amount", _amount(x.amount)))
               for x in p.shares]
        payment = _el("Payment", _el("Date", _d(p.day)), *sub)
        if p.number:
            blocks.append(_el("Invoice", _el("InvoiceID", p.number),
                              _el("IssueDate", _d(p.issue_date or p.day)), payment))
        else:
            blocks.append(_el("Transactions", payment))
    root = _el("Report", _document(report_id, f"Paiements {period.label}", who, created,
                                   type_code),
               _el("PaymentsReport", _period(period.start, period.end), *blocks))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def fingerprint(xml: bytes) -> str:
    """What a report says, whatever its transmission: the sha256 of the file without its
    id (TT-1), creation time (TT-3) and type (TT-4), prefixed ``c1:``, so a report made
    again from the same data has the same fingerprint and one whose data changed has
    another."""
    root = etree.fromstring(xml)
    head = root.find("ReportDocument")
    if head is not None:
        for tag in ("Id", "IssueDateTime", "TypeCode"):
            for el in head.findall(tag):
                head.remove(el)
    return "c1:" + hashlib.sha256(etree.tostring(root, method="c14n")).hexdigest()
