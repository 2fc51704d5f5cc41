"""The worksheet functions: the same answers as the jobs, readable messages for bad
arguments, never an exception in a cell."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import python_calamine

from pyfuncs.demo.job import run_demo
from pyfuncs.jobs.aging import aging_of, run_age
from pyfuncs.jobs.load import load
from pyfuncs.udfs import (
    FACT_BALANCE_AGEE,
    FACT_ECHEANCE,
    FACT_IBAN_VALIDE,
    FACT_JOURS_RETARD,
    FACT_NUMERO_SUIVANT,
    FACT_PENALITES,
    FACT_PRESCRIPTION,
    FACT_RESTE_DU,
    FACT_SIREN_VALIDE,
    FACT_SIRET_VALIDE,
    FACT_TRANCHE,
    FACT_TVA,
    FACT_TVA_VALIDE,
)
from tests.support.libreoffice import convert, needs_libreoffice

TODAY = date(2026, 11, 23)


def test_due_dates_follow_the_terms_and_the_end_of_month_convention():
    assert FACT_ECHEANCE(datetime(2026, 11, 23), "30 jours") == date(2026, 12, 23)
    assert FACT_ECHEANCE("23/11/2026", "45 jours fin de mois") == date(2027, 1, 31)
    assert FACT_ECHEANCE(date(2026, 11, 23), "45 days end of month",
                         "Fin de mois puis +N jours") == date(2027, 1, 14)
    assert FACT_ECHEANCE(46349.0, "À réception") == date(2026, 11, 23)  # an Excel serial


def test_vat_is_rounded_once_on_the_base_as_invoices_do():
    assert FACT_TVA(2.00, 0.055) == 0.11  # not 2 x round(0.055)
    assert FACT_TVA(999.99, "20 %") == 200.00
    assert FACT_TVA(100, 20) == 20.0


def test_bad_arguments_give_a_readable_message_not_an_exception():
    assert FACT_TVA("abc", 0.2) == "FACT : base_ht : nombre invalide ('abc')"
    assert FACT_ECHEANCE("hier", "30 jours") == "FACT : date_facture : date invalide ('hier')"
    assert FACT_ECHEANCE(date(2026, 1, 1), "90 jours").startswith(
        "FACT : conditions inconnu ('90 jours') ; valeurs : À réception, 30 jours")
    assert FACT_TRANCHE(None).startswith("FACT : echeance : date invalide")


def test_identifiers_are_checked_with_their_keys():
    assert FACT_SIREN_VALIDE("732 829 320") is True
    assert FACT_SIREN_VALIDE(732829320.0) is True  # a number typed in a cell
    assert FACT_SIREN_VALIDE("732829321") is False
    assert FACT_SIRET_VALIDE("73282932000074") is True
    assert FACT_TVA_VALIDE("FR44732829320") is True and FACT_TVA_VALIDE("FR00732829320") is False
    assert FACT_IBAN_VALIDE("FR76 3000 6000 0112 3456 7890 189") is True
    assert FACT_IBAN_VALIDE("") is False


def test_bucket_and_days_late_agree_with_the_aged_balance_job_on_the_demo(tmp_path):
    summary = run_demo(tmp_path, today=TODAY, run=False)
    run_age(summary.workbook, TODAY)
    detail = python_calamine.CalamineWorkbook.from_path(str(summary.workbook)) \
        .get_sheet_by_name("Détail balance").to_python()
    header = detail[2]
    rows = [dict(zip(header, r)) for r in detail[3:] if r[0]]
    assert len(rows) > 20
    for r in rows:
        assert FACT_TRANCHE(r["Échéance"], TODAY) == r["Tranche"], r
        assert FACT_JOURS_RETARD(r["Échéance"], TODAY) == r["Jours de retard"], r
    assert {r["Tranche"] for r in rows} >= {"Non échu", "1–30 j", "> 90 j"}
    assert Decimal(str(FACT_TVA(100, 0.2))) == Decimal(20)


def test_late_penalties_are_pro_rata_per_day_plus_the_indemnity():
    # 1,200 EUR due 2026-10-01, 30 days late on 2026-10-31 at 12.15 % (H2 2026):
    # 1200 x 0.1215 x 30 / 365 = 11.98; + 40
    assert FACT_PENALITES(1200, date(2026, 10, 1), date(2026, 10, 31)) == 51.98
    assert FACT_PENALITES(1200, date(2026, 10, 1), date(2026, 10, 31), "10 %") == 49.86
    assert FACT_PENALITES(1200, date(2026, 10, 1), date(2026, 9, 30)) == 0.0  # not late
    # a private person owes neither (L441-10 is between professionals)
    assert FACT_PENALITES(1200, date(2026, 10, 1), date(2026, 10, 31), None, None, True) == 0.0
    assert FACT_PENALITES(1200, date(2026, 10, 1), date(2026, 10, 31), None, None, "Oui") == 0.0
    assert FACT_PENALITES(1200, date(2026, 10, 1), date(2026, 10, 31), None, None, False) == 51.98
    assert FACT_PENALITES(1200, "pas une date", date(2026, 10, 31), None, None, True).startswith(
        "FACT : ")  # its arguments are still checked
    assert FACT_PENALITES(1200, date(2027, 3, 1), date(2027, 4, 1)).startswith(
        "FACT : pas de taux pour la période du 02/03/2027")


def test_the_next_number_is_previewed_from_the_numbers_issued_without_allocating_anything():
    issued = ["FAC2026-0007", "FAC2026-0008", None, "AV2026-0001", "FAC2025-0120"]
    assert FACT_NUMERO_SUIVANT("FAC{YYYY}-{NNNN}", issued, date(2026, 11, 23)) == "FAC2026-0009"
    assert FACT_NUMERO_SUIVANT("FAC{YYYY}-{NNNN}", issued, date(2027, 1, 4)) == "FAC2027-0001"
    assert FACT_NUMERO_SUIVANT("FAC{YYYY}-{NNNN}", issued, date(2027, 1, 4), False) == \
        "FAC2027-0121"  # no yearly reset: the counter runs on
    assert FACT_NUMERO_SUIVANT("FAC {YYYY}", issued).startswith("FACT : ")


@needs_libreoffice
def test_the_amount_due_of_each_invoice_agrees_with_the_aged_balance_job(tmp_path):
    """The tables as Excel passes them (header row first, values computed by the
    spreadsheet: here LibreOffice), at the demo's date and at a past date."""
    summary = run_demo(tmp_path, today=TODAY, run=False)
    shown = convert(summary.workbook, tmp_path / "lo")
    book = python_calamine.CalamineWorkbook.from_path(str(shown))
    factures = book.get_sheet_by_name("Factures").to_python()
    paiements = book.get_sheet_by_name("Paiements").to_python()
    for as_of in (TODAY, date(2026, 6, 30)):
        balance = aging_of(load(summary.workbook, as_of, checks=False), as_of)
        open_items = {i.number: i.open for i in balance.items}
        assert len(open_items) > 10
        for number, amount in list(open_items.items())[:40]:
            assert Decimal(str(FACT_RESTE_DU(number, factures, paiements, as_of))) == amount
        paid = next(r[2] for r in factures[1:] if r[2] and r[2] not in open_items
                    and r[18] == "Émise")
        assert FACT_RESTE_DU(paid, factures, paiements, as_of) == 0.0
    assert FACT_RESTE_DU("FAC1999-0001", factures, paiements).startswith("FACT : facture")
    assert FACT_RESTE_DU("FAC2026-0001", "x", paiements).startswith("FACT : factures : donner")


