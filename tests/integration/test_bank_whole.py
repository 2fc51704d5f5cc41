"""A bank statement is read whole or refused whole, in every format.

Each test writes the statement a bank would send (or cuts one as a transfer would), and
runs the bank job on a real workbook and journal: every entry is imported, already
imported, counted as not a payment, or named in a finding, and the counts add up.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from pyfuncs.adapters.journal import Journal, journal_path
from pyfuncs.adapters.statements import CsvLayout, StatementError, read_statement
from pyfuncs.jobs.bank import BankInputError, run_bank
from pyfuncs.jobs.template import build_workbook
from tests.integration.test_bank import TODAY, tables
from tests.unit.test_checks import clean_settings

IBAN = "FR7630006000011234567890189"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "Facturation.xlsx"
    build_workbook(path, data=tables(), settings=clean_settings(), today=TODAY)
    return path


def adds_up(result) -> bool:
    return result.seen == result.new + result.known + result.ignored + result.refused


# ------------------------------------------------------------------------------ camt
def ntry(amount: str, day: str, *, side: str = "CRDT", sts: str | None = "<Sts>BOOK</Sts>",
         ref: str = "", ntry_ref: str = "", text: str = "VIREMENT", ccy: str = "EUR") -> str:
    return (f"<Ntry>{f'<NtryRef>{ntry_ref}</NtryRef>' if ntry_ref else ''}"
            f"<Amt Ccy='{ccy}'>{amount}</Amt><CdtDbtInd>{side}</CdtDbtInd>{sts or ''}"
            f"<BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>"
            f"{f'<AcctSvcrRef>{ref}</AcctSvcrRef>' if ref else ''}"
            "<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>ALPHA SAS</Nm></Dbtr></RltdPties>"
            f"<RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>")


def camt(entries: list[str], *, version: int = 2, ccy: str = "EUR", stmt_id: str = "S1",
         totals: str = "") -> bytes:
    ns = f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version:02d}"
    return (f"<?xml version='1.0' encoding='UTF-8'?><Document xmlns='{ns}'><BkToCstmrStmt>"
            "<GrpHdr><MsgId>M</MsgId><CreDtTm>2026-12-01T08:00:00</CreDtTm></GrpHdr>"
            f"<Stmt><Id>{stmt_id}</Id><CreDtTm>2026-12-01T08:00:00</CreDtTm>"
            f"<Acct><Id><IBAN>{IBAN}</IBAN></Id><Ccy>{ccy}</Ccy></Acct>{totals}"
            + "".join(entries) + "</Stmt></BkToCstmrStmt></Document>").encode()


def test_two_identical_credits_without_reference_in_one_camt_are_both_imported_once(
        book, tmp_path):
    path = tmp_path / "belfius.xml"
    path.write_bytes(camt([ntry("10000.00", "2026-11-05")] * 2))
    first = run_bank(book, [path], TODAY)
    assert (first.seen, first.new, first.known) == (2, 2, 0) and adds_up(first)
    again = run_bank(book, [path], TODAY)
    assert (again.new, again.known) == (0, 2)


def test_camt_entries_are_read_with_a_status_in_any_version_or_none_at_all(tmp_path):
    path = tmp_path / "v8.xml"
    path.write_bytes(camt([
        ntry("1.00", "2026-11-02", sts="<Sts><Cd>BOOK</Cd></Sts>", ref="A"),
        ntry("2.00", "2026-11-02", sts="<Sts>BOOK</Sts>", ref="B"),
        ntry("3.00", "2026-11-02", sts=None, ref="C"),
        ntry("4.00", "2026-11-02", sts="<Sts><Cd>PDNG</Cd></Sts>", ref="D"),
        ntry("5.00", "2026-11-02", side="DBIT", ref="E")], version=8))
    st = read_statement(path)
    assert [e.amount for e in st.entries] == [D("1.00"), D("2.00"), D("3.00")]
    assert dict(st.why_ignored) == {"not booked (PDNG)": 1, "debit": 1} and st.adds_up


def test_a_camt_ntryref_numbered_again_in_the_next_statement_drops_nothing(book, tmp_path):
    november, december = tmp_path / "nov.xml", tmp_path / "dec.xml"
    november.write_bytes(camt([ntry("120.00", "2026-11-30", ntry_ref="1")], stmt_id="N"))
    december.write_bytes(camt([ntry("80.00", "2026-12-01", ntry_ref="1")], stmt_id="D"))
    assert run_bank(book, [november], TODAY).new == 1
    assert run_bank(book, [december], TODAY).new == 1


def test_camt_totals_that_do_not_count_the_entries_refuse_the_file(book, tmp_path):
    path = tmp_path / "coupe.xml"
    totals = ("<TxsSummry><TtlNtries><NbOfNtries>3</NbOfNtries></TtlNtries>"
              "<TtlCdtNtries><NbOfNtries>2</NbOfNtries><Sum>30.00</Sum></TtlCdtNtries>"
              "</TxsSummry>")
    path.write_bytes(camt([ntry("10.00", "2026-11-02", ref="A"),
                           ntry("5.00", "2026-11-02", side="DBIT", ref="B")], totals=totals))
    with pytest.raises(BankInputError, match=r"coupe.xml: statement S1: the statement "
                       r"announces 3 entries \(TxsSummry\) and holds 2"):
        run_bank(book, [path], TODAY)
    with Journal(journal_path(book)) as journal:
        assert journal.bank_entries() == []


def test_a_credit_with_a_negative_amount_is_named_with_its_line_and_counted(book, tmp_path):
    path = tmp_path / "negatif.xml"
    path.write_bytes(camt([ntry("-40.00", "2026-11-02", ref="A"),
                           ntry("40.00", "2026-11-02", ref="B")]))
    result = run_bank(book, [path], TODAY)
    assert (result.seen, result.new, result.refused) == (2, 1, 1) and adds_up(result)
    [finding] = [f for f in result.findings if f.code == "BANK-ENTRY"]
    assert "negatif.xml, entry 1 (line 1)" in finding.message and "-40.00" in finding.message


def test_a_utf16_camt_is_read(tmp_path):
    path = tmp_path / "utf16.xml"
    xml = camt([ntry("12.00", "2026-11-02", ref="A")]).decode()
    path.write_bytes(xml.replace("encoding='UTF-8'", "encoding='UTF-16'").encode("utf-16"))
    assert [e.amount for e in read_statement(path).entries] == [D("12.00")]


# ------------------------------------------------------------------------------ MT940
def mt940(account: str, opening: str, lines: list[str], closing: str, ccy: str = "EUR",
          n: int = 1) -> str:
    return (f":20:STMT{n}\n:25:{account}\n:28C:{n}/1\n:60F:C261101{ccy}{opening}\n"
            + "".join(lines) + f":62F:C261130{ccy}{closing}\n-\n")


def test_rabobank_literal_eref_is_no_identity_four_credits_give_four(book, tmp_path):
    path = tmp_path / "rabo.sta"
    lines = [f":61:2611{d:02d}11{d:02d}C{a},NTRFEREF\n:86:/EREF/X/NAME/ALPHA SAS/REMI/R{d}\n"
             for d, a in ((2, "100"), (3, "200"), (4, "300"), (5, "400"))]
    path.write_text(":940:\n" + mt940("NL71RABO0123456789", "0,00", lines, "1000,00"))
    result = run_bank(book, [path], TODAY)
    assert (result.seen, result.new) == (4, 4) and adds_up(result)
    assert run_bank(book, [path], TODAY).known == 4


def test_an_mt940_of_many_accounts_keeps_each_entry_under_its_own(tmp_path):
    path = tmp_path / "comptes.sta"
    path.write_text("".join(
        mt940(f"ACCOUNT{k}", "0,00", [f":61:2611{k:02d}C{k}0,00NTRF//REF{k}\n:86:X\n"],
              f"{k}0,00", n=k) for k in range(1, 27)))
    st = read_statement(path)
    assert [e.account for e in st.entries] == [f"ACCOUNT{k}" for k in range(1, 27)]
    assert len(st.accounts) == 26


def test_an_mt940_cut_inside_an_amount_or_whose_balances_disagree_is_refused(book, tmp_path):
    whole = mt940("FR76300", "10,00", [":61:2611031103C3,68NTRF//R1\n:86:X\n"], "13,68")
    cut = tmp_path / "coupe.sta"
    cut.write_text(whole[:whole.index("3,68") + 2])
    with pytest.raises(BankInputError, match="coupe.sta: statement 1 .*no closing balance"):
        run_bank(book, [cut], TODAY)
    edited = tmp_path / "faux.sta"
    edited.write_text(whole.replace("C3,68", "C3,00"))
    with pytest.raises(BankInputError, match=r"faux.sta: statement 1 \(line 1\): opening "
                       r"balance 10.00 and the movements \(\+3.00\) do not give the closing "
                       r"balance 13.68"):
        run_bank(book, [edited], TODAY)


def test_mt940_books_the_booking_date_not_the_value_date(tmp_path):
    path = tmp_path / "dates.sta"
    path.write_text(mt940("FR76300", "0,00", [":61:2611301201C50,00NTRF//R1\n:86:X\n"],
                          "50,00"))
    assert [e.date for e in read_statement(path).entries] == [date(2026, 12, 1)]


def test_an_mt940_with_a_bank_header_is_an_mt940_not_a_csv(tmp_path):
    path = tmp_path / "abn.sta"
    path.write_text("ABNANL2A\n940\nABNANL2A\n" + mt940(
        "517852257", "0,00", [":61:2611031103C5,00N426NONREF\n:86:X\n"], "5,00"))
    st = read_statement(path)
    assert st.format == "mt940" and [e.amount for e in st.entries] == [D("5.00")]


# ------------------------------------------------------------------------------ OFX
def ofx(accounts: list[tuple[str, list[tuple[str, str, str]]]], ccy: str = "EUR") -> str:
    body = ""
    for acctid, txs in accounts:
        trans = "".join(f"<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>{when}<TRNAMT>{amount}"
                        f"<FITID>{fitid}<NAME>ALPHA SAS</STMTTRN>"
                        for when, amount, fitid in txs)
        tranlist = (f"<BANKTRANLIST><DTSTART>20261101<DTEND>20261231{trans}</BANKTRANLIST>"
                    if txs else "")
        body += (f"<STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS>"
                 f"<CURDEF>{ccy}<BANKACCTFROM><BANKID>30006<ACCTID>{acctid}"
                 f"<ACCTTYPE>CHECKING</BANKACCTFROM>{tranlist}<LEDGERBAL><BALAMT>0"
                 "<DTASOF>20261231</LEDGERBAL></STMTRS></STMTTRNRS>")
    return ("OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\n"
            "CHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX>"
            "<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS>"
            "<DTSERVER>20261231<LANGUAGE>FRA</SONRS></SIGNONMSGSRSV1><BANKMSGSRSV1>"
            f"{body}</BANKMSGSRSV1></OFX>\n")


def test_an_ofx_of_two_accounts_one_without_movements_keeps_both_apart(book, tmp_path):
    path = tmp_path / "deux.ofx"
    path.write_text(ofx([("111", [("20261103", "250.00", "F1")]), ("222", [])]))
    result = run_bank(book, [path], TODAY)
    assert (result.seen, result.new) == (1, 1) and adds_up(result)
    assert result.statements[0].accounts == ["30006111", "30006222"]
    path.write_text(ofx([("111", [("20261103", "250.00", "F1")]),
                         ("222", [("20261103", "250.00", "F1")])]))
    st = read_statement(path)
    assert len({e.key for e in st.entries}) == 2  # one FITID in two accounts


def test_an_ofx_credit_posted_at_midnight_french_time_is_booked_that_day(tmp_path):
    path = tmp_path / "minuit.ofx"
    path.write_text(ofx([("111", [("20261201000000[+1:CET]", "90.00", "F1")])]))
    assert [e.date for e in read_statement(path).entries] == [date(2026, 12, 1)]


def test_what_the_ofx_reader_warns_of_is_a_finding_not_console_noise(tmp_path, capfd):
    path = tmp_path / "long.ofx"
    path.write_text(ofx([("111", [("20261103", "90.00", "F1")])]).replace(
        "<NAME>ALPHA SAS", "<NAME>" + "A" * 40))
    st = read_statement(path)
    out, err = capfd.readouterr()
    assert out == err == "" and st.entries
    assert any("exceeds max length" in note for note in st.notes)


# ----------------------------------------------------------------------------- currency
@pytest.mark.parametrize("name", ["pln.xml", "pln.ofx", "pln.sta"])
def test_a_statement_in_another_currency_is_refused_the_same_way_in_every_format(
        book, tmp_path, name):
    path = tmp_path / name
    if name.endswith(".xml"):
        path.write_bytes(camt([ntry("10.00", "2026-11-02", ref="A", ccy="PLN")], ccy="PLN"))
    elif name.endswith(".ofx"):
        path.write_text(ofx([("111", [("20261103", "10.00", "F1")])], ccy="PLN"))
    else:
        path.write_text(mt940("PL61109010140000071219812874", "0,00",
                              [":61:2611031103C10,00NTRF//R1\n:86:X\n"], "10,00", ccy="PLN"))
    with pytest.raises(BankInputError, match=f"{name}: an account in PLN, the workbook's "
                       "currency is EUR"):
        run_bank(book, [path], TODAY)


# ------------------------------------------------------------------------------ CSV
BOURSORAMA = ("dateOp;dateVal;label;category;supplierFound;amount;Solde;comment;Solde\n"
              "03/11/2026;03/11/2026;VIR ALPHA SAS;Virement;alpha;1758.27;1758.27;;9000.00\n"
              "04/11/2026;04/11/2026;VIR BETA;Virement;beta;-20.00;-20.00;;8980.00\n")


def test_a_csv_with_two_columns_of_one_name_is_refused_unless_one_is_chosen(tmp_path):
    path = tmp_path / "boursorama.csv"
    path.write_text(BOURSORAMA)
    layout = CsvLayout(date="dateOp", amount="Solde", label="label")
    with pytest.raises(StatementError, match=r"2 columns are named 'Solde' \(columns 7, 9\)"):
        read_statement(path, layout)
    st = read_statement(path, CsvLayout(date="dateOp", amount="Solde#1", label="label"))
    assert [e.amount for e in st.entries] == [D("1758.27")] and st.ignored == 1


def test_a_csv_amount_against_the_decimal_setting_is_read_right_or_refused(tmp_path):
    path = tmp_path / "releve.csv"
    path.write_text("Date;Libellé;Montant\n03/11/2026;A;1758.27\n04/11/2026;B;1.758\n"
                    "05/11/2026;C;1,758.27\n06/11/2026;D;1 758,27\n")
    st = read_statement(path, CsvLayout(decimal=","))
    assert [e.amount for e in st.entries] == [D("1758.27"), D(1758), D("1758.27")]
    assert st.problems == [("releve.csv, line 4, column 'Montant': amount '1,758.27' is not "
                            "a number written with the decimal separator ',' (Paramètres): "
                            "not imported")]
    assert st.adds_up


def test_identical_lines_of_a_csv_are_two_entries(book, tmp_path):
    path = tmp_path / "releve.csv"
    path.write_text("Date;Libellé;Montant\n03/11/2026;VIR ALPHA;500,00\n"
                    "03/11/2026;VIR ALPHA;500,00\n")
    result = run_bank(book, [path], TODAY)
    assert (result.seen, result.new) == (2, 2)
    assert run_bank(book, [path], TODAY).known == 2


# ------------------------------------------------------------------- earlier identity
def old_key(account: str, reference: str, when: date, amount: D, text: str) -> str:
    """The identity the product gave entries before: the reference as found, or a hash of
    account, date, amount and text (one key for identical entries)."""
    account = account.replace(" ", "").upper()
    if reference:
        return f"{account}|{reference}"
    return f"{account}|#" + hashlib.sha256("|".join(
        (account, when.isoformat(), str(amount.normalize()), " ".join(text.split()))
    ).encode()).hexdigest()


def imported_before(book: Path, rows: list[tuple[str, str, date, D, str]]) -> None:
    with Journal(journal_path(book)) as journal:
        journal.bank_import({"entry_key": old_key(*row), "reference": row[1] or "H",
                             "account": row[0], "booking_date": row[2].isoformat(),
                             "amount": row[3], "currency": "EUR", "text": row[4],
                             "payer": "", "iban": "", "source": "old"} for row in rows)


def test_a_journal_of_the_old_identity_books_nothing_twice_on_a_second_import(book,
                                                                              tmp_path):
    # camt: entries known by their NtryRef before
    path = tmp_path / "nov.xml"
    path.write_bytes(camt([ntry("120.00", "2026-11-03", ntry_ref="1", text="A"),
                           ntry("80.00", "2026-11-04", ntry_ref="2", text="B")]))
    imported_before(book, [(IBAN, "1", date(2026, 11, 3), D("120.00"), "A"),
                           (IBAN, "2", date(2026, 11, 4), D("80.00"), "B")])
    result = run_bank(book, [path], TODAY)
    assert (result.new, result.known) == (0, 2)
    # MT940: Rabobank's four credits known by "EREF" (one of them, the others were lost)
    sta = tmp_path / "rabo.sta"
    lines = [f":61:2611{d:02d}11{d:02d}C{a},NTRFEREF\n:86:R{d}\n"
             for d, a in ((2, "100"), (3, "200"), (4, "300"), (5, "400"))]
    sta.write_text(mt940("NL71RABO0123456789", "0,00", lines, "1000,00"))
    imported_before(book, [("NL71RABO0123456789", "EREF", date(2026, 11, 2), D("100.00"),
                            "R2")])
    result = run_bank(book, [sta], TODAY)
    assert (result.new, result.known) == (3, 1)
    # MT940 without reference, dated by its value date before
    late = tmp_path / "late.sta"
    late.write_text(mt940("FR76300", "0,00", [":61:2611301201C50,00NTRFNONREF\n:86:L\n"],
                          "50,00"))
    imported_before(book, [("FR76300", "", date(2026, 11, 30), D("50.00"), "L")])
    assert (run_bank(book, [late], TODAY).new, run_bank(book, [late], TODAY).known) == (0, 1)
    for again in (path, sta, late):
        assert run_bank(book, [again], TODAY).new == 0
    with Journal(journal_path(book)) as journal:
        assert len(journal.bank_entries()) == 2 + 4 + 1


# ------------------------------------------------------------------------ the command
def test_the_command_says_what_became_of_every_entry_and_the_counts_add_up(book, tmp_path):
    from tests.integration.test_bank import facturier
    path = tmp_path / "releve.xml"
    path.write_bytes(camt([ntry("100.00", "2026-11-02", ref="A"),
                           ntry("100.00", "2026-11-02", ref="B"),
                           ntry("-5.00", "2026-11-02", ref="C"),
                           ntry("7.00", "2026-11-02", ref="D", ccy="USD"),
                           ntry("30.00", "2026-11-02", side="DBIT", ref="E"),
                           ntry("9.00", "2026-11-02", sts="<Sts>PDNG</Sts>", ref="F")]))
    done = facturier("bank", str(book), str(path))
    assert done.returncode == 1, done.stderr  # two entries not imported
    assert ("6 entr(ies) read: 2 new credit(s), 0 already imported, 2 not a payment (1 "
            "debit, 1 not booked (PDNG)), 2 not imported (see the findings)") in done.stdout
    assert "releve.xml, entry 3 (line 1): a credit of -5.00" in done.stdout
    assert "7.00 USD" in done.stdout and "Traceback" not in done.stderr
    counts = json.loads(facturier("bank", str(book), str(path), "--json").stdout)
    assert (counts["entries"], counts["already_imported"], counts["not_a_payment"],
            counts["not_imported"]) == (6, 2, 2, 2)


def test_the_settings_sheet_tells_how_to_choose_one_of_two_columns_of_one_name(tmp_path):
    """The refusal above says "Solde#1"; the Paramètres sheet says it before it happens,
    in the help column of the CSV column settings."""
    import zipfile
    path = tmp_path / "new.xlsx"
    build_workbook(path)
    with zipfile.ZipFile(path) as z:
        prompts = " ".join(z.read(n).decode() for n in z.namelist()
                           if n.startswith(("xl/worksheets/sheet", "xl/sharedStrings")))
    assert "« Solde#1 » désigne la première, « Solde#2 » la deuxième" in prompts
