"""What the local platform (pa_server.py) does with the flows a seller sends besides
invoices: lifecycle statuses (CDAR, a 212 "Encaissée" about one of its invoices) and
e-reporting files (FRR, flow 10). It stands in for a real PA's checks; it is no PA.

A CDAR is checked against the CDAR D22B XSD and the blocking BR-FR-CDV rules
(templates/rules/cdar, the official artefacts the product ships), then against what the
platform knows of the invoice it names:
- unknown invoice, one not deposited yet (no 200 sent), a receipt on one whose last
  status is 213 Rejetée or 210 Refusée (a disbursement, negative, stays allowed), or a
  status other than 212 from the seller: ``InvoiceLCStatusError`` (XP Z12-013
  ReasonCodeEnum: "one or more statuses are incorrect or not allowed");
- a rate the invoice does not have, or the amounts received on the invoice going above its
  total incl. VAT or below zero: ``InvoiceLCAmountError`` ("amounts are not consistent in
  regards to the VAT").
An FRR file is checked against the flow 10 XSD and the Flux10 rules
(tests/fixtures/ereporting/SOURCES.md); a failure is an ``Error`` acknowledgement with one
detail per rule, else ``Ok``. Then its type (TT-4) against the transmissions of the same
report (declarant, period, flow type) it accepted before (``_sequence``): a RE with none
before it, or an IN after one, is an ``Error`` too.
"""
from __future__ import annotations

import uuid
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from tests.support import en16931

ROOT = Path(__file__).resolve().parents[2]
CDAR = ROOT / "templates" / "rules" / "cdar"
CDAR_XSD = CDAR / "CrossDomainAcknowledgementAndResponse_100pD22B.xsd"
CDV_RULES = CDAR / "BR-FR-CDV-Schematron-CDAR.xslt"
FRR = ROOT / "tests" / "fixtures" / "ereporting"
FRR_XSD = FRR / "ereporting.xsd"
FRR_RULES = FRR / "Flux10.xslt"
NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100",
      "ram": "urn:un:unece:uncefact:data:standard:"
             "ReusableAggregateBusinessInformationEntity:100"}
SAFE = etree.XMLParser(resolve_entities=False, no_network=True)


@cache
def _schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


def cdar_problems(xml: bytes) -> list[str]:
    """The XSD errors and the fatal BR-FR-CDV asserts of a CDAR message."""
    try:
        doc = etree.fromstring(xml, SAFE)
    except etree.XMLSyntaxError as err:
        return [f"not XML: {err}"]
    schema = _schema(CDAR_XSD)
    if not schema.validate(doc):
        return [str(e) for e in schema.error_log]
    return [f"{rule} {text}" for rule, flag, text in en16931.failed_asserts(xml, CDV_RULES)
            if flag == "fatal"]


def frr_problems(xml: bytes) -> list[tuple[str, str]]:
    """(rule, text) of each XSD error and failed Flux10 assert of an e-reporting file
    (the Flux10 build flags none "fatal": every failed assert counts)."""
    try:
        doc = etree.fromstring(xml, SAFE)
    except etree.XMLSyntaxError as err:
        return [("InvalidSchema", f"not XML: {err}")]
    schema = _schema(FRR_XSD)
    if not schema.validate(doc):
        return [("InvalidSchema", str(e)) for e in schema.error_log]
    return [(rule, text) for rule, flag, text in svrl_failures(xml, FRR_RULES)
            if flag != "warning"]


SVRL = "{http://purl.oclc.org/dsdl/svrl}"


def svrl_failures(xml: bytes, rules: Path) -> list[tuple[str, str, str]]:
    """(rule, flag, text) of each failed assert: the Flux10 build gives its asserts no
    id, so the rule is the pattern's id (or the [Gx.yy] the text starts with)."""
    with en16931.SAXON:
        report = en16931._compiled(str(rules)).transform_to_string(
            xdm_node=en16931._processor().parse_xml(xml_text=xml.decode("utf-8")))
    root = etree.fromstring(report.encode("utf-8"))
    out, pattern = [], ""
    for el in root:
        if el.tag == f"{SVRL}active-pattern":
            pattern = el.get("id", "")
        elif el.tag == f"{SVRL}failed-assert":
            text = " ".join("".join(el.itertext()).split())
            out.append((el.get("id") or pattern, el.get("flag", ""), text))
    return out


def _invoice(state: Any, number: str) -> tuple[Decimal, set[Decimal]] | None:
    """(total incl. VAT, VAT rates) of the invoice ``number`` the platform accepted."""
    for flow_id, flow in list(state.flows.items()):  # other requests add flows meanwhile
        if flow["flowType"] != "CustomerInvoice" or flow["acknowledgement"]["status"] != "Ok":
            continue
        read = _read(state, flow_id, _invoice_facts)
        if read is not None and read[0] == number:
            return read[1], read[2]
    return None


