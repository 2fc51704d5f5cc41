"""E-reporting (`facturier ereport`): the flow 10 files of a period, checked against the
flow 10 XSD and the Flux10 rules (tests/fixtures/ereporting), written, listed, and sent
once to the local platform (tests/support/pa_server.py)."""
from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from lxml import etree

from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.adapters.xlsx_write import WorkbookWriter
from pyfuncs.cli import main
from pyfuncs.domain import ereporting as R
from pyfuncs.jobs.einvoicing import run_statuses
from pyfuncs.jobs.ereport import EreportInputError, run_ereport
from tests.integration.test_platform import SECRET, TODAY, book
from tests.support.ledgers import ledgers_of
from tests.support.pa_lifecycle import frr_problems
from tests.support.pa_server import PlatformServer, PlatformState, environ
from tests.unit.test_checks import clean_tables


@pytest.fixture
def platform():
    with PlatformServer(PlatformState("facturier-test", SECRET)) as server:
        yield server
        assert server.state.violations == [], "a request or an answer broke the OpenAPI"


def set_setting(path: Path, key: str, value: object) -> int:
    """Paramètres › ``key`` set to ``value``, as a user types it; its sheet row."""
    table = read_workbook(path).tables["Parametres"]
    row = table.rows[table.cols["key"].index(key)]
    writer = WorkbookWriter(path)
    writer.set_cells("Parametres", [(row, "Valeur", value)])
    writer.commit()
    return row


def set_cell(path: Path, table: str, key: str, value: object, column: str, new: object,
             ) -> None:
    """The first row of ``table`` whose ``key`` column holds ``value``: its ``column``
    (a header label) set to ``new``, as a user types it."""
    data = read_workbook(path).tables[table]
    k = next(i for i, v in enumerate(data.cols[key]) if str(v).strip() == value)
    writer = WorkbookWriter(path)
    writer.set_cells(table, [(data.rows[k], column, new)])
    writer.commit()


def registered(path: Path, matricule: str = "P042") -> Path:
    """The workbook with the platform's registration number typed in Paramètres (the
    sender of the e-reporting files, Flux10 G6.22)."""
    set_setting(path, "pa_registration", matricule)
    return path


def with_private_client(tmp_path: Path) -> Path:
    """The clean workbook where the German client C3 is a private person (Clients ›
    Particulier, no VAT number): its March invoice is a B2C sale with French VAT,
    2,200.00 of its 2,640.00 paid on 30 March. Her email stands for her electronic
    address on the invoice (scheme EM)."""
    tables = copy.deepcopy(clean_tables())
    for c in tables["Clients"]:
        if c["id"] == "C3":
            c.update(vat_number=None, name="Anna Kessler", private="yes",
                     electronic_address=None, billing_email="anna.kessler@example.org")
    for line in tables["LignesFacture"]:
        if line["invoice"] == "F03":  # no reverse charge for a private person: French VAT
            line["vat_rate"] = Decimal("0.2")
    return book(tmp_path, tables)


def test_a_month_of_international_b2b_sales_is_one_valid_transactions_file_listed_in_a_sheet(
        tmp_path):
    path = book(tmp_path)
    result = run_ereport(path, TODAY, "2026-03")
    assert [(f.flow, f.items, f.status) for f in result.files] == [("10.1", 2, "written")]
    xml = result.files[0].path.read_bytes()
    assert frr_problems(xml) == []  # the flow 10 XSD and every Flux10 rule
    root = etree.fromstring(xml)
    assert [i.findtext("ID") for i in root.iterfind("TransactionsReport/Invoice")] == \
        ["FAC2026-0003", "FAC2026-0004"]
    assert result.files[0].deadline == date(2026, 4, 10)  # simplified: the 10th of M+1
    ws = openpyxl.load_workbook(path)["E-reporting"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0]]
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == \
        [("2026-03", "10.1", "UnitaryCustomerTransactionReport", 2)]


def test_sales_to_a_private_person_are_aggregated_per_day_and_their_payments_per_day(tmp_path):
    path = with_private_client(tmp_path)
    result = run_ereport(path, TODAY, "2026-03")
    flows = {f.flow: f for f in result.files}
    assert sorted(flows) == ["10.1", "10.3", "10.4"]
    for f in result.files:
        assert frr_problems(f.path.read_bytes()) == [], f.flow
    day = etree.fromstring(flows["10.3"].path.read_bytes()).find("TransactionsReport/"
                                                                  "Transactions")
    assert (day.findtext("Date"), day.findtext("CategoryCode"),
            day.findtext("TransactionsCount")) == ("20260302", "TPS1", "1")
    paid = etree.fromstring(flows["10.4"].path.read_bytes())
    amounts = [Decimal(a.text) for a in paid.iterfind(".//SubTotals/Amount")]
    assert sum(amounts) == Decimal("2200.00")  # the payment of 30 March, split by rate
    assert paid.findtext(".//Payment/Date") == "20260330"


