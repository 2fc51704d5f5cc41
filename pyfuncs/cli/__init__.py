"""The `facturier` command: the same jobs as the Excel buttons, on a workbook file.

Exit codes: 0 done; 1 done, but errors were found or messages failed; 2 unusable input
or usage, with one line naming the file (and sheet, row, column where it applies).
No traceback ever reaches the user: an unexpected error is written to a log file and
summarised in one line.
"""
from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from datetime import datetime

from pyfuncs.cli.commands import COMMANDS
from pyfuncs.cli.common import EXIT_UNUSABLE, LOG_FILE, UsageError
from pyfuncs.cli.parser import build_parser

__all__ = ["LOG_FILE", "build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"facturier: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print("facturier: interrupted; the workbook was not changed", file=sys.stderr)
        return EXIT_UNUSABLE
    except Exception as exc:  # noqa: BLE001 - the one place that turns errors into a line
        return _report(exc)


def _report(exc: Exception) -> int:
    """Known input errors -> their own one line; anything else -> one line + a log file."""
    from pyfuncs.adapters.journal import JournalError
    from pyfuncs.adapters.xlsx_read import WorkbookError
    from pyfuncs.adapters.xlsx_write import PackageError, WorkbookLocked
    if isinstance(exc, (WorkbookError, PackageError, WorkbookLocked, JournalError)):
        print(f"facturier: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"facturier: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    try:
        with LOG_FILE.open("a", encoding="utf-8") as log:
            log.write(f"--- {datetime.now().isoformat()}\n{traceback.format_exc()}\n")
        where = f" (details in {LOG_FILE})"
    except OSError:
        where = ""
    print(f"facturier: unexpected error: {type(exc).__name__}: {exc}{where}", file=sys.stderr)
    return EXIT_UNUSABLE
