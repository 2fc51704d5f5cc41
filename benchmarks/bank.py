"""Bank matching benchmark: 10,000 statement credits matched against 100,000 open invoices
(pure matching: domain/matching.py, index built inside the timing), medians of runs.

    python benchmarks/bank.py --entries 10000 --invoices 100000 --runs 5

The credits mix what a statement holds: an invoice number in the text (with and without
its prefix, spaced, lower case), a number with a typo from a known IBAN, a known IBAN and
the exact amount, one transfer for several invoices, a payer known by name only, fees
within the tolerance, partial payments, strangers.
"""
from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from pyfuncs.domain.matching import ClientRef, Credit, OpenInvoice, match_credits

DAY = date(2026, 11, 23)


def data(n_invoices: int, n_entries: int, seed: int = 11) -> tuple[list[OpenInvoice],
                                                                  list[ClientRef],
                                                                  list[Credit]]:
    rng = random.Random(seed)
    n_clients = max(10, n_invoices // 50)
    clients = [ClientRef(f"C{i:05d}", f"Société {i} Conseil SAS",
                         (f"FR76{30000 + i:05d}{i:016d}",) if i % 3 else ())
               for i in range(n_clients)]
    invoices = [OpenInvoice(f"FAC{2024 + k % 3}-{k:06d}", clients[rng.randrange(n_clients)].id,
                            Decimal(rng.randint(5_000, 500_000)) / 100,
                            DAY - timedelta(days=rng.randint(-30, 400)))
                for k in range(n_invoices)]
    by_client: dict[str, list[OpenInvoice]] = {}
    for inv in invoices:
        by_client.setdefault(inv.client, []).append(inv)
    client_of = {c.id: c for c in clients}
    credits = []
    for n in range(n_entries):
        inv = invoices[rng.randrange(n_invoices)]
        c = client_of[inv.client]
        iban = c.ibans[0] if c.ibans else ""
        kind = n % 10
        amount, text, payer = inv.open, "", c.name.upper()
        if kind in (0, 1):
            text = f"VIR SEPA {inv.number}"
        elif kind == 2:
            text = "reglement " + inv.number.lower().replace("-", " ")[3:]
        elif kind == 3:
            digits = inv.number[-6:]
            text = f"FACT {inv.number[3:8]}{digits[::-1]}"  # a typo (or several)
        elif kind == 4:
            text = "VIREMENT"
        elif kind == 5:
            group = by_client[inv.client][:3]
            amount = sum((i.open for i in group), Decimal(0))
            text = "FACTURES " + " ".join(i.number for i in group)
        elif kind == 6:
            amount = inv.open - Decimal("3.50")
            text = inv.number
        elif kind == 7:
            amount = (inv.open / 2).quantize(Decimal("0.01"))
            text = f"ACOMPTE {inv.number}"
        elif kind == 8:
            iban, text = "", "PAIEMENT"
        else:
            iban, payer, text = "", f"M INCONNU {n}", "DON"
            amount = Decimal(rng.randint(100, 99_999)) / 100
        credits.append(Credit(f"K{n:06d}", DAY - timedelta(days=n % 30), amount, text, payer,
                              iban))
    return invoices, clients, credits


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--entries", type=int, default=10_000)
    p.add_argument("--invoices", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    invoices, clients, credits = data(args.invoices, args.entries)
    samples = []
    for _ in range(args.runs):
        t = time.perf_counter()
        out = match_credits(credits, invoices, clients)
        samples.append(time.perf_counter() - t)
    print(f"bank matching of {len(credits)} credits against {len(invoices)} open invoices "
          f"({len(clients)} clients): median {statistics.median(samples):.3f} s over "
          f"{args.runs} runs (min {min(samples):.3f}, max {max(samples):.3f}); target <= 2 s")
    certain = sum(1 for s in out if s.certain)
    print(f"{certain} booked, {len(out) - certain} to confirm; reasons: "
          + ", ".join(f"{r} {n}" for r, n in Counter(s.reason for s in out).most_common()))


if __name__ == "__main__":
    main()
