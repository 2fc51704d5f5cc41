"""Cell values as python-calamine gives them -> the Python types of schema.py.

One scalar converter per column type says what a cell means or raises ``CellProblem``
(code, message and fix in the workbook's language). ``convert_column`` runs a converter
over a whole column, once per *distinct* value: columns repeat themselves (rates, dates,
client codes, choices), and mapping the rest through a dict stays in C, which is what
keeps reading 500k rows close to python-calamine's own cost.

calamine gives: "" for an empty cell (and for an error such as #N/A), str, float (every
number, integral or not), bool, date/datetime for date-formatted numbers, time or
timedelta for time formats.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from itertools import repeat
from operator import is_
from typing import cast

from pyfuncs.domain import schema as S
from pyfuncs.domain.money import D, NotAnAmount

BAD = object()   # stands in a converted column where a cell could not be read
MAX_AMOUNT = Decimal(10) ** 12      # the builder's validation bound for amounts
MAX_INT = 10**9
MAX_ID_FLOAT = 1e15                 # beyond 15 digits Excel has already rounded the number
EXCEL_EPOCH = date(1899, 12, 30)    # serial 61 = 1900-03-01 (Excel's fictitious 29/02/1900)
EXCEL_EPOCH_1904 = date(1904, 1, 1)
MAX_SERIAL = 2958465                # 9999-12-31

Issue = tuple[str, str, str]         # code, message, fix


class CellProblem(Exception):
    """Why a cell cannot be read; its args are an Issue."""

    @property
    def issue(self) -> Issue:
        return self.args


def show(value: object, lang: str = "fr") -> str:
    """A cell value quoted the way a user would recognise it in the sheet."""
    if isinstance(value, bool):
        return ("VRAI" if value else "FAUX") if lang == "fr" else ("TRUE" if value else "FALSE")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y %H:%M}" if lang == "fr" else f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}" if lang == "fr" else value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\n", "↵")
    return text if len(text) <= 60 else text[:57] + "..."


def _q(value: object, lang: str) -> str:
    return f"« {show(value, lang)} »" if lang == "fr" else f'"{show(value, lang)}"'


def _problem(code: str, lang: str, fr: tuple[str, str], en: tuple[str, str]) -> CellProblem:
    return CellProblem(code, *(fr if lang == "fr" else en))


# --------------------------------------------------------------------------- numbers
_CURRENCY = re.compile(r"^(?:€|EUR)\s*|\s*(?:€|EUR)$", re.IGNORECASE)


def parse_number_text(text: str) -> Decimal:
    """'1 234,56', '1.234,56 €', '1,234.56', '12,5 %' -> Decimal, through D().

    D() reads a French comma; when both separators appear the last one is the decimal
    mark, so the English '1,234.56' is normalised first (D alone would read 1.23456).
    """
    t = _CURRENCY.sub("", text.strip()).replace("'", "").replace("\u2019", "")
    comma, dot = t.rfind(","), t.rfind(".")
    if comma != -1 and dot > comma:
        t = t.replace(",", "")
    return D(t)


def _decimal(value: object, lang: str, what: tuple[str, str]) -> Decimal | None:
    if value.__class__ is float:
        number = D(value) if _finite(value) else None
    elif value.__class__ is str:
        if not value.strip():
            return None
        try:
            number = parse_number_text(value)
        except NotAnAmount:
            number = None
    elif value.__class__ is int:
        number = D(value)
    else:
        number = None
    if number is None:
        raise _problem("CELL-TYPE", lang,
                       (f"{_q(value, lang)} n'est pas {what[0]}.",
                        "Saisir un nombre (ex. 1234,56), sans texte ni formule d'erreur."),
                       (f"{_q(value, lang)} is not {what[1]}.",
                        "Enter a number (e.g. 1234.56), without text or error formula."))
    if abs(number) >= MAX_AMOUNT:
        raise _problem("CELL-TYPE", lang,
                       (f"{_q(value, lang)} est hors limites (1 000 milliards au plus).",
                        "Vérifier la saisie."),
                       (f"{_q(value, lang)} is out of range (at most 1 trillion).",
                        "Check what was typed."))
    return number


def _finite(value: float) -> bool:
    """Not NaN nor an infinity: no cell holds those, only a reader's coercion of a text."""
    return value - value == 0.0


