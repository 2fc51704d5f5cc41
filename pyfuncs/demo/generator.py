"""What the demo's generating steps share: the date, the size, one seeded random
generator, the tables filled so far and the planted mistakes. Each step (clients, quotes,
time, contracts, other invoices, payments) is a class of its own module over this one;
``data.demo_data`` runs them in order."""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pyfuncs.demo.dates import add_months
from pyfuncs.demo.records import Client, Inv
from pyfuncs.domain import schema as S


class Generator:
    """The state the steps share. Set by a step, read by the later ones: ``cl``, ``cum``
    and ``n_clients`` (clients), ``singles`` and ``milestone_plant`` (quotes), ``tm``
    (time), ``n_credit`` and ``n_draft`` (other invoices), ``ordered`` (numbers), ``over``
    and ``vat`` (planted lines), ``unknown_row`` (payments)."""

    cl: list[Client]
    cum: list[int]
    n_clients: int
    singles: list[tuple[Inv, str]]
    milestone_plant: dict[str, object] | None
    tm: list[Client]
    n_credit: int
    n_draft: int
    ordered: list[Inv]
    over: tuple[Inv, str, Decimal] | None
    vat: tuple[Inv, int, str] | None
    unknown_row: dict[str, Any] | None

    def __init__(self, today: date, invoices: int, seed: int, lang: str = "fr") -> None:
        self.today, self.n, self.rng = today, invoices, random.Random(seed)
        self.seed = seed
        self.lang = lang  # the workbook's
        y, m = add_months(today.year, today.month, -17)
        self.start = date(y, m, 1)
        self.months = [add_months(y, m, k) for k in range(18)]
        day, self.workdays = self.start, []
        while day <= today:
            if day.weekday() < 5:
                self.workdays.append(day)
            day += timedelta(days=1)
        self.invoices: list[Inv] = []
        self.tables: dict[str, list[dict[str, object]]] = {t.name: [] for t in S.TABLES
                                                            if t.name != "Parametres"}
        self.planted: list[dict[str, object]] = []

    def _inv(self, *args, **kw) -> Inv:
        inv = Inv(len(self.invoices), *args, **kw)
        self.invoices.append(inv)
        return inv

    def _plant(self, kind: str, table: str, row: int, column: str, ref: object,
               problem: str) -> None:
        self.planted.append({"kind": kind, "table": table, "row": row, "column": column,
                             "ref": ref, "problem": problem})

    def _pick_clients(self, k: int, exclude: frozenset[int] | set[int] = frozenset()
                      ) -> list[Client]:
        out = self.rng.choices(self.cl, cum_weights=self.cum, k=k + k // 3 + 4)
        out = [c for c in out if c.i not in exclude]
        while len(out) < k:
            c = self.rng.choice(self.cl[:self.n_clients])  # the goods clients: never
            if c.i not in exclude:
                out.append(c)
        return out[:k]

    def _po(self, client: Client) -> str | None:
        return f"45{self.rng.randint(0, 99_999_999):08d}" if client.po else None
