"""The Factur-X XML of a document: UN/CEFACT CII at profile EN 16931, with the French
e-invoicing rules (BR-FR-*): type codes 380/381/386, notes PMT/PMD/AAB, the SIREN as
legal identifier (scheme 0002), the billing mode BT-23, electronic addresses BT-34/BT-49.

Element order follows the Factur-X 1.07 EN 16931 XSD. Amounts are those of
``InvoiceDoc`` (a credit note's are positive, type 381 says it credits), VAT per rate
computed on each rate's total (BR-CO-17), exactly as the workbook computes it.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from pyfuncs.documents.record import InvoiceDoc

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "qdt": QDT, "ram": RAM, "udt": UDT}
GUIDELINE = "urn:cen.eu:en16931:2017"
FILENAME = "factur-x.xml"
UNITS = {"jour": "DAY", "jours": "DAY", "j": "DAY", "day": "DAY", "days": "DAY",
         "heure": "HUR", "heures": "HUR", "h": "HUR", "hour": "HUR", "hours": "HUR",
         "mois": "MON", "month": "MON", "months": "MON", "forfait": "C62", "kg": "KGM",
         "m": "MTR", "km": "KMT", "l": "LTR", "pièce": "H87", "pièces": "H87",
         "piece": "H87", "pieces": "H87", "pc": "H87", "pcs": "H87"}
PAYMENT_MEANS = {"cheque": "20", "card": "54", "cash": "10", "direct_debit": "59",
                 "transfer": "30"}
# the VATEX code of each exempt category (BT-121): reverse charge, out of scope,
# intra-Community supply, export
EXEMPTION_CODES = {"AE": "VATEX-EU-AE", "O": "VATEX-EU-O", "K": "VATEX-EU-IC",
                   "G": "VATEX-EU-G"}


def amount(value: Decimal) -> str:
    return f"{value:.2f}"


def number(value: Decimal, places: int) -> str:
    """At most ``places`` decimals, no exponent, no trailing zeros ('1', '0.5')."""
    text = f"{value.quantize(Decimal(1).scaleb(-places)):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def percent(rate: Decimal) -> str:
    return number(rate * 100, 2)


def _day(value: date) -> str:
    return f"{value:%Y%m%d}"


class _X:
    """A tiny builder: ``x(parent, "ram:ID", "text", schemeID="0002")``."""

    def __call__(self, parent: etree._Element, tag: str, text: str | None = None,
                 **attrs: str) -> etree._Element:
        prefix, local = tag.split(":")
        el = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{local}", attrs or None)
        if text is not None:
            el.text = text
        return el

    def date(self, parent: etree._Element, tag: str, value: date, ns: str = "udt"
             ) -> None:
        holder = self(parent, tag)
        self(holder, f"{ns}:DateTimeString", _day(value), format="102")


def _party(x: _X, parent: etree._Element, tag: str, party, with_vat: bool,
           description: str = "") -> None:
    el = x(parent, tag)
    x(el, "ram:Name", party.name)
    if description:
        x(el, "ram:Description", description)
    if party.siren:
        legal = x(el, "ram:SpecifiedLegalOrganization")
        x(legal, "ram:ID", party.siren, schemeID="0002")
    _address(x, el, party)
    if party.address_id:
        uri = x(el, "ram:URIUniversalCommunication")
        x(uri, "ram:URIID", party.address_id, schemeID=party.address_scheme)
    if with_vat and party.vat:
        reg = x(el, "ram:SpecifiedTaxRegistration")
        x(reg, "ram:ID", party.vat, schemeID="VA")


def _address(x: _X, parent: etree._Element, party) -> None:
    address = x(parent, "ram:PostalTradeAddress")
    if party.postcode:
        x(address, "ram:PostcodeCode", party.postcode)
    if party.address:
        lines = [p.strip() for p in party.address.replace("\r", "").split("\n") if p.strip()]
        for tag_name, line in zip(("ram:LineOne", "ram:LineTwo", "ram:LineThree"), lines):
            x(address, tag_name, line)
    if party.city:
        x(address, "ram:CityName", party.city)
    x(address, "ram:CountryID", party.country or "FR")


def _period(x: _X, parent: etree._Element, start: date, end: date) -> None:
    period = x(parent, "ram:BillingSpecifiedPeriod")
    x.date(period, "ram:StartDateTime", start)
    x.date(period, "ram:EndDateTime", end)


def build_xml(doc: InvoiceDoc, notes: dict[str, str], reasons: dict[str, str],
              seller_description: str, terms_text: str) -> bytes:
    """The CII XML of ``doc``. ``notes`` maps the French note codes (PMT, PMD, AAB, and
    TXD for the VAT-on-debits option) to their text, as printed on the PDF; ``reasons``
    the exempt VAT categories to their exemption reason text (BT-120)."""
    x = _X()
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = x(root, "rsm:ExchangedDocumentContext")
    x(x(context, "ram:BusinessProcessSpecifiedDocumentContextParameter"), "ram:ID",
      doc.billing_mode)
    x(x(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", GUIDELINE)

    header = x(root, "rsm:ExchangedDocument")
    x(header, "ram:ID", doc.number)
    x(header, "ram:TypeCode", doc.type_code)
    x.date(header, "ram:IssueDateTime", doc.issue_date)
    for code, content in notes.items():
        note = x(header, "ram:IncludedNote")
        x(note, "ram:Content", content)
        x(note, "ram:SubjectCode", code)

    trade = x(root, "rsm:SupplyChainTradeTransaction")
    for n, line in enumerate(doc.lines, 1):
        item = x(trade, "ram:IncludedSupplyChainTradeLineItem")
        x(x(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(n))
        x(x(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.label or "-")
        agreement = x(item, "ram:SpecifiedLineTradeAgreement")
        x(x(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount",
          number(line.unit_price, 6))
        x(x(item, "ram:SpecifiedLineTradeDelivery"), "ram:BilledQuantity",
          number(line.quantity, 4), unitCode=UNITS.get(line.unit.casefold(), "C62"))
        settlement = x(item, "ram:SpecifiedLineTradeSettlement")
        tax = x(settlement, "ram:ApplicableTradeTax")
        x(tax, "ram:TypeCode", "VAT")
        x(tax, "ram:CategoryCode", line.category)
        if line.category != "O":  # BR-O-05: no rate outside the scope of VAT
            x(tax, "ram:RateApplicablePercent", percent(line.vat_rate))
        if doc.per_line and line.start and line.end:  # BT-134, BT-135
            _period(x, settlement, line.start, line.end)
        x(x(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation"),
          "ram:LineTotalAmount", amount(line.net))

    categories = {row.category for row in doc.vat_rows}
    outside = "O" in categories  # BR-O-02: no VAT identifiers with O
    agreement = x(trade, "ram:ApplicableHeaderTradeAgreement")
    _party(x, agreement, "ram:SellerTradeParty", doc.seller, not outside, seller_description)
    _party(x, agreement, "ram:BuyerTradeParty", doc.buyer, not outside)
    if doc.po:
        x(x(agreement, "ram:BuyerOrderReferencedDocument"), "ram:IssuerAssignedID", doc.po)
    start, end = doc.service
    delivery = x(trade, "ram:ApplicableHeaderTradeDelivery")
    if doc.delivery is not None:  # BT-70 and BG-15, the deliver-to address
        ship = x(delivery, "ram:ShipToTradeParty")
        x(ship, "ram:Name", doc.delivery.name)
        _address(x, ship, doc.delivery)
    elif "K" in categories:  # BR-IC-12: an intra-Community supply names its country, BT-80
        ship = x(delivery, "ram:ShipToTradeParty")
        x(x(ship, "ram:PostalTradeAddress"), "ram:CountryID", doc.buyer.country)
    # BT-72: the day the service was performed or completed (CGI ann. II 242 nonies A)
    x.date(x(delivery, "ram:ActualDeliverySupplyChainEvent"), "ram:OccurrenceDateTime", end)

    settle = x(trade, "ram:ApplicableHeaderTradeSettlement")
    x(settle, "ram:PaymentReference", doc.number)
    x(settle, "ram:InvoiceCurrencyCode", doc.currency)
    means = x(settle, "ram:SpecifiedTradeSettlementPaymentMeans")
    if doc.seller.iban:
        x(means, "ram:TypeCode", "58")
        x(x(means, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID", doc.seller.iban)
        if doc.seller.bic:
            x(x(means, "ram:PayeeSpecifiedCreditorFinancialInstitution"), "ram:BICID",
              doc.seller.bic)
    else:
        code = PAYMENT_MEANS.get(doc.payment_mode, "1")
        x(means, "ram:TypeCode", "1" if code == "30" else code)
    for row in doc.vat_rows:
        tax = x(settle, "ram:ApplicableTradeTax")
        x(tax, "ram:CalculatedAmount", amount(row.vat))
        x(tax, "ram:TypeCode", "VAT")
        if row.category != "S":
            x(tax, "ram:ExemptionReason", reasons.get(row.category, ""))
        x(tax, "ram:BasisAmount", amount(row.base))
        x(tax, "ram:CategoryCode", row.category)
        if row.category in EXEMPTION_CODES:
            x(tax, "ram:ExemptionReasonCode", EXEMPTION_CODES[row.category])
        if row.category == "S" and doc.vat_on_debits:
            x(tax, "ram:DueDateTypeCode", "5")  # BT-8: VAT due on the invoice's date
        if row.category != "O":
            x(tax, "ram:RateApplicablePercent", percent(row.rate))
    if start != end:  # BT-73, BT-74
        _period(x, settle, start, end)
    terms = x(settle, "ram:SpecifiedTradePaymentTerms")
    if terms_text:
        x(terms, "ram:Description", terms_text)
    if doc.due_date is not None:
        x.date(terms, "ram:DueDateDateTime", doc.due_date)
    sums = x(settle, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    x(sums, "ram:LineTotalAmount", amount(doc.net))
    x(sums, "ram:TaxBasisTotalAmount", amount(doc.net))
    x(sums, "ram:TaxTotalAmount", amount(doc.vat), currencyID=doc.currency)
    x(sums, "ram:GrandTotalAmount", amount(doc.total))
    x(sums, "ram:DuePayableAmount", amount(doc.total))
    references = [(doc.credited, doc.credited_date)] if doc.credited else doc.deducted
    for ref, when in references:
        held = x(settle, "ram:InvoiceReferencedDocument")
        x(held, "ram:IssuerAssignedID", ref)
        if when is not None:
            x.date(held, "ram:FormattedIssueDateTime", when, ns="qdt")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
