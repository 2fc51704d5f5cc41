"""A local approved platform (PA) for the tests: a real HTTP server on 127.0.0.1, in a
thread, speaking the XP Z12-013 Flow Service (tests/fixtures/platform/
AFNOR-Flow_Service-1.1.0.json). It stands in for a real PA; it is no PA.

What it checks, on every request:
- the OAuth2 client-credentials token: ``POST /token`` with the client id and secret in
  HTTP Basic gives a token; every ``/v1`` call without a token it issued is a 401;
- ``X-Request-Id``, when present, is a uuid (the contract's format);
- the request body against the OpenAPI document itself, with ``jsonschema`` (Draft 4
  semantics, the schemas resolved with ``referencing`` from the spec's
  ``components/schemas``): ``flowInfo`` of ``POST /v1/flows`` against ``FlowInfo``, the
  search body against ``SearchFlowParams``; the multipart must have the two parts
  ``flowInfo`` (``application/json``) and ``file``;
- every JSON answer it gives against the schema the contract names for that answer
  (``FullFlowInfo``, ``SearchFlowContent``, ``Flow``, ``Error``): a non-conforming answer
  is a bug of this server and fails the test that caused it (``violations``);
- the file's sha256 against ``flowInfo.sha256`` (a mismatch: 422 ``ChecksumMismatch``);
- a Factur-X file: the CII extracted from the PDF (factur-x package), then the official
  rules, run offline with saxonche: EN 16931 (tests/fixtures/en16931) and the French
  BR-FR rules, blocking build, of ../shared/france-rfe (the factur-x package's copy when
  that folder is absent). A fatal assert makes the flow's acknowledgement ``Error`` with
  one detail per broken rule (reasonCode = the rule id) and a lifecycle status 213
  (Rejetée) with the rules as reason; otherwise ``Ok`` and a status 200 (Déposée), at
  once, or only when the test calls ``deposit`` (``hold_deposits``: a platform whose
  checks take a while, so the seller's 212 must wait for the 200);

- a CDAR file we send (a 212 "Encaissée" about one of our invoices; flow type
  ``CustomerInvoiceLC``): the CDAR D22B XSD and the blocking BR-FR-CDV rules
  (``InvalidSchema`` / ``InvoiceLCRuleError``), then against the invoice it names: known
  deposited (its 200 sent) and not rejected (213) nor refused (210) since
  (``InvoiceLCStatusError``), each rate one of
  the invoice's and the amounts received not above its total incl. VAT nor below zero
  (``InvoiceLCAmountError``); answered at once with a 422 and that code
  (tests/support/pa_lifecycle.py);
- an e-reporting file (``FRR``): the flow 10 XSD of the e-reporting specifications and the
  Flux10 rules, then its type (TT-4) against the transmissions of the same report it
  accepted before: a RE with none, or a second IN, is refused (tests/support/pa_lifecycle.py);
  the flow type follows its content (transactions or payments, individual or
  aggregated; the processing rule for a report with no line); acknowledgement Ok or Error.

Lifecycle statuses are flows of type ``CustomerInvoiceLC``, direction ``In``, syntax
``CDAR``, whose Original file is a CDAR D22B message; a test pushes any status with
``push_status``. ``updatedAt`` strictly increases (microseconds), so ``updatedAfter``
paging never ties.

Faults a test can ask for (``fail``): answer 500/503/429 to the next calls of a path, or
accept a submission and drop the connection before answering (as a timeout after the
platform took the flow does). ``refuse_reports`` ((flow type, reason)): the next
e-reporting file of that flow type is acknowledged ``Error`` with that reason, whatever
it holds (a platform's check of its own the tests cannot reproduce from the data).

The Directory Service (where a client receives its invoices), under the same base URL and
token: tests/support/pa_directory.py, validated against the reconstructed Annex B subset
(tests/fixtures/platform/SOURCES.md); a test seeds lines with ``state.directory.add``.

What it does NOT check and a real PA may add: the Directory Service's routes other than
the look-ups, the official Annex B itself (not available here), the CDAR's own BR-FR-CDV rules on what it emits (its CDAR
follows the D22B structure; a test checks it against the XSD), UBL and plain CII
submissions (they are stored, not validated), antivirus, file-size limits, duplicate
invoice numbers across trackingIds, webhooks, rate limits other than
the injected ones, real OAuth2 scopes and token expiry.
"""
from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import json
import re
import secrets
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs, urlparse

