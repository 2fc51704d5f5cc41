"""The XP Z12-013 Flow Service client (AFNOR, Annex A, OpenAPI 1.1.0), written from the
published contract (tests/fixtures/platform/AFNOR-Flow_Service-1.1.0.json):

- an OAuth2 client-credentials token from the token URL (client id and secret in HTTP
  Basic, RFC 6749 §2.3.1), sent as ``Authorization: Bearer``, renewed before it expires and
  once on a 401;
- every call carries a fresh ``X-Request-Id`` (uuid), logged with its status so a support
  desk can find it; the token and the secret are never logged;
- ``POST /v1/flows``: multipart, part ``flowInfo`` as ``application/json`` (trackingId,
  name, processingRule, flowSyntax, flowProfile, sha256) and part ``file``;
- ``POST /v1/flows/search``: ``where`` criteria, ``limit`` 100, paginated by moving
  ``updatedAfter`` to the last ``updatedAt`` seen (the contract's pagination);
- ``GET /v1/flows/{flowId}?docType=Metadata|Original``, ``GET /v1/healthcheck``;
- 5xx, 429, a timeout or a refused connection is retried with exponential backoff (and the
  server's ``Retry-After``); a submission is retried only after a search by its
  ``trackingId`` finds that the platform did not already take it;
- a 4xx is a ``PlatformError`` carrying the platform's ``errorCode`` / ``errorMessage``.

pyfrctc (PyPI, LGPL) was evaluated and not used: docs/E-INVOICING.md says why.
"""
from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from pyfuncs.adapters.platform.base import Flow, PlatformError, Reason
from pyfuncs.adapters.platform.config import PlatformSettings

if TYPE_CHECKING:
    # requests (with urllib3 and charset_normalizer) is imported by the methods that call a
    # platform: the checks and the refresh import this module through the directory cache
    # and never call one, and the import was 60 to 90 ms of each of their starts
    import requests

log = logging.getLogger(__name__)
PAGE = 100  # the contract's maximum ``limit``
TRANSIENT = {429, 500, 502, 503, 504}
MEDIA = {"Factur-X": "application/pdf", "CII": "application/xml", "UBL": "application/xml",
         "CDAR": "application/xml", "FRR": "application/xml"}


def _reasons(payload: Any) -> tuple[Reason, ...]:
    """The reasons of an ``Error`` body or of an ``Acknowledgement``'s details."""
    if not isinstance(payload, dict):
        return ()
    if "errorCode" in payload:
        return (Reason(str(payload.get("errorCode") or ""),
                       str(payload.get("errorMessage") or "")),)
    details = (payload.get("acknowledgement") or {}).get("details") or []
    return tuple(Reason(str(d.get("reasonCode") or ""), str(d.get("reasonMessage") or ""),
                        str(d.get("item") or ""), str(d.get("level") or "Error"))
                 for d in details if isinstance(d, dict))


def flow_of(payload: dict[str, Any]) -> Flow:
    ack = payload.get("acknowledgement") or {}
    return Flow(flow_id=str(payload.get("flowId") or ""),
                tracking_id=str(payload.get("trackingId") or ""),
                flow_type=str(payload.get("flowType") or ""),
                direction=str(payload.get("flowDirection") or ""),
                ack=str(ack.get("status") or ""),
                updated_at=str(payload.get("updatedAt") or payload.get("submittedAt") or ""),
                submitted_at=str(payload.get("submittedAt") or ""),
                syntax=str(payload.get("flowSyntax") or ""),
                reasons=_reasons(payload))


