"""Benchmark workbooks are cached under benchmarks/out/ (minutes to build at 100k
invoices), stamped with a fingerprint of what builds them: the schema and the demo's
generator. A cached workbook made by an older schema is rebuilt, not measured (it would
read with missing-table findings and time work a user's workbook does not do)."""
from __future__ import annotations

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyfuncs/jobs/template.py",)
# the schema and the generator (data.py and the steps it runs), one module each
FOLDERS = ("pyfuncs/domain/schema", "pyfuncs/demo")


def fingerprint() -> str:
    digest = hashlib.sha256()
    names = [*SOURCES, *sorted(str(p.relative_to(ROOT)) for folder in FOLDERS
                               for p in (ROOT / folder).glob("*.py"))]
    for name in names:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()[:16]


def is_fresh(target: Path) -> bool:
    """True when ``target`` exists and was built by the current sources."""
    stamp = target.with_name(target.name + ".built-by")
    return target.exists() and stamp.exists() and stamp.read_text().strip() == fingerprint()


def mark_built(target: Path) -> None:
    target.with_name(target.name + ".built-by").write_text(fingerprint() + "\n")


def compile_package(root: Path | None = None) -> None:
    """Compile pyfuncs' bytecode once, before any timed run, as an installed package has
    it (pip compiles it on install; Python writes it on first import). Machines that set
    PYTHONDONTWRITEBYTECODE (this one does) never write it for an editable install, and
    every timed process would then compile the whole package from source first: 0.05 s of
    a refresh that the read-floor contenders, installed packages, never pay."""
    import compileall

    compileall.compile_dir(str((root or ROOT) / "pyfuncs"), quiet=1)
