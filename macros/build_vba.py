"""Compile macros/*.bas, with xlwings' own standalone VBA module, into macros/vbaProject.bin:
the VBA project `facturier init FILE.xlsm` puts into a new workbook, so the buttons' Subs
(Facturier.bas) and RunPython (xlwings.bas, BSD-3-clause, copied from the installed
xlwings) travel inside the file with no add-in needed on Windows.

ms-ovba (PyPI) writes the MS-OVBA compound file from VBA source; it is needed only to
rebuild the committed bin:  pip install ms-ovba && python macros/build_vba.py
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = HERE / "vbaProject.bin"


def build() -> Path:
    import xlwings
    try:
        import ms_ovba.__main__ as ovba_cli
    except ImportError:
        sys.exit("pip install ms-ovba, then run again")
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for bas in sorted(HERE.glob("*.bas")):
            text = bas.read_text(encoding="utf-8")
            # VBA source is stored in the ANSI code page: keep the accents as Windows-1252
            (src / bas.name).write_bytes(text.replace("\r\n", "\n").replace("\n", "\r\n")
                                         .encode("cp1252"))
        shutil.copyfile(Path(xlwings.__file__).parent / "xlwings.bas", src / "xlwings.bas")
        os.chdir(tmp)  # ms-ovba writes its intermediate streams in the current folder
        try:
            sys.argv = ["ms_ovba", "src"]
            ovba_cli.main()
        finally:
            os.chdir(cwd)
        BIN.write_bytes((Path(tmp) / "vbaProject.bin").read_bytes())
    return BIN


if __name__ == "__main__":
    print(build())
