"""Journal benchmark: issuing 1,000 invoices, each in its own journal transaction as a
person pressing "Générer les factures" for one invoice would (allocate the number under
the write lock, record it with its content and sources, commit, mark it written), by one
writer on the SQLite file against 4 concurrent writer processes on one PostgreSQL
journal. The PostgreSQL server is a throwaway one started for the run (Debian's
binaries, as the tests do; fsync on, as a real server).

    python benchmarks/journal_team.py --invoices 1000 --writers 4

Prints the wall time and invoices per second of each, and checks what the run left:
numbers gapless and unique, the hash chain whole.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pyfuncs.adapters.journal import Journal
from pyfuncs.domain.numbering import next_number, parse_pattern

PATTERN = parse_pattern("FAC{YYYY}-{NNNN}", yearly_reset=True)
DAY = date(2026, 11, 23)


def issue_one(journal: Journal, worker: str, k: int) -> None:
    key = PATTERN.key(DAY)
    with journal.transaction() as tx:
        number, counter = next_number(PATTERN, DAY, tx.state(key))
        content = {"legal": {"number": number, "client": worker, "lines": [
            ["Prestation", "1", "1000.00", "0.20"]], "total": "1200.00"}, "write": {}}
        tx.record(number, key, counter, "invoice", DAY, worker, Decimal("1000.00"),
                  Decimal("200.00"), Decimal("1200.00"), content, [f"temps:{worker}:{k}"])
    journal.mark_written([number])


def writer(where: str, worker: str, count: int, go) -> None:
    go.wait()
    with Journal(where) as journal:
        for k in range(count):
            issue_one(journal, worker, k)


def run(where: str, writers: int, total: int) -> float:
    Journal(where).close()  # the schema, created before the clock starts
    ctx = multiprocessing.get_context("spawn")
    go = ctx.Event()
    share = [total // writers + (1 if i < total % writers else 0) for i in range(writers)]
    procs = [ctx.Process(target=writer, args=(where, f"W{i}", n, go))
             for i, n in enumerate(share)]
    for p in procs:
        p.start()
    time.sleep(1.0)  # every process imported and waiting
    t = time.perf_counter()
    go.set()
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - t
    assert all(p.exitcode == 0 for p in procs)
    with Journal(where) as journal:
        numbers = [e.number for e in journal.entries()]
        assert numbers == [f"FAC2026-{n:04d}" for n in range(1, total + 1)], "gap or double"
        assert journal.verify() == [] and journal.pending() == []
    return elapsed


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--invoices", type=int, default=1000)
    p.add_argument("--writers", type=int, default=4)
    args = p.parse_args()
    from tests.support.postgres import PASSWORD, postgres_server

    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "bench.facturier-journal.sqlite")
        lite = run(path, 1, args.invoices)
        lite4 = run(str(Path(folder) / "bench4.facturier-journal.sqlite"), args.writers,
                    args.invoices)
    os.environ["FACTURIER_JOURNAL_PASSWORD"] = PASSWORD
    with postgres_server(fsync=True) as server:
        url = server.url(server.new_database())
        pg = run(url, args.writers, args.invoices)
        url1 = server.url(server.new_database())
        pg1 = run(url1, 1, args.invoices)
    n = args.invoices
    for label, secs in (("SQLite, 1 writer", lite), (f"SQLite, {args.writers} writers", lite4),
                        (f"PostgreSQL, {args.writers} writers", pg),
                        ("PostgreSQL, 1 writer", pg1)):
        print(f"{label:<26} {n} invoices in {secs:6.2f} s  ({n / secs:6.0f} invoices/s, "
              f"{1000 * secs / n:5.1f} ms each)")
    print("every run: numbers gapless and unique, hash chain verified")


if __name__ == "__main__":
    main()
