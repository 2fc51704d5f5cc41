"""The buttons' VBA project as programs we did not write read it.

- oletools' olevba (an independent implementation of MS-OVBA: its own compound file
  reader, dir stream parser and decompressor) gives each module's source;
- LibreOffice, converting the workbook to .ods, writes each module it imported into the
  document's Basic library (Basic/<library>/<module>.xml).
What each module must hold is read from the sources themselves: macros/*.bas, and the
installed xlwings' xlwings.bas and standalone quickstart workbook (read by olevba too).
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[2]


def olevba_modules(path_or_bytes: Path | bytes) -> dict[str, str]:
    """{module name: source} of a vbaProject.bin or a workbook, as olevba decodes it."""
    from oletools.olevba import VBA_Parser

    if isinstance(path_or_bytes, Path):
        parser = VBA_Parser(str(path_or_bytes))
    else:
        parser = VBA_Parser("vbaProject.bin", data=path_or_bytes)
    try:
        out = {}
        for _file, stream, _name, code in parser.extract_macros():
            name = stream.rsplit("/", 1)[-1]
            assert name not in out, f"two modules named {name}"
            out[name] = code if isinstance(code, str) else code.decode("cp1252")
        return out
    finally:
        parser.close()


def source_lines(text: str) -> list[str]:
    """A module's lines, whatever its line endings, without trailing blank lines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def xlwings_folder() -> Path:
    import xlwings
    return Path(xlwings.__file__).parent


def expected_modules() -> dict[str, str]:
    """What the project must hold, from the sources: each .bas of macros/ under its
    VB_Name, xlwings.bas, and the Dictionary class of xlwings' standalone quickstart."""
    out = {}
    for bas in sorted((ROOT / "macros").glob("*.bas")):
        text = bas.read_text(encoding="utf-8")
        out[re.match(r'Attribute VB_Name = "(\w+)"', text)[1]] = text
    out["xlwings"] = (xlwings_folder() / "xlwings.bas").read_bytes().decode("cp1252")
    with zipfile.ZipFile(xlwings_folder() / "quickstart_standalone.xlsm") as z:
        shipped = olevba_modules(z.read("xl/vbaProject.bin"))
    out["Dictionary"] = shipped["Dictionary"]
    return out


def assert_modules_match_sources(found: dict[str, str]) -> None:
    """Every module is its source, line for line; ThisWorkbook holds attributes only."""
    expected = expected_modules()
    assert set(found) == set(expected) | {"ThisWorkbook"}, sorted(found)
    for name, text in expected.items():
        got, want = source_lines(found[name]), source_lines(text)
        for k, (a, b) in enumerate(zip(got, want, strict=False), 1):
            assert a == b, f"module {name}, line {k}: {a!r} != {b!r}"
        assert len(got) == len(want), f"module {name}: {len(got)} lines, source {len(want)}"
    assert all(line.startswith("Attribute ") for line in source_lines(found["ThisWorkbook"]))


def libreoffice_modules(ods: Path) -> dict[str, str]:
    """{module name: source} of the Basic library LibreOffice made of the VBA project."""
    ns = "{http://openoffice.org/2000/script}"
    out = {}
    with zipfile.ZipFile(ods) as z:
        for name in z.namelist():
            if name.startswith("Basic/") and name.endswith(".xml") and "script-l" not in name:
                root = ElementTree.fromstring(z.read(name))
                out[root.get(f"{ns}name")] = root.text or ""
    return out


def without_attributes(text: str) -> list[str]:
    """The lines of a module's code: LibreOffice drops the Attribute lines and the header
    it adds (Rem Attribute VBA_ModuleType=..., Option VBASupport 1, Option ClassModule)."""
    return [line for line in source_lines(text)
            if not line.startswith(("Attribute ", "Rem Attribute VBA_ModuleType=",
                                    "Option VBASupport 1", "Option ClassModule"))]
