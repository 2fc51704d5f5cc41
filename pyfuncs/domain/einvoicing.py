"""E-invoicing through an approved platform (DOMAIN.md §6; docs/E-INVOICING.md): which
documents must go through the platform, under which processing rule, the lifecycle status
codes of XP Z12-012 (France RFE CDAR rules, BR-FR-CDV-CL-06) and what each means for the
rest of the product, and the "E-facturation" output sheet."""
from __future__ import annotations

from pyfuncs.domain import schema as S
from pyfuncs.domain.context import is_yes

# The status codes of the invoice lifecycle (XP Z12-012 / DGFiP external specifications,
# the list of BR-FR-CDV-CL-06 in ../shared/france-rfe/FNFE_RFE_INVOICE/CDAR). 200-214 are
# the ones an issuer follows; the others exist and are shown by their code.
STATUSES: dict[str, tuple[str, str]] = {
    "200": ("Déposée", "Submitted"),
    "201": ("Émise par la plateforme", "Issued by the platform"),
    "202": ("Reçue par la plateforme", "Received by the platform"),
    "203": ("Mise à disposition", "Made available"),
    "204": ("Prise en charge", "Taken over"),
    "205": ("Approuvée", "Approved"),
    "206": ("Approuvée partiellement", "Partially approved"),
    "207": ("En litige", "Disputed"),
    "208": ("Suspendue", "Suspended"),
    "209": ("Complétée", "Completed"),
    "210": ("Refusée", "Refused"),
    "211": ("Paiement transmis", "Payment sent"),
    "212": ("Encaissée", "Paid"),
    "213": ("Rejetée", "Rejected"),
    "214": ("Visée", "Endorsed"),
}
REJECTED, REFUSED, DISPUTED = "213", "210", "207"
# a rejection (213) is the platform's: the document breaks a rule and never reached the
# client; it is corrected and submitted again under the same number. A refusal (210) is
# the client's: the invoice stands in the register and is cancelled by a credit note.

# Declared like schema.SHEETS' output sheets but kept out of that tuple for now: the sheet
# appears at the first « Mettre à jour les statuts », so a workbook without a platform
# gets no empty sheet (to join SHEETS when the template shows it by default).
SHEET = S.Sheet("einvoicing", "E-facturation", "E-invoicing", output=True, columns=(
    S.Column("number", "N° pièce", "Document no.", S.ID, width=16),
    S.Column("client", "Client", "Client", S.ID, width=10),
    S.Column("rule", "Cadre", "Processing rule", width=10),
    S.Column("flow", "Identifiant du flux", "Flow id", width=38),
    S.Column("code", "Statut", "Status", width=8),
    S.Column("status", "Libellé", "Label", width=24),
    S.Column("date", "Date du statut", "Status date", width=20),
    S.Column("reason", "Motif", "Reason", width=60),
    S.Column("action", "Action attendue", "Action needed", width=30),
), doc_fr="Pièces transmises à la plateforme agréée et leur dernier statut.",
    doc_en="Documents handed to the approved platform and their last status.")


def status_label(code: str, lang: str) -> str:
    fr, en = STATUSES.get(code, (code, code))
    return fr if lang == "fr" else en


def processing_rule(seller_country: str, buyer_country: str, buyer_private: bool) -> str:
    """B2B for a domestic sale to a business (e-invoicing through the platform); B2BInt
    for a business abroad and B2C for a private person (Clients › Particulier), which are
    e-reported instead (ProcessingRule of the XP Z12-013 Flow Service). A business whose
    SIREN is missing stays B2B: it is a finding to correct, not a private person."""
    if buyer_private:
        return "B2C"
    if (buyer_country or "FR").upper() != (seller_country or "FR").upper():
        return "B2BInt"
    return "B2B"


def is_private(value: object) -> bool:
    """Clients › Particulier: « oui » (yes) marks a private person; blank, a business."""
    return is_yes(value)


def latest(history: list[tuple[str, str, str]]) -> tuple[str, str, str] | None:
    """The current status from a history of (at, code, reason), whatever order the
    messages came in: the latest time wins; at the same time, the higher code."""
    return max(history, key=lambda h: (h[0], h[1])) if history else None
