"""Cells as python-calamine gives them become the schema's types, or a finding's words."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal as Dec

import pytest

from pyfuncs.adapters import cells as C
from pyfuncs.adapters.cells import BAD, CellProblem, convert_column, converter
from pyfuncs.domain import schema as S


def problem(func, value, **kw) -> tuple[str, str, str]:
    with pytest.raises(CellProblem) as info:
        func(value, **kw)
    return info.value.issue


@pytest.mark.parametrize("cell, expected", [
    (0.1, Dec("0.1")), (1234.5, Dec("1234.5")), (3.0, Dec(3)), (7, Dec(7)),
    ("1 234,56", Dec("1234.56")), ("1\u00a0234,56", Dec("1234.56")),
    ("1\u202f234,56 €", Dec("1234.56")), ("1.234,56 €", Dec("1234.56")),
    ("1,234.56", Dec("1234.56")), ("€ 12", Dec(12)), ("-7,10", Dec("-7.10")),
    ("1234.5 EUR", Dec("1234.5")), ("  42 ", Dec(42)), ("", None), ("   ", None),
])
def test_amounts_become_exact_decimals_from_numbers_and_french_or_english_text(cell, expected):
    assert C.to_money(cell) == expected


@pytest.mark.parametrize("cell", ["abc", "12,3,4", "=SUM(A1:A3)", True, date(2026, 1, 5),
                                  1e20, "1e20", "NaN", time(12, 0)])
def test_what_is_not_an_amount_is_a_type_problem_quoting_the_value(cell):
    code, message, fix = problem(C.to_money, cell)
    assert code == "CELL-TYPE"
    assert C.show(cell, "fr")[:20] in message
    assert fix


@pytest.mark.parametrize("cell, expected", [
    (0.2, Dec("0.2")), (0.055, Dec("0.055")), ("20 %", Dec("0.2")), ("12,5 %", Dec("0.125")),
    ("0,2", Dec("0.2")), (0.0, Dec(0)), (1.0, Dec(1)),
])
def test_rates_are_fractions(cell, expected):
    assert C.to_rate(cell) == expected


@pytest.mark.parametrize("cell", [20.0, "20", 1.5, -0.1, "abc", True])
def test_a_rate_typed_as_twenty_is_not_guessed_to_mean_twenty_percent(cell):
    code, message, _ = problem(C.to_rate, cell)
    assert code == "CELL-TYPE" and "taux" in message


@pytest.mark.parametrize("cell, expected", [(3.0, 3), (7, 7), ("3", 3), (" 12 ", 12),
                                            ("5,0", 5), (-2.0, -2), ("", None)])
def test_whole_numbers_become_int(cell, expected):
    assert C.to_int(cell) == expected
    assert type(C.to_int(cell)) in (int, type(None))


@pytest.mark.parametrize("cell", [2.5, "2,5", True, False, "abc", 1e20, date(2026, 1, 1)])
def test_a_fraction_a_boolean_or_text_in_a_whole_number_column_is_reported(cell):
    assert problem(C.to_int, cell)[0] == "CELL-TYPE"


@pytest.mark.parametrize("cell, expected", [
    (date(2026, 1, 31), date(2026, 1, 31)),
    (datetime(2026, 1, 31, 14, 30), date(2026, 1, 31)),
    (46053.0, date(2026, 1, 31)), (46053.75, date(2026, 1, 31)), (46053, date(2026, 1, 31)),
    (1.0, date(1900, 1, 1)), (61.0, date(1900, 3, 1)),
    (timedelta(days=46053), date(2026, 1, 31)),
    ("31/01/2026", date(2026, 1, 31)), ("1/2/26", date(2026, 2, 1)),
    ("01/02/99", date(1999, 2, 1)), ("2026-01-31", date(2026, 1, 31)),
    ("2026-01-31 00:00:00", date(2026, 1, 31)), ("31.01.2026", date(2026, 1, 31)),
    (" 29/02/2028 ", date(2028, 2, 29)), ("", None),
])
def test_dates_come_from_date_cells_serial_numbers_and_day_month_year_text(cell, expected):
    assert C.to_date(cell) == expected


def test_serial_numbers_follow_the_1904_date_system_when_the_workbook_says_so():
    assert C.to_date(0.0, date1904=True) == date(1904, 1, 1)
    assert C.to_date(1.0, date1904=True) == date(1904, 1, 2)
    assert C.serial_to_date(44591.0, date1904=True) == C.serial_to_date(46053.0) \
        == date(2026, 1, 31)


@pytest.mark.parametrize("cell", ["31/02/2026", "2026-02-30", "29/02/2027", "32/01/2026",
                                  "13/13/2026", "abc", "2026", True, 1e20, -5.0, 0.0,
                                  time(0, 0), "=TODAY()"])
def test_impossible_dates_and_non_dates_are_date_problems(cell):
    code, message, fix = problem(C.to_date, cell)
    assert code == "CELL-DATE"
    assert "date" in message and "jj/mm/aaaa" in fix


def test_a_date_problem_speaks_english_in_an_english_workbook():
    _, message, fix = problem(C.to_date, "31/02/2026", lang="en")
    assert message == '"31/02/2026" is not a valid date.'
    assert "dd/mm/yyyy" in fix


@pytest.mark.parametrize("cell, expected", [
    (" C001 ", "C001"), (732829320.0, "732829320"), (42, "42"), (12.5, "12.5"),
    ("FAC2026-0001", "FAC2026-0001"), ("", None), ("  ", None),
    (73282932000015.0, "73282932000015"),
])
def test_identifiers_are_stripped_text_and_numbers_lose_their_point_zero(cell, expected):
    assert C.to_id(cell) == expected


@pytest.mark.parametrize("cell", [True, date(2026, 1, 1), 1e20, 1e15])
def test_a_boolean_a_date_or_a_rounded_giant_number_is_not_an_identifier(cell):
    assert problem(C.to_id, cell)[0] == "CELL-TYPE"


@pytest.mark.parametrize("cell, expected", [
    ("compta@client.fr", "compta@client.fr"), (" a.b+c@sub.example.com ", "a.b+c@sub.example.com"),
    ("", None),
])
def test_one_email_address_is_read(cell, expected):
    assert C.to_email(cell) == expected


@pytest.mark.parametrize("cell, word", [
    ("a@b.fr\nc@d.fr", "retour à la ligne"), ("a@b.fr\r\nc@d.fr", "retour à la ligne"),
    ("a@b.fr; c@d.fr", "plusieurs adresses"), ("a@b.fr, c@d.fr", "plusieurs adresses"),
    ("nobody", "n'est pas une adresse"), ("a@b", "n'est pas une adresse"),
    ("Jean <a@b.fr>", "n'est pas une adresse"), ("a b@c.fr", "n'est pas une adresse"),
    (12.0, "n'est pas une adresse"), (True, "n'est pas une adresse"),
])
def test_a_line_break_two_addresses_or_a_non_address_is_an_email_problem(cell, word):
    code, message, _ = problem(C.to_email, cell)
    assert code == "CELL-EMAIL" and word in message


@pytest.mark.parametrize("choices, cell, expected", [
    ("yesno", "Oui", "yes"), ("yesno", "oui", "yes"), ("yesno", "NO", "no"),
    ("yesno", True, "yes"), ("yesno", False, "no"), ("yesno", 1.0, "yes"), ("yesno", "x", "yes"),
    ("invoice_status", "Émise", "issued"), ("invoice_status", "emise", "issued"),
    ("invoice_status", "Issued", "issued"), ("invoice_status", "issued", "issued"),
    ("terms", "45 jours fin de mois", "45d_eom"), ("terms", "À RÉCEPTION", "on_receipt"),
    ("payment_mode", "Direct debit", "direct_debit"), ("yesno", "", None),
])
def test_choices_become_their_canonical_key_whatever_the_language_case_or_accents(
        choices, cell, expected):
    assert C.to_choice(cell, choices=choices) == expected


def test_an_unknown_choice_lists_the_allowed_values_in_the_workbooks_language():
    code, message, fix = problem(C.to_choice, "Peut-être", choices="yesno")
    assert code == "CELL-CHOICE" and "« Peut-être »" in message and "Oui, Non" in message
    code, message, fix = problem(C.to_choice, "Maybe", choices="yesno", lang="en")
    assert '"Maybe"' in message and "Yes, No" in fix


@pytest.mark.parametrize("cell, expected", [
    ("  Conseil  ", "Conseil"), (75002.0, "75002"), (1.5, "1.5"), (True, "VRAI"),
    (date(2026, 1, 31), "31/01/2026"), ("=1+1", "=1+1"), ("", None), ("a\nb", "a\nb"),
])
def test_text_is_what_the_user_sees_and_formula_looking_text_stays_text(cell, expected):
    assert C.to_text(cell) == expected


def test_a_column_marks_bad_cells_and_keeps_the_good_ones_aligned():
    raw = [1.0, "abc", "", 2.5, "abc", "3"]
    out, issues = convert_column(raw, converter(S.MONEY, "fr"))
    assert out == [Dec(1), BAD, None, Dec("2.5"), BAD, Dec(3)]
    assert sorted(issues) == [1, 4] and issues[1][0] == "CELL-TYPE"


def test_booleans_mixed_with_numbers_are_not_confused_with_one_and_zero():
    out, issues = convert_column([1.0, True, 0.0, False, 1.0], converter(S.INT, "fr"))
    assert out == [1, BAD, 0, BAD, 1]
    assert sorted(issues) == [1, 3]
    out, issues = convert_column([True, 1.0, "Non"], converter(S.BOOL, "fr", "yesno"))
    assert out == ["yes", "yes", "no"] and not issues
    out, issues = convert_column([True, "", 1.0], converter(S.EMAIL, "en"))
    assert out == [BAD, None, BAD]
    assert '"TRUE"' in issues[0][1] and '"1"' in issues[2][1]


def test_a_column_of_booleans_alone_converts_each_cell_as_its_own_value():
    # no number among them: True and False map through the dict of distinct values
    out, issues = convert_column([True, False, "", True, "oui"],
                                 converter(S.BOOL, "fr", "yesno"))
    assert out == ["yes", "no", None, "yes", "yes"] and not issues
    out, issues = convert_column([True, "", False], converter(S.INT, "fr"))
    assert out == [BAD, None, BAD] and sorted(issues) == [0, 2]


def test_a_text_column_with_numbers_among_strings_takes_the_general_way():
    out, issues = convert_column([" a ", 75002.0, "", "b"], converter(S.TEXT, "fr"),
                                 plain_text=True)
    assert out == ["a", "75002", None, "b"] and not issues


def test_cached_formula_values_are_decimals_and_missing_ones_none():
    assert C.cached_column([12.5, "", "#N/A", 3.0, True], S.MONEY) == [
        Dec("12.5"), None, None, Dec(3), None]
    assert C.cached_column([4.0, ""], S.INT) == [4, None]


def test_values_are_quoted_the_way_the_sheet_shows_them():
    assert C.show(732829320.0) == "732829320"
    assert C.show(date(2026, 2, 3)) == "03/02/2026"
    assert C.show(date(2026, 2, 3), "en") == "2026-02-03"
    assert C.show("a\nb") == "a↵b"
    assert C.show(False, "en") == "FALSE"
    assert len(C.show("x" * 200)) == 60