@needs_libreoffice
def test_the_aged_balance_spilled_into_a_sheet_agrees_with_the_aged_balance_job(tmp_path):
    """FACT_BALANCE_AGEE on the tables as LibreOffice computed them: one row per client,
    the same buckets, totals and credits as the job's Balance âgée, and a TOTAL row."""
    summary = run_demo(tmp_path, today=TODAY, run=False)
    shown = convert(summary.workbook, tmp_path / "lo")
    book = python_calamine.CalamineWorkbook.from_path(str(shown))
    tables = {name: book.get_sheet_by_name(name).to_python()
              for name in ("Factures", "Paiements", "Clients")}
    for as_of in (TODAY, date(2026, 6, 30)):
        balance = aging_of(load(summary.workbook, as_of, checks=False), as_of)
        frame = FACT_BALANCE_AGEE(tables["Factures"], tables["Paiements"], tables["Clients"],
                                  as_of, "30,60,90")
        assert list(frame.columns[:2]) == ["Client", "Raison sociale"]
        assert list(frame.columns[2:2 + len(balance.labels)]) == balance.labels
        assert len(frame) == len(balance.clients) + 1 and frame.iloc[-1, 0] == "TOTAL"
        for (_, got), want in zip(frame.iloc[:-1].iterrows(), balance.clients, strict=True):
            assert (got["Client"], got["Raison sociale"]) == (want.client, want.name)
            amounts = [Decimal(str(got[label])) for label in balance.labels]
            assert amounts == want.amounts
            assert Decimal(str(got["Total dû"])) == want.total
            assert Decimal(str(got["Crédits non affectés"])) == want.unapplied
        assert Decimal(str(frame.iloc[-1]["Total dû"])) == balance.total
    assert FACT_BALANCE_AGEE("x", tables["Paiements"]).startswith("FACT : factures : donner")


def test_the_last_day_to_claim_an_invoice_is_the_jobs_own():
    """FACT_PRESCRIPTION counts as the aged balance and the reminders do
    (domain/limitation.py): 5 years between businesses, 2 against a private person, again
    from the last payment on the invoice; a bad argument is a message, not an error."""
    assert FACT_PRESCRIPTION(date(2021, 3, 15)) == date(2026, 3, 15)
    assert FACT_PRESCRIPTION("15/03/2021", "Oui") == date(2023, 3, 15)
    assert FACT_PRESCRIPTION(date(2021, 3, 15), False, date(2022, 7, 1)) == date(2027, 7, 1)
    assert FACT_PRESCRIPTION(46349.0, None, "") == date(2031, 11, 23)  # an Excel serial
    assert FACT_PRESCRIPTION(date(2024, 2, 29)) == date(2029, 2, 28)
    assert FACT_PRESCRIPTION("demain").startswith("FACT : echeance")