def test_a_business_missing_its_siren_is_not_e_reported_as_a_private_person(tmp_path):
    """The same client, not marked Particulier: a business abroad whose VAT number is
    missing, so the invoice has no buyer's electronic address. It is no B2C sale: it
    waits, an error on its Clients row, and the period reports the other sales abroad."""
    path = with_private_client(tmp_path)
    set_cell(path, "Clients", "id", "C3", "Particulier", "Non")
    clients = read_workbook(path).tables["Clients"]
    row = clients.rows[clients.cols["id"].index("C3")]
    result = run_ereport(path, TODAY, "2026-03")
    assert [f.flow for f in result.files] == ["10.1"]
    missing = [f for f in result.findings if f.code == "PDF-CLIENT"]
    assert missing and {(f.sheet, f.row) for f in missing} == {("Clients", row)}
    assert {f.column for f in missing} >= {"Adresse électronique"}


def test_the_files_go_once_to_the_platform_and_their_acknowledgement_comes_back(
        tmp_path, platform):
    path = registered(with_private_client(tmp_path))
    env = environ(platform)
    sent = run_ereport(path, TODAY, "2026-03", send=True, environ=env)
    assert {f.status for f in sent.files} == {"sent"}
    types = sorted(f["flowType"] for f in platform.state.flows.values()
                   if f["flowSyntax"] == "FRR")
    assert types == ["AggregatedCustomerPaymentReport", "AggregatedCustomerTransactionReport",
                     "UnitaryCustomerTransactionReport"]
    again = run_ereport(path, TODAY, "2026-03", send=True, environ=env)
    assert {f.status for f in again.files} == {"already"}
    assert sum(1 for f in platform.state.flows.values() if f["flowSyntax"] == "FRR") == 3
    pulled = run_statuses(path, TODAY, environ=env)
    assert {ack for ack, _r in pulled.reports.values()} == {"Ok"}
    assert len(pulled.reports) == 3


def test_a_payment_corrected_after_its_report_went_is_sent_again_as_one_rectificative(
        tmp_path, platform):
    # Flux10 G8.01: a transmission is IN (initial) or RE (rectificative); G1.16 refuses a
    # negative amount, so the correction is the period's report again, whole, as RE
    from pyfuncs.adapters.xlsx_read import read_workbook
    from pyfuncs.adapters.xlsx_write import WorkbookWriter
    path = registered(with_private_client(tmp_path))
    env = environ(platform)
    first = run_ereport(path, TODAY, "2026-03", send=True, environ=env)
    assert {f.status for f in first.files} == {"sent"}
    table = read_workbook(path).tables["Paiements"]
    k = next(i for i, n in enumerate(table.cols["invoice"]) if n == "FAC2026-0003")
    writer = WorkbookWriter(path)  # the 2,200.00 of 30 March was in fact 2,000.00
    writer.set_cells("Paiements", [(table.rows[k], "Montant", 2000)])
    writer.commit()
    again = run_ereport(path, TODAY, "2026-03", send=True, environ=env)
    by_flow = {f.flow: f for f in again.files}
    assert {f: x.status for f, x in by_flow.items()} == \
        {"10.1": "already", "10.3": "already", "10.4": "sent"}
    fixed = by_flow["10.4"]
    assert fixed.type_code == "RE" and fixed.report.endswith("-2026-03-F104-R1")
    xml = fixed.path.read_bytes()  # the file on disk is the one sent
    assert frr_problems(xml) == []
    root = etree.fromstring(xml)
    assert root.findtext("ReportDocument/TypeCode") == "RE"
    assert root.findtext("ReportDocument/Id") == fixed.report
    assert sum(Decimal(a.text) for a in root.iterfind(".//SubTotals/Amount")) == \
        Decimal("2000.00")
    sent = [platform.state.files[f["flowId"]] for f in platform.state.flows.values()
            if f["flowSyntax"] == "FRR"]
    assert len(sent) == 4 and sent[-1] == xml
    found = [f for f in again.findings if f.code == "EREP-RE"]
    assert len(found) == 1 and "rectificative" in found[0].message
    ws = openpyxl.load_workbook(path)["E-reporting"]
    assert "AggregatedCustomerPaymentReport (RE)" in [r[2] for r in ws.iter_rows(
        min_row=4, values_only=True)]
    # exactly once: the rectificative stands until the data change again
    third = run_ereport(path, TODAY, "2026-03", send=True, environ=env)
    assert {f.status for f in third.files} == {"already"}
    assert {f.report for f in third.files if f.flow == "10.4"} == {fixed.report}
    assert sum(1 for f in platform.state.flows.values() if f["flowSyntax"] == "FRR") == 4
    acks = run_statuses(path, TODAY, environ=env).reports
    assert acks[fixed.report][0] == "Ok"


def test_a_crash_before_the_call_sends_each_report_once_on_the_rerun(tmp_path, platform):
    path = registered(with_private_client(tmp_path))
    env = environ(platform)

    def crash(report: str) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_ereport(path, TODAY, "2026-03", send=True, environ=env, after_prepare=crash)
    rerun = run_ereport(path, TODAY, "2026-03", send=True, environ=env)
    assert sorted(f.status for f in rerun.files) == ["sent", "sent", "sent"]
    assert sum(1 for f in platform.state.flows.values() if f["flowSyntax"] == "FRR") == 3


