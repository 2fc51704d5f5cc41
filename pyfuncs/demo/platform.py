"""The demo's e-invoicing step: its issued documents go to a local stand-in platform.

The stand-in (tests/support/pa_server.py) is an HTTP server on 127.0.0.1, on a free port,
speaking the XP Z12-013 Flow Service; it is no approved platform (PA). It lives in the
project's checkout, not in the package: it is imported here, when the step runs, and an
installed Facturier without the checkout skips the step with one line saying why.

The step does what a user does on the day, in the order the rules impose, with the
stand-in's address and a throwaway secret passed in the environment mapping the jobs
accept (neither is written to the workbook nor to the journal, the demo folder's own):
- ``transmit --send``: the issued documents go, each once;
- ``statuses``: their lifecycle statuses come back (200 Déposée);
- ``transmit --send`` again: the payments received on deposited invoices go as 212
  « Encaissée », which waits for the invoice's 200;
- ``ereport --period P --send``: the e-reporting files of the period whose deadline comes
  next (sales abroad and to private persons, and their payments), under Paramètres ›
  Matricule de la plateforme (the demo's is the stand-in's made-up « 9999 »);
- ``statuses``: the reports' acknowledgements come back.
"""
from __future__ import annotations

import importlib
import secrets
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from pyfuncs.domain import einvoicing as E
from pyfuncs.domain import ereporting as R

if TYPE_CHECKING:
    from pyfuncs.documents.record import InvoiceDoc

STAND_IN = "local stand-in, not a real PA"
CHECKOUT = Path(__file__).resolve().parents[2]  # pyfuncs/demo/platform.py -> the checkout
CHECKS = ("it checks the OAuth2 token, each request and answer against the Flow Service "
          "contract, each file's checksum, each 212 against the CDAR schema and BR-FR-CDV "
          "rules and the invoice's amounts, each report against the flow 10 schema and "
          "rules; the invoices' French rules ran before sending")


@dataclass
class PlatformRun:
    """What the demo's transmission did: the counts of its summary line."""

    transmitted: int = 0
    ereporting: int = 0
    refused: int = 0      # refused by the platform, blocked by the rules, or failed
    pulled: int = 0       # statuses recorded by the pull
    codes: Counter[str] | None = None  # current status code -> documents
    receipts_waiting: int = 0  # 212 « Encaissée » waiting for the invoice's 200
    receipts_sent: int = 0  # 212 « Encaissée » sent once the 200s came back
    period: str = ""  # the e-reporting period reported
    reports: Counter[str] | None = None  # e-reporting file status -> files
    reports_ok: int = 0  # e-reporting files the platform acknowledged Ok
    skipped: str = ""     # why the step did not run

    def text(self, lang: str) -> str:
        if self.skipped:
            return f"Platform: skipped ({self.skipped})."
        codes = self.codes or Counter()
        deposited = codes.get("200", 0)
        rejected = codes.get("213", 0)
        others = sum(n for c, n in codes.items() if c not in ("200", "213"))
        parts = [f"{self.transmitted} document(s) transmitted",
                 f"{self.ereporting} for e-reporting",
                 f"{self.refused} refused or blocked"]
        pulled = f"{self.pulled} status(es) pulled: 200 Déposée for {deposited}, " \
                 f"{rejected} rejected (213)"
        if others:
            pulled += f", {others} other"
        line = (f"Platform ({STAND_IN}): " + ", ".join(parts) + f"; {pulled}: see the "
                f"{E.SHEET.label(lang)} sheet.")
        line += f"\n  Payments: {self.receipts_sent} status(es) 212 « Encaissée » sent"
        if self.receipts_waiting:
            line += f", {self.receipts_waiting} waiting for their invoice's 200"
        reports = self.reports or Counter()
        if self.period:
            line += (f".\n  E-reporting {self.period}: {reports.get('sent', 0)} file(s) sent, "
                     f"{self.reports_ok} acknowledged Ok")
            unsent = {k: n for k, n in reports.items() if k != "sent"}
            if unsent:
                line += ", " + ", ".join(f"{n} {k}" for k, n in sorted(unsent.items()))
        return line + f".\n  The stand-in: {CHECKS}."


def written(folder: Path) -> Callable[[InvoiceDoc], tuple[bytes, bytes]]:
    """A document's Factur-X as the demo's pdf step wrote it in ``folder`` (NUMBER.pdf),
    with its CII; rendered again when absent. Reading it back is cheaper than drawing it
    a second time, and what the demo transmits is what it shows in its pdf folder."""
    # factur-x is a test extra, as the stand-in (which imports it too) is; imported by
    # name, as the stand-in is, so the type check stays on the package
    facturx = importlib.import_module("facturx")

    from pyfuncs.jobs.einvoicing import factur_x

    def render(doc: InvoiceDoc) -> tuple[bytes, bytes]:
        pdf = folder / f"{doc.number}.pdf"
        if not pdf.is_file():
            return factur_x(doc)
        content = pdf.read_bytes()
        _name, xml = facturx.get_xml_from_pdf(content, check_xsd=False)
        return (content, xml) if xml else factur_x(doc)
    return render