def _invoice_facts(state: Any, content: bytes) -> tuple[str, Decimal, set[Decimal]] | None:
    xml = state._cii(content)
    if xml is None:
        return None
    root = etree.fromstring(xml)
    total = Decimal(root.findtext(".//{*}GrandTotalAmount") or "0")
    rates = {Decimal(r.text) for r in root.iterfind(
        ".//{*}ApplicableHeaderTradeSettlement/{*}ApplicableTradeTax/"
        "{*}RateApplicablePercent") if r.text}
    return root.findtext(".//{*}ExchangedDocument/{*}ID") or "", total, rates


def _read(state: Any, flow_id: str, read: Any) -> Any:
    """What ``read(state, file)`` finds in a flow's file, read once per file: a 212 asks
    about one invoice among all the flows, and a Factur-X is a whole PDF to open (the
    demo's 334 receipts took 52 s reading every PDF again for each)."""
    content = state.files[flow_id]
    memo = state.__dict__.setdefault("_read_memo", {})
    key = (flow_id, read)
    kept = memo.get(key)
    if kept is None or kept[0] is not content:  # a test may swap a flow's file
        kept = memo[key] = (content, read(state, content))
    return kept[1]


def _last_status(state: Any, number: str) -> str:
    last = ("", "")
    for flow_id, flow in list(state.flows.items()):  # other requests add flows meanwhile
        if flow["flowType"] != "CustomerInvoiceLC" or flow["flowDirection"] != "In":
            continue
        for about, code in _read(state, flow_id, _statuses):
            if about == number:
                last = max(last, (flow["updatedAt"], code))
    return last[1]


def _statuses(_state: Any, content: bytes) -> list[tuple[str, str]]:
    """(invoice number, status code) of each document a CDAR message speaks of."""
    from tests.support.pa_server import CDAR_NS  # the server imports this module
    root = etree.fromstring(content)
    return [(ref.findtext("ram:IssuerAssignedID", "", CDAR_NS),
             ref.findtext("ram:ProcessConditionCode", "", CDAR_NS))
            for ref in root.iterfind(".//ram:ReferenceReferencedDocument", CDAR_NS)]


def check(state: Any, info: dict[str, Any], content: bytes) -> tuple[str, str] | None:
    """(errorCode, message) when the platform refuses the flow at once, else None."""
    if info.get("flowSyntax") != "CDAR":
        return None
    problems = cdar_problems(content)
    if problems:
        code = "InvalidSchema" if not problems[0].startswith("BR-FR") else "InvoiceLCRuleError"
        return code, "; ".join(problems)[:500]
    root = etree.fromstring(content, SAFE)
    for ref in root.iterfind(".//ram:ReferenceReferencedDocument", NS):
        number = ref.findtext("ram:IssuerAssignedID", "", NS)
        code = ref.findtext("ram:ProcessConditionCode", "", NS)
        known = _invoice(state, number)
        if code != "212" or known is None:
            return "InvoiceLCStatusError", f"{number}: status {code} not allowed here"
        total, rates = known
        amounts = [(Decimal(c.findtext("ram:ValuePercent", "0", NS)),
                    Decimal(c.findtext("ram:ValueAmount", "0", NS)))
                   for c in ref.iterfind("ram:SpecifiedDocumentStatus/"
                                         "ram:SpecifiedDocumentCharacteristic", NS)
                   if c.findtext("ram:TypeCode", "", NS) == "MEN"]
        last = _last_status(state, number)
        if not last:  # accepted, its 200 not sent yet: the platform does not hold it yet
            return "InvoiceLCStatusError", f"{number}: status 212 before 200 (Déposée)"
        if last in ("210", "213") and sum(a for _r, a in amounts) >= 0:
            # a receipt on a refused or rejected invoice; giving money back stays allowed
            return "InvoiceLCStatusError", f"{number}: status 212 after {last}"
        if any(rate not in rates for rate, _a in amounts):
            return "InvoiceLCAmountError", f"{number}: a rate the invoice does not have"
        received = state.received.get(number, Decimal(0)) + sum(a for _r, a in amounts)
        if received > total or received < 0:
            return "InvoiceLCAmountError", (f"{number}: {received} received, the invoice "
                                            f"totals {total}")
    return None


