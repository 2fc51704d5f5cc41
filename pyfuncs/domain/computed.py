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
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from pyfuncs.domain.money import ZERO, to_cents

Columns = Mapping[str, Sequence[object]]

# The rates the invoice and quote VAT formulas sum over (schema.VAT_RATES without 0).
FORMULA_RATES = (Decimal("0.2"), Decimal("0.1"), Decimal("0.055"), Decimal("0.021"))


def _key(value: object) -> object:
    """SUMIFS compares text case-insensitively; numbers by value."""
    if isinstance(value, str):
        return value.strip().casefold()
    return value


def line_nets(lines: Columns, qty: str = "quantity", price: str = "unit_price") -> list[Decimal]:
    """ROUND(quantity x unit price, 2) per line; an empty input counts as 0 like in Excel."""
    return [to_cents((q or ZERO) * (p or ZERO))  # type: ignore[operator]
            for q, p in zip(lines[qty], lines[price])]


def _totals(keys: Sequence[object], line_keys: Sequence[object], nets: Sequence[Decimal],
            rates: Sequence[object]) -> tuple[list[Decimal], list[Decimal]]:
    base: dict[object, Decimal] = defaultdict(Decimal)
    by_rate: dict[tuple[object, object], Decimal] = defaultdict(Decimal)
    for k, net, rate in zip(line_keys, nets, rates):
        base[k] += net
        if rate in FORMULA_RATES:
            by_rate[(k, rate)] += net
    vat_of: dict[object, Decimal] = defaultdict(Decimal)
    for (k, rate), amount in by_rate.items():
        vat_of[k] += to_cents(amount * rate)  # type: ignore[operator]
    return ([base.get(k, ZERO) for k in keys], [vat_of.get(k, ZERO) for k in keys])


def invoice_totals(invoices: Columns, lines: Columns) -> dict[str, list]:
    """Net, VAT (per rate on the total, BR-CO-17) and total incl. VAT per invoice."""
    nets = line_nets(lines)
    keys = [_key(i) for i in invoices["id"]]
    line_keys = [_key(i) for i in lines["invoice"]]
    net, vat = _totals(keys, line_keys, nets, lines["vat_rate"])
    return {"net": net, "vat": vat, "total": [n + v for n, v in zip(net, vat)]}


def quote_totals(quotes: Columns, lines: Columns) -> dict[str, list]:
    nets = line_nets(lines)
    keys = [(_key(n), v) for n, v in zip(quotes["number"], quotes["version"])]
    line_keys = [(_key(n), v) for n, v in zip(lines["quote"], lines["version"])]
    net, vat = _totals(keys, line_keys, nets, lines["vat_rate"])
    return {"net": net, "vat": vat, "total": [n + v for n, v in zip(net, vat)]}


def invoice_balances(invoices: Columns, totals: Sequence[Decimal], payments: Columns,
                     today: date) -> dict[str, list]:
    """Paid (SUMIFS over payments by number), balance due and days late per invoice."""
    paid_by: dict[object, Decimal] = defaultdict(Decimal)
    for number, amount in zip(payments["invoice"], payments["amount"]):
        if number not in (None, "") and amount is not None:
            paid_by[_key(number)] += amount  # type: ignore[operator]
    paid, balance, late = [], [], []
    for number, total, due in zip(invoices["number"], totals, invoices["due_date"]):
        if number in (None, ""):
            p, b = ZERO, ZERO
        else:
            p = paid_by.get(_key(number), ZERO)
            b = total - p
        paid.append(p)
        balance.append(b)
        days = (today - due).days if (b > 0 and isinstance(due, date)) else 0
        late.append(max(0, days))
    return {"paid": paid, "balance": balance, "days_late": late}


def compute_all(tables: Mapping[str, Columns], today: date) -> dict[str, dict[str, list]]:
    """Every calculated column of every table present, keyed like schema.TABLES."""
    out: dict[str, dict[str, list]] = {}
    if "LignesFacture" in tables:
        out["LignesFacture"] = {"net": line_nets(tables["LignesFacture"])}
    if "LignesDevis" in tables:
        out["LignesDevis"] = {"net": line_nets(tables["LignesDevis"])}
    if "Temps" in tables:
        out["Temps"] = {"amount": line_nets(tables["Temps"], "quantity", "rate")}
    if "Devis" in tables and "LignesDevis" in tables:
        out["Devis"] = quote_totals(tables["Devis"], tables["LignesDevis"])
    if "Factures" in tables and "LignesFacture" in tables:
        inv = invoice_totals(tables["Factures"], tables["LignesFacture"])
        if "Paiements" in tables:
            inv.update(invoice_balances(tables["Factures"], inv["total"], tables["Paiements"],
                                        today))
        out["Factures"] = inv
    return out


def rows_to_columns(rows: Sequence[Mapping[str, object]], keys: Sequence[str]) -> dict[str, list]:
    """[{key: value}] -> {key: [values]}, None where a row lacks a key."""
    return {k: [r.get(k) for r in rows] for k in keys}
