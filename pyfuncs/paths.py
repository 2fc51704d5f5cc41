"""Where the shipped files are. The default templates are: the repository's top-level ``templates/`` (a clone, an
editable install), else the copy a wheel installs inside the package (``pyfuncs/templates``,
mapped by pyproject.toml), so ``pip install .`` works like ``pip install -e .``."""
from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def default_templates() -> Path:
    for folder in (HERE.parent / "templates", HERE / "templates"):
        if (folder / "reminders").is_dir():
            return folder
    return HERE.parent / "templates"  # reported as missing where a template is needed


def vba_project() -> Path:
    """The compiled VBA project of the buttons (macros/vbaProject.bin, or the wheel's
    pyfuncs/macros copy)."""
    for folder in (HERE.parent / "macros", HERE / "macros"):
        if (folder / "vbaProject.bin").is_file():
            return folder / "vbaProject.bin"
    return HERE.parent / "macros" / "vbaProject.bin"  # its absence is reported by name
