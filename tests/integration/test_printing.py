"""The report sheets print on A4 as a person expects, read from the written XML parts.

The demo is built and its jobs run; each output sheet is then read as Excel reads it:
its page set-up, the rows printed on every page, the aged balance's TOTAL row and filter,
the header widths, and the dashboard charts' value axes.
"""
from __future__ import annotations

import math
import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from pyfuncs.demo.job import run_demo
from pyfuncs.domain import schema as S
from tests.support.libreoffice import convert, needs_libreoffice

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return run_demo(tmp_path_factory.mktemp("print"), today=TODAY).workbook


def parts(path: Path) -> dict[str, str]:
    """Sheet name -> its worksheet part's XML."""
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        target = {m[0]: m[1] for m in re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels)}
        return {name: z.read("xl/" + target[rid].removeprefix("/xl/")).decode()
                for name, rid in re.findall(r'<sheet name="([^"]+)"[^>]*r:id="([^"]+)"',
                                            book)}


def lines_needed(label: str, width: float) -> int:
    """Lines a bold label takes in a column of that width, wrapped at spaces (about 1.1
    width units a character in bold, 1.5 of padding)."""
    per_line = max(1, math.floor((width - 1.5) / 1.1))
    lines, current = 1, ""
    for word in label.split():
        if len(word) > per_line:
            return 99  # a word cut in two: clipped
        candidate = f"{current} {word}".strip()
        if len(candidate) > per_line:
            lines, current = lines + 1, word
        else:
            current = candidate
    return lines


def test_every_report_sheet_prints_on_a4_fitted_to_width_its_header_repeated(demo) -> None:
    xml = parts(demo)
    wb = openpyxl.load_workbook(demo)
    for sheet in S.output_sheets():
        name = sheet.fr
        part = xml[name]
        setup = re.search(r"<pageSetup\b[^>]*>", part)
        assert setup, name
        assert 'paperSize="9"' in setup[0], name
        assert re.search(r'<pageSetUpPr fitToPage="1"/>', part), name
        ws = wb[name]
        widths = [ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width or 8.43
                  for j in range(1, ws.max_column + 1)]
        if sum(widths) > 95:
            assert 'orientation="landscape"' in setup[0], name
        if sheet.key == "dashboard":
            # one page, charts whole: fit to one page each way, landscape
            assert ws.page_setup.fitToHeight in (None, 1) and ws.page_setup.fitToWidth in (None, 1)
            assert 'orientation="landscape"' in setup[0]
        else:
            assert ws.page_setup.fitToWidth in (None, 1), name
            assert ws.page_setup.fitToHeight == 0, name  # as many pages down as needed
            assert ws.print_title_rows == "$3:$3", name


def test_the_aged_balance_total_row_stands_out_and_stays_out_of_the_filter(demo) -> None:
    ws = openpyxl.load_workbook(demo)["Balance âgée"]
    total = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == "TOTAL")
    for col in range(1, ws.max_column + 1):
        cell = ws.cell(total, col)
        if cell.value is not None:
            assert cell.font.b and cell.border.top.style == "thin", cell.coordinate
    for col in range(1, ws.max_column + 1):
        assert not ws.cell(total - 1, col).font.b  # a client's row is not
    first, last = ws.auto_filter.ref.split(":")
    assert first == "A3" and int(re.sub(r"[A-Z]", "", last)) == total - 1
    with zipfile.ZipFile(demo) as z:
        book = z.read("xl/workbook.xml").decode()
    hidden = re.search(r"_xlnm._FilterDatabase\"[^>]*>'Balance âgée'!\$A\$3:\$[A-Z]+\$(\d+)<",
                       book)
    assert hidden and int(hidden[1]) == total - 1


def test_every_header_of_the_aged_balance_shows_whole_on_two_lines(demo) -> None:
    ws = openpyxl.load_workbook(demo)["Balance âgée"]
    assert ws.row_dimensions[3].height >= 30  # two lines of the bold header
    for col in range(1, ws.max_column + 1):
        label = ws.cell(3, col).value
        width = ws.column_dimensions[openpyxl.utils.get_column_letter(col)].width
        assert ws.cell(3, col).alignment.wrap_text, label
        assert lines_needed(label, width) <= 2, (label, width)


def test_the_dashboard_charts_value_axes_have_a_number_format(demo) -> None:
    with zipfile.ZipFile(demo) as z:
        charts = [z.read(n).decode() for n in z.namelist()
                  if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
    assert len(charts) == 2
    for chart in charts:
        axis = re.search(r"<c:valAx>.*?</c:valAx>", chart, re.DOTALL)[0]
        fmt = re.search(r'<c:numFmt formatCode="([^"]*)" sourceLinked="0"/>', axis)
        assert fmt and fmt[1] != "General"
    assert any("€" in c for c in charts)


@needs_libreoffice
@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_libreoffice_prints_the_dashboard_and_the_aged_balance_on_one_page_each(
        demo, tmp_path) -> None:
    """Printed by LibreOffice, the demo's dashboard (charts included) and its aged balance
    take one page each (three and four before they had a page set-up)."""
    pdf = convert(demo, tmp_path, target="pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    firsts = [page.strip().splitlines()[0] if page.strip() else "" for page in
              text.split("\f")]
    def pages_of(title: str) -> int:
        start = next(k for k, line in enumerate(firsts) if line.startswith(title + " :"))
        following = [k for k, line in enumerate(firsts) if k > start and " : écrit par " in line
                     or k > start and line.startswith(("Clé", "Registre"))]
        return (min(following) if following else len(firsts)) - start
    assert pages_of("Tableau de bord") == 1
    assert pages_of("Balance âgée") == 1