@pytest.mark.parametrize("matricule", [None, "0000", "12345"])
def test_sending_with_the_default_or_a_malformed_registration_number_is_refused_naming_the_setting(
        tmp_path, platform, capsys, matricule):
    path = with_private_client(tmp_path)
    row = set_setting(path, "pa_registration", matricule)
    env = environ(platform)
    with pytest.raises(EreportInputError) as err:
        run_ereport(path, TODAY, "2026-03", send=True, environ=env)
    said = str(err.value)
    assert f"Paramètres, row {row}, column Valeur" in said
    assert "Matricule de la plateforme" in said and "G6.22" in said
    assert not [f for f in platform.state.flows.values() if f["flowSyntax"] == "FRR"]
    with ledgers_of(path) as led:  # nothing claimed either
        assert led.reports.rows() == {}
    # the command line: one line, the usage exit code, nothing sent
    assert main(["ereport", str(path), "--period", "2026-03", "--send"]) == 2
    assert f"row {row}" in capsys.readouterr().err
    # the preview still writes the files, with a warning on the same cell
    preview = run_ereport(path, TODAY, "2026-03")
    assert {f.status for f in preview.files} == {"written"}
    found = [f for f in preview.findings if f.code == "EREP-MATRICULE"]
    assert [(f.severity, f.sheet, f.row) for f in found] == [("warning", "Paramètres", row)]


def test_check_warns_of_the_default_registration_number_once_a_platform_is_set_up(tmp_path):
    from pyfuncs.jobs.check import run_check
    path = book(tmp_path)
    assert not [f for f in run_check(path, TODAY).findings if f.code == "EREP-MATRICULE"]
    set_setting(path, "pa_url", "https://pa.example/afnor")  # a platform is set up
    found = [f for f in run_check(path, TODAY).findings if f.code == "EREP-MATRICULE"]
    assert len(found) == 1 and found[0].column == "Valeur" and "« 0000 »" in found[0].message
    registered(path)
    assert not [f for f in run_check(path, TODAY).findings if f.code == "EREP-MATRICULE"]


def test_an_unreadable_period_is_one_line_for_the_user(tmp_path, capsys):
    path = book(tmp_path)
    with pytest.raises(EreportInputError):
        run_ereport(path, TODAY, "March")
    assert main(["ereport", str(path), "--period", "2026-13"]) == 2
    assert "2026-13" in capsys.readouterr().err


@pytest.mark.parametrize(("regime", "today", "expected"), [
    # réel normal, monthly returns: transactions by ten days, 10 days after each
    (R.RN_MONTHLY, date(2026, 11, 25), (date(2026, 11, 30), "transactions", "2026-11-D2")),
    (R.RN_MONTHLY, date(2026, 12, 1), (date(2026, 12, 10), "payments", "2026-11")),
    # simplified: a month, by the 10th of the next
    (R.SIMPLIFIED, date(2026, 11, 25), (date(2026, 12, 10), "payments", "2026-11")),
    # franchise: two months
    (R.FRANCHISE, date(2026, 11, 25), (date(2027, 1, 10), "payments", "2026-B6")),
])
def test_the_next_deadline_follows_the_vat_regime(regime, today, expected):
    day, kind, period = R.next_deadline(today, regime)
    assert (day, kind, period.label) == expected


def test_a_month_under_the_normal_monthly_regime_holds_three_ten_day_reports():
    month = R.parse_period("2026-02", R.RN_MONTHLY)
    assert month is not None
    parts = R.transaction_periods(month, R.RN_MONTHLY)
    assert [(p.start.day, p.end.day) for p in parts] == [(1, 10), (11, 20), (21, 28)]
    assert [R.transaction_deadline(p, R.RN_MONTHLY) for p in parts] == \
        [date(2026, 2, 20), date(2026, 3, 2), date(2026, 3, 10)]


def test_the_dashboard_shows_the_next_e_reporting_deadline_once_a_platform_is_set_up(
        tmp_path):
    from pyfuncs.adapters.xlsx_read import read_workbook
    from pyfuncs.adapters.xlsx_write import WorkbookWriter
    from pyfuncs.jobs.check import run_refresh
    path = book(tmp_path)
    run_refresh(path, date(2026, 11, 25))
    labels = [r[0] for r in openpyxl.load_workbook(path)["Tableau de bord"].iter_rows(
        values_only=True)]
    assert "Prochaine échéance e-reporting" not in labels  # no platform: no line
    table = read_workbook(path).tables["Parametres"]
    writer = WorkbookWriter(path)
    writer.set_cells("Parametres", [
        (table.rows[table.cols["key"].index("vat_regime")], "Valeur", "Réel normal (mensuel)"),
        (table.rows[table.cols["key"].index("pa_name")], "Valeur", "PA de test")])
    writer.commit()
    run_refresh(path, date(2026, 11, 25))
    rows = {r[0]: r[1] for r in openpyxl.load_workbook(path)["Tableau de bord"].iter_rows(
        values_only=True) if r[0]}
    assert rows["Prochaine échéance e-reporting"] == "30/11/2026 (ventes 2026-11-D2)"