def to_money(value: object, lang: str = "fr") -> Decimal | None:
    return _decimal(value, lang, ("un montant", "an amount"))


def to_number(value: object, lang: str = "fr") -> Decimal | None:
    return _decimal(value, lang, ("un nombre", "a number"))


def to_rate(value: object, lang: str = "fr") -> Decimal | None:
    """A fraction: 0.2 or '20 %'. A bare 20 is not guessed to mean 20 %: it is reported."""
    rate = _decimal(value, lang, ("un taux", "a rate"))
    if rate is not None and not (0 <= rate <= 1):
        raise _problem("CELL-TYPE", lang,
                       (f"{_q(value, lang)} n'est pas un taux entre 0 % et 100 %.",
                        "Saisir 20 % (ou 0,2) pour vingt pour cent, pas 20."),
                       (f"{_q(value, lang)} is not a rate between 0 % and 100 %.",
                        "Enter 20 % (or 0.2) for twenty percent, not 20."))
    return rate


def to_int(value: object, lang: str = "fr") -> int | None:
    number = None
    if value.__class__ is int or (value.__class__ is float and _finite(value)):
        number = D(value)
    elif value.__class__ is str:
        if not value.strip():
            return None
        try:
            number = parse_number_text(value)
        except NotAnAmount:
            pass
    if number is None or number != number.to_integral_value() or abs(number) >= MAX_INT:
        raise _problem("CELL-TYPE", lang,
                       (f"{_q(value, lang)} n'est pas un nombre entier.",
                        "Saisir un nombre entier, sans décimales (ex. 3)."),
                       (f"{_q(value, lang)} is not a whole number.",
                        "Enter a whole number, without decimals (e.g. 3)."))
    return int(number)


# --------------------------------------------------------------------------- dates
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def serial_to_date(serial: float, date1904: bool = False) -> date | None:
    """An Excel serial number -> date (1900 system unless the workbook says 1904)."""
    if not ((0 if date1904 else 1) <= serial <= MAX_SERIAL - (1462 if date1904 else 0)):
        return None
    days = int(serial)
    if date1904:
        return EXCEL_EPOCH_1904 + timedelta(days=days)
    if days < 61:  # before Excel's fictitious 29/02/1900 (serial 60 reads as 28/02)
        days += 1
    return EXCEL_EPOCH + timedelta(days=days)


def parse_date_text(text: str) -> date | None:
    """'31/01/2026', '1/2/26', '2026-01-31' -> date; None when not a date or impossible."""
    t = text.strip()
    m = _YMD.match(t)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = _DMY.match(t)
        if not m:
            return None
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
        if len(m[3]) == 2:  # Excel's window: 00-29 -> 2000s, 30-99 -> 1900s
            y += 2000 if y < 30 else 1900
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def to_date(value: object, lang: str = "fr", date1904: bool = False) -> date | None:
    cls = value.__class__
    if cls is date:
        return value  # type: ignore[return-value]
    if value.__class__ is datetime:
        return value.date()
    got: date | None = None
    if value.__class__ is str:
        if not value.strip():
            return None
        got = parse_date_text(value)
    elif cls is float or cls is int:
        got = serial_to_date(value, date1904)  # type: ignore[arg-type]
    elif value.__class__ is timedelta:  # a [h]:mm duration format over a serial
        got = serial_to_date(value.total_seconds() / 86400, date1904)
    if got is None:
        raise _problem("CELL-DATE", lang,
                       (f"{_q(value, lang)} n'est pas une date valide.",
                        "Saisir une date jj/mm/aaaa qui existe (ex. 28/02/2026)."),
                       (f"{_q(value, lang)} is not a valid date.",
                        "Enter a date that exists, as dd/mm/yyyy or yyyy-mm-dd."))
    return got


