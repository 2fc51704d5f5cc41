"""LibreOffice headless as the real spreadsheet engine of the tests.

A plain ``--convert-to`` keeps stale cached values, so each run gets its own profile
whose registry forces a full recalculation on load (../shared/SPREADSHEET-ENGINES.md),
which also keeps concurrent runs from sharing (and hanging on) one profile.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


needs_libreoffice = pytest.mark.skipif(soffice() is None and not __import__("os").environ.get("CI"),
                                       reason="LibreOffice (soffice) is not installed")


def convert(path: Path, outdir: Path, target: str = "xlsx", timeout: int = 300) -> Path:
    """Open ``path`` in LibreOffice, recalculate every formula, save as ``target``.

    soffice exits 0 even when the export failed, so the output's existence is checked.
    """
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
        subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless",
                        "--calc", "--convert-to", target, "--outdir", str(outdir), str(path)],
                       check=True, capture_output=True, timeout=timeout)
    name = path.stem + "." + target.split(":")[0]
    out = outdir / name
    if not out.exists():
        raise RuntimeError(f"LibreOffice did not write {out}")
    return out
