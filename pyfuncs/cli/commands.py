"""The jobs behind each command of `facturier`, on a workbook file: read the arguments,
run the job (pyfuncs/jobs/), print what it did, return the exit code."""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from pyfuncs.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_UNUSABLE,
    UsageError,
    interactive,
    json_default,
    must_exist,
    print_findings,
    progress_bar,
)


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


def cmd_check(args: argparse.Namespace) -> int:
    from pyfuncs.jobs.check import run_check
    must_exist(args.workbook)
    today = args.date or date.today()
    with progress_bar(interactive(args), ["read", "compute", "check", "age", "write"]) as step:
        result = run_check(args.workbook, today, step)
    if args.json:
        print(json.dumps({"findings": [f.as_dict() for f in result.findings],
                          "counts": result.counts}, default=json_default,
                         ensure_ascii=False, indent=1))
    else:
        c = result.counts
        print(f"{args.workbook}: {c.get('error', 0)} error(s), {c.get('warning', 0)} "
              f"warning(s), {c.get('info', 0)} info; see the Contrôles sheet.")
        print_findings(result.findings)
    return EXIT_FINDINGS if result.errors else EXIT_OK


def cmd_refresh(args: argparse.Namespace) -> int:
    from pyfuncs.jobs.check import run_refresh
    must_exist(args.workbook)
    as_of = args.as_of or date.today()
    with progress_bar(interactive(args), ["read", "compute", "check", "age", "write"]) as step:
        result = run_refresh(args.workbook, as_of, step)
    balance = result.balance
    assert balance is not None  # the refresh computes it
    if args.json:
        print(json.dumps({"findings": [f.as_dict() for f in result.findings],
                          "counts": result.counts, "aged_balance": balance.as_json()},
                         default=json_default, ensure_ascii=False, indent=1))
        return EXIT_FINDINGS if result.errors else EXIT_OK
    c = result.counts
    print(f"{args.workbook}: as of {as_of:%d/%m/%Y}, {c.get('error', 0)} error(s), "
          f"{c.get('warning', 0)} warning(s), {c.get('info', 0)} info (Contrôles sheet); "
          f"aged balance of {len(balance.clients)} client(s), {balance.total:,.2f} "
          f"{balance.currency} (Balance âgée sheet); dashboard refreshed.")
    print_findings(result.findings)
    return EXIT_FINDINGS if result.errors else EXIT_OK


def cmd_age(args: argparse.Namespace) -> int:
    from pyfuncs.jobs.aging import run_age
    must_exist(args.workbook)
    as_of = args.as_of or date.today()
    with progress_bar(interactive(args), ["read", "compute", "write"]) as step:
        balance = run_age(args.workbook, as_of, step)
    if args.json:
        print(json.dumps(balance.as_json(), default=json_default, ensure_ascii=False,
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
    must_exist(args.workbook)
    if args.preview and not args.dry_run:
        raise UsageError("--preview goes with --dry-run (a real run clears the preview)")
    day = args.date or date.today()
    try:
        with progress_bar(interactive(args), ["read", "compute", "plan", "number",
                                               "write"]) as step:
            result = run_generate(args.workbook, day, dry_run=args.dry_run,
                                  preview=args.preview, progress=step)
    except SettingsError as err:
        if args.json:
            print(json.dumps({"issued": [], "findings": [f.as_dict() for f in err.findings]},
                             default=json_default, ensure_ascii=False, indent=1))
        for f in err.findings:
            print(f"facturier: {f.location()}: {f.message}", file=sys.stderr)
        return EXIT_UNUSABLE
    if args.json:
        print(json.dumps({"issued": [d.as_json() for d in result.issued],
                          "replayed": result.replayed, "dry_run": result.dry_run,
                          "findings": [f.as_dict() for f in result.findings]},
                         default=json_default, ensure_ascii=False, indent=1))
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
    must_exist(args.workbook)
    as_of = args.as_of or date.today()
    try:
        steps = ["read", "compute", "plan", "render"] + (["send"] if args.send else []) + \
            ["write"]
        with progress_bar(interactive(args), steps) as step:
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
    must_exist(args.workbook)
    today = date.today()
    try:
        steps = ["read", "compute", "render"] + (["send", "write"] if args.send else [])
        with progress_bar(interactive(args), steps) as step:
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
    must_exist(args.workbook)
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
    must_exist(args.workbook)
    if args.send and args.dry_run:
        raise UsageError("--send and --dry-run contradict each other: --dry-run is the "
                         "preview, the default")
    try:
        with progress_bar(interactive(args), ["read", "compute", "render", "send",
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
                         default=json_default, ensure_ascii=False, indent=1))
    else:
        counts = {k: result.count(k) for k in ("preview", "sent", "already", "claimed",
                                               "refused", "failed", "blocked",
                                               "uncorrected", "unrouted", "e-reporting")}
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
    must_exist(args.workbook)
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
                         default=json_default, ensure_ascii=False, indent=1))
    else:
        print(f"{args.workbook}: {len(result.files)} e-reporting file(s) for {result.period}"
              + (f"; next deadline {result.next_deadline[0]} ({result.next_deadline[1]} "
                 f"{result.next_deadline[2]})" if result.next_deadline else ""))
        for f in result.files:
            print(f"  {f.status:8} {f.flow} {f.period:<11} {f.items:>4} item(s), before "
                  f"{f.deadline}  {f.path.name}" + (f"  ({f.error})" if f.error else ""))
            if f.label:  # what goes (IN, RE and what it replaces) or why nothing does
                print(f"           {f.label}")
        for finding in result.findings[:10]:
            print(f"  {finding.severity:7} {finding.location()}: {finding.message} "
                  f"{finding.fix}".rstrip())
    return EXIT_FINDINGS if result.errors else EXIT_OK


