"""Worksheet functions (xlwings UDFs), all prefixed FACT_: pure, read only.

Excel recalculates them at will, so none of them allocates, writes or sends (ARCHITECTURE.md
principle 8). Each calls the same code as the jobs (domain/terms.py, money.py, aging.py,
stdnum through the checks), and answers a bad argument with a readable message in the cell
("FACT : date invalide"), never a traceback.

The decorators are xlwings' own: on Windows they register the functions and the argument
docs Excel's function wizard shows; elsewhere they are no-ops and the functions stay plain
Python (tests/excel reads the real metadata).
"""
from __future__ import annotations

import functools
from datetime import date, datetime
from decimal import Decimal

import xlwings as xw
from stdnum import iban as std_iban
from stdnum.eu import vat as std_vat
from stdnum.fr import siren as std_siren
from stdnum.fr import siret as std_siret

from pyfuncs.domain import schema as S
from pyfuncs.domain.aging import aged_balance, bucket_labels, bucket_of, parse_buckets
from pyfuncs.domain.context import is_yes
from pyfuncs.domain.limitation import last_day
from pyfuncs.domain.money import D, NotAnAmount, to_cents
from pyfuncs.domain.numbering import NumberingError, next_number, parse_pattern, seed_states
from pyfuncs.domain.penalties import (
    HalfYearRate,
    RateTable,
    late_penalty,
    owes_professional_penalties,
    recovery_indemnity,
)
from pyfuncs.domain.terms import due_date

PREFIX = "FACT_"


class BadArgument(ValueError):
    """A worksheet function's argument it cannot use; the message goes into the cell."""


def _safe(func):
    """A bad argument (or anything unexpected) becomes a message in the cell."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except BadArgument as exc:
            return f"FACT : {exc}"
        except Exception as exc:  # noqa: BLE001 - a cell never shows a traceback
            return f"FACT : erreur ({type(exc).__name__})"
    return wrapper


def _day(value: object, what: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 2958466:
        from pyfuncs.adapters.cells import serial_to_date
        day = serial_to_date(float(value))
        if day is not None:
            return day
    if isinstance(value, str):
        for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                return datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                pass
    raise BadArgument(f"{what} : date invalide ({value!r})")


def _amount(value: object, what: str) -> Decimal:
    if value is None or value == "":
        raise BadArgument(f"{what} manquant")
    try:
        return D(value)
    except NotAnAmount:
        raise BadArgument(f"{what} : nombre invalide ({value!r})") from None


def _choice(choices: str, value: object, what: str) -> str:
    key = S.choice_lookup(choices).get(S.fold(str(value or "")))
    if key is None:
        allowed = ", ".join(S.choice_labels(choices, "fr"))
        raise BadArgument(f"{what} inconnu ({value!r}) ; valeurs : {allowed}")
    return key


@xw.func(category="Facturier")
@xw.arg("date_facture", doc="Date d'émission de la facture.")
@xw.arg("conditions", doc="Conditions de paiement : « À réception », « 30 jours », "
                          "« 45 jours fin de mois », « 60 jours »...")
@xw.arg("convention", doc="Facultatif : « fin de mois puis +N jours » ou « +N jours puis fin de "
                          "mois » (défaut : celui des Paramètres livrés).")
@_safe
def FACT_ECHEANCE(date_facture, conditions, convention=None):
    """Date d'échéance d'après les conditions de paiement (L441-10)."""
    day = _day(date_facture, "date_facture")
    terms = _choice("terms", conditions, "conditions")
    rule = _choice("eom_convention", convention, "convention") if convention else \
        str(S.SETTINGS_BY_KEY["eom_convention"].default)
    return due_date(day, terms, rule)


@xw.func(category="Facturier")
@xw.arg("base_ht", doc="Montant hors taxe (total des lignes à ce taux).")
@xw.arg("taux", doc="Taux de TVA : 0,2 ou 20 %.")
@_safe
def FACT_TVA(base_ht, taux):
    """TVA d'une base à un taux, arrondie au centime comme les factures (BR-CO-17)."""
    rate = _amount(taux, "taux")
    if rate > 1:
        rate = rate / 100
    return float(to_cents(_amount(base_ht, "base_ht") * rate))


@xw.func(category="Facturier")
@xw.arg("echeance", doc="Date d'échéance de la facture.")
@xw.arg("date_ref", doc="Date à laquelle compter (défaut : aujourd'hui).")
@_safe
def FACT_JOURS_RETARD(echeance, date_ref=None):
    """Jours de retard à une date (0 si pas encore échue)."""
    ref = _day(date_ref, "date_ref") if date_ref not in (None, "") else date.today()
    return max(0, (ref - _day(echeance, "echeance")).days)