# --------------------------------------------------------------------------- text-like
def to_text(value: object, lang: str = "fr") -> str | None:
    """Anything as the text a user sees; numbers without a spurious '.0'."""
    if value.__class__ is str:
        return value.strip() or None
    if value.__class__ is time:
        return value.isoformat(timespec="minutes")
    return show(value, lang)


def to_id(value: object, lang: str = "fr") -> str | None:
    """A code or a reference: stripped text; 732829320.0 -> '732829320'."""
    cls = value.__class__
    if value.__class__ is str:
        return value.strip() or None
    if value.__class__ is float and value.is_integer() and abs(value) < MAX_ID_FLOAT:
        return str(int(value))
    if cls is float:
        if abs(value) < MAX_ID_FLOAT:  # type: ignore[arg-type]
            return repr(value)
    elif cls is int and abs(value) < MAX_ID_FLOAT:  # type: ignore[arg-type]
        return str(value)
    raise _problem("CELL-TYPE", lang,
                   (f"{_q(value, lang)} n'est pas un code valable ici.",
                    "Saisir le code comme du texte (le précéder d'une apostrophe ')."),
                   (f"{_q(value, lang)} is not a valid code here.",
                    "Enter the code as text (start it with an apostrophe ')."))


_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+$")


def to_email(value: object, lang: str = "fr") -> str | None:
    """Exactly one address: a line break, a comma or a semicolon means several."""
    text = value.strip() if value.__class__ is str else None
    if text == "":
        return None
    fix = (("Une seule adresse par cellule, sans nom ni espace (ex. compta@client.fr).",
            "One address per cell, without a name or spaces (e.g. billing@client.com)."))
    if text is not None and ("\n" in text or "\r" in text):
        raise _problem("CELL-EMAIL", lang,
                       (f"{_q(value, lang)} contient un retour à la ligne.", fix[0]),
                       (f"{_q(value, lang)} contains a line break.", fix[1]))
    if text is not None and ("," in text or ";" in text):
        raise _problem("CELL-EMAIL", lang,
                       (f"{_q(value, lang)} contient plusieurs adresses.", fix[0]),
                       (f"{_q(value, lang)} holds several addresses.", fix[1]))
    if text is None or not _EMAIL.match(text):
        raise _problem("CELL-EMAIL", lang,
                       (f"{_q(value, lang)} n'est pas une adresse email.", fix[0]),
                       (f"{_q(value, lang)} is not an email address.", fix[1]))
    return text


def to_choice(value: object, lang: str = "fr", choices: str = "yesno") -> str | None:
    """French or English label, or the key, any case or accents -> the canonical key."""
    cls = value.__class__
    if value.__class__ is str:
        if not value.strip():
            return None
        word = S.fold(value)
    elif cls is bool:
        word = "true" if value else "false"
    elif value.__class__ is float and value.is_integer():
        word = str(int(value))
    else:
        word = S.fold(show(value, lang))
    key = S.choice_lookup(choices).get(word)
    if key is None:
        allowed = ", ".join(S.choice_labels(choices, lang))
        raise _problem("CELL-CHOICE", lang,
                       (f"{_q(value, lang)} n'est pas une valeur permise ({allowed}).",
                        f"Choisir une valeur de la liste : {allowed}."),
                       (f"{_q(value, lang)} is not an allowed value ({allowed}).",
                        f"Pick a value from the list: {allowed}."))
    return key


def col_index(letters: str) -> int:
    """Column letters -> 0-based index (A -> 0, AA -> 26); lower case read as upper."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def col_letter(index: int) -> str:
    """0-based column index -> letters (0 -> A, 26 -> AA)."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


# --------------------------------------------------------------------------- columns
Converter = Callable[[object], object]


def converter(col_type: str, lang: str, choices: str | None = None,
              date1904: bool = False) -> Converter:
    """The scalar converter of a column type, bound to the workbook's language."""
    if col_type in (S.CHOICE, S.BOOL):
        return partial(to_choice, lang=lang, choices=choices or "yesno")
    if col_type == S.DATE:
        return partial(to_date, lang=lang, date1904=date1904)
    return partial(_BY_TYPE[col_type], lang=lang)


