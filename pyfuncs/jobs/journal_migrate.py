"""`facturier journal migrate WORKBOOK --to URL`: a workbook's SQLite journal moved to the
PostgreSQL database its team will share, nothing lost or renumbered.

Steps, each safe to interrupt and rerun: (1) the SQLite journal is verified whole; (2) it
is copied into the database in one transaction (copy.py: a rerun adds only what is
missing), the platform's ledgers with it, then the platform's ledger file an earlier
version kept beside the workbook (imported once); (3) the copy's hash chain is verified
on arrival and compared entry by entry with the source; (4) Paramètres › Journal is
switched to the URL, through the surgical writer. The SQLite file stays where it was, untouched, as the archive of the move.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyfuncs.adapters.journal import (
    Journal,
    JournalError,
    is_url,
    journal_exists,
    workbook_lock,
)
from pyfuncs.adapters.journal.copy import Copied, copy_journal
from pyfuncs.adapters.journal.platform import import_legacy
from pyfuncs.adapters.journal.postgres import check_url
from pyfuncs.adapters.platform.ledger import ledger_path
from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.adapters.xlsx_write import WorkbookWriter
from pyfuncs.jobs.load import journal_path, open_journal


@dataclass
class MigrateResult:
    workbook: Path
    source: str
    target: str
    copied: Copied = field(default_factory=Copied)
    entries: int = 0
    already: bool = False  # the workbook was already on this journal
    platform_imported: int = 0  # rows of the platform's ledger file of an earlier version


def run_journal_migrate(workbook: Path, to: str) -> MigrateResult:
    """Move the workbook's journal to ``to`` (a PostgreSQL URL without password)."""
    if not is_url(to):
        raise JournalError(f"{to} : attendu une adresse postgresql://UTILISATEUR@SERVEUR/BASE.",
                           f"{to}: expected a postgresql://USER@SERVER/DATABASE URL.")
    check_url(to)
    with workbook_lock(workbook):
        data = read_workbook(workbook, ["Parametres"])
        where = journal_path(data)
        result = MigrateResult(workbook, str(where), to)
        if is_url(where):
            if str(where) == to:
                result.already = True
                return result
            raise JournalError(
                f"{workbook.name} est déjà sur le journal partagé {where}.",
                f"{workbook.name} already uses the shared journal {where}.")
        table = data.tables["Parametres"]
        keys = [str(k or "").casefold() for k in table.cols["key"]]
        if "journal_path" not in keys:
            raise JournalError(
                "Paramètres n'a pas de ligne journal_path : l'ajouter (Clé journal_path) "
                "puis relancer.",
                "Settings has no journal_path row: add it (Key journal_path), then run again.")
        with open_journal(data, to) as target:
            if journal_exists(where):
                with Journal(where) as source:
                    broken = source.verify("en")
                    if broken:
                        raise JournalError(
                            f"Le journal {where} n'est pas intègre ({broken[0]}) : il n'est "
                            "pas copié.",
                            f"The journal {where} is not whole ({broken[0]}): it is not "
                            "copied.")
                    result.copied = copy_journal(source, target)
                    expected = [(e.seq, e.number, e.chain_hash) for e in source.entries()]
            else:
                expected = []
            # the platform's ledger file of an earlier version, beside the workbook
            result.platform_imported = import_legacy(target.backend, ledger_path(workbook))
            arrived = target.entries()
            problems = target.verify("en")
            if problems or [(e.seq, e.number, e.chain_hash) for e in arrived] != expected:
                raise JournalError(
                    f"La copie dans {to} ne se vérifie pas ({(problems or ['entrées'])[0]}) : "
                    "le classeur reste sur son journal SQLite.",
                    f"The copy in {to} does not verify ({(problems or ['entries differ'])[0]}):"
                    " the workbook stays on its SQLite journal.")
            result.entries = len(arrived)
        writer = WorkbookWriter(workbook)
        row = table.rows[keys.index("journal_path")]
        writer.set_cells("Parametres", [(row, table.labels["value"], to)])
        writer.commit()
    return result
