"""Write the lifecycle status 212 "Encaissée" the seller sends about its own invoice, as a
CDAR D22B message (XP Z12-012; France RFE CDAR rules V1.4.0, BR-FR-CDV-*).

What it holds, by the rules' names: the message context REGULATED (BR-FR-CDV-CL-01), the
seller as sender and issuer (role SE, its SIREN as MDT-38, required when the type code is
23, BR-FR-CDV-07), the buyer as recipient with its electronic address (MDT-73,
BR-FR-CDV-08), an acknowledgement of type 23 "processing phase" (BR-FR-CDV-09) dated at
the receipt, the invoice (MDT-87 number, MDG-35 issue date, MDT-129 seller SIREN:
BR-FR-CDV-10, 11, 13), the status 212 (MDT-105), a status detail with its sequence number
(BR-FR-CDV-16) and one characteristic MEN per VAT rate with the amount and the rate
(BR-FR-CDV-14). A negative amount is a disbursement that undoes an earlier 212, its
reason in the comment MDT-126 (XP Z12-012 annex A, P1.15/P1.17).
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from pyfuncs.adapters.platform.cdar import NS

NSMAP = {**NS, "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"}
DOC_TYPE = {"invoice": "380", "deposit": "386", "credit_note": "381"}


@dataclass(frozen=True)
class Party212:
    """A party of the message: name, SIREN and electronic address (SIREN when none)."""

    name: str
    siren: str
    address: str = ""


def _e(prefix: str, tag: str, *kids: etree._Element | str, **attrs: str) -> etree._Element:
    el = etree.Element(f"{{{NSMAP[prefix]}}}{tag}", attrs, nsmap=NSMAP)
    for kid in kids:
        if isinstance(kid, str):
            el.text = kid
        else:
            el.append(kid)
    return el


def _ram(tag: str, *kids: etree._Element | str, **attrs: str) -> etree._Element:
    return _e("ram", tag, *kids, **attrs)


def _stamp(moment: datetime) -> etree._Element:
    return _ram("IssueDateTime", _e("udt", "DateTimeString", moment.strftime("%Y%m%d%H%M%S"),
                                    format="204"))


def _percent(rate: Decimal) -> str:
    return f"{rate.normalize():f}"  # 20 -> "20", 5.50 -> "5.5"


def encaissee(*, message_id: str, seller: Party212, buyer: Party212, number: str,
              kind: str, issue_date: date, received_on: date,
              shares: Sequence[tuple[Decimal, Decimal]], created: datetime,
              currency: str = "EUR", note: str = "") -> bytes:
    """The CDAR message of one 212: ``shares`` are (VAT rate in percent, amount incl. VAT)
    per rate; ``note`` the reason of a disbursement (a negative amount)."""
    buyer_address = buyer.address or buyer.siren
    characteristics = [
        _ram("SpecifiedDocumentCharacteristic", _ram("TypeCode", "MEN"),
             _ram("ValueAmount", f"{amount:.2f}", currencyID=currency),
             _ram("ValuePercent", _percent(rate)))
        for rate, amount in shares]
    status = _ram("SpecifiedDocumentStatus", _ram("SequenceNumeric", "1"),
                  *([_ram("IncludedNote", _ram("Content", note))] if note else []),
                  *characteristics)
    root = _e(
        "rsm", "CrossDomainAcknowledgementAndResponse",
        _e("rsm", "ExchangedDocumentContext",
           _ram("BusinessProcessSpecifiedDocumentContextParameter", _ram("ID", "REGULATED")),
           _ram("GuidelineSpecifiedDocumentContextParameter",
                _ram("ID", "urn.cpro.gouv.fr:1p0:CDV:invoice"))),
        _e("rsm", "ExchangedDocument",
           _ram("ID", message_id[:50]),
           _ram("Name", "Statut Encaissée"),
           _stamp(created),
           _ram("SenderTradeParty", _ram("RoleCode", "SE")),
           _ram("IssuerTradeParty", _ram("GlobalID", seller.siren, schemeID="0002"),
                _ram("Name", seller.name), _ram("RoleCode", "SE")),
           _ram("RecipientTradeParty", _ram("GlobalID", buyer.siren, schemeID="0002"),
                _ram("Name", buyer.name), _ram("RoleCode", "BY"),
                _ram("URIUniversalCommunication",
                     _ram("URIID", buyer_address, schemeID="0225")))),
        _e("rsm", "AcknowledgementDocument",
           _ram("MultipleReferencesIndicator", _e("udt", "Indicator", "false")),
           _ram("TypeCode", "23"),
           _stamp(datetime.combine(received_on, datetime.min.time()).replace(hour=12)),
           _ram("ReferenceReferencedDocument",
                _ram("IssuerAssignedID", number),
                _ram("TypeCode", DOC_TYPE.get(kind, "380")),
                _ram("FormattedIssueDateTime",
                     _e("qdt", "DateTimeString", issue_date.strftime("%Y%m%d"), format="102")),
                _ram("ProcessConditionCode", "212"),
                _ram("ProcessCondition", "Encaissée"),
                _ram("IssuerTradeParty", _ram("GlobalID", seller.siren, schemeID="0002"),
                     _ram("RoleCode", "SE")),
                status)))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def message_id(tracking_id: str) -> str:
    """The message's own id (MDT-3): stable for a status, so a resend is the same file."""
    return f"CDV-212-{uuid.UUID(tracking_id).hex[:20]}"
