"""One scalar converter per column type: a cell value as python-calamine gives it -> the
Python type of the schema, or ``CellProblem`` (code, message and fix in the workbook's
language). Numbers, amounts and rates become Decimal here, from the first cell read.
Dates are in cell_dates.py; whole columns in cells.py.

calamine gives: "" for an empty cell (and for an error such as #N/A), str, float (every
number, integral or not), bool, date/datetime for date-formatted numbers, time or
timedelta for time formats.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal

from pyfuncs.domain import schema as S
from pyfuncs.domain.money import D, NotAnAmount

MAX_AMOUNT = Decimal(10) ** 12      # the builder's validation bound for amounts
MAX_INT = 10**9
MAX_ID_FLOAT = 1e15                 # beyond 15 digits Excel has already rounded the number

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


def quoted(value: object, lang: str) -> str:
    return f"« {show(value, lang)} »" if lang == "fr" else f'"{show(value, lang)}"'


def problem(code: str, lang: str, fr: tuple[str, str], en: tuple[str, str]) -> CellProblem:
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


def _as_number(value: object) -> Decimal | None:
    """A number cell, or a number typed as text, as a Decimal; None when it is neither
    (a blank text is the caller's to settle first)."""
    if value.__class__ is float:
        return D(value) if finite(value) else None
    if value.__class__ is int:
        return D(value)
    if value.__class__ is str:
        try:
            return parse_number_text(value)
        except NotAnAmount:
            return None
    return None


def _decimal(value: object, lang: str, what: tuple[str, str]) -> Decimal | None:
    if value.__class__ is str and not value.strip():
        return None
    number = _as_number(value)
    if number is None:
        raise problem("CELL-TYPE", lang,
                       (f"{quoted(value, lang)} n'est pas {what[0]}.",
                        "Saisir un nombre (ex. 1234,56), sans texte ni formule d'erreur."),
                       (f"{quoted(value, lang)} is not {what[1]}.",
                        "Enter a number (e.g. 1234.56), without text or error formula."))
    if abs(number) >= MAX_AMOUNT:
        raise problem("CELL-TYPE", lang,
                       (f"{quoted(value, lang)} est hors limites (1 000 milliards au plus).",
                        "Vérifier la saisie."),
                       (f"{quoted(value, lang)} is out of range (at most 1 trillion).",
                        "Check what was typed."))
    return number


def finite(value: float) -> bool:
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
        raise problem("CELL-TYPE", lang,
                       (f"{quoted(value, lang)} n'est pas un taux entre 0 % et 100 %.",
                        "Saisir 20 % (ou 0,2) pour vingt pour cent, pas 20."),
                       (f"{quoted(value, lang)} is not a rate between 0 % and 100 %.",
                        "Enter 20 % (or 0.2) for twenty percent, not 20."))
    return rate


def to_int(value: object, lang: str = "fr") -> int | None:
    if value.__class__ is str and not value.strip():
        return None
    number = _as_number(value)
    if number is None or number != number.to_integral_value() or abs(number) >= MAX_INT:
        raise problem("CELL-TYPE", lang,
                       (f"{quoted(value, lang)} n'est pas un nombre entier.",
                        "Saisir un nombre entier, sans décimales (ex. 3)."),
                       (f"{quoted(value, lang)} is not a whole number.",
                        "Enter a whole number, without decimals (e.g. 3)."))
    return int(number)


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
    raise problem("CELL-TYPE", lang,
                   (f"{quoted(value, lang)} n'est pas un code valable ici.",
                    "Saisir le code comme du texte (le précéder d'une apostrophe ')."),
                   (f"{quoted(value, lang)} is not a valid code here.",
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
        raise problem("CELL-EMAIL", lang,
                       (f"{quoted(value, lang)} contient un retour à la ligne.", fix[0]),
                       (f"{quoted(value, lang)} contains a line break.", fix[1]))
    if text is not None and ("," in text or ";" in text):
        raise problem("CELL-EMAIL", lang,
                       (f"{quoted(value, lang)} contient plusieurs adresses.", fix[0]),
                       (f"{quoted(value, lang)} holds several addresses.", fix[1]))
    if text is None or not _EMAIL.match(text):
        raise problem("CELL-EMAIL", lang,
                       (f"{quoted(value, lang)} n'est pas une adresse email.", fix[0]),
                       (f"{quoted(value, lang)} is not an email address.", fix[1]))
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
        raise problem("CELL-CHOICE", lang,
                       (f"{quoted(value, lang)} n'est pas une valeur permise ({allowed}).",
                        f"Choisir une valeur de la liste : {allowed}."),
                       (f"{quoted(value, lang)} is not an allowed value ({allowed}).",
                        f"Pick a value from the list: {allowed}."))
    return key
