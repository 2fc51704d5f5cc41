"""LibreOffice's forced recalculation of the demo workbook, in CPU seconds, against a
baseline: what a user who sets "always recalculate on load" pays, and what grows with the
square of the rows with every COUNTIF(S)/SUMIFS column (LibreOffice 7.4 scans each
criteria range for each formula cell).

    python benchmarks/lo_recalc.py --invoices 2000 10000 --runs 3 --baseline bd9c84f
    python benchmarks/lo_recalc.py --invoices 2000 --also some/other.xlsx
    python benchmarks/lo_recalc.py --invoices 2000 5000 --profile

Each size's workbook comes from `facturier demo --invoices N --no-run --date D` (the
demo's generator, the same data for the same date), built by this checkout and, with
``--baseline COMMIT``, by that commit's tree (``git archive``), both cached under
benchmarks/out/. Each run opens the workbook in LibreOffice headless with a fresh profile
that forces a full recalculation on load and saves it as .xlsx; the baseline's run comes
right after this checkout's, so both see the same machine load. CPU time (LibreOffice's
user + system) is the figure to compare on a shared machine; wall time is reported too.

``--profile`` finds which formula columns cost the time: for each (sheet, column) holding
formulas it times a copy of the workbook where only that column's formulas are left
(every other formula cell keeps its cached value as a constant), and a copy with none.

Prints medians as JSON, with the ratio baseline / this checkout per size.

What it found (LibreOffice 7.4.7, demo of 2026-11-20; CPU s, one run each): with no
formula at all the 2,000-invoice demo opens in 4.2 s, the 5,000 one in 6.5 s. Alone, the
Factures VAT column (four 2-criteria SUMIFS per row) adds 4.7 s at 2,000 and 21.7 s at
5,000; the balance (Reste dû) 2.4 and 7.9; the Devis VAT (four 3-criteria SUMIFS) 1.3 and
4.6; even the single-criterion net (SUMIFS over the lines by invoice) 0.6 and 3.2. Every
other column (products, sums of a row, days late) adds nothing measurable. In this
workbook every criteria range is scanned for each formula cell (perf: LibreOffice's
per-cell query evaluation), so the cost goes with the number of criteria evaluated per
row times the rows of the range. That is LibreOffice 7.4's, not the file's: its
sorted-range cache (ScSortedRangeCache, what would make COUNTIFS/SUMIFS with an equality
criterion linear) is switched off (LibreOffice's CanBeUsedForSorterCache returns false
under tdf#151958), so on 7.4.7 every COUNTIF(S)/SUMIFS scans whoever wrote the file,
even where all that test's other conditions hold (absolute ranges, one equality
criterion, a formula group). A minimal xlsxwriter file (two sheets, the demo's invoice
ids and line nets, four SUMIFS per row) scans just the same: 1,250 / 2,500 / 5,000
invoices in 2.2 / 4.7 / 14.4 CPU s (13.5 with the column one shared-formula group, 15.4
with Inv[[#This Row],[id]]), the demo cut to those two columns 13.8. The file once taken
for linear (2.2 s) computed #N/A in every cell: LibreOffice does not read the
`[[#This Row],id]` XlsxWriter made of `[@[id]]`, so no SUMIFS ran. What does not scan on
7.4: MATCH. The same nets as SUM(INDEX(net,MATCH(id,inv,0)):INDEX(net,MATCH(id,inv,1))),
the lines sorted by invoice, take 2.1 s at 2,500 and 3.9 s at 5,000 (the same values).
With the ids as numbers instead of text (F00123 -> 123) the minimal file still scans,
11.1 s at 5,000: a constant factor only.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from datetime import date
from pathlib import Path, PurePosixPath

from cached import is_fresh, mark_built  # benchmarks/cached.py
from open_recalc import open_and_save_timed

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out" / "lo-recalc"


def build_demo(source: Path, invoices: int, today: date, target_dir: Path) -> Path:
    """The demo workbook built by the package under ``source``, in its own process (so
    that a baseline's modules never mix with this checkout's)."""
    target_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pyfuncs.cli", "demo", "--dir", str(target_dir),
                    "--invoices", str(invoices), "--no-run", "--date", today.isoformat()],
                   cwd=source, env={**os.environ, "PYTHONPATH": str(source)},
                   check=True, capture_output=True)
    return target_dir / "Facturation-demo.xlsx"


def current_demo(invoices: int, today: date) -> Path:
    target = OUT / f"current-{invoices}-{today}" / "Facturation-demo.xlsx"
    if not is_fresh(target):
        build_demo(ROOT, invoices, today, target.parent)
        mark_built(target)
    return target


def baseline_demo(commit: str, invoices: int, today: date) -> Path:
    sha = subprocess.run(["git", "rev-parse", "--short=10", commit], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    target = OUT / f"{sha}-{invoices}-{today}" / "Facturation-demo.xlsx"
    if target.exists():  # a commit's tree does not change
        return target
    source = OUT / f"src-{sha}"
    if not (source / "pyfuncs").exists():
        archive = subprocess.run(["git", "archive", sha, "pyfuncs"], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        source.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(source, filter="data")
    return build_demo(source, invoices, today, target.parent)


# ------------------------------------------------------------------ profiling copies
_CELL_FORMULA = re.compile(r'(<c r="([A-Z]+)\d+"[^>]*>)<f(?: [^>]*)?(?:/>|>.*?</f>)', re.DOTALL)


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its worksheet part, in the workbook's order."""
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    targets = {}
    for rel in re.findall(r"<Relationship [^>]*/>", rels):
        rid, target = re.search(r'Id="([^"]+)"', rel), re.search(r'Target="([^"]+)"', rel)
        if rid and target:
            path = target.group(1)
            targets[rid.group(1)] = (path.lstrip("/") if path.startswith("/")
                                     else str(PurePosixPath("xl") / path))
    book = z.read("xl/workbook.xml").decode()
    return {name: targets[rid] for name, rid in
            re.findall(r'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', book)}


