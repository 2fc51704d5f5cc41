"""Render one sheet of a workbook to PNG through LibreOffice (for the README).

    python docs/picture.py demo/Facturation-demo.xlsx "Tableau de bord" docs/demo-dashboard.png

The nogui LibreOffice has no PNG export: export one PDF page per sheet, then pdftoppm.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import python_calamine  # noqa: E402

from tests.support.libreoffice import convert  # noqa: E402

PDF_ONE_PAGE_PER_SHEET = 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'


def render(workbook: Path, sheet: str, png: Path, dpi: int = 80) -> Path:
    names = python_calamine.CalamineWorkbook.from_path(str(workbook)).sheet_names
    page = names.index(sheet) + 1
    with tempfile.TemporaryDirectory() as tmp:
        pdf = convert(workbook, Path(tmp), target=PDF_ONE_PAGE_PER_SHEET)
        stem = png.with_suffix("")
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
                        "-singlefile", str(pdf), str(stem)], check=True)
    return png


if __name__ == "__main__":
    book, sheet_name, out = sys.argv[1], sys.argv[2], sys.argv[3]
    print(render(Path(book), sheet_name, Path(out)))
