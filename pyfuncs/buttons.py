"""The workbook's buttons: each a RunPython entry point (macros/Facturier.bas).

Each takes the calling book (Book.caller(), never held at module level), runs the same job
as the command line through the live-Excel adapter, shows the steps in Excel's status
bar, writes a status line on the dashboard and ends with a message box. No traceback ever
reaches the user: an unexpected error becomes one line in the message box, the details go
to the log file the command line uses.
"""
from __future__ import annotations

import struct
import traceback
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from pyfuncs.adapters.workbook_live import LiveWorkbook, status_bar
from pyfuncs.domain import schema as S

TITLE = "Facturier"


def _caller():
    import xlwings as xw
    return xw.Book.caller()


def _today() -> date:
    return date.today()


def _log(exc: BaseException) -> str:
    from pyfuncs.cli import LOG_FILE
    try:
        with LOG_FILE.open("a", encoding="utf-8") as log:
            log.write(f"--- {datetime.now().isoformat()} (Excel)\n"
                      f"{''.join(traceback.format_exception(exc))}\n")
        return f" (détails : {LOG_FILE})"
    except OSError:
        return ""


def _known(exc: BaseException) -> str | None:
    """The one-line message of an error the user can act on, or None."""
    from pyfuncs.adapters.journal import JournalError
    from pyfuncs.adapters.xlsx_read import WorkbookError
    from pyfuncs.adapters.xlsx_write import PackageError, WorkbookLocked
    from pyfuncs.jobs.bank import BankInputError
    from pyfuncs.jobs.einvoicing import TransmitInputError
    from pyfuncs.jobs.invoicing import SettingsError
    if isinstance(exc, JournalError):
        return exc.fr
    if isinstance(exc, SettingsError):
        return "; ".join(f"{f.location()} : {f.message}" for f in exc.findings)
    if isinstance(exc, (WorkbookError, PackageError, WorkbookLocked, BankInputError,
                        TransmitInputError, ValueError)):
        return str(exc)
    return None


def _eur(amount: Decimal) -> str:
    return f"{amount:,.2f}".replace(",", "\u202f").replace(".", ",") + "\u00a0€"


def _status(book, text: str) -> None:
    """The dashboard's second line says what the last button did (best effort)."""
    try:
        name = S.sheet_name("dashboard", "fr")
        names = [s.name for s in book.sheets]
        if name not in names:
            name = S.sheet_name("dashboard", "en")
        if name in names:
            book.sheets[name].range("A2").value = text
    except Exception as exc:  # noqa: BLE001 - a status line must never hide the result
        _log(exc)


def run_button(label: str, job: Callable[[LiveWorkbook, Callable[[str], None]], str],
               book=None) -> str:
    """Run one button's job on the calling book; returns the message shown."""
    book = book if book is not None else _caller()
    app = book.app
    try:
        with status_bar(app, f"{TITLE} : {label}") as step:
            message = job(LiveWorkbook(book), step)
        _status(book, f"{label} : {message.splitlines()[0]} ({datetime.now():%d/%m/%Y %H:%M})")
    except Exception as exc:  # noqa: BLE001 - the user gets a line, never a traceback
        known = _known(exc)
        message = f"{label} : {known}" if known else \
            f"{label} : erreur inattendue ({type(exc).__name__}){_log(exc)}"
        app.alert(message, title=TITLE, mode="critical")
        return message
    app.alert(message, title=TITLE, mode="info")
    return message


# ----------------------------------------------------------------------------- the jobs
def _check(source: LiveWorkbook, step) -> str:
    from pyfuncs.jobs.check import run_check
    result = run_check(source, _today(), step)
    c = result.counts
    return (f"{c.get('error', 0)} erreur(s), {c.get('warning', 0)} avertissement(s), "
            f"{c.get('info', 0)} info : voir la feuille Contrôles.")


def _age(source: LiveWorkbook, step) -> str:
    from pyfuncs.jobs.check import run_refresh
    result = run_refresh(source, _today(), step)
    return (f"Balance âgée et tableau de bord à jour ; {result.counts.get('error', 0)} "
            "erreur(s) dans Contrôles.")


