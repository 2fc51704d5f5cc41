"""The `facturier` command: the same jobs as the Excel buttons, on a workbook file.

Exit codes: 0 done; 1 done, but errors were found or messages failed; 2 unusable input
or usage, with one line naming the file (and sheet, row, column where it applies).
No traceback ever reaches the user: an unexpected error is written to a log file and
summarised in one line.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import NoReturn

EXIT_OK, EXIT_FINDINGS, EXIT_UNUSABLE = 0, 1, 2
LOG_FILE = Path(tempfile.gettempdir()) / "facturier-errors.log"


class UsageError(Exception):
    """Bad input from the user: exit 2 with this one-line message."""


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


# Commands whose job another issue builds; until then they say so plainly.
NOT_YET: dict[str, str] = {}


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


def _interactive(args: argparse.Namespace) -> bool:
    return sys.stdout.isatty() and not getattr(args, "json", False)


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def cmd_init(args: argparse.Namespace) -> int:
    from pyfuncs.jobs.template import build_workbook
    path: Path = args.workbook
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise UsageError(f"{path}: the workbook must be an .xlsx file (or .xlsm: with the "
                         "VBA macros and the buttons)")
    if path.exists() and not args.force:
        raise UsageError(f"{path}: already exists; use --force to replace it")
    if not path.parent.exists():
        raise UsageError(f"{path.parent}: folder not found")
    build_workbook(path, lang=args.lang)
    print(f"Workbook created: {path}")
    return EXIT_OK


def _print_findings(findings: list, shown: int = 10) -> None:
    """The first findings, one line each; the rest are in the Contrôles sheet."""
    for f in findings[:shown]:
        print(f"  {f.severity:7} {f.location()}: {f.message}")
    if len(findings) > shown:
        print(f"  ... and {len(findings) - shown} more in the Contrôles sheet")


def cmd_check(args: argparse.Namespace) -> int:
    from pyfuncs.jobs.check import run_check
    _must_exist(args.workbook)
    today = args.date or date.today()
    with progress_bar(_interactive(args), ["read", "compute", "check", "write"]) as step:
        result = run_check(args.workbook, today, step)
    if args.json:
        print(json.dumps({"findings": [f.as_dict() for f in result.findings],
                          "counts": result.counts}, default=_json_default,
                         ensure_ascii=False, indent=1))
    else:
        c = result.counts
        print(f"{args.workbook}: {c.get('error', 0)} error(s), {c.get('warning', 0)} "
              f"warning(s), {c.get('info', 0)} info; see the Contrôles sheet.")
        _print_findings(result.findings)
    return EXIT_FINDINGS if result.errors else EXIT_OK


def cmd_refresh(args: argparse.Namespace) -> int:
    from pyfuncs.jobs.check import run_refresh
    _must_exist(args.workbook)
    as_of = args.as_of or date.today()
    with progress_bar(_interactive(args), ["read", "compute", "check", "write"]) as step:
        result = run_refresh(args.workbook, as_of, step)
    balance = result.balance
    assert balance is not None  # the refresh computes it
    if args.json:
        print(json.dumps({"findings": [f.as_dict() for f in result.findings],
                          "counts": result.counts, "aged_balance": balance.as_json()},
                         default=_json_default, ensure_ascii=False, indent=1))
        return EXIT_FINDINGS if result.errors else EXIT_OK
    c = result.counts
    print(f"{args.workbook}: as of {as_of:%d/%m/%Y}, {c.get('error', 0)} error(s), "
          f"{c.get('warning', 0)} warning(s), {c.get('info', 0)} info (Contrôles sheet); "
          f"aged balance of {len(balance.clients)} client(s), {balance.total:,.2f} "
          f"{balance.currency} (Balance âgée sheet); dashboard refreshed.")
    _print_findings(result.findings)
    return EXIT_FINDINGS if result.errors else EXIT_OK


def cmd_age(args: argparse.Namespace) -> int:
    from pyfuncs.jobs.aging import run_age
    _must_exist(args.workbook)
    as_of = args.as_of or date.today()
    with progress_bar(_interactive(args), ["read", "compute", "write"]) as step:
        balance = run_age(args.workbook, as_of, step)
    if args.json:
        print(json.dumps(balance.as_json(), default=_json_default, ensure_ascii=False,
                         indent=1))
        return EXIT_FINDINGS if any(f.severity == "error" for f in balance.findings) \
            else EXIT_OK
    width = max([len(label) for label in balance.labels] + [10])
    print(f"{args.workbook}: aged balance as of {as_of:%d/%m/%Y} ({balance.currency}), "
          f"{len(balance.clients)} client(s); see the Balance âgée sheet.")
    for label, amount in zip(balance.labels, balance.totals):
        print(f"  {label:<{width}} {amount:>14,.2f}")
    print(f"  {'Total':<{width}} {balance.total:>14,.2f}")
    for f in balance.findings[:5]:
        print(f"  {f.severity:7} {f.location()}: {f.message}")
    # a client's balance that leaves unreadable rows out is incomplete: an error
    return EXIT_FINDINGS if any(f.severity == "error" for f in balance.findings) else EXIT_OK


def cmd_generate(args: argparse.Namespace) -> int:
    from pyfuncs.jobs.invoicing import SettingsError, run_generate
    _must_exist(args.workbook)
    if args.preview and not args.dry_run:
        raise UsageError("--preview goes with --dry-run (a real run clears the preview)")
    day = args.date or date.today()
    try:
        with progress_bar(_interactive(args), ["read", "compute", "plan", "number",
                                               "write"]) as step:
            result = run_generate(args.workbook, day, dry_run=args.dry_run,
                                  preview=args.preview, progress=step)
    except SettingsError as err:
        if args.json:
            print(json.dumps({"issued": [], "findings": [f.as_dict() for f in err.findings]},
                             default=_json_default, ensure_ascii=False, indent=1))
        for f in err.findings:
            print(f"facturier: {f.location()}: {f.message}", file=sys.stderr)
        return EXIT_UNUSABLE
    if args.json:
        print(json.dumps({"issued": [d.as_json() for d in result.issued],
                          "replayed": result.replayed, "dry_run": result.dry_run,
                          "findings": [f.as_dict() for f in result.findings]},
                         default=_json_default, ensure_ascii=False, indent=1))
    else:
        verb = "would issue" if result.dry_run else "issued"
        print(f"{args.workbook}: {verb} {len(result.issued)} document(s) dated "
              f"{day:%d/%m/%Y}" + (f"; {len(result.replayed)} replayed from the journal"
                                   if result.replayed else "") + ".")
        for d in result.issued[:30]:
            print(f"  {d.number:<16} {d.kind:<11} {d.client:<10} {d.total:>12,.2f}  "
                  f"{d.subject}")
        if len(result.issued) > 30:
            print(f"  ... and {len(result.issued) - 30} more")
        for f in result.findings[:10]:
            print(f"  {f.severity:7} {f.location()}: {f.message}")
        if len(result.findings) > 10:
            print(f"  ... and {len(result.findings) - 10} more (use --json for all)")
    return EXIT_FINDINGS if result.errors else EXIT_OK


def _invoice_pdf(path: Path, day: date) -> Callable[[str], bytes | None] | None:
    """The invoice PDF renderer as ``number -> PDF bytes``, to attach invoices
    to reminders; None where it is not installed."""
    try:
        from pyfuncs.jobs.documents import invoice_pdf_attacher
    except ImportError:
        return None
    return invoice_pdf_attacher(path, day)


def cmd_remind(args: argparse.Namespace) -> int:
    from pyfuncs.jobs.reminders import RemindInputError, run_remind, sent_summary
    _must_exist(args.workbook)
    as_of = args.as_of or date.today()
    try:
        steps = ["read", "compute", "plan", "render"] + (["send"] if args.send else []) + \
            ["write"]
        with progress_bar(_interactive(args), steps) as step:
            result = run_remind(args.workbook, as_of, send=args.send, outbox=args.outbox,
                                attach=_invoice_pdf(args.workbook, as_of),
                                progress=step)
    except RemindInputError as err:
        print(f"facturier: {err}", file=sys.stderr)
        return EXIT_UNUSABLE
    counts = sent_summary(result)
    if args.send:
        print(f"{args.workbook}: {counts['sent']} reminder(s) sent, {counts['failed']} "
              f"failed, {counts['skipped']} set to no, as of {as_of:%d/%m/%Y}"
              + (f"; {result.replayed} logged from the journal" if result.replayed else "")
              + "; see the Relances sheet.")
    else:
        print(f"{args.workbook}: {counts['preview']} reminder(s) to send as of "
              f"{as_of:%d/%m/%Y}, listed in the Relances à envoyer sheet; .eml files in "
              f"{result.outbox}. Send them with: facturier remind {args.workbook} --send")
    for out in result.emails[:30]:
        m = out.mailing
        print(f"  {out.status:8} {m.kind:6} {m.client or '-':<10} "
              f"{m.level.level if m.level else '-':>2} {m.to:<30} {out.subject[:60]}"
              + (f"  ({out.error})" if out.error else ""))
    if len(result.emails) > 30:
        print(f"  ... and {len(result.emails) - 30} more")
    for f in result.findings[:10]:
        print(f"  {f.severity:7} {f.location()}: {f.message}")
    if len(result.findings) > 10:
        print(f"  ... and {len(result.findings) - 10} more")
    return EXIT_FINDINGS if (counts["failed"] or counts["error"] or result.errors) else EXIT_OK


def cmd_send_invoices(args: argparse.Namespace) -> int:
    from pyfuncs.jobs.sending import SendInputError, run_send_invoices
    _must_exist(args.workbook)
    today = date.today()
    try:
        steps = ["read", "compute", "render"] + (["send", "write"] if args.send else [])
        with progress_bar(_interactive(args), steps) as step:
            result = run_send_invoices(args.workbook, today, send=args.send,
                                       outbox=args.outbox, progress=step)
    except SendInputError as err:
        print(f"facturier: {err}", file=sys.stderr)
        return EXIT_UNUSABLE
    if args.send:
        print(f"{args.workbook}: {result.count('sent')} document(s) sent, "
              f"{result.count('failed')} failed"
              + (f"; {result.replayed} sent date(s) restored from the journal"
                 if result.replayed else "") + "; see Envoyée le in Factures.")
    else:
        print(f"{args.workbook}: {len(result.emails)} document(s) to send; .eml files in "
              f"{result.outbox}. Send them with: facturier send-invoices {args.workbook} "
              "--send")
    for out in result.emails[:30]:
        print(f"  {out.status:8} {out.number:<16} {out.client:<10} {out.to:<30}"
              + (f"  ({out.error})" if out.error else ""))
    if len(result.emails) > 30:
        print(f"  ... and {len(result.emails) - 30} more")
    for f in result.findings[:10]:
        print(f"  {f.severity:7} {f.location()}: {f.message}")
    return EXIT_FINDINGS if result.errors else EXIT_OK


def cmd_journal(args: argparse.Namespace) -> int:
    from pyfuncs.jobs.journal_migrate import run_journal_migrate
    _must_exist(args.workbook)
    result = run_journal_migrate(args.workbook, args.to)
    if result.already:
        print(f"{args.workbook}: already on the journal {result.target}; nothing to do.")
        return EXIT_OK
    c = result.copied
    print(f"{args.workbook}: journal {result.source} copied to {result.target} "
          f"({c.documents} document(s), {c.bank_entries} bank entr(ies), "
          f"{c.reminder_messages} message(s), "
          f"{c.platform_flows + c.platform_receipts + c.platform_reports} platform flow(s) "
          f"added, {result.platform_imported} row(s) of the platform's ledger file "
          f"imported; {result.entries} document(s) there, "
          f"hash chain verified); Paramètres › Journal now points to it. The SQLite file "
          f"is kept as it was, as an archive: do not issue from it any more.")
    return EXIT_OK


def cmd_transmit(args: argparse.Namespace) -> int:
    from pyfuncs.jobs.einvoicing import TransmitInputError, run_transmit
    _must_exist(args.workbook)
    if args.send and args.dry_run:
        raise UsageError("--send and --dry-run contradict each other: --dry-run is the "
                         "preview, the default")
    try:
        with progress_bar(_interactive(args), ["read", "compute", "render", "send",
                                               "write"]) as step:
            result = run_transmit(args.workbook, date.today(), send=args.send,
                                  progress=step)
    except TransmitInputError as err:
        print(f"facturier: {err}", file=sys.stderr)
        return EXIT_UNUSABLE
    if args.json:
        print(json.dumps({"documents": [d.as_json() for d in result.documents],
                          "receipts": [r.as_json() for r in result.receipts],
                          "findings": [f.as_dict() for f in result.findings]},
                         default=_json_default, ensure_ascii=False, indent=1))
    else:
        counts = {k: result.count(k) for k in ("preview", "sent", "already", "claimed",
                                               "refused", "failed", "blocked",
                                               "uncorrected", "e-reporting")}
        print(f"{args.workbook}: " + ", ".join(f"{v} {k}" for k, v in counts.items() if v)
              if any(counts.values()) else f"{args.workbook}: nothing to transmit")
        for d in result.documents[:30]:
            print(f"  {d.status:11} {d.number:<16} {d.rule:<7} {d.routing or '-':<22} "
                  f"{d.flow_id}" + (f"  ({d.error})" if d.error else ""))
        for r in result.receipts[:30]:  # the 212 "Encaissée" statuses
            print(f"  {r.status:11} {r.number:<16} 212 {r.amount:>12} {r.received_on}"
                  + (f"  ({r.error})" if r.error else ""))
        if not result.send and result.count("preview"):
            print("  (preview: nothing sent; see the Aperçu transmission sheet, then "
                  "`facturier transmit WORKBOOK --send`)")
        for f in result.findings[:10]:
            print(f"  {f.severity:7} {f.location()}: {f.message}")
    return EXIT_FINDINGS if result.errors else EXIT_OK


def cmd_ereport(args: argparse.Namespace) -> int:
    from pyfuncs.jobs.ereport import EreportInputError, run_ereport
    _must_exist(args.workbook)
    try:
        result = run_ereport(args.workbook, date.today(), args.period, send=args.send)
    except EreportInputError as err:
        print(f"facturier: {err}", file=sys.stderr)
        return EXIT_UNUSABLE
    if args.json:
        print(json.dumps({"period": result.period, "regime": result.regime,
                          "files": [f.as_json() for f in result.files],
                          "next_deadline": result.next_deadline,
                          "findings": [f.as_dict() for f in result.findings]},
                         default=_json_default, ensure_ascii=False, indent=1))
    else:
        print(f"{args.workbook}: {len(result.files)} e-reporting file(s) for {result.period}"
              + (f"; next deadline {result.next_deadline[0]} ({result.next_deadline[1]} "
                 f"{result.next_deadline[2]})" if result.next_deadline else ""))
        for f in result.files:
            print(f"  {f.status:8} {f.flow} {f.period:<11} {f.items:>4} item(s), before "
                  f"{f.deadline}  {f.path.name}" + (f"  ({f.error})" if f.error else ""))
    return EXIT_FINDINGS if result.errors else EXIT_OK


def cmd_statuses(args: argparse.Namespace) -> int:
    from pyfuncs.jobs.einvoicing import TransmitInputError, run_statuses
    _must_exist(args.workbook)
    try:
        result = run_statuses(args.workbook, date.today())
    except TransmitInputError as err:
        print(f"facturier: {err}", file=sys.stderr)
        return EXIT_UNUSABLE
    if args.json:
        print(json.dumps({"received": result.received, "documents": result.rows,
                          "findings": [f.as_dict() for f in result.findings]},
                         default=_json_default, ensure_ascii=False, indent=1))
    else:
        print(f"{args.workbook}: {result.received} new status(es); "
              f"{len(result.rows)} document(s) in E-facturation")
        for f in result.findings[:10]:
            print(f"  {f.severity:7} {f.location()}: {f.message}")
    return EXIT_FINDINGS if result.errors else EXIT_OK


def cmd_bank(args: argparse.Namespace) -> int:
    from pyfuncs.jobs.bank import BankInputError, run_bank
    _must_exist(args.workbook)
    for statement in args.statements:
        if not statement.is_file():
            raise UsageError(f"{statement}: file not found")
    try:
        with progress_bar(_interactive(args), ["read", "compute", "parse", "match",
                                               "write"]) as step:
            result = run_bank(args.workbook, args.statements, date.today(), progress=step)
    except BankInputError as err:
        print(f"facturier: {err}", file=sys.stderr)
        return EXIT_UNUSABLE
    # exit 1 only for what could not be done: an entry not imported, a confirmation that
    # cannot be booked; a credit waiting in Rapprochement is the normal course (exit 0)
    code = EXIT_FINDINGS if result.errors else EXIT_OK
    if args.json:
        print(json.dumps(result.as_json(), default=_json_default, ensure_ascii=False,
                         indent=1))
        return code
    print(f"{args.workbook}: {result.counts_line()}"
          + (f" ({result.refunds} refund(s) to clients among the debits)" if result.refunds
             else "")
          + f"; {len(result.booked)} booked "
          f"({result.booked_amount:,.2f} applied to invoices), {len(result.waiting)} to "
          "confirm in the Rapprochement sheet.")
    for b in result.booked[:30]:
        print(f"  booked  {b.date:%d/%m/%Y} {b.amount:>12,.2f} {b.client:<10} "
              f"{', '.join(r['invoice'] for r in b.rows if r['invoice'] and not r.get('gap'))}"
              f"  ({b.reason})")
    for s in result.waiting[:30]:
        print(f"  waiting {s.credit.date:%d/%m/%Y} {s.credit.amount:>12,.2f} "
              f"{s.client or '?':<10} {', '.join(s.invoices)}  ({s.reason}, "
              f"{s.confidence:.0%})")
    for f in result.findings[:30]:
        print(f"  {f.severity:7} {f.location() + ': ' if f.location() else ''}{f.message}")
    return code


def cmd_pdf(args: argparse.Namespace) -> int:
    from pyfuncs.jobs.documents import run_pdf
    _must_exist(args.workbook)
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"{args.out}: not a folder")
    with progress_bar(_interactive(args), ["read", "pdf"]) as step:
        result = run_pdf(args.workbook, args.out, date.today(), args.numbers or None, step)
    if result.unknown:
        raise UsageError(f"{args.workbook}: no issued invoice, deposit or credit note numbered "
                         + ", ".join(result.unknown))
    print(f"{args.workbook}: {len(result.written)} PDF(s) written to {args.out}" +
          (f"; {result.errors} error(s), those documents are not printed:"
           if result.errors else "."))
    for f in result.findings:
        print(f"  {f.severity:7} {f.location()}: {f.ref + ': ' if f.ref else ''}{f.message}")
    return EXIT_FINDINGS if result.errors else EXIT_OK


def cmd_excel_setup(args: argparse.Namespace) -> int:
    import shutil
    import tempfile as tmp
    import zipfile

    from pyfuncs.adapters.xlsx_macros import enable_macros
    from pyfuncs.adapters.xlsx_read import read_workbook
    from pyfuncs.adapters.xlsx_write import WorkbookWriter
    from pyfuncs.domain import schema as S
    from pyfuncs.jobs.template import build_workbook, vba_project
    _must_exist(args.workbook)
    out: Path = args.out or args.workbook.with_suffix(".xlsm")
    if out.suffix.lower() != ".xlsm":
        raise UsageError(f"{out}: a macro-enabled workbook must end in .xlsm")
    if out.resolve() == args.workbook.resolve():
        raise UsageError(f"{out}: give another name with --out (the workbook is kept as it is)")
    if out.exists() and not args.force:
        raise UsageError(f"{out}: already exists; use --force to replace it")
    lang = read_workbook(args.workbook, ["Parametres"]).lang
    with tmp.TemporaryDirectory() as folder:  # the buttons as the template draws them
        template = build_workbook(Path(folder) / "t.xlsm", lang=lang)
        with zipfile.ZipFile(template) as z:
            vml = next(z.read(n) for n in z.namelist() if n.endswith(".vml"))
    shutil.copyfile(args.workbook, out)
    try:
        writer = WorkbookWriter(out)
        names = writer.sheet_names()
        dashboard = next((S.sheet_name("dashboard", g) for g in S.LANGS
                          if S.sheet_name("dashboard", g) in names), None)
        done = enable_macros(writer, vba_project(), vml, dashboard)
        writer.commit(backup=False)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    print(f"Macro-enabled workbook written: {out} ({'; '.join(done)}).")
    print("Open it in Excel with the xlwings add-in installed and enable macros; see the "
          "README, 'Use it from Excel'.")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from pyfuncs.demo.job import run_demo
    steps = ["data", "build", "read", "compute", "plan", "read", "compute", "read", "compute",
             "parse", "match", "write", "plan", "render", "write", "read", "compute",
             "check", "write", "read", "pdf"]
    with progress_bar(_interactive(args), steps) as step:
        summary = run_demo(args.dir, invoices=args.invoices, run=not args.no_run,
                           today=args.date or date.today(), lang=args.lang, progress=step)
    print(summary.text())
    return EXIT_OK


def _must_exist(path: Path) -> None:
    if not path.exists():
        raise UsageError(f"{path}: file not found")
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise UsageError(f"{path}: not an .xlsx or .xlsm workbook")


COMMANDS = {"init": cmd_init, "check": cmd_check, "demo": cmd_demo, "age": cmd_age,
            "refresh": cmd_refresh,
            "remind": cmd_remind,
            "generate": cmd_generate, "pdf": cmd_pdf, "send-invoices": cmd_send_invoices,
            "bank": cmd_bank, "journal": cmd_journal, "transmit": cmd_transmit,
            "statuses": cmd_statuses, "ereport": cmd_ereport,
            "excel-setup": cmd_excel_setup}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command in NOT_YET:
            raise UsageError(f"facturier {args.command}: {NOT_YET[args.command]} is not "
                             f"available in this version yet")
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


if __name__ == "__main__":
    sys.exit(main())