import facturx
import jsonschema
from lxml import etree
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.support import en16931, pa_directory, pa_lifecycle

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "tests" / "fixtures" / "platform" / "AFNOR-Flow_Service-1.1.0.json"
RFE = ROOT.parent / "shared" / "france-rfe" / "FNFE_RFE_INVOICE"
FR_RULES = RFE / "Factur-X" / "EN16931" / "2xslt" / "BR-FR-Flux2-Schematron-CII.xslt"
# the lifecycle rules: the official artefacts the product ships (templates/rules/README.md)
CDAR = ROOT / "templates" / "rules" / "cdar"
CDAR_XSD = CDAR / "CrossDomainAcknowledgementAndResponse_100pD22B.xsd"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
CDAR_NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100",
           "ram": "urn:un:unece:uncefact:data:standard:"
                  "ReusableAggregateBusinessInformationEntity:100",
           "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
           "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"}


class Contract:
    """The OpenAPI document's schemas, as validators."""

    def __init__(self, path: Path = SPEC) -> None:
        self.spec = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource(contents=self.spec, specification=DRAFT4)
        self.registry = Registry().with_resource("spec.json", resource)

    def errors(self, schema: str, instance: object) -> list[str]:
        validator = jsonschema.Draft4Validator(
            {"$ref": f"spec.json#/components/schemas/{schema}"}, registry=self.registry,
            format_checker=jsonschema.FormatChecker())
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in validator.iter_errors(instance)]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# a reason code the BR-FR-CDV-CL-09 rules allow for each status that needs one
REASON_CODES = {"213": "REJ_SEMAN", "210": "NON_CONFORME", "207": "AUTRE", "206": "AUTRE",
                "208": "JUSTIF_ABS"}


def cdar(number: str, code: str, label: str, at: datetime, reason: str = "",
         seller_siren: str = "000000000", paid: str = "0.00", vat_rate: str = "20") -> bytes:
    """A CDAR D22B lifecycle message about invoice ``number`` (reason code per
    REASON_CODES when ``reason`` is given; a 212 "Encaissée" carries the amount ``paid``
    and its VAT rate, as BR-FR-CDV-14 requires)."""
    e = {k: (lambda tag, *kids, _ns=v, **attrs: _el(_ns, tag, kids, attrs))
         for k, v in CDAR_NS.items()}
    rsm, ram, udt, qdt = e["rsm"], e["ram"], e["udt"], e["qdt"]
    stamp = at.strftime("%Y%m%d%H%M%S")
    status = [ram("SpecifiedDocumentStatus",
                  *([ram("ReasonCode", REASON_CODES.get(code, "AUTRE"))] if reason and
                    code in REASON_CODES else []),
                  *([ram("Reason", reason)] if reason else []),
                  ram("SequenceNumeric", "1"),
                  *([ram("SpecifiedDocumentCharacteristic", ram("TypeCode", "MEN"),
                         ram("ValueAmount", paid, currencyID="EUR"),
                         ram("ValuePercent", vat_rate))] if code == "212" else []))]
    root = rsm(
        "CrossDomainAcknowledgementAndResponse",
        rsm("ExchangedDocumentContext",
            ram("BusinessProcessSpecifiedDocumentContextParameter", ram("ID", "REGULATED")),
            ram("GuidelineSpecifiedDocumentContextParameter",
                ram("ID", "urn.cpro.gouv.fr:1p0:CDV:invoice"))),
        rsm("ExchangedDocument",
            ram("ID", f"CDV-{uuid.uuid4().hex[:20]}"),
            ram("Name", "Statut de facture"),
            ram("IssueDateTime", udt("DateTimeString", stamp, format="204")),
            ram("SenderTradeParty", ram("RoleCode", "WK")),
            ram("IssuerTradeParty", ram("GlobalID", "9999", schemeID="0238"),
                ram("Name", "PA locale de test"), ram("RoleCode", "WK")),
            ram("RecipientTradeParty", ram("GlobalID", seller_siren, schemeID="0002"),
                ram("Name", "Vendeur"), ram("RoleCode", "SE"),
                ram("URIUniversalCommunication", ram("URIID", seller_siren, schemeID="0225")))),
        rsm("AcknowledgementDocument",
            ram("MultipleReferencesIndicator", udt("Indicator", "false")),
            ram("TypeCode", "305"),
            ram("IssueDateTime", udt("DateTimeString", stamp, format="204")),
            ram("ReferenceReferencedDocument",
                ram("IssuerAssignedID", number),
                ram("TypeCode", "380"),
                ram("FormattedIssueDateTime", qdt("DateTimeString", at.strftime("%Y%m%d"),
                                                  format="102")),
                ram("ProcessConditionCode", code),
                ram("ProcessCondition", label),
                ram("IssuerTradeParty", ram("GlobalID", seller_siren, schemeID="0002")),
                *status)))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _el(ns: str, tag: str, kids: tuple, attrs: dict[str, str]) -> etree._Element:
    el = etree.Element(f"{{{ns}}}{tag}", nsmap=CDAR_NS, **attrs)
    for kid in kids:
        if isinstance(kid, str):
            el.text = kid
        else:
            el.append(kid)
    return el


