"""Real statement files from other projects' test suites, read as a user's bank would
send them (tests/fixtures/bank/world, SOURCES.md says where each comes from).

For each file the test works out, from the file itself and by its own minimal reading
(lxml over camt Ntry, a regular expression over MT940 :61: lines and OFX STMTTRN, the
columns of a CSV), what a correct reader must see: every credit with its amount and
booking date, the currency, and whether the file is whole. Facturier must see exactly
those credits, import them into a workbook of that currency, book none the second time,
and refuse whole what is not whole, or in another currency than the workbook's.
"""
from __future__ import annotations

import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from pyfuncs.jobs.bank import BankInputError, run_bank
from pyfuncs.jobs.template import build_workbook
from tests.integration.test_bank import TODAY, tables
from tests.unit.test_checks import clean_settings

WORLD = Path(__file__).parents[1] / "fixtures" / "bank" / "world"
FILES = sorted(p for p in WORLD.glob("*/*") if p.name != "SOURCES.md")

# what the user sets in Paramètres for each bank's CSV export
CSV_SETTINGS = {
    "caisse-epargne-A.csv": {"bank_csv_date": "Date", "bank_csv_amount": "Crédit",
                             "bank_csv_label": "Libellé"},
    "caisse-epargne-B.csv": {"bank_csv_date": "Date", "bank_csv_amount": "Crédit",
                             "bank_csv_label": "Libellé"},
    "caisse-epargne-C.csv": {"bank_csv_date": "Date", "bank_csv_amount": "Crédit",
                             "bank_csv_label": "Libellé", "bank_csv_date_format": "%d/%m/%y"},
    "caisse-epargne-D.csv": {"bank_csv_date": "Date comptable", "bank_csv_amount": "Credit",
                             "bank_csv_label": "Libelle simplifie",
                             "bank_csv_reference": "Reference"},
    "fintro-be.csv": {"bank_csv_date": "Uitvoeringsdatum", "bank_csv_amount": "Bedrag",
                      "bank_csv_label": "Details"},
}


@dataclass
class Expected:
    """What a correct reader sees in a file."""

    credits: list[tuple[Decimal, date, str]] = field(default_factory=list)  # + currency
    currency: str = ""
    refused: str = ""   # a pattern of the reason, when the file must be refused


def _dec(raw: str) -> Decimal:
    return Decimal(raw.replace(",", ".").replace("+", "").strip())


# ---------------------------------------------------------------- the test's own readers
def camt(path: Path) -> Expected:
    tree = etree.parse(str(path))
    out = Expected()

    def first(el: object, xpath: str) -> str:
        return str(el.xpath(f"string({xpath})")).strip()  # type: ignore[attr-defined]

    for stmt in tree.xpath("//*[local-name()='Stmt']"):
        ccy = first(stmt, "./*[local-name()='Acct']/*[local-name()='Ccy']") or first(
            stmt, "./*[local-name()='Bal'][1]/*[local-name()='Amt']/@Ccy")
        out.currency = out.currency or ccy
        for ntry in stmt.xpath("./*[local-name()='Ntry']"):
            status = first(ntry, "./*[local-name()='Sts']") or "BOOK"
            if first(ntry, "./*[local-name()='CdtDbtInd']") != "CRDT" or status != "BOOK" \
                    or first(ntry, "./*[local-name()='RvslInd']") == "true":
                continue
            amount = _dec(first(ntry, "./*[local-name()='Amt']"))
            day = first(ntry, "./*[local-name()='BookgDt']/*")[:10]
            out.credits.append((amount, date.fromisoformat(day),
                                first(ntry, "./*[local-name()='Amt']/@Ccy") or ccy))
    return out


_BAL = re.compile(r"^:6([02])[FM]:([CD])(\d{6})([A-Z]{3})([\d,]+)", re.MULTILINE)
_LINE = re.compile(r"^:61:(\d{2})(\d{2})(\d{2})\s*(\d{4})?(R?[CD])[A-Z]?([\d,]+)",
                   re.MULTILINE)


def mt940(path: Path) -> Expected:
    text = path.read_bytes().decode("utf-8", errors="replace").replace("\r\n", "\n")
    out = Expected()
    for n, block in enumerate(re.split(r"(?m)^(?=:20:)", text)[1:], 1):
        balances = {kind: (sign, ccy, _dec(amount) * (-1 if sign == "D" else 1))
                    for kind, sign, _, ccy, amount in _BAL.findall(block)}
        if "0" not in balances or "2" not in balances:
            out.refused = out.refused or f"statement {n} .*closing balance"
            continue
        ccy = balances["0"][1]
        if out.currency and ccy != out.currency and not out.refused:
            out.refused = f"statement {n} .*an account in {ccy} after one in {out.currency}"
        out.currency = out.currency or ccy
        moved = Decimal(0)
        for yy, mm, dd, booked, mark, amount in _LINE.findall(block):
            value = _dec(amount) * (1 if mark in ("C", "RD") else -1)
            moved += value
            if mark == "C" and value > 0:
                day = date(2000 + int(yy), int(mm), int(dd))
                if booked:
                    entry = date(day.year, int(booked[:2]), int(booked[2:]))
                    if (entry - day).days > 180:
                        entry = entry.replace(year=day.year - 1)
                    elif (day - entry).days > 180:
                        entry = entry.replace(year=day.year + 1)
                    day = entry
                out.credits.append((value, day, ccy))
        if balances["0"][2] + moved != balances["2"][2]:
            out.refused = out.refused or f"statement {n} .*closing balance"
    return out