def reported_period(tables: Mapping[str, list[dict[str, object]]] | None, today: date,
                    regime: str, seller_country: str) -> str:
    """The e-reporting period the demo sends: the one whose deadline comes next, or, when
    the demo's data has nothing to report in it (no sale abroad or to a private person,
    no payment from a private person), the latest month before it that has."""
    period = R.next_deadline(today, regime)[2]
    if not tables:
        return period.label
    clients = {c["id"]: c for c in tables.get("Clients", [])}

    def reported(client: object) -> bool:
        c = clients.get(client, {})
        return E.processing_rule(seller_country, str(c.get("country") or "FR"),
                                 E.is_private(c.get("private"))) != "B2B"
    numbers = {f["number"] for f in tables.get("Factures", []) if reported(f["client"])}
    days = [f["issue_date"] for f in tables.get("Factures", []) if f["number"] in numbers] + \
           [p["date"] for p in tables.get("Paiements", []) if p.get("invoice") in numbers]
    months = {(d.year, d.month) for d in days if isinstance(d, date) and d <= period.end}
    if not months or (period.start.year, period.start.month) in months:
        return period.label
    year, month = max(months)
    return f"{year:04d}-{month:02d}"


def stand_in_module() -> ModuleType:
    """The stand-in platform's module, from the checkout this package runs from. The
    ``facturier`` command of an editable install has neither the checkout nor the
    current folder on its import path, so the checkout beside the package (CHECKOUT) is
    put first on it when it holds the stand-in; ImportError when there is none (an
    installed package)."""
    if (CHECKOUT / "tests" / "support" / "pa_server.py").is_file() and \
            str(CHECKOUT) not in sys.path:
        sys.path.insert(0, str(CHECKOUT))
    return importlib.import_module("tests.support.pa_server")


def run_platform(path: Path, today: date,
                 progress: Callable[[str], None] = lambda _s: None,
                 pdfs: Path | None = None, settings: Mapping[str, object] | None = None,
                 tables: Mapping[str, list[dict[str, object]]] | None = None) -> PlatformRun:
    """Start the stand-in platform, transmit the issued documents (``pdfs``: the folder
    where the demo wrote them), pull the statuses, send the payments' 212s, report the
    period whose e-reporting deadline comes next (``reported_period``: ``settings`` and
    ``tables``, the demo's data), pull the acknowledgements, stop the server; skipped
    (``PlatformRun.skipped``) where the stand-in cannot be imported."""
    try:
        stand_in = stand_in_module()
    except ImportError as err:  # an installed package: no checkout, no stand-in
        return PlatformRun(skipped="the local stand-in platform lives in the project's "
                                   f"checkout, tests/support, not importable here: {err}")
    from pyfuncs.jobs.einvoicing import run_statuses, run_transmit
    from pyfuncs.jobs.ereport import run_ereport
    run = PlatformRun()
    settings = settings or {}
    vat_regime, seller_country = settings.get("vat_regime"), str(
        settings.get("seller_country") or "FR")
    # the invoices' rules run in transmit before anything leaves; the stand-in's own copy
    # of them would only double the time
    state = stand_in.PlatformState("facturier-demo", secrets.token_urlsafe(24), check_rules=False)
    render = written(pdfs) if pdfs is not None else None
    with stand_in.PlatformServer(state) as server:
        env: dict[str, str] = stand_in.environ(server)
        sent = run_transmit(path, today, environ=env, progress=progress, render=render)
        run.transmitted = sent.count("sent") + sent.count("already")
        run.ereporting = sent.count("e-reporting")
        run.refused = sent.count("refused") + sent.count("blocked") + sent.count("failed")
        pulled = run_statuses(path, today, environ=env, progress=progress)
        run.pulled = pulled.received
        # a 212 goes once its invoice's 200 is in: the second transmit sends them
        receipts = run_transmit(path, today, environ=env, progress=progress,
                                render=render).receipts
        run.receipts_sent = sum(1 for r in receipts if r.status == "sent")
        run.receipts_waiting = sum(1 for r in receipts if r.status == "waiting")
        period = reported_period(tables, today, R.regime_of(vat_regime), seller_country)
        run.period = period
        report = run_ereport(path, today, period, send=True, environ=env,
                             progress=progress)
        run.reports = Counter(f.status for f in report.files)
        acks = run_statuses(path, today, environ=env, progress=progress)
        run.reports_ok = sum(1 for status, _why in acks.reports.values() if status == "Ok")
        run.codes = Counter(str(row[4]) for row in acks.rows if row[4])
    return run