class PlatformState:
    """The platform's flows, tokens and injected faults; shared with the handler."""

    LABELS: ClassVar[dict[str, str]] = {"200": "Déposée", "202": "Reçue", "203": "Mise à disposition",
              "204": "Prise en charge", "205": "Approuvée", "207": "En litige", "208": "Suspendue",
              "210": "Refusée", "211": "Paiement transmis", "212": "Encaissée",
              "213": "Rejetée"}

    def __init__(self, client_id: str, secret: str, check_rules: bool = True) -> None:
        self.client_id, self.secret = client_id, secret
        self.check_rules = check_rules
        self.contract = Contract()
        self.directory = pa_directory.DirectoryState(Contract(pa_directory.SPEC))
        self.tokens: set[str] = set()
        self.flows: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.faults: list[tuple[str, str]] = []  # (path prefix, "500"|"503"|"429"|"drop")
        self.violations: list[str] = []
        self.requests: list[tuple[str, str, str]] = []  # (method, path, X-Request-Id)
        self.submissions = 0  # POST /v1/flows that created a flow
        self.received: dict[str, Decimal] = {}  # amounts reported by 212, per invoice
        # every POST /v1/flows by trackingId, answered or refused: a flow sent twice shows
        # here even when the platform refuses the second copy
        self.posted: dict[str, int] = {}
        self.delay = 0.0  # seconds a submission takes (senders overlap in tests)
        self.hold_deposits = False  # True: an invoice's 200 waits for ``deposit``
        self.held: list[str] = []  # numbers of the invoices accepted, their 200 not sent
        self.refuse_reports: list[tuple[str, str]] = []  # (flow type, Error reason)
        self.lock = threading.RLock()
        self._clock = datetime.now(UTC).replace(microsecond=0)

    def now(self) -> datetime:
        with self.lock:
            self._clock += timedelta(microseconds=1)
            return self._clock

    def fail(self, path: str, fault: str, times: int = 1) -> None:
        with self.lock:
            self.faults += [(path, fault)] * times

    def take_fault(self, path: str) -> str | None:
        with self.lock:
            for k, (prefix, fault) in enumerate(self.faults):
                if path.startswith(prefix):
                    del self.faults[k]
                    return fault
        return None

    def invoices(self) -> dict[str, dict[str, Any]]:
        """The invoice flows received, by trackingId."""
        return {f["trackingId"]: f for f in list(self.flows.values())
                if f["flowType"] == "CustomerInvoice"}

    def push_status(self, number: str, code: str, reason: str = "",
                    at: datetime | None = None, paid: str = "0.00") -> str:
        """A lifecycle status of invoice ``number``, as the platform would send it;
        ``at``: the status's own time when it comes late (out of order)."""
        moment = self.now()
        xml = cdar(number, code, self.LABELS.get(code, code), at or moment, reason,
                   paid=paid)
        at = moment
        flow_id = str(uuid.uuid4())
        with self.lock:
            self.flows[flow_id] = {"flowId": flow_id, "trackingId": f"LC-{flow_id[:30]}",
                                   "flowType": "CustomerInvoiceLC", "flowDirection": "In",
                                   "flowSyntax": "CDAR", "processingRule": "B2B",
                                   "submittedAt": _stamp(at), "updatedAt": _stamp(at),
                                   "acknowledgement": {"status": "Ok"}}
            self.files[flow_id] = xml
        return flow_id

    def sent_tracking_ids(self) -> set[str]:
        """The trackingIds of every flow we received (invoices, statuses, reports)."""
        return {f["trackingId"] for f in list(self.flows.values())
                if f["flowDirection"] == "Out"}

    def number_of(self, content: bytes) -> str:
        xml = self._cii(content)
        if xml is None:
            return ""
        root = etree.fromstring(xml)
        return root.findtext(".//{*}ExchangedDocument/{*}ID") or ""

    @staticmethod
    def _cii(content: bytes) -> bytes | None:
        try:
            _name, xml = facturx.get_xml_from_pdf(content, check_xsd=False)
        except Exception:  # noqa: BLE001 - not a Factur-X: no XML to check
            return None
        return xml or None

    def receive(self, info: dict[str, Any], content: bytes) -> dict[str, Any]:
        at = self.now()
        flow_id = str(uuid.uuid4())
        details: list[dict[str, str]] = []
        xml = self._cii(content) if info.get("flowSyntax") == "Factur-X" else None
        if info.get("flowSyntax") == "Factur-X" and xml is None:
            details.append({"level": "Error", "item": "file", "reasonCode": "InvalidSchema",
                            "reasonMessage": "no CII XML embedded in the PDF"})
        elif xml is not None and self.check_rules:
            rules = FR_RULES if FR_RULES.is_file() else en16931.FR_RULES
            for rule_set in (en16931.EN16931, rules):
                for rule, flag, text in en16931.failed_asserts(xml, rule_set):
                    if flag == "fatal":
                        details.append({"level": "Error", "item": rule,
                                        "reasonCode": rule, "reasonMessage": text[:500]})
        flow = {"flowId": flow_id, "trackingId": info.get("trackingId", ""),
                "flowType": "CustomerInvoice", "flowDirection": "Out",
                "flowSyntax": info["flowSyntax"], "processingRule":
                info.get("processingRule", "B2B"), "processingRuleSource": "Input",
                "submittedAt": _stamp(at), "updatedAt": _stamp(at),
                "acknowledgement": {"status": "Error", "details": details} if details
                else {"status": "Ok"}}
        with self.lock:
            self.flows[flow_id] = flow
            self.files[flow_id] = content
            self.submissions += 1
        number = self.number_of(content) if xml is not None else ""
        if number:
            if details:
                self.push_status(number, "213", "; ".join(d["item"] for d in details))
            elif self.hold_deposits:
                with self.lock:
                    self.held.append(number)
            else:
                self.push_status(number, "200")
        return {"flowId": flow_id, "submittedAt": _stamp(at), **info}

    def deposit(self) -> list[str]:
        """Send the 200 (Déposée) of every invoice accepted while ``hold_deposits``."""
        with self.lock:
            numbers, self.held = self.held, []
        for number in numbers:
            self.push_status(number, "200")
        return numbers


