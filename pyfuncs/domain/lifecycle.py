"""What a lifecycle status of an issued document means for the seller, as Facturier applies
it (docs/E-INVOICING.md, "What each status means"; DOMAIN.md §6): which statuses wait for
an action of the seller and which action, which hold the reminders, and the reason codes a
platform or a client gives with them, in words.

Sources: the status list (BR-FR-CDV-CL-06) and the reason codes allowed per status
(BR-FR-CDV-CL-09) of the FNFE-MPE's CDAR rules (France RFE, V1.4.0), where 206 is
"Approuvée partiellement" and 208 "Suspendue" (the labels of BR-FR-CDV-CL-09 and of the
DGFiP external specifications; BR-FR-CDV-15's text swaps the two).

- 213 Rejetée: the platform refused the file (a broken rule, a duplicate, an unknown
  addressee: reason codes REJ_SEMAN, REJ_UNI, DOUBLON, DEST_INC...). It never reached the
  client: the invoice is not issued. The seller corrects it and submits it again.
- 210 Refusée: the client refused it (NON_CONFORME, CMD_ERR, DOUBLE_FACT...). It was
  issued and stays in the register; it is cancelled by a credit note and is no longer
  reminded.
- 207 En litige: the client disputes it (QTE_ERR, PU_ERR, LIVR_INCOMP...): reminders hold
  while the platform says so, and the invoice's dispute is set.
- 208 Suspendue: the client waits for something (JUSTIF_ABS: a supporting document,
  CMD_ERR: the order reference...): reminders hold until it is provided.
"""
from __future__ import annotations

from pyfuncs.domain.einvoicing import DISPUTED, REFUSED, REJECTED

SUSPENDED = "208"
__all__ = ["DISPUTED", "REFUSED", "REJECTED", "SUSPENDED"]

# the seller's next step, per status waiting for one (fr, en)
ACTIONS: dict[str, tuple[str, str]] = {
    REJECTED: ("Corriger puis retransmettre", "Correct, then transmit again"),
    REFUSED: ("Émettre un avoir", "Issue a credit note"),
    DISPUTED: ("Régler le litige avec le client", "Settle the dispute with the client"),
    SUSPENDED: ("Fournir ce que le client attend", "Provide what the client waits for"),
}

# why reminders hold on a document with this status (fr, en)
REMINDER_HOLDS: dict[str, tuple[str, str]] = {
    REFUSED: (("refusée par le client sur la plateforme (210) : à annuler par un avoir, "
               "plus relancée"),
              ("refused by the client on the platform (210): to cancel by a credit note, "
               "no longer reminded")),
    DISPUTED: ("en litige sur la plateforme (207)", "disputed on the platform (207)"),
    SUSPENDED: ("suspendue par le client sur la plateforme (208)",
                "suspended by the client on the platform (208)"),
}

# the reason codes of BR-FR-CDV-CL-09, in words (fr, en)
REASONS: dict[str, tuple[str, str]] = {
    "REJ_SEMAN": ("règle sémantique non respectée", "a semantic rule broken"),
    "REJ_UNI": ("numéro déjà reçu (unicité)", "number already received (uniqueness)"),
    "REJ_COH": ("données incohérentes", "inconsistent data"),
    "REJ_ADR": ("adressage impossible", "cannot be routed"),
    "REJ_CONT_B2G": ("contrôle B2G non passé", "a public-sector check failed"),
    "REJ_REF_PJ": ("pièce jointe référencée absente", "referenced attachment missing"),
    "REJ_ASS_PJ": ("pièce jointe non associée", "attachment not associated"),
    "DOUBLON": ("doublon", "duplicate"),
    "DEST_INC": ("destinataire inconnu", "unknown addressee"),
    "DEST_ERR": ("erreur de destinataire", "wrong addressee"),
    "ADR_ERR": ("adresse erronée", "wrong address"),
    "MONTANTTOTAL_ERR": ("montant total erroné", "wrong total amount"),
    "CALCUL_ERR": ("erreur de calcul", "calculation error"),
    "TX_TVA_ERR": ("taux de TVA erroné", "wrong VAT rate"),
    "NON_CONFORME": ("facture non conforme", "invoice not compliant"),
    "TRANSAC_INC": ("transaction inconnue", "unknown transaction"),
    "EMMET_INC": ("émetteur inconnu", "unknown issuer"),
    "CONTRAT_TERM": ("contrat terminé", "contract ended"),
    "DOUBLE_FACT": ("facturé deux fois", "invoiced twice"),
    "CMD_ERR": ("référence de commande erronée ou absente", "order reference wrong or missing"),
    "REF_CT_ABSENT": ("référence du contrat absente", "contract reference missing"),
    "REF_ERR": ("référence erronée", "wrong reference"),
    "SIRET_ERR": ("SIRET erroné", "wrong SIRET"),
    "CODE_ROUTAGE_ERR": ("code de routage erroné", "wrong routing code"),
    "COORD_BANC_ERR": ("coordonnées bancaires erronées", "wrong bank details"),
    "PU_ERR": ("prix unitaire erroné", "wrong unit price"),
    "REM_ERR": ("remise erronée", "wrong discount"),
    "QTE_ERR": ("quantité erronée", "wrong quantity"),
    "ART_ERR": ("article erroné", "wrong item"),
    "MODPAI_ERR": ("mode de paiement erroné", "wrong payment means"),
    "QUALITE_ERR": ("qualité contestée", "quality disputed"),
    "LIVR_INCOMP": ("livraison incomplète", "incomplete delivery"),
    "JUSTIF_ABS": ("justificatif absent", "supporting document missing"),
    "AUTRE": ("autre motif", "other reason"),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "fr" else pair[1]


def action(code: str, lang: str) -> str:
    """The seller's next step for a document whose current status is ``code``; "" if
    none."""
    return _pick(ACTIONS[code], lang) if code in ACTIONS else ""


def reminder_hold(code: str, lang: str) -> str:
    """Why reminders hold on a document whose current status is ``code``; "" if they do
    not."""
    return _pick(REMINDER_HOLDS[code], lang) if code in REMINDER_HOLDS else ""


def with_code(reason_code: str, reason: str) -> str:
    """A status's reason as the ledger keeps it: ``[CODE] text``."""
    return f"[{reason_code}] {reason}".strip() if reason_code else reason


def split_reason(kept: str) -> tuple[str, str]:
    """(code, text) of a reason kept by ``with_code``."""
    if kept.startswith("[") and "]" in kept:
        code, _, rest = kept[1:].partition("]")
        if code and code.replace("_", "").isalnum():
            return code, rest.strip()
    return "", kept


def reason_text(kept: str, lang: str) -> str:
    """A status's reason as the user reads it: the code in words, then the text given."""
    reason_code, reason = split_reason(kept)
    words = _pick(REASONS[reason_code], lang) if reason_code in REASONS else reason_code
    if words and reason and reason != reason_code:
        return f"{words} : {reason}" if lang == "fr" else f"{words}: {reason}"
    return words or reason
