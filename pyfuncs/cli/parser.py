"""The command line's grammar: every command, its arguments and its help."""
from __future__ import annotations

import argparse
from datetime import date, datetime
from pathlib import Path
from typing import NoReturn

from pyfuncs.cli.common import EXIT_UNUSABLE


def _date(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD or DD/MM/YYYY)")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, as for every unusable input
        self.exit(EXIT_UNUSABLE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="facturier", description=(
        "Invoicing and receivables on an Excel workbook: the same jobs as the workbook's "
        "buttons, run on the file."))
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    s = sub.add_parser("init", help="create a new, empty workbook from the schema")
    s.add_argument("workbook", type=Path)
    s.add_argument("--lang", choices=("fr", "en"), default="fr",
                   help="language of sheet names, headers and lists (default fr)")
    s.add_argument("--force", action="store_true", help="overwrite an existing file")

    s = sub.add_parser("demo", help="build a demo workbook full of realistic data and run "
                                    "every job on it")
    s.add_argument("--dir", type=Path, default=Path("demo"),
                   help="folder for the workbook and the outputs (default ./demo)")
    s.add_argument("--invoices", type=_positive, default=None,
                   help="number of invoices (default: a realistic small company, ~500)")
    s.add_argument("--no-run", action="store_true", help="build the workbook only")
    s.add_argument("--no-platform", action="store_true",
                   help="skip the transmission to the local stand-in platform (started on "
                        "127.0.0.1 from the project's checkout; no real PA)")
    s.add_argument("--date", type=_date, default=None, help="today's date for the demo")
    s.add_argument("--lang", choices=("fr", "en"), default="fr")

    s = sub.add_parser("generate", help=(
        "issue invoices from accepted quotes (deposits, milestones, final), validated time, "
        "drafts marked to issue and credit notes; number them through the journal"))
    s.add_argument("workbook", type=Path)
    s.add_argument("--date", type=_date, default=None,
                   help="issue date (default: today); numbers follow dates within a series")
    s.add_argument("--dry-run", action="store_true",
                   help="list what would be issued, with the expected numbers; allocate and "
                        "write nothing")
    s.add_argument("--preview", action="store_true",
                   help="with --dry-run: also write the list to the Aperçu facturation sheet")
    s.add_argument("--json", action="store_true",
                   help='print {"issued": [...], "findings": [...]}')

    s = sub.add_parser("check", help="check the workbook; findings go to the Contrôles sheet")
    s.add_argument("workbook", type=Path)
    s.add_argument("--json", action="store_true", help='print {"findings": [...]}')
    s.add_argument("--date", type=_date, default=None, help="today's date (default: today)")

    s = sub.add_parser("refresh", help=(
        "what the button 'Actualiser la balance âgée' does: the checks, the aged balance "
        "and the dashboard, in one read of the workbook"))
    s.add_argument("workbook", type=Path)
    s.add_argument("--as-of", type=_date, default=None,
                   help="the date of the balance and of the checks (default: today)")
    s.add_argument("--json", action="store_true",
                   help='print {"findings": [...], "counts": {...}, "aged_balance": {...}}')

    s = sub.add_parser("age", help="aged balance as of a date")
    s.add_argument("workbook", type=Path)
    s.add_argument("--as-of", type=_date, default=None)
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("remind", help="prepare (and send) reminder emails")
    s.add_argument("workbook", type=Path)
    s.add_argument("--as-of", type=_date, default=None)
    s.add_argument("--send", action="store_true")
    s.add_argument("--outbox", type=Path, default=None)

    s = sub.add_parser("pdf", help="write invoice PDFs (Factur-X)")
    s.add_argument("workbook", type=Path)
    s.add_argument("numbers", nargs="*", metavar="NUMBER",
                   help="numbers of the issued documents to print (default: all)")
    s.add_argument("--out", type=Path, required=True,
                   help="folder for the PDFs, one NUMBER.pdf per document")

    s = sub.add_parser("excel-setup", help=(
        "make a macro-enabled copy (.xlsm) of a workbook with the VBA macros and the "
        "dashboard's buttons, for Excel with xlwings"))
    s.add_argument("workbook", type=Path)
    s.add_argument("--out", type=Path, default=None,
                   help="the .xlsm to write (default: the workbook's name with .xlsm)")
    s.add_argument("--force", action="store_true", help="replace an existing --out file")

    s = sub.add_parser("upgrade", help=(
        "add to the workbook's Tables the optional columns a newer version brought (at "
        "each Table's right end, with their headers and lists); nothing else changes"))
    s.add_argument("workbook", type=Path)
    s.add_argument("--dry-run", action="store_true",
                   help="list the columns each Table would gain; write nothing")
    s.add_argument("--json", action="store_true", help='print {"tables": [...], ...}')

    s = sub.add_parser("bank", help=(
        "import bank statements (camt.053, CSV): book the payments they match, list the "
        "rest in the Rapprochement sheet"))
    s.add_argument("workbook", type=Path)
    s.add_argument("statements", type=Path, nargs="+", metavar="STATEMENT")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("journal", help="the journal of issued documents: move it to the "
                       "PostgreSQL database a team shares")
    jsub = s.add_subparsers(dest="journal_command", required=True)
    m = jsub.add_parser("migrate", help=(
        "copy the workbook's SQLite journal into PostgreSQL, verify its hash chain there, "
        "and switch Paramètres › Journal to the URL; safe to rerun after an interruption"))
    m.add_argument("workbook", type=Path)
    m.add_argument("--to", required=True, metavar="URL",
                   help="postgresql://USER@SERVER/DATABASE, without the password "
                        "(FACTURIER_JOURNAL_PASSWORD, PGPASSWORD, ~/.pgpass or the keyring)")

    s = sub.add_parser("send-invoices", help=(
        "email the issued invoices, deposits and credit notes not sent yet, their Factur-X "
        "PDF attached (a preview of .eml files unless --send)"))
    s.add_argument("workbook", type=Path)
    s.add_argument("--send", action="store_true",
                   help="send over SMTP (Paramètres, FACTURIER_SMTP_* variables); each "
                        "document once")
    s.add_argument("--outbox", type=Path, default=None,
                   help="folder for the .eml preview (default WORKBOOK-factures/)")

    s = sub.add_parser("transmit", help=(
        "list (Aperçu transmission sheet) the issued invoices, deposits and credit notes "
        "not yet with the approved platform, with their routing address; --send hands "
        "each to it, once (FACTURIER_PA_* variables or Paramètres)"))
    s.add_argument("workbook", type=Path)
    s.add_argument("--send", action="store_true",
                   help="send them to the platform; without it nothing leaves")
    s.add_argument("--dry-run", action="store_true",
                   help="the preview (the default; kept for scripts written for it)")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("ereport", help=(
        "write the e-reporting files of a period (sales abroad and to private persons, "
        "their payments), listed in the E-reporting sheet; --send hands them to the "
        "platform, once"))
    s.add_argument("workbook", type=Path)
    s.add_argument("--period", required=True,
                   help="2026-11 (a month), 2026-11-D2 (ten days), 2026-B6 (two months)")
    s.add_argument("--send", action="store_true")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("statuses", help=(
        "bring back the platform's lifecycle statuses into the E-facturation sheet; a "
        "rejected or refused document is a finding in Contrôles"))
    s.add_argument("workbook", type=Path)
    s.add_argument("--json", action="store_true")
    return p