def formula_columns(path: Path) -> list[tuple[str, str, int]]:
    """(sheet, column letter, formula cells) of every column holding formulas."""
    out = []
    with zipfile.ZipFile(path) as z:
        for sheet, part in _sheet_parts(z).items():
            counts: dict[str, int] = {}
            for m in _CELL_FORMULA.finditer(z.read(part).decode()):
                counts[m.group(2)] = counts.get(m.group(2), 0) + 1
            out += [(sheet, col, n) for col, n in sorted(counts.items(), key=lambda x: (len(x[0]), x[0]))]
    return out


def keep_only(path: Path, keep: tuple[str, str] | None, target: Path) -> Path:
    """A copy of ``path`` whose formulas are all dropped (cached values kept as
    constants) but those of column ``keep`` = (sheet, letter)."""
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        parts = {part: sheet for sheet, part in _sheet_parts(zin).items()}
        for item in zin.infolist():
            data = zin.read(item.filename)
            sheet = parts.get(item.filename)
            if sheet is not None:
                def drop(m: re.Match[str], sheet: str = sheet) -> str:
                    return m.group(0) if keep == (sheet, m.group(2)) else m.group(1)
                data = _CELL_FORMULA.sub(drop, data.decode()).encode()
            zout.writestr(item, data)
    return target


# ------------------------------------------------------------------------ timing
def timed(path: Path, runs: int) -> dict[str, object]:
    results = [open_and_save_timed(path, True) for _ in range(runs)]
    return _summary(results)


def _summary(results: list[tuple[float, float]]) -> dict[str, object]:
    return {"median_cpu_s": round(statistics.median(c for _, c in results), 2),
            "median_wall_s": round(statistics.median(w for w, _ in results), 2),
            "cpu_s": [round(c, 2) for _, c in results]}


def compare(named: dict[str, Path], runs: int) -> dict[str, object]:
    """Each workbook's run i right after the previous one's run i."""
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in named}
    for i in range(runs):
        for name, path in named.items():
            wall, cpu = open_and_save_timed(path, True)
            results[name].append((wall, cpu))
            print(f"  run {i + 1}/{runs} {name}: {cpu:.1f} CPU s ({wall:.1f} s)",
                  file=sys.stderr, flush=True)
    return {name: _summary(r) for name, r in results.items()}


def profile(path: Path, runs: int) -> dict[str, object]:
    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="lo-recalc-") as tmp:
        copy = keep_only(path, None, Path(tmp) / "none.xlsx")
        out["no formulas"] = timed(copy, runs)
        print("  no formulas", out["no formulas"], file=sys.stderr, flush=True)
        for sheet, col, n in formula_columns(path):
            if n < 10:
                continue
            copy = keep_only(path, (sheet, col), Path(tmp) / f"only-{col}.xlsx")
            label = f"only {sheet}!{col} ({n} formulas: {_header(path, sheet, col)})"
            out[label] = timed(copy, runs)
            print(f"  {label}", out[label], file=sys.stderr, flush=True)
    return out


def _header(path: Path, sheet: str, col: str) -> str:
    with zipfile.ZipFile(path) as z:
        xml = z.read(_sheet_parts(z)[sheet]).decode()
        m = re.search(rf'<c r="{col}1"[^>]*?t="s"[^>]*><v>(\d+)</v>', xml)
        if not m:
            return "?"
        strings = re.findall(r"<si>(.*?)</si>", z.read("xl/sharedStrings.xml").decode(), re.DOTALL)
        return re.sub(r"<[^>]+>", "", strings[int(m.group(1))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--date", type=date.fromisoformat, default=date(2026, 11, 20),
                        help="the demo's today (the same data before and after)")
    parser.add_argument("--baseline", metavar="COMMIT",
                        help="also time the demo built by this commit's tree")
    parser.add_argument("--also", type=Path, action="append", default=[],
                        help="also time this workbook (any size), named by its path")
    parser.add_argument("--profile", action="store_true",
                        help="time each formula column alone instead of comparing")
    args = parser.parse_args()
    result: dict[str, object] = {"runs": args.runs, "date": str(args.date),
                                 "libreoffice": "forced recalculation on load, CPU s"}
    for n in args.invoices:
        current = current_demo(n, args.date)
        print(f"{n} invoices: {current}", file=sys.stderr, flush=True)
        if args.profile:
            result[f"{n} invoices"] = profile(current, args.runs)
            continue
        named = {"this checkout": current}
        if args.baseline:
            named[f"baseline {args.baseline}"] = baseline_demo(args.baseline, n, args.date)
        timings = compare(named, args.runs)
        if args.baseline:
            before = timings[f"baseline {args.baseline}"]["median_cpu_s"]  # type: ignore[index]
            after = timings["this checkout"]["median_cpu_s"]  # type: ignore[index]
            timings["baseline / this checkout"] = round(before / after, 2)
        result[f"{n} invoices"] = timings
    for path in args.also:
        result[str(path)] = timed(path, args.runs)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