@xw.func(category="Facturier")
@xw.arg("echeance", doc="Date d'échéance de la facture.")
@xw.arg("date_ref", doc="Date de la balance (défaut : aujourd'hui).")
@xw.arg("tranches", doc="Bornes des tranches en jours, comme dans les Paramètres "
                        "(défaut « 30,60,90 »).")
@_safe
def FACT_TRANCHE(echeance, date_ref=None, tranches=None):
    """Tranche de la balance âgée d'une facture : « Non échu », « 1–30 j »..."""
    ref = _day(date_ref, "date_ref") if date_ref not in (None, "") else date.today()
    bounds = parse_buckets(tranches if tranches not in (None, "") else "30,60,90")
    days = (ref - _day(echeance, "echeance")).days
    return bucket_labels(bounds, "fr")[bucket_of(days, bounds)]


@xw.func(category="Facturier")
@xw.arg("echeance", doc="Date d'échéance de la facture.")
@xw.arg("particulier", doc="VRAI pour un client particulier (Clients › Particulier) : "
                           "2 ans au lieu de 5.")
@xw.arg("dernier_paiement", doc="Facultatif : date du dernier paiement reçu sur la facture, "
                                "ou de l'interruption (Prescription interrompue le) si elle "
                                "est plus récente : le délai repart de ce jour.")
@_safe
def FACT_PRESCRIPTION(echeance, particulier=None, dernier_paiement=None):
    """Dernier jour pour réclamer la facture en justice (prescription : 5 ans entre
    professionnels, L110-4 C. com. ; 2 ans contre un particulier, L218-2 C. consom.),
    comme la balance âgée et les relances le comptent. Une relance ne l'interrompt pas."""
    paid = _day(dernier_paiement, "dernier_paiement") \
        if dernier_paiement not in (None, "") else None
    return last_day(_day(echeance, "echeance"), is_yes(particulier), paid)


def _shipped_rates() -> list[HalfYearRate]:
    return [HalfYearRate(date.fromisoformat(a), date.fromisoformat(b), Decimal(e), Decimal(p),
                         Decimal(lg) if lg else None)
            for a, b, e, p, lg in S.DEFAULT_PENALTY_RATES]


@xw.func(category="Facturier")
@xw.arg("montant_ttc", doc="Montant TTC resté impayé.")
@xw.arg("echeance", doc="Date d'échéance de la facture.")
@xw.arg("date_ref", doc="Date du calcul (défaut : aujourd'hui).")
@xw.arg("taux", doc="Facultatif : taux contractuel (0,1215 ou 12,15 %) ; vide : taux BCE + "
                    "10 points du semestre (table livrée).")
@xw.arg("indemnite", doc="Indemnité forfaitaire de recouvrement (défaut 40 €).")
@xw.arg("particulier", doc="VRAI pour un client particulier (Clients › Particulier) : il ne "
                           "doit ni pénalités ni indemnité, le résultat est 0.")
@_safe
def FACT_PENALITES(montant_ttc, echeance, date_ref=None, taux=None, indemnite=None,
                   particulier=None):
    """Pénalités de retard au prorata des jours (L441-10) plus l'indemnité forfaitaire, comme
    les relances les calculent ; 0 pour un particulier, qui ne doit ni les unes ni l'autre."""
    ref = _day(date_ref, "date_ref") if date_ref not in (None, "") else date.today()
    due = _day(echeance, "echeance")
    if not owes_professional_penalties(is_yes(particulier)):
        return 0.0
    contractual = None
    if taux not in (None, ""):
        contractual = _amount(taux, "taux")
        contractual = contractual / 100 if contractual > 1 else contractual
    table = RateTable.of(_shipped_rates() if contractual is None else [], contractual)
    penalty = late_penalty(_amount(montant_ttc, "montant_ttc"), due, ref, table)
    if penalty.missing:
        start, end = penalty.missing[0]
        raise BadArgument(f"pas de taux pour la période du {start:%d/%m/%Y} au "
                          f"{end:%d/%m/%Y} : donner le taux")
    fee = recovery_indemnity(_amount(indemnite, "indemnite") if indemnite not in (None, "")
                             else None) if ref > due else Decimal(0)
    return float(penalty.amount + fee)


