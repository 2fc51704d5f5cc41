"""`facturier excel-setup`: a user's workbook made macro-enabled with the buttons, without
Excel, by the surgical writer: every other part byte for byte, and LibreOffice opens it."""
from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

from pyfuncs.demo.job import run_demo
from pyfuncs.jobs.check import run_check
from pyfuncs.jobs.template import vba_project
from tests.integration.test_demo_jobs import sheet_parts
from tests.support.libreoffice import convert, needs_libreoffice
from tests.support.vba import assert_modules_match_sources, olevba_modules

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 23)


def facturier(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pyfuncs.cli", *args], capture_output=True,
                          text=True, check=False)


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


@needs_libreoffice
def test_a_workbook_with_data_gets_the_macros_and_the_buttons_and_keeps_everything_else(
        tmp_path):
    summary = run_demo(tmp_path, today=TODAY, run=False)
    done = facturier("excel-setup", str(summary.workbook))
    assert done.returncode == 0, done.stderr
    out = summary.workbook.with_suffix(".xlsm")
    before, after = parts(summary.workbook), parts(out)
    dashboard = sheet_parts(out)["Tableau de bord"]
    owned = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
             dashboard, "xl/worksheets/_rels/" + dashboard.rsplit("/", 1)[1] + ".rels"}
    if date.today() != TODAY:  # the invoices' days late are cached by the clock's day
        owned.add(sheet_parts(out)["Factures"])
    assert {n for n in before if before[n] != after.get(n)} <= owned
    assert after["xl/vbaProject.bin"] == vba_project()
    assert_modules_match_sources(olevba_modules(out))
    assert "macroEnabled.main+xml" in after["[Content_Types].xml"].decode()
    assert 'codeName="ThisWorkbook"' in after["xl/workbook.xml"].decode()
    assert b"<legacyDrawing " in after[dashboard]
    vml = next(v.decode() for n, v in after.items() if n.endswith(".vml"))
    subs = set(re.findall(r"^Sub (\w+)\(\)", (ROOT / "macros" / "Facturier.bas").read_text(
        encoding="utf-8"),
                          re.MULTILINE))
    assert set(re.findall(r"\[0\]!(\w+)<", vml)) == subs
    # a job on the macro-enabled workbook keeps the macros and the buttons
    run_check(out, TODAY)
    again = parts(out)
    assert again["xl/vbaProject.bin"] == after["xl/vbaProject.bin"]
    assert next(v for n, v in again.items() if n.endswith(".vml")).decode() == vml
    assert convert(out, tmp_path / "lo").exists()  # LibreOffice opens and saves it

    done = facturier("excel-setup", str(out), "--out", str(tmp_path / "twice.xlsm"))
    assert done.returncode == 2 and "already has a VBA project" in done.stderr
    assert not (tmp_path / "twice.xlsm").exists()
    done = facturier("excel-setup", str(summary.workbook))
    assert done.returncode == 2 and "already exists" in done.stderr
