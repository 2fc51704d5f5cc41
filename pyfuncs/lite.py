"""xlwings Lite (Python running in Excel's browser runtime): the jobs that need neither a
file system nor a network: check, aged balance, and the preview of the invoices to issue.

Lite runs each ``@xw.script`` function with the open book; the same live adapter as the
desktop buttons reads and writes it. What Lite cannot do, it does not pretend to: issuing
numbers needs the journal file beside the workbook, sending needs SMTP, so those stay with
the desktop buttons and the command line. Paste this module (and the pyfuncs package) into
xlwings Lite's editor, or install the package in its requirements.
"""
from __future__ import annotations

from contextlib import nullcontext
from datetime import date, datetime
from pathlib import Path

import xlwings as xw

from pyfuncs.adapters.workbook_live import LiveWorkbook


class LiteWorkbook(LiveWorkbook):
    """The book in Lite: no file beside it to lock, nothing to save (Excel keeps it)."""

    def __init__(self, book) -> None:
        super().__init__(book)
        self.path = Path(str(getattr(book, "name", "") or "Facturation.xlsx"))

    def lock(self):
        return nullcontext()


def _done(book, label: str, message: str) -> str:
    from pyfuncs.buttons import _status
    _status(book, f"{label} : {message} ({datetime.now():%d/%m/%Y %H:%M})")
    print(f"{label} : {message}")  # Lite shows it in its output pane
    return message


@xw.script
def controler(book: xw.Book) -> str:
    """Contrôler: findings to the Contrôles sheet, the dashboard refreshed."""
    from pyfuncs.jobs.check import run_check
    result = run_check(LiteWorkbook(book), date.today())
    c = result.counts
    return _done(book, "Contrôler", f"{c.get('error', 0)} erreur(s), {c.get('warning', 0)} "
                                    "avertissement(s) : voir la feuille Contrôles.")


@xw.script
def actualiser_balance(book: xw.Book) -> str:
    """Actualiser la balance âgée (with the checks and the dashboard)."""
    from pyfuncs.jobs.check import run_refresh
    run_refresh(LiteWorkbook(book), date.today())
    return _done(book, "Actualiser la balance âgée", "balance âgée et tableau de bord à jour.")


@xw.script
def apercu_facturation(book: xw.Book) -> str:
    """What "Générer les factures" would issue, in the Aperçu facturation sheet; numbers
    are allocated by the desktop button or the command line, which hold the journal."""
    from pyfuncs.jobs.invoicing import run_generate
    preview = run_generate(LiteWorkbook(book), date.today(), dry_run=True, preview=True)
    return _done(book, "Aperçu facturation",
                 f"{len(preview.issued)} pièce(s) à émettre : voir la feuille Aperçu "
                 "facturation (émission depuis Excel pour ordinateur ou la ligne de commande).")