def ofx(path: Path) -> Expected:
    raw = path.read_bytes()
    text = raw.decode("cp1252" if b"CHARSET:1252" in raw else "utf-8")
    out = Expected()
    statements = re.findall(r"<(?:CC)?STMTRS>(.*?)</(?:CC)?STMTRS>", text, re.DOTALL)
    if not statements:
        out.refused = ".*STMTRS"
    for stmt in statements:
        ccy = (re.findall(r"<CURDEF>\s*([A-Z]{3})", stmt) or [""])[0]
        out.currency = out.currency or ccy
        for trn in re.findall(r"<STMTTRN>(.*?)</STMTTRN>", stmt, re.DOTALL):
            amount = _dec(re.search(r"<TRNAMT>\s*([-+\d.,]+)", trn).group(1))
            if amount > 0:
                day = re.search(r"<DTPOSTED>\s*(\d{8})", trn).group(1)
                line_ccy = re.search(r"<CURSYM>\s*([A-Z]{3})", trn)
                out.credits.append((amount, datetime.strptime(day, "%Y%m%d").date(),
                                    line_ccy.group(1) if line_ccy else ccy or "EUR"))
    return out


def csv(path: Path) -> Expected:
    settings = CSV_SETTINGS[path.name]
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines)
                 if settings["bank_csv_date"] in line.split(";"))
    header = lines[start].split(";")
    at, on = header.index(settings["bank_csv_amount"]), header.index(settings["bank_csv_date"])
    out = Expected(currency="EUR")
    for line in lines[start + 1:]:
        cells = line.split(";")
        try:
            day = datetime.strptime(cells[on], settings.get("bank_csv_date_format",
                                                            "%d/%m/%Y")).date()
        except ValueError:
            continue  # a balance line
        if cells[at].strip() and _dec(cells[at].replace(".", "")) > 0:
            out.credits.append((_dec(cells[at].replace(".", "")), day, "EUR"))
    return out


READERS = {"camt053": camt, "mt940": mt940, "ofx": ofx, "csv": csv}


def expected(path: Path) -> Expected:
    return READERS[path.parent.name](path)


# ---------------------------------------------------------------------------- tests
@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[tuple[str, str], Path]:
    return {}


def workbook(templates: dict, tmp_path: Path, currency: str, name: str) -> Path:
    settings = {**clean_settings(), "currency": currency, **CSV_SETTINGS.get(name, {})}
    key = (currency, name if name in CSV_SETTINGS else "")
    if key not in templates:
        path = tmp_path.parent / f"template-{currency}-{key[1] or 'any'}.xlsx"
        build_workbook(path, data=tables(), settings=settings, today=TODAY)
        templates[key] = path
    book = tmp_path / "Facturation.xlsx"
    shutil.copyfile(templates[key], book)
    return book


def test_there_are_forty_real_files_of_every_format_from_several_projects():
    formats = Counter(p.parent.name for p in FILES)
    assert len(FILES) >= 40 and set(formats) == set(READERS) and min(formats.values()) >= 4
    sources = (WORLD / "SOURCES.md").read_text()
    for path in FILES:
        assert path.name in sources or path.stem.rsplit("-", 1)[0] in sources, path.name


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_facturier_sees_exactly_the_credits_of_a_real_statement_and_books_them_once(
        path, templates, tmp_path):
    want = expected(path)
    book = workbook(templates, tmp_path, want.currency or "EUR", path.name)
    if want.refused:
        with pytest.raises(BankInputError, match=f"{re.escape(path.name)}: {want.refused}"):
            run_bank(book, [path], TODAY)
        return
    result = run_bank(book, [path], TODAY)
    [statement] = result.statements
    # a CSV export states no currency: the workbook's
    seen = sorted((e.amount, e.date, e.currency or want.currency) for e in statement.entries)
    assert seen == sorted(want.credits)
    mine = sum(1 for *_, ccy in want.credits if ccy == (want.currency or "EUR"))
    assert (result.new, result.foreign) == (mine, len(want.credits) - mine)
    assert result.seen == result.new + result.known + result.ignored + result.refused
    again = run_bank(book, [path], TODAY)
    assert (again.new, again.known) == (0, mine)


FOREIGN = [p for p in FILES if not expected(p).refused
           and (expected(p).currency or "EUR") != "EUR"]


@pytest.mark.parametrize("path", FOREIGN, ids=[p.name for p in FOREIGN])
def test_a_real_statement_in_another_currency_is_refused_by_a_euro_workbook(
        path, templates, tmp_path):
    book = workbook(templates, tmp_path, "EUR", path.name)
    with pytest.raises(BankInputError, match=f"{re.escape(path.name)}: an account in "
                       f"{expected(path).currency}, the workbook's currency is EUR"):
        run_bank(book, [path], TODAY)


def test_the_counts_over_all_real_files(templates, tmp_path, capsys):
    """Not a check of its own: the figures the note gives (entries seen, imported, refused),
    measured here so they stay true."""
    seen = imported = refused_files = 0
    for path in FILES:
        want = expected(path)
        (tmp_path / path.stem).mkdir()
        book = workbook(templates, tmp_path / path.stem, want.currency or "EUR", path.name)
        try:
            result = run_bank(book, [path], TODAY)
        except BankInputError:
            refused_files += 1
            continue
        seen += result.seen
        imported += result.new
    with capsys.disabled():
        print(f"\nreal statements: {len(FILES)} files, {refused_files} refused whole; "
              f"{seen} entries read, {imported} credits imported")
    assert refused_files == sum(1 for p in FILES if expected(p).refused)
    assert imported == sum(len(expected(p).credits) for p in FILES if not expected(p).refused
                           and all(c == (expected(p).currency or "EUR")
                                   for *_, c in expected(p).credits))
