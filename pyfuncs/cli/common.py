"""What every command of `facturier` shares: the exit codes, the usage error, the log of
unexpected errors, and how results reach the terminal (a progress bar on a terminal, the
first findings, JSON)."""
from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

EXIT_OK, EXIT_FINDINGS, EXIT_UNUSABLE = 0, 1, 2
LOG_FILE = Path(tempfile.gettempdir()) / "facturier-errors.log"


class UsageError(Exception):
    """Bad input from the user: exit 2 with this one-line message."""


@contextmanager
def progress_bar(enabled: bool, steps: Sequence[str]) -> Iterator[Callable[[str], None]]:
    """A rich progress bar on a terminal; nothing at all when piped or with --json."""
    if not enabled:
        yield lambda _step: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  transient=True) as bar:
        task = bar.add_task(steps[0] if steps else "", total=len(steps))
        seen: list[str] = []

        def advance(step: str) -> None:
            if seen:
                bar.advance(task)
            seen.append(step)
            bar.update(task, description=step)

        yield advance
        bar.update(task, completed=len(steps))


def interactive(args: argparse.Namespace) -> bool:
    return sys.stdout.isatty() and not getattr(args, "json", False)


def json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def print_findings(findings: list, shown: int = 10) -> None:
    """The first findings, one line each; the rest are in the Contrôles sheet."""
    for f in findings[:shown]:
        print(f"  {f.severity:7} {f.location()}: {f.message}")
    if len(findings) > shown:
        print(f"  ... and {len(findings) - shown} more in the Contrôles sheet")


def must_exist(path: Path) -> None:
    if not path.exists():
        raise UsageError(f"{path}: file not found")
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise UsageError(f"{path}: not an .xlsx or .xlsm workbook")