def cmd_statuses(args: argparse.Namespace) -> int:
    from pyfuncs.jobs.einvoicing import TransmitInputError, run_statuses
    must_exist(args.workbook)
    try:
        result = run_statuses(args.workbook, date.today())
    except TransmitInputError as err:
        print(f"facturier: {err}", file=sys.stderr)
        return EXIT_UNUSABLE
    if args.json:
        print(json.dumps({"received": result.received, "documents": result.rows,
                          "reports": result.reports,
                          "findings": [f.as_dict() for f in result.findings]},
                         default=json_default, ensure_ascii=False, indent=1))
    else:
        print(f"{args.workbook}: {result.received} new status(es); "
              f"{len(result.rows)} document(s) in E-facturation")
        for f in result.findings[:10]:
            print(f"  {f.severity:7} {f.location()}: {f.message}")
        for report, (ack, reasons) in sorted(result.reports.items()):
            # an e-reporting file refused waits for its correction (facturier ereport)
            print(f"  e-reporting {report}: {ack}" + (f" ({reasons})" if reasons else ""))
    return EXIT_FINDINGS if result.errors else EXIT_OK


def cmd_bank(args: argparse.Namespace) -> int:
    from pyfuncs.jobs.bank import BankInputError, run_bank
    must_exist(args.workbook)
    for statement in args.statements:
        if not statement.is_file():
            raise UsageError(f"{statement}: file not found")
    try:
        with progress_bar(interactive(args), ["read", "compute", "parse", "match",
                                               "write"]) as step:
            result = run_bank(args.workbook, args.statements, date.today(), progress=step)
    except BankInputError as err:
        print(f"facturier: {err}", file=sys.stderr)
        return EXIT_UNUSABLE
    # exit 1 only for what could not be done: an entry not imported, a confirmation that
    # cannot be booked; a credit waiting in Rapprochement is the normal course (exit 0)
    code = EXIT_FINDINGS if result.errors else EXIT_OK
    if args.json:
        print(json.dumps(result.as_json(), default=json_default, ensure_ascii=False,
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
    must_exist(args.workbook)
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"{args.out}: not a folder")
    with progress_bar(interactive(args), ["read", "pdf"]) as step:
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
    must_exist(args.workbook)
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


def cmd_upgrade(args: argparse.Namespace) -> int:
    from pyfuncs.jobs.upgrade import run_upgrade
    must_exist(args.workbook)
    result = run_upgrade(args.workbook, dry_run=args.dry_run)
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=1))
    else:
        would = "would gain" if args.dry_run else "gained"
        for t in result.tables:
            if t.added:
                print(f"{t.sheet} › table {t.table} {would}: {', '.join(t.added)}")
            for label in t.calculated:
                print(f"{t.sheet} › table {t.table}: calculated column « {label} » missing, "
                      "not added: copy it from a new workbook (facturier init)")
        for t, label in result.required:
            print(f"{t.sheet} › table {t.table}: required column « {label} » missing: "
                  "restore it with its exact header and its data", file=sys.stderr)
        if not result.added:
            print(f"{args.workbook}: no column to add.")
        elif result.written:
            print(f"{args.workbook}: upgraded ({result.added} column(s) added; the previous "
                  "file kept as .bak).")
    return EXIT_FINDINGS if result.required else EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from pyfuncs.demo.job import run_demo
    steps = ["data", "build", "read", "compute", "plan", "read", "compute", "read", "compute",
             "parse", "match", "write", "plan", "render", "write", "read", "compute",
             "check", "write", "read", "pdf"]
    if not args.no_platform:
        steps += ["read", "compute", "render", "send", "write", "read", "compute", "pull",
                  "write"]
    with progress_bar(interactive(args), steps) as step:
        summary = run_demo(args.dir, invoices=args.invoices, run=not args.no_run,
                           today=args.date or date.today(), lang=args.lang, progress=step,
                           platform=not args.no_platform)
    print(summary.text())
    return EXIT_OK


COMMANDS = {"init": cmd_init, "check": cmd_check, "demo": cmd_demo, "age": cmd_age,
            "refresh": cmd_refresh,
            "remind": cmd_remind,
            "generate": cmd_generate, "pdf": cmd_pdf, "send-invoices": cmd_send_invoices,
            "bank": cmd_bank, "journal": cmd_journal, "transmit": cmd_transmit,
            "statuses": cmd_statuses, "ereport": cmd_ereport,
            "excel-setup": cmd_excel_setup, "upgrade": cmd_upgrade}
