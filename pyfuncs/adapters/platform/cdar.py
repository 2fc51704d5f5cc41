"""Read a lifecycle status message (CDAR D22B, "Cross Domain Acknowledgement And
Response", as XP Z12-012 and the France RFE CDAR rules define it): for each invoice it
refers to, its number (MDT-87), its status code (MDT-105, e.g. 213) and label (MDT-106),
the time of the status (MDT-78) and the reason text (MDT-113 code, MDT-114 text)."""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100",
      "ram": "urn:un:unece:uncefact:data:standard:"
             "ReusableAggregateBusinessInformationEntity:100",
      "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"}


class CdarError(Exception):
    """Not a CDAR message we can read."""


@dataclass(frozen=True)
class CdarStatus:
    number: str
    code: str
    label: str
    at: str  # ISO 8601
    reason_code: str
    reason: str


def _iso(stamp: str) -> str:
    """CDAR's format 204 (YYYYMMDDHHMMSS) as ISO 8601 (UTC assumed)."""
    s = stamp.strip()
    if len(s) >= 14 and s[:14].isdigit():
        return f"{s[:4]}-{s[4:6]}-{s[6:8]}T{s[8:10]}:{s[10:12]}:{s[12:14]}Z"
    return s


def read_cdar(xml: bytes) -> list[CdarStatus]:
    try:
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as err:
        raise CdarError(f"not XML: {err}") from None
    if etree.QName(root).localname != "CrossDomainAcknowledgementAndResponse":
        raise CdarError(f"not a CDAR message: {etree.QName(root).localname}")
    out = []
    for ack in root.iterfind("rsm:AcknowledgementDocument", NS):
        at = _iso(ack.findtext("ram:IssueDateTime/udt:DateTimeString", "", NS))
        for ref in ack.iterfind("ram:ReferenceReferencedDocument", NS):
            status = ref.find("ram:SpecifiedDocumentStatus", NS)
            out.append(CdarStatus(
                number=ref.findtext("ram:IssuerAssignedID", "", NS).strip(),
                code=ref.findtext("ram:ProcessConditionCode", "", NS).strip(),
                label=ref.findtext("ram:ProcessCondition", "", NS).strip(),
                at=at,
                reason_code=status.findtext("ram:ReasonCode", "", NS).strip()
                if status is not None else "",
                reason=status.findtext("ram:Reason", "", NS).strip()
                if status is not None else ""))
    if not out:
        raise CdarError("no referenced invoice in the message")
    return out
