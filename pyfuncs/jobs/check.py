"""The Contrôler job and the refresh: every finding to the Contrôles sheet, the aged
balance and the dashboard from the same read."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from pyfuncs.adapters.workbook_file import WorkbookSource, Writer, as_source
from pyfuncs.adapters.xlsx_read import WorkbookData
from pyfuncs.domain import schema as S
from pyfuncs.domain.aging import AgedBalance
from pyfuncs.domain.checks import (
    collector_paused,
)
from pyfuncs.domain.findings import ERROR, INFO, WARNING, Finding
from pyfuncs.jobs.aging import aging_of, write_aging
from pyfuncs.jobs.catchup import read_catch_up
from pyfuncs.jobs.dashboard import write_dashboard
from pyfuncs.jobs.einvoicing_findings import ledger_findings
from pyfuncs.jobs.load import Progress, loaded_from, quiet
from pyfuncs.jobs.sheets import sheet_columns, stamp


# --------------------------------------------------------------------------- check
@dataclass
class CheckResult:
    findings: list[Finding]
    path: Path
    counts: dict[str, int]
    balance: AgedBalance | None = None  # the aged balance the dashboard was drawn from

    @property
    def errors(self) -> int:
        return self.counts.get(ERROR, 0)


SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


# JOB GC: millions of cells are read with the cyclic collector off (the reader, the
# formulas and the rules pause it: none of their objects forms a cycle). Between those
# steps it was on again, and its first passes then walked every object of the read: 0.2 s
# of a 4.7 s refresh at 100k invoices. A whole job now runs with it paused; memory is still
# freed as usual (reference counts), and the collector resumes when the job returns.
def run_check(path: WorkbookSource | Path, today: date, progress: Progress = quiet,
              write: bool = True, with_aging: bool = False) -> CheckResult:
    """The Contrôler job: every finding to the Contrôles sheet, the dashboard refreshed;
    the payments and reminders another copy recorded in the journal counted, and written
    to Paiements and Relances when it writes (jobs/catchup.py)."""
    with collector_paused():  # see JOB GC above run_check
        return _check(path, today, progress, write, with_aging)



def _check(path: WorkbookSource | Path, today: date, progress: Progress, write: bool,
           with_aging: bool) -> CheckResult:
    source = as_source(path)
    progress("read")
    read = source.read()
    # the writer starts at once: it caches today's days late beside the checks
    writer = source.writer(read=read) if write else None
    loaded = loaded_from(read, today, progress)
    progress("age")
    caught = read_catch_up(loaded.data)  # what colleagues' copies booked and sent
    balance = aging_of(loaded, today, caught)
    caught.written = write  # written below, in the same commit
    # the approved platform's answers already pulled (a rejected document...)
    findings = loaded.findings + balance.findings + ledger_findings(loaded, today) + \
        caught.findings(loaded.data)
    findings.sort(key=lambda f: (SEVERITY_ORDER.get(f.severity, 3), f.sheet, f.row or 0,
                                 f.column))
    counts = {sev: sum(1 for f in findings if f.severity == sev) for sev in SEVERITY_ORDER}
    if writer is not None:
        progress("write")
        when = datetime.now()
        write_checks(writer, loaded.data, findings, when)
        if with_aging:
            write_aging(writer, loaded, balance, when)
        write_dashboard(writer, loaded, balance, today, counts, when)
        caught.write(writer, loaded.data)
        writer.commit()
    return CheckResult(findings, as_source(path).path, counts, balance)


def write_checks(writer: Writer, data: WorkbookData, findings: list[Finding],
                 when: datetime) -> None:
    lang = data.lang
    sheet = S.SHEETS_BY_KEY["checks"]
    columns = sheet_columns(sheet, lang)
    rows, links = [], {}
    for i, f in enumerate(findings):
        severity = S.choice_label("severity", f.severity, lang)
        go = ""
        if f.cell and f.sheet:
            go = f"{f.sheet}!{f.cell}"
            links[i] = (len(columns) - 1, f"'{f.sheet}'!{f.cell}")
        rows.append([severity, f.code, f.sheet, f.row, f.column, f.ref, f.message, f.fix, go])
    writer.replace_sheet(data.sheet_names.get("checks", sheet.label(lang)),
                         title=stamp(lang, sheet.label(lang), when),
                         columns=columns, rows=rows, links=links)



def run_refresh(path: WorkbookSource | Path, today: date,
                progress: Progress = quiet) -> CheckResult:
    """Every read-only job at once (checks, aged balance, dashboard): one read, one write."""
    return run_check(path, today, progress, with_aging=True)
