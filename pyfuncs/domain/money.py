"""Money: the one place where amounts are built and rounded.

Every amount is a Decimal from the first cell read (``D``), and is rounded only by
``to_cents`` -- half away from zero, which is what Excel's and LibreOffice's ROUND do,
so that the workbook's formulas and Python agree to the cent.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal(0)


class NotAnAmount(ValueError):
    """Raised by D() when a value cannot be read as a number."""


def D(value: object) -> Decimal:
    """Build a Decimal from a cell value (int, float, str, Decimal) without float error.

    Floats go through ``repr`` (shortest round-trip form), so 0.1 becomes Decimal('0.1'),
    not 0.1000000000000000055511151231257827. Text may use a French decimal comma, spaces
    or non-breaking spaces as thousand separators and a trailing currency sign or %.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise NotAnAmount(f"{value!r} is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if math.isnan(value) or value in (float("inf"), float("-inf")):
            raise NotAnAmount(f"{value!r} is not a number")
        return Decimal(repr(value))
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        percent = text.endswith("%")
        text = text.rstrip("%").removesuffix("€").removesuffix("EUR").strip()
        if "," in text and "." in text:
            if text.rfind(",") > text.rfind("."):
                text = text.replace(".", "").replace(",", ".")  # 1.234,56
            else:
                text = text.replace(",", "")  # 1,234.56
        else:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise NotAnAmount(f"{value!r} is not a number") from None
        if not number.is_finite():
            raise NotAnAmount(f"{value!r} is not a number")
        return number / 100 if percent else number
    raise NotAnAmount(f"{value!r} is not a number")


def to_cents(amount: Decimal) -> Decimal:
    """Round to 2 decimals, half away from zero (as ROUND(x, 2) in a spreadsheet)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def products_to_cents(quantities: Iterable[Any], prices: Iterable[Any]) -> list[Decimal]:
    """[to_cents((q or 0) x (p or 0))] over two columns, an empty cell counting as 0 as in
    Excel: the same rounding as ``to_cents``, without a Python call per line. The cells
    come as read: a number, an empty cell, or anything else, which fails in the product."""
    quantize, cent, mode = Decimal.quantize, CENT, ROUND_HALF_UP
    return [quantize((q or ZERO) * (p or ZERO), cent, mode) for q, p in zip(quantities, prices)]


def line_net(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """Net amount of a line: ROUND(quantity x unit price, 2)."""
    return to_cents(quantity * unit_price)


def vat_by_rate(lines: list[tuple[Decimal, Decimal]]) -> dict[Decimal, tuple[Decimal, Decimal]]:
    """VAT per rate on the total of the lines at that rate (EN 16931 BR-CO-17).

    ``lines`` holds (net, rate) pairs; returns {rate: (base, vat)}.
    """
    bases: dict[Decimal, Decimal] = {}
    for net, rate in lines:
        bases[rate] = bases.get(rate, ZERO) + net
    return {rate: (base, to_cents(base * rate)) for rate, base in bases.items()}


def allocate(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``amount`` in proportion to ``weights``, in cents, summing exactly to it:
    each share rounded, the rounding remainder on the largest weight."""
    total = sum(weights, ZERO)
    if not weights or total == 0:
        return [ZERO] * len(weights)
    shares = [to_cents(amount * w / total) for w in weights]
    largest = max(range(len(weights)), key=lambda k: abs(weights[k]))
    shares[largest] += amount - sum(shares, ZERO)
    return shares


def as_float(amount: Decimal | None) -> float | None:
    """Decimal to float, only when writing a cell."""
    return None if amount is None else float(amount)
