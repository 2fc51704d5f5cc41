"""What can go wrong with the journal, said so that the user can act on it."""
from __future__ import annotations

from pyfuncs.domain.findings import BilingualError


class JournalError(BilingualError):
    """A journal operation refused; ``fr`` and ``en`` say why."""


class JournalBusy(JournalError):
    """Another Facturier job holds the workbook."""


class JournalConflict(JournalError):
    """A record would issue a number or bill a source twice, leave a gap or go back in time."""


class JournalDamaged(JournalError):
    """The journal file is not a whole SQLite database (truncated, overwritten, a bad
    sector): numbering stops until it is restored, since a number may be lost in it."""


class JournalFull(JournalError):
    """The disk holding the journal is full: nothing was recorded."""


class JournalUnreachable(JournalError):
    """The shared journal (PostgreSQL) cannot be reached or refuses the connection."""


class JournalMismatch(JournalError):
    """The shared journal belongs to another workbook, or the workbook's rows disagree
    with it (someone worked on an old copy)."""


def damaged(where: str, detail: str) -> JournalDamaged:
    """The one message for a journal file that can no longer be read whole."""
    check = f'sqlite3 "{where}" "PRAGMA integrity_check"'
    return JournalDamaged(
        f"Le journal {where} est endommagé ({detail}) : la numérotation est suspendue tant "
        f"qu'il n'est pas restauré, car il tient les numéros déjà émis. Remettre à sa place "
        f"la dernière copie saine de ce fichier (sauvegarde, version précédente du dossier "
        f"partagé), sans le supprimer ni le remplacer par un journal vide ; vérifier la copie "
        f"avec {check} (réponse attendue : ok), puis relancer.",
        f"The journal {where} is damaged ({detail}): numbering is held until it is restored, "
        f"since it holds the numbers already issued. Put back the last good copy of this "
        f"file (a backup, the shared folder's previous version), never delete it or replace "
        f"it with an empty journal; check the copy with {check} (it must answer ok), then "
        f"run again.")


def disk_full(where: str) -> JournalFull:
    return JournalFull(
        f"Plus de place sur le disque du journal {where} : rien n'a été enregistré ; libérer "
        f"de la place puis relancer.",
        f"No space left on the disk of the journal {where}: nothing was recorded; free some "
        f"space and run again.")


def newer_schema(version: int) -> JournalError:
    return JournalError(
        f"Ce journal a été écrit par une version plus récente de Facturier (schéma "
        f"{version}) : mettre Facturier à jour.",
        f"This journal was written by a newer Facturier (schema {version}): update "
        "Facturier.")
