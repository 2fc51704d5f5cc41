"""The demo's recurring contracts, their index and the periods the previous runs billed."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pyfuncs.demo.dates import add_months
from pyfuncs.demo.generator import Generator
from pyfuncs.demo.vocabulary import ONE, UNITS
from pyfuncs.domain.invoicing.labels import period_label
from pyfuncs.domain.money import to_cents
from pyfuncs.domain.recurring import MONTHS as MONTHS_OF
from pyfuncs.domain.recurring import periods, revision_month, source_of


class ContractSteps(Generator):
    def contracts(self) -> None:
        """Five recurring contracts, billed by the "previous runs" up to five
        days ago: monthly maintenance, quarterly hosting in two lines, a yearly licence
        revised each January by the Syntec index (values typed monthly, a client that
        requires a PO), one suspended three months ago, and one whose month three months
        back was never billed: the generate preview catches it up, the check calls it a
        leak. Amounts and labels are the planner's (same rules, same functions)."""
        today = self.today
        y, m = self.start.year, self.start.month
        ago = lambda n: date(*add_months(today.year, today.month, -n), 1)
        # labels in the client's language, as a user types them for that client: the
        # planner copies them into the invoices it issues next, after the period in that
        # language too
        tr = lambda fr, en: (fr, en)  # chosen per contract, by its client's language
        specs: list[tuple[Any, ...]] = [
            ("CT-001", self.cl[2], tr("Maintenance applicative", "Application maintenance"),
             "monthly", 20, "advance", ago(12), Decimal("1450.00"), "active", None, None, ()),
            ("CT-002", self.cl[3], tr("Hébergement et infogérance", "Hosting and managed "
                                      "services"), "quarterly", 5, "advance",
             ago(12).replace(month=(ago(12).month - 1) // 3 * 3 + 1), None, "active", None,
             None, ((tr("Hébergement serveur dédié", "Dedicated server hosting"), Decimal(2),
                     tr("serveur", "server"), Decimal("650.00")),
                    (tr("Infogérance", "Managed services"), ONE, UNITS["lump"],
                     Decimal("1100.00")))),
            ("CT-003", self.cl[0], tr("Licence et support annuels", "Yearly licence and "
                                      "support"), "yearly", 15, "advance",
             ago(16), Decimal("9600.00"), "active", "4500012345", 1, ()),
            ("CT-004", self.cl[4], tr("Tierce maintenance matériel", "Third-party hardware "
                                      "maintenance"), "monthly", 1, "advance",
             ago(10), Decimal("320.00"), "suspended", None, None, ()),
            ("CT-005", self.cl[6], tr("Support utilisateurs", "User support"), "monthly", 10,
             "arrears", ago(8), Decimal("780.00"), "active", None, None, ()),
        ]
        index = {}
        for k in range(18):
            month = date(*add_months(y, m, k), 1)
            index[month] = (Decimal("288.4") + Decimal("0.3") * k).quantize(Decimal("0.1"))
            self.tables["Indices"].append({"name": "Syntec", "month": month,
                                           "value": index[month]})
        rows, lines_table = self.tables["Contrats"], self.tables["LignesContrat"]
        billed_until, missed = today - timedelta(days=5), ago(3)
        for ref, client, label, period, day, timing, start, amount, status, po, rev, \
                lines in specs:
            li = 0 if client.lang == "fr" else 1
            label = label[li]
            lines = tuple((t[li], qty, u[li], price) for t, qty, u, price in lines)
            s0 = index[start] if rev else None
            rows.append({"id": ref, "client": client.id, "label": label, "amount": amount,
                         "vat_rate": client.rate, "period": period, "billing_day": day,
                         "timing": timing, "start": start, "end": None, "status": status,
                         "po": po, "notice_months": 3 if period != "monthly" else 1,
                         "notice_date": None, "index": "Syntec" if rev else None,
                         "base_index": s0, "revision_month": rev})
            for text_, qty, unit, price in lines:
                lines_table.append({"contract": ref, "label": text_, "quantity": qty,
                                    "unit": unit, "unit_price": price, "vat_rate": None})
            typed = lines or ((label, ONE, "", amount),)
            until = ago(3) if status == "suspended" else billed_until
            for p in periods(start, None, MONTHS_OF[period], day, timing == "advance",
                             until):
                if ref == "CT-005" and p.start == missed:
                    continue  # the month a run was skipped: still owed
                when_rev = revision_month(start, p.start, rev) if rev else None
                invoice_lines = []  # in the client's language, as the planner
                for text_, qty, unit, price in typed:
                    if when_rev is not None:  # P1 = P0 x S1 / S0, then the prorata
                        price = to_cents(price * index[when_rev] / s0)
                    if p.partial:
                        price = to_cents(price * p.fraction)
                    invoice_lines.append((f"{text_} – {period_label(p, client.lang)}", qty,
                                          unit or None, price, client.rate,
                                          source_of(ref, p.start)))
                inv = self._inv("invoice", client, p.due, invoice_lines, po=po)
                inv.served = (p.first, p.last)
