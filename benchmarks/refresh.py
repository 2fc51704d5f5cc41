"""Refresh benchmark: checks + aged balance (read everything, recompute, write the output sheets)
against openpyxl load + save of the same file (the baseline a user would write) and
against the read floor (python-calamine and fastexcel reading every table), all measured
in the same run, each run a whole fresh process so peak memory is its own. The refresh
and the floors run in rounds (see ROUNDS), and the ratio to the floor is given round by
round as well as from the medians.

    python benchmarks/refresh.py --invoices 100000            # medians of 5 runs
    python benchmarks/refresh.py --invoices 10000 --runs 3
    python benchmarks/refresh.py --also /path/to/older/checkout   # before and after, one run
    python benchmarks/refresh.py --phases                  # where the refresh's time goes

``--also`` times the refresh of another checkout of the package (an older commit, say) in
the same run, each of its runs right after one of this checkout's, so that a change is
measured against what it replaced under the same machine load.

``--phases`` times the refresh's steps instead, as the job reports them to its progress
bar (read, compute, check, age, write; imports before the job apart), medians of
``--runs`` fresh processes, beside each process's CPU time: the read uses both cores,
the steps after it one.

The workbook comes from `facturier demo --invoices N --no-run` (the demo's generator)
and is cached under benchmarks/out/.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from cached import compile_package, is_fresh, mark_built  # benchmarks/cached.py

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

# Each contender runs in its own process and prints {"seconds": s, "peak_mb": m}.
PRELUDE = """
import json, resource, sys, time
path = sys.argv[1]
t0 = time.perf_counter()
"""
EPILOGUE = """
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak}))
"""
CONTENDERS = {
    "refresh (facturier check)": """
from datetime import date
from pyfuncs.jobs.check import run_refresh
run_refresh(__import__("pathlib").Path(path), date.fromisoformat(sys.argv[2]))
""",
    # the refresh, its steps stamped as the job reports them (see --phases)
    "refresh phases": """
import os
t_import = time.perf_counter()
from datetime import date
from pyfuncs.jobs.check import run_refresh
stamps = [("import", t_import)]
run_refresh(__import__("pathlib").Path(path), date.fromisoformat(sys.argv[2]),
            lambda step: stamps.append((step, time.perf_counter())))
stamps.append(("end", time.perf_counter()))
phases = {step: round(stamps[k + 1][1] - t, 3) for k, (step, t) in enumerate(stamps[:-1])}
cpu = os.times()
print(json.dumps({"phases": phases, "cpu_s": round(cpu.user + cpu.system, 2)}))
""",
    "openpyxl load + save": """
import openpyxl
wb = openpyxl.load_workbook(path)
wb.save(path)
""",
    "read floor: python-calamine": """
import python_calamine
wb = python_calamine.CalamineWorkbook.from_path(path)
for name in wb.sheet_names:
    wb.get_sheet_by_name(name).to_python()
""",
    "read floor: fastexcel": """
import fastexcel
reader = fastexcel.read_excel(path)
for name in reader.table_names():
    reader.load_table(name).to_polars()
