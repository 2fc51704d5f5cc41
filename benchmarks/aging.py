"""Aging benchmark: the aged balance of the 100k-invoice demo workbook (100k invoices,
~150k payments), computed from columns already read, medians of several runs.

    python benchmarks/aging.py --invoices 100000 --runs 5
"""
from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

from refresh import workbook_for  # same cached workbook as the refresh benchmark

from pyfuncs.jobs.aging import aging_of
from pyfuncs.jobs.load import load


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--invoices", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--date", default="2026-11-23")
    args = p.parse_args()
    today = date.fromisoformat(args.date)
    path = workbook_for(args.invoices, today)
    loaded = load(path, today)
    n_inv = len(loaded.data.tables["Factures"])
    n_pay = len(loaded.data.tables["Paiements"])
    samples = []
    for _ in range(args.runs):
        t = time.perf_counter()
        balance = aging_of(loaded, today)
        samples.append(time.perf_counter() - t)
    print(f"aging of {n_inv} invoices and {n_pay} payments as of {today}: "
          f"median {statistics.median(samples):.3f} s over {args.runs} runs "
          f"(min {min(samples):.3f}, max {max(samples):.3f}); target <= 0.5 s")
    print(f"{len(balance.clients)} clients, total {balance.total}")


if __name__ == "__main__":
    main()
