"""Every input Excel Table of the workbook: its columns, their types and lists, and the
formulas of its calculated columns (which round where Python rounds: domain/computed.py)."""
from __future__ import annotations

from pyfuncs.domain.schema.model import (
    BOOL,
    CHOICE,
    DATE,
    EMAIL,
    ID,
    INT,
    MONEY,
    NUMBER,
    RATE,
    TEXT,
    VAT_RATES,
    C,
    Table,
)


def _vat_formula(lines: str, criteria: str) -> str:
    """VAT per rate on the total of the lines at that rate, one ROUND per rate."""
    parts = []
    for rate in VAT_RATES:
        if rate == 0:
            continue
        parts.append(f"ROUND(SUMIFS({{{lines}.net}},{criteria},{{{lines}.vat_rate}},{rate})"
                     f"*{rate},2)")
    return "+".join(parts)


TABLES: tuple[Table, ...] = (
    Table("Parametres", "settings", (
        C("key", "Clé", "Key", ID, required=True, unique=True, width=24),
        C("label", "Paramètre", "Setting", width=40),
        C("value", "Valeur", "Value", width=36),
        C("help", "Aide", "Help", width=50),
    ), key=("key",), doc_fr="Identité du vendeur, numérotation, conditions, envoi.",
        doc_en="Seller identity, numbering, terms, sending."),
    Table("NiveauxRelance", "settings", (
        C("level", "Niveau", "Level", INT, required=True, unique=True, width=8),
        C("days", "Jours après échéance", "Days after due", INT, required=True, width=12),
        C("tone", "Ton", "Tone", CHOICE, required=True, choices="tone", width=16),
        C("template", "Modèle", "Template", required=True, width=22),
        C("attach_invoice", "Joindre la facture", "Attach invoice", BOOL, choices="yesno",
          width=10),
        C("cc_owner", "Copie au responsable", "Cc owner", BOOL, choices="yesno", width=10),
    ), key=("level",), first_col=5, doc_fr="Niveaux de relance.", doc_en="Reminder levels."),
    Table("TauxPenalite", "settings", (
        C("start", "Du", "From", DATE, required=True, width=12),
        C("end", "Au", "To", DATE, required=True, width=12),
        C("ecb_rate", "Taux BCE", "ECB rate", RATE, required=True, width=10, fmt="0.00%"),
        C("penalty_rate", "Taux de pénalités", "Penalty rate", RATE, required=True, width=12,
          fmt="0.00%"),
        C("legal_rate", "Taux d'intérêt légal", "Legal interest rate", RATE, width=12,
          fmt="0.00%"),
    ), key=("start",), first_col=12, doc_fr="Taux BCE + 10 points par semestre.",
        doc_en="ECB rate + 10 points per half-year."),
    Table("Clients", "clients", (
        C("id", "Code client", "Client code", ID, required=True, unique=True, width=12),
        C("name", "Raison sociale", "Company name", required=True, width=30),
        C("legal_form", "Forme juridique", "Legal form", width=10),
        C("private", "Particulier", "Private person", BOOL, choices="yesno", width=10,
          help_fr="oui : une personne physique qui n'achète pas pour une activité "
                  "professionnelle (vente B2C) : ni SIREN ni adresse électronique exigés, "
                  "ses ventes et paiements vont en e-reporting, pas à la plateforme.",
          help_en="yes: a natural person not buying for a business (B2C sale): no SIREN "
                  "nor electronic address needed; its sales and payments are e-reported, "
                  "not sent to the platform."),
        C("siren", "SIREN", "SIREN", ID, width=12),
        C("siret", "SIRET", "SIRET", ID, width=16),
        C("vat_number", "N° TVA", "VAT number", ID, width=16),
        C("country", "Pays", "Country", ID, required=True, width=7,
          help_fr="Code ISO à 2 lettres : FR, DE, CH..."),
        C("address", "Adresse", "Address", width=30),
        C("postcode", "Code postal", "Postcode", width=10),
        C("city", "Ville", "City", width=16),
        C("electronic_address", "Adresse électronique", "Electronic address", width=20,
          help_fr="BT-49 : adresse de réception des factures électroniques."),
        C("billing_contact", "Contact facturation", "Billing contact", width=20),
        C("billing_email", "Email facturation", "Billing email", EMAIL, width=26),
        C("accounting_email", "Email comptabilité", "Accounting email", EMAIL, width=26),
        C("terms", "Conditions de paiement", "Payment terms", CHOICE, choices="terms",
          width=20),
        C("payment_mode", "Mode de paiement", "Payment mode", CHOICE, choices="payment_mode",
          width=12),
        C("language", "Langue", "Language", CHOICE, choices="lang", width=8),
        C("po_required", "Bon de commande exigé", "PO required", BOOL, choices="yesno",
          width=10),
        C("reminders_paused", "Relances suspendues", "Reminders paused", BOOL,
          choices="yesno", width=10),
        C("owner", "Responsable interne", "Internal owner", EMAIL, width=24),
        C("iban", "IBAN", "IBAN", ID, width=30,
          help_fr="Compte(s) d'où le client paie, séparés par des virgules : ses virements "
                  "sont reconnus au rapprochement bancaire.",
          help_en="Account(s) the client pays from, comma-separated: its transfers are "
                  "recognised when reconciling the bank statement."),
        C("nature", "Nature des opérations", "Nature of supplies", CHOICE, choices="nature",
          width=18,
          help_fr="Biens, services ou les deux, mention des factures ; vide : celle des "
                  "Paramètres.",
          help_en="Goods, services or both, stated on the invoices; blank: the one in "
                  "Settings."),
        C("delivery_address", "Adresse de livraison", "Delivery address", width=30,
          help_fr="Lieu de livraison des biens quand il diffère de l'adresse de facturation "
                  "(mention des factures) ; vide : l'adresse de facturation.",
          help_en="Where goods are delivered when it differs from the billing address "
                  "(stated on the invoices); blank: the billing address."),
        C("delivery_postcode", "CP de livraison", "Delivery postcode", width=10),
        C("delivery_city", "Ville de livraison", "Delivery city", width=16),
    ), key=("id",), doc_fr="Les clients et leurs conditions.",
        doc_en="Clients and their terms."),
    Table("Devis", "quotes", (
        C("number", "N° devis", "Quote no.", ID, required=True, width=14),
        C("version", "Version", "Version", INT, required=True, width=8),
        C("client", "Client", "Client", ID, required=True, ref="Clients", width=10),
        C("date", "Date", "Date", DATE, required=True, width=11),
        C("title", "Objet", "Subject", width=30),
        C("status", "Statut", "Status", CHOICE, required=True, choices="quote_status",
          width=11),
        C("valid_until", "Valable jusqu'au", "Valid until", DATE, width=11),
        C("delivered", "Livré le", "Delivered on", DATE, width=11,
          help_fr="Fin de la prestation : la facture de solde (ou la facture complète) est "
                  "émise à partir de cette date.",
          help_en="Work completed: the final (or full) invoice is issued from this date."),
        C("deposit_pct", "Acompte %", "Deposit %", RATE, width=9),
        C("po", "N° commande client", "Client PO no.", TEXT, width=12,
          help_fr="Repris sur les factures du devis (mention obligatoire quand le client "
                  "en émet un)."),
        C("net", "Total HT", "Net total", MONEY, width=13, formula=(
            "SUMIFS({LignesDevis.net},{LignesDevis.quote},{number},"
            "{LignesDevis.version},{version})")),
        C("vat", "TVA", "VAT", MONEY, width=12, formula=_vat_formula(
            "LignesDevis", "{LignesDevis.quote},{number},{LignesDevis.version},{version}")),
        C("total", "Total TTC", "Total incl. VAT", MONEY, width=13,
          formula="{net}+{vat}"),
    ), key=("number", "version"), doc_fr="Devis, une ligne par version.",
        doc_en="Quotes, one row per version."),
    Table("LignesDevis", "quote_lines", (
        C("quote", "N° devis", "Quote no.", ID, required=True, ref="Devis.number", width=14),
        C("version", "Version", "Version", INT, required=True, width=8),
        C("label", "Désignation", "Description", required=True, width=40),
        C("quantity", "Quantité", "Quantity", NUMBER, required=True, width=10),
        C("unit", "Unité", "Unit", width=8),
        C("unit_price", "Prix unitaire HT", "Unit price", MONEY, required=True, width=13),
        C("vat_rate", "Taux TVA", "VAT rate", RATE, required=True, width=9),
        C("net", "Montant HT", "Net amount", MONEY, width=13,
          formula="ROUND({quantity}*{unit_price},2)"),
    ), doc_fr="Lignes des devis.", doc_en="Quote lines."),
    Table("Echeances", "milestones", (
        C("quote", "N° devis", "Quote no.", ID, required=True, ref="Devis.number", width=14),
        C("label", "Jalon", "Milestone", required=True, width=30),
        C("pct", "% du devis", "% of quote", RATE, width=9),
        C("amount", "Montant HT", "Net amount", MONEY, width=13),
        C("planned_date", "Date prévue", "Planned date", DATE, width=11),
        C("status", "Statut", "Status", CHOICE, required=True, choices="milestone_status",
          width=16),
        C("invoice", "N° facture", "Invoice no.", ID, width=14),
    ), doc_fr="Échéances (jalons) des devis ; « Prête à facturer » quand le chef de projet "
              "la valide.", doc_en="Quote milestones."),
    Table("Temps", "time", (
        C("date", "Date", "Date", DATE, required=True, width=11),
        C("client", "Client", "Client", ID, required=True, ref="Clients", width=10),
        C("project", "Projet / devis", "Project / quote", ID, width=14),
        C("consultant", "Consultant", "Consultant", required=True, width=16),
        C("quantity", "Jours", "Days", NUMBER, required=True, width=8),
        C("rate", "Taux journalier HT", "Daily rate", MONEY, required=True, width=12),
        C("amount", "Montant HT", "Net amount", MONEY, width=13,
          formula="ROUND({quantity}*{rate},2)"),
        C("validated", "Validé", "Validated", BOOL, choices="yesno", width=9),
        C("invoice", "N° facture", "Invoice no.", ID, width=14),
    ), doc_fr="Temps passés (régie).", doc_en="Time entries (time and materials)."),
    Table("Factures", "invoices", (
        C("id", "Réf.", "Ref.", ID, required=True, unique=True, width=10,
          help_fr="Référence interne de la pièce ; le numéro légal est attribué à "
                  "l'émission."),
        C("type", "Type", "Type", CHOICE, required=True, choices="invoice_type", width=9),
        C("number", "N° facture", "Invoice no.", ID, unique=True, width=14),
        C("issue_date", "Date", "Date", DATE, width=11),
        C("client", "Client", "Client", ID, required=True, ref="Clients", width=10),
        C("quote", "N° devis", "Quote no.", ID, width=14),
        C("quote_version", "Version devis", "Quote version", INT, width=8),
        C("po", "N° commande", "PO no.", TEXT, width=12),
        C("credited", "Facture d'origine", "Credited invoice", ID, width=14),
        C("terms", "Conditions", "Terms", CHOICE, choices="terms", width=14),
        C("due_date", "Échéance", "Due date", DATE, width=11),
        C("currency", "Devise", "Currency", width=7),
        C("net", "Total HT", "Net total", MONEY, width=13, formula=(
            "SUMIFS({LignesFacture.net},{LignesFacture.invoice},{id})")),
        C("vat", "TVA", "VAT", MONEY, width=12, formula=_vat_formula(
            "LignesFacture", "{LignesFacture.invoice},{id}")),
        C("total", "Total TTC", "Total incl. VAT", MONEY, width=13, formula="{net}+{vat}"),
        C("paid", "Réglé", "Paid", MONEY, width=12, formula=(
            'IF({number}="",0,SUMIFS({Paiements.amount},{Paiements.invoice},{number}))')),
        # An issued credit note naming an issued (or cancelled) invoice of the same client
        # is applied to it: its total and its own payments fold into that invoice's
        # balance (negative when over-credited) and its own balance is 0. One naming no
        # such invoice stays a credit of the client. Mirrored by computed.invoice_balances.
        # The COUNTIF on the credited invoice alone guards the two 4-criteria SUMIFS: it
        # gives the same 0 when no credit note names the invoice (most rows), and costs
        # LibreOffice one scan of the column instead of eight (benchmarks/lo_recalc.py).
        C("balance", "Reste dû", "Balance due", MONEY, width=12, formula=(
            'IF({number}="",0,'
            'IF(AND({type}="@credit_note",{status}="@issued",{credited}<>""),'
            'IF(COUNTIFS({Factures.number},{credited},{Factures.client},{client},'
            '{Factures.type},"<>"&"@credit_note",{Factures.status},"@issued")'
            '+COUNTIFS({Factures.number},{credited},{Factures.client},{client},'
            '{Factures.type},"<>"&"@credit_note",{Factures.status},"@cancelled")>0,'
            '0,{total}-{paid}),'
            '{total}-{paid}+IF(AND({type}<>"@credit_note",'
            'OR({status}="@issued",{status}="@cancelled")),'
            'IF(COUNTIF({Factures.credited},{number})=0,0,'
            'SUMIFS({Factures.total},{Factures.credited},{number},{Factures.client},{client},'
            '{Factures.type},"@credit_note",{Factures.status},"@issued")'
            '-SUMIFS({Factures.paid},{Factures.credited},{number},{Factures.client},{client},'
            '{Factures.type},"@credit_note",{Factures.status},"@issued")),0)))')),
        C("days_late", "Jours de retard", "Days late", INT, width=9, formula=(
            'IF(AND({balance}>0,ISNUMBER({due_date})),MAX(0,TODAY()-{due_date}),0)')),
        C("status", "Statut", "Status", CHOICE, required=True, choices="invoice_status",
          width=10),
        C("dispute", "Litige", "Dispute", BOOL, choices="yesno", width=8),
        C("promise_date", "Promesse de paiement", "Promise to pay", DATE, width=11),
        C("sent_date", "Envoyée le", "Sent on", DATE, width=11),
        C("interrupted", "Prescription interrompue le", "Limitation interrupted on", DATE,
          width=13,
          help_fr="Date d'une reconnaissance de dette écrite du client ou d'une action en "
                  "justice (injonction de payer) : le délai de prescription repart de ce "
                  "jour. Un paiement l'interrompt sans rien saisir ici.",
          help_en="Date of the client's written acknowledgement of the debt or of a claim "
                  "in court: the limitation period starts again from that day. A payment "
                  "interrupts it with nothing to enter here."),
    ), key=("id",), doc_fr="Factures, avoirs (montants négatifs) et acomptes.",
        doc_en="Invoices, credit notes (negative amounts) and deposits."),
    Table("LignesFacture", "invoice_lines", (
        C("invoice", "Réf. facture", "Invoice ref.", ID, required=True, ref="Factures",
          width=10),
        C("label", "Désignation", "Description", required=True, width=40),
        C("quantity", "Quantité", "Quantity", NUMBER, required=True, width=10),
        C("unit", "Unité", "Unit", width=8),
        C("unit_price", "Prix unitaire HT", "Unit price", MONEY, required=True, width=13),
        C("vat_rate", "Taux TVA", "VAT rate", RATE, required=True, width=9),
        C("net", "Montant HT", "Net amount", MONEY, width=13,
          formula="ROUND({quantity}*{unit_price},2)"),
        C("source", "Origine", "Source", width=18),
        C("service_start", "Prestation du", "Service from", DATE, width=11,
          help_fr="Date (ou début de la période) de la prestation, si elle diffère de la "
                  "date d'émission (CGI ann. II art. 242 nonies A) ; vide : le jour "
                  "d'émission.",
          help_en="Date (or start of the period) of the service, when it differs from the "
                  "issue date; blank: the issue date."),
        C("service_end", "Prestation au", "Service to", DATE, width=11,
          help_fr="Fin de la période de la prestation (vide : un seul jour).",
          help_en="End of the service period (blank: a single day)."),
        C("nature", "Nature", "Nature", CHOICE, choices="line_nature", width=9,
          help_fr="Bien ou service : à remplir pour un client « Biens et services » hors "
                  "de France (livraison exonérée ou prestation autoliquidée / hors champ) ; "
                  "vide : la nature du client.",
          help_en="Goods or service: fill it in for a \"Goods and services\" client outside "
                  "France (exempt supply of goods, or reverse-charged / out-of-scope "
                  "service); blank: the client's nature."),
    ), doc_fr="Lignes des factures et avoirs.", doc_en="Invoice and credit note lines."),
    Table("Paiements", "payments", (
        C("date", "Date", "Date", DATE, required=True, width=11),
        C("client", "Client", "Client", ID, ref="Clients", width=10),
        C("invoice", "N° facture", "Invoice no.", ID, width=14,
          help_fr="Vide : paiement non affecté (crédit du client)."),
        C("amount", "Montant", "Amount", MONEY, required=True, width=13),
        C("mode", "Mode", "Mode", CHOICE, choices="payment_mode", width=11),
        C("reference", "Référence", "Reference", width=24),
    ), doc_fr="Règlements reçus.", doc_en="Payments received."),
    Table("Taux", "rates", (
        C("currency", "Devise", "Currency", ID, required=True, width=9),
        C("date", "Date", "Date", DATE, required=True, width=11),
        C("rate", "Valeur en EUR", "Value in EUR", NUMBER, required=True, width=12,
          fmt="0.000000", help_fr="Valeur d'une unité de la devise en euros."),
    ), key=("currency", "date"), doc_fr="Taux de change pour la balance âgée.",
        doc_en="Exchange rates for the aged balance."),
    Table("Relances", "reminders", (
        C("date", "Date", "Date", DATE, required=True, width=11),
        C("client", "Client", "Client", ID, required=True, ref="Clients", width=10),
        C("level", "Niveau", "Level", INT, required=True, width=7),
        C("invoices", "Factures", "Invoices", width=30),
        C("to", "Destinataire", "To", width=26),
        C("subject", "Objet", "Subject", width=40),
        C("status", "Statut", "Status", CHOICE, choices="reminder_status", width=10),
        C("message_id", "Message-ID", "Message-ID", width=30),
    ), doc_fr="Journal des relances envoyées.", doc_en="Log of reminders sent."),
    Table("Echeancier", "payment_plan", (
        C("invoice", "N° facture", "Invoice no.", ID, required=True, ref="Factures.number",
          width=14),
        C("date", "Date de l'échéance", "Instalment date", DATE, required=True, width=12),
        C("amount", "Montant TTC", "Amount incl. VAT", MONEY, required=True, width=13),
        C("note", "Commentaire", "Note", width=30),
    ), key=("invoice", "date"),
        doc_fr="Échéancier de paiement accordé : chaque échéance est relancée à sa date, au "
               "lieu de l'échéance de la facture.",
        doc_en="Agreed payment plan: each instalment is reminded on its own date instead of "
               "the invoice's due date."),
    Table("Contrats", "contracts", (
        C("id", "Réf. contrat", "Contract ref.", ID, required=True, unique=True, width=12,
          help_fr="Identifie le contrat sur ses factures (Origine) : ne plus la changer une "
                  "fois une période facturée.",
          help_en="Names the contract on its invoices (Source): do not change it once a "
                  "period is billed."),
        C("client", "Client", "Client", ID, required=True, ref="Clients", width=10),
        C("label", "Libellé", "Description", required=True, width=30),
        C("amount", "Montant HT par période", "Net amount per period", MONEY, width=13,
          help_fr="Prix de base P0, avant révision. Vide si le contrat a ses lignes dans "
                  "la feuille Lignes de contrat.",
          help_en="Base price P0, before revision. Blank when the contract has its lines "
                  "in the Contract lines sheet."),
        C("vat_rate", "Taux TVA", "VAT rate", RATE, width=9,
          help_fr="Vide : 20 %.", help_en="Blank: 20%."),
        C("period", "Périodicité", "Period", CHOICE, required=True, choices="contract_period",
          width=13, help_fr="Périodes civiles : mois, trimestres, semestres, années.",
          help_en="Calendar periods: months, quarters, half-years, years."),
        C("billing_day", "Jour de facturation", "Billing day", INT, width=9,
          help_fr="Jour du mois (1 à 31, vide : 1).", help_en="Day of the month (1-31, "
                  "blank: 1)."),
        C("timing", "Terme", "Billed", CHOICE, required=True, choices="billing_timing",
          width=11, help_fr="À échoir : facturé au début de la période ; échu : le mois "
                            "suivant sa fin.",
          help_en="In advance: billed at the period's start; in arrears: the month after "
                  "its end."),
        C("start", "Début", "Start date", DATE, required=True, width=11),
        C("end", "Fin", "End date", DATE, width=11),
        C("status", "Statut", "Status", CHOICE, required=True, choices="contract_status",
          width=10),
        C("po", "N° de commande client", "Client PO no.", width=14,
          help_fr="Reporté sur chaque facture du contrat ; obligatoire si le client exige "
                  "un N° de commande.",
          help_en="Carried to each invoice of the contract; required when the client "
                  "requires a PO number."),
        C("notice_months", "Préavis (mois)", "Notice (months)", INT, width=9,
          help_fr="Préavis de résiliation du contrat, en mois.",
          help_en="The contract's termination notice, in months."),
        C("notice_date", "Résiliation notifiée le", "Notice given on", DATE, width=11,
          help_fr="Date de la lettre de résiliation : la fin doit tomber au moins un préavis "
                  "plus tard.",
          help_en="Date of the termination letter: the end must fall at least one notice "
                  "period later."),
        C("index", "Indice de révision", "Revision index", ID, width=12,
          help_fr="Ex. Syntec ; ses valeurs dans la feuille Indices. Vide : pas de révision.",
          help_en="E.g. Syntec; its values in the Indices sheet. Blank: no revision."),
        C("base_index", "Indice de base S0", "Base index S0", NUMBER, width=10),
        C("revision_month", "Mois de révision", "Revision month", INT, width=9,
          help_fr="1 à 12 : P1 = P0 × S1 / S0, S1 l'indice de ce mois, chaque année.",
          help_en="1-12: P1 = P0 x S1 / S0, S1 the index of that month, each year."),
    ), key=("id",), doc_fr="Contrats facturés chaque période (abonnements, maintenance).",
        doc_en="Contracts billed every period (subscriptions, maintenance)."),
    Table("LignesContrat", "contract_lines", (
        C("contract", "Réf. contrat", "Contract ref.", ID, required=True, ref="Contrats",
          width=12),
        C("label", "Désignation", "Description", required=True, width=40),
        C("quantity", "Quantité", "Quantity", NUMBER, required=True, width=10),
        C("unit", "Unité", "Unit", width=8),
        C("unit_price", "Prix unitaire HT", "Unit price", MONEY, required=True, width=13,
          help_fr="Par période, avant révision (P0).",
          help_en="Per period, before revision (P0)."),
        C("vat_rate", "Taux TVA", "VAT rate", RATE, width=9,
          help_fr="Vide : celui du contrat.", help_en="Blank: the contract's."),
        C("net", "Montant HT", "Net amount", MONEY, width=13,
          formula="ROUND({quantity}*{unit_price},2)"),
    ), doc_fr="Lignes des contrats facturés en plusieurs lignes (un contrat sans ligne est "
              "facturé de son montant).",
        doc_en="Lines of contracts billed in several lines (a contract without lines is "
               "billed its amount)."),
    Table("Indices", "indices", (
        C("name", "Indice", "Index", ID, required=True, width=12),
        C("month", "Mois", "Month", DATE, required=True, width=11,
          help_fr="Le 1er du mois.", help_en="The 1st of the month."),
        C("value", "Valeur", "Value", NUMBER, required=True, width=10, fmt="0.0###"),
    ), key=("name", "month"), doc_fr="Valeurs des indices de révision (Syntec...).",
        doc_en="Revision index values (Syntec...)."),
)

