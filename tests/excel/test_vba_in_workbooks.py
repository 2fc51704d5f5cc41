"""The VBA project inside the workbooks users get (`facturier init FILE.xlsm`,
`facturier excel-setup`), read by olevba and by LibreOffice: each module is its source.

What this cannot prove, because Excel does not run here: that Excel compiles the project
(Debug › Compile) and runs each button; the README says what to try in Excel itself."""
from __future__ import annotations

import re
import subprocess
import sys

from tests.support.libreoffice import convert, needs_libreoffice
from tests.support.vba import (
    ROOT,
    assert_modules_match_sources,
    expected_modules,
    libreoffice_modules,
    olevba_modules,
    without_attributes,
)


def facturier(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pyfuncs.cli", *args], capture_output=True,
                          text=True, check=False)


def test_init_writes_an_xlsm_whose_modules_olevba_reads_as_their_sources(tmp_path):
    book = tmp_path / "Facturation.xlsm"
    done = facturier("init", str(book))
    assert done.returncode == 0, done.stderr
    assert_modules_match_sources(olevba_modules(book))


def test_the_dashboard_buttons_call_subs_that_exist_in_the_project(tmp_path):
    import zipfile
    book = tmp_path / "Facturation.xlsm"
    assert facturier("init", str(book), "--lang", "en").returncode == 0
    with zipfile.ZipFile(book) as z:
        vml = next(z.read(n).decode() for n in z.namelist() if n.endswith(".vml"))
    code = "\n".join(olevba_modules(book).values())
    subs = set(re.findall(r"^Sub (\w+)\(\)", code, re.MULTILINE))
    wired = re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml)
    assert len(wired) == 9 and set(wired) <= subs


@needs_libreoffice
def test_libreoffice_opening_the_xlsm_shows_each_module_source(tmp_path):
    book = tmp_path / "Facturation.xlsm"
    assert facturier("init", str(book)).returncode == 0
    ods = convert(book, tmp_path / "lo", target="ods")
    found = libreoffice_modules(ods)
    expected = expected_modules()
    assert set(found) == set(expected) | {"ThisWorkbook"}
    for name, source in expected.items():
        assert without_attributes(found[name]) == without_attributes(source), name
    assert "Importer un relevé bancaire" in found["Facturier"]  # Windows-1252, decoded


@needs_libreoffice
def test_libreoffice_reads_the_modules_excel_setup_put_into_a_users_workbook(tmp_path):
    book = tmp_path / "Facturation.xlsx"
    assert facturier("init", str(book)).returncode == 0
    done = facturier("excel-setup", str(book))
    assert done.returncode == 0, done.stderr
    found = libreoffice_modules(convert(book.with_suffix(".xlsm"), tmp_path / "lo",
                                        target="ods"))
    facturier_bas = (ROOT / "macros" / "Facturier.bas").read_text(encoding="utf-8")
    assert without_attributes(found["Facturier"]) == without_attributes(facturier_bas)
    assert len(without_attributes(found["xlwings"])) > 1000
