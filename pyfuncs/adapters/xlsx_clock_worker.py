"""The worker process of xlsx_clock.py: ``python -m pyfuncs.adapters.xlsx_clock_worker
REQUEST`` caches the days late a job asked for (the JSON file REQUEST) into the invoices'
sheet part, writes that part deflated where the request says, and prints what the job
needs to put it in the package (its name, CRC and size), or null."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from pyfuncs.adapters.xlsx_clock import INVOICES
from pyfuncs.adapters.xlsx_tables import TableEditor
from pyfuncs.adapters.zip_package import Blob


def _cache_in_worker(request: Path) -> dict[str, object] | None:
    """In the worker process: the invoices' sheet part with the request's updates cached,
    written deflated to its ``out`` file; None when the file is no longer the one read."""
    ask = json.loads(request.read_text(encoding="utf-8"))
    file = Path(ask["path"])
    st = file.stat()
    if [st.st_size, st.st_mtime_ns] != ask["stamp"]:
        return None
    made = TableEditor(file).cached_part(INVOICES, [tuple(u) for u in ask["updates"]])
    if made is None or made[0] != ask["part"]:
        return None
    part, blob = made
    with open(ask["out"], "xb") as f:  # made here, never an existing file (a link)
        f.writelines(blob.raw())
    return {"part": part, "crc": blob.crc, "usize": blob.usize}


def _yield_to_the_job() -> None:
    """The job's own thread keeps its core: this worker deflates on one thread, at a
    lower priority (the job's checks and this rewrite each had a core to themselves only
    so; with two deflating threads they slowed each other)."""
    Blob.THREADS = 1
    if hasattr(os, "nice"):
        os.nice(5)


if __name__ == "__main__":
    _yield_to_the_job()
    json.dump(_cache_in_worker(Path(sys.argv[1])), sys.stdout)
