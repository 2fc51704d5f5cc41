"""Where the shipped files are. The default templates are: the repository's top-level ``templates/`` (a clone, an
editable install), else the copy a wheel installs inside the package (``pyfuncs/templates``,
mapped by pyproject.toml), so ``pip install .`` works like ``pip install -e .``."""
from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent.parent  # the pyfuncs package


def default_templates() -> Path:
    for folder in (HERE.parent / "templates", HERE / "templates"):
        if (folder / "reminders").is_dir():
            return folder
    return HERE.parent / "templates"  # reported as missing where a template is needed


def macro_sources() -> list[Path]:
    """The VBA source of the buttons (macros/*.bas, or the wheel's pyfuncs/macros copy),
    from which each macro-enabled workbook's VBA project is built."""
    for folder in (HERE.parent / "macros", HERE / "macros"):
        if any(folder.glob("*.bas")):
            return sorted(folder.glob("*.bas"))
    raise FileNotFoundError(f"{HERE.parent / 'macros'}: the buttons' VBA source "
                            "(Facturier.bas) is missing from the installation")
