"""Opening cost of the demo workbook in LibreOffice headless: open and save it as .xlsx
with every formula recalculated (a profile forcing recalculation on load, what a user who
sets "always recalculate" pays, and what the tests do), and with LibreOffice's default
settings (cached values trusted).

    python benchmarks/open_recalc.py --invoices 10000 --runs 3
    python benchmarks/open_recalc.py --workbook some.xlsx --runs 3
    python benchmarks/open_recalc.py --invoices 100000 --no-recalculation

The workbook comes from the demo's generator (`build_demo`) with its jobs not run, and is
cached under benchmarks/out/. Prints the median of each, in seconds, as JSON.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from cached import is_fresh, mark_built  # benchmarks/cached.py

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE.parent))

from tests.support.libreoffice import RECALC_ALWAYS, soffice


def open_and_save(path: Path, recalculate: bool) -> float:
    """Seconds for LibreOffice to open ``path`` and save it as .xlsx, in a fresh profile."""
    return open_and_save_timed(path, recalculate)[0]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def open_and_save_timed(path: Path, recalculate: bool) -> tuple[float, float]:
    """(wall seconds, CPU seconds) for LibreOffice to open ``path`` and save it as .xlsx,
    in a fresh profile. The CPU time (LibreOffice's own, user + system) is what to compare
    on a loaded machine: the wall time of a 2-core machine shared with other work is not
    the program's."""
    exe = soffice()
    if exe is None:
        raise SystemExit("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="lo-bench-") as tmp:
        profile, out = Path(tmp) / "profile", Path(tmp) / "out"
        (profile / "user").mkdir(parents=True)
        if recalculate:
            (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS)
        # a first start builds the profile: not what an opening costs
        subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless",
                        "--terminate_after_init"], check=True, capture_output=True, timeout=300)
        t0, cpu0 = time.perf_counter(), _children_cpu()
        subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless",
                        "--calc", "--convert-to", "xlsx", "--outdir", str(out), str(path)],
                       check=True, capture_output=True, timeout=3600)
        seconds, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
        if not (out / (path.stem + ".xlsx")).exists():
            raise RuntimeError(f"LibreOffice did not convert {path}")
        return seconds, cpu


def demo_workbook(invoices: int) -> Path:
    from pyfuncs.demo.job import build_demo
    target = OUT / f"open-{invoices}" / "Facturation-demo.xlsx"
    if not is_fresh(target):
        build_demo(target.parent, invoices=invoices, today=date.today())
        mark_built(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=10000)
    parser.add_argument("--workbook", type=Path, help="time this workbook instead")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-recalculation", action="store_true",
                        help="time only the opening with default settings (the forced "
                             "recalculation grows with the square of the rows)")
    args = parser.parse_args()
    path = args.workbook or demo_workbook(args.invoices)
    result: dict[str, object] = {"workbook": str(path), "runs": args.runs}
    modes = [("open + recalculate + save", True), ("open + save (default settings)", False)]
    for label, recalculate in modes[args.no_recalculation:]:
        timed = [open_and_save_timed(path, recalculate) for _ in range(args.runs)]
        result[label] = {"median_s": round(statistics.median(t for t, _ in timed), 2),
                         "median_cpu_s": round(statistics.median(c for _, c in timed), 2),
                         "all_s": [round(t, 2) for t, _ in timed]}
        print(label, result[label], file=sys.stderr)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
