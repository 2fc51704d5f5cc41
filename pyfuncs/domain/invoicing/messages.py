"""The findings "Générer les factures" gives about what it cannot issue, in the user's
language: what is wrong and how to fix it."""
from __future__ import annotations

from pyfuncs.domain.context import message

NO_LINES = message("La pièce à émettre {doc} n'a aucune ligne.",
                   "Saisir ses lignes dans « Lignes de facture » (colonne Réf. facture = {doc}).",
                   "Document {doc} to issue has no lines.",
                   "Enter its lines in \"Invoice lines\" (Invoice ref. column = {doc}).")
UNKNOWN_CLIENT = message("Client {client} inconnu : la pièce ne peut pas être émise.",
                         "Créer le client dans la feuille Clients ou corriger le code.",
                         "Unknown client {client}: the document cannot be issued.",
                         "Create the client in the Clients sheet or correct the code.")
CREDIT_TARGET = message("L'avoir à émettre cite « {credited} », qui n'est pas une facture émise.",
                        "Saisir dans « Facture d'origine » le numéro d'une facture émise.",
                        "The credit note to issue names \"{credited}\", which is not an issued "
                        "invoice.",
                        "Enter an issued invoice's number in \"Credited invoice\".")
CREDIT_OVER = message("L'avoir de {amount} dépasse ce qui reste à créditer sur {credited} "
                      "({room}).",
                      "Réduire l'avoir : on ne crédite pas plus que la facture.",
                      "The credit note of {amount} exceeds what is left to credit on "
                      "{credited} ({room}).",
                      "Reduce the credit note: no more than the invoice can be credited.")
CREDIT_SIGN = message("L'avoir à émettre {doc} totalise {amount} : un avoir est négatif.",
                      "Saisir ses quantités en négatif.",
                      "Credit note {doc} to issue totals {amount}: a credit note is negative.",
                      "Enter its quantities as negative.")
INVOICE_SIGN = message("La facture à émettre {doc} totalise {amount} : une facture est positive "
                       "(pour créditer, émettre un avoir).",
                       "Corriger les lignes, ou changer le type en Avoir.",
                       "Invoice {doc} to issue totals {amount}: an invoice is positive (to "
                       "credit, issue a credit note).",
                       "Correct the lines, or change the type to Credit note.")
DUE_ILLEGAL = message("Échéance du {due} au-delà du maximum légal ({latest}) : la pièce n'est "
                      "pas émise.",
                      "Ramener l'échéance à 60 jours date de facture ou 45 jours fin de mois "
                      "au plus (L441-10).",
                      "Due date {due} beyond the legal maximum ({latest}): not issued.",
                      "Bring the due date within 60 days of the invoice date or 45 days end of "
                      "month (L441-10).")
DATE_AFTER = message("La pièce {doc} est datée du {day}, après la date d'émission {today}.",
                     "Vider la date (elle sera celle de l'émission) ou émettre à cette date.",
                     "Document {doc} is dated {day}, after the issue date {today}.",
                     "Clear the date (it becomes the issue date) or issue on that date.")
PO_MISSING = message("Le client {client} exige un N° de commande, absent du devis {quote} : la "
                     "facture n'est pas émise.",
                     "Saisir le N° de commande du client dans la feuille Devis.",
                     "Client {client} requires a PO number, missing on quote {quote}: no "
                     "invoice issued.",
                     "Enter the client's PO number in the Quotes sheet.")
PO_CONTRACT = message("Le client {client} exige un N° de commande, absent du contrat {contract} : "
                      "ses périodes ne sont pas facturées.",
                      "Saisir le N° de commande du client dans la feuille Contrats.",
                      "Client {client} requires a PO number, missing on contract {contract}: "
                      "its periods are not billed.",
                      "Enter the client's PO number in the Contracts sheet.")
CONTRACT_LINE_UNREADABLE = message(
    "Contrat {contract} : une de ses lignes (feuille Lignes de contrat) est illisible et a "
    "été ignorée ; le contrat n'est pas facturé, pour ne pas émettre une facture incomplète.",
    "Corriger la ligne signalée dans la feuille Lignes de contrat.",
    "Contract {contract}: one of its lines (Contract lines sheet) is unreadable and was "
    "skipped; the contract is not billed, so as not to issue an incomplete invoice.",
    "Correct the line reported in the Contract lines sheet.")
QUOTE_LINE_UNREADABLE = message(
    "Devis {quote} : ligne(s) {rows} de la feuille Lignes de devis illisible(s), ignorée(s) "
    "à la lecture ; le devis n'est pas facturé (ni acompte, ni échéance, ni solde), pour ne "
    "pas émettre une facture incomplète.",
    "Corriger la ou les lignes signalées dans la feuille Lignes de devis.",
    "Quote {quote}: row(s) {rows} of the Quote lines sheet unreadable, skipped by the "
    "reader; the quote is not billed (no deposit, milestone or final invoice), so as not to "
    "issue an incomplete invoice.",
    "Correct the line(s) reported in the Quote lines sheet.")
PO_DRAFT = message("Le client {client} exige un N° de commande, absent de la pièce {doc}.",
                   "Saisir le N° de commande avant l'émission.",
                   "Client {client} requires a PO number, missing on document {doc}.",
                   "Enter the PO number before issuing.")
EMPTY_QUOTE = message("Le devis {quote} (version {version}) n'a aucune ligne : rien à facturer.",
                      "Saisir les lignes du devis.",
                      "Quote {quote} (version {version}) has no lines: nothing to invoice.",
                      "Enter the quote's lines.")
MILESTONE_AMOUNT = message("L'échéance « {label} » du devis {quote} n'a ni % ni montant.",
                           "Saisir le % du devis ou le montant HT de l'échéance.",
                           "Milestone \"{label}\" of quote {quote} has neither % nor amount.",
                           "Enter the milestone's % of the quote or its net amount.")
MILESTONE_OVER = message("L'échéance « {label} » ({amount} HT) dépasse ce qui reste à facturer "
                         "sur le devis {quote} ({room} HT) : non émise.",
                         "Corriger le % ou le montant de l'échéance.",
                         "Milestone \"{label}\" ({amount} excl. VAT) exceeds what is left to "
                         "invoice on quote {quote} ({room}): not issued.",
                         "Correct the milestone's % or amount.")
TIME_CLIENT = message("Temps du {day} : client {client} inconnu, non facturé.",
                      "Corriger le code client.",
                      "Time entry of {day}: unknown client {client}, not invoiced.",
                      "Correct the client code.")