def receive(state: Any, info: dict[str, Any], content: bytes) -> dict[str, Any]:
    """Store an accepted CDAR or FRR flow; an FRR's flow type follows its content."""
    from tests.support.pa_server import _stamp  # the server imports this module
    at = state.now()
    flow_id = str(uuid.uuid4())
    details: list[dict[str, str]] = []
    if info["flowSyntax"] == "CDAR":
        flow_type = "CustomerInvoiceLC"
        root = etree.fromstring(content, SAFE)
        for ref in root.iterfind(".//ram:ReferenceReferencedDocument", NS):
            number = ref.findtext("ram:IssuerAssignedID", "", NS)
            paid = sum((Decimal(v.text or "0") for v in ref.iterfind(
                "ram:SpecifiedDocumentStatus/ram:SpecifiedDocumentCharacteristic/"
                "ram:ValueAmount", NS)), Decimal(0))
            state.received[number] = state.received.get(number, Decimal(0)) + paid
    else:
        flow_type = report_type(content, info.get("processingRule", ""))
        # reasonCode: the OpenAPI's ReasonCode is oneOf(ReasonCodeEnum, string), so an enum
        # value matches both and fails; the codes the enum describes them by (IRR_SYNTAX
        # for InvalidSchema, AUTRE for OtherTechnicalError) or the rule, as for invoices
        details = [{"level": "Error", "item": rule, "reasonCode": "IRR_SYNTAX"
                    if rule == "InvalidSchema" else rule,
                    "reasonMessage": f"{rule} {text}"[:500]}
                   for rule, text in frr_problems(content)]
        if not details:
            details = _sequence(state, content, flow_type)
        with state.lock:  # a refusal a test asked for (pa_server.PlatformState)
            k = next((k for k, (kind, _r) in enumerate(state.refuse_reports)
                      if kind == flow_type), None)
            injected = state.refuse_reports.pop(k)[1] if k is not None else ""
        if injected:
            details.append({"level": "Error", "item": "file", "reasonCode": "AUTRE",
                            "reasonMessage": injected})
    flow = {"flowId": flow_id, "trackingId": info.get("trackingId", ""),
            "flowType": flow_type, "flowDirection": "Out",
            "flowSyntax": info["flowSyntax"],
            "processingRule": info.get("processingRule", "B2B"),
            "processingRuleSource": "Input",
            "submittedAt": _stamp(at), "updatedAt": _stamp(at),
            "acknowledgement": {"status": "Error", "details": details} if details
            else {"status": "Ok"}}
    with state.lock:
        state.flows[flow_id] = flow
        state.files[flow_id] = content
    return {"flowId": flow_id, "submittedAt": _stamp(at), **info}


def _report_key(_state: Any, content: bytes) -> tuple[str, str, str, str]:
    """(declarant, period start, period end, TT-4) of an e-reporting file."""
    root = etree.fromstring(content, SAFE)
    block = root.find("TransactionsReport")
    if block is None:
        block = root.find("PaymentsReport")
    return (root.findtext("ReportDocument/Issuer/Id") or "",
            block.findtext("ReportPeriod/StartDate", "") if block is not None else "",
            block.findtext("ReportPeriod/EndDate", "") if block is not None else "",
            root.findtext("ReportDocument/TypeCode") or "")


def _sequence(state: Any, content: bytes, flow_type: str) -> list[dict[str, str]]:
    """The platform's reading of TT-4 (Flux10 G8.01: IN initial, RE rectificative), as
    Facturier reads it (docs/E-INVOICING.md): a report (declarant, period, flow type) has
    one initial transmission that counts; a rectificative replaces one that counts. So a
    RE with no accepted transmission of its report before it is refused (nothing to
    rectify: a refused transmission never counted), and so is a second IN once one was
    accepted (the uniqueness check of the acknowledgement, XP Z12-013 FlowAckStatus)."""
    mine = _report_key(state, content)
    accepted = [fid for fid, f in list(state.flows.items())
                if f["flowSyntax"] == "FRR" and f["flowType"] == flow_type
                and f["acknowledgement"]["status"] == "Ok"
                and _read(state, fid, _report_key)[:3] == mine[:3]]
    if mine[3] == "RE" and not accepted:
        return [{"level": "Error", "item": "TT-4", "reasonCode": "G8.01",
                 "reasonMessage": "G8.01 RE: no accepted transmission of this report "
                                  "(declarant, period, flow) to rectify; send it as IN"}]
    if mine[3] == "IN" and accepted:
        return [{"level": "Error", "item": "TT-4", "reasonCode": "G8.01",
                 "reasonMessage": f"G8.01 IN: this report (declarant, period, flow) was "
                                  f"already accepted (flow {accepted[0]}); a correction "
                                  f"goes as RE"}]
    return []


def report_type(xml: bytes, rule: str) -> str:
    """The FlowType of an e-reporting file (XP Z12-013 FlowType): transactions (10.1
    individual, 10.3 aggregated) or payments (10.2 unitary, 10.4 aggregated)."""
    try:
        root = etree.fromstring(xml, SAFE)
    except etree.XMLSyntaxError:
        return "MultiFlowReport"
    # a report with no line (an empty rectificative) is told by its processing rule
    for block, kind in (("TransactionsReport", "Transaction"), ("PaymentsReport", "Payment")):
        if root.find(block) is not None:
            unitary = root.find(f"{block}/Invoice") is not None or (
                root.find(f"{block}/Transactions") is None and rule == "B2BInt")
            return f"{'Unitary' if unitary else 'Aggregated'}Customer{kind}Report"
    return "MultiFlowReport"
