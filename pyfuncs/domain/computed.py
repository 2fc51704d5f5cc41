"""What the workbook's formulas give, computed in Python with Decimal.

Each function mirrors one calculated column of schema.TABLES, rounding at the same points
(``to_cents`` where the formula has ROUND), so that:
- a workbook never opened in a spreadsheet (formulas without cached values) reads right;
- the builder can store correct cached values in the demo workbook;
- a test can recalculate the workbook in LibreOffice and compare, cell by cell, to the cent.

Inputs are typed columns (``{column key: [values]}``) as the reader returns them; outputs
are lists aligned with the input rows. Text matching follows SUMIFS: case-insensitive.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from itertools import compress, repeat
from operator import add, itemgetter
from typing import Any, cast

from pyfuncs.domain.money import ZERO, products_to_cents
from pyfuncs.domain.vat import FORMULA_RATES

Columns = Mapping[str, Sequence[object]]



def _key(value: object) -> object:
    """SUMIFS compares text case-insensitively; numbers by value."""
    if isinstance(value, str):
        return value.strip().casefold()
    return value


def _folded(distinct: Iterable[object]) -> dict[object, object]:
    """{value: _key(value)} over distinct values. Plain text (nearly every value) is
    folded by C-level maps instead of a Python call per value."""
    distinct = list(distinct)
    if set(map(type, distinct)) == {str}:
        texts = cast("list[str]", distinct)
        return dict(zip(texts, map(str.casefold, map(str.strip, texts))))
    folded = {v: _key(v) for v in distinct if v.__class__ is not str}
    texts = [v for v in distinct if v.__class__ is str]
    folded.update(zip(texts, map(str.casefold, map(str.strip, texts))))
    return folded


def line_nets(lines: Columns, qty: str = "quantity", price: str = "unit_price") -> list[Decimal]:
    """ROUND(quantity x unit price, 2) per line; an empty input counts as 0 like in Excel.

    A book repeats few (quantity, price) pairs (days at a consultant's rate, the same
    product), so each distinct pair is rounded once and the lines look it up. Pairs that
    are equal give the same rounded product (the value of a product does not depend on
    how its factors are written, and a zero is read as 0 either way). Only columns of
    numbers and empty cells are looked up: anything else (a float, text) goes through the
    plain product and fails there exactly as before.
    """
    quantities, prices = lines[qty], lines[price]
    if not {*map(type, quantities), *map(type, prices)} <= _NUMBER_TYPES:
        return products_to_cents(quantities, prices)
    distinct = dict.fromkeys(zip(quantities, prices))
    rounded = dict(zip(distinct, products_to_cents(*zip(*distinct)) if distinct else ()))
    return list(map(rounded.__getitem__, zip(quantities, prices)))


# Cell types whose equal values multiply to the same Decimal (any other takes the plain
# product: a float equal to a Decimal must still be refused).
_NUMBER_TYPES = {Decimal, int, type(None)}


def _sum_by(keys: Iterable[object], amounts: Iterable[Decimal],
            repeated: set[object] | None = None) -> dict[Any, Decimal]:
    """{key: 0 + its amounts, in order}, what a ``defaultdict(Decimal)`` sums, for amounts
    that are already a sum from 0 (0 + a is a itself: same value and exponent, and never
    -0.00). Most keys come once: one C-level dict build, then the keys that repeat (or
    ``repeated``, any set holding them) are summed again."""
    keys, amounts = list(keys), list(amounts)
    out = dict(zip(keys, amounts))
    if len(out) < len(keys):
        if repeated is None:
            repeated = _repeated(keys)
        for k in repeated & out.keys():
            out[k] = ZERO
        for k, amount in compress(zip(keys, amounts), map(repeated.__contains__, keys)):
            out[k] += amount
    return out


def _repeated(keys: Sequence[object]) -> set[object]:
    """The keys that come more than once."""
    counts = Counter(keys)
    return set(compress(counts, map((1).__lt__, counts.values())))


def _injective(folded: Mapping[object, object]) -> bool:
    """No two distinct values fold to the same key: matching folded keys is then matching
    the values as typed, and nothing needs to be looked up in ``folded`` per row."""
    return len(set(folded.values())) == len(folded)


def _totals(keys: Sequence[object], line_keys: Sequence[object], nets: Sequence[Decimal],
            rates: Sequence[object], fold: Callable[[Iterable[Any]], Mapping[Any, object]]
            ) -> tuple[list[Decimal], list[Decimal]]:
    """Net and VAT (per rate on the sum at that rate) of each of ``keys`` over the lines
    whose ``line_keys`` match it; both as typed, ``fold`` maps distinct ones to the keys
    they match by.

    The lines are summed per (key as typed, rate) in the one pass over lines; the folding,
    the rates and the rounding then work once per group, mostly in C-level maps. Sums of
    amounts in cents are exact in Decimal (28 digits), so grouping them differently gives
    the same Decimal, exponent included.
    """
    sums: dict[Any, Decimal] = {}  # (key, rate), then (folded key, rate)
    get = sums.get
    for group, net in zip(zip(line_keys, rates), nets):
        sums[group] = get(group, ZERO) + net
    groups = list(map(itemgetter(0), sums))
    repeated = _repeated(groups)  # keys at more than one rate: few, shared by both sums
    base = _sum_by(groups, sums.values(), repeated)
    # The usual book: every key has lines, and the lines come in the keys' order. The sums
    # are then in the keys' order (nothing to look up), and the keys are the groups' keys
    # (folded once, not twice).
    keys = list(keys)
    aligned = list(base) == keys
    folded = fold(dict.fromkeys(keys if aligned else [*keys, *groups]))
    if not _injective(folded):
        # Two spellings of one key ('F1', 'f1'): merged, and the VAT rounded on their sum.
        sums = _sum_by([(folded[k], rate) for k, rate in sums], sums.values())
        groups = [k for k, _ in sums]
        keys = list(map(folded.__getitem__, keys))
        repeated = _repeated(groups)
        base = _sum_by(groups, sums.values(), repeated)
        aligned = False
    amounts = list(sums.values())
    rates_of = list(map(itemgetter(1), sums))
    # VAT of each (key, rate) group at a rate the formula sums over, rounded in one pass;
    # a group at another rate adds a plain 0, so that every key of ``base`` has a VAT: a
    # key without a taxed group gets 0 as when it is not found, and 0 added to a sum of
    # cents from 0 leaves it as it is (exponent and sign: such a sum is never -0.00).
    formula = {rate for rate in dict.fromkeys(rates_of) if rate in FORMULA_RATES}
    taxed = list(map(formula.__contains__, rates_of))
    vats = map(add, repeat(ZERO), products_to_cents(compress(amounts, taxed),  # -0.00: 0.00
                                                    compress(rates_of, taxed)))
    if all(taxed):
        group_vats = list(vats)
    else:
        group_vats = [ZERO] * len(taxed)
        for k, vat in zip(compress(range(len(taxed)), taxed), vats):
            group_vats[k] = vat
    vat_of = _sum_by(groups, group_vats, repeated)
    if aligned:
        return list(base.values()), list(vat_of.values())
    return (list(map(base.get, keys, repeat(ZERO))), list(map(vat_of.get, keys, repeat(ZERO))))


def invoice_totals(invoices: Columns, lines: Columns,
                   nets: Sequence[Decimal] | None = None) -> dict[str, list[Any]]:
    """Net, VAT (per rate on the total, BR-CO-17) and total incl. VAT per invoice
    (``nets``: the lines' nets, when already computed)."""
    nets = line_nets(lines) if nets is None else nets
    net, vat = _totals(invoices["id"], lines["invoice"], nets, lines["vat_rate"], _folded)
    return {"net": net, "vat": vat, "total": list(map(add, net, vat))}


def quote_totals(quotes: Columns, lines: Columns,
                 nets: Sequence[Decimal] | None = None) -> dict[str, list[Any]]:
    nets = line_nets(lines) if nets is None else nets
    net, vat = _totals(list(zip(quotes["number"], quotes["version"])),
                       list(zip(lines["quote"], lines["version"])), nets, lines["vat_rate"],
                       _folded_versions)
    return {"net": net, "vat": vat, "total": list(map(add, net, vat))}


def _folded_versions(distinct: Iterable[tuple[object, object]]
                     ) -> dict[tuple[object, object], tuple[object, object]]:
    """{(number, version): (_key(number), version)} over distinct pairs."""
    distinct = list(distinct)
    numbers = _folded(dict.fromkeys([number for number, _ in distinct]))
    return {(number, version): (numbers[number], version) for number, version in distinct}


# Statuses of an invoice a credit note can be applied to (the formula's "@issued" and
# "@cancelled": an invoice cancelled by its credit note is closed by it too).
CREDITABLE = ("issued", "cancelled")


def invoice_balances(invoices: Columns, totals: Sequence[Decimal], payments: Columns,
                     today: date) -> dict[str, list[Any]]:
    """Paid (SUMIFS over payments by number), balance due and days late per invoice.

    An issued credit note that names an issued (or cancelled) invoice of the same client
    is applied to it: its total and its own payments fold into that invoice's balance and
    its own balance is 0. One that names no such invoice stays a credit of the client
    (its own negative balance). Credits beyond what was left give a negative balance.
    """
    # Summed per number as typed first, then folded once per distinct number.
    by_number: dict[object, Decimal] = {}
    get = by_number.get
    for number, amount in zip(payments["invoice"], payments["amount"]):
        if amount is not None:
            by_number[number] = get(number, ZERO) + amount  # type: ignore[operator]
    by_number.pop(None, None)
    by_number.pop("", None)
    numbers = invoices["number"]
    folded = _folded(dict.fromkeys([*numbers, *by_number]))
    as_typed = _injective(folded)
    folded[""] = None  # an invoice without a number has no key (None folds to None)
    keys = list(map(folded.__getitem__, numbers))
    if as_typed:
        paid = list(map(by_number.get, numbers, repeat(ZERO)))  # None and '' have none
    else:
        paid_by = _sum_by(map(folded.__getitem__, by_number), by_number.values())
        paid = list(map(paid_by.get, keys, repeat(ZERO)))  # no payment is keyed None
    balance = [ZERO if k is None else total - p for k, total, p in zip(keys, totals, paid)]
    for i, amount in _credit_note_adjustments(invoices, totals, paid, keys).items():
        balance[i] += amount
    return {"paid": paid, "balance": balance,
            "days_late": days_late(balance, invoices["due_date"], today)}


def days_late(balances: Iterable[Decimal | None], due_dates: Iterable[object],
              today: date) -> list[int]:
    """Days since the due date of each invoice with a balance due, else 0 (a balance
    not known counts as none)."""
    return [max(0, (today - due).days) if (b is not None and b > 0 and isinstance(due, date))
            else 0 for b, due in zip(balances, due_dates)]


def _credit_note_adjustments(invoices: Columns, totals: Sequence[Decimal],
                             paid: Sequence[Decimal], keys: Sequence[object]
                             ) -> dict[int, Decimal]:
    """Row -> what credit notes add to its balance, as the balance formula's COUNTIFS and
    SUMIFS over (number or credited invoice, client, type, status): on an invoice, the
    total - paid of the issued credit notes that credit it; on such a credit note (with a
    number), minus its own total - paid, so that it shows 0."""
    credited = invoices.get("credited")
    notes = [i for i, ref in enumerate(credited or ()) if ref not in (None, "")]
    if not notes:
        return {}
    n = len(totals)
    types = invoices.get("type") or [None] * n
    statuses = invoices.get("status") or [None] * n
    clients = invoices.get("client") or [None] * n
    credits: dict[tuple[object, object], Decimal] = defaultdict(Decimal)
    issued_notes: list[tuple[int, tuple[object, object]]] = []
    for i in notes:
        if types[i] == "credit_note" and statuses[i] == "issued":
            key = (_key(credited[i]), _key(clients[i]))  # type: ignore[index]
            credits[key] += totals[i] - paid[i]
            issued_notes.append((i, key))
    wanted = {number for number, _ in credits}
    out: dict[int, Decimal] = {}
    targets = set()
    for j in [j for j, k in enumerate(keys) if k in wanted]:
        if types[j] != "credit_note" and statuses[j] in CREDITABLE:
            key = (keys[j], _key(clients[j]))
            targets.add(key)
            if key in credits:
                out[j] = credits[key]
    for i, key in issued_notes:
        if keys[i] is not None and key in targets:
            out[i] = paid[i] - totals[i]
    return out


def compute_all(tables: Mapping[str, Columns], today: date) -> dict[str, dict[str, list[Any]]]:
    """Every calculated column of every table present, keyed like schema.TABLES."""
    out: dict[str, dict[str, list[Any]]] = {}
    if "LignesFacture" in tables:
        out["LignesFacture"] = {"net": line_nets(tables["LignesFacture"])}
    if "LignesDevis" in tables:
        out["LignesDevis"] = {"net": line_nets(tables["LignesDevis"])}
    if "LignesContrat" in tables:
        out["LignesContrat"] = {"net": line_nets(tables["LignesContrat"])}
    if "Temps" in tables:
        out["Temps"] = {"amount": line_nets(tables["Temps"], "quantity", "rate")}
    if "Devis" in tables and "LignesDevis" in tables:
        out["Devis"] = quote_totals(tables["Devis"], tables["LignesDevis"],
                                    out["LignesDevis"]["net"])
    if "Factures" in tables and "LignesFacture" in tables:
        inv = invoice_totals(tables["Factures"], tables["LignesFacture"],
                             out["LignesFacture"]["net"])
        if "Paiements" in tables:
            inv.update(invoice_balances(tables["Factures"], inv["total"], tables["Paiements"],
                                        today))
        out["Factures"] = inv
    return out


def rows_to_columns(rows: Sequence[Mapping[str, object]], keys: Sequence[str]
                    ) -> dict[str, list[Any]]:
    """[{key: value}] -> {key: [values]}, None where a row lacks a key."""
    return {k: [r.get(k) for r in rows] for k in keys}


def reminder_sent(reminders: Columns) -> list[bool]:
    """Per row of the Relances log: a reminder that went out. A preview or a failed
    sending is logged too but reached nobody; a row typed by hand without a status counts
    as sent."""
    statuses = reminders.get("status") or [None] * len(reminders["date"])
    return [status in (None, "", "sent") for status in statuses]