def _generate(book) -> Callable[[LiveWorkbook, Callable[[str], None]], str]:
    def job(source: LiveWorkbook, step) -> str:
        from pyfuncs.jobs.invoicing import run_generate
        preview = run_generate(source, _today(), dry_run=True, preview=True, progress=step)
        if not preview.issued:
            extra = f" ; {len(preview.findings)} point(s) à corriger" if preview.findings \
                else ""
            return f"Rien à émettre{extra}."
        total = sum((d.total for d in preview.issued), Decimal(0))
        question = (f"{len(preview.issued)} pièce(s) à émettre pour {_eur(total)} TTC "
                    "(liste dans la feuille Aperçu facturation). Émettre et numéroter "
                    "maintenant ?")
        if book.app.alert(question, title=TITLE, buttons="yes_no", mode="info") != "yes":
            return "Émission annulée : rien n'a été numéroté."
        result = run_generate(source, _today(), progress=step)
        numbers = [d.number for d in result.issued]
        shown = ", ".join(numbers[:5]) + (" …" if len(numbers) > 5 else "")
        return (f"{len(numbers)} pièce(s) émise(s) : {shown}. Voir la feuille Registre."
                + (f" {result.errors} erreur(s) : voir la liste." if result.errors else ""))
    return job


def controler(book=None) -> str:
    """Bouton « Contrôler »."""
    return run_button("Contrôler", _check, book)


def actualiser_balance(book=None) -> str:
    """Bouton « Actualiser la balance âgée »."""
    return run_button("Actualiser la balance âgée", _age, book)


def generer_factures(book=None) -> str:
    """Bouton « Générer les factures »: the dry run in a sheet, a confirmation, then the
    numbers."""
    book = book if book is not None else _caller()
    return run_button("Générer les factures", _generate(book), book)


def preparer_relances(book=None) -> str:
    """Bouton « Préparer les relances »."""
    return run_button("Préparer les relances", _reminders(send=False, book=book), book)


def envoyer_relances(book=None) -> str:
    """Bouton « Envoyer les relances » (asks for confirmation with the count)."""
    return run_button("Envoyer les relances", _reminders(send=True, book=book), book)


def envoyer_factures(book=None) -> str:
    """Bouton « Envoyer les factures »: the count, a confirmation, then SMTP, each
    document once."""
    def job(source: LiveWorkbook, step) -> str:
        from pyfuncs.jobs.sending import run_send_invoices
        preview = run_send_invoices(source, _today(), progress=step)
        count = len(preview.emails)
        if not count:
            return "Aucune facture à envoyer." + (
                f" {len(preview.findings)} point(s) à corriger." if preview.findings else "")
        caller = book if book is not None else _caller()
        if caller.app.alert(f"Envoyer {count} facture(s) et avoir(s) par email maintenant ?",
                            title=TITLE, buttons="yes_no", mode="info") != "yes":
            return "Envoi annulé : aucun email n'est parti."
        result = run_send_invoices(source, _today(), send=True, progress=step)
        sent, failed = result.count("sent"), result.count("failed")
        return f"{sent} pièce(s) envoyée(s)" + (f", {failed} en échec" if failed else "") + \
            " : voir « Envoyée le » dans Factures."
    return run_button("Envoyer les factures", job, book)


def transmettre_plateforme(book=None) -> str:
    """Bouton « Transmettre à la plateforme »: the count of documents to transmit, a
    confirmation, then each document to the approved platform once."""
    def job(source: LiveWorkbook, step) -> str:
        from pyfuncs.jobs.einvoicing import run_transmit
        preview = run_transmit(source, _today(), send=False, progress=step)
        count = preview.count("preview")
        blocked = preview.count("blocked")
        held = f" ; {blocked} bloquée(s) par les règles françaises (voir Contrôles)" \
            if blocked else ""
        if not count:
            return "Aucune pièce à transmettre" + held + "."
        caller = book if book is not None else _caller()
        if caller.app.alert(f"Transmettre {count} pièce(s) à la plateforme agréée "
                            f"maintenant (liste dans la feuille Aperçu transmission){held} ?",
                            title=TITLE, buttons="yes_no",
                            mode="info") != "yes":
            return "Transmission annulée : rien n'est parti."
        result = run_transmit(source, _today(), progress=step)
        done = result.count("sent") + result.count("already")
        bad = result.count("refused") + result.count("failed")
        return f"{done} pièce(s) transmise(s)" + (f", {bad} en échec (voir Contrôles après "
                                                  "« Mettre à jour les statuts »)"
                                                  if bad else "") + "."
    return run_button("Transmettre à la plateforme", job, book)


