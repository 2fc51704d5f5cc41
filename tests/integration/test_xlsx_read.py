"""Reading real workbook files: tables found by name or by sheet, columns by header,
every bad cell a finding that skips its row, never an exception.

Workbooks are written here with XlsxWriter directly (``write_book``), so a test controls
every cell: where a table stands, its column order, extra columns, raw bad values.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import example as hypothesis_example
from hypothesis import strategies as st

from pyfuncs.adapters.xlsx_read import WorkbookError, read_workbook
from pyfuncs.domain import schema as S
from pyfuncs.jobs.template import build_workbook

TEMPLATE = Path(__file__).resolve().parents[2] / "workbook" / "Facturation.xlsx"


@dataclass(frozen=True)
class Raw:
    """A cell written as is (no choice label, no Decimal -> float), for bad values."""

    value: object


@dataclass
class Layout:
    """Where and how write_book puts a table."""

    origin: tuple[int, int] | None = None     # 0-based (row, col) of the header
    order: list[str] | None = None            # column keys, in sheet order
    extra: dict[str, list] = field(default_factory=dict)   # user columns: label -> values
    as_range: bool = False                    # headers and cells, no Excel Table
    total_row: bool = False                   # the Table's totals row below the data
    headers: dict[str, str] = field(default_factory=dict)  # key -> header, not the label
    sheet: str | None = None                  # sheet name, not the schema's
    above: list[tuple[int, int, object]] = field(default_factory=list)  # other cells


def _cell(ws, r: int, c: int, value: object, col: S.Column | None, lang: str, fmt) -> None:
    if isinstance(value, Raw):
        value = value.value
    elif col is not None and col.choices and value is not None:
        value = S.choice_label(col.choices, str(value), lang)
    if value is None:
        return
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, str):
        ws.write_string(r, c, value)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value)
    elif isinstance(value, (date, datetime)):
        ws.write_datetime(r, c, value, fmt)
    else:
        ws.write_number(r, c, value)


def write_book(path: Path, tables: dict[str, list[dict]], lang: str = "fr",
               layouts: dict[str, Layout] | None = None, formulas: bool = True,
               hidden_rows: tuple[int, ...] = ()) -> Path:
    """A workbook holding the given tables (typed values: Decimal, date, choice keys)."""
    layouts = layouts or {}
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                           "strings_to_urls": False})
    fmt = book.add_format({"num_format": "dd/mm/yyyy"})
    sheets: dict[str, object] = {}
    for name, rows in tables.items():
        tbl = S.table(name)
        lay = layouts.get(name, Layout())
        sheet_name = lay.sheet or S.sheet_name(tbl.sheet, lang)
        ws = sheets.get(sheet_name) or book.add_worksheet(sheet_name)
        sheets[sheet_name] = ws
        r0, c0 = lay.origin or (0, tbl.first_col)
        for r, c, v in lay.above:
            _cell(ws, r, c, v, None, lang, fmt)
        keys = lay.order or list(tbl.keys)
        headers = [lay.headers.get(k, tbl.column(k).label(lang)) for k in keys] + list(lay.extra)
        n = max(1, len(rows))
        if lay.as_range:
            for j, h in enumerate(headers):
                ws.write_string(r0, c0 + j, h)
        else:
            columns = []
            for k in keys:
                col = tbl.column(k)
                spec: dict[str, object] = {"header": lay.headers.get(k, col.label(lang))}
                if col.computed and formulas:
                    spec["formula"] = "=" + S.render_formula(tbl, col, lang)
                columns.append(spec)
            columns += [{"header": h} for h in lay.extra]
            if lay.total_row:
                columns[0]["total_string"] = "Total"
            ws.add_table(r0, c0, r0 + n + lay.total_row, c0 + len(headers) - 1,
                         {"name": tbl.name, "columns": columns, "total_row": lay.total_row})
        for i, row in enumerate(rows):
            for j, k in enumerate(keys):
                col = tbl.column(k)
                if not col.computed:
                    _cell(ws, r0 + 1 + i, c0 + j, row.get(k), col, lang, fmt)
            for j, values in enumerate(lay.extra.values()):
                _cell(ws, r0 + 1 + i, c0 + len(keys) + j, values[i], None, lang, fmt)
        for r in hidden_rows:
            ws.set_row(r, None, None, {"hidden": True})
    book.close()
    return path


CLIENTS = [
    {"id": "C001", "name": "Acme SAS", "country": "FR", "siren": "732829320",
     "billing_email": "compta@acme.example", "terms": "30d", "po_required": "no"},
    {"id": "C002", "name": "Béta SARL", "country": "FR", "terms": "45d_eom",
     "language": "fr", "reminders_paused": "yes"},
    {"id": "C003", "name": "Gamma GmbH", "country": "DE", "terms": "on_receipt",
     "payment_mode": "transfer", "owner": "kim@seller.example"},
]
INVOICES = [
    {"id": "F001", "type": "invoice", "number": "FAC2026-0001", "issue_date": date(2026, 1, 5),
     "client": "C001", "terms": "30d", "due_date": date(2026, 2, 4), "status": "issued",
     "quote_version": 2, "po": "PO-77"},
    {"id": "F002", "type": "credit_note", "number": "AV2026-0001",
     "issue_date": date(2026, 1, 20), "client": "C002", "credited": "FAC2026-0001",
     "status": "issued", "dispute": "yes"},
    {"id": "F003", "type": "invoice", "client": "C003", "status": "draft", "currency": "EUR"},
]
LINES = [
    {"invoice": "F001", "label": "Audit", "quantity": Decimal(2), "unit": "jour",
     "unit_price": Decimal(850), "vat_rate": Decimal("0.2")},
    {"invoice": "F001", "label": "Frais", "quantity": Decimal(1),
     "unit_price": Decimal("120.4"), "vat_rate": Decimal("0.1")},
    {"invoice": "F002", "label": "Avoir", "quantity": Decimal(-1),
     "unit_price": Decimal(100), "vat_rate": Decimal("0.2")},
    {"invoice": "F003", "label": "Conseil", "quantity": Decimal("0.5"),
     "unit_price": Decimal(1000), "vat_rate": Decimal("0.055")},
]
PAYMENTS = [
    {"date": date(2026, 2, 1), "client": "C001", "invoice": "FAC2026-0001",
     "amount": Decimal("1000.5"), "mode": "transfer", "reference": "VIR 123"},
    {"date": date(2026, 2, 3), "client": "C002", "invoice": "NOT-AN-INVOICE",
     "amount": Decimal(12), "mode": "cheque"},
]
BASIC = {"Clients": CLIENTS, "Factures": INVOICES, "LignesFacture": LINES,
         "Paiements": PAYMENTS}
READ = list(BASIC)


def codes(data) -> list[tuple[str, str, int | None, str]]:
    return [(f.code, f.sheet, f.row, f.column) for f in data.findings]


def errors(data) -> list:
    return [f for f in data.findings if f.severity == "error"]


# --------------------------------------------------------------------------- templates
def test_the_template_reads_without_errors_in_french():
    data = read_workbook(TEMPLATE)
    assert data.lang == "fr" and not errors(data)
    assert set(data.tables) == {t.name for t in S.TABLES}
    assert data.sheet_names["invoices"] == "Factures"
    assert len(data.tables["Factures"]) == 0
    assert len(data.tables["NiveauxRelance"]) == len(S.DEFAULT_REMINDER_LEVELS)
    assert data.settings["default_terms"] == "30d" and data.settings["smtp_port"] == 587
    assert data.settings["recovery_indemnity"] == Decimal(40)
    assert data.tables["TauxPenalite"].cols["penalty_rate"][0] == Decimal("0.1315")
    missing = {f.ref for f in data.findings if f.code == "SETTING-MISSING"}
    assert missing == {s.key for s in S.SETTINGS if s.required}


def test_an_english_workbook_is_read_in_english(tmp_path):
    path = build_workbook(tmp_path / "Billing.xlsx", lang="en",
                          data={"Clients": CLIENTS, "Factures": INVOICES[:1]},
                          settings={"seller_name": "Seller"}, today=date(2026, 3, 1))
    data = read_workbook(path)
    assert data.lang == "en"
    assert data.sheet_names["invoices"] == "Invoices"
    inv = data.tables["Factures"]
    assert inv.labels["due_date"] == "Due date" and inv.cols["status"] == ["issued"]
    assert data.settings["seller_name"] == "Seller"
    assert all(f.message.startswith("Setting") for f in data.findings)


def test_a_renamed_sheet_is_found_through_its_table_and_findings_speak_english(tmp_path):
    invoices = [dict(INVOICES[0], due_date=Raw("2026-02-30")), *INVOICES[1:]]
    path = write_book(tmp_path / "F.xlsx", dict(BASIC, Factures=invoices), lang="en",
                      layouts={"Factures": Layout(sheet="Sales 2026")})
    data = read_workbook(path, READ)
    assert data.lang == "en" and data.sheet_names["invoices"] == "Sales 2026"
    (bad,) = data.findings
    assert (bad.sheet, bad.row, bad.column, bad.cell) == ("Sales 2026", 2, "Due date", "K2")
    assert bad.message == '"2026-02-30" is not a valid date. The row is skipped.'


def test_the_language_setting_decides_when_no_label_tells_the_language(tmp_path):
    keys = {k: k for k in S.table("Parametres").keys}
    rows = [{"key": "language", "value": "en"}, {"key": "smtp_port", "value": "many"}]
    path = write_book(tmp_path / "F.xlsx", {"Parametres": rows},
                      layouts={"Parametres": Layout(headers=keys, sheet="Réglages")})
    data = read_workbook(path, ["Parametres"])
    assert data.lang == "en" and data.settings["language"] == "en"
    assert [f.message for f in data.findings if f.code == "CELL-TYPE"] == [
        '"many" is not a whole number. The default is used.']


# --------------------------------------------------------------------------- values
def test_typed_values_are_read_from_a_built_workbook(tmp_path):
    path = build_workbook(tmp_path / "F.xlsx", data=BASIC, today=date(2026, 3, 1))
    data = read_workbook(path)
    assert not errors(data), data.findings
    inv = data.tables["Factures"]
    assert inv.rows == [2, 3, 4]
    assert inv.cols["issue_date"] == [date(2026, 1, 5), date(2026, 1, 20), None]
    assert inv.cols["type"] == ["invoice", "credit_note", "invoice"]
    assert inv.cols["quote_version"] == [2, None, None]
    assert inv.cols["dispute"] == [None, "yes", None]
    assert "net" not in inv.cols and "net" in inv.cached
    lines = data.tables["LignesFacture"]
    assert lines.cols["unit_price"] == [Decimal(850), Decimal("120.4"), Decimal(100),
                                        Decimal(1000)]
    assert lines.cols["vat_rate"][3] == Decimal("0.055")
    assert isinstance(lines.cols["quantity"][0], Decimal)
    clients = data.tables["Clients"]
    assert clients.cols["siren"][0] == "732829320"
    assert clients.cols["billing_email"][0] == "compta@acme.example"
    assert inv.cell("due_date", 3) == "K3" and inv.col_letters["client"] == "E"
    rec = inv.records()[0]
    assert rec.row == 2 and rec.id == "F001" and rec.net is None
    assert inv.records({"net": [Decimal(1)] * 3})[1].net == Decimal(1)


def test_a_workbook_written_by_xlsxwriter_has_formulas_without_cached_values(tmp_path):
    path = write_book(tmp_path / "F.xlsx", BASIC)
    data = read_workbook(path, READ)
    assert data.tables["LignesFacture"].cached["net"] == [None] * 4
    assert data.tables["Factures"].cached["total"] == [None] * 3


def test_cached_values_are_read_once_a_spreadsheet_has_saved_the_file(tmp_path):
    built = build_workbook(tmp_path / "F.xlsx", data=BASIC, today=date(2026, 3, 1))
    saved = tmp_path / "saved.xlsx"
    with zipfile.ZipFile(built) as src, zipfile.ZipFile(saved, "w") as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "xl/workbook.xml":
                body = body.replace(b' fullCalcOnLoad="1"', b"")
            dst.writestr(item, body)
    data = read_workbook(saved)
    lines = data.tables["LignesFacture"]
    assert lines.cached["net"] == [Decimal(1700), Decimal("120.4"), Decimal(-100),
                                   Decimal(500)]
    assert data.tables["Factures"].cached["total"][0] == Decimal("2172.44")


# --------------------------------------------------------------------------- layout
def test_reordered_columns_and_extra_user_columns_are_read_by_their_header(tmp_path):
    order = list(reversed(S.table("Paiements").keys))
    path = write_book(tmp_path / "F.xlsx", BASIC, layouts={"Paiements": Layout(
        order=order, extra={"Notes perso": ["a", "b"], "Commentaire": [1.0, 2.0]})})
    data = read_workbook(path, READ)
    pay = data.tables["Paiements"]
    assert pay.cols["amount"] == [Decimal("1000.5"), Decimal(12)]
    assert pay.cols["mode"] == ["transfer", "cheque"]
    assert pay.col_letters["reference"] == "A" and pay.col_letters["date"] == "F"
    assert pay.extra_headers == ["Notes perso", "Commentaire"]


def test_a_shifted_table_is_found_by_name_and_its_totals_row_is_not_data(tmp_path):
    path = write_book(tmp_path / "F.xlsx", BASIC, layouts={"Factures": Layout(
        origin=(4, 3), above=[(0, 0, "Mes factures"), (1, 1, 42.0), (6, 0, "note")],
        total_row=True)})
    data = read_workbook(path, READ)
    inv = data.tables["Factures"]
    assert not errors(data)
    assert inv.rows == [6, 7, 8] and inv.col_letters["id"] == "D"
    assert inv.cols["client"] == ["C001", "C002", "C003"]
    assert inv.cell("id", 6) == "D6"


def test_tables_converted_to_ranges_are_found_by_sheet_name_with_headers_on_row_1(tmp_path):
    tables = dict(BASIC, NiveauxRelance=[
        {"level": 1, "days": 1, "tone": "courtesy", "template": "t1"},
        {"level": 2, "days": 7, "tone": "firm", "template": "t2"}],
        TauxPenalite=[{"start": date(2026, 1, 1), "end": date(2026, 6, 30),
                       "ecb_rate": Decimal("0.0215"), "penalty_rate": Decimal("0.1215")}])
    layouts = {name: Layout(as_range=True) for name in tables}
    path = write_book(tmp_path / "F.xlsx", tables, layouts=layouts)
    data = read_workbook(path, [*READ, "NiveauxRelance", "TauxPenalite"])
    assert not errors(data), data.findings
    assert data.tables["Factures"].cols["id"] == ["F001", "F002", "F003"]
    levels = data.tables["NiveauxRelance"]
    assert levels.cols["level"] == [1, 2] and levels.col_letters["level"] == "F"
    assert data.tables["TauxPenalite"].cols["penalty_rate"] == [Decimal("0.1215")]


def test_blank_rows_are_skipped_silently_and_hidden_rows_are_data(tmp_path):
    blank = {"label": None}
    lines = [LINES[0], blank, blank, LINES[1], LINES[2]]
    path = write_book(tmp_path / "F.xlsx", dict(BASIC, LignesFacture=lines),
                      hidden_rows=(4, 5))
    data = read_workbook(path, READ)
    assert not errors(data)
    assert data.tables["LignesFacture"].rows == [2, 5, 6]
    assert data.tables["LignesFacture"].cols["label"] == ["Audit", "Frais", "Avoir"]


# --------------------------------------------------------------------------- findings
def test_bad_cells_are_findings_that_skip_their_row_only(tmp_path):
    lines = [dict(LINES[0], quantity=Raw("deux")),
             dict(LINES[1], unit_price=Raw("1 234,56 €")),
             dict(LINES[2], vat_rate=Raw(20.0)),
             dict(LINES[3], label=Raw("   "))]
    clients = [dict(CLIENTS[0], billing_email=Raw("a@acme.example\nb@acme.example")),
               dict(CLIENTS[1], accounting_email=Raw("a@b.example; c@d.example")),
               dict(CLIENTS[2], terms=Raw("90 jours"))]
    invoices = [dict(INVOICES[0], issue_date=Raw("31/02/2026")),
                dict(INVOICES[1], quote_version=Raw(True)),
                dict(INVOICES[2], due_date=Raw("15/03/2026"))]
    path = write_book(tmp_path / "F.xlsx", dict(BASIC, LignesFacture=lines, Clients=clients,
                                                Factures=invoices))
    data = read_workbook(path, READ)
    found = codes(data)
    assert ("CELL-TYPE", "Lignes de facture", 2, "Quantité") in found
    assert ("CELL-TYPE", "Lignes de facture", 4, "Taux TVA") in found
    assert ("CELL-REQUIRED", "Lignes de facture", 5, "Désignation") in found
    assert ("CELL-EMAIL", "Clients", 2, "Email facturation") in found
    assert ("CELL-EMAIL", "Clients", 3, "Email comptabilité") in found
    assert ("CELL-CHOICE", "Clients", 4, "Conditions de paiement") in found
    assert ("CELL-DATE", "Factures", 2, "Date") in found
    assert ("CELL-TYPE", "Factures", 3, "Version devis") in found
    assert data.tables["LignesFacture"].cols["unit_price"] == [Decimal("1234.56")]
    assert data.tables["Factures"].cols["due_date"] == [date(2026, 3, 15)]
    assert data.tables["Clients"].rows == []
    first = next(f for f in data.findings if f.code == "CELL-DATE")
    assert "« 31/02/2026 »" in first.message and "ignorée" in first.message
    assert first.ref == "F001" and first.cell == "D2" and first.fix
    line = next(f for f in data.findings if f.column == "Quantité")
    assert line.ref == "F001" and "« deux »" in line.message
    assert not any(f.code == "UNKNOWN-REF" for f in data.findings)  # skipped, still known


def test_a_duplicate_key_is_reported_on_its_second_occurrence(tmp_path):
    invoices = INVOICES + [dict(INVOICES[0], id="f001", number="FAC2026-0009"),
                           dict(INVOICES[2], id="F004", number="FAC2026-0001")]
    path = write_book(tmp_path / "F.xlsx", dict(BASIC, Factures=invoices))
    data = read_workbook(path, READ)
    dups = [(f.row, f.column, f.cell) for f in data.findings if f.code == "DUPLICATE-KEY"]
    assert dups == [(5, "Réf.", "A5"), (6, "N° facture", "C6")]
    assert data.tables["Factures"].cols["id"] == ["F001", "F002", "F003"]


def test_an_unknown_client_is_reported_and_payments_may_name_any_invoice(tmp_path):
    invoices = INVOICES + [dict(INVOICES[0], id="F009", number=None, client="c001"),
                           dict(INVOICES[0], id="F010", number=None, client="ZZZ")]
    path = write_book(tmp_path / "F.xlsx", dict(BASIC, Factures=invoices))
    data = read_workbook(path, READ)
    refs = [f for f in data.findings if f.code == "UNKNOWN-REF"]
    assert [(f.row, f.column, f.ref) for f in refs] == [(5, "Client", "F009"),
                                                       (6, "Client", "F010")]
    assert "Vouliez-vous dire « C001 »" in refs[0].message
    assert "« ZZZ »" in refs[1].message and "Clients" in refs[1].message
    assert len(data.tables["Factures"]) == 3
    assert data.tables["Paiements"].cols["invoice"][1] == "NOT-AN-INVOICE"


def test_a_missing_required_column_is_a_workbook_error_naming_file_sheet_and_column(tmp_path):
    order = [k for k in S.table("Factures").keys if k != "client"]
    path = write_book(tmp_path / "Facturation.xlsx", BASIC,
                      layouts={"Factures": Layout(order=order)})
    with pytest.raises(WorkbookError) as info:
        read_workbook(path, READ)
    assert str(info.value) == ("Facturation.xlsx: sheet 'Factures': column 'Client' not found "
                               "(table Factures)")


def test_a_missing_optional_column_is_a_warning_and_reads_as_empty(tmp_path):
    order = [k for k in S.table("Factures").keys if k not in ("po", "net")]
    path = write_book(tmp_path / "F.xlsx", BASIC, layouts={"Factures": Layout(order=order)})
    data = read_workbook(path, READ)
    missing = [(f.severity, f.column) for f in data.findings if f.code == "COLUMN-MISSING"]
    assert missing == [("warning", "N° commande"), ("warning", "Total HT")]
    inv = data.tables["Factures"]
    assert inv.cols["po"] == [None] * 3 and inv.cached["net"] == [None] * 3
    assert inv.cell("po", 2) == ""


def test_a_missing_table_is_a_workbook_error(tmp_path):
    path = write_book(tmp_path / "F.xlsx", {"Clients": CLIENTS})
    with pytest.raises(WorkbookError, match=r"^F\.xlsx: table Factures not found"):
        read_workbook(path, ["Clients", "Factures"])


def test_a_missing_file_or_a_file_that_is_not_a_workbook_is_one_line(tmp_path):
    with pytest.raises(WorkbookError, match=r"^nope\.xlsx: file not found$"):
        read_workbook(tmp_path / "nope.xlsx")
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a zip")
    with pytest.raises(WorkbookError, match=r"^bad\.xlsx: not an Excel workbook") as info:
        read_workbook(bad)
    assert "\n" not in str(info.value)


def test_settings_are_typed_with_defaults_and_bad_values_reported(tmp_path):
    values = {"seller_name": "Altiplano", "smtp_port": "2525", "penalty_rate": "12,15 %",
              "vat_on_debits": "Oui", "seller_siren": 732829320, "smtp_tls": "peut-être",
              "default_terms": "45 jours"}
    rows = [{"key": k, "label": "x", "value": v} for k, v in values.items()]
    path = write_book(tmp_path / "F.xlsx", {"Parametres": rows})
    data = read_workbook(path, ["Parametres"])
    s = data.settings
    assert s["seller_name"] == "Altiplano" and s["smtp_port"] == 2525
    assert s["penalty_rate"] == Decimal("0.1215") and s["vat_on_debits"] == "yes"
    assert s["seller_siren"] == "732829320" and s["default_terms"] == "45d"
    assert s["smtp_tls"] == "yes"  # the default, with an error
    assert s["currency"] == "EUR" and s["recovery_indemnity"] == Decimal(40)
    bad = [f for f in data.findings if f.code == "CELL-CHOICE"]
    assert len(bad) == 1 and bad[0].ref == "smtp_tls" and "défaut" in bad[0].message
    assert (bad[0].row, bad[0].column, bad[0].cell) == (7, "Valeur", "C7")
    missing = {f.ref for f in data.findings if f.code == "SETTING-MISSING"}
    assert missing == {s.key for s in S.SETTINGS if s.required} - set(values)


def test_an_unknown_setting_key_is_information_only(tmp_path):
    rows = [{"key": "seller_name", "value": "X"}, {"key": "favourite_colour", "value": "red"}]
    path = write_book(tmp_path / "F.xlsx", {"Parametres": rows, **BASIC})
    data = read_workbook(path, ["Parametres", *READ])
    info = [f for f in data.findings if f.code == "SETTING-UNKNOWN"]
    assert [(f.severity, f.row, f.ref) for f in info] == [("info", 3, "favourite_colour")]
    assert data.settings["seller_name"] == "X"


# --------------------------------------------------------------------------- property
# Bad values by column type; "" (an empty cell) is added for required columns, and a copy
# of an earlier row's value for unique or key columns.
BAD_VALUES: dict[str, list[object]] = {
    S.MONEY: ["abc", "12,3,4", "=SUM(A1:A3)", True, date(2026, 1, 5), 1e20],
    S.NUMBER: ["deux", "=1+1", False, 1e20, date(2026, 1, 5)],
    S.RATE: [20.0, "20", "abc", True, -0.5, "=0.2"],
    S.DATE: ["31/02/2026", "2026-02-30", "abc", True, 1e20, "=TODAY()", "29/02/2027"],
    S.INT: [True, 2.5, "abc", 1e20, "=1"],
    S.ID: [True, 1e20, date(2026, 1, 5)],
    S.CHOICE: ["zzz", "=1+1", 42.5, date(2026, 1, 5)],
    S.BOOL: ["peut-être", "=1+1", 42.5, "Ouiii"],
    S.EMAIL: ["a@b.example\nc@d.example", "a@b.example; c@d.example", "nobody", "=1+1"],
    S.TEXT: [],
}
QUOTES = [{"number": f"D{i}", "version": 1, "client": "C001", "date": date(2026, 1, i + 1),
           "status": "sent", "title": f"Projet {i}"} for i in range(1, 4)]
BASE = {
    "Clients": CLIENTS,
    "Devis": QUOTES,
    "LignesDevis": [{"quote": f"D{1 + i % 3}", "version": 1, "label": f"Ligne {i}",
                     "quantity": Decimal(i), "unit_price": Decimal("99.9"),
                     "vat_rate": Decimal("0.2"), "unit": "u"} for i in range(1, 7)],
    "Factures": INVOICES + [dict(INVOICES[0], id=f"F1{i}", number=f"FAC2026-1{i}")
                            for i in range(4)],
    "Temps": [{"date": date(2026, 2, i), "client": "C002", "consultant": "Kim",
               "quantity": Decimal("0.5"), "rate": Decimal(700), "validated": "yes",
               "project": "D1"} for i in range(1, 7)],
    "Paiements": PAYMENTS * 3,
}
REFERENCED = {("Clients", "id"), ("Devis", "number")}  # mutating these would cascade


def _candidates(name: str, key: str) -> list[str]:
    col = S.table(name).column(key)
    if col.computed or (name, key) in REFERENCED:
        return []
    kinds = [f"v{i}" for i in range(len(BAD_VALUES[col.type]))]
    if col.ref:
        kinds.append("unknown-ref")
    if col.required:
        kinds += ["empty", "spaces"]
    if col.unique or key in S.table(name).key:
        kinds.append("duplicate")
    return kinds


CELLS = [(name, key, kind) for name in BASE for key in S.table(name).keys
         for kind in _candidates(name, key)]


@st.composite
def mutations(draw):
    name = draw(st.sampled_from(list(BASE)))
    n = len(BASE[name])
    cells = [c for c in CELLS if c[0] == name]
    picks = draw(st.lists(st.tuples(st.integers(0, n - 1), st.sampled_from(cells)),
                          min_size=1, max_size=6))
    return name, {(i, key): kind for i, (_, key, kind) in picks}


def _bad_value(tbl: S.Table, rows: list[dict], i: int, key: str, kind: str,
               muts: dict) -> Raw | None:
    col = tbl.column(key)
    if kind == "empty":
        return Raw(None)
    if kind == "spaces":
        return Raw("   ")
    if kind == "unknown-ref":
        return Raw("ZZZ-404")
    if kind == "duplicate":
        for j in range(i):
            if (j, key) not in muts and rows[j].get(key) is not None \
                    and rows[j].get(key) != rows[i].get(key):
                return Raw(rows[j][key]) if not col.choices else rows[j][key]
        return None  # no earlier row to copy: not a mutation
    return Raw(BAD_VALUES[col.type][int(kind[1:])])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.data_too_large])
@given(mutations())
# two rows naming the same unknown reference: one finding, on the first, naming the second
@hypothesis_example(("LignesDevis", {(0, "quote"): "unknown-ref", (1, "quote"): "unknown-ref"}))
def test_random_bad_cells_never_escape_and_only_their_rows_are_skipped(tmp_path_factory,
                                                                        example):
    name, muts = example
    tbl = S.table(name)
    rows = [dict(r) for r in BASE[name]]
    bad: dict[int, set[str]] = {}
    for (i, key), kind in sorted(muts.items()):
        value = _bad_value(tbl, BASE[name], i, key, kind, muts)
        if value is not None:
            rows[i][key] = value
            bad.setdefault(i, set()).add(key)
    path = write_book(tmp_path_factory.mktemp("prop") / "F.xlsx", dict(BASE, **{name: rows}))
    data = read_workbook(path, list(BASE))           # no exception escapes
    table = data.tables[name]
    sheet = S.sheet_name(tbl.sheet, "fr")
    for i, keys in bad.items():
        row = i + 2
        assert row not in table.rows
        for key in keys:
            label = tbl.column(key).fr
            own = any(f.sheet == sheet and f.row == row and f.column == label
                      and f.severity == "error" for f in data.findings)
            # one unknown reference is one finding, on the first row naming it, which names
            # the other rows ("2 autre(s) ligne(s) le citent aussi (Lignes de devis 3)")
            named = muts.get((i, key)) == "unknown-ref" and any(
                f.code == "UNKNOWN-REF" and f.column == label and f.row != row
                and re.search(rf"\b{re.escape(sheet)} {row}\b", f.message)
                for f in data.findings)
            assert own or named, (row, key, rows[i])
    assert all(f.sheet == sheet and f.row - 2 in bad for f in errors(data))
    good = [i for i in range(len(rows)) if i not in bad]
    assert table.rows == [i + 2 for i in good]
    for pos, i in enumerate(good):
        for col in tbl.columns:
            if not col.computed:
                got = table.cols[col.key][pos]
                assert got == BASE[name][i].get(col.key), (i, col.key)


def test_a_workbook_made_before_a_table_existed_still_reads_and_checks(tmp_path, monkeypatch):
    """Tables added since (the Échéancier of payment plans): an info finding, not an
    unusable file; a job that names the table still needs it."""
    from datetime import date

    from pyfuncs.adapters.xlsx_read import WorkbookError, read_workbook
    from pyfuncs.domain import schema as S
    from pyfuncs.jobs.check import run_check
    from pyfuncs.jobs.template import build_workbook
    real = S.tables_on
    monkeypatch.setattr(S, "tables_on",
                        lambda key: [t for t in real(key) if t.name != "Echeancier"])
    path = build_workbook(tmp_path / "old.xlsx")
    monkeypatch.undo()
    data = read_workbook(path)
    assert "Echeancier" not in data.tables and "Factures" in data.tables
    missing = [f for f in data.findings if f.code == "TABLE-MISSING"]
    assert len(missing) == 1 and missing[0].severity == "info" and missing[0].ref == "Echeancier"
    result = run_check(path, date(2026, 11, 23))
    assert "TABLE-MISSING" in {f.code for f in result.findings}
    with pytest.raises(WorkbookError, match="table Echeancier not found"):
        read_workbook(path, ["Echeancier"])
