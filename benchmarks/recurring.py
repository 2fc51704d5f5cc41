"""Recurring billing benchmark: 2,000 contracts, one year of catch-up (target
3 s). Two figures, medians of fresh processes on fresh copies of the file (no journal):

- plan: reading the tables generation reads and planning every due contract period
  (recurring.due_periods through the planner), what a dry run costs before numbering;
- job: `run_generate` for real: plan, number every document through the journal, write
  the invoices and their lines into the workbook.

    python benchmarks/recurring.py              # 2,000 contracts, medians of 5 runs
    python benchmarks/recurring.py --contracts 500 --runs 3

Figures (2 shared cores, load about 1, 16,414 contract invoices and their lines into
the journal and the workbook): job median 2.31 s over 5 runs, against 7.61 s for the code
before the write and journal work measured just before at the same load (14.3 s a session
earlier under more load); plan 0.35 s (0.30 s before: lines, PO and notice). Where the
time went: appended rows were built through a closure per cell and the garbage
collector's passes over the half-million objects; the journal parsed back what it had
just dumped and ran eight statements per document; the register sheet re-read all of it.

Contracts: 60 % monthly, 25 % quarterly, 10 % half-yearly, 5 % yearly, half in advance,
half in arrears, all started on 1 November 2025 (one year unbilled on 23 November 2026),
one in ten with a Syntec revision in July (its index value typed), one in twenty
suspended.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from cached import compile_package, is_fresh, mark_built  # benchmarks/cached.py

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
TODAY = date(2026, 11, 23)

RUN = """
import json, sys, time
from datetime import date
from pathlib import Path
t0 = time.perf_counter()
day = date.fromisoformat(sys.argv[2])
if sys.argv[3] == "plan":
    from pyfuncs.adapters.workbook_file import as_source
    from pyfuncs.domain.context import Ctx
    from pyfuncs.domain.invoicing import plan_invoices
    from pyfuncs.jobs.invoicing import _load
    loaded = _load(as_source(Path(sys.argv[1])), day, lambda s: None)
    d = loaded.data
    plan = plan_invoices(Ctx(d.tables, loaded.computed, d.settings, day, d.lang), day)
    count = sum(1 for doc in plan.documents if doc.sources[0].startswith("contrat:"))
else:
    from pyfuncs.jobs.invoicing import run_generate
    result = run_generate(Path(sys.argv[1]), day)
    count = sum(1 for i in result.issued if i.sources[0].startswith("contrat:"))
print(json.dumps({"seconds": time.perf_counter() - t0, "documents": count}))
"""

PERIODS = ["monthly"] * 12 + ["quarterly"] * 5 + ["half_yearly"] * 2 + ["yearly"]


def workbook_for(contracts: int) -> Path:
    target = OUT / f"recurring-{contracts}" / "Facturation-recurring.xlsx"
    if is_fresh(target):
        return target
    sys.path.insert(0, str(HERE.parent))  # the tests' clean clients
    from pyfuncs.jobs.template import build_workbook
    from tests.unit.test_checks import clean_settings, clean_tables
    tables = clean_tables()
    tables = {"Parametres": [], "Clients": tables["Clients"]}
    tables["Contrats"] = [
        {"id": f"CT{k:05d}", "client": "C1" if k % 3 else "C3",
         "label": f"Maintenance {k}", "amount": Decimal(100 + k % 900) + Decimal("0.5"),
         "vat_rate": Decimal("0.2"), "period": PERIODS[k % len(PERIODS)],
         "billing_day": 1 + k % 28, "timing": "advance" if k % 2 else "arrears",
         "start": date(2025, 11, 1), "status": "suspended" if k % 20 == 7 else "active",
         **({"index": "Syntec", "base_index": Decimal("280.2"), "revision_month": 7}
            if k % 10 == 3 else {})}
        for k in range(contracts)]
    tables["Indices"] = [{"name": "Syntec", "month": date(2026, 7, 1),
                          "value": Decimal("289.7")}]
    target.parent.mkdir(parents=True, exist_ok=True)
    build_workbook(target, data=tables, settings=clean_settings(), today=TODAY)
    mark_built(target)
    return target


def run(path: Path, what: str, k: int) -> dict:
    copy = path.with_name(f"run-{what}-{k}.xlsx")
    shutil.copyfile(path, copy)
    for old in copy.parent.glob(f"run-{what}-{k}.*sqlite*"):
        old.unlink()
    out = subprocess.run([sys.executable, "-c", RUN, str(copy), TODAY.isoformat(), what],
                         capture_output=True, text=True, check=True, cwd=HERE.parent)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contracts", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    compile_package()
    path = workbook_for(args.contracts)
    for what in ("plan", "job"):
        runs = [run(path, what, k) for k in range(args.runs)]
        secs = [r["seconds"] for r in runs]
        print(f"{what}: {runs[0]['documents']} contract invoices, median "
              f"{statistics.median(secs):.2f} s (min {min(secs):.2f}, max {max(secs):.2f}, "
              f"{args.runs} runs)", flush=True)


if __name__ == "__main__":
    main()
