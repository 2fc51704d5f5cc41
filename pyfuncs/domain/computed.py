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

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from operator import add
from typing import Any, cast

from pyfuncs.domain.money import ZERO, products_to_cents, to_cents
from pyfuncs.domain.vat import FORMULA_RATES

Columns = Mapping[str, Sequence[object]]


def _key(value: object) -> object:
    """SUMIFS compares text case-insensitively; numbers by value."""
    if isinstance(value, str):
        return value.strip().casefold()
    return value


def line_nets(lines: Columns, qty: str = "quantity", price: str = "unit_price") -> list[Decimal]:
    """ROUND(quantity x unit price, 2) per line; an empty input counts as 0 like in Excel."""
    return products_to_cents(lines[qty], lines[price])


def _totals(keys: Sequence[object], line_keys: Sequence[object], nets: Sequence[Decimal],
            rates: Sequence[object], key: Callable[[object], object] = _key
            ) -> tuple[list[Decimal], list[Decimal]]:
    """Net and VAT of each of ``keys`` over the lines whose ``line_keys`` match it, as the
    formulas' SUMIFS do: the net is the sum of the lines' nets; the VAT is, per rate, the
    sum of the nets at that rate times the rate, rounded (EN 16931 BR-CO-17), summed over
    the rates the formula knows. A key without lines has 0 for both."""
    net: dict[object, Decimal] = defaultdict(Decimal)
    at_rate: dict[tuple[object, object], Decimal] = defaultdict(Decimal)
    for line_key, amount, rate in zip(map(key, line_keys), nets, rates):
        net[line_key] += amount
        if rate in FORMULA_RATES:
            at_rate[line_key, rate] += amount
    vat: dict[object, Decimal] = defaultdict(Decimal)
    for (line_key, rate), amount in at_rate.items():
        vat[line_key] += to_cents(amount * rate)  # type: ignore[operator]
    folded = list(map(key, keys))
    return [net.get(k, ZERO) for k in folded], [vat.get(k, ZERO) for k in folded]


def invoice_totals(invoices: Columns, lines: Columns,
                   nets: Sequence[Decimal] | None = None) -> dict[str, list[Any]]:
    """Net, VAT (per rate on the total, BR-CO-17) and total incl. VAT per invoice
    (``nets``: the lines' nets, when already computed)."""
    nets = line_nets(lines) if nets is None else nets
    net, vat = _totals(invoices["id"], lines["invoice"], nets, lines["vat_rate"])
    return {"net": net, "vat": vat, "total": list(map(add, net, vat))}


def quote_totals(quotes: Columns, lines: Columns,
                 nets: Sequence[Decimal] | None = None) -> dict[str, list[Any]]:
    nets = line_nets(lines) if nets is None else nets
    net, vat = _totals(list(zip(quotes["number"], quotes["version"])),
                       list(zip(lines["quote"], lines["version"])), nets, lines["vat_rate"],
                       _version_key)
    return {"net": net, "vat": vat, "total": list(map(add, net, vat))}


def _version_key(number_version: object) -> object:
    """A quote version's key: its number as SUMIFS compares it, and its version."""
    number, version = cast("tuple[object, object]", number_version)
    return _key(number), version


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
    paid_by: dict[object, Decimal] = defaultdict(Decimal)
    for number, amount in zip(payments["invoice"], payments["amount"]):
        if number not in (None, "") and amount is not None:
            paid_by[_key(number)] += amount  # type: ignore[operator]
    keys = [None if number in (None, "") else _key(number) for number in invoices["number"]]
    paid = [ZERO if k is None else paid_by.get(k, ZERO) for k in keys]
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
