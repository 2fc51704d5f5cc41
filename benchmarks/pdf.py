"""Invoice PDFs per second: laying out alone, with the Factur-X XML embedded, with the
XML also validated (XSD, EN 16931 and French schematrons), and the `pdf` job end to end
(reading the workbook, one process per core). Median of several runs.

    python benchmarks/pdf.py [--docs 120] [--runs 3]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pyfuncs.demo.job import run_demo
from pyfuncs.documents import pdf
from pyfuncs.jobs.documents import documents_of, run_pdf
from pyfuncs.jobs.invoicing import run_generate

TODAY = date(2026, 11, 23)


def rate(count: int, work) -> float:
    start = time.perf_counter()
    work()
    return count / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=120)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        run_demo(folder, today=TODAY)
        book = folder / "Facturation-demo.xlsx"
        run_generate(book, TODAY)
        docs, _, _ = documents_of(book, TODAY)
        docs = (docs * (args.docs // len(docs) + 1))[:args.docs]
        pdf.render(docs[0])  # fonts and templates loaded once, as in a long run
        from tests.support.en16931 import fatal, xsd_errors

        def validated() -> None:
            for d in docs:
                _, xml = pdf.render(d)
                assert not xsd_errors(xml) and not fatal(xml)

        cases = {
            "PDF/A-3 only, 1 core": lambda: [pdf.render(d, embed_xml=False) for d in docs],
            "Factur-X (PDF + XML), 1 core": lambda: [pdf.render(d) for d in docs],
            "Factur-X + XSD + 2 schematrons, 1 core": validated,
        }
        for name, work in cases.items():
            runs = [rate(len(docs), work) for _ in range(args.runs)]
            print(f"{name:45} {statistics.median(runs):6.1f} PDFs/s "
                  f"(runs: {', '.join(f'{r:.1f}' for r in runs)})")
        all_docs = len(documents_of(book, TODAY)[0])
        runs = [rate(all_docs, lambda k=k: run_pdf(book, folder / f"out{k}", TODAY))
                for k in range(args.runs)]
        print(f"{'job: read + Factur-X of the demo, 2 cores':45} {statistics.median(runs):6.1f} "
              f"PDFs/s ({all_docs} documents; runs: {', '.join(f'{r:.1f}' for r in runs)})")


if __name__ == "__main__":
    main()
