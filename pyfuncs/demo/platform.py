"""The demo's e-invoicing step: its issued documents go to a local stand-in platform.

The stand-in (tests/support/pa_server.py) is an HTTP server on 127.0.0.1, on a free port,
speaking the XP Z12-013 Flow Service; it is no approved platform (PA). It lives in the
project's checkout, not in the package: it is imported here, when the step runs, and an
installed Facturier without the checkout skips the step with one line saying why.

The step runs ``transmit --send`` then ``statuses`` with the stand-in's address and a
throwaway secret passed in the environment mapping the jobs accept: neither is written to
the workbook nor to the journal (the demo folder's own, as for every demo job).
"""
from __future__ import annotations

import importlib
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pyfuncs.domain import einvoicing as E

if TYPE_CHECKING:
    from pyfuncs.documents.model import InvoiceDoc

STAND_IN = "local stand-in, not a real PA"
CHECKS = ("it checks the OAuth2 token, each request and answer against the Flow Service "
          "contract and each file's checksum; the French rules ran before sending")


@dataclass
class PlatformRun:
    """What the demo's transmission did: the counts of its summary line."""

    transmitted: int = 0
    ereporting: int = 0
    refused: int = 0      # refused by the platform, blocked by the rules, or failed
    pulled: int = 0       # statuses recorded by the pull
    codes: Counter[str] | None = None  # current status code -> documents
    receipts_waiting: int = 0  # 212 « Encaissée » waiting for the invoice's 200
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
        if self.receipts_waiting:
            line += (f" {self.receipts_waiting} payment status(es) 212 wait for their "
                     "invoice's 200: the next transmit sends them.")
        return line + f"\n  The stand-in: {CHECKS}."


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


def run_platform(path: Path, today: date,
                 progress: Callable[[str], None] = lambda _s: None,
                 pdfs: Path | None = None) -> PlatformRun:
    """Start the stand-in platform, transmit the issued documents (``pdfs``: the folder
    where the demo wrote them), pull the statuses, stop the server; skipped
    (``PlatformRun.skipped``) where the stand-in cannot be imported."""
    try:
        stand_in = importlib.import_module("tests.support.pa_server")
    except ImportError as err:  # an installed package: no checkout, no stand-in
        return PlatformRun(skipped="the local stand-in platform lives in the project's "
                                   f"checkout, tests/support, not importable here: {err}")
    from pyfuncs.jobs.einvoicing import run_statuses, run_transmit
    run = PlatformRun()
    # the invoices' rules run in transmit before anything leaves; the stand-in's own copy
    # of them would only double the time
    state = stand_in.PlatformState("facturier-demo", secrets.token_urlsafe(24), check_rules=False)
    with stand_in.PlatformServer(state) as server:
        env: dict[str, str] = stand_in.environ(server)
        sent = run_transmit(path, today, environ=env, progress=progress,
                            render=written(pdfs) if pdfs is not None else None)
        run.transmitted = sent.count("sent") + sent.count("already")
        run.ereporting = sent.count("e-reporting")
        run.refused = sent.count("refused") + sent.count("blocked") + sent.count("failed")
        run.receipts_waiting = sum(1 for r in sent.receipts if r.status == "waiting")
        pulled = run_statuses(path, today, environ=env, progress=progress)
        run.pulled = pulled.received
        run.codes = Counter(str(row[4]) for row in pulled.rows if row[4])
    return run
