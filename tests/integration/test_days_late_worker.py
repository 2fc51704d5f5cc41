"""Today's days late made by a worker process while the refresh computes
(adapters/xlsx_clock.py): the same sheet, byte for byte, as the in-process way, and
nothing left behind whether the commit takes it or not.

The worker only runs for a big invoices' sheet; here ``MIN_PART`` is lowered so the
demo workbook (a real file, a real second interpreter) takes that way.
"""
from __future__ import annotations

import shutil
import tempfile
import time
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from pyfuncs.adapters import xlsx_clock
from pyfuncs.adapters.workbook_file import FileWorkbook
from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.demo.job import build_demo
from pyfuncs.jobs.aging import run_age
from pyfuncs.jobs.check import run_refresh


@pytest.fixture
def two_days_old(tmp_path) -> Path:
    """The demo built two days ago: every late invoice's cached days late is stale."""
    path, _ = build_demo(tmp_path / "demo", invoices=None,
                         today=date.today() - timedelta(days=2))
    return path


@pytest.fixture
def own_temp(tmp_path, monkeypatch) -> Path:
    """The worker's temporary files go here (the child inherits TMPDIR), to be counted."""
    where = tmp_path / "tmp"
    where.mkdir()
    monkeypatch.setenv("TMPDIR", str(where))
    monkeypatch.setattr(tempfile, "tempdir", str(where))
    return where


def invoices_sheet(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        table = next(n for n in z.namelist() if n.startswith("xl/tables/")
                     and b'displayName="Factures"' in z.read(n))
        rels = [n for n in z.namelist() if n.startswith("xl/worksheets/_rels/")]
        sheet = next(r.replace("_rels/", "").removesuffix(".rels") for r in rels
                     if table.rsplit("/", 1)[1].encode() in z.read(r))
        return z.read(sheet)


def started(monkeypatch) -> list[xlsx_clock.EarlyDaysLate | None]:
    """Each worker start, recorded (None: it was not worth a process)."""
    seen: list[xlsx_clock.EarlyDaysLate | None] = []
    real = xlsx_clock.EarlyDaysLate.start.__func__  # type: ignore[attr-defined]

    def spy(cls, *args, **kwargs):
        seen.append(real(cls, *args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(xlsx_clock.EarlyDaysLate, "start", classmethod(spy))
    return seen


@pytest.mark.parametrize("job", [run_refresh, run_age])
def test_the_worker_writes_the_sheet_the_commit_would_have_written(
        two_days_old, own_temp, monkeypatch, job) -> None:
    in_process = two_days_old.with_name("in-process.xlsx")
    shutil.copy2(two_days_old, in_process)
    job(in_process, date.today())  # MIN_PART as shipped: the demo is too small for it

    seen = started(monkeypatch)
    monkeypatch.setattr(xlsx_clock, "MIN_PART", 0)
    job(two_days_old, date.today())
    assert len(seen) == 1 and seen[0] is not None  # the worker did it

    assert invoices_sheet(two_days_old) == invoices_sheet(in_process)
    before = read_workbook(in_process, ["Factures"]).tables["Factures"].cached["days_late"]
    after = read_workbook(two_days_old, ["Factures"]).tables["Factures"].cached["days_late"]
    assert after == before and sum(1 for d in after if d) > 5
    assert list(own_temp.iterdir()) == []  # its request and its part are gone


def test_a_job_that_changes_an_input_lets_the_worker_go(
        two_days_old, own_temp, monkeypatch) -> None:
    """A payment appended: the days late come with the balances, from the written file;
    the worker's part is not taken, and its files go."""
    monkeypatch.setattr(xlsx_clock, "MIN_PART", 0)
    seen = started(monkeypatch)
    data = read_workbook(two_days_old)
    writer = FileWorkbook(two_days_old).writer(read=data)
    assert seen[0] is not None
    invoice = data.tables["Factures"]
    i = next(k for k, d in enumerate(invoice.cached["days_late"]) if d)
    writer.append_rows("Paiements", [{
        "Date": date.today(), "N° facture": invoice.cols["number"][i],
        "Montant": invoice.cached["balance"][i]}])
    writer.commit()
    after = read_workbook(two_days_old, ["Factures"]).tables["Factures"]
    assert after.cached["balance"][i] == Decimal("0.00")
    assert after.cached["days_late"][i] == 0  # the balance paid: no longer late
    assert list(own_temp.iterdir()) == []


def test_a_writer_dropped_without_a_commit_leaves_nothing(
        two_days_old, own_temp, monkeypatch) -> None:
    monkeypatch.setattr(xlsx_clock, "MIN_PART", 0)
    seen = started(monkeypatch)
    writer = FileWorkbook(two_days_old).writer(read=read_workbook(two_days_old))
    proc = seen[0]._proc  # type: ignore[union-attr]
    del writer
    assert proc.returncode is not None  # stopped (or done) and waited for
    assert list(own_temp.iterdir()) == []


def test_a_worker_that_fails_leaves_the_commit_to_do_it(
        two_days_old, own_temp, monkeypatch) -> None:
    """No interpreter to start: the commit caches the days late itself, as before."""
    monkeypatch.setattr(xlsx_clock, "MIN_PART", 0)
    monkeypatch.setattr(xlsx_clock.sys, "executable", str(own_temp / "no-python"))
    seen = started(monkeypatch)
    run_refresh(two_days_old, date.today())
    assert seen == [None]
    late = read_workbook(two_days_old, ["Factures"]).tables["Factures"]
    assert sum(1 for d in late.cached["days_late"] if d) > 5
    assert list(own_temp.iterdir()) == []


def test_a_worker_that_never_answers_is_stopped_and_the_commit_does_it(
        two_days_old, own_temp, monkeypatch) -> None:
    monkeypatch.setattr(xlsx_clock, "MIN_PART", 0)
    monkeypatch.setattr(xlsx_clock, "WORKER", "tests.support.stuck_worker")
    seen = started(monkeypatch)
    real_init = xlsx_clock.EarlyDaysLate.__init__

    def impatient(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        self.patience = 0.5

    monkeypatch.setattr(xlsx_clock.EarlyDaysLate, "__init__", impatient)
    started_at = time.monotonic()
    run_refresh(two_days_old, date.today())
    assert time.monotonic() - started_at < 60  # not the worker's two minutes
    proc = seen[0]._proc  # type: ignore[union-attr]
    assert proc.returncode is not None  # stopped
    late = read_workbook(two_days_old, ["Factures"]).tables["Factures"]
    assert sum(1 for d in late.cached["days_late"] if d) > 5
    assert list(own_temp.iterdir()) == []