@xw.func(category="Facturier")
@xw.arg("serie", doc="Série de numérotation, comme dans les Paramètres : FAC{YYYY}-{NNNN}.")
@xw.arg("numeros", ndim=1, doc="Les numéros déjà émis : la colonne Factures[N° facture].")
@xw.arg("date_emission", doc="Date d'émission prévue (défaut : aujourd'hui).")
@xw.arg("remise_annuelle", doc="VRAI si la numérotation repart à 1 chaque année (défaut).")
@_safe
def FACT_NUMERO_SUIVANT(serie, numeros=None, date_emission=None, remise_annuelle=True):
    """Aperçu du prochain numéro de la série (lecture seule : rien n'est attribué ; le
    numéro est attribué à l'émission, par « Générer les factures »)."""
    day = _day(date_emission, "date_emission") if date_emission not in (None, "") \
        else date.today()
    try:
        pattern = parse_pattern(str(serie or "").strip(), bool(remise_annuelle))
        values = numeros if isinstance(numeros, (list, tuple)) else [numeros]
        states = seed_states(pattern, [(str(v).strip(), None) for v in values
                                       if v not in (None, "")])
        number, _ = next_number(pattern, day, states.get(pattern.key(day)))
    except NumberingError as exc:
        raise BadArgument(exc.fr) from None
    return number


INVOICE_KEYS = ("number", "status", "type", "issue_date", "due_date", "client", "credited",
                "currency", "dispute", "total")
PAYMENT_KEYS = ("date", "client", "invoice", "amount")


def _table(values: object, name: str, keys: tuple[str, ...], what: str) -> dict[str, list]:
    """A whole Table as Excel passes it (header row first) -> typed columns by key,
    headers found in French or English like the jobs' reader."""
    if not isinstance(values, (list, tuple)) or not values or \
            not isinstance(values[0], (list, tuple)):
        raise BadArgument(f"{what} : donner tout le tableau, en-têtes compris "
                          f"({name}[#Tout])")
    lookup = S.header_lookup(S.table(name))
    where = {lookup.get(S.fold(str(h or ""))): j for j, h in enumerate(values[0])}
    missing = [k for k in keys if k not in where and k not in ("credited", "dispute",
                                                                 "currency", "client")]
    if missing:
        raise BadArgument(f"{what} : colonne {S.table(name).column(missing[0]).fr} absente")
    tbl = S.table(name)
    cols: dict[str, list] = {k: [] for k in keys}
    for row in values[1:]:
        if all(v in (None, "") for v in row):
            continue
        for k in keys:
            v = row[where[k]] if k in where and where[k] < len(row) else None
            col = tbl.column(k)
            if v in (None, ""):
                v = None
            elif col.type in (S.MONEY, S.NUMBER, S.RATE):
                v = _amount(v, f"{what} {col.fr}")
            elif col.type == S.DATE:
                v = _day(v, f"{what} {col.fr}")
            elif col.choices:
                v = S.choice_lookup(col.choices).get(S.fold(str(v)), str(v))
            else:
                v = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()
            cols[k].append(v)
    return cols


@xw.func(category="Facturier")
@xw.arg("numero", doc="Numéro de la facture (ou de l'avoir).")
@xw.arg("factures", ndim=2, doc="Tout le tableau Factures, en-têtes compris : Factures[#Tout].")
@xw.arg("paiements", ndim=2, doc="Tout le tableau Paiements, en-têtes compris : "
                                  "Paiements[#Tout].")
@xw.arg("date_ref", doc="Date de la situation (défaut : aujourd'hui) : seuls les paiements et "
                        "avoirs reçus jusqu'à cette date comptent.")
@_safe
def FACT_RESTE_DU(numero, factures, paiements, date_ref=None):
    """Reste dû d'une facture à une date, comme la balance âgée le calcule (paiements,
    avoirs imputés)."""
    ref = _day(date_ref, "date_ref") if date_ref not in (None, "") else date.today()
    invoices = _table(factures, "Factures", INVOICE_KEYS, "factures")
    payments = _table(paiements, "Paiements", PAYMENT_KEYS, "paiements")
    wanted = str(numero or "").strip().casefold()
    if not wanted or wanted not in {str(n or "").strip().casefold()
                                    for n in invoices["number"]}:
        raise BadArgument(f"facture {numero!r} introuvable dans le tableau")
    totals = [t if t is not None else Decimal(0) for t in invoices["total"]]
    balance = aged_balance(invoices, totals, payments, {"id": [], "name": []}, ref)
    for item in balance.items:
        if item.number.strip().casefold() == wanted:
            return float(item.open)
    return 0.0


CLIENT_KEYS = ("id", "name")