class XpZ12013Platform:
    """An approved platform speaking XP Z12-013."""

    def __init__(self, settings: PlatformSettings, *, retries: int = 4,
                 backoff: float = 0.5, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.name = settings.name
        self._cfg = settings
        self._retries = retries
        self._backoff = backoff
        import requests  # see TYPE_CHECKING above

        self._http = session or requests.Session()
        self._sleep = sleep
        self._token = ""
        self._token_until = 0.0

    # ------------------------------------------------------------------ transport
    def _fetch_token(self) -> str:
        import requests

        try:
            answer = self._http.post(self._cfg.token_url, data={"grant_type":
                                                               "client_credentials"},
                                     auth=(self._cfg.client_id, self._cfg.secret),
                                     timeout=self._cfg.timeout)
        except requests.RequestException as err:
            raise PlatformError(f"token URL unreachable: {type(err).__name__}",
                                transient=True) from None
        if answer.status_code != 200:
            raise PlatformError(f"the token URL refused the client id {self._cfg.client_id} "
                                f"(HTTP {answer.status_code})", status=answer.status_code,
                                transient=answer.status_code in TRANSIENT)
        body = answer.json()
        self._token = str(body.get("access_token") or "")
        self._token_until = time.monotonic() + float(body.get("expires_in") or 300) - 30
        return self._token

    def _bearer(self, renew: bool = False) -> str:
        if renew or not self._token or time.monotonic() >= self._token_until:
            return self._fetch_token()
        return self._token

    def call(self, method: str, path: str, *, base: str | None = None,
             **kwargs: Any) -> requests.Response:
        """One call under ``base`` (the Flow Service's base URL by default), with the same
        token, retries and errors as every call of this client (the directory client of
        directory.py calls the Directory Service's routes through it)."""
        return self._call(method, path, base=base, **kwargs)

    def _call(self, method: str, path: str, *, base: str | None = None,
              **kwargs: Any) -> requests.Response:
        """One call, retried on transient failures; a 4xx raises with its reasons."""
        import requests

        url = (base or self._cfg.base_url) + path
        renewed = False
        attempt = 0
        while True:
            request_id = str(uuid.uuid4())
            headers = {"Authorization": f"Bearer {self._bearer()}",
                       "X-Request-Id": request_id, "Accept": "application/json"}
            try:
                answer = self._http.request(method, url, headers=headers,
                                            timeout=self._cfg.timeout, **kwargs)
            except (requests.Timeout, requests.ConnectionError) as err:
                status, wait, why = 0, None, type(err).__name__
            else:
                log.info("%s %s -> %s (X-Request-Id %s)", method, path, answer.status_code,
                         request_id)
                if answer.status_code < 400:
                    return answer
                if answer.status_code == 401 and not renewed:
                    renewed = True
                    self._bearer(renew=True)
                    continue
                status, why = answer.status_code, f"HTTP {answer.status_code}"
                try:
                    body = answer.json()
                except ValueError:
                    body = None
                if status not in TRANSIENT:
                    reasons = _reasons(body)
                    raise PlatformError(f"{method} {path}: {why} " + "; ".join(
                        f"{r.code} {r.message}".strip() for r in reasons), status=status,
                        reasons=reasons)
                wait = _retry_after(answer)
            if attempt >= self._retries:
                raise PlatformError(f"{method} {path}: {why}, still after {attempt + 1} "
                                    "attempts", status=status, transient=True)
            delay = wait if wait is not None else self._backoff * 2 ** attempt
            log.warning("%s %s: %s, trying again in %.1f s", method, path, why, delay)
            self._sleep(min(delay, 60.0))
            attempt += 1
            if kwargs.get("files") is not None:  # a submission: did it land after all?
                tracking = json.loads(kwargs["files"]["flowInfo"][1])["trackingId"]
                landed = next(self.search(tracking_id=tracking), None)
                if landed is not None:
                    raise _Landed(landed)

    # ------------------------------------------------------------------ operations
    def submit(self, content: bytes, *, filename: str, tracking_id: str, sha256: str,
               syntax: str = "Factur-X", processing_rule: str = "B2B") -> Flow:
        info = {"trackingId": tracking_id, "name": filename, "processingRule":
                processing_rule, "flowSyntax": syntax, "sha256": sha256}
        files = {"flowInfo": (None, json.dumps(info), "application/json"),
                 "file": (filename, content, MEDIA.get(syntax, "application/octet-stream"))}
        try:
            answer = self._call("POST", "/v1/flows", files=files)
        except _Landed as landed:
            return landed.flow
        return flow_of(answer.json())

    def search(self, *, updated_after: str | None = None, tracking_id: str | None = None,
               flow_types: tuple[str, ...] = (), direction: str | None = None
               ) -> Iterator[Flow]:
        where: dict[str, Any] = {}
        if updated_after:
            where["updatedAfter"] = updated_after
        if tracking_id:
            where["trackingId"] = tracking_id
        if flow_types:
            where["flowType"] = list(flow_types)
        if direction:
            where["flowDirection"] = [direction]
        if not where:  # the contract needs one criterion: everything is "after the epoch"
            where["updatedAfter"] = "1970-01-01T00:00:00Z"
        seen: set[str] = set()
        while True:
            body = self._call("POST", "/v1/flows/search",
                              json={"limit": PAGE, "where": where}).json()
            results = [r for r in body.get("results") or [] if isinstance(r, dict)]
            for payload in results:
                flow = flow_of(payload)
                if flow.flow_id not in seen:
                    seen.add(flow.flow_id)
                    yield flow
            last = max((str(r.get("updatedAt") or "") for r in results), default="")
            if len(results) < PAGE or not last or last == where.get("updatedAfter"):
                return
            where["updatedAfter"] = last

    def flow(self, flow_id: str) -> Flow:
        return flow_of(self._call("GET", f"/v1/flows/{flow_id}",
                                  params={"docType": "Metadata"}).json())

    def download(self, flow_id: str, doc_type: str = "Original") -> bytes:
        return self._call("GET", f"/v1/flows/{flow_id}", params={"docType": doc_type}).content

    def healthy(self) -> bool:
        try:
            self._call("GET", "/v1/healthcheck")
        except PlatformError:
            return False
        return True


class _Landed(Exception):
    def __init__(self, flow: Flow) -> None:
        super().__init__(flow.flow_id)
        self.flow = flow


def _retry_after(answer: requests.Response) -> float | None:
    value = answer.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