_BY_TYPE: dict[str, Callable[..., object]] = {
    S.MONEY: to_money, S.NUMBER: to_number, S.RATE: to_rate, S.INT: to_int,
    S.TEXT: to_text, S.ID: to_id, S.EMAIL: to_email,
}


def convert_column(raw: Sequence[object], convert: Converter,
                   plain_text: bool = False) -> tuple[list, dict[int, Issue]]:
    """Convert a column; bad cells become BAD in the list and an Issue by row index.

    Each distinct value is converted once, then the column is mapped through a dict (in C).
    A column of plain text (``plain_text``: TEXT and ID columns holding only strings) is
    just stripped, faster than hashing every string. True == 1.0 and False == 0.0 for a
    dict, so a column mixing booleans and numbers goes cell by cell.
    """
    if plain_text:
        try:
            # (texts, else AttributeError below)
            return [v.strip() or None for v in cast("Sequence[str]", raw)], {}
        except AttributeError:  # a number or a date among the text: the general way
            pass

    def one(value: object) -> object:
        if value == "":
            return None
        try:
            return convert(value)
        except CellProblem as exc:
            problems[value] = exc.issue
            return BAD

    problems: dict[object, Issue] = {}
    distinct = dict.fromkeys(raw)
    # True/False merge with 1/0 in a dict: only a column holding both booleans and
    # numbers goes cell by cell (a yes/no column of booleans alone still maps through
    # the dict: True and False are then its only keys)
    if (0 in distinct or 1 in distinct) and _bools_and_numbers(raw):
        out = [None if v == "" else BAD for v in raw]
        issues = {}
        for i, v in enumerate(raw):
            if out[i] is BAD:
                try:
                    out[i] = convert(v)
                except CellProblem as exc:
                    issues[i] = exc.issue
        return out, issues
    table = {value: one(value) for value in distinct}
    out = list(map(table.__getitem__, raw))
    if not problems:
        return out, {}
    return out, {i: problems[v] for i, v in enumerate(raw) if v in problems}


def convert_coded(values: Sequence[object], codes: Sequence[int], convert: Converter,
                  plain_text: bool = False) -> tuple[list, dict[int, Issue], bool]:
    """``convert_column`` of the column whose row i holds ``values[codes[i]]`` (distinct
    values, see ``xlsx_arrow.Coded``): each value converted once, the codes mapped, with
    no dict of cells to build. The same result, issues included, as ``convert_column`` of
    the decoded column when every value is used by a code, as the worker makes them; and
    whether the column holds a None, told by the distinct values without a scan."""
    if len(set(values)) != len(values) or bool in set(map(type, values)):
        # values a dict would merge (True == 1): the general way keeps its rules
        column, issues = convert_column(list(map(values.__getitem__, codes)), convert,
                                        plain_text)
        return column, issues, any(map(is_, column, repeat(None)))
    if plain_text:
        try:
            # (texts, else AttributeError below)
            stripped = [v.strip() or None for v in cast("Sequence[str]", values)]
            return list(map(stripped.__getitem__, codes)), {}, None in stripped
        except AttributeError:  # a number or a date among the text: the general way
            pass
    problems: dict[int, Issue] = {}
    out: list[object] = []
    for k, value in enumerate(values):
        if value == "":
            out.append(None)
            continue
        try:
            out.append(convert(value))
        except CellProblem as exc:
            problems[k] = exc.issue
            out.append(BAD)
    column = list(map(out.__getitem__, codes))
    has_none = None in out
    if not problems:
        return column, {}, has_none
    return (column, {i: problems[c] for i, c in enumerate(codes) if c in problems},
            has_none)


def _bools_and_numbers(raw: Sequence[object]) -> bool:
    """Both booleans and numbers among the cells: True == 1 and False == 0 would then
    share a dict key."""
    types = set(map(type, raw))
    return bool in types and not types.isdisjoint(_NUMBER_TYPES)


_NUMBER_TYPES = frozenset((int, float, Decimal, complex))


