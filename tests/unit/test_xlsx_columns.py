"""The splices `facturier upgrade` makes in a worksheet part: a column's width in <cols>,
its drop-down list in <dataValidations>, as Excel's schema orders them."""
from __future__ import annotations

from datetime import date

from pyfuncs.adapters.xlsx_columns import (
    _excel_width,
    _validation_xml,
    _with_validations,
    _with_width,
)

HEAD = b'<worksheet><sheetFormatPr defaultRowHeight="15"/>{cols}<sheetData>'


def test_a_width_is_stored_as_a_new_workbook_stores_it():
    assert _excel_width(10) == 10.7109375 and _excel_width(14) == 14.7109375


def test_a_sheet_without_cols_gets_one_before_its_rows():
    head = _with_width(HEAD.replace(b"{cols}", b""), 26, 10)
    assert head.endswith(b'<cols><col min="26" max="26" width="10.7109375" customWidth="1"/>'
                         b"</cols><sheetData>")


def test_the_new_width_goes_in_column_order():
    cols = b'<cols><col min="1" max="2" width="9"/><col min="30" max="30" width="5"/></cols>'
    head = _with_width(HEAD.replace(b"{cols}", cols), 26, 10)
    assert b'max="2" width="9"/><col min="26" max="26" width="10.7109375" customWidth="1"/>' \
        b'<col min="30"' in head


def test_a_col_spanning_the_new_column_is_split_around_it_keeping_its_style():
    cols = b'<cols><col min="20" max="16384" width="9" style="4"/></cols>'
    head = _with_width(HEAD.replace(b"{cols}", cols), 26, 10)
    assert b'<cols><col min="20" max="25" width="9" style="4"/>' \
        b'<col min="26" max="26" width="10.7109375" customWidth="1" style="4"/>' \
        b'<col min="27" max="16384" width="9" style="4"/></cols>' in head


def test_a_list_rule_is_written_as_xlsxwriter_writes_it_quotes_doubled():
    xml = _validation_xml({"validate": "list", "source": ["Oui", 'Dit "non"'],
                           "input_title": "T", "input_message": "a < b"}, "Z2:Z502", False)
    assert xml == ('<dataValidation type="list" allowBlank="1" showInputMessage="1" '
                   'showErrorMessage="1" promptTitle="T" prompt="a &lt; b" sqref="Z2:Z502">'
                   '<formula1>&quot;Oui,Dit &quot;&quot;non&quot;&quot;&quot;</formula1>'
                   "</dataValidation>")


def test_date_and_number_rules_have_both_bounds():
    xml = _validation_xml({"validate": "date", "criteria": "between",
                           "minimum": date(2000, 1, 1), "maximum": date(2100, 12, 31)},
                          "C2:C9", False)
    assert "<formula1>36526</formula1><formula2>73415</formula2>" in xml
    xml = _validation_xml({"validate": "decimal", "criteria": "between", "minimum": -1e12,
                           "maximum": 1e12}, "C2:C9", False)
    assert "<formula1>-1000000000000</formula1><formula2>1000000000000</formula2>" in xml


def test_the_first_rule_of_a_sheet_goes_before_its_margins_and_tables():
    tail = b'</sheetData><pageMargins left="0.7"/><tableParts count="1"/></worksheet>'
    out = _with_validations(tail, ["<dataValidation/>"])
    assert out == (b'</sheetData><dataValidations count="1"><dataValidation/>'
                   b'</dataValidations><pageMargins left="0.7"/><tableParts count="1"/>'
                   b"</worksheet>")


def test_a_rule_joins_the_sheet_s_rules_and_their_count():
    tail = (b'</sheetData><dataValidations count="1" disablePrompts="0"><dataValidation a="1"/>'
            b"</dataValidations><pageMargins/></worksheet>")
    out = _with_validations(tail, ["<dataValidation b=\"2\"/>"])
    assert out == (b'</sheetData><dataValidations count="2" disablePrompts="0">'
                   b'<dataValidation a="1"/><dataValidation b="2"/></dataValidations>'
                   b"<pageMargins/></worksheet>")
