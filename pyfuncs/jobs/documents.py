"""The "Éditer les factures" job: one Factur-X PDF per issued invoice, deposit and credit
note, from the workbook as it is. It reads only; it never writes the workbook.

Documents are independent, so a batch is spread over the machine's cores (a process per
core, each laying out its share); a handful is made in this process, where starting
workers would cost more than it saves.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from pyfuncs.adapters.workbook_file import WorkbookSource
from pyfuncs.documents import pdf
from pyfuncs.documents.model import build_documents
from pyfuncs.documents.record import InvoiceDoc
from pyfuncs.domain.context import Ctx
from pyfuncs.domain.findings import ERROR, Finding
from pyfuncs.jobs.load import load
from pyfuncs.jobs.result import JobResult

Progress = Callable[[str], None]
PDF_TABLES = ["Parametres", "TauxPenalite", "Clients", "Factures", "LignesFacture"]
PARALLEL_FROM = 12  # documents; below this, one process is faster


def _quiet(_: str) -> None:
    return None


@dataclass
class PdfResult(JobResult):
    out: Path
    written: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def documents_of(path: WorkbookSource | Path, today: date, numbers: list[str] | None = None
                 ) -> tuple[list[InvoiceDoc], list[str], list[Finding]]:
    """The issued documents of a workbook (all, or those numbered), the numbers asked
    for that are not issued documents, and the findings about what cannot be made."""
    loaded = load(path if not isinstance(path, str) else Path(path), today, checks=False,
                  tables=PDF_TABLES)
    data = loaded.data
    ctx = Ctx(data.tables, loaded.computed, data.settings, today, data.lang)
    docs, unknown = build_documents(ctx, numbers, Path(data.path).resolve().parent)
    findings = [f for f in data.findings if f.severity == ERROR and f.sheet in
                {data.tables[t].sheet for t in PDF_TABLES if t in data.tables}]
    return docs, unknown, findings + ctx.findings


def _write_batch(args: tuple[list[InvoiceDoc], str, datetime]) -> list[str]:
    docs, out, created = args
    return [str(pdf.write(doc, Path(out), created)) for doc in docs]


def run_pdf(path: Path, out: Path, today: date, numbers: list[str] | None = None,
            progress: Progress = _quiet, workers: int | None = None) -> PdfResult:
    """Write NUMBER.pdf in ``out`` for each issued document (or those numbered). Unknown
    numbers are returned in ``unknown`` and nothing is written then."""
    progress("read")
    docs, unknown, findings = documents_of(path, today, numbers or None)
    result = PdfResult(Path(out), findings=findings, unknown=unknown)
    if unknown:
        return result
    progress("pdf")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    created = datetime.now(UTC).replace(microsecond=0)
    cores = workers if workers is not None else min(os.cpu_count() or 1, 4)
    if cores <= 1 or len(docs) < PARALLEL_FROM:
        result.written = [pdf.write(doc, out, created) for doc in docs]
        return result
    size = -(-len(docs) // (cores * 4))  # a few chunks per worker evens out the load
    chunks = [(docs[k:k + size], str(out), created) for k in range(0, len(docs), size)]
    with ProcessPoolExecutor(max_workers=cores) as pool:
        for names in pool.map(_write_batch, chunks):
            result.written += [Path(n) for n in names]
    return result


def invoice_pdf_attacher(path: WorkbookSource | Path, today: date) -> Callable[[str], bytes | None]:
    """``number -> PDF bytes`` of an issued document, for attaching it to an email (the
    reminders and invoice sending); None when it is no issued document or cannot be made.
    The workbook is read once, on first use."""
    cache: dict[str, InvoiceDoc] = {}

    def attach(number: str) -> bytes | None:
        if not cache:
            docs, _, _ = documents_of(path, today)
            cache.update({d.number.casefold(): d for d in docs})
            cache.setdefault("", None)  # type: ignore[arg-type]  # read once even if empty
        doc = cache.get(number.strip().casefold())
        return None if doc is None else pdf.render(doc)[0]

    return attach
