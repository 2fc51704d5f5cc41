"""The output sheets of e-invoicing through the approved platform (docs/E-INVOICING.md):
what « Transmettre à la plateforme » would send or sent (« Aperçu transmission »), and the
full lifecycle of each document (« Cycle de vie »: every status once, in the order it
happened, whatever order it arrived in). Declared like schema.SHEETS' output
sheets and, like « E-facturation », kept out of that tuple: each appears the first time
its job runs, so a workbook without a platform gets no empty sheet."""
from __future__ import annotations

from datetime import date

from pyfuncs.domain import schema as S

TRANSMIT = S.Sheet("transmit_preview", "Aperçu transmission", "Transmission preview",
                   output=True, columns=(
    S.Column("number", "N° pièce", "Document no.", S.ID, width=16),
    S.Column("kind", "Type", "Type", width=10),
    S.Column("client", "Client", "Client", S.ID, width=10),
    S.Column("name", "Raison sociale", "Company name", width=26),
    S.Column("issue_date", "Date", "Date", S.DATE, width=11),
    S.Column("total", "Total TTC", "Total incl. VAT", S.MONEY, width=13),
    S.Column("rule", "Cadre", "Processing rule", width=10),
    S.Column("routing", "Adresse de routage", "Routing address", width=22),
    S.Column("routing_source", "Origine de l'adresse", "Address from", width=18),
    S.Column("outcome", "Résultat", "Outcome", width=22),
    S.Column("detail", "Détail", "Detail", width=60),
), doc_fr="Pièces émises que « Transmettre à la plateforme » envoie (ou a envoyées) à la "
          "plateforme agréée, leur cadre et leur adresse de routage ; puis les statuts "
          "« Encaissée » (212) des paiements : envoyés, en attente (et pourquoi) ou non "
          "déclarés.",
    doc_en="Issued documents « Transmit to the platform » sends (or sent) to the approved "
           "platform, their processing rule and routing address; then the payments' "
           "« received » statuses (212): sent, waiting (and why) or not reported.")

LIFECYCLE = S.Sheet("lifecycle", "Cycle de vie", "Lifecycle", output=True, columns=(
    S.Column("number", "N° pièce", "Document no.", S.ID, width=16),
    S.Column("client", "Client", "Client", S.ID, width=10),
    S.Column("flow", "Identifiant du flux", "Flow id", width=38),
    S.Column("code", "Statut", "Status", width=8),
    S.Column("status", "Libellé", "Label", width=24),
    S.Column("date", "Date du statut", "Status date", width=20),
    S.Column("reason_code", "Code motif", "Reason code", width=16),
    S.Column("reason", "Motif", "Reason", width=60),
    S.Column("message", "Message", "Message", width=40),
), doc_fr="Tous les statuts reçus de la plateforme agréée, pièce par pièce, dans l'ordre où "
          "ils sont survenus.",
    doc_en="Every status received from the approved platform, document by document, in the "
           "order they happened.")

# What became of a document in a transmission run (jobs/einvoicing.Transmission.status)
OUTCOMES: dict[str, tuple[str, str]] = {
    "preview": ("À transmettre", "To transmit"),
    "sent": ("Transmise", "Transmitted"),
    "already": ("Déjà reçue par la plateforme", "Already with the platform"),
    "claimed": ("En cours d'envoi depuis un autre poste", "Being sent from another PC"),
    "refused": ("Refusée par la plateforme", "Refused by the platform"),
    "failed": ("En attente (plateforme injoignable)", "Waiting (platform unreachable)"),
    "blocked": ("Bloquée : règles françaises", "Blocked: French rules"),
    "uncorrected": ("Rejetée : à corriger", "Rejected: to correct"),
    "unrouted": ("Non transmise : pas d'adresse de routage",
                 "Not transmitted: no routing address"),
    "e-reporting": ("E-reporting, non transmise", "E-reporting, not transmitted"),
    "waiting": ("En attente", "Waiting"),
    "withheld": ("Non déclaré", "Not reported"),
}
KINDS: dict[str, tuple[str, str]] = {
    "invoice": ("Facture", "Invoice"), "credit_note": ("Avoir", "Credit note"),
    "deposit": ("Acompte", "Deposit"),
    "receipt": ("Encaissement (212)", "Receipt (212)"),
    "disbursement": ("Décaissement (212)", "Disbursement (212)"),
}
ROUTING_SOURCES: dict[str, tuple[str, str]] = {
    "typed": ("Clients › Adresse électronique", "Clients › Electronic address"),
    "directory": ("Annuaire du {day}", "Directory, {day}"),
    "siren": ("SIREN du client (annuaire non consulté)",
              "Client's SIREN (directory not asked)"),
    "vat": ("N° TVA du client", "Client's VAT number"),
    "email": ("Email de facturation (particulier)", "Billing email (private person)"),
    "": ("", ""),
}


def label(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    fr, en = table.get(key, (key, key))
    return fr if lang == "fr" else en


def routing_source(key: str, day: date | None, lang: str) -> str:
    """Where a routing address came from: Clients, the directory of a day (« Annuaire du
    05/12/2026 »: the day it answered, the answer being kept for some days), the SIREN."""
    shown = "" if day is None else f"{day:%d/%m/%Y}" if lang == "fr" else f"{day:%Y-%m-%d}"
    return label(ROUTING_SOURCES, key, lang).format(day=shown).strip(" ,")