def mettre_a_jour_statuts(book=None) -> str:
    """Bouton « Mettre à jour les statuts »: the platform's statuses into E-facturation."""
    def job(source: LiveWorkbook, step) -> str:
        from pyfuncs.jobs.einvoicing import run_statuses
        result = run_statuses(source, _today(), progress=step)
        return (f"{result.received} nouveau(x) statut(s) ; voir les feuilles E-facturation "
                "et Cycle de vie"
                + (f", {result.errors} erreur(s) dans Contrôles." if result.errors else "."))
    return run_button("Mettre à jour les statuts", job, book)


def _reminders(send: bool, book):
    """Préparer: the preview (sheet Relances à envoyer and .eml files); Envoyer: the preview
    first, a confirmation with the count of emails the sheet says to send, then SMTP."""
    def job(source: LiveWorkbook, step) -> str:
        from pyfuncs.jobs.documents import invoice_pdf_attacher
        from pyfuncs.jobs.reminders import run_remind
        attach = invoice_pdf_attacher(source, _today())
        if not send:
            result = run_remind(source, _today(), attach=attach, progress=step)
            ready = result.count("preview")
            where = f" ; fichiers .eml dans {result.outbox}" if result.outbox else ""
            return (f"{ready} relance(s) prête(s) : voir la feuille Relances à envoyer"
                    f"{where}." + (f" {result.errors} erreur(s)." if result.errors else ""))
        preview = run_remind(source, _today(), attach=attach, progress=step)
        count = preview.count("preview")
        if not count:
            return "Aucune relance à envoyer."
        caller = book if book is not None else _caller()
        if caller.app.alert(f"Envoyer {count} email(s) de relance maintenant (sauf les "
                            "lignes à « Non » de la feuille Relances à envoyer) ?",
                            title=TITLE, buttons="yes_no", mode="info") != "yes":
            return "Envoi annulé : aucun email n'est parti."
        result = run_remind(source, _today(), send=True, attach=attach, progress=step)
        sent, failed = result.count("sent"), result.count("failed")
        return f"{sent} relance(s) envoyée(s)" + (
            f", {failed} en échec (voir la feuille Relances)" if failed else "") + "."
    return job


def chosen_files(statements: Iterable[object] | None) -> list[Path]:
    """The files picked in Excel's dialog (macros/Facturier.bas, ImporterReleve). The VBA
    passes each path as the list of its UTF-16 code units: numbers only on the RunPython
    line, which cmd.exe (%) and the Mac bridge (|) read before Python does, so no
    character of a path can break it or be lost to a code page. A path given as text
    (another caller, a test) is taken as it is."""
    out = []
    for item in statements or ():
        if isinstance(item, (str, Path)):
            out.append(Path(item))
            continue
        units = [int(u) & 0xFFFF for u in item]  # type: ignore[attr-defined]
        out.append(Path(struct.pack(f"<{len(units)}H", *units)
                        .decode("utf-16-le", "surrogatepass")))
    return out


def importer_releve(statements: Iterable[object] | None = None, book=None) -> str:
    """Bouton « Importer un relevé »: the statements chosen in Excel's file dialog go
    through the same job as `facturier bank`: certain matches into Paiements, the rest to
    confirm in Rapprochement, what the accountant confirmed there booked."""
    def job(source: LiveWorkbook, step) -> str:
        from pyfuncs.jobs.bank import run_bank
        paths = chosen_files(statements)
        if not paths:
            return "Aucun relevé choisi : rien n'a été importé."
        missing = [p.name for p in paths if not p.is_file()]
        if missing:
            raise ValueError(f"{', '.join(missing)} : fichier introuvable")
        result = run_bank(source, paths, _today(), progress=step)
        ignored = sum(s.ignored for s in result.statements)
        text = (f"{result.seen} opération(s) lue(s) : {result.new} crédit(s) nouveau(x) "
                f"({result.known} déjà importé(s), {ignored} autre(s) opération(s) "
                f"ignorée(s)"
                + (f" dont {result.refunds} remboursement(s) à des clients"
                   if result.refunds else "")
                + f", {result.refused} non importée(s)) ; {len(result.booked)} "
                f"paiement(s) enregistré(s) dans Paiements ({_eur(result.booked_amount)}) ; "
                f"{len(result.waiting)} crédit(s) à confirmer dans la feuille "
                "Rapprochement.")
        errors = [f for f in result.findings if f.severity == "error"]
        if errors:
            first = errors[0]
            where = f"{first.location()} : " if first.location() else ""
            text += f" {len(errors)} erreur(s), dont : {where}{first.message}"
        return text
    return run_button("Importer un relevé", job, book)