def cached_column(raw: Sequence[object], col_type: str) -> list:
    """A formula column's cached values: Decimal (int for INT) or None, never a finding.

    "" (no cached value, or an error such as #N/A) and text become None.
    """
    def one(value: object) -> object:
        if value.__class__ is float and not _finite(value):
            return None
        if value.__class__ is float or value.__class__ is int:
            if col_type == S.INT:
                return int(value) if float(value).is_integer() else D(value)
            return D(value)
        return None

    distinct = dict.fromkeys(raw)
    if (0 in distinct or 1 in distinct) and _bools_and_numbers(raw):
        return [None if v.__class__ is bool else one(v) for v in raw]
    table = {v: one(v) for v in distinct}
    return list(map(table.__getitem__, raw))


# --------------------------------------------------------------------------- row problems
def _say(lang: str, fr: str, en: str) -> str:
    return fr if lang == "fr" else en


def row_skipped(lang: str) -> str:
    return _say(lang, " La ligne est ignorée.", " The row is skipped.")


def required_issue(label: str, lang: str) -> Issue:
    return ("CELL-REQUIRED",
            _say(lang, f"La colonne « {label} » est obligatoire et vide.",
                 f"Column '{label}' is required and empty."),
            _say(lang, "Renseigner la cellule, ou vider toute la ligne.",
                 "Fill in the cell, or clear the whole row."))


def duplicate_issue(shown: str, first_row: int, lang: str) -> Issue:
    return ("DUPLICATE-KEY",
            _say(lang, f"« {shown} » figure déjà ligne {first_row}.",
                 f"'{shown}' already appears on row {first_row}."),
            _say(lang, "Donner un identifiant unique à chaque ligne.",
                 "Give each row its own identifier."))


def unknown_ref_issue(value: str, label: str, sheet: str, hint: str | None,
                      lang: str) -> Issue:
    return ("UNKNOWN-REF",
            _say(lang, f"« {value} » n'existe pas dans la colonne « {label} » de la feuille "
                       f"{sheet}." + (f" Vouliez-vous dire « {hint} » ?" if hint else ""),
                 f"'{value}' does not exist in column '{label}' of sheet {sheet}."
                 + (f" Did you mean '{hint}'?" if hint else "")),
            _say(lang, f"Corriger la référence, ou créer la ligne dans {sheet}.",
                 f"Correct the reference, or add the row to {sheet}."))


def also_named(rows: list[str], lang: str) -> str:
    """The note an unknown reference carries for the other rows naming the same value."""
    shown = ", ".join(rows[:10]) + (", …" if len(rows) > 10 else "")
    return _say(lang, f" {len(rows)} autre(s) ligne(s) le citent aussi ({shown}) : toutes sont "
                      "mises de côté jusqu'à correction.",
                f" {len(rows)} other row(s) name it too ({shown}): all are set aside until "
                "it is fixed.")


def missing_column_issue(label: str, table: str, lang: str) -> Issue:
    return ("COLUMN-MISSING",
            _say(lang, f"La colonne « {label} » manque dans la table {table} : elle est lue "
                       "comme vide.",
                 f"Column '{label}' is missing from table {table}: it is read as empty."),
            _say(lang, "Rétablir la colonne, avec son en-tête exact.",
                 "Restore the column, with its exact header."))


def setting_issue(code: str, name: str, lang: str) -> Issue:
    """SETTING-MISSING (a required setting left blank) or SETTING-UNKNOWN (a stray key)."""
    if code == "SETTING-MISSING":
        return (code, _say(lang, f"Le paramètre « {name} » n'est pas renseigné.",
                           f"Setting '{name}' is not filled in."),
                _say(lang, "Le renseigner dans la colonne Valeur.",
                     "Fill it in, in the Value column."))
    return (code, _say(lang, f"Paramètre « {name} » inconnu, ignoré.",
                       f"Unknown setting '{name}', ignored."),
            _say(lang, "Vérifier l'orthographe de la clé, ou supprimer la ligne.",
                 "Check the key's spelling, or delete the row."))


def default_used(lang: str) -> str:
    return _say(lang, " La valeur par défaut est utilisée.", " The default is used.")
