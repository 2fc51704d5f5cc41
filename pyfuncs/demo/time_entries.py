"""The demo's time-and-materials clients: six months of time entries, each closed month
billed by an invoice per client, the current one not yet."""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from calendar import monthrange
from datetime import date, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Any

from pyfuncs.demo.dates import weekday
from pyfuncs.demo.generator import Generator
from pyfuncs.demo.vocabulary import FAMILIES, FIRST, HALF, MONTHS, ONE, R20, UNITS, amounts
from pyfuncs.domain.money import ZERO


class TimeSteps(Generator):
    def time_and_materials(self) -> None:
        rng, today = self.rng, self.today
        n_tm = max(4, round(self.n * 0.35 / 18))
        candidates = [c for c in self.cl[1:] if c.rate == R20 and c.i != 21]
        self.tm = [self.cl[0]] + rng.sample(candidates, min(n_tm - 1, len(candidates)))
        pool = [f"{f} {l}" for l in FAMILIES for f, _ in FIRST]
        pool = rng.sample(pool, max(8, min(len(pool), n_tm)))
        rates = amounts(*range(650, 1101, 50))
        expenses = amounts("86.40", "124.50", "212.80", "318.00", "455.20")
        window = set(self.months[-6:])
        temps = self.tables["Temps"]
        month_days = {}
        for y, m in self.months:
            lo = bisect_left(self.workdays, date(y, m, 1))
            hi = bisect_right(self.workdays, date(y, m, monthrange(y, m)[1]))
            month_days[(y, m)] = self.workdays[lo:hi]
        for client in self.tm:
            li = 0 if client.lang == "fr" else 1
            staff = [(name, rng.choice(rates)) for name in rng.sample(pool, rng.choice((1, 1,
                                                                                        2)))]
            project = f"TMA-{client.id}"
            pos: dict[int, str | None] = {}
            for y, m in self.months:
                last = weekday(date(y, m, monthrange(y, m)[1]))
                billed = last <= today
                lines: list[tuple[Any, ...]] = []
                entries: list[dict[str, Any]] = []
                month = MONTHS[m - 1][li]
                for name, rate in staff:
                    if (y, m) in window:
                        days = month_days[(y, m)]
                        picked = sorted(rng.sample(days, min(len(days), rng.randint(6, 15))))
                        qty = ZERO
                        for day in picked:
                            q = HALF if rng.random() < 0.15 else ONE
                            qty += q
                            entries.append({"date": day, "client": client.id,
                                            "project": project, "consultant": name,
                                            "quantity": q, "rate": rate, "validated": "yes",
                                            "invoice": None})
                    else:
                        qty = Decimal(rng.randint(12, 36)) / 2
                    if qty:
                        lines.append(((f"Assistance technique – {name} – {month} {y}",
                                       f"Consulting – {name} – {month} {y}")[li], qty,
                                      UNITS["day"][li], rate, client.rate, f"Temps {y}-{m:02d}"))
                if lines and rng.random() < 0.6:
                    lines.append(((f"Frais de déplacement – {month} {y}",
                                   f"Travel expenses – {month} {y}")[li], ONE, UNITS["lump"][li],
                                  rng.choice(expenses), client.rate, None))
                if billed and lines:
                    if y not in pos:
                        pos[y] = self._po(client)
                    inv = self._inv("invoice", client, last, lines, po=pos[y])
                    inv.served = (date(y, m, 1), date(y, m, monthrange(y, m)[1]))
                    for e in entries:
                        e["invoice"] = inv
                else:
                    for e in entries:
                        e["validated"] = "yes" if e["date"] <= today - timedelta(days=5) \
                            else "no"
                temps += entries
        temps.sort(key=itemgetter("date"))