class Handler(BaseHTTPRequestHandler):
    server: PlatformServer  # type: ignore[assignment]

    def log_message(self, format: str, *args: object) -> None:
        return None

    # ------------------------------------------------------------------ replies
    def _json(self, status: int, body: object, schema: str | None,
              contract: Contract | None = None) -> None:
        state = self.server.state
        if schema is not None:
            for err in (contract or state.contract).errors(schema, body):
                state.violations.append(f"answer {self.path} {status} vs {schema}: {err}")
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: str, message: str = "") -> None:
        self._json(status, {"errorCode": code, "errorMessage": message}, "Error")

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _authorised(self, path: str) -> bool:
        state = self.server.state
        request_id = self.headers.get("X-Request-Id", "")
        state.requests.append((self.command, path, request_id))
        if request_id and not UUID.match(request_id):
            state.violations.append(f"X-Request-Id not a uuid: {request_id!r}")
            self._error(400, "INVALID_REQUEST_ID")
            return False
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in state.tokens:
            self._error(401, "MISSING_TOKEN" if not auth else "INVALID_TOKEN")
            return False
        fault = state.take_fault(path)
        if fault in ("500", "503", "429"):
            self._body()
            if fault == "429":
                self.send_response(429)
                self.send_header("Retry-After", "0")
                self.send_header("Content-Type", "application/json")
                data = b'{"errorCode": "TOO_MANY_REQUESTS"}'
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            else:
                self._error(int(fault), "INTERNAL_ERROR" if fault == "500" else
                            "RESOURCE_ERROR")
            return False
        self._fault = fault
        return True

    # ------------------------------------------------------------------ routes
    def do_POST(self) -> None:
        path = urlparse(self.path).path
        state = self.server.state
        if path == "/token":
            self._token()
        elif path == "/v1/flows":
            if self._authorised(path):
                self._create()
        elif path == "/v1/flows/search":
            if self._authorised(path):
                self._search()
        elif path.startswith(pa_directory.PREFIXES):
            if self._authorised(path):
                pa_directory.handle_post(self, path)
        else:
            self._error(404, "MISSING_RESOURCE")
        del state

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path == "/v1/healthcheck":
            if self._authorised(url.path):
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
        elif url.path.startswith("/v1/flows/"):
            if self._authorised(url.path):
                self._get(url.path.rsplit("/", 1)[1], parse_qs(url.query))
        elif url.path.startswith(pa_directory.PREFIXES):
            if self._authorised(url.path):
                pa_directory.handle_get(self, url.path)
        else:
            self._error(404, "MISSING_RESOURCE")

    def _token(self) -> None:
        state = self.server.state
        self._body()
        auth = self.headers.get("Authorization", "")
        try:
            user, _, secret = base64.b64decode(auth.removeprefix("Basic ")).decode() \
                .partition(":")
        except ValueError:
            user = secret = ""
        if user != state.client_id or not secrets.compare_digest(secret, state.secret):
            self._json(401, {"error": "invalid_client"}, None)
            return
        token = secrets.token_urlsafe(24)
        state.tokens.add(token)
        self._json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600},
                   None)

    def _create(self) -> None:
        state = self.server.state
        ctype = self.headers.get("Content-Type", "")
        raw = self._body()
        if not ctype.startswith("multipart/form-data"):
            self._error(400, "MISSING_REQUIRED_FIELD", "multipart/form-data expected")
            return
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {ctype}\r\n\r\n".encode() + raw)
        parts = {p.get_param("name", header="content-disposition"): p
                 for p in msg.iter_parts()}
        if set(parts) != {"flowInfo", "file"}:
            self._error(400, "MISSING_REQUIRED_FIELD", f"parts {sorted(parts)}")
            return
        if parts["flowInfo"].get_content_type() != "application/json":
            state.violations.append("flowInfo part is not application/json")
        try:
            info = json.loads(parts["flowInfo"].get_payload(decode=True))
        except ValueError:
            self._error(400, "INVALID_FLOW_INFO", "flowInfo is not JSON")
            return
        problems = state.contract.errors("FlowInfo", info)
        if problems:
            state.violations += [f"request flowInfo: {p}" for p in problems]
            self._error(400, "INVALID_FLOW_INFO", "; ".join(problems))
            return
        with state.lock:
            tracking_seen = str(info.get("trackingId", ""))
            state.posted[tracking_seen] = state.posted.get(tracking_seen, 0) + 1
        if state.delay:
            time.sleep(state.delay)
        content = parts["file"].get_payload(decode=True) or b""
        if not content:
            self._error(422, "EmptyFlow", "the file is empty")
            return
        if info.get("sha256") and hashlib.sha256(content).hexdigest() != info["sha256"]:
            self._error(422, "ChecksumMismatch", "sha256 differs from the file's")
            return
        tracking = info.get("trackingId")
        if tracking and tracking in state.sent_tracking_ids():
            self._error(422, "AlreadyExistingFlow", f"trackingId {tracking} already received")
            return
        if info.get("flowSyntax") in ("CDAR", "FRR"):
            refusal = pa_lifecycle.check(state, info, content)
            if refusal is not None:
                self._error(422, *refusal)
                return
            answer = pa_lifecycle.receive(state, info, content)
        else:
            answer = state.receive(info, content)
        if self._fault == "drop":  # took it, then the line went down
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self._json(202, answer, "FullFlowInfo")

    def _search(self) -> None:
        state = self.server.state
        try:
            body = json.loads(self._body() or b"{}")
        except ValueError:
            self._error(400, "INVALID_JSON")
            return
        problems = state.contract.errors("SearchFlowParams", body)
        where = body.get("where") or {} if isinstance(body, dict) else {}
        if not problems and not where:
            problems = ["where: at least one criterion is required"]
        if problems:
            state.violations += [f"request search: {p}" for p in problems]
            self._error(400, "INVALID_CRITERIA", "; ".join(problems))
            return
        limit = int(body.get("limit") or 25)
        with state.lock:
            flows = sorted(state.flows.values(), key=lambda f: f["updatedAt"])
        after = where.get("updatedAfter")

        def keep(f: dict[str, Any]) -> bool:
            return ((not after or _parse(f["updatedAt"]) > _parse(after))
                    and (not where.get("updatedBefore")
                         or _parse(f["updatedAt"]) < _parse(where["updatedBefore"]))
                    and (not where.get("trackingId") or f["trackingId"] == where["trackingId"])
                    and (not where.get("flowType") or f["flowType"] in where["flowType"])
                    and (not where.get("flowDirection")
                         or f["flowDirection"] in where["flowDirection"])
                    and (not where.get("processingRule")
                         or f["processingRule"] in where["processingRule"])
                    and (not where.get("ackStatus")
                         or f["acknowledgement"]["status"] == where["ackStatus"]))

        results = [f for f in flows if keep(f)][:limit]
        self._json(200, {"limit": limit, "filters": where, "results": results},
                   "SearchFlowContent")

    def _get(self, flow_id: str, query: dict[str, list[str]]) -> None:
        state = self.server.state
        doc_type = (query.get("docType") or ["Metadata"])[0]
        flow = state.flows.get(flow_id)
        if flow is None:
            self._error(404, "MISSING_RESOURCE", "Requested resource is Not Found")
            return
        if doc_type == "Metadata":
            self._json(200, flow, "Flow")
            return
        if doc_type != "Original":
            self._error(404, "MISSING_RESOURCE", f"no {doc_type} document")
            return
        data = state.files[flow_id]
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Disposition", f"attachment;filename={flow_id}")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


class PlatformServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: PlatformState) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.state = state
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


def environ(server: PlatformServer) -> dict[str, str]:
    """The environment a Facturier command needs to use ``server``."""
    return {"FACTURIER_PA_URL": server.url, "FACTURIER_PA_TOKEN_URL": server.url + "/token",
            "FACTURIER_PA_CLIENT_ID": server.state.client_id,
            "FACTURIER_PA_SECRET": server.state.secret}