""",
}


def workbook_for(invoices: int, today: date) -> Path:
    target = OUT / str(invoices) / "Facturation-demo.xlsx"
    if not is_fresh(target):
        print(f"building the {invoices}-invoice workbook (facturier demo --no-run)...",
              flush=True)
        subprocess.run([sys.executable, "-m", "pyfuncs.cli", "demo", "--dir",
                        str(target.parent), "--invoices", str(invoices), "--no-run",
                        "--date", today.isoformat()], check=True)
    mark_built(target)
    return target


def run_once(code: str, source: Path, today: date, package: Path | None = None
             ) -> dict:
    """One fresh process running ``code`` on a copy of ``source``; ``package``: the
    checkout whose pyfuncs it imports (default: this one's). What it printed as JSON lines,
    merged (the EPILOGUE's seconds and peak, and whatever ``code`` printed before)."""
    work = source.with_name("run-" + source.name)
    shutil.copyfile(source, work)  # every run starts from the same file
    # the checkout named first on the path, whatever an editable install points at
    prelude = f"import sys; sys.path.insert(0, {str(package or HERE.parent)!r})\n" + PRELUDE
    try:
        done = subprocess.run([sys.executable, "-c", prelude + code + EPILOGUE, str(work),
                               today.isoformat()], capture_output=True, text=True, check=True)
    finally:
        for leftover in work.parent.glob("run-*"):
            leftover.unlink()
    printed = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {k: v for fields in printed for k, v in fields.items()}


def phases(source: Path, today: date, runs: int) -> None:
    """The refresh's steps, medians of ``runs`` fresh processes."""
    samples: list[dict] = []
    for i in range(runs):
        sample = run_once(CONTENDERS["refresh phases"], source, today)
        samples.append(sample)
        print(f"  run {i + 1}/{runs}: {sample['seconds']:.2f} s, "
              + ", ".join(f"{k} {v:.2f}" for k, v in sample["phases"].items()), flush=True)
    print()
    for step in samples[0]["phases"]:
        print(f"{step:8} median {statistics.median(s['phases'][step] for s in samples):6.2f} s")
    print(f"{'total':8} median {statistics.median(s['seconds'] for s in samples):6.2f} s "
          f"(CPU {statistics.median(s['cpu_s'] for s in samples):.2f} s on "
          f"{os.cpu_count()} cores; peak {max(s['peak_mb'] for s in samples):.0f} MB)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--invoices", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--baseline-runs", type=int, default=None,
                   help="runs of openpyxl load + save (default: --runs; ~100 s each at 100k)")
    p.add_argument("--date", default="2026-11-23", help="the demo's today")
    p.add_argument("--also", type=Path, default=None,
                   help="another checkout of the package whose refresh is timed alongside")
    p.add_argument("--phases", action="store_true",
                   help="time the refresh's steps (no floors, no baseline)")
    args = p.parse_args()
    compile_package()
    if args.also:
        compile_package(args.also)
    today = date.fromisoformat(args.date)
    source = workbook_for(args.invoices, today)
    size_mb = source.stat().st_size / 1e6
    print(f"workbook: {source} ({size_mb:.1f} MB, {args.invoices} invoices)")
    samples: dict[str, list[dict[str, float]]] = {}

    def timed(name: str, code: str, i: int, runs: int, package: Path | None = None) -> None:
        label = name if package is None else f"{name} of {package}"
        t = time.perf_counter()
        samples.setdefault(label, []).append(run_once(code, source, today, package))
        print(f"  {label}: run {i + 1}/{runs} {samples[label][-1]['seconds']:.2f} s "
              f"(wall {time.perf_counter() - t:.1f} s)", flush=True)

    # ROUNDS: the refresh and the read floors run in rounds, one run of each a round, so
    # that each ratio compares runs made a few seconds apart. On a shared machine, whose
    # speed drifts by a fifth over minutes, timing every refresh first and every floor
    # minutes later measured the drift as much as the refresh.
    if args.phases:
        phases(source, today, args.runs)
        return
    for i in range(args.runs):
        for name, code in CONTENDERS.items():
            if name.startswith("openpyxl") or name == "refresh phases":
                continue
            timed(name, code, i, args.runs)
            if args.also and name.startswith("refresh"):
                timed(name, code, i, args.runs, args.also)
    baseline_runs = args.baseline_runs or args.runs
    for i in range(baseline_runs):
        timed("openpyxl load + save", CONTENDERS["openpyxl load + save"], i, baseline_runs)
    results = {name: {"median_s": statistics.median(s["seconds"] for s in runs),
                      "peak_mb": max(s["peak_mb"] for s in runs), "runs": len(runs)}
               for name, runs in samples.items()}
    refresh = results["refresh (facturier check)"]["median_s"]
    baseline = results["openpyxl load + save"]["median_s"]
    floor = min(results["read floor: python-calamine"]["median_s"],
                results["read floor: fastexcel"]["median_s"])
    print()
    for name, r in results.items():
        print(f"{name:30} median {r['median_s']:7.2f} s  peak {r['peak_mb']:7.0f} MB "
              f"({r['runs']} runs)")
    print(f"\nrefresh vs openpyxl load + save: {baseline / refresh:.1f}x faster (target >= 20x)")
    print(f"refresh vs read floor (fastest reader): {refresh / floor:.2f}x (target <= 1.5x)")
    fastest = min(("read floor: python-calamine", "read floor: fastexcel"),
                  key=lambda name: results[name]["median_s"])
    paired = [r["seconds"] / f["seconds"] for r, f in
              zip(samples["refresh (facturier check)"], samples[fastest])]
    print(f"refresh vs read floor, round by round: median {statistics.median(paired):.2f}x "
          f"({' / '.join(f'{x:.2f}' for x in paired)})")
    if args.also:
        before = results[f"refresh (facturier check) of {args.also}"]["median_s"]
        print(f"refresh of {args.also}: {before:.2f} s; this checkout: {refresh:.2f} s "
              f"({(refresh - before) / before:+.1%})")
    print(f"refresh peak memory: {results['refresh (facturier check)']['peak_mb']:.0f} MB "
          "(target <= 1024 MB)")


if __name__ == "__main__":
    main()
