"""The demo's payments reach the tax authority end to end through the local platform
(tests/support/pa_server.py): one 212 "Encaissée" per payment on a services invoice the
platform has deposited, and one e-reporting period for its clients abroad."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.demo.job import build_demo
from pyfuncs.jobs.einvoicing import run_statuses, run_transmit
from pyfuncs.jobs.ereport import run_ereport
from tests.integration.test_ereport import registered
from tests.support.ledgers import ledgers_of
from tests.support.pa_lifecycle import frr_problems
from tests.support.pa_server import PlatformServer, PlatformState, environ

TODAY = date(2026, 11, 23)


def test_the_demo_sends_its_212s_once_and_one_e_reporting_period(tmp_path):
    path, _data = build_demo(tmp_path, None, TODAY)
    # the invoices' own rules are checked by test_platform; here the payments' statuses
    # and the reports are (each 212 still passes the CDAR XSD and BR-FR-CDV on arrival)
    with PlatformServer(PlatformState("demo", "demo-secret-1", check_rules=False)) as server:
        env = environ(server)
        first = run_transmit(path, TODAY, environ=env)  # the invoices; their 212s wait
        assert first.receipts and {r.status for r in first.receipts} == {"waiting"}
        assert server.state.received == {}
        run_statuses(path, TODAY, environ=env)  # the platform's 200s
        sent = run_transmit(path, TODAY, environ=env)
        receipts = sent.receipts
        assert receipts and {r.status for r in receipts} == {"sent"}
        # what the platform holds per invoice is what the Paiements table says was received
        payments = read_workbook(path).tables["Paiements"]
        received: dict[str, Decimal] = defaultdict(Decimal)
        for number, amount in zip(payments.cols["invoice"], payments.cols["amount"],
                                  strict=True):
            if number and str(number).strip() in server.state.received:
                received[str(number).strip()] += Decimal(str(amount))
        assert server.state.received == dict(received)
        assert not any(r.number.startswith("AV") for r in receipts)  # no credit note
        assert run_transmit(path, TODAY, environ=env).receipts == []  # each once
        with ledgers_of(path) as led:
            assert len(led.receipts.rows()) == len(receipts)

        months = sorted({s.issue_date.strftime("%Y-%m") for s in _abroad(path)})
        period = months[-1]
        registered(path)  # the platform's registration number: the files' sender
        report = run_ereport(path, TODAY, period, send=True, environ=env)
        assert report.files and {f.status for f in report.files} == {"sent"}
        for f in report.files:
            assert frr_problems(f.path.read_bytes()) == [], f.flow
        acks = run_statuses(path, TODAY, environ=env).reports
        assert {a for a, _r in acks.values()} == {"Ok"}
        assert server.state.violations == []


def _abroad(path):
    """The demo's issued documents to clients abroad (the e-reporting ones)."""
    from pyfuncs.documents.model import build_documents
    from pyfuncs.domain.context import Ctx
    from pyfuncs.jobs.load import load
    loaded = load(path, TODAY, checks=False, tables=["Parametres", "TauxPenalite",
                                                     "Clients", "Factures", "LignesFacture"])
    ctx = Ctx(loaded.data.tables, loaded.computed, loaded.data.settings, TODAY)
    docs, _ = build_documents(ctx, None, path.parent)
    return [d for d in docs if d.buyer.country not in ("FR", "")]
