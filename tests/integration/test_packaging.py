"""A wheel (pip install ., not -e) carries the default templates and the buttons' VBA
source, where pyfuncs/adapters/paths.py looks for them when there is no repository around."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_ships_templates_and_macros(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                           "-w", str(tmp_path), str(ROOT)],
                          capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    wheel = next(tmp_path.glob("facturier-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.relative_to(ROOT / "templates").as_posix()
               for p in (ROOT / "templates").rglob("*") if p.is_file()
               and "__pycache__" not in p.parts}
    assert shipped and {f"pyfuncs/templates/{name}" for name in shipped} <= names
    assert "pyfuncs/macros/Facturier.bas" in names  # the VBA project is built from it
    assert "pyfuncs/templates/reminders/_layout.fr.html" in names
