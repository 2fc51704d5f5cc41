"""What the reader says about a row or a table rather than one cell's value: a required
cell empty, a duplicate key, an unknown reference, a missing column, a setting missing or
unknown; each an Issue (code, message, fix) in the workbook's language."""
from __future__ import annotations

from pyfuncs.adapters.cell_values import Issue


def _say(lang: str, fr: str, en: str) -> str:
    return fr if lang == "fr" else en


def row_skipped(lang: str) -> str:
    return _say(lang, " La ligne est ignorée.", " The row is skipped.")


def required_issue(label: str, lang: str) -> Issue:
    return ("CELL-REQUIRED",
            _say(lang, f"La colonne « {label} » est obligatoire et vide.",
                 f"Column '{label}' is required and empty."),
            _say(lang, "Renseigner la cellule, ou vider toute la ligne.",
                 "Fill in the cell, or clear the whole row."))


def duplicate_issue(shown: str, first_row: int, lang: str) -> Issue:
    return ("DUPLICATE-KEY",
            _say(lang, f"« {shown} » figure déjà ligne {first_row}.",
                 f"'{shown}' already appears on row {first_row}."),
            _say(lang, "Donner un identifiant unique à chaque ligne.",
                 "Give each row its own identifier."))


def unknown_ref_issue(value: str, label: str, sheet: str, hint: str | None,
                      lang: str) -> Issue:
    return ("UNKNOWN-REF",
            _say(lang, f"« {value} » n'existe pas dans la colonne « {label} » de la feuille "
                       f"{sheet}." + (f" Vouliez-vous dire « {hint} » ?" if hint else ""),
                 f"'{value}' does not exist in column '{label}' of sheet {sheet}."
                 + (f" Did you mean '{hint}'?" if hint else "")),
            _say(lang, f"Corriger la référence, ou créer la ligne dans {sheet}.",
                 f"Correct the reference, or add the row to {sheet}."))


def also_named(rows: list[str], lang: str) -> str:
    """The note an unknown reference carries for the other rows naming the same value."""
    shown = ", ".join(rows[:10]) + (", …" if len(rows) > 10 else "")
    return _say(lang, f" {len(rows)} autre(s) ligne(s) le citent aussi ({shown}) : toutes sont "
                      "mises de côté jusqu'à correction.",
                f" {len(rows)} other row(s) name it too ({shown}): all are set aside until "
                "it is fixed.")


def missing_column_issue(label: str, table: str, lang: str) -> Issue:
    return ("COLUMN-MISSING",
            _say(lang, f"La colonne « {label} » manque dans la table {table} : elle est lue "
                       "comme vide.",
                 f"Column '{label}' is missing from table {table}: it is read as empty."),
            _say(lang, "Classeur fermé, lancer « facturier upgrade CLASSEUR » : la colonne "
                       "est ajoutée au bout de la table. Ou l'ajouter soi-même, avec son "
                       "en-tête exact.",
                 "With the workbook closed, run 'facturier upgrade WORKBOOK': the column "
                 "is added at the table's end. Or add it yourself, with its exact header."))


def setting_issue(code: str, name: str, lang: str) -> Issue:
    """SETTING-MISSING (a required setting left blank) or SETTING-UNKNOWN (a stray key)."""
    if code == "SETTING-MISSING":
        return (code, _say(lang, f"Le paramètre « {name} » n'est pas renseigné.",
                           f"Setting '{name}' is not filled in."),
                _say(lang, "Le renseigner dans la colonne Valeur.",
                     "Fill it in, in the Value column."))
    return (code, _say(lang, f"Paramètre « {name} » inconnu, ignoré.",
                       f"Unknown setting '{name}', ignored."),
            _say(lang, "Vérifier l'orthographe de la clé, ou supprimer la ligne.",
                 "Check the key's spelling, or delete the row."))


def default_used(lang: str) -> str:
    return _say(lang, " La valeur par défaut est utilisée.", " The default is used.")
