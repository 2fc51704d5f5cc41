"""Today's days late cached in the invoices' sheet by another process, while the job
computes (the refresh and the aged balance change no input cell, so nothing else moves).

Jours de retard is TODAY() - Échéance: its cached value moves with the clock, so each day
the refresh writes it into every open overdue invoice's row (xlsx_cached.py says why the
cached values must be true). The only way to change a few cells of a zip member is to
inflate, splice and deflate the whole member: 298 MB of XML for 100k invoices, a second
and a half of the refresh done at its commit. It depends on nothing but what the job
read, so a worker process does it from the moment the read ends, on the core the job's
Python leaves idle. A thread could not: the splice holds the GIL, and the job's checks
then ran a second slower than before (measured), so it takes a process.

The worker is a new interpreter running xlsx_clock_worker.py (``python -m``), not a fork (the
job has live threads, and Windows has no fork) nor multiprocessing's spawn (which runs
the caller's main script again: a user's script without a main guard would run its job
twice). It opens the file itself, checks that it is still the one read, and hands back
the deflated part through a temporary file. Below ``MIN_PART`` bytes of sheet XML the
in-process way is cheaper than starting a process, and it stays.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from pyfuncs.adapters.xlsx_cached import stale_days_late
from pyfuncs.adapters.xlsx_read import WorkbookData
from pyfuncs.adapters.zip_package import Blob

INVOICES = "Factures"
# Below this much sheet XML (about 10,000 invoices), the rewrite costs less than starting
# a process (0.2 s): it is done at the commit, in the job's process.
MIN_PART = 32 << 20
# the worker's module, run by a new interpreter, and where it imports the package from
WORKER = "pyfuncs.adapters.xlsx_clock_worker"
HOME = str(Path(__file__).resolve().parents[2])


class EarlyDaysLate:
    """The invoices' sheet part with ``today``'s days late, being made by a worker process
    (``start``), taken by the commit (``parts``) or let go (``discard``)."""

    def __init__(self, today: date, proc: subprocess.Popen[bytes], request: Path,
                 out: Path, usize: int = 0) -> None:
        self.today, self._proc, self._request, self._out = today, proc, request, out
        # what a worker may take before the commit gives up on it and does it itself:
        # half a minute, plus a second per 10 MB of sheet (it needs 1.5 s for 298 MB)
        self.patience = 30 + usize / 10e6

    @classmethod
    def start(cls, path: Path, stamp: tuple[int, int], data: WorkbookData, part: str,
              usize: int) -> EarlyDaysLate | None:
        """The worker started, or None: nothing to cache, a part too small to be worth a
        process (``MIN_PART``), or no process could start (the commit then does it)."""
        if usize < MIN_PART or not sys.executable:
            return None
        today = date.today()
        stale = stale_days_late(data, today)
        if not stale or set(stale) != {INVOICES}:
            return None
        fd, request = tempfile.mkstemp(prefix="facturier-days-late-", suffix=".json")
        out = Path(request).with_suffix(".deflate")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"path": str(path), "stamp": list(stamp), "part": part,
                           "updates": stale[INVOICES], "out": str(out)}, f)
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(
                [HOME] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
            proc = subprocess.Popen(
                [sys.executable, "-m", WORKER, request], stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))
        except (OSError, ValueError):
            Path(request).unlink(missing_ok=True)
            return None
        return cls(today, proc, Path(request), out, usize)

    def parts(self) -> dict[str, Blob] | None:
        """{sheet part: its new content}, once the worker is done; None when it failed or
        the day has turned since it started (the commit then does it in process)."""
        try:
            try:
                answer, _ = self._proc.communicate(timeout=self.patience)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.communicate()
                return None
            if self._proc.returncode != 0 or self.today != date.today():
                return None
            made = json.loads(answer)
            if not made:
                return None
            return {made["part"]: Blob.deflated(self._out, made["crc"], made["usize"])}
        except (OSError, ValueError, KeyError, TypeError):
            return None
        finally:
            self._clean()

    def discard(self) -> None:
        """The job will not take it (it changed an input, or ended without writing)."""
        if self._proc.returncode is None:
            self._proc.kill()
            self._proc.communicate()
        self._clean()

    def _clean(self) -> None:
        self._request.unlink(missing_ok=True)
        self._out.unlink(missing_ok=True)
