"""The bank job end to end: camt.053 and CSV statements into a real workbook and journal."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyfuncs.adapters.journal import Journal, journal_path
from pyfuncs.adapters.statements import read_statement
from pyfuncs.adapters.workbook_file import FileWorkbook
from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.domain import schema as S
from pyfuncs.jobs.bank import BankInputError, run_bank
from pyfuncs.jobs.template import build_workbook
from tests.fixtures.camt053 import STATEMENT, Line, camt053
from tests.unit.test_checks import clean_settings, invoice, line

TODAY = date(2026, 11, 23)
FIXTURE = Path(__file__).parents[1] / "fixtures" / "bank" / "releve_camt053.xml"
ALPHA_IBAN = "FR14 2004 1010 0505 0001 3M02 606"
BETA_IBAN = "FR7610107001011234567890129"


def tables() -> dict[str, list[dict]]:
    base = {"legal_form": "SAS", "address": "1 rue de la Paix", "postcode": "75002",
            "city": "Paris", "country": "FR", "billing_email": "factures@client.example"}
    clients = [dict(base, id="A1", name="Alpha SAS", iban=ALPHA_IBAN),
               dict(base, id="B1", name="Beta SARL", iban=BETA_IBAN),
               dict(base, id="G1", name="Gamma Conseil SARL", iban=None),
               dict(base, id="Z1", name="Zeta Industries", iban=None)]
    invoices, lines = [], []
    for k, (number, client, net) in enumerate([
            ("FAC2026-0001", "A1", "1000"), ("FAC2026-0002", "A1", "1000"),
            ("FAC2026-0003", "A1", "1000"), ("FAC2026-0004", "A1", "250"),
            ("FAC2026-0010", "B1", "1000"), ("FAC2026-0011", "B1", "2000"),
            ("FAC2026-0021", "G1", "800"), ("FAC2026-0030", "Z1", "1500")], 1):
        invoices.append(invoice(f"F{k}", number, date(2026, 9, k), client))
        lines.append(line(f"F{k}", "Prestation", 1, net))
    return {"Clients": clients, "Factures": invoices, "LignesFacture": lines}


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "Facturation.xlsx"
    build_workbook(path, data=tables(), settings=clean_settings(), today=TODAY)
    return path


def payments(path: Path) -> list[dict]:
    return [r._asdict() for r in read_workbook(path).tables["Paiements"].records()
            if r.amount is not None]


def grid(path: Path) -> list[list]:
    return FileWorkbook(path).sheet_values(S.sheet_name("reconciliation", "fr")) or []


class Confirming(FileWorkbook):
    """The workbook as the accountant left it: some Rapprochement rows set to Oui."""

    def __init__(self, path: Path, edits: dict[str, dict[str, str]]) -> None:
        super().__init__(path)
        self.edits = edits

    def sheet_values(self, name: str) -> list[list] | None:
        rows = super().sheet_values(name)
        if rows is None or name != S.sheet_name("reconciliation", "fr"):
            return rows
        header = [str(h) for h in rows[2]]
        for row in rows[3:]:
            key = row[header.index("Clé")]
            for label, value in self.edits.get(key, {}).items():
                row[header.index(label)] = value
        return rows


def test_a_french_bank_statement_books_certain_matches_and_lists_the_rest(book):
    result = run_bank(book, [FIXTURE], TODAY)
    assert [s.ignored for s in result.statements] == [3]  # two debits, one pending
    assert result.refunds == 1  # the debit to ALPHA SAS; the software editor is no client
    assert result.new == 5 and result.known == 0
    booked = {b.reference: b for b in result.booked}
    assert len(booked) == 3
    alpha = next(b for b in result.booked if b.client == "A1")
    assert alpha.reason == "numbers" and alpha.applied == D("3600.00")
    rows = payments(book)
    by_invoice: dict[str, D] = {}
    for r in rows:
        by_invoice[r["invoice"] or ""] = by_invoice.get(r["invoice"] or "", D(0)) + r["amount"]
    # one transfer for three invoices; fees of 5 booked as a gap; a partial payment
    assert by_invoice == {"FAC2026-0001": D(1200), "FAC2026-0002": D(1200),
                          "FAC2026-0003": D(1200), "FAC2026-0010": D(1200),
                          "FAC2026-0011": D(500)}
    gap = [r for r in rows if r["reference"].endswith("écart")]
    assert [(g["invoice"], g["amount"], g["mode"]) for g in gap] == [
        ("FAC2026-0010", D(5), None)]
    assert all(r["reference"] for r in rows)
    assert {r["mode"] for r in rows if r not in gap} == {"transfer"}
    # the typo'd number from a payer known by name only, and the stranger, wait
    waiting = {s.credit.payer: s for s in result.waiting}
    assert waiting["GAMMA CONSEIL"].invoices == ["FAC2026-0021"]
    assert waiting["GAMMA CONSEIL"].reason == "name+number-typo"
    assert waiting["M DUPONT JEAN"].client == "" and waiting["M DUPONT JEAN"].reason == "unknown"
    sheet = grid(book)
    assert sheet[2][0] == "Valider" and len(sheet) == 3 + 2
    assert {r[0] for r in sheet[3:]} == {"Non"}
    assert result.booked_amount + result.unmatched_amount == result.credits == D("7032.77")
    assert [f.code for f in result.findings] == ["BANK-UNKNOWN"]


def test_the_same_statement_imported_twice_or_overlapping_adds_nothing(book, tmp_path):
    run_bank(book, [FIXTURE], TODAY)
    before = payments(book)
    again = run_bank(book, [FIXTURE], TODAY)
    assert again.new == 0 and again.known == 5 and again.booked == []
    overlap = tmp_path / "overlap.xml"
    overlap.write_bytes(camt053(STATEMENT[2:] + [Line("100.00", date(2026, 11, 24),
                                                      "FAC2026-0004", "ALPHA SAS")],
                                stmt_id="2026-11-RLV002"))
    third = run_bank(book, [overlap], TODAY)
    assert third.new == 1 and third.known == 3
    after = payments(book)
    assert after[:len(before)] == before
    assert [(r["invoice"], r["amount"]) for r in after[len(before):]] == [
        ("FAC2026-0004", D(100))]
    assert len(grid(book)) == 3 + 2  # still the same two waiting


def test_what_the_accountant_confirms_is_booked_on_the_next_run_once(book):
    first = run_bank(book, [FIXTURE], TODAY)
    gamma = next(s for s in first.waiting if s.credit.payer == "GAMMA CONSEIL").credit.key
    stranger = next(s for s in first.waiting if s.client == "").credit.key
    source = Confirming(book, {gamma: {"Valider": "Oui"},
                               stranger: {"Valider": "oui", "Client": "Z1",
                                          "N° facture(s)": ""}})
    second = run_bank(source, [], TODAY)
    assert {b.key: b.reason for b in second.booked} == {gamma: "confirmed",
                                                        stranger: "confirmed"}
    rows = payments(book)
    assert [(r["client"], r["invoice"], r["amount"]) for r in rows[-2:]] == [
        ("G1", "FAC2026-0021", D(960)), ("Z1", None, D("777.77"))]
    assert len(grid(book)) == 3  # nothing waits any more
    third = run_bank(source, [FIXTURE], TODAY)  # the same Oui rows, the same file
    assert third.booked == [] and payments(book) == rows


def test_a_crash_after_the_journal_and_before_the_workbook_is_replayed_once(book,
                                                                              monkeypatch):
    from pyfuncs.adapters import xlsx_write

    def crash(self, **_):
        raise OSError("disk full")
    monkeypatch.setattr(xlsx_write.WorkbookWriter, "commit", crash)
    with pytest.raises(OSError):
        run_bank(book, [FIXTURE], TODAY)
    monkeypatch.undo()
    assert payments(book) == []
    again = run_bank(book, [FIXTURE], TODAY)
    assert again.replayed == 3 and again.booked == []
    assert sum(r["amount"] for r in payments(book)) == D("5300.00")  # 5295 + a gap of 5
    run_bank(book, [], TODAY)
    assert len(payments(book)) == 6
    with Journal(journal_path(book)) as j:
        assert all(e["logged"] for e in j.bank_entries("booked"))


@pytest.mark.parametrize("version", range(2, 9))
def test_every_camt053_version_from_02_to_08_is_read(tmp_path, version):
    path = tmp_path / f"v{version}.xml"
    path.write_bytes(camt053(STATEMENT, version=version))
    st = read_statement(path)
    assert st.format == "camt.053" and st.ignored == 3
    assert [e.amount for e in st.entries] == [D("3600.00"), D("1195.00"), D("500.00"),
                                              D("960.00"), D("777.77")]
    assert st.entries[0].payer == "ALPHA SAS" and st.entries[0].iban.startswith("FR14")
    assert "FAC2026-0002" in st.entries[0].text
    assert st.entries[0].reference == "20261103VIR00360000"


def test_two_identical_entries_without_a_bank_reference_are_two_entries(tmp_path):
    path = tmp_path / "noref.xml"
    path.write_bytes(camt053([Line("10.00", date(2026, 11, 2), "X", "P", ref=None)] * 2))
    st = read_statement(path)
    assert len(st.entries) == 2 and st.entries[0].key != st.entries[1].key
    assert st.entries[0].reference.startswith("H")
    assert st.entries[1].reference == st.entries[0].reference + "/2"
    assert read_statement(path).entries == st.entries  # the same keys on every reading


def test_a_french_csv_export_is_read_with_the_settings_columns(book, tmp_path):
    csv = tmp_path / "releve.csv"
    csv.write_bytes(
        "Compte courant;FR76 3000 6000 0112 3456 7890 189\n\n"
        "Date;Libellé;Tiers;IBAN;Référence;Débit;Crédit\n"
        "03/11/2026;VIR SEPA FAC 2026-0004;ALPHA SAS;;R1;;300,00\n"
        "04/11/2026;PRLV URSSAF;URSSAF;;R2;1 234,56;\n"
        "05/11/2026;VIR Zeta inv 20260030;ZETA INDUSTRIES;;;;1 800,00\n".encode("cp1252"))
    result = run_bank(book, [csv], TODAY)
    assert result.statements[0].format == "csv" and result.statements[0].ignored == 1
    assert [(b.client, b.applied) for b in result.booked] == [("A1", D(300)),
                                                               ("Z1", D(1800))]
    assert payments(book)[0]["reference"] == "R1"
    assert payments(book)[1]["reference"].startswith("H")


def test_an_ofx_export_books_its_credits_and_imports_each_once(book):
    ofx = FIXTURE.with_name("releve.ofx")
    result = run_bank(book, [ofx], TODAY)
    assert result.statements[0].format == "ofx" and result.statements[0].ignored == 1
    assert [(b.client, b.applied, b.reference) for b in result.booked] == [
        ("A1", D(3600), "OFX20261103001")]
    assert [s.credit.payer for s in result.waiting] == ["M DUPONT JEAN"]
    assert run_bank(book, [ofx], TODAY).new == 0


def test_an_mt940_statement_books_its_credits_and_ignores_its_debits(book):
    sta = FIXTURE.with_name("releve.sta")
    result = run_bank(book, [sta], TODAY)
    assert result.statements[0].format == "mt940" and result.statements[0].ignored == 1
    assert [(b.client, b.applied, b.reference) for b in result.booked] == [
        ("A1", D(3600), "20261103VIR001")]
    assert [s.credit.payer for s in result.waiting] == ["M DUPONT JEAN"]
    assert run_bank(book, [sta], TODAY).new == 0


def test_an_unreadable_statement_stops_before_anything_is_written(book, tmp_path):
    bad = tmp_path / "releve.xml"
    bad.write_text("<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pain.001.001.03'/>")
    with pytest.raises(BankInputError):
        run_bank(book, [bad], TODAY)
    assert not journal_path(book).exists() or payments(book) == []


def facturier(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pyfuncs.cli", *args], capture_output=True,
                          text=True, timeout=120, check=False)


def test_the_command_prints_json_and_exits_with_the_documented_codes(book, tmp_path):
    done = facturier("bank", str(book), str(FIXTURE), "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["new_entries"] == 5 and out["statements"][0]["ignored"] == 3
    assert out["booked_amount"] == "5295.00" and out["unmatched_amount"] == "1737.77"
    assert {w["reason"] for w in out["waiting"]} == {"name+number-typo", "unknown"}
    assert out["booked"][0]["invoices"] == ["FAC2026-0001", "FAC2026-0002", "FAC2026-0003"]
    again = json.loads(facturier("bank", str(book), str(FIXTURE), "--json").stdout)
    assert again["new_entries"] == 0 and again["booked"] == []
    missing = facturier("bank", str(book), str(tmp_path / "none.xml"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    bad = tmp_path / "bad.xml"
    bad.write_text("<not xml")
    failed = facturier("bank", str(book), str(bad))
    assert failed.returncode == 2 and "Traceback" not in failed.stderr


def test_the_dashboard_shows_the_last_statement_and_old_statements_hold_reminders_back(book):
    from datetime import timedelta

    import python_calamine

    from pyfuncs.jobs.check import run_check
    from pyfuncs.jobs.reminders import run_remind
    before = run_remind(book, TODAY)
    assert "REMIND-STATEMENT" not in {f.code for f in before.findings}  # never imported
    run_bank(book, [FIXTURE], TODAY)
    with Journal(journal_path(book)) as j:
        last = j.last_statement_date()
    assert last is not None and last <= TODAY
    run_check(book, TODAY)
    dashboard = python_calamine.CalamineWorkbook.from_path(str(book)).get_sheet_by_name(
        "Tableau de bord").to_python()
    row = next(r for r in dashboard if r[0] == "Dernier relevé bancaire importé")
    assert row[1] == last
    fresh = run_remind(book, last + timedelta(days=7))
    assert "REMIND-STATEMENT" not in {f.code for f in fresh.findings}
    old = run_remind(book, last + timedelta(days=20))
    warning, = [f for f in old.findings if f.code == "REMIND-STATEMENT"]
    assert warning.severity == "warning" and "20 jours" in warning.message


# ----------------------------------------------------------------------------- bad input
def camt(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


@pytest.mark.parametrize(("name", "content", "says"), [
    ("vide.xml", b"", "empty file"),
    ("releve.pdf", b"%PDF-1.7\n\x00\x01binary", "binary file"),
    ("page.xml", "<html><body>relevé</body></html>", "root element <html>, no namespace"),
    ("camt052.xml", "<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.052.001.02'/>",
     "namespace urn:iso:std:iso:20022:tech:xsd:camt.052.001.02"),
    ("tronque.xml", FIXTURE.read_bytes()[:3000], "not well-formed XML"),
    ("sans.xml", ("<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'>"
                  "<BkToCstmrStmt/></Document>"), "no <Stmt> element"),
    ("releve.sta", ":20:X\n:25:Y\n:61:garbage\n", "unreadable field: 'garbage'"),
    ("releve.ofx", "OFXHEADER:100\nDATA:OFXSGML\n<OFX><BANKMSGSRSV1>", "not a readable OFX"),
])
def test_a_file_that_is_no_statement_is_refused_with_its_name_and_the_problem(
        book, tmp_path, name, content, says):
    path = camt(tmp_path, name, content)
    with pytest.raises(BankInputError) as err:
        run_bank(book, [path], TODAY)
    message = str(err.value)
    assert message.startswith(f"{name}: ") and says in message and "\n" not in message
    assert not journal_path(book).exists() and payments(book) == []


def test_the_command_refuses_a_malformed_statement_in_one_line_with_exit_2(book, tmp_path):
    bad = camt(tmp_path, "page.xml", "<html><body/></html>")
    done = facturier("bank", str(book), str(bad))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0 and "page.xml: not a camt.053" in done.stderr


def test_a_statement_of_an_account_in_another_currency_is_refused(book, tmp_path):
    usd = camt(tmp_path, "usd.xml", camt053(STATEMENT, currency="USD"))
    with pytest.raises(BankInputError, match=r"usd.xml: an account in USD, the workbook's "
                                             r"currency is EUR"):
        run_bank(book, [usd], TODAY)
    assert payments(book) == []


def test_an_entry_in_another_currency_or_unreadable_is_not_imported_and_exits_1(book,
                                                                                 tmp_path):
    mixed = STATEMENT[:1] + [Line("1500.00", date(2026, 11, 6), "FAC2026-0030", "ZETA",
                                  currency="USD")]
    path = camt(tmp_path, "mixte.xml", camt053(mixed))
    result = run_bank(book, [path], TODAY)
    assert result.foreign == 1 and [b.client for b in result.booked] == ["A1"]
    assert [f.code for f in result.findings] == ["BANK-CURRENCY"]
    assert "1500.00 USD" in result.findings[0].message and result.errors == 1
    assert not any(r["invoice"] == "FAC2026-0030" for r in payments(book))
    broken = camt(tmp_path, "casse.xml", camt053(STATEMENT[1:2]).replace(
        b'<Amt Ccy="EUR">1195.00</Amt>\n    <CdtDbtInd>', b'<Amt Ccy="EUR">1 195,OO</Amt>\n'
        b'    <CdtDbtInd>', 1))
    done = facturier("bank", str(book), str(broken), "--json")
    assert done.returncode == 1, done.stderr
    out = json.loads(done.stdout)
    assert out["new_entries"] == 0 and [f["code"] for f in out["findings"]] == ["BANK-ENTRY"]
    assert "casse.xml, entry 1 (line " in out["findings"][0]["message"]
    assert "'1 195,OO' unreadable" in out["findings"][0]["message"]


def test_credits_waiting_in_rapprochement_are_the_normal_course_exit_0(book):
    done = facturier("bank", str(book), str(FIXTURE))
    assert done.returncode == 0, done.stderr
    assert "2 to confirm in the Rapprochement sheet" in done.stdout


# ----------------------------------------------------------------------------- refunds
def test_a_refund_to_a_client_is_a_debit_ignored_and_counted_never_a_payment(book, tmp_path):
    refund = [Line("250.00", date(2026, 11, 4), "REMBOURSEMENT AVOIR AV2026-0001 "
                   "FAC2026-0004", "ALPHA SAS", "FR1420041010050500013M02606", credit=False),
              Line("300.00", date(2026, 11, 6), "FAC2026-0004", "ALPHA SAS")]
    result = run_bank(book, [camt(tmp_path, "r.xml", camt053(refund))], TODAY)
    assert result.statements[0].ignored == 1 and result.new == 1 and result.refunds == 1
    assert [(r["invoice"], r["amount"]) for r in payments(book)] == [("FAC2026-0004",
                                                                       D(300))]


def test_a_credit_naming_a_credit_note_is_not_booked_on_the_credit_note(tmp_path):
    data = tables()
    data["Factures"].append(invoice("F9", "AV2026-0001", date(2026, 10, 1), "A1",
                                    type_="credit_note", credited="FAC2026-0004"))
    data["LignesFacture"].append(line("F9", "Avoir", -1, "100"))
    path = tmp_path / "avoir.xlsx"
    build_workbook(path, data=data, settings=clean_settings(), today=TODAY)
    credit = [Line("120.00", date(2026, 11, 6), "REMBT AVOIR AV2026-0001", "ALPHA SAS")]
    result = run_bank(path, [camt(tmp_path, "c.xml", camt053(credit))], TODAY)
    assert not any("AV2026-0001" in b.as_json()["invoices"] for b in result.booked)
    assert not any(r["invoice"] == "AV2026-0001" for r in payments(path))


# ----------------------------------------------------------------------------- choices kept
def test_an_invoice_picked_by_hand_and_not_confirmed_stays_until_resolved(book, tmp_path):
    first = run_bank(book, [FIXTURE], TODAY)
    stranger = next(s for s in first.waiting if s.client == "").credit.key
    picked = Confirming(book, {stranger: {"Client": "Z1", "N° facture(s)": "FAC2026-0030"}})
    run_bank(picked, [], TODAY)
    again = run_bank(book, [FIXTURE], TODAY)  # the file as written: the choice is in it
    row = next(r for r in grid(book)[3:] if r[-1] == stranger)
    assert (row[0], row[5], row[6]) == ("Non", "Z1", "FAC2026-0030")
    assert row[9] == 1800  # what FAC2026-0030 owes, beside the choice
    assert next(s for s in again.waiting if s.credit.key == stranger).invoices == [
        "FAC2026-0030"]
    assert not [f for f in again.findings if f.code == "BANK-UNKNOWN"]
    done = run_bank(Confirming(book, {stranger: {"Valider": "Oui"}}), [], TODAY)
    assert [(b.client, b.reason, b.applied) for b in done.booked] == [
        ("Z1", "confirmed", D("777.77"))]
    assert all(r[-1] != stranger for r in grid(book)[3:])


def test_a_choice_typed_by_hand_says_so_instead_of_the_old_suggestions_reason(book):
    """The accountant types a client and an invoice on a row still at Valider = Non, in
    the file itself: at the next imports the row is kept as typed, its Raison says it was
    chosen by hand and its Confiance is empty (not the stranger's "unknown" at 0 %); an
    untouched suggestion keeps its own reason and confidence."""
    first = run_bank(book, [FIXTURE], TODAY)
    stranger = next(s for s in first.waiting if s.client == "").credit.key
    gamma = next(s for s in first.waiting if s.client == "G1")
    wb = openpyxl.load_workbook(book)
    ws = wb["Rapprochement"]
    header = [c.value for c in ws[3]]
    at = {label: header.index(label) + 1 for label in header}
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, at["Clé"]).value == stranger)
    assert ws.cell(row, at["Raison"]).value == "unknown"  # the suggestion, before the edit
    ws.cell(row, at["Client"]).value = "Z1"
    ws.cell(row, at["N° facture(s)"]).value = "FAC2026-0030"
    wb.save(book)
    for _ in range(2):  # and it stays so, import after import
        again = run_bank(book, [FIXTURE], TODAY)
        rows = {r[-1]: dict(zip(header, r)) for r in grid(book)[3:]}
        mine = rows[stranger]
        assert (mine["Valider"], mine["Client"], mine["N° facture(s)"]) == \
            ("Non", "Z1", "FAC2026-0030")
        assert mine["Raison"] == "choisi à la main" and mine["Confiance"] in (None, "")
        kept = rows[gamma.credit.key]  # untouched: still the matcher's suggestion
        assert (kept["Client"], kept["Raison"], kept["Confiance"]) == \
            ("G1", "name+number-typo", gamma.confidence)
        waiting = {s.credit.key: s for s in again.waiting}
        assert waiting[stranger].reason == "manual"
        as_json = {w["key"]: w for w in again.as_json()["waiting"]}
        assert as_json[stranger]["confidence"] is None
        assert as_json[gamma.credit.key]["reason"] == "name+number-typo"


def test_a_confirmed_choice_that_cannot_be_booked_stays_with_its_error(book):
    first = run_bank(book, [FIXTURE], TODAY)
    stranger = next(s for s in first.waiting if s.client == "").credit.key
    wrong = Confirming(book, {stranger: {"Valider": "Oui", "Client": "Z1",
                                         "N° facture(s)": "FAC2026-0999"}})
    result = run_bank(wrong, [], TODAY)
    assert result.booked == [] and result.errors == 1
    finding, = [f for f in result.findings if f.code == "BANK-CONFIRM"]
    assert finding.sheet == "Rapprochement" and finding.column == "N° facture(s)"
    assert finding.row is not None and finding.row >= 4
    assert "FAC2026-0999" in finding.message
    row = next(r for r in grid(book)[3:] if r[-1] == stranger)
    assert (row[0], row[5], row[6]) == ("Oui", "Z1", "FAC2026-0999")  # as typed
    paid = Confirming(book, {stranger: {"N° facture(s)": "FAC2026-0001"}})  # already paid
    again = run_bank(paid, [], TODAY)
    assert again.booked == [] and "FAC2026-0001" in again.findings[0].message
    assert len(payments(book)) == 6  # the first run's rows, nothing more


# ----------------------------------------------------------------------------- property
@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "Facturation.xlsx"
    build_workbook(path, data=tables(), settings=clean_settings(), today=TODAY)
    return path


TEXTS = ["", "FAC2026-0001", "FAC 2026 0002 FAC2026-0003", "2026-0010", "VIR ALPHA",
         "FAC2026-0011 ACOMPTE", "FAC2026-0021", "FAC2026-0099", "FAC2026-0030 FAC2026-0004"]
PAYERS = [("", ""), ("ALPHA SAS", ""), ("X", ALPHA_IBAN), ("BETA SARL", BETA_IBAN),
          ("GAMMA CONSEIL", ""), ("NOBODY", "")]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.decimals(min_value=D("0.01"), max_value=D(4000), places=2),
                          st.sampled_from(TEXTS), st.sampled_from(PAYERS),
                          st.booleans()), min_size=1, max_size=8))
def test_for_any_statement_the_job_books_and_lists_every_euro_once(template, tmp_path_factory,
                                                                  entries):
    """booked + unmatched == the credits imported, in the result and in Paiements; no
    invoice is paid beyond what it owes; a second import changes nothing."""
    folder = tmp_path_factory.mktemp("prop")
    path = folder / "Facturation.xlsx"
    shutil.copyfile(template, path)
    lines = [Line(str(amount), date(2026, 11, 2 + k), text, payer, iban, credit=credit)
             for k, (amount, text, (payer, iban), credit) in enumerate(entries)]
    statement = folder / "releve.xml"
    statement.write_bytes(camt053(lines))
    result = run_bank(path, [statement], TODAY)
    credits = sum((D(e.amount) for e in lines if e.credit), D(0))
    assert result.credits == credits
    assert result.booked_amount + result.unmatched_amount == credits
    rows = payments(path)
    cash = [r for r in rows if not r["reference"].endswith("écart")]
    assert sum((r["amount"] for r in cash), D(0)) == sum((b.amount for b in result.booked),
                                                         D(0))
    owed = {"FAC2026-0004": D(300), "FAC2026-0021": D(960), "FAC2026-0030": D(1800)} | {
        n: D(1200) for n in ("FAC2026-0001", "FAC2026-0002", "FAC2026-0003",
                             "FAC2026-0010")} | {"FAC2026-0011": D(2400)}
    paid: dict[str, D] = {}
    for r in rows:
        if r["invoice"]:
            paid[r["invoice"]] = paid.get(r["invoice"], D(0)) + r["amount"]
    assert all(paid[n] <= owed[n] for n in paid), paid
    again = run_bank(path, [statement], TODAY)
    assert again.new == 0 and again.booked == [] and payments(path) == rows


def test_a_payer_or_a_text_that_looks_like_a_formula_is_written_as_text(book, tmp_path):
    import zipfile
    evil = [Line("12.34", date(2026, 11, 2), "=HYPERLINK(\"http://x.example\";\"ici\")",
                 "=1+1", ""), Line("56.78", date(2026, 11, 3), "@SUM(A1:A9)", "+33 PAYEUR")]
    run_bank(book, [camt(tmp_path, "f.xml", camt053(evil))], TODAY)
    rows = grid(book)[3:]
    assert {r[3] for r in rows} == {"=1+1", "+33 PAYEUR"}
    assert any(str(r[4]).startswith("=HYPERLINK(") for r in rows)
    with zipfile.ZipFile(book) as z:
        sheets = [z.read(n).decode() for n in z.namelist()
                  if n.startswith("xl/worksheets/sheet")]
    written = [x for x in sheets if "HYPERLINK(" in x]
    assert len(written) == 1 and "<f>" not in written[0] and "1+1" in written[0]