@xw.func(category="Facturier")
@xw.arg("factures", ndim=2, doc="Tout le tableau Factures, en-têtes compris : Factures[#Tout].")
@xw.arg("paiements", ndim=2, doc="Tout le tableau Paiements, en-têtes compris : "
                                  "Paiements[#Tout].")
@xw.arg("clients", ndim=2, doc="Facultatif : le tableau Clients, en-têtes compris "
                                "(Clients[#Tout]), pour le nom de chaque client.")
@xw.arg("date_ref", doc="Date de la balance (défaut : aujourd'hui).")
@xw.arg("tranches", doc="Bornes des tranches en jours, comme dans les Paramètres "
                        "(défaut « 30,60,90 »).")
@xw.ret(index=False, header=True)
@_safe
def FACT_BALANCE_AGEE(factures, paiements, clients=None, date_ref=None, tranches=None):
    """La balance âgée à une date, un client par ligne, qui se déverse sous la cellule :
    les mêmes montants que la feuille Balance âgée (paiements et avoirs imputés)."""
    import pandas as pd  # the table spills through xlwings' DataFrame converter

    ref = _day(date_ref, "date_ref") if date_ref not in (None, "") else date.today()
    invoices = _table(factures, "Factures", INVOICE_KEYS, "factures")
    payments = _table(paiements, "Paiements", PAYMENT_KEYS, "paiements")
    names = (_table(clients, "Clients", CLIENT_KEYS, "clients")
             if clients not in (None, "") else {"id": [], "name": []})
    bounds = parse_buckets(tranches if tranches not in (None, "") else "30,60,90")
    totals = [t if t is not None else Decimal(0) for t in invoices["total"]]
    balance = aged_balance(invoices, totals, payments, names, ref, bounds=bounds)
    # the columns of the Balance âgée sheet, in its order
    aging = S.SHEETS_BY_KEY["aging"]
    label = {c.key: c.fr for c in aging.columns}
    columns = [label["client"], label["name"], *balance.labels, label["total"],
               label["disputed"], label["unapplied"]]

    def row(client: str, name: str, amounts: list[Decimal], total: Decimal,
            disputed: Decimal, unapplied: Decimal) -> list[object]:
        return [client, name, *(float(a) for a in amounts), float(total), float(disputed),
                float(unapplied)]

    frame = pd.DataFrame([row(c.client, c.name, c.amounts, c.total, c.disputed, c.unapplied)
                          for c in balance.clients], columns=columns)
    total_row = row("TOTAL", "", balance.totals, balance.total,
                    sum((c.disputed for c in balance.clients), Decimal(0)),
                    sum((c.unapplied for c in balance.clients), Decimal(0)))
    frame = pd.concat([frame, pd.DataFrame([total_row], columns=columns)], ignore_index=True)
    return frame


def _valid(module, value: object) -> bool:
    text = str(value or "").strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    return bool(text) and module.is_valid(text)


@xw.func(category="Facturier")
@xw.arg("siren", doc="Numéro SIREN (9 chiffres).")
@_safe
def FACT_SIREN_VALIDE(siren):
    """VRAI si le SIREN a la bonne forme et la bonne clé (Luhn)."""
    return _valid(std_siren, siren)


@xw.func(category="Facturier")
@xw.arg("siret", doc="Numéro SIRET (14 chiffres).")
@_safe
def FACT_SIRET_VALIDE(siret):
    """VRAI si le SIRET a la bonne forme et la bonne clé."""
    return _valid(std_siret, siret)


@xw.func(category="Facturier")
@xw.arg("numero_tva", doc="Numéro de TVA intracommunautaire (FR..., DE...).")
@_safe
def FACT_TVA_VALIDE(numero_tva):
    """VRAI si le numéro de TVA intracommunautaire a la bonne forme et la bonne clé."""
    return _valid(std_vat, numero_tva)


@xw.func(category="Facturier")
@xw.arg("iban", doc="IBAN, avec ou sans espaces.")
@_safe
def FACT_IBAN_VALIDE(iban):
    """VRAI si l'IBAN a la bonne forme et la bonne clé (ISO 7064)."""
    return _valid(std_iban, iban)


UDFS = [FACT_ECHEANCE, FACT_TVA, FACT_JOURS_RETARD, FACT_TRANCHE, FACT_PENALITES,
        FACT_NUMERO_SUIVANT, FACT_RESTE_DU, FACT_BALANCE_AGEE,
        FACT_SIREN_VALIDE,
        FACT_SIRET_VALIDE, FACT_TVA_VALIDE, FACT_IBAN_VALIDE]
