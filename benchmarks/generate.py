"""Generate benchmark: 1,000 invoices issued from quotes and time entries in the
100k-invoice demo workbook (target: 5 s), each run a fresh process on a fresh copy of the
file with no journal, so every run numbers and writes all 1,000.

    python benchmarks/generate.py                       # 100k invoices, medians of 5 runs
    python benchmarks/generate.py --invoices 10000 --runs 3

The workbook is the demo's (the same generator as `facturier demo`) plus 500 accepted,
delivered quotes not yet invoiced (two lines each, one of them with a deposit billed) and
validated October time for 500 client projects; cached under benchmarks/out/.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from cached import compile_package, is_fresh, mark_built  # benchmarks/cached.py

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
TODAY = date(2026, 11, 23)

RUN = """
import json, resource, sys, time
from datetime import date
from pathlib import Path
from pyfuncs.jobs.invoicing import run_generate
steps, t0 = {}, time.perf_counter()
last = [t0]
def progress(step):
    now = time.perf_counter()
    steps[step] = now
result = run_generate(Path(sys.argv[1]), date.fromisoformat(sys.argv[2]),
                      dry_run=sys.argv[3] == "dry", progress=progress)
end = time.perf_counter()
marks = sorted(steps.items(), key=lambda kv: kv[1]) + [("end", end)]
split = {a: round(marks[i + 1][1] - t, 3) for i, (a, t) in enumerate(marks[:-1])}
print(json.dumps({"seconds": end - t0, "issued": len(result.issued), "split": split,
                  "errors": result.errors,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def workbook_for(invoices: int) -> Path:
    target = OUT / f"generate-{invoices}" / "Facturation-generate.xlsx"
    if is_fresh(target):
        return target
    from pyfuncs.demo.data import demo_data
    from pyfuncs.jobs.template import build_workbook
    print(f"building the {invoices}-invoice workbook with 1,000 documents to issue...",
          flush=True)
    data = demo_data(TODAY, invoices=invoices)
    t = data.tables
    clients = [c for c in t["Clients"] if c["country"] == "FR" and c.get("po_required")
               != "yes"][:500]
    delivered = TODAY - timedelta(days=3)
    for k in range(500):
        client = clients[k % len(clients)]["id"]
        number = f"BENCH-{k + 1:04d}"
        t["Devis"].append({"number": number, "version": 1, "client": client,
                           "date": date(2026, 9, 1), "title": "Benchmark",
                           "status": "accepted", "valid_until": date(2026, 10, 1),
                           "deposit_pct": None, "po": None, "delivered": delivered})
        for label, qty, price in (("Étude", Decimal(3), Decimal("850.00")),
                                  ("Recette", Decimal("1.5"), Decimal("720.00"))):
            t["LignesDevis"].append({"quote": number, "version": 1, "label": label,
                                     "quantity": qty, "unit": "jour", "unit_price": price,
                                     "vat_rate": Decimal("0.2")})
        for day, who, qty in ((date(2026, 10, 5), "Nadia Roux", Decimal(2)),
                              (date(2026, 10, 12), "Paul Martin", Decimal("1.5")),
                              (date(2026, 10, 19), "Nadia Roux", Decimal(1))):
            t["Temps"].append({"date": day, "client": client, "project": f"TMA-{k + 1:04d}",
                               "consultant": who, "quantity": qty, "rate": Decimal(800),
                               "amount": None, "validated": "yes", "invoice": None})
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name("tmp-" + target.name)
    build_workbook(tmp, data=t, settings=data.settings, today=TODAY)
    tmp.replace(target)
    mark_built(target)
    return target


def run_once(source: Path, mode: str) -> dict:
    work = source.with_name("run-" + source.name)
    shutil.copyfile(source, work)
    for extra in work.parent.glob("run-*.sqlite*"):
        extra.unlink()
    done = subprocess.run([sys.executable, "-c", RUN, str(work), TODAY.isoformat(), mode],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    compile_package()
    source = workbook_for(args.invoices)
    report = {}
    for mode in ("dry", "issue"):
        runs = [run_once(source, mode) for _ in range(args.runs)]
        seconds = sorted(r["seconds"] for r in runs)
        report[mode] = {"median_s": round(statistics.median(seconds), 2),
                        "runs_s": [round(s, 2) for s in seconds],
                        "issued": runs[0]["issued"], "errors": runs[0]["errors"],
                        "peak_mb": round(statistics.median(r["peak_mb"] for r in runs)),
                        "split_of_first_run": runs[0]["split"]}
        print(mode, json.dumps(report[mode]), flush=True)
    print(json.dumps({"invoices": args.invoices, "target_s": 5.0, **report}, indent=1))


if __name__ == "__main__":
    main()
